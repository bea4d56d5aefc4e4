# postfix-test.sh — the start of every test that runs a private Postfix
# (POSIX sh, sourced right after T_DIR is set):
#
#   set -u
#   T_DIR=$(cd "$(dirname "$0")" && pwd)
#   . "$T_DIR/../lib/postfix-test.sh"
#   ...the test's own requirements (skip_all)...
#   pf_isolate "$0" "$@"
#
# Sources the TAP, Postfix and milter helpers, finds the built programs
# (ct_paths; CT_BUILD selects another build) and skips the whole test when
# they or Postfix's programs are missing.  pf_isolate then re-runs the test
# as root in a private network namespace.  Then
#   pf_milter_start NAME [KEY VALUE]...
#                      a private Postfix (pf_setup) and copytroll-milter on
#                      $W/milter.sock (W=$PF_DIR/NAME; $W/milter.log,
#                      $W/cases.db; the socket for group postfix; the extra
#                      config pairs), both stopped at exit after the test's
#                      own ct_before_cleanup; bails out if either fails
. "$T_DIR/../lib/program-test.sh"
. "$T_DIR/../lib/postfix.sh"
pf_require

pf_milter_start() {
  trap pf_test_cleanup EXIT
  trap 'exit 1' HUP INT PIPE TERM
  pf_setup || bail_out "cannot set up Postfix"
  W=$PF_DIR/$1
  shift
  mkdir -p "$W" && chmod 0755 "$W"
  MILTER_LOG=$W/milter.log
  milter_config "$W/milter.conf" "unix:$W/milter.sock" "$W/cases.db" \
    SocketMode 0660 SocketGroup postfix "$@"
  milter_start "$W/milter.conf" || bail_out "copytroll-milter did not start"
}

pf_test_cleanup() {
  if command -v ct_before_cleanup >/dev/null 2>&1; then
    ct_before_cleanup
  fi
  milter_stop
  pf_cleanup
}
