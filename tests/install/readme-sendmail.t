#!/bin/sh
# readme-sendmail.t — the INPUT_MAIL_FILTER line README.md gives for
# Sendmail, run through Sendmail's own m4 macros (sendmail-cf) in a minimal
# .mc: sendmail.cf must get the filter with its socket, an empty F= (mail
# continues when the filter is down) and the timeouts, and list it in
# InputMailFilters.  Skips without m4 and sendmail-cf (Sendmail itself
# cannot be installed beside Postfix; the macros can).  No root needed.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
CT_ROOT=$(cd "$T_DIR/../.." && pwd)
CF_M4=/usr/share/sendmail/cf/m4/cf.m4
command -v m4 >/dev/null 2>&1 || skip_all "m4 not installed"
[ -r "$CF_M4" ] || skip_all "sendmail-cf not installed ($CF_M4)"

ct_workdir sendmail

LINE=$(grep -m 1 '^INPUT_MAIL_FILTER(' "$CT_ROOT/README.md")
like "$LINE" "^INPUT_MAIL_FILTER\\(\`copytroll', \`S=unix:/run/copytroll/milter.sock, F=, T=" \
  "README: INPUT_MAIL_FILTER on the shipped socket with an empty F="
{
  echo "include(\`$CF_M4')dnl"
  echo "OSTYPE(\`linux')dnl"
  echo "DOMAIN(\`generic')dnl"
  echo "$LINE"
  echo "MAILER(\`local')dnl"
  echo "MAILER(\`smtp')dnl"
} >"$WORK/test.mc"
m4 "$WORK/test.mc" >"$WORK/test.cf" 2>"$WORK/m4.err"
is "$?:$(cat "$WORK/m4.err")" "0:" "m4 builds a sendmail.cf from it without a complaint"
is "$(grep '^Xcopytroll' "$WORK/test.cf")" \
  "Xcopytroll, S=unix:/run/copytroll/milter.sock, F=, T=C:30s;S:30s;R:60s;E:5m" \
  "sendmail.cf: the filter, its socket, no failure flag, the C/S/R/E timeouts"
is "$(grep '^O InputMailFilters=' "$WORK/test.cf")" "O InputMailFilters=copytroll" \
  "sendmail.cf: the filter is applied to incoming mail"
done_testing
