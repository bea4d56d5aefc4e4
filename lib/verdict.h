/* verdict — what the rules decided about one message, and the facts they
 * extracted from it.
 *
 * Provides
 *   verdict_new() / verdict_free()
 *   verdict_kind_name(), verdict_kind_parse(), verdict_name()
 *
 * Ownership
 *   A verdict owns all its strings and arrays; verdict_free() releases them.
 *   String fields are NULL when unknown.  Extracted strings are valid UTF-8
 *   taken from the message view: they are NOT safe for headers, CSV or HTML
 *   as they are — see sanitize.h.
 */
#ifndef CT_VERDICT_H
#define CT_VERDICT_H

#include <glib.h>
#include <stdbool.h>

typedef enum ct_verdict {
    CT_VERDICT_NONE = 0,
    CT_VERDICT_CLAIM,
    CT_VERDICT_SUSPECT,
} ct_verdict;

/* Ordered by precedence: when rules of several kinds fire, the highest
 * wins (a reply that closes the case but quotes the first notice is a
 * closure, not a first notice). */
typedef enum ct_kind {
    CT_KIND_NONE = 0,
    CT_KIND_OTHER,
    CT_KIND_FIRST_NOTICE,
    CT_KIND_REMINDER,
    CT_KIND_ESCALATION,
    CT_KIND_CLOSED,
    CT_KIND_PAID,
} ct_kind;

typedef struct verdict {
    ct_verdict verdict;
    double score;
    char *agency;        /* rule-file agency id, e.g. "copytrack" */
    ct_kind kind;        /* CT_KIND_NONE unless claim or suspect */
    char *reason;        /* why suspect, e.g. "sender-not-agency" */

    char *case_id;
    char *client;
    char *amount;        /* "739.59" */
    char *currency;      /* ISO 4217 */
    char *deadline;      /* ISO 8601 date */
    char *portal_url;
    GPtrArray *image_urls;  /* char* */
    GPtrArray *page_urls;   /* char* */

    bool covers_duplicates; /* a closure or payment that says it ends "both
                               cases": the case database ends the case's
                               double claims with it (rule attribute
                               "covers duplicates") */
    GPtrArray *rules;       /* char*, names of the rules that fired */
    unsigned truncated;     /* MV_TRUNC_* bits of the view it came from */
    unsigned match_limit_hits; /* rules stopped by PCRE2's match limit */
} verdict;

verdict *verdict_new(void);
void verdict_free(verdict *v);

const char *verdict_name(ct_verdict v);       /* "claim", "suspect", "none" */
const char *verdict_kind_name(ct_kind k);     /* "first_notice" ...; NULL for NONE */
/* Returns false for an unknown name. */
bool verdict_kind_parse(const char *name, ct_kind *out);

#endif
