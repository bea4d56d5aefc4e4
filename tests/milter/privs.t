#!/bin/sh
# privs.t — privileges and the unix socket.  Started as root with
# `UserID nobody`, the milter runs as nobody (real, effective, saved and
# file-system ids; no supplementary group), its socket has the configured
# mode and group, a stale socket file is replaced, a socket a live milter
# listens on is not stolen, the dropped process still records a claim,
# `UserID user:group` takes the named group, and a UserID that cannot be
# applied is fatal.  Needs root; runs in a private
# network namespace.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
. "$T_DIR/../lib/milter.sh"
. "$T_DIR/../lib/postfix.sh"
ct_paths "$0"
ct_require_programs
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed (make deps)"
command -v perl >/dev/null 2>&1 || skip_all "perl not installed"
getent passwd nobody >/dev/null || skip_all "no user nobody"
pf_isolate "$0" "$@"

NOBODY_UID=$(id -u nobody)
NOBODY_GID=$(id -g nobody)
GROUP=
for g in postfix mail daemon; do
  gid=$(getent group "$g" | cut -d: -f3)
  if [ -n "$gid" ] && [ "$gid" != "$NOBODY_GID" ]; then GROUP=$g; break; fi
done
[ -n "$GROUP" ] || skip_all "no group (postfix, mail, daemon) to give the socket to"

ct_workdir privs
chmod 0755 "$WORK"
OTHER_PID=
ct_before_cleanup() {
  milter_stop
  [ -n "$OTHER_PID" ] && kill "$OTHER_PID" 2>/dev/null
}

# The database, spool and status file live where nobody may write; the
# socket directory stays root's (the socket is made before the drop).
mkdir -p "$WORK/data" "$WORK/run"
chown nobody "$WORK/data" "$WORK/run"
SOCK=$WORK/milter.sock
MILTER_LOG=$WORK/milter.log
milter_config "$WORK/milter.conf" "unix:$SOCK" "$WORK/data/cases.db" \
  UserID nobody SocketMode 0660 SocketGroup "$GROUP" StatusFile "$WORK/run/status"
chown nobody "$WORK/data/spool"

# A stale socket: bound by a process that is gone.
perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Type => SOCK_STREAM(), Local => $ARGV[0],
  Listen => 1) or die "bind: $!\n"' "$SOCK" || bail_out "cannot make a stale socket"
accepts() {  # accepts PATH: does something accept connections on the unix socket?
  perl -MIO::Socket::UNIX -e 'exit(IO::Socket::UNIX->new(Type => SOCK_STREAM(),
    Peer => $ARGV[0]) ? 0 : 1)' "$1"
}
if test -S "$SOCK" && ! accepts "$SOCK"; then r=0; else r=1; fi
tap_result $r "a stale socket file is there: it accepts no connection"

# milter_start removes the socket first; start by hand to keep the stale one.
start_milter() {  # start_milter CONF: sets MILTER_PID; waits for its "starting on",
  # logged once privileges are dropped (the socket exists before that)
  MILTER_CONF=$1
  sm_before=$(grep -c "starting on" "$MILTER_LOG" 2>/dev/null) || sm_before=0
  "$CT_MILTER" -f -c "$1" </dev/null >>"$MILTER_LOG" 2>&1 &
  MILTER_PID=$!
  sm_left=100
  while [ "$sm_left" -gt 0 ]; do
    [ "$(grep -c "starting on" "$MILTER_LOG" 2>/dev/null)" -gt "$sm_before" ] && return 0
    ct_alive "$MILTER_PID" || { MILTER_PID=; return 1; }
    sleep 0.1
    sm_left=$((sm_left - 1))
  done
  return 1
}
start_milter "$WORK/milter.conf" || { milter_log_tail >&2; bail_out "copytroll-milter did not start"; }

ids() { awk -v k="$1:" '$1 == k { print $2, $3, $4, $5 }' "/proc/$MILTER_PID/status"; }
is "$(ids Uid)" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" \
  "runs as nobody: real, effective, saved and fs uid"
is "$(ids Gid)" "$NOBODY_GID $NOBODY_GID $NOBODY_GID $NOBODY_GID" "and nobody's group"
groups=$(awk '$1 == "Groups:" { $1 = ""; print }' "/proc/$MILTER_PID/status" | tr ' ' '\n' | grep -v '^$' | tr '\n' ' ')
unlike " $groups" " 0 " "root's group is not kept among the supplementary groups"
is "$(stat -c '%F %a %G' "$SOCK")" "socket 660 $GROUP" "socket mode 0660, group $GROUP (SocketMode, SocketGroup)"
ok "the stale socket file was replaced: the milter accepts on it" accepts "$SOCK"
new_inode=$(stat -c %i "$SOCK")

# The dropped process serves and records a claim in nobody's directory.
milter_lua "$CT_ROOT/tests/protocol/claim.lua" "$CT_ROOT/tests/fixtures/mail"
ok "the case database was created by nobody" test "$(stat -c %U "$WORK/data/cases.db" 2>/dev/null)" = nobody
i=0
while [ $i -lt 70 ] && ! grep -q '^messages [1-9]' "$WORK/run/status" 2>/dev/null; do
  sleep 0.1; i=$((i + 1))
done
like "$(cat "$WORK/run/status" 2>/dev/null)" "messages [1-9]" "the status file is written after the drop"

# A second milter on the same socket must not steal it from the live one.
: >"$WORK/second.log"
"$CT_MILTER" -f -c "$WORK/milter.conf" </dev/null >"$WORK/second.log" 2>&1 &
OTHER_PID=$!
i=0
while [ $i -lt 50 ] && ct_alive "$OTHER_PID"; do sleep 0.1; i=$((i + 1)); done
if ct_alive "$OTHER_PID"; then
  tap_result 1 "a second milter refuses a socket a live milter listens on"
else
  wait "$OTHER_PID"; rc=$?
  OTHER_PID=
  ok "a second milter refuses a socket a live milter listens on (status $rc)" test "$rc" -ne 0
fi
like "$(cat "$WORK/second.log")" "another process is listening" "and says why"
is "$(stat -c %i "$SOCK")" "$new_inode" "the live milter keeps its socket"

milter_stop
is "$MILTER_STATUS" "0" "SIGTERM: the dropped milter exits cleanly"

# UserID user:group: the named group becomes the real, effective and saved gid.
GROUP_GID=$(getent group "$GROUP" | cut -d: -f3)
milter_config "$WORK/grp.conf" "unix:$WORK/grp.sock" "$WORK/data/cases.db" \
  UserID "nobody:$GROUP" StatusFile "$WORK/run/status"
if start_milter "$WORK/grp.conf"; then
  is "$(ids Uid)" "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" "UserID nobody:$GROUP: runs as nobody"
  is "$(ids Gid)" "$GROUP_GID $GROUP_GID $GROUP_GID $GROUP_GID" "UserID nobody:$GROUP: with the group $GROUP"
  milter_stop
else
  tap_result 1 "UserID nobody:$GROUP: the milter starts"
fi

# Failing to drop is fatal.
milter_config "$WORK/bad.conf" "unix:$WORK/bad.sock" "$WORK/data/cases.db" \
  UserID no-such-user-ct StatusFile "$WORK/run/status"
"$CT_MILTER" -f -c "$WORK/bad.conf" </dev/null >"$WORK/bad.log" 2>&1
rc=$?
ok "UserID naming no user: exits non-zero (status $rc)" test "$rc" -ne 0
like "$(cat "$WORK/bad.log")" "UserID no-such-user-ct: no such user" "and says why"

# Started as nobody, it cannot become another user: fatal, not ignored.
mkdir -p "$WORK/nb" && chown nobody "$WORK/nb"
milter_config "$WORK/nb/nb.conf" "unix:$WORK/nb/nb.sock" "$WORK/nb/cases.db" \
  UserID "root" StatusFile "$WORK/nb/status"
if command -v setpriv >/dev/null 2>&1; then
  setpriv --reuid="$NOBODY_UID" --regid="$NOBODY_GID" --clear-groups \
    "$CT_MILTER" -f -c "$WORK/nb/nb.conf" </dev/null >"$WORK/nb.log" 2>&1
  rc=$?
  ok "started as nobody with UserID root: exits non-zero (status $rc)" test "$rc" -ne 0
  like "$(cat "$WORK/nb.log")" "cannot drop privileges to root" "and says why"
else
  skip "started as nobody with UserID root" "setpriv (util-linux) not installed"
fi
done_testing
