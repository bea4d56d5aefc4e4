/* rules_internal — the compiled rule set, shared by the loader
 * (rules_load.c), the meta-expression compiler (rules_meta.c) and the
 * evaluator (rules_eval.c).  Not part of the library's interface.
 *
 * Ownership: a ruleset owns its agencies, rules and lists; rules_unref()
 * frees everything when the last reference goes.
 */
#ifndef CT_RULES_INTERNAL_H
#define CT_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rules.h"
#include "rules_prefilter.h"

typedef enum rule_target {
    TGT_SUBJECT, TGT_FROM, TGT_SENDER, TGT_HEADER, TGT_BODY, TGT_RAWBODY,
    TGT_URL, TGT_ATTACHMENT, TGT_PDF, TGT_TEXT, TGT_META,
} rule_target;

/* Fields a named capture can fill, in verdict order. */
typedef enum rule_field {
    F_CASE_ID, F_CLIENT, F_AMOUNT, F_FEE, F_CURRENCY, F_DEADLINE,
    F_IMAGE_URL, F_PAGE_URL, F_PORTAL_URL, F_COUNT,
} rule_field;

extern const char *const rule_field_names[F_COUNT];

typedef struct agency {
    char *id, *name, *advice;
    GPtrArray *domains;   /* char*, lower case */
    GPtrArray *portals;   /* char*, lower case */
} agency;

/* A meta expression in postfix (RPN) order. */
typedef enum meta_op { MOP_RULE, MOP_NOT, MOP_AND, MOP_OR } meta_op;
typedef struct meta_step {
    meta_op op;
    unsigned rule;        /* index into ruleset->rules for MOP_RULE */
} meta_step;

typedef struct rule {
    char *name, *describe;
    char *file;           /* where it was defined, for messages */
    unsigned line;
    rule_target target;
    char *header_name;    /* TGT_HEADER only */
    pcre2_code *re;       /* NULL for metas */
    GPtrArray *pf_text;   /* required literals as extracted (load time only) */
    GArray *pf;           /* prefilter clauses (pf_clauses_hold), NULL = always runs */
    char *pf_pattern;     /* the pattern, for per-branch literals (load time only) */
    GPtrArray *pf_branch_text; /* per-branch clauses as extracted (load time only) */
    GPtrArray *pf_branches; /* GArray per branch, as pf; one must hold; NULL = none */
    GPtrArray *pf_prefix_text; /* what every match starts with (load time only) */
    GArray *pf_prefix;    /* those literals' ids in pf_pos, sorted; NULL = try everywhere */
    GPtrArray *pf_branch_prefix; /* with pf_prefix: per branch of pf_branches, its own
                           * prefix ids (GArray, sorted); NULL = none */
    pcre2_code *re_anchored; /* re compiled PCRE2_ANCHORED (JIT), with pf_prefix */
    GPtrArray *branch_re; /* pcre2_code* per branch of pf_branches, compiled alone,
                           * NULL = none: a rule that captures nothing and no prefix
                           * anchors runs only the branches whose literals are all
                           * present (rules_eval.c) */
    gsize jit_done;       /* re, re_anchored, branch_re JIT-compiled (rules_jit_once) */
    unsigned fields;      /* bit per rule_field it captures */
    GArray *meta;         /* meta_step, metas only */
    double score;
    int agency;           /* index into ruleset->agencies, -1 = none */
    ct_kind kind;
    bool verdict;         /* the verdict depends on it (rules_lazy.c) */
    bool raises;          /* firing can raise a score: score > 0, or read by
                           * a meta with score > 0 (rules_lazy.c) */
    bool covers_duplicates; /* "covers duplicates": when it fires on a closure
                           * or payment, that ends the case's double claims */
    bool read_by_meta;    /* an operand of a meta the verdict depends on */
    bool pooled;          /* a shared text rule no such meta reads: it adds
                           * to the pool only, so it cannot make a claim
                           * unless an agency's own rules fire (rules_lazy.c) */
} rule;

struct ruleset {
    gint refs;
    double threshold;
    GPtrArray *agencies;      /* agency* */
    GPtrArray *rules;         /* rule*, in load order */
    GHashTable *rule_index;   /* name -> index+1 (GUINT_TO_POINTER) */
    GPtrArray *shorteners, *filehosts, *risky_ext;  /* char*, lower case */
    pcre2_match_context *mctx; /* match and depth limits, JIT stack, read-only */
    /* The prefilter (NULL = off, COPYTROLL_NO_PREFILTER): literal ids in
     * two spaces.  Text rules' (text, body, raw body, PDF) are ids of
     * pf_text, a registry that is never scanned itself: the rules that
     * are not pooled have ids 0 .. first-1, scanned by pf_first; the
     * others add first .. count-1, scanned by pf_rest (local ids + first).
     * Short-value rules' are ids of pf_fields. */
    pf_matcher *pf_text;
    pf_matcher *pf_first, *pf_rest;
    pf_matcher *pf_fields;
    pf_matcher *pf_pos;       /* the text rules' prefix strings (pf_prefix ids),
                               * positional: where anchored rules may start;
                               * NULL when no rule is anchored */
    pf_matcher *pf_all;       /* pf_text's literals (same ids), then pf_pos's
                               * (positional): one pass over a long text where
                               * a short one may need three (rules_eval.c) */
    guint32 *pf_all_pos;      /* pf_all id -> pf_pos id, G_MAXUINT32 = none */
    guint *gates;             /* every gated rule's clauses, one flat program each */
    guint *gate_at;           /* per rule: its program in gates, GATE_NONE = not gated */
    double *score;            /* per rule: its score, contiguous */
    guint32 *slot;            /* per rule: its agency's index, agencies->len = the pool */
    guint8 *bound_role;       /* per rule: its part in eval_bounded()'s first passes
                               * (BOUND_*); the four built by rules_flat.c */
    GArray *metas;            /* guint: the meta rules' indices, ascending (rules_flat.c) */
    unsigned pf_filtered;     /* rules gated by the prefilter */
    unsigned pf_always;       /* pattern rules that always run */
    unsigned pf_anchored;     /* text rules tried only where their prefix occurs */
    bool lazy;                /* extraction-only rules run for claims only */
    unsigned claim_only;      /* rules the verdict does not depend on */
    GArray *verdict_metas;    /* guint: indices of the metas the verdict depends on */
    GPtrArray *rule_headers;  /* char*: the header names header rules read */
    GArray *raise_order;      /* guint: the non-meta rules with raises, in the
                               * order eval_bounded() tries them (rules_lazy.c) */
};

/* rules_load.c: once every file is loaded (and rules_lazy_build() has
 * run), build the prefilter from the rules' pf_text, and per-branch
 * literals for the rules the verdict depends on (unless the environment
 * says COPYTROLL_NO_PREFILTER=1). */
void rules_prefilter_build(struct ruleset *rs);
/* rules_lazy.c: once every file is loaded, mark the rules the verdict
 * depends on (rule->verdict) and read COPYTROLL_NO_LAZY (raise_order is
 * built after the prefilter, rules_raise_order_build()). */
void rules_lazy_build(struct ruleset *rs);
/* rules_lazy.c: build raise_order.  rules_prefilter_build() calls it
 * last, once it knows which rules are tried only where their prefix
 * occurs, which makes them cheap. */
void rules_raise_order_build(struct ruleset *rs);
/* Targets whose rules the prefilter gates: all but metas (rules_eval.c
 * looks for short-value rules' literals in all short values at once). */
bool rules_target_prefiltered(rule_target t);
/* rules_lazy.c: targets read from a long text (text, body, raw body, PDF)
 * rather than from a short value (subject, addresses, headers, URLs,
 * attachment names). */
bool rules_target_is_text(rule_target t);
/* rules_lazy.c: is the rule gated in eval_bounded()'s first pass (the
 * verdict depends on it and it is not pooled)?  Its text literals are
 * then among pf_first's. */
bool rules_first_pass(const rule *r);
/* rules_flat.c: gates, gate_at, score, slot, bound_role and metas, once the
 * prefilter is built (rules_prefilter_build() calls it last). */
void rules_flat_build(struct ruleset *rs);
/* Which hits a gate program reads: the text's (the first pass's literals
 * only, or all), the raw message's, or the short values'. */
enum { GATE_TEXT_FIRST, GATE_TEXT_ALL, GATE_RAW, GATE_FIELDS };
#define GATE_NONE G_MAXUINT
/* Does the gate program at gate (rs->gates + rs->gate_at[i]) hold? */
bool rules_gate_holds(const guint *gate, const guint8 *hits);
/* A rule's part in eval_bounded()'s first passes: none (a meta, or the
 * verdict does not depend on it), gated in the first, or pooled (gated
 * in the second, only if the first leaves a claim possible). */
enum { BOUND_NONE, BOUND_FIRST, BOUND_POOLED };

/* rules_load.c: every text-space literal in s (both automata): hits[id] = 1,
 * hits zeroed by the caller, pf_matcher_count(rs->pf_text) bytes. */
void rules_pf_scan_text(const struct ruleset *rs, const char *s, size_t len, guint8 *hits);

/* rules_meta.c: compile "A && !(B || C)" into steps; false + *why on error. */
bool rules_meta_compile(struct ruleset *rs, const char *expr, GArray *steps, char **why);
bool rules_meta_eval(const GArray *steps, const bool *fired);
/* Three-valued (Kleene) evaluation over states RULE_NO, RULE_YES and
 * RULE_MAYBE (not evaluated yet): RULE_YES or RULE_NO only when every
 * outcome of the RULE_MAYBE operands gives that answer. */
enum { RULE_NO = 0, RULE_YES = 1, RULE_MAYBE = 2 };
guint8 rules_meta_eval3(const GArray *steps, const guint8 *state);

int rules_agency_index(const struct ruleset *rs, const char *id);
/* rules_eval.c: JIT-compile a rule's patterns on its first use, once, even
 * when threads sharing the rule set get there together; a pattern JIT
 * cannot compile (no executable memory, e.g. MemoryDenyWriteExecute) is
 * still matched, only slower. */
void rules_jit_once(const rule *r);
bool rules_domain_in(const GPtrArray *domains, const char *domain);

#endif
