#!/bin/sh
# kill.t — copytroll-milter killed with SIGKILL in the middle of a stream of
# mail through a real Postfix (smtpd_milters with default_action=accept):
# Postfix keeps accepting and delivering every message while the milter is
# gone, the restarted milter tags and archives the claims that come later,
# every claim that reached the sink tagged is in the archive, nothing is
# archived twice, and the database passes `copytroll verify` (when this
# copytroll has that command) and SQLite's integrity check.
# Runs in a private network namespace; needs root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed (make deps)"
pf_isolate "$0" "$@"

LOAD=$CT_ROOT/tests/fixtures/load
SENDER=$CT_ROOT/tests/load/smtp-load.pl
TEMPLATES="$LOAD/ordinary-plain.eml=3 $LOAD/newsletter-multipart.eml=2
  $LOAD/claim-copytrack.eml=2 $LOAD/claim-copytrack-reminder.eml=1"
CLAIMS="claim-copytrack.eml claim-copytrack-reminder.eml"
FIRST=1500     # messages in the stream the milter dies in
SECOND=300     # messages after the restart

SENDER_PID=
ct_before_cleanup() {
  [ -n "$SENDER_PID" ] && kill "$SENDER_PID" 2>/dev/null
}
pf_milter_start kill
pf_set "smtpd_milters = { unix:$W/milter.sock, default_action=accept }" \
  "milter_connect_timeout = 5s" "milter_command_timeout = 30s" \
  "milter_content_timeout = 60s"
pf_start || bail_out "cannot start Postfix"

sent_lines() { cat "$W"/sent1.* 2>/dev/null | wc -l; }
# wait_sent N SECONDS: until the sender has reported N messages.
wait_sent() {
  wsn_left=$(($2 * 10))
  while [ "$wsn_left" -gt 0 ]; do
    [ "$(sent_lines)" -ge "$1" ] && return 0
    sleep 0.1
    wsn_left=$((wsn_left - 1))
  done
  return 1
}

# The stream: 8 sessions, a new SMTP connection every 10 messages (so that
# Postfix connects to the milter again soon after the restart).
# shellcheck disable=SC2086
timeout 600 perl "$SENDER" send --port "$PF_SMTP_PORT" --sessions 8 --first 0 \
  --count "$FIRST" --per-conn 10 --out "$W/sent1" $TEMPLATES 2>"$W/send1.err" &
SENDER_PID=$!

ok "stream under way (300 messages sent)" wait_sent 300 60
old_pid=$MILTER_PID
kill -KILL "$old_pid"
wait "$old_pid" 2>/dev/null
MILTER_PID=
killed_at=$(sent_lines)
note "milter (pid $old_pid) killed with SIGKILL after $killed_at messages"
ok "mail keeps flowing while the milter is gone (200 more messages sent)" \
  wait_sent $((killed_at + 200)) 60
note "restarting the milter after $(sent_lines) messages"
echo "--- restart" >>"$MILTER_LOG"
ok "the milter starts again on the same socket and database" \
  milter_start "$W/milter.conf"
wait "$SENDER_PID"
send_rc=$?
SENDER_PID=
is "$send_rc" 0 "the stream of $FIRST messages ran to the end" || diag "$(cat "$W/send1.err")"
ok "restarted milter is running" ct_alive "$MILTER_PID"

# Later mail, all of it through the restarted milter.
# shellcheck disable=SC2086
timeout 300 perl "$SENDER" send --port "$PF_SMTP_PORT" --sessions 8 --first "$FIRST" \
  --count "$SECOND" --per-conn 50 --out "$W/sent2" $TEMPLATES 2>"$W/send2.err"
is "$?" 0 "$SECOND more messages sent after the restart" || diag "$(cat "$W/send2.err")"
TOTAL=$((FIRST + SECOND))
ok "all $TOTAL messages delivered" pf_wait_sink "$TOTAL" 180

cat "$W"/sent1.* "$W"/sent2.* >"$W/manifest"
cat "$W"/sent2.* >"$W/manifest2"
is "$(grep -c '^fail ' "$W/manifest")" 0 "smtpd accepted every message, milter or no milter" ||
  diag "$(grep '^fail ' "$W/manifest" | head -5)"

val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
bads() { grep '^bad ' "$1" | while IFS= read -r l; do diag "$l"; done; }
# shellcheck disable=SC2086
perl "$SENDER" sink --untagged-ok --tagged-out "$W/tagged" "$W/manifest" "$PF_SINK_DIR" \
  $CLAIMS >"$W/sink.all"
note "sink, all: $(grep -v '^bad ' "$W/sink.all" | tr '\n' ' ')"
is "$(val delivered "$W/sink.all")" "$TOTAL" "every message delivered" || bads "$W/sink.all"
is "$(val duplicated "$W/sink.all")" 0 "none delivered twice"
is "$(val rcpt_mismatch "$W/sink.all")" 0 "each with all its recipients"
is "$(val ordinary_tagged "$W/sink.all")" 0 "no ordinary message tagged"
is "$(val foreign_headers "$W/sink.all")" 0 "no unexpected or repeated X-Copytroll-* header"
untagged=$(( $(val claims "$W/sink.all") - $(val claims_tagged "$W/sink.all") ))
note "claims that passed untagged while the milter was down: $untagged"
ok "some claims passed untagged while the milter was down ($untagged)" test "$untagged" -gt 0

# Everything after the restart: tagged.  (The report for the second batch
# counts the first batch's messages as unknown; only the claims matter.)
# shellcheck disable=SC2086
perl "$SENDER" sink "$W/manifest2" "$PF_SINK_DIR" $CLAIMS >"$W/sink.second"
c2=$(val claims "$W/sink.second")
like "$c2" '^[1-9][0-9]*$' "claims after the restart ($c2)"
is "$(val claims_tagged "$W/sink.second")" "$c2" "every claim after the restart tagged" ||
  bads "$W/sink.second"

milter_stop
is "$MILTER_STATUS" 0 "restarted milter stops cleanly"
trouble=$(grep -v -E '^copytroll-milter: [0-9A-Za-z]+: verdict=(none|claim|suspect) ' "$MILTER_LOG" |
  grep -i -E 'error|cannot|fail|lost|fatal|crit|abort' | head -5)
is "$trouble" "" "no error line in the milter log (either run)"

# The archive: every claim delivered tagged is there, once per recipient;
# claims the killed milter recorded but could not confirm may be there too.
sqlite3 "$W/cases.db" 'SELECT message_id, recipient FROM messages' >"$W/rows" 2>"$W/sqlite.err" ||
  diag "$(cat "$W/sqlite.err")"
# shellcheck disable=SC2086
perl "$SENDER" db --only "$W/tagged" "$W/manifest" $CLAIMS <"$W/rows" >"$W/db.report"
note "archive: $(grep -v '^bad ' "$W/db.report" | tr '\n' ' ')"
expected=$(val expected "$W/db.report")
like "$expected" '^[1-9][0-9]*$' "tagged claims x recipients ($expected)"
is "$(val archived "$W/db.report")" "$expected" "every tagged claim archived for each recipient" ||
  bads "$W/db.report"
is "$(val duplicated "$W/db.report")" 0 "nothing archived twice"
is "$(val unexpected "$W/db.report")" 0 "nothing archived that was not a claim"
is "$(sqlite3 "$W/cases.db" 'PRAGMA integrity_check' 2>&1)" ok "SQLite integrity_check ok"
if "$CT_CLI" help 2>&1 | grep -q '^ *verify'; then
  out=$("$CT_CLI" -c "$W/milter.conf" -d "$W/cases.db" verify 2>&1)
  ok "copytroll verify passes on the database" test "$?" -eq 0 ||
    diag "$(printf '%s\n' "$out" | head -10)"
else
  skip "copytroll verify passes on the database" "this copytroll has no verify command"
fi
done_testing
