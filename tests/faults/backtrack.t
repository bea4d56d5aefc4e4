#!/bin/sh
# backtrack.t — a rule file with a catastrophic-backtracking pattern
# ((a+)+$, tests/fixtures/attack/backtrack.rules) added to the shipped rules:
# against a long line of "a" ending in "b" it hits PCRE2's match limit.
# `copytroll scan` and the milter (spoken to by miltertest) must accept the
# message, report the hit (match_limit_hits in the JSON and in the log
# line), still recognise a claim, and finish quickly.  The time bound (10 s
# per step) only guards against a hang: speed is measured in bench/.
# Needs the built programs; the milter part needs miltertest.  No root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/program-test.sh"
perl -MJSON::PP -e 1 2>/dev/null || skip_all "perl JSON::PP missing"

ATTACK=$CT_ROOT/tests/fixtures/attack
ct_workdir backtrack
ct_before_cleanup() {
  milter_stop
}

# The shipped rules (linked, not copied) plus the bad one.
mkdir "$WORK/rules.d"
for f in "$CT_ROOT"/conf/rules.d/*.rules; do ln -s "$f" "$WORK/rules.d/"; done
cp "$ATTACK/backtrack.rules" "$WORK/rules.d/99-backtrack.rules"
MILTER_LOG=$WORK/milter.log
milter_config "$WORK/milter.conf" "unix:$WORK/milter.sock" "$WORK/cases.db"
sed -i "s|^RulesDir .*|RulesDir $WORK/rules.d|" "$WORK/milter.conf"

out=$("$CT_CLI" rules lint "$WORK/rules.d" 2>&1)
ok "the rule set with the backtracking rule loads (rules lint)" test "$?" -eq 0 || diag "$out"

# field FILE KEY: a value from `copytroll scan --json` output.
field() {
  KEY=$2 perl -MJSON::PP -ne 'my $o = decode_json($_); my $v = $o->{$ENV{KEY}};
    print defined $v ? $v : "null"' <"$1"
}
for m in backtrack-plain backtrack-claim; do
  start=$(date +%s)
  timeout 10 "$CT_CLI" -c "$WORK/milter.conf" scan --json "$ATTACK/$m.eml" \
    >"$WORK/$m.json" 2>"$WORK/$m.err"
  rc=$?
  secs=$(( $(date +%s) - start ))
  is "$rc" 0 "scan $m: exits 0 within 10 s (took ~${secs} s)" || diag "$(cat "$WORK/$m.err")"
  hits=$(field "$WORK/$m.json" match_limit_hits)
  like "$hits" '^[1-9][0-9]*$' "scan $m: match_limit_hits reported ($hits)"
done
is "$(field "$WORK/backtrack-plain.json" verdict)" none "scan backtrack-plain: verdict none"
is "$(field "$WORK/backtrack-claim.json" verdict)/$(field "$WORK/backtrack-claim.json" case_id)" \
  claim/4831977 "scan backtrack-claim: still a claim, case 4831977"

if command -v miltertest >/dev/null 2>&1; then
  milter_start "$WORK/milter.conf" || bail_out "copytroll-milter did not start"
  start=$(date +%s)
  milter_lua "$T_DIR/backtrack.lua" "$ATTACK" 10
  note "through the milter: ~$(( $(date +%s) - start )) s"
  line=$(grep '4TQBT00001: verdict=' "$MILTER_LOG")
  like "$line" 'verdict=none .*match_limit_hits=[1-9]' \
    "milter log: ordinary message logged with match_limit_hits ($line)"
  line=$(grep '4TQBT00002: verdict=' "$MILTER_LOG")
  like "$line" 'verdict=claim .*match_limit_hits=[1-9]' \
    "milter log: claim logged with match_limit_hits ($line)"
  ok "milter still running" ct_alive "$MILTER_PID"
  milter_stop
  is "$MILTER_STATUS" 0 "milter stops cleanly"
  # The milter's counters (written at exit beside its pid file).
  status=$WORK/copytroll-milter.status
  if [ -f "$status" ]; then
    hits=$(awk '$1 == "match_limit_hits" { print $2 }' "$status")
    ok "the milter counted both match-limit hits (match_limit_hits $hits)" test "${hits:-0}" -ge 2
    if "$CT_CLI" help 2>&1 | grep -q '^ *stats'; then
      out=$("$CT_CLI" -c "$WORK/milter.conf" stats --status-file "$status" --json 2>&1)
      like "$out" '"match_limit_hits": ?[2-9]' "copytroll stats shows the hits" || diag "$out"
    fi
  else
    skip "the milter counted the match-limit hits" "this milter writes no status file"
  fi
else
  skip "the milter accepts and logs the match-limit hit" "miltertest not installed"
fi
done_testing
