/* Meta rules: a small recursive-descent parser for boolean expressions over
 * rule names, compiled to postfix steps so evaluation is a loop over a
 * tiny stack.  Grammar:
 *   expr   = term { "||" term }
 *   term   = factor { "&&" factor }
 *   factor = "!" factor | "(" expr ")" | NAME
 * A NAME must be defined earlier (rules or metas), so evaluation in load
 * order always sees its operands' results.
 */
#include "rules_internal.h"

#include <string.h>

#define META_MAX_DEPTH 32
#define META_MAX_STEPS 256

typedef struct mparser {
    struct ruleset *rs;
    const char *p;
    GArray *steps;
    char *why;
    unsigned depth;
} mparser;

static bool m_expr(mparser *m);

static void m_skip(mparser *m)
{
    while (*m->p == ' ' || *m->p == '\t')
        m->p++;
}

static bool m_emit(mparser *m, meta_op op, unsigned rule)
{
    if (m->steps->len >= META_MAX_STEPS) {
        m->why = g_strdup("expression too long");
        return false;
    }
    meta_step s = {op, rule};
    g_array_append_val(m->steps, s);
    return true;
}

static bool m_name(mparser *m)
{
    const char *start = m->p;
    while (g_ascii_isalnum(*m->p) || *m->p == '_')
        m->p++;
    if (m->p == start) {
        m->why = *start ? g_strdup_printf("unexpected '%c' in expression", *start)
                        : g_strdup("expression ends too early");
        return false;
    }
    char *name = g_strndup(start, (gsize)(m->p - start));
    gpointer idx = g_hash_table_lookup(m->rs->rule_index, name);
    if (!idx) {
        m->why = g_strdup_printf("unknown rule %s (define it before the meta)", name);
        g_free(name);
        return false;
    }
    g_free(name);
    return m_emit(m, MOP_RULE, GPOINTER_TO_UINT(idx) - 1);
}

static bool m_factor(mparser *m)
{
    m_skip(m);
    if (++m->depth > META_MAX_DEPTH) {
        m->why = g_strdup("expression nested too deeply");
        return false;
    }
    bool ok;
    if (*m->p == '!') {
        m->p++;
        ok = m_factor(m) && m_emit(m, MOP_NOT, 0);
    } else if (*m->p == '(') {
        m->p++;
        ok = m_expr(m);
        m_skip(m);
        if (ok && *m->p != ')') {
            m->why = g_strdup("missing ')'");
            ok = false;
        }
        if (ok)
            m->p++;
    } else {
        ok = m_name(m);
    }
    m->depth--;
    return ok;
}

static bool m_binary(mparser *m, const char *tok, meta_op op, bool (*sub)(mparser *))
{
    if (!sub(m))
        return false;
    for (;;) {
        m_skip(m);
        if (strncmp(m->p, tok, 2) != 0)
            return true;
        m->p += 2;
        if (!sub(m) || !m_emit(m, op, 0))
            return false;
    }
}

static bool m_term(mparser *m) { return m_binary(m, "&&", MOP_AND, m_factor); }
static bool m_expr(mparser *m) { return m_binary(m, "||", MOP_OR, m_term); }

bool rules_meta_compile(struct ruleset *rs, const char *expr, GArray *steps, char **why)
{
    mparser m = {.rs = rs, .p = expr, .steps = steps};
    bool ok = m_expr(&m);
    m_skip(&m);
    if (ok && *m.p) {
        m.why = g_strdup_printf("unexpected '%c' in expression", *m.p);
        ok = false;
    }
    *why = m.why;
    return ok;
}

bool rules_meta_eval(const GArray *steps, const bool *fired)
{
    bool stack[META_MAX_STEPS];
    unsigned sp = 0;
    for (guint i = 0; i < steps->len; i++) {
        const meta_step *s = &g_array_index(steps, meta_step, i);
        switch (s->op) {
        case MOP_RULE:
            stack[sp++] = fired[s->rule];
            break;
        case MOP_NOT:
            stack[sp - 1] = !stack[sp - 1];
            break;
        case MOP_AND:
            sp--;
            stack[sp - 1] = stack[sp - 1] && stack[sp];
            break;
        case MOP_OR:
            sp--;
            stack[sp - 1] = stack[sp - 1] || stack[sp];
            break;
        }
    }
    return sp == 1 && stack[0];
}

/* Kleene logic: NO && x = NO, YES || x = YES, !MAYBE = MAYBE. */
static guint8 and3(guint8 a, guint8 b)
{
    if (a == RULE_NO || b == RULE_NO)
        return RULE_NO;
    return a == RULE_YES && b == RULE_YES ? RULE_YES : RULE_MAYBE;
}

static guint8 or3(guint8 a, guint8 b)
{
    if (a == RULE_YES || b == RULE_YES)
        return RULE_YES;
    return a == RULE_NO && b == RULE_NO ? RULE_NO : RULE_MAYBE;
}

guint8 rules_meta_eval3(const GArray *steps, const guint8 *state)
{
    guint8 stack[META_MAX_STEPS];
    unsigned sp = 0;
    for (guint i = 0; i < steps->len; i++) {
        const meta_step *s = &g_array_index(steps, meta_step, i);
        switch (s->op) {
        case MOP_RULE:
            stack[sp++] = state[s->rule];
            break;
        case MOP_NOT:
            if (stack[sp - 1] != RULE_MAYBE)
                stack[sp - 1] = stack[sp - 1] == RULE_YES ? RULE_NO : RULE_YES;
            break;
        case MOP_AND:
            sp--;
            stack[sp - 1] = and3(stack[sp - 1], stack[sp]);
            break;
        case MOP_OR:
            sp--;
            stack[sp - 1] = or3(stack[sp - 1], stack[sp]);
            break;
        }
    }
    return sp == 1 ? stack[0] : RULE_NO;
}
