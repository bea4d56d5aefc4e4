/* Loading rule files: one line at a time, each error reported as
 * "file:line: why" and the whole load abandoned (a half-loaded rule set is
 * never used).  See rules.h for the language. */
#include "rules_internal.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(copytroll-rules-error, rules_error)

/* PCRE2 limits: generous for real notices, low enough that a
 * catastrophic-backtracking pattern gives up in milliseconds. */
#define RULES_MATCH_LIMIT 200000
#define RULES_DEPTH_LIMIT 5000
/* JIT stack per thread: the default 32 KiB on the machine stack runs out
 * on long texts (PCRE2_ERROR_JIT_STACKLIMIT), 1 MiB does not; it is
 * reserved, and only the pages touched are used. */
#define RULES_JIT_STACK_START (32 * 1024)
#define RULES_JIT_STACK_MAX (1024 * 1024)

const char *const rule_field_names[F_COUNT] = {
    [F_CASE_ID] = "case_id", [F_CLIENT] = "client", [F_AMOUNT] = "amount",
    [F_FEE] = "fee", [F_CURRENCY] = "currency", [F_DEADLINE] = "deadline",
    [F_IMAGE_URL] = "image_url", [F_PAGE_URL] = "page_url", [F_PORTAL_URL] = "portal_url",
};

/* Every error of a load, so that one run of `copytroll rules lint` shows
 * them all: "file:line: why" lines, the first MAX_ERRORS of them. */
#define MAX_ERRORS 50

typedef struct errlist {
    GString *text;
    unsigned count;
} errlist;

typedef struct loader {
    struct ruleset *rs;
    const char *file;
    unsigned line;
    agency *cur_agency;   /* open block, if any */
    rule *cur_rule;
    bool skipping;        /* the block's first line failed: skip its indented lines */
    errlist *errs;
} loader;

static void errlist_add(errlist *e, const char *line)
{
    if (e->count++ < MAX_ERRORS) {
        if (e->text->len)
            g_string_append_c(e->text, '\n');
        g_string_append(e->text, line);
    }
}

/* Into *err when there were errors; frees the list.  True when none. */
static bool errlist_finish(errlist *e, GError **err)
{
    bool ok = e->count == 0;
    if (!ok) {
        if (e->count > MAX_ERRORS)
            g_string_append_printf(e->text, "\n... and %u more errors", e->count - MAX_ERRORS);
        g_set_error_literal(err, RULES_ERROR, 1, e->text->str);
    }
    g_string_free(e->text, TRUE);
    return ok;
}

static void agency_free(gpointer p)
{
    agency *a = p;
    g_free(a->id);
    g_free(a->name);
    g_free(a->advice);
    g_ptr_array_unref(a->domains);
    g_ptr_array_unref(a->portals);
    g_free(a);
}

static void rule_free(gpointer p)
{
    rule *r = p;
    g_free(r->name);
    g_free(r->describe);
    g_free(r->file);
    g_free(r->header_name);
    if (r->re)
        pcre2_code_free(r->re);
    if (r->re_anchored)
        pcre2_code_free(r->re_anchored);
    if (r->branch_re)
        g_ptr_array_unref(r->branch_re);
    if (r->pf_branch_prefix)
        g_ptr_array_unref(r->pf_branch_prefix);
    if (r->meta)
        g_array_unref(r->meta);
    if (r->pf_text)
        g_ptr_array_unref(r->pf_text);
    if (r->pf)
        g_array_unref(r->pf);
    if (r->pf_branch_text)
        g_ptr_array_unref(r->pf_branch_text);
    g_free(r->pf_pattern);
    if (r->pf_branches)
        g_ptr_array_unref(r->pf_branches);
    if (r->pf_prefix_text)
        g_ptr_array_unref(r->pf_prefix_text);
    if (r->pf_prefix)
        g_array_unref(r->pf_prefix);
    g_free(r);
}

static void jit_stack_free(gpointer p)
{
    pcre2_jit_stack_free(p);
}

static GPrivate jit_stack_key = G_PRIVATE_INIT(jit_stack_free);

/* Called by pcre2_match() with JIT: this thread's stack, made on first use
 * and freed when the thread ends.  NULL (no memory) = the 32 KiB default. */
static pcre2_jit_stack *jit_stack_for_thread(void *data)
{
    (void)data;
    pcre2_jit_stack *st = g_private_get(&jit_stack_key);
    if (!st) {
        st = pcre2_jit_stack_create(RULES_JIT_STACK_START, RULES_JIT_STACK_MAX, NULL);
        g_private_set(&jit_stack_key, st);
    }
    return st;
}

static struct ruleset *ruleset_new(void)
{
    struct ruleset *rs = g_new0(struct ruleset, 1);
    rs->refs = 1;
    rs->threshold = 5.0;
    rs->agencies = g_ptr_array_new_with_free_func(agency_free);
    rs->rules = g_ptr_array_new_with_free_func(rule_free);
    rs->rule_index = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    rs->shorteners = g_ptr_array_new_with_free_func(g_free);
    rs->filehosts = g_ptr_array_new_with_free_func(g_free);
    rs->risky_ext = g_ptr_array_new_with_free_func(g_free);
    rs->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(rs->mctx, RULES_MATCH_LIMIT);
    pcre2_set_depth_limit(rs->mctx, RULES_DEPTH_LIMIT);
    pcre2_jit_stack_assign(rs->mctx, jit_stack_for_thread, NULL);
    return rs;
}

ruleset *rules_ref(ruleset *rs)
{
    g_atomic_int_inc(&rs->refs);
    return rs;
}

void rules_unref(ruleset *rs)
{
    if (!rs || !g_atomic_int_dec_and_test(&rs->refs))
        return;
    g_ptr_array_unref(rs->agencies);
    g_ptr_array_unref(rs->rules);
    g_hash_table_destroy(rs->rule_index);
    g_ptr_array_unref(rs->shorteners);
    g_ptr_array_unref(rs->filehosts);
    g_ptr_array_unref(rs->risky_ext);
    pcre2_match_context_free(rs->mctx);
    pf_matcher_free(rs->pf_text);
    pf_matcher_free(rs->pf_first);
    pf_matcher_free(rs->pf_rest);
    pf_matcher_free(rs->pf_fields);
    pf_matcher_free(rs->pf_pos);
    pf_matcher_free(rs->pf_all);
    g_free(rs->pf_all_pos);
    g_free(rs->gates);
    g_free(rs->gate_at);
    g_free(rs->score);
    g_free(rs->slot);
    g_free(rs->bound_role);
    if (rs->metas)
        g_array_unref(rs->metas);
    if (rs->verdict_metas)
        g_array_unref(rs->verdict_metas);
    if (rs->raise_order)
        g_array_unref(rs->raise_order);
    if (rs->rule_headers)
        g_ptr_array_unref(rs->rule_headers);
    g_free(rs);
}

unsigned rules_count(const ruleset *rs) { return rs->rules->len; }
unsigned rules_agency_count(const ruleset *rs) { return rs->agencies->len; }

int rules_agency_index(const struct ruleset *rs, const char *id)
{
    for (guint i = 0; i < rs->agencies->len; i++)
        if (strcmp(((agency *)g_ptr_array_index(rs->agencies, i))->id, id) == 0)
            return (int)i;
    return -1;
}

static bool fail(loader *ld, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool fail(loader *ld, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    char *line = g_strdup_printf("%s:%u: %s", ld->file, ld->line, why);
    errlist_add(ld->errs, line);
    g_free(line);
    g_free(why);
    return false;
}

static bool valid_name(const char *s, bool upper)
{
    if (!*s)
        return false;
    for (; *s; s++) {
        bool ok = upper ? (g_ascii_isupper(*s) || g_ascii_isdigit(*s) || *s == '_')
                        : (g_ascii_islower(*s) || g_ascii_isdigit(*s) || *s == '-');
        if (!ok)
            return false;
    }
    return true;
}

static bool parse_number(const char *s, double *out)
{
    char *end;
    double v = g_ascii_strtod(s, &end);
    if (end == s || *end || v != v || v > 1e6 || v < -1e6)
        return false;
    *out = v;
    return true;
}

/* Split "word rest" in place: returns word, *rest points past blanks. */
static char *next_word(char **rest)
{
    char *p = *rest;
    while (*p == ' ' || *p == '\t')
        p++;
    char *w = p;
    while (*p && *p != ' ' && *p != '\t')
        p++;
    if (*p)
        *p++ = '\0';
    while (*p == ' ' || *p == '\t')
        p++;
    *rest = p;
    return w;
}

static bool add_list(loader *ld, GPtrArray *list, char *rest, const char *what)
{
    if (!*rest)
        return fail(ld, "%s needs at least one value", what);
    while (*rest) {
        char *w = next_word(&rest);
        g_ptr_array_add(list, g_ascii_strdown(w[0] == '.' ? w + 1 : w, -1));
    }
    return true;
}

static bool parse_target(loader *ld, rule *r, const char *t)
{
    static const struct { const char *name; rule_target t; } targets[] = {
        {"subject", TGT_SUBJECT}, {"from", TGT_FROM}, {"sender", TGT_SENDER},
        {"body", TGT_BODY}, {"rawbody", TGT_RAWBODY}, {"url", TGT_URL},
        {"attachment", TGT_ATTACHMENT}, {"pdf", TGT_PDF}, {"text", TGT_TEXT},
    };
    if (g_ascii_strncasecmp(t, "header:", 7) == 0) {
        if (!t[7])
            return fail(ld, "header: needs a header name, e.g. header:X-Mailer");
        r->target = TGT_HEADER;
        r->header_name = g_strdup(t + 7);
        return true;
    }
    for (unsigned i = 0; i < G_N_ELEMENTS(targets); i++) {
        if (strcmp(t, targets[i].name) == 0) {
            r->target = targets[i].t;
            return true;
        }
    }
    return fail(ld, "unknown target '%s' (subject, from, sender, header:NAME, body, "
                    "rawbody, url, attachment, pdf, text)", t);
}

/* Record which fields the pattern's named groups fill; refuse unknown names
 * so a typo such as (?<caseid>…) is caught at load time. */
static bool scan_capture_names(loader *ld, rule *r)
{
    uint32_t count = 0, entry = 0;
    PCRE2_SPTR table;
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &entry);
    pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table);
    for (uint32_t i = 0; i < count; i++) {
        const char *name = (const char *)table + i * entry + 2;
        unsigned f;
        for (f = 0; f < F_COUNT; f++)
            if (strcmp(name, rule_field_names[f]) == 0)
                break;
        if (f == F_COUNT)
            return fail(ld, "unknown capture name '%s' (case_id, client, amount, fee, "
                            "currency, deadline, image_url, page_url, portal_url)", name);
        r->fields |= 1u << f;
    }
    return true;
}

static bool compile_pattern(loader *ld, rule *r, char *spec)
{
    if (spec[0] != '/')
        return fail(ld, "pattern must be written /PATTERN/FLAGS");
    char *end = strrchr(spec, '/');
    if (end == spec)
        return fail(ld, "pattern has no closing '/'");
    uint32_t opts = PCRE2_UTF | PCRE2_UCP | PCRE2_DUPNAMES | PCRE2_MATCH_INVALID_UTF;
    for (char *f = end + 1; *f; f++) {
        switch (*f) {
        case 'i': opts |= PCRE2_CASELESS; break;
        case 'm': opts |= PCRE2_MULTILINE; break;
        case 's': opts |= PCRE2_DOTALL; break;
        case 'x': opts |= PCRE2_EXTENDED; break;
        default: return fail(ld, "unknown pattern flag '%c' (i, m, s, x)", *f);
        }
    }
    int code;
    PCRE2_SIZE off;
    r->re = pcre2_compile((PCRE2_SPTR)(spec + 1), (PCRE2_SIZE)(end - spec - 1), opts, &code, &off, NULL);
    if (!r->re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(code, msg, sizeof msg);
        return fail(ld, "bad pattern at offset %zu: %s", (size_t)off, (char *)msg);
    }
    /* JIT-compiled on first use (rules_jit_once): a scan of one message
     * then pays only for the rules it runs. */
    if (rules_target_prefiltered(r->target))
        r->pf_text = pf_extract(spec + 1, (size_t)(end - spec - 1), (opts & PCRE2_EXTENDED) != 0,
                                r->target == TGT_TEXT ? &r->pf_prefix_text : NULL);
    if (rules_target_prefiltered(r->target) && !(opts & PCRE2_EXTENDED))
        r->pf_pattern = g_strndup(spec + 1, (gsize)(end - spec - 1));
    /* Tried only where a prefix occurs: an anchored copy, so that JIT runs
     * it (PCRE2_ANCHORED given at match time would disable JIT). */
    if (r->pf_prefix_text) {
        r->re_anchored = pcre2_compile((PCRE2_SPTR)(spec + 1), (PCRE2_SIZE)(end - spec - 1),
                                       opts | PCRE2_ANCHORED, &code, &off, NULL);
    }
    return scan_capture_names(ld, r);
}

/* Takes r: on failure it is freed. */
static bool register_rule(loader *ld, rule *r)
{
    bool ok = true;
    if (!valid_name(r->name, true))
        ok = fail(ld, "rule name '%s' must be A-Z, 0-9 and _", r->name);
    else if (g_hash_table_contains(ld->rs->rule_index, r->name))
        ok = fail(ld, "rule %s is defined twice", r->name);
    if (!ok) {
        rule_free(r);
        return false;
    }
    r->file = g_strdup(ld->file);
    r->line = ld->line;
    r->score = 1.0;
    r->agency = -1;
    g_ptr_array_add(ld->rs->rules, r);
    g_hash_table_insert(ld->rs->rule_index, g_strdup(r->name), GUINT_TO_POINTER(ld->rs->rules->len));
    ld->cur_rule = r;
    ld->cur_agency = NULL;
    return true;
}

static bool kw_rule(loader *ld, char *rest)
{
    rule *r = g_new0(rule, 1);
    r->name = g_strdup(next_word(&rest));
    char *target = next_word(&rest);
    if (!register_rule(ld, r))
        return false;
    if (!*target || !*rest)
        return fail(ld, "usage: rule NAME TARGET /PATTERN/FLAGS");
    return parse_target(ld, r, target) && compile_pattern(ld, r, rest);
}

static bool kw_meta(loader *ld, char *rest)
{
    rule *r = g_new0(rule, 1);
    r->name = g_strdup(next_word(&rest));
    r->target = TGT_META;
    r->meta = g_array_new(FALSE, FALSE, sizeof(meta_step));
    if (!register_rule(ld, r))
        return false;
    if (!*rest)
        return fail(ld, "usage: meta NAME EXPRESSION");
    char *why = NULL;
    if (!rules_meta_compile(ld->rs, rest, r->meta, &why)) {
        fail(ld, "%s", why);
        g_free(why);
        return false;
    }
    return true;
}

static bool kw_agency(loader *ld, char *rest)
{
    char *id = next_word(&rest);
    if (!valid_name(id, false) || *rest)
        return fail(ld, "usage: agency ID (lower-case letters, digits and -)");
    if (rules_agency_index(ld->rs, id) >= 0)
        return fail(ld, "agency %s is defined twice", id);
    agency *a = g_new0(agency, 1);
    a->id = g_strdup(id);
    a->domains = g_ptr_array_new_with_free_func(g_free);
    a->portals = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(ld->rs->agencies, a);
    ld->cur_agency = a;
    ld->cur_rule = NULL;
    return true;
}

static bool agency_attr(loader *ld, const char *kw, char *rest)
{
    agency *a = ld->cur_agency;
    if (!*rest)
        return fail(ld, "%s needs a value", kw);
    if (strcmp(kw, "name") == 0) {
        g_free(a->name);
        a->name = g_strdup(rest);
        return true;
    }
    if (strcmp(kw, "advice") == 0) {
        if (!g_str_has_prefix(rest, "https://") && !g_str_has_prefix(rest, "http://"))
            return fail(ld, "advice must be an http(s) URL");
        g_free(a->advice);
        a->advice = g_strdup(rest);
        return true;
    }
    if (strcmp(kw, "domains") == 0)
        return add_list(ld, a->domains, rest, kw);
    if (strcmp(kw, "portals") == 0)
        return add_list(ld, a->portals, rest, kw);
    return fail(ld, "'%s' does not belong in an agency block (name, domains, portals, advice)", kw);
}

static bool rule_attr(loader *ld, const char *kw, char *rest)
{
    rule *r = ld->cur_rule;
    if (!*rest)
        return fail(ld, "%s needs a value", kw);
    if (strcmp(kw, "score") == 0) {
        if (!parse_number(rest, &r->score))
            return fail(ld, "score must be a number, got '%s'", rest);
        return true;
    }
    if (strcmp(kw, "agency") == 0) {
        r->agency = rules_agency_index(ld->rs, rest);
        if (r->agency < 0)
            return fail(ld, "unknown agency '%s' (declare it with `agency` first)", rest);
        return true;
    }
    if (strcmp(kw, "kind") == 0) {
        if (!verdict_kind_parse(rest, &r->kind))
            return fail(ld, "unknown kind '%s' (first_notice, reminder, escalation, closed, paid, other)", rest);
        return true;
    }
    if (strcmp(kw, "describe") == 0) {
        g_free(r->describe);
        r->describe = g_strdup(rest);
        return true;
    }
    if (strcmp(kw, "covers") == 0) {
        if (strcmp(rest, "duplicates") != 0)
            return fail(ld, "covers takes one value: duplicates");
        r->covers_duplicates = true;
        return true;
    }
    return fail(ld, "'%s' does not belong in a rule (score, agency, kind, describe, covers)", kw);
}

/* The outcome of a block's first line (rule, meta, agency). */
static bool block_opened(loader *ld, bool ok)
{
    ld->skipping = !ok;
    return ok;
}

static bool load_line(loader *ld, char *line)
{
    /* `agency` opens a block at the start of a line, and names the rule's
     * agency when indented under a rule. */
    bool indented = *line == ' ' || *line == '\t';
    char *rest = line;
    char *kw = next_word(&rest);
    if (*kw == '\0' || *kw == '#')
        return true;
    /* After a block's first line failed, its attributes would only add
     * errors that are not theirs. */
    if (indented && ld->skipping)
        return true;
    ld->skipping = false;
    g_strchomp(rest);
    if (strcmp(kw, "rule") == 0)
        return block_opened(ld, kw_rule(ld, rest));
    if (strcmp(kw, "meta") == 0)
        return block_opened(ld, kw_meta(ld, rest));
    if (strcmp(kw, "agency") == 0 && !(indented && ld->cur_rule))
        return block_opened(ld, kw_agency(ld, rest));
    if (strcmp(kw, "threshold") == 0) {
        ld->cur_rule = NULL;
        ld->cur_agency = NULL;
        if (!parse_number(rest, &ld->rs->threshold) || ld->rs->threshold <= 0)
            return fail(ld, "threshold must be a number above 0");
        return true;
    }
    if (strcmp(kw, "shortener") == 0)
        return add_list(ld, ld->rs->shorteners, rest, kw);
    if (strcmp(kw, "filehost") == 0)
        return add_list(ld, ld->rs->filehosts, rest, kw);
    if (strcmp(kw, "risky-extension") == 0)
        return add_list(ld, ld->rs->risky_ext, rest, kw);
    if (ld->cur_agency)
        return agency_attr(ld, kw, rest);
    if (ld->cur_rule)
        return rule_attr(ld, kw, rest);
    return fail(ld, "unknown keyword '%s'", kw);
}

/* One file's rules into rs; its errors into errs, every line read. */
static void load_into(struct ruleset *rs, const char *path, errlist *errs)
{
    gchar *text;
    gsize len;
    GError *ioerr = NULL;
    if (!g_file_get_contents(path, &text, &len, &ioerr)) {
        char *line = g_strdup_printf("%s: %s", path, ioerr->message);
        errlist_add(errs, line);
        g_free(line);
        g_error_free(ioerr);
        return;
    }
    loader ld = {.rs = rs, .file = path, .errs = errs};
    if (memchr(text, '\0', len) || !g_utf8_validate(text, (gssize)len, NULL)) {
        ld.line = 1;
        fail(&ld, "not a UTF-8 text file");
        g_free(text);
        return;
    }
    char **lines = g_strsplit(text, "\n", -1);
    for (unsigned i = 0; lines[i]; i++) {
        ld.line = i + 1;
        char *l = lines[i];
        size_t n = strlen(l);
        if (n && l[n - 1] == '\r')
            l[n - 1] = '\0';
        load_line(&ld, l);
    }
    g_strfreev(lines);
    g_free(text);
}

ruleset *rules_load_file(const char *path, GError **err)
{
    struct ruleset *rs = ruleset_new();
    errlist errs = {.text = g_string_new(NULL)};
    load_into(rs, path, &errs);
    if (!errlist_finish(&errs, err)) {
        rules_unref(rs);
        return NULL;
    }
    rules_lazy_build(rs);
    rules_prefilter_build(rs);
    return rs;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

ruleset *rules_load_dir(const char *dir, GError **err)
{
    GError *ioerr = NULL;
    GDir *d = g_dir_open(dir, 0, &ioerr);
    if (!d) {
        g_set_error(err, RULES_ERROR, 1, "%s: %s", dir, ioerr->message);
        g_error_free(ioerr);
        return NULL;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(d)))
        if (g_str_has_suffix(n, ".rules") && n[0] != '.')
            g_ptr_array_add(names, g_build_filename(dir, n, NULL));
    g_dir_close(d);
    g_ptr_array_sort(names, cmp_str);

    struct ruleset *rs = ruleset_new();
    errlist errs = {.text = g_string_new(NULL)};
    if (!names->len) {
        char *line = g_strdup_printf("%s: no *.rules files", dir);
        errlist_add(&errs, line);
        g_free(line);
    }
    for (guint i = 0; i < names->len; i++)
        load_into(rs, g_ptr_array_index(names, i), &errs);
    g_ptr_array_unref(names);
    if (!errlist_finish(&errs, err)) {
        rules_unref(rs);
        return NULL;
    }
    rules_lazy_build(rs);
    rules_prefilter_build(rs);
    return rs;
}

const char *rules_agency_name(const ruleset *rs, const char *agency_id)
{
    int i = agency_id ? rules_agency_index(rs, agency_id) : -1;
    return i < 0 ? NULL : ((agency *)g_ptr_array_index(rs->agencies, i))->name;
}

const char *rules_agency_advice(const ruleset *rs, const char *agency_id)
{
    int i = agency_id ? rules_agency_index(rs, agency_id) : -1;
    return i < 0 ? NULL : ((agency *)g_ptr_array_index(rs->agencies, i))->advice;
}

/* ------------------------------------------------------------ prefilter */

bool rules_target_prefiltered(rule_target t)
{
    return t != TGT_META;
}

static bool prefilter_disabled(void)
{
    const char *e = getenv("COPYTROLL_NO_PREFILTER");
    return e && *e && strcmp(e, "0") != 0;
}

static gint cmp_guint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;
    return x < y ? -1 : x > y;
}

/* Prefix strings → sorted ids of positional literals. */
static GArray *prefix_ids(pf_matcher *m, const GPtrArray *strings)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint k = 0; k < strings->len; k++) {
        guint id = pf_matcher_add(m, g_ptr_array_index(strings, k));
        pf_matcher_set_positional(m, id);
        g_array_append_val(ids, id);
    }
    g_array_sort(ids, cmp_guint);
    return ids;
}

/* An anchored rule with branches: each branch's own prefix strings, so
 * that a scan tries the rule only where a branch that may match can start
 * (rule_starts() in rules_eval.c).  HB_FIRM starts with "this" or "our",
 * or with "the" in its branch about Higbee: where "Higbee" is absent, the
 * thousands of places that start with "the" in a long text need no try.
 * None when a branch has no prefix of its own. */
static void branch_prefixes(pf_matcher *pos, rule *r, const GPtrArray *prefixes)
{
    for (guint b = 0; b < prefixes->len; b++)
        if (!g_ptr_array_index(prefixes, b))
            return;
    r->pf_branch_prefix = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    for (guint b = 0; b < prefixes->len; b++)
        g_ptr_array_add(r->pf_branch_prefix, prefix_ids(pos, g_ptr_array_index(prefixes, b)));
}

/* Clauses → the flat id array of pf_clauses_hold(). */
static GArray *clauses_ids(pf_matcher *m, const GPtrArray *clauses)
{
    GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint c = 0; c < clauses->len; c++) {
        GPtrArray *alts = g_ptr_array_index(clauses, c);
        g_array_append_val(ids, alts->len);
        for (guint k = 0; k < alts->len; k++) {
            guint id = pf_matcher_add(m, g_ptr_array_index(alts, k));
            g_array_append_val(ids, id);
        }
    }
    return ids;
}

/* A gated rule's clauses, and its branches' when it has them. */
static void clauses_build(pf_matcher *m, rule *r)
{
    if (r->pf_text)
        r->pf = clauses_ids(m, r->pf_text);
    if (r->pf_branch_text) {
        r->pf_branches = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
        for (guint b = 0; b < r->pf_branch_text->len; b++)
            g_ptr_array_add(r->pf_branches, clauses_ids(m, g_ptr_array_index(r->pf_branch_text, b)));
    }
}

/* The extracted strings are only needed until here. */
static void drop_load_time(rule *r, bool anchored)
{
    g_clear_pointer(&r->pf_text, g_ptr_array_unref);
    g_clear_pointer(&r->pf_branch_text, g_ptr_array_unref);
    g_clear_pointer(&r->pf_pattern, g_free);
    g_clear_pointer(&r->pf_prefix_text, g_ptr_array_unref);
    if (!anchored)
        g_clear_pointer(&r->re_anchored, pcre2_code_free);
}

static void add_header_name(GPtrArray *names, const char *name)
{
    for (guint i = 0; i < names->len; i++)
        if (g_ascii_strcasecmp(g_ptr_array_index(names, i), name) == 0)
            return;
    g_ptr_array_add(names, g_strdup(name));
}

/* A rule that captures nothing and that no prefix anchors: its branches
 * compiled alone, with the rule's options, so that a scan runs only those
 * whose literals are all in the text (rules_eval.c).  A branch of a long
 * alternation with a rare word then no longer pays for the branches that
 * start at every other letter: CT_HAND_OVER's English branch alone costs
 * a fiftieth of the whole pattern over the ham corpus.  None when a branch
 * does not compile alone. */
static void compile_branches(rule *r, const GPtrArray *texts)
{
    uint32_t opts = 0;
    pcre2_pattern_info(r->re, PCRE2_INFO_ARGOPTIONS, &opts);
    GPtrArray *res = g_ptr_array_new_with_free_func((GDestroyNotify)pcre2_code_free);
    for (guint b = 0; b < texts->len; b++) {
        int code;
        PCRE2_SIZE off;
        pcre2_code *re = pcre2_compile((PCRE2_SPTR)g_ptr_array_index(texts, b), PCRE2_ZERO_TERMINATED, opts,
                                       &code, &off, NULL);
        if (!re) {
            g_ptr_array_unref(res);
            return;
        }
        g_ptr_array_add(res, re);
    }
    r->branch_re = res;
}

/* One rule's literals → ids in m (clauses) and rs->pf_pos (prefixes),
 * its prefilter counted in rs. */
static void rule_prefilter_build(struct ruleset *rs, pf_matcher *m, rule *r)
{
    /* Per-branch literals cost load time: only where every message pays. */
    GPtrArray *texts = NULL, *prefixes = NULL;
    if (m && r->verdict && r->pf_pattern)
        r->pf_branch_text = pf_extract_branches(r->pf_pattern, strlen(r->pf_pattern), false, &texts,
                                                r->target == TGT_TEXT ? &prefixes : NULL);
    bool anchored = m && r->pf_prefix_text && r->re_anchored && r->target == TGT_TEXT;
    if (texts && !anchored && !r->fields && rules_target_is_text(r->target))
        compile_branches(r, texts);
    if (anchored) {
        if (!rs->pf_pos)
            rs->pf_pos = pf_matcher_new();
        r->pf_prefix = prefix_ids(rs->pf_pos, r->pf_prefix_text);
        if (prefixes)
            branch_prefixes(rs->pf_pos, r, prefixes);
        rs->pf_anchored++;
    }
    if (texts)
        g_ptr_array_unref(texts);
    if (prefixes)
        g_ptr_array_unref(prefixes);
    if (m && (r->pf_text || r->pf_branch_text) && rules_target_prefiltered(r->target)) {
        clauses_build(m, r);
        rs->pf_filtered++;
    } else {
        rs->pf_always++;
    }
    drop_load_time(r, anchored);
}

/* Literal strings → ids, and the automata that look for them (see struct
 * ruleset).  The text rules that are not pooled get the first ids, so
 * that the automaton of their literals alone (pf_first) can rule most
 * mail out: mail without any of them cannot become a claim, and the rest
 * of the text literals are then never looked for. */
void rules_prefilter_build(struct ruleset *rs)
{
    bool off = prefilter_disabled();
    pf_matcher *text = off ? NULL : pf_matcher_new();
    pf_matcher *fields = off ? NULL : pf_matcher_new();
    rs->pf_filtered = rs->pf_always = rs->pf_anchored = 0;
    if (!rs->rule_headers)
        rs->rule_headers = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < rs->rules->len; i++) {
        rule *r = g_ptr_array_index(rs->rules, i);
        if (r->target == TGT_HEADER)
            add_header_name(rs->rule_headers, r->header_name);
        if (r->re && !rules_target_is_text(r->target))
            rule_prefilter_build(rs, fields, r);
        else if (r->re && rules_first_pass(r))
            rule_prefilter_build(rs, text, r);
    }
    guint first = text ? pf_matcher_count(text) : 0;
    for (guint i = 0; i < rs->rules->len; i++) {
        rule *r = g_ptr_array_index(rs->rules, i);
        if (r->re && rules_target_is_text(r->target) && !rules_first_pass(r))
            rule_prefilter_build(rs, text, r);
    }
    if (text) {
        rs->pf_first = pf_matcher_range(text, 0, first);
        rs->pf_rest = pf_matcher_range(text, first, pf_matcher_count(text));
        pf_matcher_build(fields);
    }
    if (rs->pf_pos)
        pf_matcher_build(rs->pf_pos);
    if (text)
        rs->pf_all = pf_matcher_merge(text, rs->pf_pos, &rs->pf_all_pos);
    rs->pf_text = text;
    rs->pf_fields = fields;
    rules_raise_order_build(rs);
    rules_flat_build(rs);
}

void rules_pf_scan_text(const struct ruleset *rs, const char *s, size_t len, guint8 *hits)
{
    if (!rs->pf_text)
        return;
    pf_matcher_scan(rs->pf_first, s, len, hits, NULL);
    pf_matcher_scan(rs->pf_rest, s, len, hits + pf_matcher_count(rs->pf_first), NULL);
}

void rules_prefilter_stats(const ruleset *rs, rules_pf_stats *out)
{
    *out = (rules_pf_stats){
        .enabled = rs->pf_text != NULL,
        .filtered = rs->pf_filtered,
        .always = rs->pf_always,
        .anchored = rs->pf_anchored,
        .literals = rs->pf_text ? pf_matcher_count(rs->pf_text) + pf_matcher_count(rs->pf_fields) : 0,
        .bytes = rs->pf_text ? pf_matcher_bytes(rs->pf_first) + pf_matcher_bytes(rs->pf_rest) +
                                   pf_matcher_bytes(rs->pf_fields) + pf_matcher_bytes(rs->pf_all) +
                                   (rs->pf_pos ? pf_matcher_bytes(rs->pf_pos) : 0) : 0,
        .lazy = rs->lazy,
        .claim_only = rs->claim_only,
    };
}
