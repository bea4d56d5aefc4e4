#!/bin/sh
# json.t — `copytroll scan --json` stays valid JSON Lines whatever the input:
# the crafted notices of tests/fixtures/attack/ (CR, LF, NUL, quotes,
# backslashes, control and 8-bit bytes in the Subject, case id, client and
# amount), the other fixtures, and file names holding a quote, a backslash,
# a newline, a tab, a control character or bytes that are not UTF-8.
# One object per readable file, each parsed by a strict JSON parser; an
# unreadable file is an error on stderr and a non-zero exit, and the files
# after it are still scanned.  No root, no network.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/program-test.sh"
perl -MJSON::PP -e 1 2>/dev/null || skip_all "perl JSON::PP missing"

ATTACK=$CT_ROOT/tests/fixtures/attack
ct_workdir json
CONF=$WORK/ct.conf
printf 'RulesDir %s\nDatabase %s\n' "$CT_ROOT/conf/rules.d" "$WORK/cases.db" >"$CONF"

# check_jsonl FILE: one line per object; prints "n OBJECTS", "bad LINE: why"
# and "file NAME" (the decoded file name, \n \t and control bytes shown as
# \xNN) for every object.
check_jsonl() {
  perl -MJSON::PP -e '
    my $j = JSON::PP->new->utf8;   # strict: UTF-8 only, no trailing garbage
    my $n = 0;
    binmode STDOUT, ":utf8";
    while (my $l = <STDIN>) {
      chomp $l;
      my $o = eval { $j->decode($l) };
      if (!$o || ref $o ne "HASH") { print "bad line $.: ", ($@ =~ s/\s+/ /gr), "\n"; next }
      $n++;
      for my $k (qw(file verdict score rules)) {
        print "bad line $.: no $k\n" unless exists $o->{$k};
      }
      my $f = $o->{file} // "";
      $f =~ s/([\x00-\x1f\\])/sprintf("\\x%02x", ord $1)/ge;
      print "file $f\n";
    }
    print "n $n\n";' <"$1"
}

# 1. The fixtures.
set -- "$ATTACK"/*.eml "$CT_ROOT"/tests/fixtures/mail/*.eml
nfix=$#
"$CT_CLI" -c "$CONF" scan --json "$@" >"$WORK/fixtures.jsonl" 2>"$WORK/fixtures.err"
is "$?" 0 "scan --json over $nfix fixtures exits 0" || diag "$(head -5 "$WORK/fixtures.err")"
check_jsonl "$WORK/fixtures.jsonl" >"$WORK/fixtures.report"
is "$(grep -c '^bad ' "$WORK/fixtures.report")" 0 "every line is a valid JSON object with file, verdict, score, rules" ||
  diag "$(grep '^bad ' "$WORK/fixtures.report" | head -5)"
is "$(sed -n 's/^n //p' "$WORK/fixtures.report")" "$nfix" "one object per fixture"
claims=$(perl -MJSON::PP -ne 'my $o = decode_json($_); print "$o->{case_id}\n" if $o->{file} =~ /inject-/ && $o->{verdict} eq "claim"' \
  "$WORK/fixtures.jsonl" | sort | tr '\n' ' ')
is "$claims" "4832001 4832002 4832003 4832004 4832005 " "the crafted notices are claims with their plain case ids"

# 2. Hostile file names (copies of a crafted notice).
mkdir "$WORK/names"
n=0
for name in 'quote".eml' 'back\slash.eml' "$(printf 'new\nline.eml')" "$(printf 'tab\t.eml')" \
            "$(printf 'ctl\001\033.eml')" "$(printf 'latin1-\351.eml')" "$(printf 'utf8-\303\251.eml')"; do
  cp "$ATTACK/inject-qp.eml" "$WORK/names/$name" && n=$((n + 1))
done
is "$n" 7 "seven hostile file names created"
set -- "$WORK"/names/*
"$CT_CLI" -c "$CONF" scan --json "$WORK/names/does-not-exist.eml" "$@" \
  >"$WORK/names.jsonl" 2>"$WORK/names.err"
rc=$?
ok "a missing file makes scan exit non-zero" test "$rc" -ne 0
like "$(cat "$WORK/names.err")" 'does-not-exist' "... with an error naming it on stderr"
check_jsonl "$WORK/names.jsonl" >"$WORK/names.report"
is "$(grep -c '^bad ' "$WORK/names.report")" 0 "every line is valid JSON, whatever the file name" ||
  diag "$(grep '^bad ' "$WORK/names.report" | head -5)"
is "$(sed -n 's/^n //p' "$WORK/names.report")" 7 "one object per readable file (the files after the missing one scanned)"
for want in 'quote".eml' 'back\x5cslash.eml' 'new\x0aline.eml' 'tab\x09.eml' 'ctl\x01\x1b.eml' 'utf8-é.eml'; do
  ok "file name round-trips through JSON: $want" grep -a -q -F -x "file $WORK/names/$want" "$WORK/names.report" ||
    diag "$(grep -a '^file ' "$WORK/names.report")"
done
done_testing
