#!/bin/sh
# database.t — the case database fails while mail flows through a real
# Postfix with copytroll-milter:
#   locked    another process holds BEGIN EXCLUSIVE past DatabaseTimeout
#   read-only the file system of the database is remounted read-only
#   full      the database lives on a small tmpfs that is filled up
# In each case every message is delivered, claims still carry their
# X-Copytroll-Status header, every claim lands in SpoolDir (on another file
# system) instead of the database, and the spool plus the database hold
# every claim for every recipient; after `copytroll import --spool` (when
# this copytroll has it) the database alone does, once each.
# Runs in private network and mount namespaces (without a mount namespace
# the read-only mount and the full disk are skipped); needs root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed (make deps)"
# A private mount namespace as well, for the tmpfs; without one the
# read-only mount and the full disk are skipped.
if [ -z "${CT_NETNS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare -m -n true 2>/dev/null; then
  CT_NETNS=1 CT_MOUNTNS=1 exec unshare -m -n "$0" "$@"
fi
pf_isolate "$0" "$@"

LOAD=$CT_ROOT/tests/fixtures/load
SENDER=$CT_ROOT/tests/load/smtp-load.pl
TEMPLATES="$LOAD/ordinary-plain.eml=1 $LOAD/newsletter-multipart.eml=1
  $LOAD/claim-copytrack.eml=2 $LOAD/claim-copytrack-reminder.eml=1"
CLAIMS="claim-copytrack.eml claim-copytrack-reminder.eml"
BATCH=30

W='' LOCK_PID='' DB_MOUNTED=''
cleanup() {
  exec 7>&- 2>/dev/null
  [ -n "$LOCK_PID" ] && kill "$LOCK_PID" 2>/dev/null
  milter_stop
  [ -n "$DB_MOUNTED" ] && umount "$W/db" 2>/dev/null
  pf_cleanup
}
trap cleanup EXIT
trap 'exit 1' HUP INT PIPE TERM

pf_setup || bail_out "cannot set up Postfix"
W=$PF_DIR/dbfault
mkdir -p "$W/db" "$W/spool" && chmod 0755 "$W"
NO_MOUNT="no private mount namespace (unshare -m failed)"
if [ -n "${CT_MOUNTNS:-}" ]; then
  if mount -t tmpfs -o size=32m,mode=0700 ct-dbfault "$W/db" 2>"$W/mount.err"; then
    DB_MOUNTED=1 NO_MOUNT=
  else
    NO_MOUNT="cannot mount a tmpfs: $(cat "$W/mount.err")"
  fi
fi
[ -n "$NO_MOUNT" ] && chmod 0700 "$W/db"
DB=$W/db/cases.db
CONF=$W/milter.conf
cat >"$CONF" <<EOF
# database.t: the database on its own small file system, the spool elsewhere.
Socket unix:$W/milter.sock
SocketMode 0660
SocketGroup postfix
Database $DB
DatabaseTimeout 300
SpoolDir $W/spool
RulesDir $CT_ROOT/conf/rules.d
PidFile $W/milter.pid
Syslog no
EOF
pf_set "smtpd_milters = { unix:$W/milter.sock, default_action=accept }" \
  "milter_connect_timeout = 10s" "milter_command_timeout = 30s" \
  "milter_content_timeout = 60s"
pf_start || bail_out "cannot start Postfix"

val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
bads() { grep '^bad ' "$1" | while IFS= read -r l; do diag "$l"; done; }
spool_files() { find "$W/spool" -maxdepth 1 -type f -name '*.msg' | wc -l; }
# "message-id|recipient" for every spooled claim, like the sqlite3 rows.
spool_rows() {
  find "$W/spool" -maxdepth 1 -type f -name '*.msg' -exec perl -e '
    for my $f (@ARGV) {
      open(my $fh, "<:raw", $f) or die "$f: $!\n";
      my (@r, $mid, $head);
      while (<$fh>) {
        s/\r?\n$//;
        if (!$head) { if ($_ eq "") { $head = 1; next } push @r, $1 if /^Recipient: (.*)$/; next }
        last if $_ eq "";
        if (/^Message-ID:\s*(\S+)/i) { $mid = $1; last }
      }
      print "$mid|$_\n" for @r;
    }' {} +
}
db_rows() { sqlite3 "$DB" 'SELECT message_id, recipient FROM messages' 2>>"$W/sqlite.err"; }

DONE=0
# batch NAME: send BATCH messages (4 sessions) with the milter running on
# the current fault; check delivery and what the milter did with the claims.
# SPOOLED is "all" (every claim of the batch must be spooled) or "none".
batch() {
  b_name=$1 b_spooled=$2
  MILTER_LOG=$W/milter-$b_name.log
  milter_start "$CONF" || { tap_result 1 "$b_name: milter starts"; return 1; }
  # shellcheck disable=SC2086
  timeout 300 perl "$SENDER" send --port "$PF_SMTP_PORT" --sessions 4 --first "$DONE" \
    --count "$BATCH" --per-conn 10 --out "$W/sent-$b_name" $TEMPLATES 2>"$W/send.err"
  is "$?" 0 "$b_name: $BATCH messages sent" || diag "$(cat "$W/send.err")"
  DONE=$((DONE + BATCH))
  B_EXTRA_CLAIMS=0
  for b_fn in ${B_EXTRA:-}; do $b_fn "$b_name"; done
  ok "$b_name: delivered" pf_wait_sink "$DONE" 120
  milter_stop
  cat "$W"/sent-"$b_name".* >"$W/manifest-$b_name"
  is "$(grep -c '^fail ' "$W/manifest-$b_name")" 0 "$b_name: smtpd accepted every message"
  b_claims=$(grep -c -E "^ok [0-9]+ ($(echo "$CLAIMS" | tr ' ' '|')) " "$W/manifest-$b_name")
  b_claims=$((b_claims + B_EXTRA_CLAIMS))
  b_logged=$(grep -c ': verdict=claim ' "$MILTER_LOG")
  b_spool=$(grep -c ': verdict=claim .*spooled=yes' "$MILTER_LOG")
  is "$b_logged" "$b_claims" "$b_name: the milter saw all $b_claims claims"
  if [ "$b_spooled" = all ]; then
    is "$b_spool" "$b_claims" "$b_name: every claim went to the spool (log says spooled=yes)"
  else
    is "$b_spool" 0 "$b_name: nothing spooled"
  fi
  b_lost=$(grep -c -i 'lost' "$MILTER_LOG")
  is "$b_lost" 0 "$b_name: no claim lost to the archive" || diag "$(grep -i lost "$MILTER_LOG" | head -3)"
  note "$b_name: $b_claims claims, $b_spool spooled, $(spool_files) files in the spool;" \
    "$(grep -v ': verdict=' "$MILTER_LOG" | head -3)"
}

# A claim for a recipient that looks like a path, sent with the batch (as
# message number DONE, recorded in the batch's manifest): spool file names
# must not come from it.
ESC_RCPT='"../../../../escape"@example.org'
send_escape() {
  sed -e "s/@N@/$DONE/g" -e "s/@CASE@/$((6000000 + DONE))/g" "$LOAD/claim-copytrack.eml" \
    >"$W/pathlike.eml"
  se_reply=$(pf_send legal@copytrack.com "$W/pathlike.eml" "$ESC_RCPT" 2>&1)
  if like "$se_reply" 'queued as' "$1: a claim for $ESC_RCPT accepted"; then
    echo "ok $DONE claim-copytrack.eml $ESC_RCPT ${se_reply##* }" >"$W/sent-$1.extra"
    DONE=$((DONE + 1))
  fi
}

# A claim for an SMTPUTF8 recipient, through miltertest (smtp-sink does
# not speak SMTPUTF8, so Postfix could not deliver it): the spool must keep
# the address byte for byte.  Its rows are checked apart from the manifest.
UTF8_RCPT=$(printf 'j\303\266rg@example.org')
UTF8_DONE=
send_utf8() {
  command -v miltertest >/dev/null 2>&1 || return 0
  milter_lua "$T_DIR/utf8-rcpt.lua" "$CT_ROOT/tests/fixtures/mail" 30 &&
    UTF8_DONE=1 B_EXTRA_CLAIMS=$((B_EXTRA_CLAIMS + 1))
}
not_utf8() { grep -a -v -F "|$UTF8_RCPT"; }

# 0. Healthy: creates the database.
batch healthy none
ok "healthy: database created" test -s "$DB"

# a. Locked by another writer for longer than DatabaseTimeout (300 ms).
mkfifo "$W/lock.fifo"
sqlite3 "$DB" <"$W/lock.fifo" >"$W/lock.out" 2>&1 &
LOCK_PID=$!
exec 7>"$W/lock.fifo"
printf '.timeout 5000\nBEGIN EXCLUSIVE;\n' >&7
locked() { ! sqlite3 -cmd '.timeout 0' "$DB" 'BEGIN IMMEDIATE; ROLLBACK;' >/dev/null 2>&1; }
if ok "locked: another sqlite3 holds BEGIN EXCLUSIVE" pf_wait_until 10 locked; then
  B_EXTRA="send_escape send_utf8"
  batch locked all
  B_EXTRA=
  is "$(find "$PF_DIR" -name '*escape*' | head -3)" "" \
    "locked: no file named after the path-like recipient, anywhere"
  is "$(find "$W/spool" -mindepth 1 ! -name '*.msg' | head -3)$(find "$W/spool" -name '*.msg' |
        sed 's|.*/||' | grep -v -E '^[0-9]+-[0-9]+-[0-9]+\.msg$' | head -3)" "" \
    "locked: the spool holds only files named TIME-PID-COUNTER.msg"
  ok "locked: the path-like recipient is inside a spool file" \
    grep -q -F -x "Recipient: $ESC_RCPT" -r "$W/spool"
  if [ -n "$UTF8_DONE" ]; then
    ok "locked: the SMTPUTF8 recipient spooled byte for byte (lower-cased)" \
      grep -a -q -F -x "Recipient: $UTF8_RCPT" -r "$W/spool"
  else
    skip "locked: the SMTPUTF8 recipient spooled byte for byte" "miltertest not installed"
  fi
else
  diag "$(cat "$W/lock.out")"
fi
exec 7>&-
pf_wait_until 10 pf_gone "$LOCK_PID" || kill "$LOCK_PID" 2>/dev/null
wait "$LOCK_PID" 2>/dev/null
LOCK_PID=

# b. Read-only: the database's file system remounted read-only (root
# ignores file modes, so a read-only mount is the honest test).
if [ -n "$NO_MOUNT" ]; then
  skip "read-only: database file system remounted read-only" "$NO_MOUNT"
elif ok "read-only: database file system remounted read-only" mount -o remount,ro "$W/db"; then
  batch read-only all
  mount -o remount,rw "$W/db" || bail_out "cannot remount the database rw"
fi

# b2/b3. Read-only file, read-only directory: root ignores file modes, so
# the milter runs as nobody here (UserID), owning the database and spool.
if getent passwd nobody >/dev/null && getent group nogroup >/dev/null; then
  sed -e '/^PidFile /d' "$CONF" >"$W/milter-nobody.conf"
  echo "UserID nobody:nogroup" >>"$W/milter-nobody.conf"
  sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1
  chown -R nobody:nogroup "$W/db" "$W/spool"
  CONF_SAVED=$CONF CONF=$W/milter-nobody.conf
  chmod 0444 "$DB"
  ok "read-only file: cases.db mode 0444, milter as nobody" \
    su -s /bin/sh nobody -c "test -r '$DB' && ! test -w '$DB'"
  batch read-only-file all
  chmod 0644 "$DB"
  rm -f "$DB-wal" "$DB-shm"
  chmod 0555 "$W/db"
  ok "read-only directory: the database's directory mode 0555, milter as nobody" \
    su -s /bin/sh nobody -c "test -w '$DB' && ! test -w '$W/db'"
  batch read-only-dir all
  chmod 0700 "$W/db"
  CONF=$CONF_SAVED
else
  skip "read-only file and directory (milter as nobody)" "no user nobody / group nogroup"
fi

# c. Disk full: the WAL truncated, then the tmpfs filled to the last block.
if [ -n "$NO_MOUNT" ]; then
  skip "full: the database's file system is full" "$NO_MOUNT"
else
  sqlite3 "$DB" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null 2>&1
  dd if=/dev/zero of="$W/db/filler" bs=4096 2>/dev/null
  avail=$(df -k "$W/db" | awk 'NR == 2 { print $4 }')
  if is "$avail" 0 "full: the database's file system is full (0 kB free)"; then
    batch full all
  fi
  rm -f "$W/db/filler"
fi

# Everything at the sink, tagged; nothing else tagged.
cat "$W"/manifest-* >"$W/manifest"
# shellcheck disable=SC2086
perl "$SENDER" sink "$W/manifest" "$PF_SINK_DIR" $CLAIMS >"$W/sink.report"
note "sink: $(grep -v '^bad ' "$W/sink.report" | tr '\n' ' ')"
is "$(val delivered "$W/sink.report")" "$DONE" "all $DONE messages delivered" || bads "$W/sink.report"
is "$(val duplicated "$W/sink.report"):$(val missing "$W/sink.report"):$(val rcpt_mismatch "$W/sink.report")" \
  0:0:0 "none twice, none missing, every recipient"
is "$(val claims_tagged "$W/sink.report")" "$(val claims "$W/sink.report")" \
  "every claim delivered with its X-Copytroll-Status header, fault or not" || bads "$W/sink.report"
is "$(val ordinary_tagged "$W/sink.report")" 0 "no ordinary message tagged"

# Nothing lost: the database plus the spool hold every claim per recipient.
{ db_rows; spool_rows; } | not_utf8 >"$W/rows.before"
# shellcheck disable=SC2086
perl "$SENDER" db "$W/manifest" $CLAIMS <"$W/rows.before" >"$W/db.before"
note "database + spool: $(grep -v '^bad ' "$W/db.before" | tr '\n' ' ')"
is "$(val archived "$W/db.before")" "$(val expected "$W/db.before")" \
  "database + spool: every claim for every recipient" || bads "$W/db.before"
is "$(val duplicated "$W/db.before"):$(val unexpected "$W/db.before")" 0:0 \
  "database + spool: nothing twice, nothing else"

if "$CT_CLI" help 2>&1 | grep -q 'import.*--spool'; then
  out=$("$CT_CLI" -c "$CONF" import --spool 2>&1)
  ok "copytroll import --spool succeeds" test "$?" -eq 0 || diag "$out"
  out=$("$CT_CLI" -c "$CONF" import --spool 2>&1)
  ok "a second import --spool succeeds too" test "$?" -eq 0 || diag "$out"
  db_rows | not_utf8 >"$W/rows.after"
  # shellcheck disable=SC2086
  perl "$SENDER" db "$W/manifest" $CLAIMS <"$W/rows.after" >"$W/db.after"
  note "after import: $(grep -v '^bad ' "$W/db.after" | tr '\n' ' '); $(spool_files) files left in the spool"
  is "$(val archived "$W/db.after")" "$(val expected "$W/db.after")" \
    "after import --spool the database holds every claim for every recipient" || bads "$W/db.after"
  is "$(val duplicated "$W/db.after"):$(val unexpected "$W/db.after")" 0:0 \
    "after import --spool: nothing twice, nothing else"
  is "$(spool_files)" 0 "after import --spool the spool is empty"
  if [ -n "$UTF8_DONE" ]; then
    is "$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE recipient = '$UTF8_RCPT'")" 1 \
      "after import --spool the SMTPUTF8 recipient's claim is archived under its address"
  fi
else
  skip "copytroll import --spool brings every spooled claim into the database" \
    "this copytroll has no import --spool"
fi
is "$(sqlite3 "$DB" 'PRAGMA integrity_check' 2>&1)" ok "SQLite integrity_check ok"
done_testing
