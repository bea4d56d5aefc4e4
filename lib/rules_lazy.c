/* Which rules the verdict depends on, which rules are pooled, and the
 * order in which eval_bounded() tries them.  Whether a message is a claim, and
 * its score, depend only on the scores of the fired rules (decide() in
 * rules_eval.c adds them up per agency and in the shared pool), and a meta
 * rule reads whether its operands fired.  A rule with score 0 that no
 * scoring meta rule reads (directly or through other metas) cannot change
 * either: its agency, kind and captured fields matter only once the message
 * is a claim (kind, fields) — for a message that is not one, none of them
 * is reported.  rules_eval() runs those rules only after the others have
 * made the message a claim.  Among the others, a rule "raises" when its
 * firing can raise a score (score > 0, or read by a meta that can):
 * rules_eval.c runs those first, in raise_order, until the message cannot
 * reach the threshold any more.  Derived from the rules themselves, never
 * from their names.  A shared text rule (no agency) that no such meta reads
 * is "pooled": it adds to the pool only, so on its own it can never make
 * a message a claim (rules_load.c looks for its literals in a second
 * pass, after the first has found some agency's).
 * COPYTROLL_NO_LAZY=1 in the environment at load time runs every rule on
 * every message (to compare, see tests/corpus/prefilter.t).
 * If decide() ever reads more than the scores for a non-claim, change
 * counts_by_itself() with it. */
#include "rules_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bool lazy_disabled(void)
{
    const char *e = getenv("COPYTROLL_NO_LAZY");
    return e && *e && strcmp(e, "0") != 0;
}

/* A rule counts by itself when it has a score (NaN cannot be loaded;
 * a negative score counts too). */
static bool counts_by_itself(const rule *r)
{
    return r->score != 0;
}

/* The order in which eval_bounded() (rules_eval.c) runs the rules that can
 * change the bound, to rule out a claim with as little work as possible:
 * first the ones on short values (subject, addresses, headers, URLs,
 * attachment names), then the agencies' text rules (a claim needs an
 * agency), then the shared ones; within a group the most score for the
 * least work first (see run_cost), then load order.  The shared rules
 * with a negative score are not put first: one lowers the bound only
 * when it fires, a positive one whenever it does not, and ordinary mail
 * fires few of either.  Ordered by yield alone, the rule evaluation over
 * the ham corpus takes 7 % fewer instructions than with the negative ones
 * first, 13 % fewer than with the positive ones first: on the long
 * digests that get this far, the cheap rules of either sign settle the
 * bound before the expensive ones run. */
static unsigned raise_group(const rule *r)
{
    if (!rules_target_is_text(r->target))
        return 0;
    return r->agency >= 0 ? 1 : 2;
}

bool rules_first_pass(const rule *r)
{
    return r->verdict && !r->pooled;
}

bool rules_target_is_text(rule_target t)
{
    switch (t) {
    case TGT_TEXT: case TGT_BODY: case TGT_RAWBODY: case TGT_PDF:
        return true;
    default:
        return false;
    }
}

/* Share of the positions in ordinary text at which PCRE2 tries a pattern
 * whose first character is one of those in its start bitmap: a letter
 * starts about 0.8 of positions in prose, split over 26 letters; other
 * bytes count little. */
static double bitmap_share(const uint8_t *bm)
{
    double share = 0;
    for (int c = 0; c < 256; c++) {
        bool set = bm[c / 8] & (1u << (c % 8));
        if (c >= 'a' && c <= 'z') {
            bool upper = bm[(c - 32) / 8] & (1u << ((c - 32) % 8));   /* the same letter */
            if (set || upper)
                share += 0.8 / 26;
        } else if (set && !(c >= 'A' && c <= 'Z')) {
            share += 0.005;
        }
    }
    return MIN(share, 1.0);
}

/* A rough cost of one run of a rule over a long text, in arbitrary units:
 * the share of positions where a match is tried times the size of the
 * compiled pattern (its alternatives, tried in turn).  A rule tried only
 * where its prefix occurs (rules_load.c), or whose first character PCRE2
 * knows (it skips to it), is tried at few places; a pattern with neither
 * and no start bitmap (an alternative starting with ^ in multiline mode)
 * at every position.  On the long texts of newsletters and digests the
 * worst cost a hundred times the best: run the cheap ones first. */
static double run_cost(const rule *r)
{
    if (!rules_target_is_text(r->target) || !r->re)
        return 1;   /* short values */
    size_t size = 0;
    uint32_t first = 0;
    const uint8_t *bitmap = NULL;
    pcre2_pattern_info(r->re, PCRE2_INFO_SIZE, &size);
    pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODETYPE, &first);
    pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTBITMAP, &bitmap);
    double tried;
    if (r->pf_prefix || first == 2)
        tried = 0.02;   /* where the prefix occurs; at line starts */
    else if (first == 1)
        tried = 0.03;   /* at a known first character */
    else if (bitmap)
        tried = bitmap_share(bitmap);
    else
        tried = 1;
    return 1 + tried * (double)size;
}

typedef struct order_key {
    const struct ruleset *rs;
    const double *yield;     /* per rule: |score| / run_cost() */
} order_key;

static gint by_group_then_yield(gconstpointer a, gconstpointer b, gpointer data)
{
    const order_key *k = data;
    guint ia = *(const guint *)a, ib = *(const guint *)b;
    const rule *ra = g_ptr_array_index(k->rs->rules, ia), *rb = g_ptr_array_index(k->rs->rules, ib);
    unsigned ga = raise_group(ra), gb = raise_group(rb);
    if (ga != gb)
        return ga < gb ? -1 : 1;
    /* The most of the bound's unknowns (the highest scores, the lowest)
     * settled for the least work. */
    if (k->yield[ia] != k->yield[ib])
        return k->yield[ia] > k->yield[ib] ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}

void rules_raise_order_build(struct ruleset *rs)
{
    if (!rs->raise_order)
        rs->raise_order = g_array_new(FALSE, FALSE, sizeof(guint));
    g_array_set_size(rs->raise_order, 0);
    double *yield = g_new0(double, rs->rules->len ? rs->rules->len : 1);
    for (guint i = 0; i < rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (r->verdict && (r->raises || r->score < 0) && r->target != TGT_META) {
            g_array_append_val(rs->raise_order, i);
            yield[i] = fabs(r->score) / run_cost(r);
        }
    }
    order_key key = {.rs = rs, .yield = yield};
    g_array_sort_with_data(rs->raise_order, by_group_then_yield, &key);
    g_free(yield);
}

void rules_lazy_build(struct ruleset *rs)
{
    /* A meta reads only rules defined before it, so one pass from the last
     * rule to the first sees every reader before the rules it reads. */
    for (guint i = rs->rules->len; i-- > 0;) {
        rule *r = g_ptr_array_index(rs->rules, i);
        r->verdict = r->verdict || counts_by_itself(r);
        r->raises = r->raises || r->score > 0;
        for (guint k = 0; r->verdict && r->meta && k < r->meta->len; k++) {
            const meta_step *st = &g_array_index(r->meta, meta_step, k);
            if (st->op != MOP_RULE || st->rule >= rs->rules->len)
                continue;
            rule *operand = g_ptr_array_index(rs->rules, st->rule);
            operand->verdict = true;
            /* Whether through "!" or not: its outcome decides the meta's. */
            operand->raises = operand->raises || r->raises;
            operand->read_by_meta = true;
        }
    }
    for (guint i = 0; i < rs->rules->len; i++) {
        rule *r = g_ptr_array_index(rs->rules, i);
        r->pooled = r->verdict && r->agency < 0 && !r->read_by_meta && rules_target_is_text(r->target);
    }
    rs->claim_only = 0;
    if (!rs->verdict_metas)
        rs->verdict_metas = g_array_new(FALSE, FALSE, sizeof(guint));
    g_array_set_size(rs->verdict_metas, 0);
    for (guint i = 0; i < rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (!r->verdict)
            rs->claim_only++;
        else if (r->target == TGT_META)
            g_array_append_val(rs->verdict_metas, i);
    }
    rs->lazy = !lazy_disabled();
}
