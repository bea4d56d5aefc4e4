/* copytroll export --format csv|json|mbox|html|ics [--recipient ADDR]
 *                  [--case CASE] [--anonymize] [--anonymize-name NAME]...
 *                  [--stale-days N] [-o FILE]
 * Write the cases (and their messages) for a lawyer, a spreadsheet, a
 * calendar or a claims-collection project; the writers are in
 * lib/export_*.c.  The database is opened read-only.  Output goes to
 * stdout or, with -o, to FILE (created 0600: it holds personal data).
 * html is one page per recipient: several recipients need -o DIRECTORY,
 * which gets one RECIPIENT.html each (a name that cannot leave the
 * directory, see export_file_name()). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"
#include "export.h"

static const char export_usage[] =
    "usage: copytroll export --format csv|json|mbox|html|ics [--recipient ADDR]\n"
    "                        [--case CASE] [--anonymize] [--anonymize-name NAME]...\n"
    "                        [--stale-days N] [-o FILE|DIR]\n"
    "  --anonymize        replace the recipients' addresses, domains and the names\n"
    "                     their mail was addressed to, in every format\n"
    "  --anonymize-name NAME  also remove NAME (and each of its words); implies\n"
    "                     --anonymize; repeat for several names\n";

typedef struct export_opts {
    const char *format, *recipient, *case_key, *output;
    bool anonymize;
    int stale_days;
    GPtrArray *names;        /* --anonymize-name, NULL-terminated; borrowed argv */
} export_opts;

/* 0 ok, 2 usage error (message printed), -1 --help printed. */
static int export_parse(int argc, char **argv, export_opts *o)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"recipient", required_argument, NULL, 'r'},
        {"case", required_argument, NULL, 'C'},
        {"anonymize", no_argument, NULL, 'a'},
        {"anonymise", no_argument, NULL, 'a'},
        {"anonymize-name", required_argument, NULL, 'N'},
        {"stale-days", required_argument, NULL, 'S'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const formats[] = { "csv", "json", "mbox", "html", "ics", NULL };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:f:r:o:ah", longopts, NULL)) != -1) {
        switch (opt) {
        case 'f':
            if (!g_strv_contains(formats, optarg))
                return cliopt_usage_error("export", export_usage,
                                          "bad --format '%s' (csv, json, mbox, html, ics)", optarg);
            o->format = optarg;
            break;
        case 'r': o->recipient = optarg; break;
        case 'C': o->case_key = optarg; break;
        case 'a': o->anonymize = true; break;
        case 'N':
            o->anonymize = true;
            g_ptr_array_insert(o->names, (gint)o->names->len - 1, optarg);
            break;
        case 'o': o->output = optarg; break;
        case 'S':
            if (cliopt_stale_days("export", export_usage, optarg, &o->stale_days))
                return 2;
            break;
        case 'h': fputs(export_usage, stdout); return -1;
        case ':': return cliopt_usage_error("export", export_usage,
                                            "option '%s' needs a value", argv[optind - 1]);
        default: return cliopt_usage_error("export", export_usage,
                                           "bad option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cliopt_usage_error("export", export_usage, "unexpected argument '%s'", argv[optind]);
    if (!o->format)
        return cliopt_usage_error("export", export_usage,
                                  "%s", "which --format? (csv, json, mbox, html, ics)");
    return 0;
}

static bool export_write(const char *path, const GString *data)
{
    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(data->str, 1, data->len, stdout) == data->len && fflush(stdout) == 0)
            return true;
        fprintf(stderr, "copytroll export: cannot write to stdout: %s\n", g_strerror(errno));
        return false;
    }
    GError *err = NULL;
    if (g_file_set_contents_full(path, data->str, (gssize)data->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT, 0600, &err))
        return true;
    fprintf(stderr, "copytroll export: %s\n", err->message);
    g_error_free(err);
    return false;
}

/* html: one page per recipient; into a directory when there are several. */
static int export_html_pages(const export_set *s, const export_opts *o)
{
    GPtrArray *rcpts = export_recipients(s);
    bool to_dir = o->output && g_file_test(o->output, G_FILE_TEST_IS_DIR);
    int rc = 0;
    if (rcpts->len == 0)
        g_ptr_array_add(rcpts, g_strdup(o->recipient ? o->recipient : "nobody"));
    if (rcpts->len > 1 && !to_dir) {
        fprintf(stderr, "copytroll export: %u recipients: html is one page per recipient; "
                "use --recipient ADDR or -o DIRECTORY\n", rcpts->len);
        g_ptr_array_unref(rcpts);
        return 2;
    }
    for (guint i = 0; i < rcpts->len && rc == 0; i++) {
        const char *r = g_ptr_array_index(rcpts, i);
        GString *page = g_string_new(NULL);
        export_html(page, s, r, time(NULL));
        char *name = to_dir ? export_file_name(r) : NULL;
        char *file = name ? g_strconcat(name, ".html", NULL) : NULL;
        char *path = file ? g_build_filename(o->output, file, NULL) : g_strdup(o->output);
        if (!export_write(path, page))
            rc = 1;
        else if (to_dir)
            fprintf(stderr, "copytroll export: wrote %s\n", path);
        g_string_free(page, TRUE);
        g_free(name);
        g_free(file);
        g_free(path);
    }
    g_ptr_array_unref(rcpts);
    return rc;
}

static int export_run(const export_set *s, const export_opts *o)
{
    if (strcmp(o->format, "html") == 0)
        return export_html_pages(s, o);
    GString *out = g_string_new(NULL);
    unsigned skipped = 0;
    if (strcmp(o->format, "csv") == 0)
        export_csv(out, s);
    else if (strcmp(o->format, "json") == 0)
        export_json(out, s);
    else if (strcmp(o->format, "ics") == 0)
        export_ics(out, s);
    else
        skipped = export_mbox(out, s);
    if (skipped)
        fprintf(stderr, "copytroll export: %u message(s) without their raw bytes, not in "
                "the mbox\n", skipped);
    int rc = export_write(o->output, out) ? 0 : 1;
    g_string_free(out, TRUE);
    return rc;
}

/* --case must name exactly one case (1 none, 2 ambiguous). */
static int export_check_case(const export_set *s, const char *key)
{
    if (!key || s->cases->len == 1)
        return 0;
    fprintf(stderr, "copytroll export: %s case '%s'%s\n", s->cases->len ? "more than one" : "no",
            key, s->cases->len ? "; see copytroll show for the candidates" : "");
    return s->cases->len ? 2 : 1;
}

int cmd_export(const cli_ctx *ctx, int argc, char **argv)
{
    export_opts o = {.stale_days = ctx->config ? ctx->config->stale_days : 60,
                     .names = g_ptr_array_new()};
    g_ptr_array_add(o.names, NULL);
    int rc = export_parse(argc, argv, &o);
    if (rc) {
        g_ptr_array_unref(o.names);
        return rc < 0 ? 0 : rc;
    }
    GError *err = NULL;
    casedb *db = cliopt_open_readonly(ctx, "export", &err);
    if (!db && !err) {
        g_ptr_array_unref(o.names);
        return 1;
    }
    casedb_filter f = {.recipient = o.recipient, .stale_days = o.stale_days};
    bool with_raw = o.anonymize || strcmp(o.format, "mbox") == 0;
    export_set *s = db ? export_set_load(db, &f, o.case_key, with_raw, &err) : NULL;
    casedb_close(db);
    if (!s) {
        fprintf(stderr, "copytroll export: %s\n", err->message);
        g_error_free(err);
        g_ptr_array_unref(o.names);
        return 1;
    }
    rc = export_check_case(s, o.case_key);
    if (rc == 0 && o.anonymize)
        export_anonymize_names(s, (const char *const *)o.names->pdata);
    if (rc == 0)
        rc = export_run(s, &o);
    export_set_free(s);
    g_ptr_array_unref(o.names);
    return rc;
}
