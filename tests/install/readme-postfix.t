#!/bin/sh
# readme-postfix.t — the Postfix settings README.md tells an admin to type,
# taken from README.md itself and applied to a private Postfix (only the
# socket and the header_checks file are moved into the test's directory):
#   smtpd_milters = { unix:…, default_action=accept }
#   non_smtpd_milters = $smtpd_milters
#   header_checks = regexp:…  with  /^X-Copytroll-/  IGNORE
# With milter_default_action at its Postfix 3.7 default (tempfail): a claim
# sent over SMTP and one submitted with sendmail(1) are both tagged (the
# second through non_smtpd_milters), header_checks leaves the milter's own
# headers alone; with the milter stopped, mail is still accepted and a
# forged X-Copytroll-* header is dropped; without default_action=accept the
# same message is tempfailed (so the setting is what keeps mail flowing).
# Needs root; runs in a private network namespace.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
pf_isolate "$0" "$@"

MAIL=$CT_ROOT/tests/fixtures/mail
README=$CT_ROOT/README.md
W=
cleanup() {
  milter_stop
  [ -n "$W" ] && [ "${CT_KEEP:-0}" != 1 ] && rm -rf "$W"
  pf_cleanup
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# The lines as README.md gives them.
readme_line() { grep -m 1 -E "$1" "$README"; }
SMTPD=$(readme_line '^smtpd_milters = \{ unix:')
NONSMTPD=$(readme_line '^non_smtpd_milters = ')
HCHECKS=$(readme_line '^header_checks = regexp:')
HC_RULE=$(readme_line '^/\^X-Copytroll-/ +IGNORE$')
is "$SMTPD" "smtpd_milters = { unix:/run/copytroll/milter.sock, default_action=accept }" \
  "README: smtpd_milters with default_action=accept"
is "$NONSMTPD" 'non_smtpd_milters = $smtpd_milters' "README: non_smtpd_milters"
is "$HCHECKS" "header_checks = regexp:/etc/postfix/header_checks" "README: header_checks"
like "$HC_RULE" '^/\^X-Copytroll-/ +IGNORE$' "README: the header_checks rule"
[ -n "$SMTPD" ] && [ -n "$NONSMTPD" ] && [ -n "$HCHECKS" ] && [ -n "$HC_RULE" ] ||
  bail_out "README.md no longer has the Postfix lines this test applies"

pf_setup || bail_out "cannot set up Postfix"
W=$PF_DIR/milter
mkdir -p "$W" && chmod 0755 "$W"
SOCK=$W/milter.sock
printf '%s\n' "$HC_RULE" >"$PF_CONF/header_checks"
pf_set "milter_default_action = tempfail" \
  "$(printf '%s\n' "$SMTPD" | sed "s|/run/copytroll/milter.sock|$SOCK|")" \
  "$NONSMTPD" \
  "$(printf '%s\n' "$HCHECKS" | sed "s|/etc/postfix/header_checks|$PF_CONF/header_checks|")" ||
  bail_out "postconf -e refused the README's lines"
is "$(postconf -c "$PF_CONF" -h smtpd_milters)" "{ unix:$SOCK, default_action=accept }" \
  "postconf takes the README's smtpd_milters"
out=$(postfix -c "$PF_CONF" check 2>&1)
is "$out" "" "postfix check: no warning"

# The milter as the shipped configuration sets up its socket.
MILTER_LOG=$W/milter.log
milter_config "$W/milter.conf" "unix:$SOCK" "$W/cases.db" SocketMode 0660 SocketGroup postfix
milter_start "$W/milter.conf" || bail_out "copytroll-milter did not start"
pf_start || bail_out "cannot start Postfix"

status_of() {  # status_of FILE: X-Copytroll-Status of the delivered copy of FILE
  so_mid=$(pf_header "$MAIL/$1" Message-ID)
  so_got=$(pf_find_delivered "Message-ID: $so_mid")
  [ -n "$so_got" ] || { echo "(not delivered)"; return; }
  pf_message "$so_got" >"$W/delivered"
  pf_header "$W/delivered" X-Copytroll-Status
}

like "$(pf_send legal@copytrack.com "$MAIL/copytrack-first-notice.eml" owner@example.org 2>&1)" \
  "queued as" "milter up: a claim over SMTP is accepted"
sendmail -C "$PF_CONF" -i -f legal@copytrack.com owner@example.org \
  <"$MAIL/copytrack-reminder.eml" 2>"$W/sendmail.err"
is "$?:$(cat "$W/sendmail.err")" "0:" "milter up: a claim submitted with sendmail(1) is accepted"
ok "both delivered" pf_wait_delivered 2 30
like "$(status_of copytrack-first-notice.eml)" "^claim; agency=copytrack; kind=first_notice;" \
  "smtpd_milters: the SMTP claim is tagged (header_checks keeps the milter's header)"
like "$(status_of copytrack-reminder.eml)" "^claim; agency=copytrack; kind=reminder;" \
  "non_smtpd_milters: the claim submitted with sendmail(1) is tagged"

# The milter down: default_action=accept keeps mail flowing, header_checks
# drops a forged verdict.
milter_stop
like "$(pf_send legal@copytrack.com "$MAIL/copytrack-closed.eml" owner@example.org 2>&1)" \
  "queued as" "milter down: mail over SMTP is still accepted (default_action=accept)"
like "$(pf_send news@example.com "$MAIL/forged-header.eml" owner@example.org 2>&1)" \
  "queued as" "milter down: the message with a forged header is accepted"
ok "both delivered" pf_wait_delivered 4 30
is "$(status_of copytrack-closed.eml)" "" "milter down: the claim passes untagged"
is "$(status_of forged-header.eml)" "" "milter down: header_checks dropped the forged X-Copytroll-Status"
like "$(cat "$PF_LOG")" "warning: connect to Milter service unix:$SOCK: " \
  "Postfix logs that the milter is unreachable"

# Control: the same milter down without default_action=accept is a tempfail
# under Postfix 3.7's default.
pf_set "smtpd_milters = unix:$SOCK"
postfix -c "$PF_CONF" reload >/dev/null 2>&1
sleep 1
like "$(pf_send legal@copytrack.com "$MAIL/copytrack-second-notice.eml" owner@example.org 2>&1)" \
  ": 4[0-9][0-9] 4\.[0-9]+\.[0-9]+ " \
  "control: without default_action=accept the message is tempfailed"
done_testing
