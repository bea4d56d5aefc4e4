#!/bin/sh
# demo.sh — `make demo`: a private Postfix on loopback with copytroll-milter,
# fed the sample COPYTRACK notices of tests/fixtures/mail/ and an ordinary
# message; shows what each message looked like when sent and when delivered,
# then the case database (`copytroll cases`).  Everything runs in a private
# network namespace and is stopped and removed at the end.
#
# Without root (or without network namespaces) there is no private Postfix;
# the demo then shows `copytroll scan` on the same files and says why.
# The programs are taken from $CT_BUILD (a build prefix) or the repository.
set -u
DEMO_LIB=$(cd "$(dirname "$0")" && pwd)
. "$DEMO_LIB/postfix.sh"
. "$DEMO_LIB/milter.sh"
ct_paths "$DEMO_LIB/demo"
MAIL=$CT_ROOT/tests/fixtures/mail

# Sender, file; in the order they are sent.
MESSAGES="legal@copytrack.com copytrack-first-notice.eml
legal@copytrack.com copytrack-second-notice.eml
legal@copytrack.com copytrack-reminder.eml
jane@example.net ordinary.eml
news@example.com forged-header.eml
legal@copytrack.com copytrack-closed.eml"
RCPT=owner@example.org

say() { printf '%s\n' "$@"; }
die() { say "demo: $*" >&2; exit 1; }

for p in "$CT_MILTER" "$CT_CLI"; do
  [ -x "$p" ] || die "$p is not built (run make all first)"
done

# postfix.sh calls skip_all when the private Postfix cannot run: show the
# offline view instead.
skip_all() {
  say "No private Postfix for this demo: $*." \
      "Showing what the filter decides about the same messages (copytroll scan):" ""
  files=$(printf '%s\n' "$MESSAGES" | while read -r _ f; do printf '%s ' "$f"; done)
  conf=$(mktemp "${TMPDIR:-/tmp}/ct-demo.XXXXXX") || exit 1
  printf 'RulesDir %s\n' "$CT_ROOT/conf/rules.d" >"$conf"
  # shellcheck disable=SC2086
  (cd "$MAIL" && "$CT_CLI" -c "$conf" scan $files)
  rc=$?
  rm -f "$conf"
  exit $rc
}
bail_out() { die "$*"; }

pf_require
pf_isolate sh "$DEMO_LIB/demo.sh" "$@"

cleanup() {
  milter_stop
  pf_cleanup
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

pf_setup || die "cannot set up Postfix"
WORK=$PF_DIR/milter
mkdir -p "$WORK" && chmod 0755 "$WORK"
MILTER_LOG=$WORK/milter.log
SPEC=unix:$WORK/milter.sock
milter_config "$WORK/milter.conf" "$SPEC" "$WORK/cases.db" \
  SocketMode 0660 SocketGroup postfix AddAdvice yes
milter_start "$WORK/milter.conf" || die "copytroll-milter did not start"
pf_set "smtpd_milters = $SPEC"
pf_start || die "Postfix did not start"

say "A private Postfix listens on 127.0.0.1:$PF_SMTP_PORT (smtpd_milters = $SPEC)" \
    "and relays to an smtp-sink on 127.0.0.1:$PF_SINK_PORT.  Sending to $RCPT:" ""
n=0
while read -r from file; do
  reply=$(pf_send "$from" "$MAIL/$file" "$RCPT" 2>&1) || die "sending $file: $reply"
  printf '  %-30s from %-22s %s\n' "$file" "$from" "$reply"
  n=$((n + 1))
done <<EOF
$MESSAGES
EOF
pf_wait_delivered "$n" 30 || die "not every message was delivered"

# The X-Copytroll-* fields of a message, or a note that there are none.
copytroll_fields() {
  grep -i '^X-Copytroll-' "$1" || say "(no X-Copytroll-* header)"
}

# Indent lines under a label given on the first one.
labelled() {
  awk -v l="$1" '{ printf "   %-11s%s\n", (NR == 1 ? l : ""), $0 }'
}

say "" "What arrived (X-Copytroll-* headers as sent -> as delivered):"
while read -r from file; do
  mid=$(pf_header "$MAIL/$file" Message-ID)
  got=$(pf_find_delivered "Message-ID: $mid")
  [ -n "$got" ] || die "$file did not arrive"
  pf_message "$got" >"$WORK/delivered"
  say "" "== $file" "   Subject: $(pf_header "$MAIL/$file" Subject)"
  copytroll_fields "$MAIL/$file" | labelled "sent:"
  grep -i '^X-Copytroll-' "$WORK/delivered" | labelled "delivered:"
  if ! grep -qi '^X-Copytroll-' "$WORK/delivered"; then
    pf_drop_headers "$MAIL/$file" 'x-copytroll-[a-z0-9-]*' >"$WORK/want"
    pf_drop_first_header "$WORK/delivered" >"$WORK/got"
    if cmp -s "$WORK/want" "$WORK/got"; then
      say "   delivered: no X-Copytroll-* header; otherwise byte-identical (only Postfix's Received: added)"
    else
      say "   delivered: no X-Copytroll-* header, but the message differs from what was sent:"
      diff "$WORK/want" "$WORK/got" | head -10 | sed 's/^/     /'
    fi
  fi
done <<EOF
$MESSAGES
EOF

say "" "copytroll cases  (the database the milter wrote):" ""
"$CT_CLI" -c "$WORK/milter.conf" -d "$WORK/cases.db" cases | sed 's/^/  /'
say "" "Stopping the milter and Postfix; the temporary instance is removed."
