/* rules — the rule language: load the files of conf/rules.d, compile every
 * pattern with PCRE2 (JIT, match limits), evaluate a message view.
 *
 * THE LANGUAGE (the full manual is copytroll-rules(5))
 *   Line oriented.  `#` starts a comment line; blank lines are ignored.
 *   A line is KEYWORD ARGUMENTS.  Attribute lines, indented by convention,
 *   belong to the last block opened by `agency`, `rule` or `meta`.  The one
 *   word that is both: `agency ID` at the start of a line opens an agency
 *   block; indented under a rule or meta it names that rule's agency.
 *
 *   threshold N              score from which a message is a claim (default 5)
 *
 *   agency ID                open an agency block; ID is lower-case [a-z0-9-]
 *     name TEXT              display name
 *     domains D...           domains it really sends from (subdomains count)
 *     portals D...           its portal / payment / evidence domains
 *     advice URL             response guide for X-Copytroll-Advice
 *
 *   rule NAME TARGET /PATTERN/FLAGS
 *     score N                added when the rule fires (may be negative; default 1)
 *     agency ID              the agency this rule points to (declared earlier)
 *     kind KIND              first_notice reminder escalation closed paid other
 *     describe TEXT
 *
 *   meta NAME EXPR           fires when EXPR is true; EXPR combines names of
 *                            rules (or earlier metas) with ! && || ( )
 *     score / agency / kind / describe as for rule
 *
 *   shortener D...           URL-shortener domains   } a claim that links to
 *   filehost D...            file-sharing domains    } one, or attaches a
 *   risky-extension EXT...   e.g. zip exe js         } risky file, is suspect
 *
 *   NAME is [A-Z0-9_]+ and unique across all files.  TARGET is one of
 *     subject  from  sender  header:NAME  body  rawbody  url  attachment  pdf  text
 *   from: the From header "Name <addr>"; sender: every sender address (From,
 *   Reply-To, Return-Path, Sender, envelope sender), one value each; body:
 *   the UTF-8 text of every text part (HTML converted); rawbody: the raw
 *   message bytes; url: each URL; attachment: each attachment's file name;
 *   pdf: text of attached PDFs; text: subject, body and pdf text together.
 *   A multi-valued target fires when any value matches.
 *   The pattern is delimited by `/` (or by the first character after the
 *   target when that is not a letter, e.g. m{...} style: `{` ... `}` is
 *   NOT supported; use `/` and escape `\/`).  FLAGS: i m s x.  Patterns are
 *   UTF-8 with Unicode properties.
 *
 *   Named captures extract fields: case_id client amount currency deadline
 *   image_url page_url portal_url, and fee (components of the total:
 *   every fee captured by any rule is added up when no rule captures
 *   amount).  The first rule in load order that captures a scalar field
 *   wins; image_url and page_url collect every match.
 *
 * DECISION
 *   Each fired rule adds its score to its agency (or to a shared pool when
 *   it names none).  The agency with the highest score wins; the message
 *   score is that agency's score plus the shared pool.  score >= threshold
 *   with an agency → claim.  The kind is the highest-precedence kind among
 *   the fired rules (see verdict.h), first_notice when none says.  A claim
 *   whose senders are all outside the agency's domains, or that links to a
 *   shortener / file host, or attaches a risky file → suspect with a reason.
 *
 * Provides
 *   rules_load_dir()  load every *.rules file of a directory in name order
 *   rules_load_file() one file (tests)
 *   rules_eval()      evaluate a view → verdict
 *   rules_ref()/rules_unref()  reference counting for reload (the milter
 *                     swaps a new set in while old connections finish)
 *   rules_agency_*()  look up an agency's display name / advice URL
 *   rules_prefilter_stats()  how many rules the prefilter gates
 *
 * PREFILTER (lib/rules_prefilter.h)
 *   At load time the literals every match of a text/body/pdf/rawbody
 *   pattern must contain are extracted; at evaluation one pass over the
 *   text finds which of them occur, and a rule whose required literals are
 *   absent is not run (it could not match); for a pattern that is an
 *   alternation (at the top or in its first group) each branch has its own
 *   literals, and the rule runs only when all of some branch's occur.  The
 *   verdict is the same as without it.  A text rule whose matches all start with one of a few
 *   strings is tried (anchored) only where those occur, not at every
 *   position.  COPYTROLL_NO_PREFILTER=1 in the environment at load time
 *   turns it off (to compare, see tests/corpus/prefilter.t).  The one
 *   difference: a pattern that hits the PCRE2 match limit at a position
 *   the prefilter skips is not counted (the unfiltered evaluation would
 *   count it, and give up on that rule).
 *
 * CLAIM-ONLY RULES (lib/rules_lazy.c)
 *   Whether a message is a claim, and its score, depend only on the rules
 *   with a non-zero score and on the rules a scoring meta reads.  The
 *   others (score 0: kind and field rules) are run only once those have
 *   made the message a claim.  For a message that is not a claim the
 *   verdict's rules list shows only fired rules of the first kind, and
 *   match_limit_hits counts only their hits — with or without
 *   COPYTROLL_NO_LAZY=1 (at load time), which runs every rule on every
 *   message, so the output is the same either way.
 *
 * Ownership
 *   A ruleset is created with one reference.  rules_eval() only reads the
 *   set, so several threads may evaluate the same set at once (each call
 *   uses its own PCRE2 match data).  The verdict returned belongs to the
 *   caller (verdict_free()).
 *
 * Errors
 *   Loading fails with a GError (domain RULES_ERROR) whose message is
 *   `file:line: why` for the first problem found.  At evaluation a pattern
 *   that hits the PCRE2 match or depth limit counts as not matching and
 *   increments verdict->match_limit_hits.
 */
#ifndef CT_RULES_H
#define CT_RULES_H

#include <glib.h>

#include "msgview.h"
#include "verdict.h"

#define RULES_ERROR (rules_error_quark())
GQuark rules_error_quark(void);

typedef struct ruleset ruleset;

/* Extra facts the view does not carry (the milter knows them), and whom
 * to believe.  A NULL env is an unknown envelope and no trusted ids. */
typedef struct rules_env {
    const char *env_sender;   /* envelope MAIL FROM, NULL if unknown */
    /* char*: the authserv-ids whose Authentication-Results headers are
     * read (TrustedAuthservIDs); NULL or empty: none is (impersonation.h) */
    const GPtrArray *trusted_authserv_ids;
} rules_env;

ruleset *rules_load_dir(const char *dir, GError **err);
ruleset *rules_load_file(const char *path, GError **err);
ruleset *rules_ref(ruleset *rs);
void rules_unref(ruleset *rs);

unsigned rules_count(const ruleset *rs);
unsigned rules_agency_count(const ruleset *rs);

typedef struct rules_pf_stats {
    bool enabled;
    unsigned filtered;    /* pattern rules gated by required literals */
    unsigned always;      /* pattern rules that always run */
    unsigned anchored;    /* text rules tried only where a match can start */
    unsigned literals;    /* distinct literals searched */
    size_t bytes;         /* memory of the literal automaton */
    bool lazy;            /* claim-only rules are skipped for non-claims */
    unsigned claim_only;  /* rules with score 0 that no scoring meta reads */
} rules_pf_stats;

void rules_prefilter_stats(const ruleset *rs, rules_pf_stats *out);

verdict *rules_eval(const ruleset *rs, const msgview *view, const rules_env *env);

/* NULL when the agency is unknown or has none. */
const char *rules_agency_name(const ruleset *rs, const char *agency_id);
const char *rules_agency_advice(const ruleset *rs, const char *agency_id);

#endif
