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
# as root in a private network namespace.
. "$T_DIR/../lib/program-test.sh"
. "$T_DIR/../lib/postfix.sh"
pf_require
