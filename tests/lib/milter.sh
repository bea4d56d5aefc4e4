# milter.sh — run copytroll-milter for a test (sourced, POSIX sh).
#
#   ct_paths SCRIPT         set CT_ROOT (the repository, found from the test
#                           script's location), CT_MILTER and CT_CLI (the
#                           built programs, under $CT_BUILD when it is set:
#                           an absolute prefix ending in "/", or one relative
#                           to the repository root)
#   ct_require_programs     skip_all (tap.sh) unless both programs are built
#   milter_config FILE SOCKET DB [KEY VALUE]...
#                           write a config for a test: Socket, Database,
#                           RulesDir (the repository's conf/rules.d), a
#                           SpoolDir and PidFile beside DB, Syslog no; then
#                           each extra KEY VALUE pair
#   milter_start CONFIG     start `copytroll-milter -f -c CONFIG` in the
#                           background (stderr to $MILTER_LOG) and wait up to
#                           10 s until its socket accepts; sets MILTER_PID
#                           and MILTER_CONF
#   milter_stop             SIGTERM, wait up to 10 s, then SIGKILL; sets
#                           MILTER_STATUS to its exit status
#   milter_log_tail [N]     the last N (20) lines the milter logged
#   milter_lua SCRIPT FIXTURES [SECONDS]
#                           run the miltertest Lua SCRIPT (which loads
#                           tests/protocol/mtlib.lua) against the running
#                           milter, with `fixtures` set to the directory
#                           FIXTURES; one TAP line (tap.sh) per "ok:" /
#                           "not ok:" it prints, then one for the script
#                           running to its end within SECONDS (120)
#
# The socket of the running milter is read back from the config file, so a
# test names it once.  Functions complain on stderr and return non-zero.

MILTER_PID='' MILTER_LOG='' MILTER_STATUS='' MILTER_CONF=''

# Is PID running?  A zombie (exited, not yet reaped by this shell) is not.
ct_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  case "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" in
    Z*|X*) return 1 ;;
  esac
  return 0
}

ct_paths() {
  CT_ROOT=$(cd "$(dirname "$1")/../.." && pwd) || return 1
  case "${CT_BUILD:-}" in
    "") ct_prefix=$CT_ROOT/ ;;
    /*) ct_prefix=$CT_BUILD ;;
    *) ct_prefix=$CT_ROOT/$CT_BUILD ;;
  esac
  case "$ct_prefix" in */) ;; *) ct_prefix=$ct_prefix/ ;; esac
  CT_MILTER=${ct_prefix}milter/copytroll-milter
  CT_CLI=${ct_prefix}cli/copytroll
}

ct_require_programs() {
  [ -x "$CT_MILTER" ] || skip_all "$CT_MILTER not built (make all)"
  [ -x "$CT_CLI" ] || skip_all "$CT_CLI not built (make all)"
}

milter_config() {
  mc_file=$1 mc_socket=$2 mc_db=$3
  shift 3
  mc_dir=$(dirname "$mc_db")
  {
    echo "# written by tests/lib/milter.sh"
    echo "Socket $mc_socket"
    echo "Database $mc_db"
    echo "SpoolDir $mc_dir/spool"
    echo "RulesDir $CT_ROOT/conf/rules.d"
    echo "PidFile $mc_dir/copytroll-milter.pid"
    echo "Syslog no"
    while [ $# -ge 2 ]; do
      echo "$1 $2"
      shift 2
    done
  } >"$mc_file"
  mkdir -p "$mc_dir/spool"
}

# The Socket value of a config file, without its unix:/local: prefix.
milter_socket_of() {
  awk 'tolower($1) == "socket" { print $2; exit }' "$1"
}

milter_ready() {  # milter_ready SOCKETSPEC
  case "$1" in
    unix:*|local:*) test -S "${1#*:}" ;;
    inet:*)
      mr_port=${1#inet:}
      mr_port=${mr_port%%@*}
      [ -n "$(ss -Hltn "sport = :$mr_port" 2>/dev/null)" ] ;;
    *) return 1 ;;
  esac
}

milter_start() {
  ms_conf=$1
  MILTER_CONF=$1
  ms_spec=$(milter_socket_of "$ms_conf")
  MILTER_LOG=${MILTER_LOG:-$(dirname "$ms_conf")/milter.log}
  case "$ms_spec" in
    unix:*|local:*) rm -f "${ms_spec#*:}" ;;
  esac
  "$CT_MILTER" -f -c "$ms_conf" </dev/null >>"$MILTER_LOG" 2>&1 &
  MILTER_PID=$!
  ms_left=100
  while [ "$ms_left" -gt 0 ]; do
    if ! ct_alive "$MILTER_PID"; then
      wait "$MILTER_PID"
      echo "copytroll-milter exited at start-up (status $?):" >&2
      milter_log_tail >&2
      MILTER_PID=
      return 1
    fi
    milter_ready "$ms_spec" && return 0
    sleep 0.1
    ms_left=$((ms_left - 1))
  done
  echo "copytroll-milter did not open $ms_spec within 10 s" >&2
  milter_log_tail >&2
  milter_stop
  return 1
}

milter_stop() {
  MILTER_STATUS=
  [ -n "$MILTER_PID" ] || return 0
  kill -TERM "$MILTER_PID" 2>/dev/null
  mt_left=100
  while [ "$mt_left" -gt 0 ] && ct_alive "$MILTER_PID"; do
    sleep 0.1
    mt_left=$((mt_left - 1))
  done
  if ct_alive "$MILTER_PID"; then
    echo "copytroll-milter ignored SIGTERM for 10 s, killing it" >&2
    kill -KILL "$MILTER_PID" 2>/dev/null
  fi
  wait "$MILTER_PID" 2>/dev/null
  MILTER_STATUS=$?
  MILTER_PID=
  return 0
}

milter_log_tail() {
  [ -n "$MILTER_LOG" ] && [ -f "$MILTER_LOG" ] || return 0
  echo "--- last lines of the milter log:"
  tail -n "${1:-20}" "$MILTER_LOG"
}

milter_lua() {
  ml_name=$(basename "$1" .lua)
  ml_out=$(dirname "$MILTER_LOG")/$ml_name.lua.out
  timeout "${3:-120}" miltertest -D sock="$(milter_socket_of "$MILTER_CONF")" \
    -D fixtures="$2" -D libdir="$CT_ROOT/tests/protocol" -s "$1" >"$ml_out" 2>&1
  ml_rc=$?
  while IFS= read -r ml_line; do
    case "$ml_line" in
      "ok: "*) tap_result 0 "$ml_name: ${ml_line#ok: }" ;;
      "not ok: "*) tap_result 1 "$ml_name: ${ml_line#not ok: }" ;;
      "# "*) note "${ml_line#\# }" ;;
      *) diag "$ml_line" ;;
    esac
  done <"$ml_out"
  if ! ok "$ml_name.lua ran to the end" test "$ml_rc" -eq 0; then
    diag "miltertest exited with status $ml_rc"
    milter_log_tail 10 | while IFS= read -r ml_line; do diag "$ml_line"; done
    return 1
  fi
}
