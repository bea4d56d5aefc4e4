/* impersonation — does the sending identity of a notice belong to the
 * agency it names?  The From domain is checked by the rules engine; this
 * module looks behind it: the envelope sender (Return-Path) and the
 * Authentication-Results the receiving side wrote.
 *
 * Trust: an Authentication-Results header is read only when its
 * authserv-id (the first word of its value: "mx.example.org; dkim=pass
 * ...") is one of env->trusted_authserv_ids (TrustedAuthservIDs in the
 * config, compared without regard to case).  Anyone can write such a
 * header into a message, naming any host; only the ids of the receiving
 * side's own filters say something.  Every trusted header counts, not
 * just the topmost: OpenDKIM and OpenDMARC each prepend their own.  A
 * header without an authserv-id (Microsoft 365 writes some) is never
 * trusted.  Untrusted headers are ignored in both directions: a forged
 * dkim=pass cannot excuse a foreign envelope, and an old dmarc=fail from
 * an earlier hop (a mailing list, a forwarder) does not accuse.
 *
 * Where a trusted header sits is NOT looked at (no "only above the first
 * Received" cut).  DKIM/DMARC milters insert their header below the MTA's
 * own Received header (OpenDKIM, OpenDMARC and amavisd-milter are known
 * to), and a delivered mailbox has one Received per local hop (MX,
 * content filter, LMTP), so any fixed cut drops genuine results, while a
 * sender who connects straight to the MX puts a forgery right below that
 * same Received header, where no cut can tell it apart.  The boundary is
 * the authserv-id, as for OpenDMARC: the border MTA must remove incoming
 * headers that carry its own id (RFC 8601, section 5).
 *
 * Within a trusted header, comments and quoted strings are neutralised
 * before results are read, so text the sender chose (a local part in
 * smtp.mailfrom, a HELO name in a comment) cannot pose as a result.
 *
 * Provides
 *   imp_sender_reason()  NULL when nothing is wrong, else a reason for the
 *                        X-Copytroll-Status header:
 *                          "dmarc-fail"             a trusted A-R says dmarc=fail
 *                          "return-path-not-agency" the envelope sender's
 *                             domain is not the agency's and no DKIM
 *                             signature of the agency's domains passed (per a
 *                             trusted A-R)
 *                             (a bulk-mail service's bounce domain, e.g.
 *                             amazonses.com or sendgrid.net, counts as
 *                             neither: agencies send through them)
 *   imp_forwarded_from() a forwarded notice names its original sender:
 *                        true when the text of the view holds a header-like
 *                        line ("From:", "Von:", "De:", ... possibly quoted
 *                        with '>') whose address is in the agency's
 *                        domains.  A recipient forwarding a real notice to
 *                        a lawyer keeps that line; a phishing mail that only
 *                        calls itself "Fwd:" does not pass by its subject.
 *   imp_domain_in()      domain equal to or below one of a list
 *   imp_authserv_id()    the authserv-id of an Authentication-Results value
 *   imp_ar_trusted()     is that id one of a list
 *
 * Ownership: reads its arguments only; returns static strings, except
 * imp_authserv_id(), whose result the caller g_free()s.
 * Errors: none; missing headers simply give no reason.
 */
#ifndef CT_IMPERSONATION_H
#define CT_IMPERSONATION_H

#include <glib.h>
#include <stdbool.h>

#include "msgview.h"
#include "rules.h"

/* env->env_sender: envelope MAIL FROM when known (the milter), else NULL
 * (the Return-Path header is used); env->trusted_authserv_ids: whose
 * Authentication-Results to read.  env may be NULL (neither).  domains:
 * char*, the agency's domains. */
const char *imp_sender_reason(const msgview *v, const rules_env *env, const GPtrArray *domains);
bool imp_domain_in(const GPtrArray *domains, const char *domain);
/* The authserv-id of an Authentication-Results value: its first word,
 * after any white space and comments, unquoted, before white space, ';',
 * '(' or the optional version number; NULL when the value does not start
 * with one (e.g. "spf=pass ...", no id at all).  Newly allocated. */
char *imp_authserv_id(const char *ar_value);
/* Is ar_value's authserv-id in `trusted` (char*, case-insensitive)?
 * False for a NULL or empty list. */
bool imp_ar_trusted(const char *ar_value, const GPtrArray *trusted);
bool imp_forwarded_from(const msgview *v, const GPtrArray *domains);

#endif
