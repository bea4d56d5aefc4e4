#!/bin/sh
# reload.t — SIGUSR1 under load, and SIGTERM with a message in flight.
# Two miltertest loops send a stream of mail (ordinary and COPYTRACK
# notices) while the test first adds a rule file that turns the ordinary
# message into a claim of a test agency and switches LogWhy on (a good
# reload: the new rule and option apply), then breaks that rule file (a
# failed reload: logged with file:line, the old rules stay).  No message may
# fail or be lost.  Then a message is left in flight across SIGTERM: it is
# still answered and tagged, and the milter exits 0.
# Unix sockets only: no root, no network.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
. "$T_DIR/../lib/milter.sh"
ct_paths "$0"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed (make deps)"
ct_require_programs

ct_workdir reload
LOOP_PIDS=
ct_before_cleanup() {
  : >"$WORK/stop"
  for p in $LOOP_PIDS; do kill "$p" 2>/dev/null; done
  milter_stop
}

FIX=$CT_ROOT/tests/fixtures/mail
RULES=$WORK/rules.d
mkdir -p "$RULES"
cp "$CT_ROOT"/conf/rules.d/*.rules "$RULES"/
MILTER_LOG=$WORK/milter.log
milter_config "$WORK/milter.conf" "unix:$WORK/milter.sock" "$WORK/cases.db" LogWhy no
sed -i "s|^RulesDir .*|RulesDir $RULES|" "$WORK/milter.conf"
milter_start "$WORK/milter.conf" || bail_out "copytroll-milter did not start"
SOCK=unix:$WORK/milter.sock

mt_run() {  # mt_run SCRIPT OUT [-D k=v]...: miltertest, output to OUT
  mr_script=$1 mr_out=$2
  shift 2
  timeout 120 miltertest -D sock="$SOCK" -D fixtures="$FIX" -D libdir="$CT_ROOT/tests/protocol" \
    "$@" -s "$T_DIR/$mr_script" >"$mr_out" 2>&1
}
probe() {  # probe QID: the X-Copytroll-Status of the ordinary message now
  mt_run probe.lua "$WORK/probe-$1.out" -D qid="$1"
  sed -n 's/^# status: //p' "$WORK/probe-$1.out"
}
wait_log() {  # wait_log ERE [SECONDS]: until the milter log has a matching line
  wl_left=$(( ${2:-10} * 10 ))
  while [ "$wl_left" -gt 0 ]; do
    grep -Eq -- "$1" "$MILTER_LOG" && return 0
    sleep 0.1
    wl_left=$((wl_left - 1))
  done
  return 1
}
scanned() { grep -Ec ': (RA|RB)[0-9]{5}: verdict=' "$MILTER_LOG"; }
wait_scanned() {  # wait_scanned N: until N more load messages were scanned
  ws_goal=$(( $(scanned) + $1 )) ws_left=300
  while [ "$ws_left" -gt 0 ] && [ "$(scanned)" -lt "$ws_goal" ]; do
    sleep 0.1
    ws_left=$((ws_left - 1))
  done
  [ "$(scanned)" -ge "$ws_goal" ]
}

is "$(probe PROBE00001)" "none" "before any reload: the ordinary message is not tagged"

# The load: two connections' worth of loops, bounded.
for tag in RA RB; do
  mt_run load-loop.lua "$WORK/loop-$tag.out" -D stopfile="$WORK/stop" -D tag=$tag -D max=4000 &
  LOOP_PIDS="$LOOP_PIDS $!"
done
ok "the load is flowing" wait_scanned 60

# Good reload: a new agency whose rule claims the ordinary message, and a
# config change (LogWhy yes), plus one start-up-only option (SocketMode).
cat >"$RULES/99-reload-test.rules" <<'RULES'
agency reloadtest
  name Reload Test Agency
  domains example.net

rule RT_GARDEN subject /garden party/i
  score 10
  agency reloadtest
  describe the subject of the ordinary fixture
RULES
sed -i 's/^LogWhy no$/LogWhy yes/' "$WORK/milter.conf"
echo "SocketMode 0600" >>"$WORK/milter.conf"
kill -USR1 "$MILTER_PID"
ok "good reload logged" wait_log 'reloaded .*: [0-9]+ rules, [0-9]+ agencies'
like "$(probe PROBE00002)" "^claim; agency=reloadtest;" "after the good reload the new rule applies"
ok "the reloaded LogWhy applies: rules named in the log" \
  wait_log ': PROBE00002: verdict=claim agency=reloadtest .* rules=(.*,)?RT_GARDEN(,|$)' 5
like "$(grep 'SocketMode' "$MILTER_LOG")" "SocketMode changed; it takes effect at the next restart" \
  "a start-up-only option is not changed by a reload, and the log says so"
ok "the load goes on after the good reload" wait_scanned 60

# Broken reload: a pattern that does not compile, at line 5.
cat >"$RULES/99-reload-test.rules" <<'RULES'
agency reloadtest
  name Reload Test Agency
  domains example.net

rule RT_GARDEN subject /garden (party/i
  score 10
  agency reloadtest
RULES
kill -USR1 "$MILTER_PID"
ok "failed reload logged" wait_log 'reload failed' 10
like "$(grep 'reload failed' "$MILTER_LOG")" \
  "reload failed, keeping the old configuration and rules: .*99-reload-test\.rules:5: " \
  "the failed reload names file:line"
like "$(probe PROBE00003)" "^claim; agency=reloadtest;" "after the broken reload the old rules stay"
ok "the load goes on after the broken reload" wait_scanned 60

: >"$WORK/stop"
for p in $LOOP_PIDS; do wait "$p"; done
LOOP_PIDS=
total=0
for tag in RA RB; do
  out=$WORK/loop-$tag.out
  like "$(cat "$out")" "^ok: $tag: every message accepted" "$tag: every message of the stream accepted"
  n=$(sed -n 's/^# sent //p' "$out")
  total=$((total + ${n:-0}))
  grep -q '^not ok' "$out" && diag "$(cat "$out")"
done
note "messages in the stream: $total"
is "$(scanned)" "$total" "every message of the stream was scanned and logged once"
is "$(grep -Ec 'OnError|cannot|failed to' "$MILTER_LOG")" "0" "no filter error during the reloads"
claimed=$(grep -Ec ': R[AB][0-9]{5}: verdict=claim agency=reloadtest' "$MILTER_LOG")
ok "stream messages were claimed by the reloaded rule ($claimed)" test "$claimed" -gt 0

# copytroll stats: the counters of the running milter (status file, rewritten
# every 5 s) and the database.
stats_field() {  # stats_field JSON PERL-EXPR
  printf '%s' "$1" | perl -MJSON::PP -e 'my $j = eval { decode_json(join "", <STDIN>) } or exit 1;
    my $v = eval "$ARGV[0]"; print defined $v ? $v : "undef"' "$2"
}
i=0
while [ $i -lt 80 ]; do
  js=$("$CT_CLI" -c "$WORK/milter.conf" stats --json 2>"$WORK/stats.err")
  [ "$(stats_field "$js" '$j->{milter}{messages}')" -ge "$total" ] 2>/dev/null && break
  sleep 0.1
  i=$((i + 1))
done
if perl -MJSON::PP -e 1 2>/dev/null; then
  ok "copytroll stats: the milter's messages count the whole stream ($total)" \
    test "$(stats_field "$js" '$j->{milter}{messages}')" -ge "$total"
  is "$(stats_field "$js" '$j->{milter}{running} ? "yes" : "no"')" "yes" "copytroll stats: the milter is running"
  is "$(stats_field "$js" '$j->{milter}{reloads} . "/" . $j->{milter}{reload_failures}')" "1/1" \
    "copytroll stats: one reload, one failed reload"
  is "$(stats_field "$js" '$j->{milter}{errors}')" "0" "copytroll stats: no error"
  is "$(stats_field "$js" '($j->{milter}{scan_ms}{p50} > 0 && $j->{milter}{scan_ms}{p50} <= $j->{milter}{scan_ms}{p90} && $j->{milter}{scan_ms}{p90} <= $j->{milter}{scan_ms}{p99}) ? "ordered" : "not"')" \
    "ordered" "copytroll stats: scan time 0 < p50 <= p90 <= p99"
  ok "copytroll stats: the database has cases of the reloaded agency" \
    test "$(stats_field "$js" '$j->{database}{by_agency}{reloadtest} // 0')" -ge 1
else
  skip "copytroll stats" "perl JSON::PP missing"
fi

# SIGTERM with a message in flight.
rm -f "$WORK/ready" "$WORK/go"
mt_run inflight.lua "$WORK/inflight.out" -D readyfile="$WORK/ready" -D gofile="$WORK/go" &
INFLIGHT_PID=$!
i=0
while [ $i -lt 100 ] && [ ! -e "$WORK/ready" ]; do sleep 0.1; i=$((i + 1)); done
ok "a message is in flight (body sent, no end of message yet)" test -e "$WORK/ready"
kill -TERM "$MILTER_PID"
ok "SIGTERM: the milter stops accepting and waits for the message in flight" \
  wait_log 'stopping: waiting for the messages in flight' 15
: >"$WORK/go"
wait "$INFLIGHT_PID"
rc=$?
while IFS= read -r line; do
  case "$line" in
    "ok: "*) tap_result 0 "in flight: ${line#ok: }" ;;
    "not ok: "*) tap_result 1 "in flight: ${line#not ok: }" ;;
    *) diag "$line" ;;
  esac
done <"$WORK/inflight.out"
is "$rc" "0" "inflight.lua ran to the end"
ok "the message in flight was logged" wait_log ': INFLIGHT01: verdict=claim agency=copytrack' 5
ok "the message begun after SIGTERM was logged as not scanned" \
  wait_log ': AFTERSTOP1: not scanned: shutting down' 5
milter_stop
is "$MILTER_STATUS" "0" "the milter exited 0 after SIGTERM"
like "$(tail -n 1 "$MILTER_LOG")" "stopped$" "its last word is 'stopped'"
done_testing
