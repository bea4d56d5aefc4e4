/* rules_prefilter — decide cheaply which rules can possibly match a text,
 * so that most of the PCRE2 work is skipped for mail that is not a claim.
 *
 * Provides
 *   pf_extract()   at load time: from a rule's pattern, the literals a match
 *                  must contain, as a conjunction of clauses; a clause is a
 *                  set of alternatives ("every match contains `licen` or
 *                  `lizenz`, and contains `fee`").  Literals are lower-case
 *                  ASCII, at least PF_MIN_LIT bytes.  When the pattern uses
 *                  anything the extractor does not understand for sure
 *                  (backreferences, recursion, verbs, inline (?x), odd
 *                  braces...) it gives up: the rule then always runs.
 *                  *prefix (when not NULL) receives the set of strings
 *                  every match starts with (lower-case ASCII, at least
 *                  PF_MIN_PREFIX bytes), or NULL: the pattern then only
 *                  needs trying at the places where one of them occurs.
 *   pf_matcher_*() one pass of many literals over a text (an Aho-Corasick
 *                  automaton over a small byte alphabet).  Matching is
 *                  ASCII-caseless and folds the two non-ASCII characters
 *                  PCRE2 treats as caseless equals of ASCII letters (U+212A
 *                  KELVIN SIGN = k, U+017F LONG S = s), so it finds a
 *                  superset of what a caseless UTF/UCP pattern finds.
 *   pf_clauses_hold()  do the hits satisfy a rule's clauses?
 *
 * Soundness: a rule is skipped only when one of its clauses has no literal
 * in the text; every literal comes from a part of the pattern that every
 * match must contain, so a skipped rule could not have matched.  Anything
 * unsure widens (drops a clause) or gives up, never narrows.
 *
 * Ownership
 *   pf_extract() returns a new GPtrArray of clauses (each a GPtrArray of
 *   char*), freed with g_ptr_array_unref(); NULL = no requirement.  A
 *   pf_matcher is built once (pf_matcher_add() ... pf_matcher_build()),
 *   then only read: threads may scan with it at once, each with its own
 *   hits array of pf_matcher_count() bytes, zeroed by the caller.
 *
 * Errors: none; odd patterns give NULL (rule always runs).
 */
#ifndef CT_RULES_PREFILTER_H
#define CT_RULES_PREFILTER_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

#define PF_MIN_LIT 3      /* shorter literals are not worth a skip */
#define PF_MIN_PREFIX 3   /* shortest string of a prefix set: two-letter ones
                           * ("in", "an") start nearly everywhere, and trying
                           * a pattern at each costs more than one full run */

GPtrArray *pf_extract(const char *pattern, size_t len, bool extended, GPtrArray **prefix);

/* At load time (rules_pfsplit.c): the pattern split into branches whose
 * union matches what it matches (A|B, or P(?:A|B)S → P(?:A)S, P(?:B)S),
 * each with its own clauses as pf_extract() gives them: a match satisfies
 * every clause of at least one branch.  NULL when there is nothing to
 * split, the split is not sure, or some branch has no requirement.  A new
 * GPtrArray of pf_extract() results; *texts (when texts is not NULL)
 * receives the branches' own pattern texts, in the same order, each of
 * which compiled alone matches what that branch matches in the pattern
 * (a GPtrArray of char*, the caller's), or NULL with it, or when the
 * pattern sets an option for the rest of a group ("(?i)", which would no
 * longer reach the later branches); and *prefixes (when not
 * NULL) each branch's prefix set as pf_extract() gives it, NULL entries
 * for none (a GPtrArray, the caller's). */
GPtrArray *pf_extract_branches(const char *pattern, size_t len, bool extended, GPtrArray **texts,
                               GPtrArray **prefixes);

typedef struct pf_matcher pf_matcher;

pf_matcher *pf_matcher_new(void);
/* Returns the literal's id (the same id for the same lower-cased text).
 * Only before pf_matcher_build(). */
guint pf_matcher_add(pf_matcher *m, const char *literal);
void pf_matcher_build(pf_matcher *m);
guint pf_matcher_count(const pf_matcher *m);
/* Memory held by the automaton, for the record. */
size_t pf_matcher_bytes(const pf_matcher *m);
/* Report where this literal occurs (see pf_matcher_scan).  Before build. */
void pf_matcher_set_positional(pf_matcher *m, guint id);

typedef struct pf_occ {
    guint32 start;           /* byte offset of the occurrence in the text */
    guint32 lit;             /* literal id */
} pf_occ;

#define PF_MAX_OCC 20000     /* occurrences recorded per scan */

/* hits[id] = 1 for every literal found in text.  occ (may be NULL)
 * receives every occurrence of a positional literal, in the order they
 * end.  Returns false when that list is not complete or not exact (more
 * than PF_MAX_OCC, or a folded character shifted the positions); the hits
 * are right either way. */
bool pf_matcher_scan(const pf_matcher *m, const char *text, size_t len, guint8 *hits, GArray *occ);
void pf_matcher_free(pf_matcher *m);
/* A new, built matcher of m's literals from .. to-1 (m itself need not be
 * built), as ids 0 .. to-from-1, none positional: scan it with hits +
 * from to get m's ids.  Free it with pf_matcher_free(). */
pf_matcher *pf_matcher_range(const pf_matcher *m, guint from, guint to);

/* A new, built matcher of a's literals, with a's ids, and then b's (b may
 * be NULL), positional where they are in b; neither need be built.
 * *b_id receives, for each id of the new matcher, the id of the same
 * literal in b or G_MAXUINT32 (free it with g_free()). */
pf_matcher *pf_matcher_merge(const pf_matcher *a, const pf_matcher *b, guint32 **b_id);

/* A rule's compiled clauses: a flat array of guint, [n, id1..idn, n, ...].
 * True when every clause has a hit. */
bool pf_clauses_hold(const GArray *clauses, const guint8 *hits);
/* The same over len guint of that form at v. */
bool pf_clauses_hold_n(const guint *v, guint len, const guint8 *hits);

#endif
