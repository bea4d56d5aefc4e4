/* The rule prefilter: literal extraction from patterns, the multi-literal
 * scanner, its case folding against PCRE2's, and soundness on the shipped
 * rules (a rule the prefilter would skip never matches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rules_internal.h"
#include "testutil.h"

static gint cmp_strp(gconstpointer a, gconstpointer b, gpointer data)
{
    (void)data;
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Clauses as "a|b & c" (sorted alternatives). */
static char *clauses_text(const GPtrArray *cl)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < cl->len; i++) {
        GPtrArray *alts = g_ptr_array_index(cl, i);
        char **v = g_new0(char *, alts->len + 1);
        for (guint k = 0; k < alts->len; k++)
            v[k] = g_ptr_array_index(alts, k);
        g_qsort_with_data(v, (gint)alts->len, sizeof(char *), cmp_strp, NULL);
        char *j = g_strjoinv("|", v);
        g_string_append_printf(s, "%s%s", i ? " & " : "", j);
        g_free(j);
        g_free(v);
    }
    return g_string_free(s, FALSE);
}

/* The clauses of a pattern as "a|b & c" (sorted alternatives), or NULL. */
static char *clauses_of(const char *pattern, bool extended)
{
    GPtrArray *cl = pf_extract(pattern, strlen(pattern), extended, NULL);
    if (!cl)
        return NULL;
    char *s = clauses_text(cl);
    g_ptr_array_unref(cl);
    return s;
}

static bool has_clause(const char *pattern, const char *clause)
{
    char *c = clauses_of(pattern, false);
    bool ok = false;
    if (c) {
        char **parts = g_strsplit(c, " & ", -1);
        for (char **p = parts; *p; p++)
            ok = ok || strcmp(*p, clause) == 0;
        g_strfreev(parts);
    }
    if (!ok)
        print_message("clauses of %s: %s (wanted %s)\n", pattern, c ? c : "(none)", clause);
    g_free(c);
    return ok;
}

static void extracts_literals(void **state)
{
    (void)state;
    assert_true(has_clause("\\bunauthori[sz]ed\\s+use\\b", "unauthorised|unauthorized"));
    assert_true(has_clause("Foo(?:bar|baz)Qux", "foobarqux|foobazqux"));
    assert_true(has_clause("(?:keyword)?xyz", "keywordxyz|xyz"));
    assert_true(has_clause("\\b(?:settle|pay)\\s+now|invoice\\d+", "invoice|pay|settle"));
    assert_true(has_clause("(?i:Lizenz)gebühr", "lizenzgeb"));
    assert_true(has_clause("(?<case_id>\\d+)\\s+(?=Case\\s+closed)", "case"));
    assert_true(has_clause("a\\.b\\x41c\\Q*+?\\E", "a.bac*+?"));
    /* x flag: blanks and comments are not part of the pattern. */
    char *c = clauses_of("copy  track # the agency\n\\s+GmbH", true);
    assert_string_equal(c, "copytrack & gmbh");
    g_free(c);
}

/* The prefix set of a pattern, sorted and joined with "|", or NULL. */
static char *prefix_of_pattern(const char *pattern)
{
    GPtrArray *pre = NULL;
    GPtrArray *cl = pf_extract(pattern, strlen(pattern), false, &pre);
    if (cl)
        g_ptr_array_unref(cl);
    if (!pre)
        return NULL;
    g_ptr_array_sort_with_data(pre, cmp_strp, NULL);
    g_ptr_array_add(pre, NULL);
    char *j = g_strjoinv("|", (char **)pre->pdata);
    g_ptr_array_unref(pre);
    return j;
}

static void extracts_prefixes(void **state)
{
    (void)state;
    const struct { const char *pattern, *prefix; } cases[] = {
        {"\\b(?:(?:friendly\\s+|gentle\\s+)?reminder\\b|foo)", "foo|friendly|gentle|reminder"},
        {"ab(?:cd)?ef", "abcdef|abef"},
        {"(?:abc)?abcd", "abc|abcd"},        /* not "abcabcd": the optional part may repeat the rest */
        {"(?:a?b)abc", "ababc|babc"},        /* the group's strings, not its prefixes, grow */
        {"(?<=x)licen[cs]e", "licence|license"},
        {"(?i:Pay)\\s+now", "pay"},
        {"a*bcd", NULL},                       /* may start with a */
        {"(?:abc)?", NULL},                    /* may match the empty string */
        {"\\Gabc", NULL},                    /* depends on the start offset */
        {"[\\p{Lu}]abc", NULL},
        {"i\\s+act", NULL},                  /* one letter: not worth it */
        {"(?:in|an)\\s+act", NULL},          /* two: they start nearly everywhere in a text */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = prefix_of_pattern(cases[i].pattern);
        if (g_strcmp0(got, cases[i].prefix) != 0)
            fail_msg("prefix of %s: %s, wanted %s", cases[i].pattern, got ? got : "(none)",
                     cases[i].prefix ? cases[i].prefix : "(none)");
        g_free(got);
    }
}

static void gives_up_when_unsure(void **state)
{
    (void)state;
    const char *const unsure[] = {
        "(abc)\\1def",            /* backreference */
        "(?x) a b c",             /* inline extended mode */
        "(*UTF)abcdef",           /* verb */
        "abc{def",                /* literal brace */
        "(?R)abc",                /* recursion */
        "\\d+[a-z]*",             /* nothing literal */
        "ab|cd",                  /* too short to be worth it */
        "(?:verylongword)*",      /* may be absent */
        "(?!excluded)\\w+",       /* negative lookahead requires nothing */
        "(?!=excluded)\\w+",      /* ... even when it starts with '=' */
        "(?<!=excluded)\\w+",
        "abc)",                   /* unbalanced */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(unsure); i++) {
        char *c = clauses_of(unsure[i], false);
        if (c)
            fail_msg("%s gave clauses %s", unsure[i], c);
    }
}

static void scanner_finds_overlaps_and_folds(void **state)
{
    (void)state;
    pf_matcher *m = pf_matcher_new();
    guint he = pf_matcher_add(m, "he"), she = pf_matcher_add(m, "SHE");
    guint his = pf_matcher_add(m, "his"), hers = pf_matcher_add(m, "hers");
    guint kelvin = pf_matcher_add(m, "link"), longs = pf_matcher_add(m, "lose");
    assert_int_equal(pf_matcher_add(m, "she"), she);
    pf_matcher_build(m);
    assert_int_equal(pf_matcher_count(m), 6);
    guint8 hits[6] = {0};
    const char *text = "uSHErs lin\xE2\x84\xAA lo\xC5\xBF" "e";
    pf_matcher_scan(m, text, strlen(text), hits, NULL);
    assert_true(hits[he] && hits[she] && hits[hers]);
    assert_false(hits[his]);
    assert_true(hits[kelvin] && hits[longs]);
    memset(hits, 0, sizeof hits);
    pf_matcher_scan(m, "\xE2\x84 hi\xE2", 7, hits, NULL);   /* truncated sequences */
    assert_false(hits[he] || hits[his]);

    GArray *cl = g_array_new(FALSE, FALSE, sizeof(guint));
    guint v[] = {2, he, his, 1, kelvin};
    g_array_append_vals(cl, v, G_N_ELEMENTS(v));
    memset(hits, 0, sizeof hits);
    hits[his] = 1;
    assert_false(pf_clauses_hold(cl, hits));
    hits[kelvin] = 1;
    assert_true(pf_clauses_hold(cl, hits));
    g_array_unref(cl);
    pf_matcher_free(m);
}

/* Per-branch clauses: each branch of a top-level alternation, or of the
 * first plain group holding one, gets the clauses pf_extract() gives that
 * branch written out; lookarounds and quantified groups are not split; a
 * branch with no requirement, or an unsure lexer, gives nothing. */
static char *branches_of(const char *pattern)
{
    GPtrArray *br = pf_extract_branches(pattern, strlen(pattern), false, NULL, NULL);
    if (!br)
        return g_strdup("-");
    GString *out = g_string_new(NULL);
    for (guint b = 0; b < br->len; b++) {
        char *c = clauses_text(g_ptr_array_index(br, b));
        g_string_append_printf(out, "%s%s", b ? " || " : "", c);
        g_free(c);
    }
    g_ptr_array_unref(br);
    return g_string_free(out, FALSE);
}

static void extracts_branches(void **state)
{
    (void)state;
    static const struct { const char *pattern, *branches[3]; } cases[] = {
        {"\\b(?:how\\s+to\\s+respond|I\\s+am\\s+not\\s+a\\s+lawyer)\\b",
         {"\\b(?:how\\s+to\\s+respond)\\b", "\\b(?:I\\s+am\\s+not\\s+a\\s+lawyer)\\b"}},
        {"alpha\\d|beta", {"alpha\\d", "beta"}},
        {"(?i:copy|trolls?)\\s+fee", {"(?i:copy)\\s+fee", "(?i:trolls?)\\s+fee"}},
        {"(?<name>paid|settled)\\s+in\\s+full", {"(?<name>paid)\\s+in\\s+full", "(?<name>settled)\\s+in\\s+full"}},
        {"[|(]alpha|beta", {"[|(]alpha", "beta"}},
        {"(?!alpha|beta)gamma", {NULL}},
        {"(?:alpha|beta)+gamma", {NULL}},
        {"alpha|\\d+", {NULL}},
        {"\\Qa|b\\E", {NULL}},
        {"(?:alpha|beta", {NULL}},
        {"(?x) alpha # a|b", {NULL}},
        {"(?:alpha(?ix)|beta)", {NULL}},
        {"(*MARK:a|b)alpha|beta", {NULL}},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        GString *want = g_string_new(cases[i].branches[0] ? NULL : "-");
        for (unsigned b = 0; b < 3 && cases[i].branches[b]; b++) {
            char *c = clauses_of(cases[i].branches[b], false);
            assert_non_null(c);
            g_string_append_printf(want, "%s%s", b ? " || " : "", c);
            g_free(c);
        }
        char *got = branches_of(cases[i].pattern);
        if (strcmp(got, want->str) != 0)
            fail_msg("%s: got %s, want %s", cases[i].pattern, got, want->str);
        g_free(got);
        g_string_free(want, TRUE);
    }
}

/* A merged matcher keeps the first one's ids, adds the second's literals
 * once each (one it shares keeps the first's id), maps every id back to
 * the second's, and reports where the second's positional ones occur. */
static void merge_keeps_ids(void **state)
{
    (void)state;
    pf_matcher *a = pf_matcher_new(), *b = pf_matcher_new();
    pf_matcher_add(a, "licence");
    pf_matcher_add(a, "fee");
    pf_matcher_add(b, "image");      /* b's 0 */
    pf_matcher_add(b, "fee");        /* b's 1, a's 1 */
    pf_matcher_set_positional(b, 0);
    pf_matcher_set_positional(b, 1);
    guint32 *b_id = NULL;
    pf_matcher *all = pf_matcher_merge(a, b, &b_id);
    assert_int_equal(pf_matcher_count(all), 3);
    assert_int_equal(b_id[0], G_MAXUINT32);   /* licence: a's only */
    assert_int_equal(b_id[1], 1);             /* fee */
    assert_int_equal(b_id[2], 0);             /* image, after a's */
    guint8 hits[3] = {0};
    GArray *occ = g_array_new(FALSE, FALSE, sizeof(pf_occ));
    const char *text = "The Image licence FEE";
    assert_true(pf_matcher_scan(all, text, strlen(text), hits, occ));
    assert_true(hits[0] && hits[1] && hits[2]);
    assert_int_equal(occ->len, 2);            /* licence is not positional */
    assert_int_equal(g_array_index(occ, pf_occ, 0).lit, 2);
    assert_int_equal(g_array_index(occ, pf_occ, 0).start, 4);
    assert_int_equal(g_array_index(occ, pf_occ, 1).lit, 1);
    assert_int_equal(g_array_index(occ, pf_occ, 1).start, 18);
    g_array_unref(occ);
    g_free(b_id);
    pf_matcher_free(all);
    /* No second matcher: the first's literals alone. */
    all = pf_matcher_merge(a, NULL, &b_id);
    assert_int_equal(pf_matcher_count(all), 2);
    assert_int_equal(b_id[0], G_MAXUINT32);
    assert_int_equal(b_id[1], G_MAXUINT32);
    g_free(b_id);
    pf_matcher_free(all);
    pf_matcher_free(a);
    pf_matcher_free(b);
}

/* An automaton of more than 65536 states uses the wide table: the same
 * hits and occurrences as the narrow one. */
static void wide_table_scans_alike(void **state)
{
    (void)state;
    pf_matcher *big = pf_matcher_new(), *small = pf_matcher_new();
    guint probe_big = 0, probe_small = pf_matcher_add(small, "needle");
    /* Each literal adds at least the 14 states of its own tail: > 84,000. */
    for (guint i = 0; i < 6000; i++) {
        char lit[32];
        g_snprintf(lit, sizeof lit, "w%05uxyzqwvabcdefgh", i * 7919 % 100000);
        pf_matcher_add(big, lit);
    }
    probe_big = pf_matcher_add(big, "needle");
    pf_matcher_set_positional(big, probe_big);
    pf_matcher_set_positional(small, probe_small);
    pf_matcher_build(big);
    pf_matcher_build(small);
    assert_true(pf_matcher_bytes(big) > 65536u * 4 * 10);   /* 32-bit entries, at least 10 classes */
    const char *text = "a needle, w07919xyzqwvabcdefgh and another NEEDLE";
    guint8 *hb = g_new0(guint8, pf_matcher_count(big)), hs[1] = {0};
    GArray *ob = g_array_new(FALSE, FALSE, sizeof(pf_occ)), *os = g_array_new(FALSE, FALSE, sizeof(pf_occ));
    assert_true(pf_matcher_scan(big, text, strlen(text), hb, ob));
    assert_true(pf_matcher_scan(small, text, strlen(text), hs, os));
    assert_true(hb[probe_big] && hs[0] && hb[1]);
    assert_int_equal(ob->len, 2);
    assert_int_equal(os->len, 2);
    for (guint k = 0; k < 2; k++)
        assert_int_equal(g_array_index(ob, pf_occ, k).start, g_array_index(os, pf_occ, k).start);
    g_array_unref(ob);
    g_array_unref(os);
    g_free(hb);
    pf_matcher_free(big);
    pf_matcher_free(small);
}

/* Every occurrence of the literals in t, by brute force: the text with
 * the folded characters (U+212A, U+017F) replaced by the letters they
 * fold to, compared ASCII-caselessly at every position.  Occurrences (start,
 * literal) go to occ sorted by start then literal; *folded says whether
 * the text held a folded character (the scanner's positions are then not
 * byte-exact, and it says so). */
static void brute_force(const char *t, size_t len, const char *const *lits, unsigned nlits, guint8 *hits,
                        GArray *occ, bool *folded)
{
    GString *f = g_string_sized_new(len);
    *folded = false;
    for (size_t i = 0; i < len; i++) {
        if (i + 2 < len && !memcmp(t + i, "\xE2\x84\xAA", 3)) {
            g_string_append_c(f, 'k');
            i += 2;
            *folded = true;
        } else if (i + 1 < len && !memcmp(t + i, "\xC5\xBF", 2)) {
            g_string_append_c(f, 's');
            i += 1;
            *folded = true;
        } else {
            g_string_append_c(f, t[i]);
        }
    }
    for (size_t i = 0; i < f->len; i++)
        for (unsigned k = 0; k < nlits; k++) {
            size_t n = strlen(lits[k]);
            if (i + n <= f->len && !g_ascii_strncasecmp(f->str + i, lits[k], n)) {
                hits[k] = 1;
                pf_occ o = {.start = (guint32)i, .lit = k};
                g_array_append_val(occ, o);
            }
        }
    g_string_free(f, TRUE);
}

static gint by_start_then_lit(gconstpointer a, gconstpointer b)
{
    const pf_occ *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->lit > y->lit) - (x->lit < y->lit);
}

/* Long texts are scanned in lanes side by side, short ones and those with
 * folded characters in one pass; each must find every literal, and every
 * occurrence of the positional ones, exactly where it is.  Random texts of
 * every length around the lane threshold, literals anywhere, lane
 * boundaries included, against brute force: a third of them with folded
 * characters, a third with only the bytes they are made of, alone or in
 * part (which must not send the text to the folding pass, nor fold). */
static void scans_find_every_occurrence(void **state)
{
    (void)state;
    static const char *const lits[] = {"kiss", "ask", "sss", "abcab", "zebra", "link", "bkb"};
    /* Plain pieces; then bytes of the folded characters that cannot make
     * one, however they follow each other; then parts that can, and the
     * folded characters themselves. */
    static const char *const pieces[] = {"a", "b", "c", "k", "s", "z", "e", "r", " ", "K", "S", "i", "n", "l",
                                         "\xE2\x80\x99", "\xE2", "\xAA", "\xBF", "\xE2\x81\xAA",
                                         "\xC5", "\xE2\x84", "\x84\xAA", "\xE2\x84\xAA", "\xC5\xBF"};
    enum { PLAIN = 9, UNFOLDED = 19 };
    enum { N = G_N_ELEMENTS(lits) };
    pf_matcher *m = pf_matcher_new();
    for (unsigned i = 0; i < N; i++) {
        assert_int_equal(pf_matcher_add(m, lits[i]), i);
        pf_matcher_set_positional(m, i);
    }
    pf_matcher_build(m);
    /* The same literals from 2 on, as a range of ids: hits + 2 in m's ids. */
    pf_matcher *tail = pf_matcher_range(m, 2, pf_matcher_count(m));
    assert_int_equal(pf_matcher_count(tail), N - 2);
    GRand *rnd = g_rand_new_with_seed(20261129);
    GArray *occ = g_array_new(FALSE, FALSE, sizeof(pf_occ)), *want = g_array_new(FALSE, FALSE, sizeof(pf_occ));
    unsigned found = 0, exact = 0, odd_exact = 0;
    for (unsigned round = 0; round < 400; round++) {
        GString *t = g_string_new(NULL);
        size_t len = (size_t)g_rand_int_range(rnd, 1, 6000);
        /* Two thirds without folded characters: their positions are exact. */
        guint npieces = round % 3 == 0 ? PLAIN : round % 3 == 1 ? UNFOLDED : G_N_ELEMENTS(pieces);
        while (t->len < len)
            g_string_append(t, pieces[g_rand_int_range(rnd, 0, npieces)]);
        /* Literals across the places where a long text's lanes meet (the
         * scan splits it in four; a literal that ends just past a meeting
         * point must be seen from the lane before its end). */
        for (unsigned j = 1; t->len >= 512 && j < 4; j++) {
            const char *lit = lits[g_rand_int_range(rnd, 0, N)];
            size_t n = strlen(lit), at = j * (t->len / 4) - (size_t)g_rand_int_range(rnd, 0, (gint32)n);
            memcpy(t->str + at, lit, n);
        }
        guint8 ref[N] = {0}, plain[N] = {0}, with_occ[N] = {0}, ranged[N] = {0};
        bool folded;
        g_array_set_size(want, 0);
        brute_force(t->str, t->len, lits, N, ref, want, &folded);
        pf_matcher_scan(m, t->str, t->len, plain, NULL);
        g_array_set_size(occ, 0);
        bool complete = pf_matcher_scan(m, t->str, t->len, with_occ, occ);
        pf_matcher_scan(tail, t->str, t->len, ranged + 2, NULL);
        for (unsigned i = 0; i < N; i++) {
            if (plain[i] != ref[i] || with_occ[i] != ref[i])
                fail_msg("length %zu: \"%s\" %s, %s with positions; brute force: %s", t->len, lits[i],
                         plain[i] ? "found" : "missed", with_occ[i] ? "found" : "missed",
                         ref[i] ? "found" : "missed");
            if (i >= 2 && ranged[i] != ref[i])
                fail_msg("length %zu: \"%s\" differs in the range matcher", t->len, lits[i]);
            found += ref[i];
        }
        if (folded) {
            assert_false(complete);   /* positions shifted by a folded character */
        } else {
            assert_true(complete);
            g_array_sort(occ, by_start_then_lit);
            if (occ->len != want->len)
                fail_msg("length %zu: %u occurrences, brute force %u", t->len, occ->len, want->len);
            for (guint k = 0; k < occ->len; k++) {
                const pf_occ *a = &g_array_index(occ, pf_occ, k), *b = &g_array_index(want, pf_occ, k);
                if (a->start != b->start || a->lit != b->lit)
                    fail_msg("length %zu: occurrence %u is \"%s\" at %u, brute force \"%s\" at %u", t->len, k,
                             lits[a->lit], a->start, lits[b->lit], b->start);
            }
            exact += t->len >= 512;
            odd_exact += t->len >= 512 && round % 3 == 1;
        }
        g_string_free(t, TRUE);
    }
    assert_true(found > 400);   /* the texts did hold literals */
    assert_true(exact > 100);   /* and long ones, scanned in lanes, were compared exactly */
    assert_true(odd_exact > 50);  /* odd bytes too */
    g_array_unref(occ);
    g_array_unref(want);
    g_rand_free(rnd);
    pf_matcher_free(tail);
    pf_matcher_free(m);
}

/* The scanner's folding must be PCRE2's caseless matching for ASCII: the
 * only non-ASCII code points that caselessly match an ASCII character are
 * U+017F and U+212A, and within ASCII only letters pair up. */
static void folding_agrees_with_pcre2(void **state)
{
    (void)state;
    int code;
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR) "^[\\x00-\\x7f]$", PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
    assert_non_null(re);
    pcre2_match_data *md = pcre2_match_data_create(4, NULL);
    GString *found = g_string_new(NULL);
    for (gunichar c = 0x80; c <= 0x10FFFF; c++) {
        if (c >= 0xD800 && c <= 0xDFFF)
            continue;
        char buf[8];
        int n = g_unichar_to_utf8(c, buf);
        if (pcre2_match(re, (PCRE2_SPTR)buf, (PCRE2_SIZE)n, 0, 0, md, NULL) >= 0)
            g_string_append_printf(found, "%04X ", c);
    }
    assert_string_equal(found->str, "017F 212A ");
    g_string_free(found, TRUE);
    pcre2_code_free(re);
    /* k and s are the letters they fold to. */
    const struct { const char *pat, *subj; } pairs[] = {{"k", "\xE2\x84\xAA"}, {"s", "\xC5\xBF"}};
    for (unsigned i = 0; i < G_N_ELEMENTS(pairs); i++) {
        re = pcre2_compile((PCRE2_SPTR)pairs[i].pat, 1, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
        assert_true(pcre2_match(re, (PCRE2_SPTR)pairs[i].subj, strlen(pairs[i].subj), 0, 0, md, NULL) >= 0);
        pcre2_code_free(re);
    }
    for (int a = 0; a < 128; a++)
        for (int b = 0; b < 128; b++) {
            char p[8], t[2] = {(char)b, 0};
            g_snprintf(p, sizeof p, "\\x{%x}", a);
            re = pcre2_compile((PCRE2_SPTR)p, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
            bool m = pcre2_match(re, (PCRE2_SPTR)t, 1, 0, 0, md, NULL) >= 0;
            pcre2_code_free(re);
            if (m != (g_ascii_tolower((char)a) == g_ascii_tolower((char)b)))
                fail_msg("PCRE2 caseless: %02x vs %02x", a, b);
        }
    pcre2_match_data_free(md);
}

static ruleset *load(const char *text)
{
    char *path = testutil_write(testutil_dir, "t.rules", text);
    GError *err = NULL;
    ruleset *rs = rules_load_file(path, &err);
    if (!rs)
        fail_msg("%s", err->message);
    g_free(path);
    return rs;
}

static const char *gate_rules =
    "agency acme\n"
    "rule GATED body /\\bsettle(?:ment)?\\s+(?<amount>\\d+)/i\n"
    "  agency acme\n  score 3\n"
    "rule ALWAYS body /\\d{5}/\n"
    "  agency acme\n  score 2\n"
    "rule SUBJ subject /Invoice/\n"
    "rule ANCHORED text /\\b(?:pay|settle)\\s+(?<amount>\\d+ EUR)/i\n"
    "  agency acme\n  score 3\n";

/* Same verdict with and without; the gated rule still fires when it must.
 * Every rule runs (COPYTROLL_NO_LAZY): this compares the prefilter alone,
 * not the early stop of test_rules.c. */
static void ruleset_uses_it(void **state)
{
    (void)state;
    g_setenv("COPYTROLL_NO_LAZY", "1", TRUE);
    ruleset *rs = load(gate_rules);
    rules_pf_stats st;
    rules_prefilter_stats(rs, &st);
    assert_true(st.enabled);
    assert_int_equal(st.filtered, 3);    /* GATED, ANCHORED, SUBJ (in the short values) */
    assert_int_equal(st.always, 1);      /* ALWAYS (no literal) */
    assert_int_equal(st.anchored, 1);    /* ANCHORED: tried only where pay / settle occur */
    assert_int_equal(st.literals, 5);    /* settle, settlement, pay, " eur", invoice */
    g_setenv("COPYTROLL_NO_PREFILTER", "1", TRUE);
    ruleset *off = load(gate_rules);
    g_unsetenv("COPYTROLL_NO_PREFILTER");
    rules_prefilter_stats(off, &st);
    assert_false(st.enabled);
    const char *bodies[] = {"please SETTLEMENT 12345 now", "nothing here 12345", "settle 7", "sett le 99999",
                            "repay 5 EUR, PAY 10 EUR or 12345"};
    for (unsigned i = 0; i < G_N_ELEMENTS(bodies); i++) {
        msgview *v = testutil_view("a@b.example", "Invoice", bodies[i]);
        verdict *a = rules_eval(rs, v, NULL), *b = rules_eval(off, v, NULL);
        GString *ja = g_string_new(NULL), *jb = g_string_new(NULL);
        for (guint k = 0; k < a->rules->len; k++)
            g_string_append_printf(ja, "%s ", (char *)g_ptr_array_index(a->rules, k));
        for (guint k = 0; k < b->rules->len; k++)
            g_string_append_printf(jb, "%s ", (char *)g_ptr_array_index(b->rules, k));
        assert_string_equal(ja->str, jb->str);
        assert_int_equal(a->verdict, b->verdict);
        assert_true(a->score == b->score);
        if (i == 0)
            assert_string_equal(ja->str, "GATED ALWAYS SUBJ ");
        if (i == 4) {   /* the leftmost match, as without the prefilter */
            assert_string_equal(ja->str, "ALWAYS SUBJ ANCHORED ");
            assert_string_equal(a->amount, b->amount);
            assert_string_equal(a->amount, "10.00");
        }
        g_string_free(ja, TRUE);
        g_string_free(jb, TRUE);
        verdict_free(a);
        verdict_free(b);
        testutil_view_free(v);
    }
    rules_unref(rs);
    rules_unref(off);
    g_unsetenv("COPYTROLL_NO_LAZY");
}

/* Every gated rule whose pattern matches s has its literals in s. */
static void check_sound(const ruleset *rs, pcre2_match_data *md, const char *s, const char *where,
                        unsigned *checked, unsigned *branched)
{
    size_t len = strlen(s);
    guint8 *text = g_new0(guint8, pf_matcher_count(rs->pf_text) + 1);
    guint8 *fields = g_new0(guint8, pf_matcher_count(rs->pf_fields) + 1);
    rules_pf_scan_text(rs, s, len, text);
    pf_matcher_scan(rs->pf_fields, s, len, fields, NULL);
    for (guint i = 0; i < rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if ((!r->pf && !r->pf_branches) || r->target == TGT_RAWBODY)
            continue;
        const guint8 *hits = rules_target_is_text(r->target) ? text : fields;
        if (pcre2_match(r->re, (PCRE2_SPTR)s, len, 0, 0, md, rs->mctx) < 0)
            continue;
        (*checked)++;
        if (r->pf && !pf_clauses_hold(r->pf, hits))
            fail_msg("%s matches %s but its literals are absent", r->name, where);
        bool branch = !r->pf_branches;
        for (guint b = 0; !branch && b < r->pf_branches->len; b++)
            branch = pf_clauses_hold(g_ptr_array_index(r->pf_branches, b), hits);
        if (!branch)
            fail_msg("%s matches %s but no branch's literals are all there", r->name, where);
        *branched += r->pf_branches != NULL;
    }
    g_free(text);
    g_free(fields);
}

/* Soundness on the real rules and real notices: whenever a gated rule's
 * pattern matches a text (the whole text, or one of the short values the
 * subject, from, sender, header and url rules read), its clauses hold on
 * that text. */
static void shipped_rules_are_sound(void **state)
{
    (void)state;
    GError *err = NULL;
    ruleset *rs = rules_load_dir("conf/rules.d", &err);
    if (!rs)
        fail_msg("%s", err->message);
    rules_pf_stats st;
    rules_prefilter_stats(rs, &st);
    print_message("shipped rules: %u gated, %u always run, %u anchored, %u literals, %zu bytes\n",
                  st.filtered, st.always, st.anchored, st.literals, st.bytes);
    assert_true(st.filtered > st.always);
    GDir *d = g_dir_open("tests/corpus/claims", 0, NULL);
    assert_non_null(d);
    msgview_limits lim;
    msgview_limits_default(&lim);
    pcre2_match_data *md = pcre2_match_data_create(32, NULL);
    unsigned checked = 0, branched = 0, short_checked = 0, ignored = 0;
    const char *n;
    while ((n = g_dir_read_name(d))) {
        char *path = g_build_filename("tests/corpus/claims", n, NULL), *raw;
        gsize len;
        if (g_file_get_contents(path, &raw, &len, NULL)) {
            msgview *v = msgview_new(raw, len, &lim);
            GString *t = g_string_new(v->subject);
            g_string_append_printf(t, "\n%s\n%s", v->body_text->str, v->pdf_text->str);
            check_sound(rs, md, t->str, n, &checked, &branched);
            GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
            g_ptr_array_add(values, g_strdup_printf("%s <%s>", v->from.name ? v->from.name : "",
                                                    v->from.addr ? v->from.addr : ""));
            if (v->subject)
                g_ptr_array_add(values, g_strdup(v->subject));
            for (guint i = 0; i < v->urls->len; i++)
                g_ptr_array_add(values, g_strdup(((const mv_url *)g_ptr_array_index(v->urls, i))->url));
            for (guint i = 0; i < v->headers->len; i++)
                g_ptr_array_add(values, g_strdup(((const mv_header *)g_ptr_array_index(v->headers, i))->value));
            for (guint i = 0; i < values->len; i++) {
                char *where = g_strdup_printf("%s (%s)", n, (char *)g_ptr_array_index(values, i));
                check_sound(rs, md, g_ptr_array_index(values, i), where, &short_checked, &ignored);
                g_free(where);
            }
            g_ptr_array_unref(values);
            g_string_free(t, TRUE);
            msgview_free(v);
            g_free(raw);
        }
        g_free(path);
    }
    g_dir_close(d);
    assert_true(checked > 100);
    assert_true(branched > 20);
    assert_true(short_checked > 100);
    pcre2_match_data_free(md);
    rules_unref(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(extracts_literals),
        cmocka_unit_test(extracts_prefixes),
        cmocka_unit_test(gives_up_when_unsure),
        cmocka_unit_test(scanner_finds_overlaps_and_folds),
        cmocka_unit_test(extracts_branches),
        cmocka_unit_test(wide_table_scans_alike),
        cmocka_unit_test(merge_keeps_ids),
        cmocka_unit_test(scans_find_every_occurrence),
        cmocka_unit_test(folding_agrees_with_pcre2),
        cmocka_unit_test(ruleset_uses_it),
        cmocka_unit_test(shipped_rules_are_sound),
    };
    return cmocka_run_group_tests(tests, testutil_dir_setup, testutil_dir_teardown);
}
