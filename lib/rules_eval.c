/* Evaluating a rule set against one message view: match the rules the
 * verdict depends on (rules_lazy.c) on their targets, evaluate metas, add
 * up scores per agency and decide — stopping as soon as an upper bound of
 * the score shows the message cannot be a claim (eval_bounded: what lets
 * ordinary mail, nearly all of it, cost little more than the literal
 * scan of the prefilter); for a claim, then run the claim-only
 * rules too, decide the kind, gather and normalise the fields the winning
 * agency's rules captured, and look for signs of impersonation.  Reads the
 * rule set only, so threads may share it. */
#include "rules_internal.h"

#include <string.h>

#include "impersonation.h"
#include "normalize.h"

#define MAX_URL_MATCHES 50   /* image/page URLs gathered per rule */
#define MAX_FIELD_CHARS 200
#define MAX_URL_CHARS 2048

typedef struct capture {
    char *text[F_COUNT];     /* first capture of each scalar field */
    GPtrArray *urls[2];      /* image, page */
} capture;

typedef struct evalctx {
    const struct ruleset *rs;
    const msgview *v;
    const rules_env *env;
    pcre2_match_data *md;
    GString *text;           /* subject + body + pdf, built on first use */
    guint8 *text_hits;       /* text literals found in text (text_hits()) */
    bool text_rest;          /* ... pf_rest's too, not only pf_first's */
    GArray *occ;             /* pf_occ of positional literals in text, by literal, start */
    guint32 *occ_first;      /* literal id -> its first entry in occ (count + 1 entries) */
    bool occ_ok;             /* occ is complete and exact */
    GArray *starts;          /* scratch: where one rule may match */
    GArray *merge;           /* scratch of merge_runs(), as long as starts */
    GArray *runs;            /* scratch: where each ascending run of starts begins */
    guint8 *raw_hits;        /* ... in the raw message */
    guint8 *field_hits;      /* ... in the short values (from_string, field_values) */
    bool *fired;
    bool *done;              /* the rule has run (fired[] is its outcome) */
    guint8 *state;           /* RULE_NO/YES/MAYBE, while bounding (eval_bounded) */
    double *base;            /* bound of the pattern rules: per agency, then the pool */
    double *bound;           /* scratch of claim_reachable: base + the metas' */
    capture *caps;           /* one per rule, filled only for fired rules; NULL
                              * until one fires (most mail fires none) */
    unsigned limit_hits;
    unsigned claim_only_limit_hits; /* ... by claim-only rules (rules_lazy.c) */
} evalctx;

/* One definition of "this domain or below it", shared with impersonation.c. */
bool rules_domain_in(const GPtrArray *domains, const char *domain)
{
    return imp_domain_in(domains, domain);
}

static char *substring(pcre2_match_data *md, const char *name)
{
    PCRE2_UCHAR *buf;
    PCRE2_SIZE len;
    if (pcre2_substring_get_byname(md, (PCRE2_SPTR)name, &buf, &len) != 0)
        return NULL;
    char *s = g_utf8_make_valid((const char *)buf, (gssize)len);
    pcre2_substring_free(buf);
    return s;
}

static void capture_clear(capture *c)
{
    for (unsigned f = 0; f < F_COUNT; f++)
        g_free(c->text[f]);
    for (unsigned i = 0; i < 2; i++)
        if (c->urls[i])
            g_ptr_array_unref(c->urls[i]);
}

void rules_jit_once(const rule *r)
{
    /* The once-flag is the one field of a loaded rule that changes. */
    gsize *done = (gsize *)&r->jit_done;
    if (g_once_init_enter(done)) {
        /* A rule whose branches run alone never runs whole (match_rule). */
        if (r->re && !r->branch_re)
            pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
        if (r->re_anchored)
            pcre2_jit_compile(r->re_anchored, PCRE2_JIT_COMPLETE);
        for (guint b = 0; r->branch_re && b < r->branch_re->len; b++)
            pcre2_jit_compile(g_ptr_array_index(r->branch_re, b), PCRE2_JIT_COMPLETE);
        g_once_init_leave(done, 1);
    }
}

/* The leftmost match: every start position in turn, or only the given ones
 * (anchored, ascending) when the prefilter knows every match starts at one
 * of them, which finds the same match. */
static int first_match(evalctx *cx, const rule *r, const char *s, size_t len, const GArray *starts)
{
    rules_jit_once(r);
    if (!starts)
        return pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, 0, cx->md, cx->rs->mctx);
    int rc = PCRE2_ERROR_NOMATCH;
    for (guint k = 0; k < starts->len && rc == PCRE2_ERROR_NOMATCH; k++)
        rc = pcre2_match(r->re_anchored, (PCRE2_SPTR)s, len, g_array_index(starts, guint32, k), 0,
                         cx->md, cx->rs->mctx);
    return rc;
}

/* Did that match of rule r stop at a PCRE2 limit?  Counted and logged. */
static bool hit_limit(evalctx *cx, const rule *r, int rc)
{
    if (rc != PCRE2_ERROR_MATCHLIMIT && rc != PCRE2_ERROR_DEPTHLIMIT && rc != PCRE2_ERROR_JIT_STACKLIMIT)
        return false;
    cx->limit_hits++;
    g_debug("rule %s (%s:%u) hit the PCRE2 match limit", r->name, r->file, r->line);
    return true;
}

/* Match one subject; on a hit store the captures.  Returns true on a match. */
static bool match_value(evalctx *cx, const rule *r, capture *cap, const char *s, size_t len,
                        const GArray *starts)
{
    int rc = first_match(cx, r, s, len, starts);
    if (hit_limit(cx, r, rc) || rc < 0)
        return false;
    for (unsigned f = 0; f < F_COUNT; f++)
        if ((r->fields & (1u << f)) && f != F_IMAGE_URL && f != F_PAGE_URL && !cap->text[f])
            cap->text[f] = substring(cx->md, rule_field_names[f]);
    /* URL fields collect every match in this subject. */
    for (unsigned u = 0; u < 2; u++) {
        rule_field f = u ? F_PAGE_URL : F_IMAGE_URL;
        if (!(r->fields & (1u << f)))
            continue;
        if (!cap->urls[u])
            cap->urls[u] = g_ptr_array_new_with_free_func(g_free);
        PCRE2_SIZE off = 0;
        for (unsigned n = 0; n < MAX_URL_MATCHES && off <= len; n++) {
            if (n > 0 && pcre2_match(r->re, (PCRE2_SPTR)s, len, off, 0, cx->md, cx->rs->mctx) < 0)
                break;
            char *url = substring(cx->md, rule_field_names[f]);
            if (url)
                g_ptr_array_add(cap->urls[u], url);
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(cx->md);
            off = ov[1] > ov[0] ? ov[1] : ov[1] + 1;
        }
    }
    return true;
}

static bool match_str(evalctx *cx, const rule *r, capture *cap, const char *s)
{
    return s && match_value(cx, r, cap, s, strlen(s), NULL);
}

static const GString *full_text(evalctx *cx)
{
    if (!cx->text) {
        const msgview *v = cx->v;
        cx->text = g_string_sized_new(v->body_text->len + v->pdf_text->len + 256);
        if (v->subject)
            g_string_append(cx->text, v->subject);
        g_string_append_c(cx->text, '\n');
        g_string_append_len(cx->text, v->body_text->str, (gssize)v->body_text->len);
        g_string_append_c(cx->text, '\n');
        g_string_append_len(cx->text, v->pdf_text->str, (gssize)v->pdf_text->len);
    }
    return cx->text;
}

/* Occurrences grouped by literal: occ_first[id] .. occ_first[id + 1], each
 * literal's in ascending start (they arrive in order of their end, and one
 * literal's occurrences all have its length).  A counting sort: the lists
 * hold thousands of entries on long texts. */
static void index_occ(evalctx *cx, guint n)
{
    cx->occ_first = g_new0(guint32, n + 1);
    const pf_occ *in = (const pf_occ *)(const void *)cx->occ->data;
    for (guint k = 0; k < cx->occ->len; k++)
        cx->occ_first[in[k].lit + 1]++;
    for (guint id = 0; id < n; id++)
        cx->occ_first[id + 1] += cx->occ_first[id];
    GArray *sorted = g_array_sized_new(FALSE, FALSE, sizeof(pf_occ), cx->occ->len);
    g_array_set_size(sorted, cx->occ->len);
    guint32 *next = g_memdup2(cx->occ_first, sizeof(guint32) * (n + 1));
    for (guint k = 0; k < cx->occ->len; k++)
        g_array_index(sorted, pf_occ, next[in[k].lit]++) = in[k];
    g_free(next);
    g_array_unref(cx->occ);
    cx->occ = sorted;
}

/* What a "from" rule reads: the display name and the address. */
static char *from_string(const msgview *v)
{
    return g_strdup_printf("%s <%s>", v->from.name ? v->from.name : "", v->from.addr ? v->from.addr : "");
}

static void append_line(GString *s, const char *value)
{
    if (value) {
        g_string_append(s, value);
        g_string_append_c(s, '\n');
    }
}

/* Every short value a rule can read, one per line: subject, from, the
 * addresses, the values of the headers header rules name, URLs,
 * attachment names.  A literal a rule
 * needs is in the value it matches, so in this text too. */
static GString *field_values(evalctx *cx)
{
    const msgview *v = cx->v;
    GString *s = g_string_sized_new(1024);
    append_line(s, v->subject);
    char *from = from_string(v);
    append_line(s, from);
    g_free(from);
    const char *addrs[] = {v->reply_to.addr, v->return_path.addr, v->sender.addr,
                           cx->env ? cx->env->env_sender : NULL};
    for (unsigned i = 0; i < G_N_ELEMENTS(addrs); i++)
        append_line(s, addrs[i]);
    for (guint i = 0; i < v->headers->len; i++) {
        const mv_header *h = g_ptr_array_index(v->headers, i);
        for (guint k = 0; k < cx->rs->rule_headers->len; k++)
            if (g_ascii_strcasecmp(h->name, g_ptr_array_index(cx->rs->rule_headers, k)) == 0) {
                append_line(s, h->value);
                break;
            }
    }
    for (guint i = 0; i < v->urls->len; i++)
        append_line(s, ((const mv_url *)g_ptr_array_index(v->urls, i))->url);
    for (guint i = 0; i < v->attachments->len; i++)
        append_line(s, ((const mv_attachment *)g_ptr_array_index(v->attachments, i))->filename);
    return s;
}

static guint8 *new_hits(const pf_matcher *m)
{
    guint n = pf_matcher_count(m);
    return g_new0(guint8, n ? n : 1);
}

/* A long text: every text literal and every rule prefix in one pass
 * (rs->pf_all), where a short text takes one, then maybe two more
 * (pf_rest, pf_pos).  Long texts are mostly digests and newsletters, and
 * their many words take most of them past the first pass: over the ham
 * corpus, two in three of those from LONG_TEXT bytes on. */
#define LONG_TEXT 16384
static void scan_all(evalctx *cx)
{
    const struct ruleset *rs = cx->rs;
    const GString *t = full_text(cx);
    cx->text_hits = new_hits(rs->pf_all);   /* its ids start with pf_text's */
    cx->text_rest = true;
    GArray *occ = g_array_new(FALSE, FALSE, sizeof(pf_occ));
    bool complete = pf_matcher_scan(rs->pf_all, t->str, t->len, cx->text_hits, occ);
    if (!rs->pf_pos || cx->occ) {
        g_array_unref(occ);
        return;
    }
    pf_occ *o = (pf_occ *)(void *)occ->data;
    for (guint k = 0; k < occ->len; k++)
        o[k].lit = rs->pf_all_pos[o[k].lit];
    cx->occ = occ;
    cx->occ_ok = complete;
    index_occ(cx, pf_matcher_count(rs->pf_pos));
}

/* The text literals in the text, on first use: those of the first pass
 * (pf_first) only, or all of them. */
static const guint8 *text_hits(evalctx *cx, bool all)
{
    const struct ruleset *rs = cx->rs;
    const GString *t = full_text(cx);
    if (!cx->text_hits && t->len >= LONG_TEXT)
        scan_all(cx);
    if (!cx->text_hits) {
        cx->text_hits = new_hits(rs->pf_text);
        pf_matcher_scan(rs->pf_first, t->str, t->len, cx->text_hits, NULL);
    }
    if (all && !cx->text_rest) {
        pf_matcher_scan(rs->pf_rest, t->str, t->len, cx->text_hits + pf_matcher_count(rs->pf_first), NULL);
        cx->text_rest = true;
    }
    return cx->text_hits;
}

/* The hits a gate program reads (its source, rules_flat.c), each source
 * scanned on first use: the whole text for body and pdf rules too (a
 * superset of their own text), the raw message, or the short values.  A
 * text rule of the first pass has only ids of pf_first. */
static const guint8 *gate_hits(evalctx *cx, guint source)
{
    switch (source) {
    case GATE_TEXT_FIRST:
    case GATE_TEXT_ALL:
        return text_hits(cx, source == GATE_TEXT_ALL);
    case GATE_RAW:
        if (!cx->raw_hits) {
            cx->raw_hits = new_hits(cx->rs->pf_text);
            rules_pf_scan_text(cx->rs, cx->v->raw, cx->v->raw ? cx->v->raw_len : 0, cx->raw_hits);
        }
        return cx->raw_hits;
    default:
        break;
    }
    if (!cx->field_hits) {
        cx->field_hits = new_hits(cx->rs->pf_fields);
        GString *f = field_values(cx);
        pf_matcher_scan(cx->rs->pf_fields, f->str, f->len, cx->field_hits, NULL);
        g_string_free(f, TRUE);
    }
    return cx->field_hits;
}

/* Where the positional literals occur in the text: a second pass, made
 * only when a text rule with a known prefix is about to run (most
 * messages stop before any does). */
static void scan_occurrences(evalctx *cx)
{
    if (cx->occ)
        return;
    cx->occ = g_array_new(FALSE, FALSE, sizeof(pf_occ));
    const pf_matcher *m = cx->rs->pf_pos;
    guint8 *scratch = g_new0(guint8, pf_matcher_count(m) + 1);
    cx->occ_ok = pf_matcher_scan(m, full_text(cx)->str, full_text(cx)->len, scratch, cx->occ);
    g_free(scratch);
    index_occ(cx, pf_matcher_count(m));
}

/* Could rule i match at all?  False only when the prefilter proves it
 * cannot (a required literal is absent, or one of every branch's). */
static bool rule_may_match(evalctx *cx, guint i)
{
    guint at = cx->rs->gate_at[i];
    if (at == GATE_NONE)
        return true;
    const guint *gate = cx->rs->gates + at;
    return rules_gate_holds(gate, gate_hits(cx, gate[0]));
}

/* Where a text rule with a known prefix may match, ascending; NULL = try
 * everywhere (no prefix, or the occurrence list is not exact).  The
 * occurrences come from an automaton of the prefix strings only
 * (rs->pf_pos), one pass on first use.  Each prefix's starts are one run,
 * already ascending (index_occ), copied whole. */
static void add_starts(evalctx *cx, const GArray *prefix)
{
    const pf_occ *occ = (const pf_occ *)(const void *)cx->occ->data;
    for (guint i = 0; i < prefix->len; i++) {
        guint id = g_array_index(prefix, guint, i);
        guint from = cx->occ_first[id], to = cx->occ_first[id + 1];
        if (from == to)
            continue;
        guint at = cx->starts->len;
        g_array_set_size(cx->starts, at + (to - from));
        guint32 *out = &g_array_index(cx->starts, guint32, at);
        for (guint k = from; k < to; k++)
            *out++ = occ[k].start;
        g_array_append_val(cx->runs, at);
    }
}

/* Merges the ascending runs of cx->starts (cx->runs holds where each
 * begins) into one, ascending, each position once (two prefixes can start
 * at the same place): runs merged two at a time, a linear pass for each
 * halving of their number.  On long texts a rule gathers thousands of
 * starts from a few runs; sorting them anew cost more than the matching. */
static void merge_runs(evalctx *cx)
{
    guint n = cx->runs->len, len = cx->starts->len;
    if (n > 1) {
        g_array_set_size(cx->merge, len);
        guint32 *a = (guint32 *)(void *)cx->starts->data, *b = (guint32 *)(void *)cx->merge->data;
        guint *run = (guint *)(void *)cx->runs->data;
        while (n > 1) {
            guint w = 0;
            for (guint r = 0; r < n; r += 2) {
                guint lo = run[r], mid = r + 1 < n ? run[r + 1] : len, hi = r + 2 < n ? run[r + 2] : len;
                guint i = lo, j = mid, o = lo;
                while (i < mid && j < hi)
                    b[o++] = a[j] < a[i] ? a[j++] : a[i++];
                memcpy(b + o, a + i, (mid - i) * sizeof *a);
                o += mid - i;
                memcpy(b + o, a + j, (hi - j) * sizeof *a);
                run[w++] = lo;
            }
            n = w;
            guint32 *t = a;
            a = b;
            b = t;
        }
        if (a != (guint32 *)(void *)cx->starts->data) {
            GArray *t = cx->starts;
            cx->starts = cx->merge;
            cx->merge = t;
        }
    }
    guint32 *a = (guint32 *)(void *)cx->starts->data;
    guint w = 0;
    for (guint k = 0; k < len; k++)
        if (w == 0 || a[w - 1] != a[k])
            a[w++] = a[k];
    g_array_set_size(cx->starts, w);
}

/* ... of rule i: with branches that have prefixes of their own
 * (pf_branch_prefix), only the prefixes of the branches whose literals
 * are present, since a match comes from one of those. */
static const GArray *rule_starts(evalctx *cx, guint i, const rule *r)
{
    if (!cx->rs->pf_pos || !r->pf_prefix)
        return NULL;
    scan_occurrences(cx);
    if (!cx->occ_ok)
        return NULL;
    if (!cx->starts) {
        cx->starts = g_array_new(FALSE, FALSE, sizeof(guint32));
        cx->merge = g_array_new(FALSE, FALSE, sizeof(guint32));
        cx->runs = g_array_new(FALSE, FALSE, sizeof(guint));
    }
    g_array_set_size(cx->starts, 0);
    g_array_set_size(cx->runs, 0);
    guint at = cx->rs->gate_at[i];
    if (r->pf_branch_prefix && at != GATE_NONE) {
        const guint8 *hits = gate_hits(cx, cx->rs->gates[at]);
        for (guint b = 0; b < r->pf_branch_prefix->len; b++)
            if (pf_clauses_hold(g_ptr_array_index(r->pf_branches, b), hits))
                add_starts(cx, g_ptr_array_index(r->pf_branch_prefix, b));
    } else {
        add_starts(cx, r->pf_prefix);
    }
    /* Ascending, each position once: the first anchored hit is the leftmost. */
    merge_runs(cx);
    return cx->starts;
}

/* A rule whose branches are compiled alone (rule->branch_re; it captures
 * nothing): it matches when a branch does, and only a branch whose
 * literals are all present can. */
static bool match_branches(evalctx *cx, guint i, const rule *r, const char *s, size_t len)
{
    rules_jit_once(r);
    const guint *gate = cx->rs->gates + cx->rs->gate_at[i];
    const guint8 *hits = gate_hits(cx, gate[0]);
    for (guint b = 0; b < r->branch_re->len; b++) {
        if (!pf_clauses_hold(g_ptr_array_index(r->pf_branches, b), hits))
            continue;
        int rc = pcre2_match(g_ptr_array_index(r->branch_re, b), (PCRE2_SPTR)s, len, 0, 0, cx->md,
                             cx->rs->mctx);
        if (!hit_limit(cx, r, rc) && rc >= 0)
            return true;
    }
    return false;
}

static bool match_rule(evalctx *cx, guint i, const rule *r, capture *cap)
{
    const msgview *v = cx->v;
    bool hit = false;
    if (r->branch_re && cx->rs->gate_at[i] != GATE_NONE) {
        switch (r->target) {
        case TGT_BODY:
            return match_branches(cx, i, r, v->body_text->str, v->body_text->len);
        case TGT_RAWBODY:
            return v->raw && match_branches(cx, i, r, v->raw, v->raw_len);
        case TGT_PDF:
            return v->pdf_text->len && match_branches(cx, i, r, v->pdf_text->str, v->pdf_text->len);
        case TGT_TEXT:
            return match_branches(cx, i, r, full_text(cx)->str, full_text(cx)->len);
        default:
            break;
        }
    }
    switch (r->target) {
    case TGT_SUBJECT:
        return match_str(cx, r, cap, v->subject);
    case TGT_FROM: {
        char *from = from_string(v);
        hit = match_str(cx, r, cap, from);
        g_free(from);
        return hit;
    }
    case TGT_SENDER: {
        const char *addrs[] = {v->from.addr, v->reply_to.addr, v->return_path.addr, v->sender.addr,
                               cx->env ? cx->env->env_sender : NULL};
        for (unsigned i = 0; !hit && i < G_N_ELEMENTS(addrs); i++)
            hit = match_str(cx, r, cap, addrs[i]);
        return hit;
    }
    case TGT_HEADER:
        for (guint i = 0; !hit && i < v->headers->len; i++) {
            const mv_header *h = g_ptr_array_index(v->headers, i);
            if (g_ascii_strcasecmp(h->name, r->header_name) == 0)
                hit = match_str(cx, r, cap, h->value);
        }
        return hit;
    case TGT_BODY:
        return match_value(cx, r, cap, v->body_text->str, v->body_text->len, NULL);
    case TGT_RAWBODY:
        return v->raw && match_value(cx, r, cap, v->raw, v->raw_len, NULL);
    case TGT_PDF:
        return v->pdf_text->len && match_value(cx, r, cap, v->pdf_text->str, v->pdf_text->len, NULL);
    case TGT_TEXT:
        return match_value(cx, r, cap, full_text(cx)->str, full_text(cx)->len, rule_starts(cx, i, r));
    case TGT_URL:
        for (guint i = 0; !hit && i < v->urls->len; i++)
            hit = match_str(cx, r, cap, ((const mv_url *)g_ptr_array_index(v->urls, i))->url);
        return hit;
    case TGT_ATTACHMENT:
        for (guint i = 0; !hit && i < v->attachments->len; i++)
            hit = match_str(cx, r, cap, ((const mv_attachment *)g_ptr_array_index(v->attachments, i))->filename);
        return hit;
    case TGT_META:
        return rules_meta_eval(r->meta, cx->fired);
    }
    return false;
}

/* ------------------------------------------------------------ decision */

typedef struct tally {
    int agency;     /* winning agency index, -1 none */
    double score;
    ct_kind kind;
} tally;

static tally decide(const evalctx *cx)
{
    const struct ruleset *rs = cx->rs;
    double *per = g_new0(double, rs->agencies->len + 1);
    double pool = 0;
    for (guint i = 0; i < rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (!cx->fired[i])
            continue;
        if (r->agency >= 0)
            per[r->agency] += r->score;
        else
            pool += r->score;
    }
    tally t = {.agency = -1};
    for (guint a = 0; a < rs->agencies->len; a++)
        if (per[a] > 0 && (t.agency < 0 || per[a] > per[t.agency]))
            t.agency = (int)a;
    t.score = (t.agency >= 0 ? per[t.agency] : 0) + pool;
    g_free(per);
    for (guint i = 0; i < rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (cx->fired[i] && (r->agency < 0 || r->agency == t.agency) && r->kind > t.kind)
            t.kind = r->kind;
    }
    return t;
}

/* Does the closure or payment say it ends the case's double claims too
 * ("both cases have been closed")?  A fired rule of the winning agency or
 * of the pool with "covers duplicates". */
static bool covers_duplicates(const evalctx *cx, int agency_idx, ct_kind kind)
{
    if (kind != CT_KIND_CLOSED && kind != CT_KIND_PAID)
        return false;
    for (guint i = 0; i < cx->rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(cx->rs->rules, i);
        if (cx->fired[i] && r->covers_duplicates && (r->agency < 0 || r->agency == agency_idx))
            return true;
    }
    return false;
}

static void add_unique(GPtrArray *list, const char *s)
{
    for (guint i = 0; i < list->len; i++)
        if (strcmp(g_ptr_array_index(list, i), s) == 0)
            return;
    g_ptr_array_add(list, g_strdup(s));
}

static char *clean_id(const char *raw)
{
    char *s = norm_text(raw, 64);
    if (s)
        g_strstrip(g_strdelimit(s, "#:", ' '));
    if (s && !*s) {
        g_free(s);
        s = NULL;
    }
    return s;
}

static char *clean_client(const char *raw)
{
    return norm_client(raw, MAX_FIELD_CHARS);  /* keeps the "." of "Inc." */
}

/* Amount: a captured total wins; else the sum of every fee component. */
static void fill_amount(verdict *out, const char *amount_text, GPtrArray *fees, const char *currency_text)
{
    int64_t cents = 0, one;
    char *cur = NULL;
    bool have = false;
    if (amount_text)
        have = norm_amount(amount_text, &cents, &cur);
    bool from_fees = false;
    for (guint i = 0; !have && fees && i < fees->len; i++)
        if (norm_amount(g_ptr_array_index(fees, i), &one, &cur)) {
            cents += one;
            from_fees = true;
        }
    have = have || from_fees;
    if (currency_text) {
        char *c = norm_currency(currency_text);
        if (c) {
            g_free(cur);
            cur = c;
        }
    }
    if (have && cents > 0) {
        out->amount = norm_cents_format(cents);
        out->currency = cur;
        cur = NULL;
    }
    g_free(cur);
}

static void gather_fields(evalctx *cx, int agency_idx, verdict *out)
{
    const char *text[F_COUNT] = {0};
    GPtrArray *fees = g_ptr_array_new();
    for (guint i = 0; i < cx->rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(cx->rs->rules, i);
        if (!cx->fired[i] || !cx->caps || (r->agency >= 0 && r->agency != agency_idx))
            continue;
        const capture *c = &cx->caps[i];
        for (unsigned f = 0; f < F_COUNT; f++)
            if (c->text[f] && !text[f])
                text[f] = c->text[f];
        if (c->text[F_FEE])
            g_ptr_array_add(fees, c->text[F_FEE]);
        for (unsigned u = 0; u < 2; u++)
            for (guint k = 0; c->urls[u] && k < c->urls[u]->len; k++) {
                char *url = norm_text(g_ptr_array_index(c->urls[u], k), MAX_URL_CHARS);
                if (url)
                    add_unique(u ? out->page_urls : out->image_urls, url);
                g_free(url);
            }
    }
    out->case_id = clean_id(text[F_CASE_ID]);
    out->client = clean_client(text[F_CLIENT]);
    fill_amount(out, text[F_AMOUNT], fees, text[F_CURRENCY]);
    /* "within N days" counts from the sender's calendar day. */
    time_t base = cx->v->date_time ? cx->v->date_time + norm_date_offset(cx->v->date) : 0;
    out->deadline = norm_deadline(text[F_DEADLINE], base);
    out->portal_url = norm_text(text[F_PORTAL_URL], MAX_URL_CHARS);
    g_ptr_array_unref(fees);
}

/* ------------------------------------------------------------ impersonation */

static bool view_is_forward(const msgview *v)
{
    static const char *const prefixes[] = {"fwd:", "fw:", "wg:", "tr:", "rv:", "enc:"};
    for (guint i = 0; i < v->parts->len; i++)
        if (((const mv_part *)g_ptr_array_index(v->parts, i))->forwarded)
            return true;
    for (unsigned i = 0; v->subject && i < G_N_ELEMENTS(prefixes); i++)
        if (g_ascii_strncasecmp(v->subject, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static const char *risky_file(const struct ruleset *rs, const msgview *v)
{
    for (guint i = 0; i < v->attachments->len; i++) {
        const mv_attachment *a = g_ptr_array_index(v->attachments, i);
        const char *dot = a->filename ? strrchr(a->filename, '.') : NULL;
        for (guint k = 0; dot && k < rs->risky_ext->len; k++)
            if (g_ascii_strcasecmp(dot + 1, g_ptr_array_index(rs->risky_ext, k)) == 0)
                return "risky-attachment";
    }
    return NULL;
}

static const char *suspicion(const evalctx *cx, const agency *a)
{
    const msgview *v = cx->v;
    for (guint i = 0; i < v->urls->len; i++) {
        const char *host = ((const mv_url *)g_ptr_array_index(v->urls, i))->host;
        if (rules_domain_in(cx->rs->filehosts, host))
            return "link-to-file-host";
        if (rules_domain_in(cx->rs->shorteners, host))
            return "link-shortener";
    }
    const char *risky = risky_file(cx->rs, v);
    if (risky)
        return risky;
    if (!a->domains->len)
        return NULL;
    if (rules_domain_in(a->domains, v->from.domain))
        return imp_sender_reason(v, cx->env, a->domains);
    /* Someone else sent it: fine only for a forward that still shows the
     * agency as the original sender. */
    if (view_is_forward(v) && imp_forwarded_from(v, a->domains))
        return NULL;
    return "sender-not-agency";
}

static char *portal_from_view(const msgview *v, const agency *a)
{
    for (guint i = 0; i < v->urls->len; i++) {
        const mv_url *u = g_ptr_array_index(v->urls, i);
        if (a->portals->len && rules_domain_in(a->portals, u->host))
            return norm_text(u->url, MAX_URL_CHARS);
    }
    return NULL;
}

/* Run one rule and record the outcome; gate_passed: the prefilter has
 * already said it may match.  Match-limit hits of the claim-only ones
 * count only for a claim. */
static void run_rule(evalctx *cx, guint i, bool gate_passed)
{
    const rule *r = g_ptr_array_index(cx->rs->rules, i);
    unsigned before = cx->limit_hits;
    capture cap = {0};   /* filled only by a match */
    cx->fired[i] = (gate_passed || rule_may_match(cx, i)) && match_rule(cx, i, r, &cap);
    if (cx->fired[i]) {
        if (!cx->caps)
            cx->caps = g_new0(capture, cx->rs->rules->len);
        cx->caps[i] = cap;
    }
    cx->done[i] = true;
    if (!r->verdict) {
        cx->claim_only_limit_hits += cx->limit_hits - before;
        cx->limit_hits = before;
    }
}

/* Run the rules the verdict depends on (verdict = true) or the claim-only
 * ones (score 0 and read by no scoring meta: kinds, fields) that have not
 * run yet, in load order; metas are always (re)evaluated. */
static void eval_rules(evalctx *cx, bool verdict_rules)
{
    for (guint i = 0; i < cx->rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(cx->rs->rules, i);
        if (r->verdict == verdict_rules && (!cx->done[i] || r->target == TGT_META))
            run_rule(cx, i, false);
    }
}

/* ------------------------------------------------------------ bound */

/* What a rule with this score in a given state can add to its agency's
 * (or the pool's) score at most: a rule not run yet (RULE_MAYBE) counts as
 * firing when its score is positive and as silent otherwise. */
static double bound_of(double score, guint8 state)
{
    if (state == RULE_NO)
        return 0;
    return state == RULE_YES || score > 0 ? score : 0;
}

static void set_state(evalctx *cx, guint i, guint8 state)
{
    double score = cx->rs->score[i];
    cx->base[cx->rs->slot[i]] += bound_of(score, state) - bound_of(score, cx->state[i]);
    cx->state[i] = state;
}

/* Could the message still become a claim?  An upper bound of decide():
 * the pattern rules' bounds (kept up to date by set_state) plus the
 * metas', evaluated three-valued on the states so far.  A claim needs an
 * agency with a positive score whose score plus the pool reaches the
 * threshold. */
static bool claim_reachable(evalctx *cx)
{
    const struct ruleset *rs = cx->rs;
    guint na = rs->agencies->len;
    memcpy(cx->bound, cx->base, sizeof(double) * (na + 1));   /* [na] = the pool */
    for (guint k = 0; k < rs->verdict_metas->len; k++) {
        guint i = g_array_index(rs->verdict_metas, guint, k);
        const rule *r = g_ptr_array_index(rs->rules, i);
        cx->state[i] = rules_meta_eval3(r->meta, cx->state);
        cx->bound[rs->slot[i]] += bound_of(r->score, cx->state[i]);
    }
    for (guint a = 0; a < na; a++)
        if (cx->bound[a] > 0 && cx->bound[a] + cx->bound[na] >= rs->threshold)
            return true;
    return false;
}

/* Evaluate the rules the verdict depends on only as far as needed to know
 * that the message cannot be a claim: first the prefilter's verdict on
 * every rule but the pooled ones (no pattern runs; the text scanned for
 * the first-pass literals only), then on the pooled ones, then the rules
 * that can raise a score or lower one (rules_lazy.c, raise_order), until
 * the bound falls below the threshold.  Returns false when it does
 * (fired[] then holds the rules run so far and the metas already decided);
 * true when the message may be a claim, after running every rule the
 * verdict depends on, exactly as without the bound. */
static bool eval_bounded(evalctx *cx)
{
    const struct ruleset *rs = cx->rs;
    guint n = rs->rules->len;
    cx->state = g_new(guint8, n ? n : 1);
    cx->bound = g_new(double, rs->agencies->len + 1);
    cx->base = g_new0(double, rs->agencies->len + 1);
    memset(cx->state, RULE_NO, n);
    for (guint i = 0; i < n; i++) {
        if (rs->bound_role[i] == BOUND_NONE)
            continue;
        if (rs->bound_role[i] == BOUND_POOLED || rule_may_match(cx, i))
            set_state(cx, i, RULE_MAYBE);   /* the pooled ones gated below, only if needed */
        else
            cx->done[i] = true;
    }
    bool reachable = claim_reachable(cx);
    /* The pooled rules only add to the pool, and a claim needs an agency's
     * own score: mail that none of the agencies' rules can match stops
     * above, before the pooled rules' literals are looked for. */
    for (guint i = 0; reachable && i < n; i++) {
        if (rs->bound_role[i] == BOUND_POOLED && !rule_may_match(cx, i)) {
            set_state(cx, i, RULE_NO);
            cx->done[i] = true;
        }
    }
    reachable = reachable && claim_reachable(cx);
    for (guint k = 0; reachable && k < rs->raise_order->len; k++) {
        guint i = g_array_index(rs->raise_order, guint, k);
        if (cx->done[i])
            continue;
        run_rule(cx, i, true);   /* still RULE_MAYBE: its gate passed above */
        set_state(cx, i, cx->fired[i] ? RULE_YES : RULE_NO);
        /* A firing rule can lower the bound too: a negative score, or a
         * "!" in a meta. */
        reachable = claim_reachable(cx);
    }
    if (!reachable) {
        /* From the flat list: reading every rule's target cost a cache
         * miss a rule, for every message. */
        for (guint k = 0; k < rs->metas->len; k++) {
            guint i = g_array_index(rs->metas, guint, k);
            cx->fired[i] = cx->state[i] == RULE_YES;
        }
        return false;
    }
    eval_rules(cx, true);
    return true;
}

verdict *rules_eval(const ruleset *rs, const msgview *view, const rules_env *env)
{
    evalctx cx = {.rs = rs, .v = view, .env = env};
    guint n = rs->rules->len;
    cx.fired = g_new0(bool, n ? n : 1);
    cx.done = g_new0(bool, n ? n : 1);
    cx.md = pcre2_match_data_create(32, NULL);
    if (rs->lazy) {
        eval_bounded(&cx);
    } else {
        eval_rules(&cx, true);
        eval_rules(&cx, false);
    }
    /* The other rules (score 0) cannot change the agency or the score. */
    tally t = decide(&cx);
    bool claim = t.agency >= 0 && t.score >= rs->threshold;
    if (claim && rs->lazy) {
        eval_rules(&cx, false);
        t = decide(&cx);   /* now with their kinds */
    }

    verdict *out = verdict_new();
    out->score = t.score;
    out->truncated = view->truncated;
    out->match_limit_hits = cx.limit_hits + (claim ? cx.claim_only_limit_hits : 0);
    /* For a non-claim only the rules that count (the others did not run). */
    for (guint i = 0; i < n; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (cx.fired[i] && (claim || r->verdict))
            g_ptr_array_add(out->rules, g_strdup(r->name));
    }
    if (claim) {
        const agency *a = g_ptr_array_index(rs->agencies, t.agency);
        out->verdict = CT_VERDICT_CLAIM;
        out->agency = g_strdup(a->id);
        out->kind = t.kind ? t.kind : CT_KIND_FIRST_NOTICE;
        out->covers_duplicates = covers_duplicates(&cx, t.agency, out->kind);
        gather_fields(&cx, t.agency, out);
        if (!out->portal_url)
            out->portal_url = portal_from_view(view, a);
        const char *why = suspicion(&cx, a);
        if (why) {
            out->verdict = CT_VERDICT_SUSPECT;
            out->reason = g_strdup(why);
        }
    }
    for (guint i = 0; cx.caps && i < n; i++)
        if (cx.fired[i])   /* only a match captures (match_value) */
            capture_clear(&cx.caps[i]);
    g_free(cx.caps);
    g_free(cx.fired);
    g_free(cx.done);
    g_free(cx.state);
    g_free(cx.bound);
    g_free(cx.base);
    pcre2_match_data_free(cx.md);
    if (cx.text)
        g_string_free(cx.text, TRUE);
    g_free(cx.text_hits);
    g_free(cx.raw_hits);
    g_free(cx.field_hits);
    if (cx.occ)
        g_array_unref(cx.occ);
    g_free(cx.occ_first);
    if (cx.starts) {
        g_array_unref(cx.starts);
        g_array_unref(cx.merge);
        g_array_unref(cx.runs);
    }
    return out;
}
