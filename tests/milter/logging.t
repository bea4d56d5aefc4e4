#!/bin/sh
# logging.t — the per-message log line.  One line per scanned message,
# starting with the queue id: verdict, agency, kind, case, recipients,
# score, scan time in ms; `LogWhy yes` adds the rules that fired; nothing
# of the message beyond those fields (no Subject, no address, no name).
# As root, in a private mount namespace with a /dev/log of its own, the
# lines are also checked on syslog with the default (mail) and a
# configured facility.  The stderr part needs no root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
. "$T_DIR/../lib/milter.sh"
ct_paths "$0"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed (make deps)"
ct_require_programs

ct_workdir logging
ct_before_cleanup() {
  milter_stop
}

FIX=$CT_ROOT/tests/fixtures/mail
PROTO=$CT_ROOT/tests/protocol
NUM='[0-9]+\.[0-9]+'

run_scripts() {  # the protocol scripts whose messages the log must describe
  for s in claim ham three-rcpts forged; do
    milter_lua "$PROTO/$s.lua" "$FIX"
  done
}

# ---- LogWhy no, stderr
MILTER_LOG=$WORK/milter.log
milter_config "$WORK/milter.conf" "unix:$WORK/milter.sock" "$WORK/cases.db" LogWhy no
milter_start "$WORK/milter.conf" || bail_out "copytroll-milter did not start"
run_scripts
milter_stop
log=$(cat "$MILTER_LOG")
line() { printf '%s\n' "$log" | grep -E "^copytroll-milter: $1: " | head -n 1; }

like "$(line 4TQ1C1A002)" \
  "^copytroll-milter: 4TQ1C1A002: verdict=claim agency=copytrack kind=reminder case=4827163 rcpts=1 score=$NUM ms=$NUM\$" \
  "a claim: queue id, verdict, agency, kind, case, rcpts, score, ms"
like "$(line 4TQ1C1A001)" ": verdict=claim agency=copytrack kind=first_notice case=4827163 rcpts=1 " \
  "a first notice: kind=first_notice"
like "$(line 4TQ3R1A001)" ": verdict=claim agency=copytrack kind=[a-z_]+ case=4829510( duplicate=yes)? rcpts=3 score=" \
  "three envelope recipients: rcpts=3"
ham=$(printf '%s\n' "$log" | grep -E '^copytroll-milter: [^ ]+: verdict=none ' | head -n 1)
like "$ham" "^copytroll-milter: [A-Za-z0-9]+: verdict=none rcpts=1 score=$NUM ms=$NUM\$" \
  "ordinary mail: verdict=none, rcpts, score, ms only"
scanned=$(printf '%s\n' "$log" | grep -Ec '^copytroll-milter: [^ ]+: verdict=')
is "$scanned" "7" "one line per scanned message (7 messages)"
unlike "$log" " rules=" "LogWhy no: no rule names"

no_content() {  # no_content LOG: nothing of the messages beyond the fields
  nc_fail=0
  for f in "$FIX"/*.eml; do
    subj=$(sed -n 's/^Subject: //p' "$f" | head -n 1 | sed 's/^RE: //')
    [ -n "$subj" ] && printf '%s\n' "$1" | grep -qiF -- "$subj" && { diag "Subject of $f logged"; nc_fail=1; }
  done
  for s in "owner@example.org" "webmaster@example.org" "editor@example.net" \
           "legal@copytrack.com" "jane@example.net" "example.org" "Jane Gardener" "garden party"; do
    printf '%s\n' "$1" | grep -qiF -- "$s" && { diag "'$s' logged"; nc_fail=1; }
  done
  return $nc_fail
}
ok "no Subject, address, domain or name from the messages in the log" no_content "$log"

# ---- LogWhy yes
MILTER_LOG=$WORK/milter-why.log
milter_config "$WORK/why.conf" "unix:$WORK/why.sock" "$WORK/why.db" LogWhy yes
milter_start "$WORK/why.conf" || bail_out "copytroll-milter did not start (LogWhy yes)"
run_scripts
milter_stop
log=$(cat "$MILTER_LOG")
like "$(line 4TQ1C1A002)" \
  "^copytroll-milter: 4TQ1C1A002: verdict=claim agency=copytrack kind=reminder case=4827163 rcpts=1 score=$NUM ms=$NUM rules=[A-Z0-9_]+(,[A-Z0-9_]+)*\$" \
  "LogWhy yes: the rules that fired end the line"
like "$(line 4TQ1C1A002)" "rules=(.*,)?CT_FROM(,|\$)" "LogWhy yes: COPYTRACK's sender rule among them"
ok "LogWhy yes: still nothing of the messages in the log" no_content "$log"

# ---- SIGHUP stops the milter (libmilter's rule), and the log says why
MILTER_LOG=$WORK/milter-hup.log
milter_config "$WORK/hup.conf" "unix:$WORK/hup.sock" "$WORK/hup.db"
milter_start "$WORK/hup.conf" || bail_out "copytroll-milter did not start (SIGHUP)"
kill -HUP "$MILTER_PID"
i=0; while ct_alive "$MILTER_PID" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ok "SIGHUP: the milter stops (as libmilter does)" sh -c "! kill -0 $MILTER_PID 2>/dev/null"
milter_stop
like "$(cat "$MILTER_LOG")" "SIGHUP: stopping, as libmilter does on HUP \\(to reload rules and config, send SIGUSR1" \
  "SIGHUP: the log says why the milter stops, and what reloads"

# ---- syslog: root, private mount namespace, our own /dev/log
if [ "$(id -u)" -ne 0 ]; then
  skip "syslog facility" "needs root (private mount namespace for /dev/log)"
elif ! command -v unshare >/dev/null 2>&1 || ! unshare -m true 2>/dev/null; then
  skip "syslog facility" "cannot create a mount namespace (unshare -m)"
elif ! perl -MIO::Socket::UNIX -e 1 2>/dev/null; then
  skip "syslog facility" "perl IO::Socket::UNIX missing"
else
  # syslog.sh FACILITY-KEY OUT: inside the namespace, a tmpfs /dev with
  # null/zero/urandom bound from the real one and a datagram /dev/log that
  # writes what it receives to OUT; run the milter with Syslog yes and the
  # claim script; stop everything.
  cat >"$WORK/syslog.sh" <<'SH'
set -u
W=$1 FAC=$2 OUT=$3 MILTER=$4 PROTO=$5 FIX=$6
mkdir -p "$W/realdev"
mount --bind /dev "$W/realdev" && mount -t tmpfs tmpfs /dev || exit 3
for d in null zero urandom random; do
  : >"/dev/$d" && mount --bind "$W/realdev/$d" "/dev/$d"
done
perl -MIO::Socket::UNIX -e '
  my $s = IO::Socket::UNIX->new(Type => SOCK_DGRAM(), Local => "/dev/log") or die "$!";
  open(my $o, ">>", $ARGV[0]) or die; $o->autoflush(1);
  open(my $r, ">", "$ARGV[0].ready"); close $r;
  while (defined $s->recv(my $buf, 8192)) { print $o $buf, "\n"; }' "$OUT" &
LISTENER=$!
i=0; while [ ! -e "$OUT.ready" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
{
  echo "Socket unix:$W/sys-$FAC.sock"
  echo "Database $W/sys-$FAC.db"
  echo "SpoolDir $W/spool"
  echo "RulesDir $(dirname "$PROTO")/../conf/rules.d"
  echo "StatusFile $W/sys-$FAC.status"
  echo "Syslog yes"
  [ "$FAC" = default ] || echo "SyslogFacility $FAC"
} >"$W/sys-$FAC.conf"
"$MILTER" -f -c "$W/sys-$FAC.conf" </dev/null >"$W/sys-$FAC.stderr" 2>&1 &
M=$!
i=0; while [ ! -S "$W/sys-$FAC.sock" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
timeout 60 miltertest -D sock="unix:$W/sys-$FAC.sock" -D fixtures="$FIX" -D libdir="$PROTO" \
  -s "$PROTO/claim.lua" >"$W/sys-$FAC.lua" 2>&1
kill -TERM $M; wait $M
kill $LISTENER 2>/dev/null; wait $LISTENER 2>/dev/null
exit 0
SH
  for fac in default local3; do
    out=$WORK/syslog-$fac.txt
    unshare -m sh "$WORK/syslog.sh" "$WORK" "$fac" "$out" "$CT_MILTER" "$PROTO" "$FIX"
    got=$(grep -E 'copytroll-milter\[[0-9]+\]: 4TQ1C1A002: verdict=claim' "$out" 2>/dev/null | head -n 1)
    case $fac in default) pri=22 ;; local3) pri=158 ;; esac   # facility*8 + info(6)
    like "$got" "^<$pri>.*copytroll-milter\\[[0-9]+\\]: 4TQ1C1A002: verdict=claim agency=copytrack kind=reminder " \
      "syslog, facility $fac: the line arrives with priority <$pri>" ||
      diag "$(cat "$out" "$WORK/sys-$fac.stderr" 2>/dev/null | tail -n 5)"
    is "$(cat "$WORK/sys-$fac.stderr")" "" "syslog, facility $fac: nothing on stderr"
  done
fi
done_testing
