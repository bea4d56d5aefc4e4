#!/bin/sh
# authserv.t — which Authentication-Results `copytroll scan` and `import`
# believe (issue #4): a COPYTRACK notice sent through a foreign envelope
# carries a forged "dkim=pass header.d=copytrack.com" under a foreign
# authserv-id, and the same result under the id the config trusts.  Only
# the trusted one makes it a claim; --authserv-id replaces the config's
# list (for a mailbox delivered by another MTA); bad lists are refused.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/program-test.sh"
NOTICE=$CT_ROOT/tests/corpus/claims/copytrack-en-closed-02.eml
[ -r "$NOTICE" ] || skip_all "no $NOTICE"

ct_workdir authserv

CONF=$WORK/ct.conf
printf 'RulesDir %s\nDatabase %s\nTrustedAuthservIDs mx.site.example\n' \
  "$CT_ROOT/conf/rules.d" "$WORK/cases.db" >"$CONF"
# notice AUTHSERV-ID: the notice with a foreign Return-Path and a DKIM pass
# for copytrack.com written under that authserv-id
notice() {
  printf 'Return-Path: <bounce-1@mailer.relay.example>\n'
  printf 'Authentication-Results: %s; dkim=pass header.d=copytrack.com\n' "$1"
  cat "$NOTICE"
}
notice mx.forger.example >"$WORK/forged.eml"
notice MX.Site.Example >"$WORK/trusted.eml"
ct() { "$CT_CLI" -c "$CONF" "$@"; }

run ct scan "$NOTICE"
like "$OUT" ": claim agency=copytrack " "the notice as sent by COPYTRACK is a claim" || diag "$ERR"
run ct scan "$WORK/forged.eml"
like "$OUT" ": suspect agency=copytrack .*reason=return-path-not-agency" \
  "a forged Authentication-Results under a foreign authserv-id is ignored"
run ct scan "$WORK/trusted.eml"
like "$OUT" ": claim agency=copytrack " "the same result under the trusted authserv-id excuses the envelope"
run ct scan --authserv-id "mx.forger.example, mx2.site.example" "$WORK/forged.eml" "$WORK/trusted.eml"
like "$OUT" "forged.eml: claim " "--authserv-id replaces the config's list (now trusted)"
like "$OUT" "trusted.eml: suspect " "--authserv-id replaces the config's list (no longer trusted)"
run ct scan --authserv-id none "$WORK/trusted.eml"
like "$OUT" ": suspect .*reason=return-path-not-agency" "--authserv-id none trusts no header"

run ct scan --authserv-id "mx.site.example;" "$WORK/trusted.eml"
is "$RC" 2 "a bad --authserv-id is a usage error"
like "$ERR" "^copytroll scan: bad --authserv-id 'mx.site.example;': an authserv-id is a host or domain name" \
  "... naming the value and why"

printf 'TrustedAuthservIDs none mx.site.example\n' >"$WORK/bad.conf"
run "$CT_CLI" -c "$WORK/bad.conf" scan "$NOTICE"
is "$RC" 1 "a bad TrustedAuthservIDs in the config is refused"
like "$ERR" "bad.conf:1: TrustedAuthservIDs: none trusts no authserv-id" "... with file:line: why"

mkdir -p "$WORK/maildir/cur" "$WORK/maildir/new" "$WORK/maildir/tmp"
cp "$WORK/forged.eml" "$WORK/maildir/cur/1.host:2,S"
cp "$WORK/trusted.eml" "$WORK/maildir/cur/2.host:2,S"
run ct import --recipient owner@site.example "$WORK/maildir"
is "$RC" 0 "import exits 0" || diag "$ERR"
like "$OUT" "claims: 1, suspects: 1," "import trusts the config's authserv-id only"
run ct -d "$WORK/other.db" import --authserv-id mx.forger.example,mx.site.example \
  --recipient owner@site.example "$WORK/maildir"
like "$OUT" "claims: 2, suspects: 0," "import --authserv-id trusts the MTA that delivered the mailbox"

done_testing
