/* Per-branch required literals (see rules_prefilter.h, pf_extract_branches).
 *
 * pf_extract() ORs the clauses of an alternation's branches together, so
 * "how to respond|I am not a lawyer" requires (how or not) and (respond or
 * lawyer), which ordinary mail often satisfies.  Here the pattern text is
 * split into branches whose union matches the same texts, and each branch
 * gets its own clauses: the rule can match only if every clause of some
 * branch holds.  The split is textual:
 *   A|B|C          at the top level: the branches A, B, C;
 *   P(?:A|B)S      otherwise, the first group of the top level that holds an
 *                  alternation, is not a lookaround or special group and
 *                  has no quantifier: P(?:A)S, P(?:B)S (the group's opening
 *                  text, e.g. "(?i:" or "(?<name>", is kept).
 * Anything the lexer is unsure of (\Q, comments, extended mode or an
 * inline (?x), verbs, unbalanced parentheses) gives NULL, and pf_extract()
 * gives up on the rest (backreferences, ...) for the branch, which also
 * gives NULL.  Splitting drops no text a match needs: an inline option set
 * in one branch (e.g. (?i)) may no longer reach the next, which changes
 * nothing here since the literals are caseless anyway.
 */
#include "rules_prefilter.h"

#include <string.h>

#define PF_MAX_BRANCHES 40

typedef struct span {
    size_t start, end;       /* [start, end) in the pattern */
} span;

/* Index just past the character class that starts at p[i] == '['; 0 if
 * unterminated. */
static size_t skip_class(const char *p, size_t len, size_t i)
{
    i++;
    if (i < len && p[i] == '^')
        i++;
    if (i < len && p[i] == ']')
        i++;                                /* a leading ']' is literal */
    while (i < len) {
        if (p[i] == '\\') {
            i += 2;
        } else if (p[i] == '[' && i + 1 < len && p[i + 1] == ':') {
            const char *close = g_strstr_len(p + i + 2, (gssize)(len - i - 2), ":]");
            if (!close)
                return 0;
            i = (size_t)(close - p) + 2;
        } else if (p[i] == ']') {
            return i + 1;
        } else {
            i++;
        }
    }
    return 0;
}

/* The groups at nesting depth 0 and where '|' occurs at depth 0 or at depth
 * 1 (inside those groups).  False when the lexer is unsure. */
typedef struct lexed {
    GArray *groups;          /* span: '(' .. ')' inclusive, depth 0 */
    GArray *bars0;           /* size_t: '|' at depth 0 */
    GArray *bars1;           /* size_t: '|' at depth 1 */
} lexed;

static bool lex(const char *p, size_t len, lexed *lx)
{
    int depth = 0;
    size_t open = 0;
    for (size_t i = 0; i < len;) {
        char c = p[i];
        if (c == '\\') {
            if (i + 1 < len && (p[i + 1] == 'Q' || p[i + 1] == 'E'))
                return false;
            i += i + 1 < len && p[i + 1] == 'c' ? 3 : 2;   /* \cX: any X */
            continue;
        }
        if (c == '[') {
            i = skip_class(p, len, i);
            if (!i)
                return false;
            continue;
        }
        if (c == '(') {
            if (i + 2 < len && p[i + 1] == '?' && p[i + 2] == '#')
                return false;               /* comment */
            if (depth == 0)
                open = i;
            depth++;
        } else if (c == ')') {
            if (--depth < 0)
                return false;
            if (depth == 0) {
                span g = {open, i + 1};
                g_array_append_val(lx->groups, g);
            }
        } else if (c == '|') {
            if (depth == 0)
                g_array_append_val(lx->bars0, i);
            else if (depth == 1)
                g_array_append_val(lx->bars1, i);
        }
        i++;
    }
    return depth == 0;
}

/* Length of a group's opening text ("(", "(?:", "(?i:", "(?<name>") when
 * splitting it keeps the meaning; 0 for lookarounds, atomic groups, branch
 * resets, conditionals, recursion and the like. */
static size_t group_opener(const char *p, size_t len, size_t i)
{
    if (i + 1 < len && p[i + 1] == '*')
        return 0;                           /* (*VERB) */
    if (i + 1 >= len || p[i + 1] != '?')
        return 1;
    size_t k = i + 2;
    if (k < len && (p[k] == '<' || p[k] == '\'' || (p[k] == 'P' && k + 1 < len && p[k + 1] == '<'))) {
        k += p[k] == 'P' ? 2 : 1;
        if (k >= len || !(g_ascii_isalpha(p[k]) || p[k] == '_'))
            return 0;                       /* (?<= (?<! */
        while (k < len && (g_ascii_isalnum(p[k]) || p[k] == '_'))
            k++;
        return k < len && (p[k] == '>' || p[k] == '\'') ? k + 1 - i : 0;
    }
    while (k < len && (g_ascii_isalpha(p[k]) || p[k] == '-' || p[k] == '^'))
        k++;
    return k < len && p[k] == ':' ? k + 1 - i : 0;
}

static bool quantified(const char *p, size_t len, size_t after)
{
    return after < len && (p[after] == '?' || p[after] == '*' || p[after] == '+' || p[after] == '{');
}

static GPtrArray *split_top(const char *p, size_t len, const GArray *bars)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    size_t from = 0;
    for (guint k = 0; k <= bars->len; k++) {
        size_t to = k < bars->len ? g_array_index(bars, size_t, k) : len;
        g_ptr_array_add(out, g_strndup(p + from, to - from));
        from = to + 1;
    }
    return out;
}

static GPtrArray *split_group(const char *p, size_t len, span g, const GArray *bars, size_t opener)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    size_t from = g.start + opener;
    for (guint k = 0; k <= bars->len; k++) {
        size_t to = k < bars->len ? g_array_index(bars, size_t, k) : g.end - 1;
        if (to < from || to > g.end - 1)
            continue;                       /* a bar of another group */
        GString *b = g_string_new_len(p, (gssize)(g.start + opener));
        g_string_append_len(b, p + from, (gssize)(to - from));
        g_string_append_len(b, p + g.end - 1, (gssize)(len - g.end + 1));
        g_ptr_array_add(out, g_string_free(b, FALSE));
        from = to + 1;
    }
    return out;
}

/* The branch texts, or NULL when there is nothing to split or the lexer is
 * unsure. */
static GPtrArray *split_branches(const char *p, size_t len)
{
    lexed lx = {g_array_new(FALSE, FALSE, sizeof(span)), g_array_new(FALSE, FALSE, sizeof(size_t)),
                g_array_new(FALSE, FALSE, sizeof(size_t))};
    GPtrArray *out = NULL;
    if (lex(p, len, &lx)) {
        if (lx.bars0->len) {
            out = split_top(p, len, lx.bars0);
        } else {
            for (guint i = 0; !out && i < lx.groups->len; i++) {
                span g = g_array_index(lx.groups, span, i);
                size_t opener = group_opener(p, len, g.start);
                bool has_bar = false;
                for (guint k = 0; k < lx.bars1->len && !has_bar; k++) {
                    size_t at = g_array_index(lx.bars1, size_t, k);
                    has_bar = at > g.start && at < g.end;
                }
                if (has_bar && opener && !quantified(p, len, g.end))
                    out = split_group(p, len, g, lx.bars1, opener);
            }
        }
    }
    g_array_unref(lx.groups);
    g_array_unref(lx.bars0);
    g_array_unref(lx.bars1);
    if (out && (out->len < 2 || out->len > PF_MAX_BRANCHES))
        g_clear_pointer(&out, g_ptr_array_unref);
    return out;
}

/* What the pattern's inline option groups ("(?" and letters) do. */
enum {
    OPT_EXTENDED = 1,  /* an x among the letters: whitespace and # would not
                        * be what the lexer takes them for */
    OPT_SETS_REST = 2, /* a setting for the rest of its group, "(?i)": once
                        * the branches are compiled apart it no longer
                        * reaches those after its own */
};

static unsigned inline_options(const char *p, size_t len)
{
    unsigned found = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (p[i] == '\\') {
            i++;
            continue;
        }
        if (p[i] != '(' || p[i + 1] != '?')
            continue;
        size_t k = i + 2;
        for (; k < len && (g_ascii_isalpha(p[k]) || p[k] == '-' || p[k] == '^'); k++)
            if (p[k] == 'x')
                found |= OPT_EXTENDED;
        if (k < len && p[k] == ')')
            found |= OPT_SETS_REST;
    }
    return found;
}

static void unref_or_null(gpointer p)
{
    if (p)
        g_ptr_array_unref(p);
}

GPtrArray *pf_extract_branches(const char *pattern, size_t len, bool extended, GPtrArray **texts_out,
                               GPtrArray **prefixes_out)
{
    if (texts_out)
        *texts_out = NULL;
    if (prefixes_out)
        *prefixes_out = NULL;
    unsigned opts = inline_options(pattern, len);
    if (extended || (opts & OPT_EXTENDED))
        return NULL;
    GPtrArray *texts = split_branches(pattern, len);
    if (!texts)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    GPtrArray *prefixes = prefixes_out ? g_ptr_array_new_with_free_func(unref_or_null) : NULL;
    for (guint i = 0; out && i < texts->len; i++) {
        const char *b = g_ptr_array_index(texts, i);
        GPtrArray *prefix = NULL;
        GPtrArray *cl = pf_extract(b, strlen(b), false, prefixes ? &prefix : NULL);
        if (prefixes)
            g_ptr_array_add(prefixes, prefix);
        if (cl)
            g_ptr_array_add(out, cl);
        else
            g_clear_pointer(&out, g_ptr_array_unref);   /* that branch needs nothing */
    }
    if (out && texts_out && !(opts & OPT_SETS_REST))
        *texts_out = texts;
    else
        g_ptr_array_unref(texts);
    if (out && prefixes_out)
        *prefixes_out = prefixes;
    else if (prefixes)
        g_ptr_array_unref(prefixes);
    return out;
}
