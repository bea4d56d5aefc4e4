/* Flat copies of what eval_bounded() (rules_eval.c) reads of every rule
 * for every message: each gated rule's prefilter clauses as one program
 * in one array, each rule's score, the slot its score goes to, its
 * part in the first passes, and which rules are metas.
 * The rules' own clause arrays (r->pf, r->pf_branches) are strewn over
 * the heap, a few pointers away from each rule; after the message view
 * has run through the cache, reading them for the hundred-odd rules of
 * the first pass cost a cache miss at nearly every step — more than the
 * checks themselves.  Read once, from contiguous memory, they cost little.
 *
 * A gate program, at rs->gates + rs->gate_at[i]:
 *   source (GATE_*), n, the rule's clauses (n words, in the flat
 *   form of pf_clauses_hold(): [count, id...]...), branches, then per
 *   branch: n, its clauses.  It holds when the clauses hold and, if there
 *   are branches, one branch's clauses do.
 * Built once the prefilter is (rules_prefilter_build()); read only. */
#include "rules_internal.h"

static void append(GArray *g, guint v)
{
    g_array_append_val(g, v);
}

static void append_clauses(GArray *g, const GArray *clauses)
{
    append(g, clauses ? clauses->len : 0);
    if (clauses)
        g_array_append_vals(g, clauses->data, clauses->len);
}

static guint gate_source(const rule *r)
{
    switch (r->target) {
    case TGT_BODY: case TGT_TEXT: case TGT_PDF:
        return rules_first_pass(r) ? GATE_TEXT_FIRST : GATE_TEXT_ALL;
    case TGT_RAWBODY:
        return GATE_RAW;
    default:
        return GATE_FIELDS;
    }
}

void rules_flat_build(struct ruleset *rs)
{
    guint n = rs->rules->len;
    GArray *g = g_array_new(FALSE, FALSE, sizeof(guint));
    g_free(rs->gate_at);
    g_free(rs->score);
    g_free(rs->slot);
    g_free(rs->bound_role);
    rs->gate_at = g_new(guint, n ? n : 1);
    rs->score = g_new(double, n ? n : 1);
    rs->slot = g_new(guint32, n ? n : 1);
    rs->bound_role = g_new(guint8, n ? n : 1);
    if (rs->metas)
        g_array_unref(rs->metas);
    rs->metas = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint i = 0; i < n; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (r->target == TGT_META)
            g_array_append_val(rs->metas, i);
        rs->score[i] = r->score;
        rs->slot[i] = r->agency >= 0 ? (guint32)r->agency : rs->agencies->len;
        if (!r->verdict || r->target == TGT_META)
            rs->bound_role[i] = BOUND_NONE;
        else
            rs->bound_role[i] = r->pooled && rs->pf_text ? BOUND_POOLED : BOUND_FIRST;
        rs->gate_at[i] = GATE_NONE;
        if (!rs->pf_text || (!r->pf && !r->pf_branches))
            continue;
        rs->gate_at[i] = g->len;
        append(g, gate_source(r));
        append_clauses(g, r->pf);
        guint nb = r->pf_branches ? r->pf_branches->len : 0;
        append(g, nb);
        for (guint b = 0; b < nb; b++)
            append_clauses(g, g_ptr_array_index(r->pf_branches, b));
    }
    g_free(rs->gates);
    rs->gates = (guint *)(void *)g_array_free(g, FALSE);
}

bool rules_gate_holds(const guint *gate, const guint8 *hits)
{
    const guint *p = gate + 1;   /* past the source */
    guint n = *p++;
    if (!pf_clauses_hold_n(p, n, hits))
        return false;
    p += n;
    guint branches = *p++;
    if (!branches)
        return true;
    for (guint b = 0; b < branches; b++) {
        n = *p++;
        if (pf_clauses_hold_n(p, n, hits))
            return true;
        p += n;
    }
    return false;
}
