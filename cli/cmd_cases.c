/* copytroll cases [--recipient ADDR] [--status open|closed|stale|all]
 *                 [--stale-days N] [--json]
 * List the cases of the database (opened read-only): a table by default,
 * with --json one object per case per line (the fields of DESIGN.md).
 * --status defaults to all; --stale-days defaults to the config's StaleDays. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"
#include "export.h"
#include "jsonw.h"

static const char cases_usage[] =
    "usage: copytroll cases [--recipient ADDR] [--status open|closed|stale|all]\n"
    "                       [--stale-days N] [--json]\n";

typedef struct cases_opts {
    const char *recipient;
    const char *status;
    int stale_days;
    bool json;
} cases_opts;

static void cases_json_line(GString *out, const casedb_case *c)
{
    bool first = true;
    char *fs = export_time(c->first_seen, false), *ls = export_time(c->last_seen, false);
    g_string_append_c(out, '{');
    jsonw_key(out, &first, "recipient"); jsonw_str(out, c->recipient);
    jsonw_key(out, &first, "agency"); jsonw_str(out, c->agency);
    jsonw_key(out, &first, "case_id"); jsonw_str(out, c->case_id);
    jsonw_key(out, &first, "client"); jsonw_str(out, c->client);
    jsonw_key(out, &first, "status"); jsonw_str(out, c->status);
    jsonw_key(out, &first, "stale");
    g_string_append(out, c->stale ? "true" : "false");
    jsonw_key(out, &first, "reopened");
    g_string_append_printf(out, "%d", c->reopened);
    jsonw_key(out, &first, "first_seen"); jsonw_str(out, fs);
    jsonw_key(out, &first, "last_seen"); jsonw_str(out, ls);
    jsonw_key(out, &first, "messages");
    g_string_append_printf(out, "%d", c->messages);
    jsonw_key(out, &first, "amount"); jsonw_str(out, c->amount);
    jsonw_key(out, &first, "currency"); jsonw_str(out, c->currency);
    jsonw_key(out, &first, "deadline"); jsonw_str(out, c->deadline);
    jsonw_key(out, &first, "duplicates"); jsonw_str_array(out, c->duplicates);
    g_string_append_c(out, '}');
    g_free(fs);
    g_free(ls);
}

/* Values come from mail: valid UTF-8, no control characters on a terminal. */
static char *cases_cell(const char *s)
{
    if (!s || !*s)
        return g_strdup("-");
    char *v = g_utf8_make_valid(s, -1);
    for (char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    return v;
}

enum { COL_RCPT, COL_AGENCY, COL_CASE, COL_STATUS, COL_MSGS, COL_FIRST, COL_LAST,
       COL_AMOUNT, COL_DEADLINE, COL_DUPS, N_COLS };

static char **cases_row(const casedb_case *c)
{
    char **row = g_new0(char *, N_COLS + 1);
    char *amount = c->amount ? g_strdup_printf("%s %s", c->amount,
                                               c->currency ? c->currency : "") : NULL;
    GString *dups = g_string_new(NULL);
    for (guint i = 0; i < c->duplicates->len; i++)
        g_string_append_printf(dups, "%s%s", i ? "," : "",
                               (const char *)g_ptr_array_index(c->duplicates, i));
    char *status = g_strdup_printf("%s%s", c->status, c->stale ? " (stale)" : "");
    row[COL_RCPT] = cases_cell(c->recipient);
    row[COL_AGENCY] = cases_cell(c->agency);
    row[COL_CASE] = cases_cell(c->case_id);
    row[COL_STATUS] = status;
    row[COL_MSGS] = g_strdup_printf("%d", c->messages);
    row[COL_FIRST] = export_time(c->first_seen, true);
    row[COL_LAST] = export_time(c->last_seen, true);
    row[COL_AMOUNT] = cases_cell(amount);
    row[COL_DEADLINE] = cases_cell(c->deadline);
    row[COL_DUPS] = cases_cell(dups->str);
    g_free(amount);
    g_string_free(dups, TRUE);
    return row;
}

static void cases_print_row(char *const *row, const size_t *width)
{
    GString *line = g_string_new(NULL);
    for (int i = 0; i < N_COLS; i++) {
        g_string_append(line, row[i]);
        if (i == N_COLS - 1)
            break;
        for (size_t n = g_utf8_strlen(row[i], -1); n < width[i] + 2; n++)
            g_string_append_c(line, ' ');
    }
    printf("%s\n", line->str);
    g_string_free(line, TRUE);
}

static void cases_print_table(GPtrArray *cases)
{
    static char *const head[N_COLS + 1] = {
        "RECIPIENT", "AGENCY", "CASE", "STATUS", "MSGS", "FIRST", "LAST",
        "AMOUNT", "DEADLINE", "DUPLICATES", NULL,
    };
    if (cases->len == 0) {
        printf("no cases\n");
        return;
    }
    size_t width[N_COLS];
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (int i = 0; i < N_COLS; i++)
        width[i] = strlen(head[i]);
    for (guint r = 0; r < cases->len; r++) {
        char **row = cases_row(g_ptr_array_index(cases, r));
        for (int i = 0; i < N_COLS; i++)
            width[i] = MAX(width[i], (size_t)g_utf8_strlen(row[i], -1));
        g_ptr_array_add(rows, row);
    }
    cases_print_row(head, width);
    for (guint r = 0; r < rows->len; r++)
        cases_print_row(g_ptr_array_index(rows, r), width);
    g_ptr_array_unref(rows);
}

/* 0 ok, 2 usage error (message printed), -1 --help printed. */
static int cases_parse(int argc, char **argv, cases_opts *o)
{
    static const struct option longopts[] = {
        {"recipient", required_argument, NULL, 'r'},
        {"status", required_argument, NULL, 's'},
        {"stale-days", required_argument, NULL, 'S'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const statuses[] = {
        "open", "closed", "stale", "all", "reminded", "escalated", "paid", NULL,
    };
    int opt;
    optind = 0;   /* glibc: start afresh, argv[0] is the command name */
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:r:s:jh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r': o->recipient = optarg; break;
        case 's':
            if (!g_strv_contains(statuses, optarg)) {
                fprintf(stderr, "copytroll cases: bad --status '%s' (open, closed, stale, all, "
                        "reminded, escalated, paid)\n",
                        optarg);
                return 2;
            }
            o->status = optarg;
            break;
        case 'S':
            if (cliopt_stale_days("cases", cases_usage, optarg, &o->stale_days))
                return 2;
            break;
        case 'j': o->json = true; break;
        case 'h': fputs(cases_usage, stdout); return -1;
        case ':':
            return cliopt_usage_error("cases", cases_usage, "option '%s' needs a value",
                                      argv[optind - 1]);
        default:
            return cliopt_usage_error("cases", cases_usage, "bad option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cliopt_usage_error("cases", cases_usage, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_cases(const cli_ctx *ctx, int argc, char **argv)
{
    cases_opts o = {.status = "all", .stale_days = ctx->config ? ctx->config->stale_days : 60};
    int rc = cases_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    GError *err = NULL;
    casedb *db = cliopt_open_readonly(ctx, "cases", &err);
    if (!db && !err)
        return 1;
    casedb_filter f = {.recipient = o.recipient, .status = o.status, .stale_days = o.stale_days};
    GPtrArray *cases = db ? casedb_list_cases(db, &f, &err) : NULL;
    if (!cases) {
        fprintf(stderr, "copytroll cases: %s\n", err->message);
        g_error_free(err);
        casedb_close(db);
        return 1;
    }
    if (o.json) {
        GString *line = g_string_new(NULL);
        for (guint i = 0; i < cases->len; i++) {
            g_string_truncate(line, 0);
            cases_json_line(line, g_ptr_array_index(cases, i));
            printf("%s\n", line->str);
        }
        g_string_free(line, TRUE);
    } else {
        cases_print_table(cases);
    }
    g_ptr_array_unref(cases);
    casedb_close(db);
    return 0;
}
