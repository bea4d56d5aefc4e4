# tap.sh — the few TAP helpers our script tests need (POSIX sh, sourced).
#
#   plan N                  print the plan up front ("1..N")
#   skip_all REASON         "1..0 # SKIP REASON" and exit 0 (before any test)
#   ok DESC CMD [ARG...]    run CMD; "ok" when it exits 0, else "not ok"
#   is GOT WANT DESC        string equality; shows both values on failure
#   like GOT ERE DESC       GOT matches the extended regex ERE (grep -E)
#   unlike GOT ERE DESC     GOT does not match ERE
#   skip DESC REASON        an "ok ... # SKIP REASON" line
#   diag LINE...            one "# LINE" per argument (and per embedded
#                           newline) on stderr, which prove shows
#   note LINE...            the same on stdout
#   done_testing            print the plan if none was given; exit status is
#                           the number of failures (at most 254)
#
# Every helper returns 0 on pass and 1 on failure so a test can act on it
# (`ok "daemon up" kill -0 "$pid" || bail_out "no daemon"`).
#   bail_out REASON         "Bail out! REASON" and exit 255
#   ct_workdir NAME         a new directory in $WORK (ct-NAME.XXXXXX under
#                           TMPDIR), removed at exit unless CT_KEEP=1; a
#                           test that must stop something first defines
#                           ct_before_cleanup, which runs before that

TAP_N=0
TAP_FAILED=0
TAP_PLANNED=

plan() {
  TAP_PLANNED=$1
  echo "1..$1"
}

skip_all() {
  echo "1..0 # SKIP $*"
  exit 0
}

bail_out() {
  echo "Bail out! $*"
  exit 255
}

diag() {
  printf '%s\n' "$@" | sed 's/^/# /' >&2
}

note() {
  printf '%s\n' "$@" | sed 's/^/# /'
}

tap_result() {  # tap_result STATUS DESC
  TAP_N=$((TAP_N + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $TAP_N - $2"
    return 0
  fi
  echo "not ok $TAP_N - $2"
  TAP_FAILED=$((TAP_FAILED + 1))
  return 1
}

ok() {
  tap_desc=$1
  shift
  "$@"
  tap_result $? "$tap_desc"
}

is() {
  if [ "$1" = "$2" ]; then
    tap_result 0 "$3"
    return 0
  fi
  tap_result 1 "$3"
  diag "     got: '$1'" "expected: '$2'"
  return 1
}

like() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then
    tap_result 0 "$3"
    return 0
  fi
  tap_result 1 "$3"
  diag "     got: '$1'" "expected to match: $2"
  return 1
}

unlike() {
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then
    tap_result 1 "$3"
    diag "     got: '$1'" "expected not to match: $2"
    return 1
  fi
  tap_result 0 "$3"
}

skip() {
  TAP_N=$((TAP_N + 1))
  echo "ok $TAP_N - $1 # SKIP $2"
}

done_testing() {
  [ -n "$TAP_PLANNED" ] || echo "1..$TAP_N"
  [ "$TAP_FAILED" -gt 254 ] && TAP_FAILED=254
  exit "$TAP_FAILED"
}

ct_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ct-$1.XXXXXX") || bail_out "mktemp failed"
  trap ct_workdir_cleanup EXIT
  trap 'exit 1' HUP INT PIPE TERM
}

ct_workdir_cleanup() {
  if command -v ct_before_cleanup >/dev/null 2>&1; then
    ct_before_cleanup
  fi
  if [ "${CT_KEEP:-0}" = 1 ]; then echo "# kept $WORK" >&2; else rm -rf "$WORK"; fi
}
