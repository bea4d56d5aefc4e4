#!/bin/sh
# usage.t — how the command line answers a person finding their way:
# `copytroll help`, `--help` and `-h` print the list of commands on
# standard output and exit 0; `copytroll help COMMAND` and
# `copytroll COMMAND --help` print that command's usage line and exit 0,
# without needing a configuration file; an unknown command, an unknown
# option or a missing argument exits 2 with the usage on standard error
# and nothing on standard output.  No root, no network.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
. "$T_DIR/../lib/milter.sh"
ct_paths "$0"
[ -x "$CT_CLI" ] || skip_all "$CT_CLI not built (make all)"

ct_workdir usage

COMMANDS="scan cases show export rules import verify purge stats"

# run ARGS...: exit status in $rc, output in $WORK/out and $WORK/err
run() {
  "$CT_CLI" "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
}

for form in help --help -h; do
  run $form
  is "$rc" 0 "copytroll $form exits 0"
  missing=
  for c in $COMMANDS help; do
    grep -q "^  $c" "$WORK/out" || missing="$missing $c"
  done
  is "$missing" "" "copytroll $form lists every command on stdout"
done

# A configuration that does not exist must not stand in the way of help.
for c in $COMMANDS; do
  run -c "$WORK/absent.conf" help "$c"
  is "$rc" 0 "copytroll help $c exits 0"
  like "$(head -1 "$WORK/out")" "^usage: copytroll $c" "copytroll help $c prints its usage on stdout"
  run "$c" --help
  is "$rc" 0 "copytroll $c --help exits 0"
  like "$(head -1 "$WORK/out")" "^usage: copytroll $c" "copytroll $c --help prints its usage on stdout"
done

# Mistakes: exit 2, usage on stderr, nothing on stdout.
mistake() {
  desc=$1
  shift
  run "$@"
  is "$rc" 2 "$desc: exit 2"
  if [ -s "$WORK/out" ] || ! grep -q "usage: copytroll" "$WORK/err"; then
    tap_result 1 "$desc: usage on stderr only"
    diag "stdout: $(head -3 "$WORK/out") stderr: $(head -3 "$WORK/err")"
  else
    tap_result 0 "$desc: usage on stderr only"
  fi
}
mistake "no command" -c /dev/null
mistake "unknown command" -c /dev/null frobnicate
mistake "help for an unknown command" help frobnicate
mistake "scan without a file" -c /dev/null scan
mistake "scan with an unknown option" -c /dev/null scan --bogus x.eml
mistake "rules without lint" -c /dev/null rules check
mistake "verify with an extra argument" -c /dev/null verify extra
mistake "export without a format" -c /dev/null export --bogus
for c in cases show export; do
  mistake "$c with a bad --stale-days" -c /dev/null $c --stale-days 12x
  like "$(head -1 "$WORK/err")" "^copytroll $c: bad --stale-days '12x' \\(days, 0 to 36500\\)" \
    "$c: the bad --stale-days value is named"
done

run --version
is "$rc" 0 "copytroll --version exits 0"
like "$(cat "$WORK/out")" "^copytroll [0-9]" "copytroll --version prints the version"
done_testing
