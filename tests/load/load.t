#!/bin/sh
# load.t — 10,000 messages through a real Postfix with copytroll-milter:
# ordinary mail and COPYTRACK notices (templates in tests/fixtures/load/,
# made unique per message), 1-5 recipients each, 8 concurrent SMTP sessions
# (tests/load/smtp-load.pl).  Afterwards: every message reached the sink
# exactly once with its recipients, every claim carries one X-Copytroll-Status
# and no ordinary message any, every claim is archived exactly once per
# recipient, the milter logged one line per message and no error, and its
# resident memory after the run is close to what it was after a warm-up
# batch.  CT_LOAD_COUNT overrides the number of messages (default 10000).
# Runs in a private network namespace; needs root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed (make deps)"
pf_isolate "$0" "$@"

TOTAL=${CT_LOAD_COUNT:-10000}
WARMUP=$((TOTAL / 10))
SESSIONS=8
RSS_MARGIN_KB=10240
LOAD=$CT_ROOT/tests/fixtures/load
SENDER=$CT_ROOT/tests/load/smtp-load.pl
# Mostly ordinary mail; one message in ten a notice.
TEMPLATES="$LOAD/ordinary-plain.eml=8 $LOAD/newsletter-multipart.eml=6
  $LOAD/ordinary-copyright-talk.eml=4 $LOAD/claim-copytrack.eml=1
  $LOAD/claim-copytrack-reminder.eml=1"
CLAIMS="claim-copytrack.eml claim-copytrack-reminder.eml"

W=
pf_milter_start load AddAdvice yes
pf_set "smtpd_milters = unix:$W/milter.sock" \
  "milter_connect_timeout = 10s" "milter_command_timeout = 30s" \
  "milter_content_timeout = 60s"
pf_start || bail_out "cannot start Postfix"
note "Postfix :$PF_SMTP_PORT, sink :$PF_SINK_PORT, milter pid $MILTER_PID"

now() { date +%s; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$MILTER_PID/status" 2>/dev/null; }
sink_count() { find "$PF_SINK_DIR" -type f | wc -l; }
# wait_sink N SECONDS: until N messages are at the sink and the queue is empty.
wait_sink() {
  ws_left=$2
  while [ "$ws_left" -gt 0 ]; do
    [ "$(sink_count)" -ge "$1" ] && pf_queue_empty && return 0
    sleep 1
    ws_left=$((ws_left - 1))
  done
  diag "timeout: $(sink_count) of $1 messages at the sink"
  pf_log_tail 5 | while IFS= read -r l; do diag "$l"; done
  return 1
}
# send FIRST COUNT: one batch through 8 sessions, bounded by a timeout.
send() {
  # shellcheck disable=SC2086
  timeout 600 perl "$SENDER" send --port "$PF_SMTP_PORT" --sessions "$SESSIONS" \
    --first "$1" --count "$2" --per-conn 100 --out "$W/sent" $TEMPLATES 2>"$W/send.err"
}

t0=$(now)
ok "warm-up: $WARMUP messages sent over $SESSIONS sessions" send 0 "$WARMUP" ||
  diag "$(cat "$W/send.err")"
ok "warm-up: all $WARMUP delivered" wait_sink "$WARMUP" 120
rss_before=$(rss_kb)
t1=$(now)
note "warm-up: $((t1 - t0)) s; milter RSS after warm-up ${rss_before} kB"

# The rest in three parts, RSS noted after each (the trend, for the record).
REST=$((TOTAL - WARMUP))
part=$((REST / 3))
sent_ok=0 first=$WARMUP rss_trend=$rss_before
for i in 1 2 3; do
  [ "$i" -eq 3 ] && part=$((TOTAL - first))
  send "$first" "$part" && sent_ok=$((sent_ok + 1))
  first=$((first + part))
  rss_trend="$rss_trend $(rss_kb)"
done
t2=$(now)
ok "main run: $REST more messages sent over $SESSIONS sessions" test "$sent_ok" -eq 3 ||
  diag "$(cat "$W/send.err")"
note "milter RSS (kB) after the warm-up and after each third of the main run: $rss_trend"
ok "main run: all $TOTAL delivered" wait_sink "$TOTAL" 300
t3=$(now)
rss_after=$(rss_kb)
elapsed=$((t3 - t1))
[ "$elapsed" -gt 0 ] || elapsed=1
note "main run: sent in $((t2 - t1)) s, delivered in $elapsed s ($((REST / elapsed)) msgs/s); RSS ${rss_after} kB"

cat "$W"/sent.* >"$W/manifest"
failed=$(grep -c '^fail ' "$W/manifest")
is "$failed" 0 "every SMTP transaction accepted (no 'fail' line)" ||
  diag "$(grep '^fail ' "$W/manifest" | head -5)"
is "$(grep -c '^ok ' "$W/manifest")" "$TOTAL" "$TOTAL messages accepted by smtpd"

# shellcheck disable=SC2086
perl "$SENDER" sink "$W/manifest" "$PF_SINK_DIR" $CLAIMS >"$W/sink.report"
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
bads() { grep '^bad ' "$1" | while IFS= read -r l; do diag "$l"; done; }
claims=$(val claims "$W/sink.report")
note "sink: $(grep -v '^bad ' "$W/sink.report" | tr '\n' ' ')"
is "$(val delivered "$W/sink.report")" "$TOTAL" "every message delivered" || bads "$W/sink.report"
is "$(val duplicated "$W/sink.report")" 0 "no message delivered twice"
is "$(val missing "$W/sink.report")" 0 "no message missing"
is "$(val unknown "$W/sink.report")" 0 "nothing at the sink that was not sent"
is "$(val rcpt_mismatch "$W/sink.report")" 0 "each message reached the sink with its 1-5 recipients"
like "$claims" '^[1-9][0-9]*$' "the mix held claims ($claims)"
is "$(val claims_tagged "$W/sink.report")" "$claims" "every claim carries one X-Copytroll-Status: claim; agency=copytrack" ||
  bads "$W/sink.report"
is "$(val ordinary_tagged "$W/sink.report")" 0 "no ordinary message carries an X-Copytroll-* header"
is "$(val foreign_headers "$W/sink.report")" 0 "no unexpected or repeated X-Copytroll-* header"

# The milter: one line per message, no complaint.
is "$(grep -c ': verdict=' "$MILTER_LOG")" "$TOTAL" "the milter logged one verdict line per message"
is "$(grep -c ': verdict=claim ' "$MILTER_LOG")" "$claims" "the milter logged one claim line per claim"
is "$(grep -c 'spooled=yes' "$MILTER_LOG")" 0 "no claim had to be spooled"
trouble=$(grep -v -E '^copytroll-milter: [0-9A-Za-z]+: verdict=(none|claim|suspect) ' "$MILTER_LOG" |
  grep -i -E 'error|cannot|fail|lost|warn|fatal|crit|abort' | head -5)
is "$trouble" "" "no error or warning line in the milter log"
# (Postfix's cleanup warns when the clock and the file system disagree by
# a second under load: harmless here.)
pf_trouble=$(grep -i -E 'warning|error|fatal|panic' "$PF_LOG" |
  grep -v -E 'file system clock is|resetting file time stamps' | head -5)
is "$pf_trouble" "" "no warning or error in the Postfix log"

like "$rss_before" '^[0-9]+$' "milter RSS measured after the warm-up (${rss_before} kB)"
if [ -n "$rss_before" ] && [ -n "$rss_after" ]; then
  ok "milter RSS after the run within +$((RSS_MARGIN_KB / 1024)) MB of the warm-up figure (${rss_before} -> ${rss_after} kB)" \
    test "$rss_after" -le $((rss_before + RSS_MARGIN_KB))
else
  tap_result 1 "milter RSS after the run measured"
fi
ok "milter still running" ct_alive "$MILTER_PID"

milter_stop
is "$MILTER_STATUS" 0 "copytroll-milter stops cleanly on SIGTERM"

# shellcheck disable=SC2086
sqlite3 "$W/cases.db" 'SELECT message_id, recipient FROM messages' 2>"$W/sqlite.err" |
  perl "$SENDER" db "$W/manifest" $CLAIMS >"$W/db.report"
[ -s "$W/sqlite.err" ] && diag "$(cat "$W/sqlite.err")"
note "archive: $(grep -v '^bad ' "$W/db.report" | tr '\n' ' ')"
expected=$(val expected "$W/db.report")
like "$expected" '^[1-9][0-9]*$' "claims x recipients expected in the archive ($expected)"
is "$(val archived "$W/db.report")" "$expected" "every claim archived for each of its recipients" ||
  bads "$W/db.report"
is "$(val duplicated "$W/db.report")" 0 "no claim archived twice for a recipient"
is "$(val unexpected "$W/db.report")" 0 "nothing else archived"
is "$(sqlite3 "$W/cases.db" 'PRAGMA integrity_check')" ok "database integrity_check ok"
note "total: $(($(now) - t0)) s"
done_testing
