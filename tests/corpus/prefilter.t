#!/bin/sh
# prefilter.t — the shortcuts of the rule evaluation change no verdict:
# the prefilter (lib/rules_prefilter.h) only skips rules that could not
# have matched; the claim-only rules (score 0: kinds and fields,
# lib/rules_lazy.c) run only for claims; and the evaluation stops as soon
# as the message provably cannot reach the threshold (rules_eval.c,
# eval_bounded).  `copytroll scan --json` gives the same output as shipped,
# with every rule run on every message (COPYTROLL_NO_PREFILTER=1
# COPYTROLL_NO_LAZY=1), and with only the prefilter on
# (COPYTROLL_NO_LAZY=1), over the claim and negative corpus of tests/corpus
# and, when present, ../shared/corpus/ham: byte-identical for claims and
# suspects; for a message that is no claim, everything but "score" and
# "rules", which by design name only the rules run before the evaluation
# stopped (copytroll-rules(5), DECISION).
# (That both are on and skip rules is checked in tests/unit/test_prefilter.c
# and tests/unit/test_rules.c; the speed is measured in bench/.)
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
root=$(cd "$T_DIR/../.." && pwd)
cli="${CT_BUILD:-$root/}cli/copytroll"
[ -x "$cli" ] || skip_all "no $cli (build first)"
rules="$root/conf/rules.d"
ham="$root/../shared/corpus/ham"
work=$(mktemp -d "${TMPDIR:-/tmp}/ct-prefilter.XXXXXX") || bail_out "mktemp failed"
trap 'rm -rf "$work"' EXIT
plan 10

# scan NAME MODE [VAR=VALUE...]: scan the files of NAME.list with that
# environment into NAME.MODE
scan() {
  sn=$1; smode=$2; shift 2
  env "$@" xargs -0 "$cli" -c /dev/null scan --json --rules "$rules" \
    <"$work/$sn.list" >"$work/$sn.$smode" 2>>"$work/$sn.err"
}

# comparable FILE: the JSON lines without "score" and "rules" of non-claims
comparable() {
  sed '/"verdict":"none"/{s/"score":[^,]*,//; s/"rules":\[[^]]*\],\{0,1\}//;}' "$1"
}

# scan_dir NAME DIR: as shipped, with nothing skipped, with every rule run
# but the prefilter on; compare.
scan_dir() {
  find "$2" -type f -name '*.eml' -print0 | sort -z >"$work/$1.list"
  n=$(tr -cd '\0' <"$work/$1.list" | wc -c)
  : >"$work/$1.err"
  scan "$1" on; rc_on=$?
  scan "$1" full COPYTROLL_NO_PREFILTER=1 COPYTROLL_NO_LAZY=1; rc_full=$?
  scan "$1" nolazy COPYTROLL_NO_LAZY=1; rc_nolazy=$?
  is "$rc_on/$rc_full/$rc_nolazy" 0/0/0 "$1: the three scans exit 0" || diag "$(head -5 "$work/$1.err")"
  lines=$(wc -l <"$work/$1.on")
  for mode in full nolazy; do
    comparable "$work/$1.on" >"$work/$1.on.cmp"
    comparable "$work/$1.$mode" >"$work/$1.$mode.cmp"
    if [ "$lines" -eq "$n" ] && [ "$n" -gt 0 ] && cmp -s "$work/$1.on.cmp" "$work/$1.$mode.cmp"; then
      tap_result 0 "$1: same verdicts and fields for all $n messages as shipped and with $mode evaluation"
    else
      tap_result 1 "$1: JSON differs between shipped and $mode evaluation ($lines lines for $n files)"
      diff "$work/$1.$mode.cmp" "$work/$1.on.cmp" | head -10 | diag "$(cat)"
    fi
  done
}

scan_dir claims "$root/tests/corpus/claims"
scan_dir negatives "$root/tests/corpus/negatives"
if [ -d "$ham" ]; then
  scan_dir ham "$ham"
else
  skip "ham: the three scans exit 0" "no ../shared/corpus/ham beside the checkout"
  skip "ham: identical JSON, full evaluation" "no ../shared/corpus/ham beside the checkout"
  skip "ham: identical JSON, claim-only rules always run" "no ../shared/corpus/ham beside the checkout"
fi
# Identical output is only meaningful when there is something to find.
claims=$(grep -c '"verdict":"\(claim\|suspect\)"' "$work/claims.on")
like "$claims" '^[1-9][0-9]*$' "claims: $claims claims found with the prefilter on"
done_testing
