/* Required-literal extraction from a PCRE2 pattern (see rules_prefilter.h).
 *
 * A small recursive-descent walk over the pattern computes for every node
 *   exact    the finite set of strings the node matches, when it is small
 *            and known (NULL otherwise), and
 *   clauses  a conjunction of sets of literals: every match of the node
 *            contains at least one literal of each set, and
 *   prefix   a set of strings every non-empty match starts with (with
 *            nullable/zero telling whether the node may match, or only
 *            matches, the empty string).
 * Concatenation multiplies exact sets while they stay small and turns them
 * into a clause when they would not; alternation unions exact sets, or ORs
 * the best clauses of each branch; a quantifier with minimum 0 forgets
 * the clauses.  Lookarounds, anchors and \b match the empty string (a
 * positive lookaround's clauses still hold for the text).  Any construct
 * not understood sets `bad` and the whole pattern yields nothing.
 */
#include "rules_prefilter.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PF_MAX_EXACT 16     /* strings in an exact set */
#define PF_MAX_LEN 32       /* bytes of an exact string */
#define PF_MAX_ALTS 48      /* literals in one clause */
#define PF_MAX_CLAUSES 3    /* clauses kept per rule */
#define PF_ALT_RANKS 2      /* clauses an alternation passes on */
#define PF_MAX_NEST 64

typedef struct pfinfo {
    GPtrArray *exact;    /* char*, NULL = not known */
    GPtrArray *clauses;  /* GPtrArray of char* */
    GPtrArray *prefix;   /* every non-empty match starts with one of these; NULL = not known */
    bool nullable;       /* may match the empty string (also: an exact set holding "") */
    bool zero;           /* matches only the empty string (anchor, lookaround) */
} pfinfo;

typedef struct pfparser {
    const char *p, *end;
    bool extended;
    bool bad;
    unsigned nest;
} pfparser;

static GPtrArray *strset_new(void) { return g_ptr_array_new_with_free_func(g_free); }

static void strset_add(GPtrArray *s, const char *str)
{
    for (guint i = 0; i < s->len; i++)
        if (strcmp(g_ptr_array_index(s, i), str) == 0)
            return;
    g_ptr_array_add(s, g_strdup(str));
}

static GPtrArray *strset_copy(const GPtrArray *s)
{
    GPtrArray *c = strset_new();
    for (guint i = 0; i < s->len; i++)
        g_ptr_array_add(c, g_strdup(g_ptr_array_index(s, i)));
    return c;
}

static pfinfo info_new(GPtrArray *exact)
{
    return (pfinfo){.exact = exact, .clauses = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref)};
}

static pfinfo info_empty(void)
{
    GPtrArray *e = strset_new();
    g_ptr_array_add(e, g_strdup(""));
    pfinfo x = info_new(e);
    x.zero = true;
    return x;
}

static pfinfo info_any(void) { return info_new(NULL); }

static pfinfo info_char(char c)
{
    char s[2] = {g_ascii_tolower(c), '\0'};
    GPtrArray *e = strset_new();
    g_ptr_array_add(e, g_strdup(s));
    return info_new(e);
}

static void info_clear(pfinfo *x)
{
    if (x->exact)
        g_ptr_array_unref(x->exact);
    if (x->clauses)
        g_ptr_array_unref(x->clauses);
    if (x->prefix)
        g_ptr_array_unref(x->prefix);
    x->exact = x->clauses = x->prefix = NULL;
}

static size_t min_len(const GPtrArray *set)
{
    size_t m = SIZE_MAX;
    for (guint i = 0; i < set->len; i++)
        m = MIN(m, strlen(g_ptr_array_index(set, i)));
    return m;
}

/* What every non-empty match of x starts with: its prefix set, or its
 * exact set without the empty string; NULL when not known.  A new set. */
static GPtrArray *prefix_of(const pfinfo *x)
{
    if (x->prefix)
        return strset_copy(x->prefix);
    if (!x->exact)
        return NULL;
    GPtrArray *p = strset_new();
    for (guint i = 0; i < x->exact->len; i++)
        if (*(const char *)g_ptr_array_index(x->exact, i))
            g_ptr_array_add(p, g_strdup(g_ptr_array_index(x->exact, i)));
    if (!p->len) {
        g_ptr_array_unref(p);
        return NULL;
    }
    return p;
}

static bool nullable_of(const pfinfo *x)
{
    return x->zero || x->nullable || (x->exact && min_len(x->exact) == 0);
}

static void strset_merge(GPtrArray *into, const GPtrArray *from)
{
    for (guint i = 0; i < from->len; i++)
        strset_add(into, g_ptr_array_index(from, i));
}

/* Words in nearly every English or German text: a clause holding one
 * would let its rule run on most mail. */
static bool common_word(const char *w)
{
    static const char *const words[] = {
        "the", "and", "for", "you", "your", "with", "that", "this", "are", "was",
        "have", "has", "not", "our", "from", "will", "can", "all", "any", "one",
        "out", "use", "used", "what", "who", "when", "there", "they", "their",
        "http", "https", "http://", "https://", "www", "com", "der", "die", "das",
        "und", "den", "ist", "sie", "mit", "von", "des", "ein", "eine", "nicht",
        "auf", "sich", "ihr", "ihre", "wir",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(words); i++)
        if (strcmp(w, words[i]) == 0)
            return true;
    return false;
}

/* Higher is more selective: no common word, a longer shortest literal,
 * then fewer literals. */
static int clause_score(const GPtrArray *c)
{
    int worst = INT_MAX;
    for (guint i = 0; i < c->len; i++) {
        const char *w = g_ptr_array_index(c, i);
        int v = common_word(w) ? 50 : (int)MIN(strlen(w), 16) * 100;
        worst = MIN(worst, v);
    }
    return worst - (int)MIN(c->len, 99);
}

/* An exact set as a clause, or NULL when it holds a short string. */
static GPtrArray *exact_clause(const GPtrArray *exact)
{
    if (!exact || exact->len == 0 || exact->len > PF_MAX_ALTS || min_len(exact) < PF_MIN_LIT)
        return NULL;
    return strset_copy(exact);
}

static bool strset_has(const GPtrArray *s, const char *str)
{
    for (guint i = 0; i < s->len; i++)
        if (strcmp(g_ptr_array_index(s, i), str) == 0)
            return true;
    return false;
}

static bool strset_equal(const GPtrArray *a, const GPtrArray *b)
{
    if (a->len != b->len)
        return false;
    for (guint i = 0; i < a->len; i++)
        if (!strset_has(b, g_ptr_array_index(a, i)))
            return false;
    return true;
}

/* Takes c (may be NULL); a clause already there is not added twice. */
static void add_clause(pfinfo *x, GPtrArray *c)
{
    if (!c)
        return;
    for (guint i = 0; i < x->clauses->len; i++)
        if (strset_equal(g_ptr_array_index(x->clauses, i), c)) {
            g_ptr_array_unref(c);
            return;
        }
    g_ptr_array_add(x->clauses, c);
}

typedef struct scored {
    int score;
    guint at;            /* position before sorting: ties keep their order */
    GPtrArray *clause;
} scored;

static gint cmp_scored(gconstpointer a, gconstpointer b)
{
    const scored *x = a, *y = b;
    if (x->score != y->score)
        return y->score - x->score;
    return (x->at > y->at) - (x->at < y->at);
}

/* Most selective first; each clause scored once (load time matters: it is
 * paid by every `copytroll scan`). */
static void sort_clauses(GPtrArray *clauses)
{
    if (clauses->len < 2)
        return;
    scored *v = g_new(scored, clauses->len);
    for (guint i = 0; i < clauses->len; i++)
        v[i] = (scored){clause_score(g_ptr_array_index(clauses, i)), i, g_ptr_array_index(clauses, i)};
    qsort(v, clauses->len, sizeof *v, cmp_scored);
    for (guint i = 0; i < clauses->len; i++)
        clauses->pdata[i] = v[i].clause;
    g_free(v);
}

/* The rank-th most selective clause (the last one when there are fewer). */
static const GPtrArray *ranked_clause(pfinfo *x, guint rank)
{
    if (!x->clauses->len)
        return NULL;
    sort_clauses(x->clauses);
    return g_ptr_array_index(x->clauses, MIN(rank, x->clauses->len - 1));
}

/* ------------------------------------------------------------ combining */

/* a × b in place when each holds one string (a run of plain characters,
 * the common case), keeping cross()'s length limit; false otherwise. */
static bool extend_single(GPtrArray *a, const GPtrArray *b)
{
    if (a->len != 1 || b->len != 1)
        return false;
    char *x = g_ptr_array_index(a, 0);
    const char *y = g_ptr_array_index(b, 0);
    size_t lx = strlen(x), ly = strlen(y);
    if (lx + ly > PF_MAX_LEN)
        return false;
    x = g_realloc(x, lx + ly + 1);
    memcpy(x + lx, y, ly + 1);
    a->pdata[0] = x;
    return true;
}

static GPtrArray *cross(const GPtrArray *a, const GPtrArray *b)
{
    if ((size_t)a->len * b->len > PF_MAX_EXACT)
        return NULL;
    GPtrArray *r = strset_new();
    for (guint i = 0; i < a->len; i++)
        for (guint k = 0; k < b->len; k++) {
            const char *x = g_ptr_array_index(a, i), *y = g_ptr_array_index(b, k);
            if (strlen(x) + strlen(y) > PF_MAX_LEN) {
                g_ptr_array_unref(r);
                return NULL;
            }
            char *s = g_strconcat(x, y, NULL);
            strset_add(r, s);
            g_free(s);
        }
    return r;
}

/* A concatenation being built: `run` is the exact set of the trailing
 * items since the last flush; whole = nothing was flushed yet. */
typedef struct concat {
    pfinfo acc;          /* acc.exact = run */
    bool whole;
    GPtrArray *pending;  /* prefixes of the leading items that may be empty */
    GPtrArray *pre;      /* prefix, once an item that cannot be empty came */
    bool pre_open;       /* every item so far was exact: pre may grow */
    bool pre_dead;       /* no prefix can be known */
} concat;

/* The prefix of a concatenation: zero-width items are skipped; leading
 * items that may be empty add their prefixes until one that cannot be
 * empty; while items are exact the prefix grows with them. */
static void concat_prefix(concat *c, const pfinfo *x)
{
    if (c->pre_dead || x->zero)
        return;
    GPtrArray *p = prefix_of(x);
    bool nullable = nullable_of(x);
    if (!c->pre) {
        if (!p) {
            c->pre_dead = true;
        } else if (nullable) {
            if (!c->pending)
                c->pending = strset_new();
            strset_merge(c->pending, p);
            c->pre_dead = c->pending->len > PF_MAX_ALTS;
        } else {
            /* The match starts here, or in one of the pending items.  Only
             * an exact item's whole strings may be extended by the next. */
            c->pre_open = x->exact != NULL;
            c->pre = c->pre_open ? strset_copy(x->exact) : p;
            if (c->pre_open)
                g_ptr_array_unref(p);
            return;
        }
        if (p)
            g_ptr_array_unref(p);
        return;
    }
    if (c->pre_open && x->exact && extend_single(c->pre, x->exact)) {
        /* grown in place; still open */
    } else if (c->pre_open) {
        /* An exact item (even one holding "") extends every string. */
        GPtrArray *joined = x->exact ? cross(c->pre, x->exact) : NULL;
        if (!joined && p && !nullable)
            joined = cross(c->pre, p);
        if (joined) {
            g_ptr_array_unref(c->pre);
            c->pre = joined;
        }
        c->pre_open = joined && x->exact;
    }
    if (p)
        g_ptr_array_unref(p);
}

static void concat_push(concat *c, pfinfo x)
{
    concat_prefix(c, &x);
    for (guint i = 0; i < x.clauses->len; i++)
        add_clause(&c->acc, g_ptr_array_ref(g_ptr_array_index(x.clauses, i)));
    if (c->acc.exact && x.exact && extend_single(c->acc.exact, x.exact)) {
        info_clear(&x);
        return;
    }
    GPtrArray *joined = c->acc.exact && x.exact ? cross(c->acc.exact, x.exact) : NULL;
    if (joined) {
        g_ptr_array_unref(c->acc.exact);
        c->acc.exact = joined;
    } else {
        if (c->acc.exact) {
            add_clause(&c->acc, exact_clause(c->acc.exact));
            g_ptr_array_unref(c->acc.exact);
        }
        c->whole = false;
        c->acc.exact = x.exact ? strset_copy(x.exact) : NULL;
    }
    info_clear(&x);
}

static pfinfo concat_finish(concat *c)
{
    c->acc.zero = !c->pre && !c->pending && !c->pre_dead;
    c->acc.nullable = !c->pre;
    if (c->acc.prefix)
        g_ptr_array_unref(c->acc.prefix);
    c->acc.prefix = NULL;
    if (!c->pre_dead && c->pre && c->pending)
        strset_merge(c->pre, c->pending);
    if (!c->pre_dead)
        c->acc.prefix = c->pre ? c->pre : c->pending;
    else if (c->pre)
        g_ptr_array_unref(c->pre);
    if (c->pending && c->acc.prefix != c->pending)
        g_ptr_array_unref(c->pending);
    c->pre = c->pending = NULL;
    if (c->acc.prefix && c->acc.prefix->len > PF_MAX_ALTS) {
        g_ptr_array_unref(c->acc.prefix);
        c->acc.prefix = NULL;
    }
    if (!c->whole) {
        if (c->acc.exact) {
            add_clause(&c->acc, exact_clause(c->acc.exact));
            g_ptr_array_unref(c->acc.exact);
        }
        c->acc.exact = NULL;
    }
    return c->acc;
}

/* The union of the branches' exact sets, or NULL. */
static GPtrArray *alt_exact(const GArray *branches)
{
    GPtrArray *r = strset_new();
    for (guint i = 0; i < branches->len; i++) {
        const GPtrArray *e = g_array_index(branches, pfinfo, i).exact;
        for (guint k = 0; e && k < e->len; k++)
            strset_add(r, g_ptr_array_index(e, k));
        if (!e || r->len > PF_MAX_EXACT) {
            g_ptr_array_unref(r);
            return NULL;
        }
    }
    return r;
}

/* Picking any one clause from every branch and OR-ing them gives a valid
 * clause; do it with the best, second best ... of each. */
static void alt_clauses(GArray *branches, pfinfo *r)
{
    for (guint i = 0; i < branches->len; i++) {
        pfinfo *b = &g_array_index(branches, pfinfo, i);
        add_clause(b, exact_clause(b->exact));   /* an exact set is a clause too */
    }
    for (guint rank = 0; rank < PF_ALT_RANKS; rank++) {
        GPtrArray *any = strset_new();
        for (guint i = 0; i < branches->len && any; i++) {
            const GPtrArray *c = ranked_clause(&g_array_index(branches, pfinfo, i), rank);
            for (guint k = 0; c && k < c->len; k++)
                strset_add(any, g_ptr_array_index(c, k));
            if (!c || any->len > PF_MAX_ALTS) {
                g_ptr_array_unref(any);
                any = NULL;
            }
        }
        add_clause(r, any);
    }
}

/* Prefix: the union of the branches' (none when one has none). */
static void alt_prefix(const GArray *branches, pfinfo *r)
{
    bool all_zero = true, nullable = false;
    GPtrArray *pre = strset_new();
    for (guint i = 0; i < branches->len; i++) {
        const pfinfo *b = &g_array_index(branches, pfinfo, i);
        all_zero = all_zero && b->zero;
        nullable = nullable || nullable_of(b);
        if (b->zero || !pre)
            continue;
        GPtrArray *p = prefix_of(b);
        if (p)
            strset_merge(pre, p);
        if (!p || pre->len > PF_MAX_ALTS) {
            g_ptr_array_unref(pre);
            pre = NULL;
        }
        if (p)
            g_ptr_array_unref(p);
    }
    if (pre && !pre->len) {
        g_ptr_array_unref(pre);
        pre = NULL;
    }
    r->prefix = pre;
    r->zero = all_zero;
    r->nullable = nullable;
}

/* Alternation of the branches (consumed). */
static pfinfo alternate(GArray *branches)
{
    pfinfo r = info_new(alt_exact(branches));
    if (!r.exact)
        alt_clauses(branches, &r);
    alt_prefix(branches, &r);
    for (guint i = 0; i < branches->len; i++)
        info_clear(&g_array_index(branches, pfinfo, i));
    g_array_unref(branches);
    return r;
}

static pfinfo quantify(pfinfo x, unsigned min, unsigned max)
{
    if (min == 1 && max == 1)
        return x;
    if (min == 0) {
        pfinfo r = info_any();
        r.nullable = true;
        r.prefix = prefix_of(&x);
        if (max == 1 && x.exact && x.exact->len < PF_MAX_EXACT) {
            r.exact = strset_copy(x.exact);
            strset_add(r.exact, "");
        }
        info_clear(&x);
        return r;
    }
    /* At least once: the clauses and the prefix hold, the exact set
     * becomes a clause. */
    x.nullable = nullable_of(&x);
    if (x.exact && !x.prefix)
        x.prefix = prefix_of(&x);
    if (x.exact) {
        add_clause(&x, exact_clause(x.exact));
        g_ptr_array_unref(x.exact);
        x.exact = NULL;
    }
    return x;
}

/* ------------------------------------------------------------ the walk */

static bool at_end(const pfparser *ps) { return ps->p >= ps->end; }

static void skip_extended(pfparser *ps)
{
    while (ps->extended && !at_end(ps)) {
        char c = *ps->p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            ps->p++;
        } else if (c == '#') {
            while (!at_end(ps) && *ps->p != '\n')
                ps->p++;
        } else {
            break;
        }
    }
}

static void skip_utf8(pfparser *ps)
{
    ps->p++;
    while (!at_end(ps) && ((unsigned char)*ps->p & 0xC0) == 0x80)
        ps->p++;
}

static int hexval(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

/* \x{hh..} or \xhh after the 'x'; returns the code point or -1. */
static long parse_hex(pfparser *ps)
{
    long v = 0;
    if (!at_end(ps) && *ps->p == '{') {
        ps->p++;
        int n = 0;
        while (!at_end(ps) && hexval(*ps->p) >= 0 && n < 8) {
            v = v * 16 + hexval(*ps->p++);
            n++;
        }
        if (at_end(ps) || *ps->p != '}' || n == 0)
            return -1;
        ps->p++;
        return v;
    }
    for (int n = 0; n < 2 && !at_end(ps) && hexval(*ps->p) >= 0; n++)
        v = v * 16 + hexval(*ps->p++);
    return v;
}

/* A single-character escape (after the backslash, outside or inside a
 * class): *ch = the ASCII character, or -1 for "some character".
 * Returns false when not understood. */
static bool escape_char(pfparser *ps, int *ch, bool in_class)
{
    char c = *ps->p++;
    static const char simple[] = "ntrfea";
    static const char simple_val[] = "\n\t\r\f\x1b\a";
    const char *s = strchr(simple, c);
    if (c && s) {
        *ch = simple_val[s - simple];
        return true;
    }
    if (in_class && c == 'b') {
        *ch = '\b';
        return true;
    }
    if (c == 'x') {
        long v = parse_hex(ps);
        *ch = v >= 0 && v < 0x80 ? (int)v : -1;
        return v >= 0;
    }
    if (strchr("dDwWsShHvVN", c) && c) {
        *ch = -1;
        return true;
    }
    if (c == 'p' || c == 'P') {
        if (!at_end(ps) && *ps->p == '{') {
            while (!at_end(ps) && *ps->p != '}')
                ps->p++;
            if (at_end(ps))
                return false;
        }
        if (at_end(ps))
            return false;
        ps->p++;
        *ch = -1;
        return true;
    }
    if ((unsigned char)c >= 0x80) {
        ps->p--;
        skip_utf8(ps);
        *ch = -1;
        return true;
    }
    if (c && !g_ascii_isalnum(c)) {
        *ch = c;
        return true;
    }
    return false;
}

static pfinfo parse_class(pfparser *ps)
{
    bool negated = false, unknown = false;
    GPtrArray *set = strset_new();
    if (!at_end(ps) && *ps->p == '^') {
        negated = true;
        ps->p++;
    }
    bool first = true;
    while (!at_end(ps) && !(*ps->p == ']' && !first)) {
        first = false;
        int ch;
        if (*ps->p == '[' && ps->p + 1 < ps->end && (ps->p[1] == ':' || ps->p[1] == '.' || ps->p[1] == '=')) {
            const char *close = g_strstr_len(ps->p + 2, ps->end - ps->p - 2, ":]");
            if (!close || ps->p[1] != ':') {
                ps->bad = true;
                break;
            }
            ps->p = close + 2;
            unknown = true;
            continue;
        }
        if (*ps->p == '\\') {
            ps->p++;
            if (at_end(ps) || *ps->p == 'Q' || *ps->p == 'E' || !escape_char(ps, &ch, true)) {
                ps->bad = true;
                break;
            }
        } else if ((unsigned char)*ps->p >= 0x80) {
            skip_utf8(ps);
            ch = -1;
        } else {
            ch = *ps->p++;
        }
        if (!at_end(ps) && *ps->p == '-' && ps->p + 1 < ps->end && ps->p[1] != ']') {
            ps->p++;             /* a range: its end is read as a member */
            unknown = true;
            continue;
        }
        char s[2] = {(char)g_ascii_tolower((char)ch), '\0'};
        if (ch < 0)
            unknown = true;
        else
            strset_add(set, s);
    }
    if (at_end(ps))
        ps->bad = true;
    else
        ps->p++;
    if (negated || unknown || set->len == 0 || set->len > 8) {
        g_ptr_array_unref(set);
        return info_any();
    }
    return info_new(set);
}

static pfinfo parse_alt(pfparser *ps);

typedef enum group_kind {
    G_PLAIN,        /* (...) (?:...) (?<name>...) (?>...) (?|...) (?i:...) */
    G_AHEAD,        /* positive lookahead or lookbehind */
    G_NOT_AHEAD,    /* negative lookahead or lookbehind */
    G_EMPTY,        /* (?#...) (?i) */
    G_BAD,          /* anything else: give up */
} group_kind;

/* After "(": what kind of group this is; the opening is consumed.  G_EMPTY:
 * a comment or an option setting, already read to its ')'. */
static group_kind group_open(pfparser *ps)
{
    if (*ps->p == '*')
        return G_BAD;            /* (*VERB) */
    if (*ps->p != '?')
        return G_PLAIN;
    if (++ps->p >= ps->end)
        return G_BAD;
    char c = *ps->p, c1 = ps->p + 1 < ps->end ? ps->p[1] : '\0';
    if (c == ':' || c == '|' || c == '>') {
        ps->p++;
        return G_PLAIN;
    }
    if (c == '=' || c == '!' || (c == '<' && (c1 == '=' || c1 == '!'))) {
        ps->p += c == '<' ? 2 : 1;
        bool positive = c == '=' || (c == '<' && c1 == '=');
        return positive ? G_AHEAD : G_NOT_AHEAD;
    }
    if (c == '<' || c == '\'' || (c == 'P' && c1 == '<')) {
        char close = c == '\'' ? '\'' : '>';
        while (!at_end(ps) && *ps->p != close)
            ps->p++;
        return at_end(ps) ? G_BAD : (ps->p++, G_PLAIN);
    }
    if (c == '#') {
        while (!at_end(ps) && *ps->p != ')')
            ps->p++;
        return at_end(ps) ? G_BAD : (ps->p++, G_EMPTY);
    }
    /* Option letters: (?i) (?i-s:...).  x would change the syntax. */
    while (!at_end(ps) && *ps->p && strchr("imsnUJ-^", *ps->p))
        ps->p++;
    if (at_end(ps) || (*ps->p != ')' && *ps->p != ':'))
        return G_BAD;
    return *ps->p++ == ')' ? G_EMPTY : G_PLAIN;
}

/* After "(": the group's info.  Lookarounds match the empty string; what
 * a positive one requires is still somewhere in the text. */
static pfinfo parse_group(pfparser *ps)
{
    group_kind kind = group_open(ps);
    if (kind == G_EMPTY)
        return info_empty();
    if (kind == G_BAD || ++ps->nest > PF_MAX_NEST) {
        ps->bad = true;
        return info_any();
    }
    pfinfo inner = parse_alt(ps);
    ps->nest--;
    if (at_end(ps) || *ps->p != ')')
        ps->bad = true;
    else
        ps->p++;
    if (kind == G_PLAIN)
        return inner;
    pfinfo r = info_empty();
    if (kind == G_AHEAD) {
        add_clause(&inner, exact_clause(inner.exact));
        for (guint i = 0; i < inner.clauses->len; i++)
            add_clause(&r, g_ptr_array_ref(g_ptr_array_index(inner.clauses, i)));
    }
    info_clear(&inner);
    return r;
}

static pfinfo parse_escape(pfparser *ps)
{
    char c = *ps->p;
    if (c == 'G') {
        ps->bad = true;          /* \G depends on where matching starts */
        return info_any();
    }
    if (c && strchr("bBAZzK", c)) {
        ps->p++;
        return info_empty();
    }
    if (c == 'Q') {
        ps->p++;
        concat q = {.acc = info_empty(), .whole = true};
        while (!at_end(ps) && !(*ps->p == '\\' && ps->p + 1 < ps->end && ps->p[1] == 'E')) {
            if ((unsigned char)*ps->p >= 0x80) {
                skip_utf8(ps);
                concat_push(&q, info_any());
            } else {
                concat_push(&q, info_char(*ps->p++));
            }
        }
        if (!at_end(ps))
            ps->p += 2;
        return concat_finish(&q);
    }
    if (c == 'X' || c == 'R' || c == 'C') {
        ps->p++;
        return info_any();
    }
    int ch;
    if (!escape_char(ps, &ch, false)) {
        ps->bad = true;
        return info_any();
    }
    return ch < 0 ? info_any() : info_char((char)ch);
}

static pfinfo parse_atom(pfparser *ps)
{
    char c = *ps->p;
    if ((unsigned char)c >= 0x80) {
        skip_utf8(ps);
        return info_any();
    }
    ps->p++;
    switch (c) {
    case '(':
        if (at_end(ps)) {
            ps->bad = true;
            return info_any();
        }
        return parse_group(ps);
    case '[':
        return parse_class(ps);
    case '\\':
        if (at_end(ps)) {
            ps->bad = true;
            return info_any();
        }
        return parse_escape(ps);
    case '.':
        return info_any();
    case '^':
    case '$':
        return info_empty();
    case '*': case '+': case '?': case '{': case ')':
        ps->bad = true;          /* a quantifier with nothing to repeat */
        return info_any();
    default:
        return info_char(c);
    }
}

static bool parse_uint(pfparser *ps, unsigned *out)
{
    if (at_end(ps) || !g_ascii_isdigit(*ps->p))
        return false;
    unsigned v = 0;
    while (!at_end(ps) && g_ascii_isdigit(*ps->p)) {
        v = v * 10 + (unsigned)(*ps->p++ - '0');
        if (v > 65535)
            return false;
    }
    *out = v;
    return true;
}

/* A quantifier at ps->p, if any: true with min and max set. */
static bool parse_quant(pfparser *ps, unsigned *min, unsigned *max)
{
    skip_extended(ps);
    if (at_end(ps))
        return false;
    switch (*ps->p) {
    case '?': *min = 0; *max = 1; break;
    case '*': *min = 0; *max = G_MAXUINT; break;
    case '+': *min = 1; *max = G_MAXUINT; break;
    case '{':
        ps->p++;
        if (!parse_uint(ps, min)) {
            ps->bad = true;      /* a literal '{': unusual enough to give up */
            return false;
        }
        *max = *min;
        if (!at_end(ps) && *ps->p == ',') {
            ps->p++;
            *max = G_MAXUINT;
            if (!at_end(ps) && *ps->p != '}' && !parse_uint(ps, max)) {
                ps->bad = true;
                return false;
            }
        }
        if (at_end(ps) || *ps->p != '}') {
            ps->bad = true;
            return false;
        }
        break;
    default:
        return false;
    }
    ps->p++;
    if (!at_end(ps) && (*ps->p == '?' || *ps->p == '+'))
        ps->p++;                 /* lazy / possessive: same strings */
    return true;
}

static pfinfo parse_concat(pfparser *ps)
{
    concat c = {.acc = info_empty(), .whole = true};
    for (;;) {
        skip_extended(ps);
        if (ps->bad || at_end(ps) || *ps->p == '|' || *ps->p == ')')
            break;
        pfinfo atom = parse_atom(ps);
        unsigned min, max;
        if (!ps->bad && parse_quant(ps, &min, &max)) {
            atom = quantify(atom, min, max);
            skip_extended(ps);
            if (!at_end(ps) && strchr("?*+{", *ps->p) && *ps->p)
                ps->bad = true;
        }
        concat_push(&c, atom);
    }
    return concat_finish(&c);
}

static pfinfo parse_alt(pfparser *ps)
{
    GArray *branches = g_array_new(FALSE, FALSE, sizeof(pfinfo));
    for (;;) {
        pfinfo b = parse_concat(ps);
        g_array_append_val(branches, b);
        if (ps->bad || at_end(ps) || *ps->p != '|')
            break;
        ps->p++;
    }
    if (branches->len == 1) {
        pfinfo only = g_array_index(branches, pfinfo, 0);
        g_array_unref(branches);
        return only;
    }
    return alternate(branches);
}

GPtrArray *pf_extract(const char *pattern, size_t len, bool extended, GPtrArray **prefix)
{
    pfparser ps = {.p = pattern, .end = pattern + len, .extended = extended};
    pfinfo root = parse_alt(&ps);
    if (!at_end(&ps))
        ps.bad = true;           /* an unbalanced ')' */
    if (!ps.bad && root.exact)
        add_clause(&root, exact_clause(root.exact));
    GPtrArray *out = NULL;
    if (!ps.bad && root.clauses->len) {
        sort_clauses(root.clauses);
        out = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
        for (guint i = 0; i < root.clauses->len && out->len < PF_MAX_CLAUSES; i++)
            g_ptr_array_add(out, g_ptr_array_ref(g_ptr_array_index(root.clauses, i)));
    }
    if (prefix) {
        /* A pattern that may match the empty string matches anywhere. */
        GPtrArray *p = ps.bad || nullable_of(&root) ? NULL : prefix_of(&root);
        if (p && min_len(p) < PF_MIN_PREFIX) {
            g_ptr_array_unref(p);
            p = NULL;
        }
        *prefix = p;
    }
    info_clear(&root);
    return out;
}
