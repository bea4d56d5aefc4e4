# program-test.sh — the start of a test that runs the built programs
# without a Postfix (POSIX sh, sourced right after T_DIR is set):
#
#   set -u
#   T_DIR=$(cd "$(dirname "$0")" && pwd)
#   . "$T_DIR/../lib/program-test.sh"
#
# Sources the TAP and milter helpers, finds copytroll-milter and copytroll
# (ct_paths; CT_BUILD selects another build) and skips the whole test when
# either is not built.  Then
#   run CMD [ARG...]   run it with stdout and stderr in $WORK (ct_workdir):
#                      sets RC, OUT and ERR
. "$T_DIR/../lib/tap.sh"
. "$T_DIR/../lib/milter.sh"
ct_paths "$0"
ct_require_programs

run() {
  "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  OUT=$(cat "$WORK/out")
  ERR=$(cat "$WORK/err")
}
