#!/bin/sh
# False positives on real mail: every message of ../shared/corpus/ham
# (1,414 ordinary messages, 64 of them hard negatives that use claim
# vocabulary) must scan as "none".  Skipped when the corpus is absent.
root=$(cd "$(dirname "$0")/../.." && pwd)
cli="${CT_BUILD:-$root/}cli/copytroll"
ham="$root/../shared/corpus/ham"
[ -d "$ham" ] || { echo "1..0 # SKIP no ../shared/corpus/ham beside the checkout"; exit 0; }
[ -x "$cli" ] || { echo "1..0 # SKIP no $cli (build first)"; exit 0; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
find "$ham" -type f -name '*.eml' -print0 | sort -z |
  xargs -0 "$cli" -c /dev/null scan --json --rules "$root/conf/rules.d" > "$out"
rc=$?
total=$(wc -l < "$out")
hits=$(grep -v '"verdict":"none"' "$out")
echo "1..3"
[ "$rc" -eq 0 ] && echo "ok 1 - scanner exit status 0" || echo "not ok 1 - scanner exit status $rc"
[ "$total" -ge 1400 ] && echo "ok 2 - scanned $total messages" || echo "not ok 2 - scanned only $total messages"
if [ -z "$hits" ]; then
  echo "ok 3 - no claim or suspect verdict in $total ham messages"
else
  echo "not ok 3 - $(printf '%s\n' "$hits" | wc -l) ham messages flagged"
  printf '%s\n' "$hits" | sed 's/^/# /'
fi
