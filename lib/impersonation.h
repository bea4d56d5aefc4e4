/* impersonation — does the sending identity of a notice belong to the
 * agency it names?  The From domain is checked by the rules engine; this
 * module looks behind it: the envelope sender (Return-Path) and the
 * Authentication-Results the receiving side wrote.
 *
 * Trust: Authentication-Results is used only to ADD suspicion (a DMARC
 * failure) or to excuse a foreign Return-Path when DKIM passed for one of
 * the agency's domains.  The view keeps the topmost A-R header, the one
 * the receiving MTA (OpenDKIM/OpenDMARC before this milter) prepends; a
 * sender who forges a lower one cannot clear a mismatch with it, and a
 * forged "dmarc=fail" only makes its own mail suspect.
 *
 * Provides
 *   imp_sender_reason()  NULL when nothing is wrong, else a reason for the
 *                        X-Copytroll-Status header:
 *                          "dmarc-fail"             A-R says dmarc=fail
 *                          "return-path-not-agency" the envelope sender's
 *                             domain is not the agency's and no DKIM
 *                             signature of the agency's domains passed
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
 *
 * Ownership: reads its arguments only; returns static strings.
 * Errors: none; missing headers simply give no reason.
 */
#ifndef CT_IMPERSONATION_H
#define CT_IMPERSONATION_H

#include <glib.h>
#include <stdbool.h>

#include "msgview.h"

/* env_sender: envelope MAIL FROM when known (the milter), else NULL (the
 * Return-Path header is used).  domains: char*, the agency's domains. */
const char *imp_sender_reason(const msgview *v, const char *env_sender, const GPtrArray *domains);
bool imp_domain_in(const GPtrArray *domains, const char *domain);
bool imp_forwarded_from(const msgview *v, const GPtrArray *domains);

#endif
