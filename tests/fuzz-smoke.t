#!/bin/sh
# A short, bounded libFuzzer run of every target (part of make check-asan;
# long runs are `make fuzz`).  Needs the targets built by `make fuzz-build`.
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root" || exit 1
targets="scan rules config"
secs=${CT_FUZZ_SECONDS:-30}
set -- $targets
echo "1..$#"
n=0
for t in $targets; do
  n=$((n + 1))
  if [ ! -x "build-fuzz/fuzz_$t" ]; then
    echo "not ok $n - fuzz_$t not built (make fuzz-build)"
    continue
  fi
  if sh tests/lib/fuzz-run.sh "$secs" "$t" > "build-fuzz/smoke-$t.out" 2>&1; then
    echo "ok $n - fuzz_$t ran ${secs}s without a finding"
  else
    echo "not ok $n - fuzz_$t found a problem (build-fuzz/findings/)"
    sed 's/^/# /' "build-fuzz/smoke-$t.out" | tail -20
  fi
done
