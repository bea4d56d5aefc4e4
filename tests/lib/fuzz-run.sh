#!/bin/sh
# fuzz-run.sh SECONDS TARGET… — run each libFuzzer target for SECONDS with
# the project's own messages as seeds; crashes land in build-fuzz/findings/.
set -eu
secs=$1; shift
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
mkdir -p build-fuzz/findings
status=0
for t in "$@"; do
  corpus=build-fuzz/corpus-$t
  mkdir -p "$corpus"
  case $t in
    scan)  find tests/fixtures tests/corpus -name '*.eml' -exec cp {} "$corpus"/ \; 2>/dev/null || true ;;
    rules) cp conf/rules.d/*.rules "$corpus"/ ;;
    config) cp conf/copytroll-milter.conf "$corpus"/ ;;
  esac
  echo "fuzz_$t: ${secs}s"
  ASAN_OPTIONS=detect_leaks=1 build-fuzz/fuzz_$t -max_total_time="$secs" -max_len=262144 \
    -rss_limit_mb=2048 -timeout=10 -artifact_prefix=build-fuzz/findings/$t- "$corpus" \
    2>build-fuzz/fuzz_$t.log || { status=1; tail -30 build-fuzz/fuzz_$t.log; }
  grep -E '^(#[0-9]+.*DONE|Done)' build-fuzz/fuzz_$t.log | tail -1 || true
done
exit $status
