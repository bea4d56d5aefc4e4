/* copytroll show CASE [--recipient ADDR] [--stale-days N] [--json]
 * One case and its timeline, oldest first, written for the person who got
 * the notices: what is claimed, for whom, how much, by when, what changed
 * from one notice to the next, and whether the same image is claimed under
 * another case id.  CASE is the agency's case id or the internal id (the
 * number after '#' in the list of candidates); a CASE naming several cases
 * lists them and exits 2.  The database is opened read-only. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"
#include "export.h"

static const char show_usage[] =
    "usage: copytroll show CASE [--recipient ADDR] [--stale-days N] [--json]\n";

typedef struct show_opts {
    const char *key, *recipient;
    int stale_days;
    bool json;
} show_opts;

/* Values come from mail: valid UTF-8, no control characters on a terminal. */
static char *show_clean(const char *s)
{
    char *v = g_utf8_make_valid(s ? s : "", -1);
    for (char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return v;
}

static void show_field_at(int indent, const char *label, const char *value)
{
    char *v = show_clean(value && *value ? value : "-");
    printf("%*s%-17s%s\n", indent, "", label, v);
    g_free(v);
}

static void show_field(const char *label, const char *value)
{
    show_field_at(2, label, value);
}

static char *show_when(time_t t)
{
    GDateTime *dt = g_date_time_new_from_unix_utc((gint64)t);
    char *s = dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M UTC") : g_strdup("?");
    if (dt)
        g_date_time_unref(dt);
    return s;
}

static const char *show_kind(const casedb_entry *e)
{
    static const struct { const char *kind, *text; } names[] = {
        {"first_notice", "first notice"}, {"reminder", "reminder"},
        {"escalation", "escalation (threat of further steps)"}, {"closed", "case closed"},
        {"paid", "paid"}, {"other", "other message"},
    };
    if (g_strcmp0(e->verdict, "suspect") == 0)
        return "SUSPECTED FAKE notice (not from the agency?)";
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
        if (g_strcmp0(e->kind, names[i].kind) == 0)
            return names[i].text;
    return "message";
}

static char *show_money(const char *amount, const char *currency)
{
    return amount ? g_strdup_printf("%s %s", amount, currency ? currency : "") : NULL;
}

/* "5103827 (closed; first notice 2024-01-15)": where the other claim stands,
 * so a closure of one of two double claims does not hide the other. */
static char *show_duplicate(const char *dup_id, const casedb_case *c, GPtrArray *peers)
{
    for (guint i = 0; peers && i < peers->len; i++) {
        const casedb_case *p = g_ptr_array_index(peers, i);
        if (p->rowid == c->rowid || g_strcmp0(p->case_id, dup_id) != 0)
            continue;
        char *first = show_when(p->first_seen);
        first[MIN(strlen(first), 10)] = '\0';   /* the date is enough here */
        char *out = g_strdup_printf("%s (%s%s; first notice %s)", dup_id, p->status,
                                    p->stale ? ", stale" : "", first);
        g_free(first);
        return out;
    }
    return g_strdup(dup_id);
}

static void show_case_head(const casedb_case *c, GPtrArray *peers)
{
    char *amount = show_money(c->amount, c->currency);
    char *status = g_strdup_printf("%s%s%s", c->status,
                                   c->stale ? " - STALE: no news from the agency since a "
                                              "reminder; ask whether it is closed" : "",
                                   c->reopened ? " (reopened after a closure)" : "");
    char *first = show_when(c->first_seen), *last = show_when(c->last_seen);
    char *id = g_strdup_printf("#%" G_GINT64_FORMAT, c->rowid);
    char *msgs = g_strdup_printf("%d", c->messages);
    char *title = show_clean(c->case_id ? c->case_id : "(no case id yet)");
    printf("%s case %s\n", c->agency, title);
    show_field("Recipient:", c->recipient);
    show_field("Client:", c->client);
    show_field("Status:", status);
    if (c->closed_with) {
        char *when = show_when(c->closed_with_at);
        char *with = g_strdup_printf("%s by the agency's mail of %s on case %s, which said it "
                                     "covers this double claim too", c->status, when,
                                     c->closed_with);
        show_field("", with);
        g_free(with);
        g_free(when);
    }
    show_field("Amount now:", amount);
    show_field("Deadline now:", c->deadline);
    show_field("First notice:", first);
    show_field("Last message:", last);
    show_field("Messages:", msgs);
    show_field("Internal id:", id);
    for (guint i = 0; i < c->duplicates->len; i++) {
        char *other = show_duplicate(g_ptr_array_index(c->duplicates, i), c, peers);
        char *dup = g_strdup_printf("DOUBLE CLAIM: the same image is claimed under case %s",
                                    other);
        show_field(i ? "" : "Same image:", dup);
        g_free(dup);
        g_free(other);
    }
    g_free(amount);
    g_free(status);
    g_free(first);
    g_free(last);
    g_free(id);
    g_free(msgs);
    g_free(title);
}

/* "890.00 EUR (was 739.59 EUR)" when a notice changed the value. */
static char *show_changed(const char *now, char **before)
{
    char *s = NULL;
    if (!now)
        return NULL;
    if (*before && strcmp(*before, now) != 0)
        s = g_strdup_printf("%s (was %s)", now, *before);
    else
        s = g_strdup_printf("%s%s", now, *before ? " (unchanged)" : "");
    g_free(*before);
    *before = g_strdup(now);
    return s;
}

static void show_entry(unsigned n, const casedb_entry *e, char **amount_before,
                       char **deadline_before)
{
    char *when = show_when(e->received);
    char *money = show_money(e->amount, e->currency);
    char *amount = show_changed(money, amount_before);
    char *deadline = show_changed(e->deadline, deadline_before);
    GString *from = g_string_new(e->from_name ? e->from_name : "");
    if (e->from_addr)
        g_string_append_printf(from, "%s<%s>", from->len ? " " : "", e->from_addr);
    char *sha = g_strndup(e->sha256 ? e->sha256 : "", 16);
    printf("\n%2u. %s  %s\n", n, when, show_kind(e));
    show_field_at(6, "From:", from->str);
    show_field_at(6, "Subject:", e->subject);
    if (e->case_id)
        show_field_at(6, "Case id stated:", e->case_id);
    if (amount)
        show_field_at(6, "Amount stated:", amount);
    if (deadline)
        show_field_at(6, "Deadline stated:", deadline);
    show_field_at(6, "SHA-256:", sha);
    g_free(when);
    g_free(money);
    g_free(amount);
    g_free(deadline);
    g_string_free(from, TRUE);
    g_free(sha);
}

/* The closure of the double claim that ended this case, in its place in
 * the timeline (it is not a message of this case). */
static void show_borrowed_closure(unsigned n, const casedb_case *c)
{
    char *when = show_when(c->closed_with_at);
    char *what = g_strdup_printf("the closure of case %s covers this case too", c->closed_with);
    printf("\n%2u. %s  %s (no message on this case)\n", n, when, c->status);
    show_field_at(6, "Why:", what);
    g_free(what);
    g_free(when);
}

static void show_case(const export_case *ec, GPtrArray *peers)
{
    const casedb_case *c = ec->c;
    show_case_head(c, peers);
    printf("\nTimeline (oldest first):\n");
    char *amount_before = NULL, *deadline_before = NULL;
    unsigned n = 0;
    bool borrowed = c->closed_with != NULL;
    for (guint i = 0; i < ec->timeline->len; i++) {
        const casedb_entry *e = g_ptr_array_index(ec->timeline, i);
        if (borrowed && e->received > c->closed_with_at) {
            show_borrowed_closure(++n, c);
            borrowed = false;
        }
        show_entry(++n, e, &amount_before, &deadline_before);
    }
    if (borrowed)
        show_borrowed_closure(++n, c);
    g_free(amount_before);
    g_free(deadline_before);
}

/* 0 ok, 2 usage error (message printed), -1 --help printed. */
static int show_parse(int argc, char **argv, show_opts *o)
{
    static const struct option longopts[] = {
        {"recipient", required_argument, NULL, 'r'},
        {"stale-days", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":r:jh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': o->recipient = optarg; break;
        case 'S':
            if (cliopt_stale_days("show", show_usage, optarg, &o->stale_days))
                return 2;
            break;
        case 'j': o->json = true; break;
        case 'h': fputs(show_usage, stdout); return -1;
        case ':':
            return cliopt_usage_error("show", show_usage, "option '%s' needs a value",
                                      argv[optind - 1]);
        default:
            return cliopt_usage_error("show", show_usage, "bad option '%s'", argv[optind - 1]);
        }
    }
    if (argc - optind != 1)
        return cliopt_usage_error("show", show_usage, "%s",
                                  optind < argc ? "one CASE only" : "which CASE?");
    o->key = argv[optind];
    return 0;
}

static void show_candidates(GPtrArray *matches, const char *key)
{
    char *k = show_clean(key);
    fprintf(stderr, "copytroll show: '%s' names %u cases; say which with its internal id "
            "(copytroll show '#N') or --recipient:\n", k, matches->len);
    for (guint i = 0; i < matches->len; i++) {
        const casedb_case *c = g_ptr_array_index(matches, i);
        char *id = show_clean(c->case_id ? c->case_id : "-"), *r = show_clean(c->recipient);
        fprintf(stderr, "  #%-5" G_GINT64_FORMAT " %-12s %-14s %-10s %s\n", c->rowid, c->agency,
                id, c->status, r);
        g_free(id);
        g_free(r);
    }
    g_free(k);
}

/* Exactly one case or an exit status (1 none, 2 ambiguous). */
static int show_pick(casedb *db, const show_opts *o, export_set **out, GError **err)
{
    casedb_filter f = {.recipient = o->recipient, .stale_days = o->stale_days};
    export_set *s = export_set_load(db, &f, o->key, false, err);
    if (!s)
        return 1;
    if (s->cases->len == 1) {
        *out = s;
        return 0;
    }
    if (s->cases->len == 0) {
        char *k = show_clean(o->key);
        fprintf(stderr, "copytroll show: no case '%s'%s (see copytroll cases)\n", k,
                o->recipient ? " for that recipient" : "");
        g_free(k);
    } else {
        GPtrArray *matches = g_ptr_array_new();
        for (guint i = 0; i < s->cases->len; i++)
            g_ptr_array_add(matches, ((export_case *)g_ptr_array_index(s->cases, i))->c);
        show_candidates(matches, o->key);
        g_ptr_array_unref(matches);
    }
    int rc = s->cases->len == 0 ? 1 : 2;
    export_set_free(s);
    return rc;
}

int cmd_show(const cli_ctx *ctx, int argc, char **argv)
{
    show_opts o = {.stale_days = ctx->config ? ctx->config->stale_days : 60};
    int rc = show_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    GError *err = NULL;
    casedb *db = cliopt_open_readonly(ctx, "show", &err);
    if (!db && !err)
        return 1;
    export_set *s = NULL;
    rc = db ? show_pick(db, &o, &s, &err) : 1;
    if (err) {
        fprintf(stderr, "copytroll show: %s\n", err->message);
        g_error_free(err);
    }
    if (s && o.json) {
        GString *j = g_string_new(NULL);
        export_json_case(j, g_ptr_array_index(s->cases, 0));
        printf("%s\n", j->str);
        g_string_free(j, TRUE);
    } else if (s) {
        const export_case *ec = g_ptr_array_index(s->cases, 0);
        casedb_filter f = {.recipient = ec->c->recipient, .stale_days = o.stale_days};
        /* Only for the other claims' status: without it, show still shows. */
        GPtrArray *peers = ec->c->duplicates->len ? casedb_list_cases(db, &f, NULL) : NULL;
        show_case(ec, peers);
        if (peers)
            g_ptr_array_unref(peers);
    }
    export_set_free(s);
    casedb_close(db);
    return rc;
}
