/* The multi-literal scanner of the prefilter (see rules_prefilter.h): an
 * Aho-Corasick automaton compiled to a full transition table over a small
 * alphabet (one class per byte that occurs in a literal, upper-case ASCII
 * folded onto lower case, everything else class 0), so a scan is one table
 * look-up per byte.  The two non-ASCII characters that PCRE2 matches
 * caselessly with ASCII letters are folded on the fly: U+212A (E2 84 AA)
 * as 'k' and U+017F (C5 BF) as 's'. */
#include "rules_prefilter.h"

#include <string.h>

#define CLS_SPECIAL 0xFF     /* byte that may start a folded sequence */

struct pf_matcher {
    GPtrArray *lits;         /* char*, lower case, index = id */
    GHashTable *ids;         /* literal -> id + 1 */
    guint8 cls[256];         /* byte -> class; CLS_SPECIAL: may start a folded character */
    guint8 cls_plain[256];   /* the same, 0 for those: for text with none (has_folded) */
    guint nclasses;
    guint nstates;
    guint32 *delta;          /* nstates * nclasses */
    guint16 *delta16;        /* the same when states fit 16 bits (then delta is NULL) */
    guint32 first_out;       /* the states that report (a literal ends there, or
                              * on their failure chain) are numbered from here */
    gint32 *out;             /* literal ending in this state, -1 none */
    guint32 *dict;           /* next state on the failure chain with output, 0 none */
    guint8 *has_out;         /* while building only */
    GArray *positional;      /* guint8 per literal: report where it occurs */
    GArray *lens;            /* guint32 per literal */
    size_t maxlen;           /* of the longest literal */
    bool built;
};

typedef struct scanstate {
    const pf_matcher *m;
    guint8 *hits;
    GArray *occ;             /* grown ahead (occ_push), its length set at the end */
    guint nocc;              /* occurrences in occ */
    size_t from;             /* occurrences ending at or before it are another lane's */
    bool complete;
} scanstate;

pf_matcher *pf_matcher_new(void)
{
    pf_matcher *m = g_new0(pf_matcher, 1);
    m->lits = g_ptr_array_new_with_free_func(g_free);
    m->ids = g_hash_table_new(g_str_hash, g_str_equal);
    m->positional = g_array_new(FALSE, TRUE, sizeof(guint8));
    m->lens = g_array_new(FALSE, TRUE, sizeof(guint32));
    return m;
}

guint pf_matcher_add(pf_matcher *m, const char *literal)
{
    char *low = g_ascii_strdown(literal, -1);
    gpointer v = g_hash_table_lookup(m->ids, low);
    if (v) {
        g_free(low);
        return GPOINTER_TO_UINT(v) - 1;
    }
    g_ptr_array_add(m->lits, low);
    g_hash_table_insert(m->ids, low, GUINT_TO_POINTER(m->lits->len));
    guint8 no = 0;
    guint32 n = (guint32)strlen(low);
    if (n > m->maxlen)
        m->maxlen = n;
    g_array_append_val(m->positional, no);
    g_array_append_val(m->lens, n);
    return m->lits->len - 1;
}

guint pf_matcher_count(const pf_matcher *m) { return m->lits->len; }

void pf_matcher_set_positional(pf_matcher *m, guint id)
{
    if (id < m->positional->len)
        g_array_index(m->positional, guint8, id) = 1;
}

size_t pf_matcher_bytes(const pf_matcher *m)
{
    return (size_t)m->nstates * (m->nclasses * (m->delta16 ? sizeof(guint16) : sizeof(guint32)) + sizeof(gint32) + sizeof(guint32));
}

static void assign_classes(pf_matcher *m)
{
    memset(m->cls, 0, sizeof m->cls);
    m->nclasses = 1;
    for (guint i = 0; i < m->lits->len; i++)
        for (const guchar *p = g_ptr_array_index(m->lits, i); *p; p++)
            if (!m->cls[*p])
                m->cls[*p] = (guint8)m->nclasses++;
    for (int c = 'A'; c <= 'Z'; c++)
        m->cls[c] = m->cls[c - 'A' + 'a'];
    memcpy(m->cls_plain, m->cls, sizeof m->cls);
    m->cls[0xE2] = m->cls[0xC5] = CLS_SPECIAL;
}

/* The trie: delta entries G_MAXUINT32 = no edge yet. */
static void build_trie(pf_matcher *m)
{
    size_t total = 1;
    for (guint i = 0; i < m->lits->len; i++)
        total += strlen(g_ptr_array_index(m->lits, i));
    m->delta = g_new(guint32, total * m->nclasses);
    memset(m->delta, 0xFF, total * m->nclasses * sizeof(guint32));
    m->out = g_new(gint32, total);
    for (size_t s = 0; s < total; s++)
        m->out[s] = -1;
    m->nstates = 1;
    for (guint i = 0; i < m->lits->len; i++) {
        guint32 s = 0;
        for (const guchar *p = g_ptr_array_index(m->lits, i); *p; p++) {
            guint32 *e = &m->delta[(size_t)s * m->nclasses + m->cls[*p]];
            if (*e == G_MAXUINT32)
                *e = m->nstates++;
            s = *e;
        }
        m->out[s] = (gint32)i;
    }
}

/* Renumber the trie's states breadth first.  A scan spends nearly all
 * its steps in the shallow states (the root and the first letter or two
 * of a literal); numbered first, their rows of the table sit together and
 * stay in the fastest cache, instead of being strewn across the table in
 * the order the literals were added. */
static void number_breadth_first(pf_matcher *m)
{
    guint32 *order = g_new(guint32, m->nstates);   /* new id -> old id */
    guint32 *renum = g_new(guint32, m->nstates);   /* old id -> new id */
    guint head = 0, tail = 0;
    order[tail++] = 0;
    while (head < tail) {
        guint32 s = order[head++];
        renum[s] = head - 1;
        for (guint c = 0; c < m->nclasses; c++) {
            guint32 e = m->delta[(size_t)s * m->nclasses + c];
            if (e != G_MAXUINT32)
                order[tail++] = e;
        }
    }
    guint32 *delta = g_new(guint32, (size_t)m->nstates * m->nclasses);
    gint32 *out = g_new(gint32, m->nstates);
    for (guint32 n = 0; n < m->nstates; n++) {
        const guint32 *from = &m->delta[(size_t)order[n] * m->nclasses];
        guint32 *to = &delta[(size_t)n * m->nclasses];
        for (guint c = 0; c < m->nclasses; c++)
            to[c] = from[c] == G_MAXUINT32 ? G_MAXUINT32 : renum[from[c]];
        out[n] = m->out[order[n]];
    }
    g_free(m->delta);
    g_free(m->out);
    m->delta = delta;
    m->out = out;
    g_free(order);
    g_free(renum);
}

/* Renumber the states so that those that report come last, from
 * first_out on, each group still in breadth-first order: a step then
 * learns whether to report from the state number itself (one compare),
 * with no flag to mask off before the next look-up. */
static void number_reporting_last(pf_matcher *m)
{
    guint32 *renum = g_new(guint32, m->nstates);   /* old id -> new id */
    guint32 next = 0;
    for (int reporting = 0; reporting < 2; reporting++) {
        m->first_out = next;   /* the last value set, with reporting = 1 */
        for (guint32 s = 0; s < m->nstates; s++)
            if (!m->has_out[s] == !reporting)
                renum[s] = next++;
    }
    guint32 *delta = g_new(guint32, (size_t)m->nstates * m->nclasses);
    gint32 *out = g_new(gint32, m->nstates);
    guint32 *dict = g_new(guint32, m->nstates);
    for (guint32 s = 0; s < m->nstates; s++) {
        const guint32 *from = &m->delta[(size_t)s * m->nclasses];
        guint32 *to = &delta[(size_t)renum[s] * m->nclasses];
        for (guint c = 0; c < m->nclasses; c++)
            to[c] = renum[from[c]];
        out[renum[s]] = m->out[s];
        dict[renum[s]] = m->dict[s] ? renum[m->dict[s]] : 0;   /* 0: the root, never reporting */
    }
    g_free(m->delta);
    g_free(m->out);
    g_free(m->dict);
    m->delta = delta;
    m->out = out;
    m->dict = dict;
    g_free(renum);
}

/* Breadth first: failure links, full transitions, dictionary links. */
static void build_links(pf_matcher *m)
{
    guint32 *fail = g_new0(guint32, m->nstates);
    guint32 *queue = g_new(guint32, m->nstates);
    m->dict = g_new0(guint32, m->nstates);
    m->has_out = g_new0(guint8, m->nstates);
    guint head = 0, tail = 0;
    for (guint c = 0; c < m->nclasses; c++) {
        guint32 *e = &m->delta[c];
        if (*e == G_MAXUINT32)
            *e = 0;
        else
            queue[tail++] = *e;
    }
    while (head < tail) {
        guint32 s = queue[head++];
        guint32 f = fail[s];
        m->dict[s] = m->out[f] >= 0 ? f : m->dict[f];
        m->has_out[s] = m->out[s] >= 0 || m->dict[s];
        for (guint c = 0; c < m->nclasses; c++) {
            guint32 *e = &m->delta[(size_t)s * m->nclasses + c];
            guint32 via = m->delta[(size_t)f * m->nclasses + c];
            if (*e == G_MAXUINT32) {
                *e = via;
            } else {
                fail[*e] = via;
                queue[tail++] = *e;
            }
        }
    }
    g_free(queue);
    g_free(fail);
}

void pf_matcher_build(pf_matcher *m)
{
    if (m->built)
        return;
    assign_classes(m);
    build_trie(m);
    m->delta = g_renew(guint32, m->delta, (size_t)m->nstates * m->nclasses);
    m->out = g_renew(gint32, m->out, m->nstates);
    number_breadth_first(m);
    build_links(m);
    number_reporting_last(m);
    /* Half the table, twice the cache hits, when the states fit 16 bits. */
    if (m->nstates <= G_MAXUINT16 + 1u) {
        size_t n = (size_t)m->nstates * m->nclasses;
        m->delta16 = g_new(guint16, n);
        for (size_t e = 0; e < n; e++)
            m->delta16[e] = (guint16)m->delta[e];
        g_clear_pointer(&m->delta, g_free);
    }
    g_clear_pointer(&m->has_out, g_free);
    m->built = true;
}

/* One more occurrence: stored in place, the array grown by doubling
 * ahead of need (a long digest holds tens of thousands, and an append
 * call for each cost more than finding them). */
static inline void occ_push(scanstate *st, pf_occ o)
{
    if (st->nocc == st->occ->len)
        g_array_set_size(st->occ, MAX(256u, 2 * st->nocc));
    ((pf_occ *)(void *)st->occ->data)[st->nocc++] = o;
}

/* Every literal ending at state s, the text position just past it. */
static void mark(scanstate *st, guint32 s, size_t end)
{
    const pf_matcher *m = st->m;
    if (m->out[s] < 0)
        s = m->dict[s];
    while (s) {
        guint lit = (guint)m->out[s];
        st->hits[lit] = 1;
        if (st->occ && end > st->from && g_array_index(m->positional, guint8, lit)) {
            if (st->nocc < PF_MAX_OCC) {
                pf_occ o = {.start = (guint32)(end - g_array_index(m->lens, guint32, lit)), .lit = lit};
                occ_push(st, o);
            } else {
                st->complete = false;
            }
        }
        s = m->dict[s];
    }
}

/* One step of the automaton from state s on the byte at *pp (or the
 * folded character starting there), advancing *pp. */
static inline guint32 step(scanstate *st, guint32 s, const guchar **pp, const guchar *end, bool narrow)
{
    const pf_matcher *m = st->m;
    const guchar *p = *pp;
    guint c = m->cls[*p++];
    if (G_UNLIKELY(c == CLS_SPECIAL)) {
        c = 0;
        /* A folded character: positions are no longer byte-exact. */
        if (p[-1] == 0xE2 && end - p >= 2 && p[0] == 0x84 && p[1] == 0xAA) {
            c = m->cls['k'];
            p += 2;
            st->complete = false;
        } else if (p[-1] == 0xC5 && p < end && p[0] == 0xBF) {
            c = m->cls['s'];
            p += 1;
            st->complete = false;
        }
    }
    *pp = p;
    size_t at = (size_t)s * m->nclasses + c;
    return narrow ? m->delta16[at] : m->delta[at];
}

/* The scan loop of a text with folded characters, one step at a time;
 * inlined twice, for the narrow and the wide table. */
__attribute__((always_inline)) static inline void scan_loop(scanstate *st, const guchar *text, size_t len,
                                                            bool narrow)
{
    const guchar *p = text, *end = p + len;
    const guint32 first_out = st->m->first_out;
    guint32 s = 0;
    while (p < end) {
        s = step(st, s, &p, end, narrow);
        if (G_UNLIKELY(s >= first_out))
            mark(st, s, (size_t)(p - text));
    }
}

/* Does the text hold a character the scan folds (U+212A, U+017F)?  Real
 * mail nearly never does; the plain loops below then need not look for
 * one at every byte.  Their last bytes are rare in text (0xAA, 0xBF). */
static bool has_folded(const guchar *text, size_t len)
{
    const guchar *end = text + len;
    for (const guchar *p = text; (p = memchr(p, 0xAA, (size_t)(end - p))); p++)
        if (p - text >= 2 && p[-2] == 0xE2 && p[-1] == 0x84)
            return true;
    for (const guchar *p = text; (p = memchr(p, 0xBF, (size_t)(end - p))); p++)
        if (p - text >= 1 && p[-1] == 0xC5)
            return true;
    return false;
}

/* From state s over text[from, to), one byte a step, with no folded
 * character: the state after. */
__attribute__((always_inline)) static inline guint32 run_plain(scanstate *st, const guchar *text, size_t from,
                                                               size_t to, guint32 s, bool narrow)
{
    const pf_matcher *m = st->m;
    for (size_t i = from; i < to; i++) {
        size_t at = (size_t)s * m->nclasses + m->cls_plain[text[i]];
        s = narrow ? m->delta16[at] : m->delta[at];
        if (G_UNLIKELY(s >= m->first_out))
            mark(st, s, i + 1);
    }
    return s;
}

/* A step of scan_lanes() that may have reached a reporting state: its
 * position in the lane (low 32 bits), its state (bits 32-61), its lane
 * (bits 62-63). */
typedef guint64 pending;
#define PENDING 64
#define PENDING_STATE(p) ((guint32)((p) >> 32) & 0x3FFFFFFFu)
#define PENDING_LANE(p) ((guint32)((p) >> 62))
#define PENDING_AT(p) ((guint32)(p))

/* A long text with no folded character: LANES stretches scanned side by
 * side, one byte of each a step.  The lanes' table look-ups are
 * independent, so the processor overlaps their cache misses instead of
 * waiting for each in turn.  Each lane but the first starts maxlen bytes
 * before its stretch, enough to see every literal that ends in it.  Hits
 * are noted in a small buffer and marked between rounds: with no call in
 * the loop, every lane's state stays in a register.  Every step writes its
 * entry and only a reporting one keeps it (the count moves on): no branch
 * to mispredict where common words report every few bytes, which cost
 * long texts a fifth of their scan.  Positions, when
 * asked for, go to one list per lane, each lane keeping only those that
 * end in its own stretch; the lists joined in lane order are in the order
 * of their end, as one pass gives them. */
#define LANES 4   /* the loop names each lane: change both together */
__attribute__((always_inline)) static inline void scan_lanes(scanstate *st, const guchar *text, size_t len,
                                                             bool narrow)
{
    const pf_matcher *m = st->m;
    const guint32 first_out = m->first_out;
    const guint8 *cls = m->cls_plain;
    const guint16 *d16 = m->delta16;
    const guint32 *d32 = m->delta;
    const size_t ncls = m->nclasses, stretch = len / LANES;
    scanstate lane[LANES];
    guint32 s[LANES];
    for (unsigned j = 0; j < LANES; j++) {
        lane[j] = (scanstate){.m = m, .hits = st->hits, .from = j * stretch, .complete = true,
                              .occ = st->occ ? g_array_new(FALSE, FALSE, sizeof(pf_occ)) : NULL};
        s[j] = j ? run_plain(&lane[j], text, j * stretch - m->maxlen, j * stretch, 0, narrow) : 0;
    }
    const guchar *t0 = text, *t1 = text + stretch, *t2 = text + 2 * stretch, *t3 = text + 3 * stretch;
    guint32 s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    pending pend[PENDING];
    for (size_t i = 0; i < stretch;) {
        unsigned np = 0;
#define LANE_STEP(J)                                                                \
        do {                                                                        \
            size_t at = (size_t)s##J * ncls + cls[t##J[i]];                         \
            s##J = narrow ? d16[at] : d32[at];                                      \
            pend[np] = (guint64)i | (guint64)(s##J | (guint32)J << 30) << 32;      \
            np += s##J >= first_out;                                                \
        } while (0)
        for (; i < stretch && np <= PENDING - LANES; i++) {
            LANE_STEP(0);
            LANE_STEP(1);
            LANE_STEP(2);
            LANE_STEP(3);
        }
#undef LANE_STEP
        for (unsigned k = 0; k < np; k++) {
            guint32 j = PENDING_LANE(pend[k]);
            mark(&lane[j], PENDING_STATE(pend[k]), j * stretch + PENDING_AT(pend[k]) + 1);
        }
    }
    /* What the last stretch leaves over (len % LANES bytes). */
    run_plain(&lane[LANES - 1], text, LANES * stretch, len, s3, narrow);
    for (unsigned j = 0; j < LANES; j++) {
        st->complete = st->complete && lane[j].complete;
        if (!st->occ)
            continue;
        guint room = st->nocc < PF_MAX_OCC ? PF_MAX_OCC - st->nocc : 0;
        if (lane[j].nocc > room)
            st->complete = false;
        for (guint k = 0; k < MIN(room, lane[j].nocc); k++)
            occ_push(st, g_array_index(lane[j].occ, pf_occ, k));
        g_array_unref(lane[j].occ);
    }
}

bool pf_matcher_scan(const pf_matcher *m, const char *text, size_t len, guint8 *hits, GArray *occ)
{
    scanstate st = {.m = m, .hits = hits, .occ = occ, .nocc = occ ? occ->len : 0, .complete = len <= G_MAXUINT32};
    if (!m->built || !text)
        return st.complete;
    const guchar *t = (const guchar *)text;
    /* Lanes only pay off on long texts (and need stretches longer than
     * the lead-in of maxlen bytes); positions in a lane, and states, must
     * fit a pending entry. */
    bool lanes = len >= 512 && len / LANES > 3 * m->maxlen && len <= G_MAXUINT32 && m->nstates <= 0x40000000u;
    if (has_folded(t, len)) {
        if (m->delta16)
            scan_loop(&st, t, len, true);
        else
            scan_loop(&st, t, len, false);
    } else if (m->delta16) {
        if (lanes)
            scan_lanes(&st, t, len, true);
        else
            run_plain(&st, t, 0, len, 0, true);
    } else {
        if (lanes)
            scan_lanes(&st, t, len, false);
        else
            run_plain(&st, t, 0, len, 0, false);
    }
    if (occ)
        g_array_set_size(occ, st.nocc);
    return st.complete;
}

pf_matcher *pf_matcher_range(const pf_matcher *m, guint from, guint to)
{
    pf_matcher *sub = pf_matcher_new();
    for (guint i = from; i < to && i < m->lits->len; i++)
        pf_matcher_add(sub, g_ptr_array_index(m->lits, i));
    pf_matcher_build(sub);
    return sub;
}

pf_matcher *pf_matcher_merge(const pf_matcher *a, const pf_matcher *b, guint32 **b_id)
{
    pf_matcher *all = pf_matcher_new();
    for (guint i = 0; i < a->lits->len; i++)
        pf_matcher_add(all, g_ptr_array_index(a->lits, i));
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint32));
    guint32 none = G_MAXUINT32;
    for (guint i = 0; i < all->lits->len; i++)
        g_array_append_val(ids, none);
    for (guint i = 0; b && i < b->lits->len; i++) {
        guint id = pf_matcher_add(all, g_ptr_array_index(b->lits, i));
        if (id >= ids->len)
            g_array_append_val(ids, none);
        g_array_index(ids, guint32, id) = i;
        if (g_array_index(b->positional, guint8, i))
            pf_matcher_set_positional(all, id);
    }
    pf_matcher_build(all);
    *b_id = (guint32 *)(void *)g_array_free(ids, FALSE);
    return all;
}

void pf_matcher_free(pf_matcher *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->ids);
    g_ptr_array_unref(m->lits);
    g_free(m->delta);
    g_free(m->delta16);
    g_free(m->out);
    g_free(m->dict);
    g_free(m->has_out);
    g_array_unref(m->positional);
    g_array_unref(m->lens);
    g_free(m);
}

bool pf_clauses_hold_n(const guint *v, guint len, const guint8 *hits)
{
    for (guint i = 0; i < len;) {
        guint n = v[i++];
        bool any = false;
        for (guint k = 0; k < n && !any; k++)
            any = hits[v[i + k]];
        if (!any)
            return false;
        i += n;
    }
    return true;
}

bool pf_clauses_hold(const GArray *clauses, const guint8 *hits)
{
    return pf_clauses_hold_n((const guint *)(const void *)clauses->data, clauses->len, hits);
}
