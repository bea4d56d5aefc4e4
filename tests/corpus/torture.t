#!/bin/bash
# Robustness: every message of ../shared/corpus/mime-torture (malformed mail
# from parser test suites: deep nesting, 20,000 parts, NUL bytes, broken
# encodings, 1 MiB headers) goes through `copytroll scan --dump` one file
# at a time.  A file passes when the scan exits 0 within TORTURE_TIMEOUT
# seconds (20, or 60 under ASan), prints no sanitizer report, and (outside
# ASan builds, whose shadow memory makes RSS meaningless) stays under
# TORTURE_MAX_RSS_KB of peak memory.  Last, the whole ham corpus is dumped
# in one run.
# Skipped when the corpus is absent.
root=$(cd "$(dirname "$0")/../.." && pwd)
cli="${CT_BUILD:-$root/}cli/copytroll"
torture="$root/../shared/corpus/mime-torture"
ham="$root/../shared/corpus/ham"
timeout_s=${TORTURE_TIMEOUT:-20}
max_rss_kb=${TORTURE_MAX_RSS_KB:-262144}

[ -d "$torture" ] || { echo "1..0 # SKIP no ../shared/corpus/mime-torture beside the checkout"; exit 0; }
[ -x "$cli" ] || { echo "1..0 # SKIP no $cli (build first)"; exit 0; }

rss_check=yes
if grep -qa __asan_init "$cli"; then
  rss_check="no (ASan build)"
  # GMime's allocation pattern on the 50,000-address header costs ASan's
  # mmap-backed allocator some 10 s of system time (0.1 s without ASan).
  timeout_s=${TORTURE_TIMEOUT:-60}
elif ! [ -x /usr/bin/time ]; then
  rss_check="no (/usr/bin/time missing)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mapfile -d '' files < <(find "$torture" -type f -name '*.eml' -print0 | sort -z)
n=${#files[@]}
echo "1..$((n + 1))"
echo "# $n torture files, timeout ${timeout_s}s, peak RSS check: $rss_check (limit ${max_rss_kb} KiB)"

scan() { # scan FILE... → exit status; stderr in $tmp/err, peak RSS (KiB) in $tmp/rss
  if [ "$rss_check" = yes ]; then
    timeout "$timeout_s" /usr/bin/time -f %M -o "$tmp/rss" \
      "$cli" -c /dev/null scan --dump --rules "$root/conf/rules.d" "$@" >/dev/null 2>"$tmp/err"
  else
    echo 0 >"$tmp/rss"
    timeout "$timeout_s" \
      "$cli" -c /dev/null scan --dump --rules "$root/conf/rules.d" "$@" >/dev/null 2>"$tmp/err"
  fi
}

sanitizer_report() {
  grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$tmp/err"
}

i=0
for f in "${files[@]}"; do
  i=$((i + 1))
  name=${f#"$torture"/}
  scan "$f"
  rc=$?
  rss=$(tail -n 1 "$tmp/rss" 2>/dev/null)
  case $rss in '' | *[!0-9]*) rss=0 ;; esac
  if [ "$rc" -eq 124 ]; then
    echo "not ok $i - $name # timed out after ${timeout_s}s"
  elif [ "$rc" -ne 0 ]; then
    echo "not ok $i - $name # exit status $rc"
    sed -n '1,20s/^/# /p' "$tmp/err"
  elif sanitizer_report; then
    echo "not ok $i - $name # sanitizer report"
    sed -n '1,40s/^/# /p' "$tmp/err"
  elif [ "$rss" -gt "$max_rss_kb" ]; then
    echo "not ok $i - $name # peak RSS ${rss} KiB over ${max_rss_kb} KiB"
  else
    echo "ok $i - $name"
  fi
done

i=$((i + 1))
if [ ! -d "$ham" ]; then
  echo "ok $i # SKIP no ../shared/corpus/ham"
else
  mapfile -d '' hams < <(find "$ham" -type f -name '*.eml' -print0 | sort -z)
  timeout_s=$((timeout_s * 30)) scan "${hams[@]}"
  rc=$?
  if [ "$rc" -eq 0 ] && ! sanitizer_report; then
    echo "ok $i - dump of ${#hams[@]} ham messages"
  else
    echo "not ok $i - dump of ${#hams[@]} ham messages (exit status $rc)"
    sed -n '1,40s/^/# /p' "$tmp/err"
  fi
fi
