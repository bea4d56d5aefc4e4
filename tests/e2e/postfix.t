#!/bin/sh
# postfix.t — end to end through a real Postfix: a private instance on
# loopback (tests/lib/postfix.sh) with smtpd_milters pointing at
# copytroll-milter, relaying to an smtp-sink that keeps every message.
# COPYTRACK notices, an ordinary message and one with forged X-Copytroll-*
# headers are sent by SMTP; the copies that reach the sink and the case
# database are checked.  Run twice: milter on a unix socket, then on
# inet:PORT@127.0.0.1.  Runs in a private network namespace; needs root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
pf_isolate "$0" "$@"

MAIL=$CT_ROOT/tests/fixtures/mail
PASS_DIR=
cleanup() {
  milter_stop
  [ -n "$PASS_DIR" ] && [ "${CT_KEEP:-0}" != 1 ] && rm -rf "$PASS_DIR"
  pf_cleanup
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# What each pass sends, in order: envelope sender, file, expected kind and
# case id ("-" when not a claim), envelope recipients.  The second claim
# comes after the closure ("both cases have been closed") so that its case
# is open whatever the milter makes of that closure.
MESSAGES="legal@copytrack.com copytrack-first-notice.eml first_notice 4827163 owner@example.org
legal@copytrack.com copytrack-reminder.eml reminder 4827163 owner@example.org
legal@copytrack.com copytrack-closed.eml closed 4827163 owner@example.org
jane@example.net ordinary.eml - - owner@example.org
news@example.com forged-header.eml - - owner@example.org
legal@copytrack.com copytrack-second-notice.eml first_notice 4829510 owner@example.org Webmaster@Example.ORG"
COUNT=$(( $(printf '%s\n' "$MESSAGES" | wc -l) ))
# The cases expected afterwards: recipient agency case_id status messages.
CASES="owner@example.org copytrack 4827163 closed 3
owner@example.org copytrack 4829510 open 1
webmaster@example.org copytrack 4829510 open 1"

# check_claim LABEL FILE KIND CASE DELIVERED
check_claim() {
  cc_status=$(pf_header "$5" X-Copytroll-Status)
  note "$1 $2: X-Copytroll-Status: $cc_status"
  is "$(printf '%s\n' "$cc_status" | grep -c .)" 1 "$1 $2: one X-Copytroll-Status header"
  ok "$1 $2: header line reads 'X-Copytroll-Status: claim; agency=copytrack; ...'" \
    grep -q '^X-Copytroll-Status: claim; agency=copytrack; ' "$5"
  like "$cc_status" "(^|; )kind=$3(;|\$)" "$1 $2: kind=$3"
  like "$cc_status" "(^|; )case=$4(;|\$)" "$1 $2: case=$4"
  pf_drop_first_header "$5" | pf_drop_headers /dev/stdin 'x-copytroll-[a-z0-9-]*' \
    >"$PASS_DIR/got"
  ok "$1 $2: otherwise identical to what was sent (headers and body)" \
    cmp -s "$MAIL/$2" "$PASS_DIR/got" ||
    diag "$(diff "$MAIL/$2" "$PASS_DIR/got" | head -20)"
}

# check_plain LABEL FILE DELIVERED: the milter changed nothing but forged
# X-Copytroll-* fields (none in ordinary.eml).
check_plain() {
  is "$(pf_header "$3" X-Copytroll-Status)$(pf_header "$3" X-Copytroll-Advice)" "" \
    "$1 $2: no X-Copytroll-* header on delivery"
  pf_drop_headers "$MAIL/$2" 'x-copytroll-[a-z0-9-]*' >"$PASS_DIR/want"
  pf_drop_first_header "$3" >"$PASS_DIR/got"
  ok "$1 $2: byte-identical to what was sent, apart from Postfix's Received:" \
    cmp -s "$PASS_DIR/want" "$PASS_DIR/got" ||
    diag "$(diff "$PASS_DIR/want" "$PASS_DIR/got" | head -20)"
}

# run_pass LABEL unix|inet
run_pass() {
  label=$1
  pf_setup || bail_out "cannot set up Postfix"
  PASS_DIR=$PF_DIR/milter
  mkdir -p "$PASS_DIR" && chmod 0755 "$PASS_DIR"
  # The same socket in the milter's (libmilter's) and in Postfix's syntax.
  if [ "$2" = unix ]; then
    spec=unix:$PASS_DIR/milter.sock
    pf_spec=$spec
  else
    port=$(pf_free_port "$PF_SMTP_PORT $PF_SINK_PORT") || bail_out "no free port"
    spec=inet:$port@127.0.0.1
    pf_spec=inet:127.0.0.1:$port
  fi
  # smtpd runs as postfix: the unix socket is for group postfix.
  MILTER_LOG=$PASS_DIR/milter.log
  milter_config "$PASS_DIR/milter.conf" "$spec" "$PASS_DIR/cases.db" \
    SocketMode 0660 SocketGroup postfix AddAdvice yes
  milter_start "$PASS_DIR/milter.conf" || bail_out "copytroll-milter did not start on $spec"
  pf_set "smtpd_milters = $pf_spec" \
    "milter_connect_timeout = 10s" "milter_command_timeout = 10s" \
    "milter_content_timeout = 20s"
  pf_start || bail_out "cannot start Postfix"
  note "$label: Postfix smtpd 127.0.0.1:$PF_SMTP_PORT, sink :$PF_SINK_PORT, milter $spec"

  sent=0 claim_qid=
  while read -r from file kind cid rcpts; do
    # shellcheck disable=SC2086
    reply=$(pf_send "$from" "$MAIL/$file" $rcpts 2>&1)
    if like "$reply" 'queued as [0-9A-Za-z]+$' "$label $file: accepted by smtpd ($reply)"; then
      sent=$((sent + 1))
      [ "$file" = copytrack-first-notice.eml ] && claim_qid=${reply##* }
    fi
  done <<LIST
$MESSAGES
LIST
  ok "$label: all $COUNT messages reach the sink" pf_wait_delivered "$COUNT" 30

  while read -r from file kind cid rcpts; do
    mid=$(pf_header "$MAIL/$file" Message-ID)
    got=$(pf_find_delivered "Message-ID: $mid")
    if [ -z "$got" ]; then
      tap_result 1 "$label $file: delivered"
      continue
    fi
    pf_message "$got" >"$PASS_DIR/delivered"
    like "$(pf_header "$PASS_DIR/delivered" Received | head -n 1)" \
      '^from client\.example\.net .*by mx\.test\.example \(Postfix\)' \
      "$label $file: first header is Postfix's Received:"
    if [ "$kind" = - ]; then
      check_plain "$label" "$file" "$PASS_DIR/delivered"
    else
      check_claim "$label" "$file" "$kind" "$cid" "$PASS_DIR/delivered"
    fi
    # The second claim is for the same image and page as 4827163.
    if [ "$file" = copytrack-second-notice.eml ]; then
      is "$(pf_header "$PASS_DIR/delivered" X-Copytroll-Duplicate)" "case=4827163" \
        "$label $file: X-Copytroll-Duplicate: case=4827163 (same image, other case id)"
    fi
  done <<LIST
$MESSAGES
LIST

  # The database as the CLI shows it.
  cases=$("$CT_CLI" -c "$PASS_DIR/milter.conf" -d "$PASS_DIR/cases.db" cases --json 2>"$PASS_DIR/cli.err")
  note "$label: copytroll cases --json:" "$cases"
  [ -s "$PASS_DIR/cli.err" ] && diag "$(cat "$PASS_DIR/cli.err")"
  rows=$(printf '%s\n' "$cases" | perl -MJSON::PP -ne '
    my $o = eval { decode_json($_) } or next;
    print join(" ", map { $_ // "null" } @$o{qw(recipient agency case_id status messages)}), "\n"' |
    sort)
  is "$rows" "$CASES" \
    "$label: copytroll cases: 4827163 closed with 3 messages; 4829510 open for both recipients (lower-cased)"

  # Logs: the milter names Postfix's queue id; Postfix saw no milter trouble.
  if [ -n "$claim_qid" ]; then
    like "$(cat "$MILTER_LOG")" "$claim_qid" "$label: the milter log names the claim's queue id $claim_qid"
  else
    tap_result 1 "$label: the milter log names the claim's queue id (no queue id)"
  fi
  trouble=$(grep -i -E 'milter|warning|error|fatal|panic' "$PF_LOG" | grep -v -E 'status=sent')
  is "$trouble" "" "$label: no milter warning or error in the Postfix log"

  milter_stop
  is "$MILTER_STATUS" 0 "$label: copytroll-milter stops cleanly on SIGTERM"
  pf_cleanup
  PASS_DIR=
}

run_pass unix unix
run_pass inet inet
done_testing
