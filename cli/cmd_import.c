/* copytroll import --recipient ADDR [--recipient ADDR…] [--rules DIR] [--authserv-id LIST]
 *                  FILE|MBOX|MAILDIR…
 * copytroll import --spool [DIR] [--rules DIR] [--authserv-id LIST]
 * The first form scans past mail exactly as the milter would and archives
 * every claim and suspect for each recipient given (lib/mailbox_import.h:
 * a file holding one message, an mbox, a Maildir; received time, envelope
 * sender; a message already stored for a recipient counts as already
 * known, so importing a mailbox twice stores nothing twice).  The second
 * form drains SpoolDir (or DIR) into the database (lib/spool_drain.h).
 * Both trust the Authentication-Results of TrustedAuthservIDs, or of
 * --authserv-id: for a mailbox, the id of the MTA that delivered it.
 * Exit 0 when everything was read, 1 when a file, message or spool file
 * had a problem (named on stderr; the rest is still imported), 2 on a
 * usage error. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"
#include "mailbox_import.h"
#include "spool_drain.h"

static const char import_usage[] =
    "usage: copytroll import --recipient ADDR [--recipient ADDR…] [--rules DIR] "
    "[--authserv-id LIST] FILE|MBOX|MAILDIR…\n"
    "       copytroll import --spool [DIR] [--rules DIR] [--authserv-id LIST]\n";

typedef struct import_opts {
    GPtrArray *recipients;     /* const char*, borrowed from argv */
    const char *rules_dir;
    bool spool;
} import_opts;

typedef struct import_run {
    const import_opts *o;
    casedb *db;
    ruleset *rs;
    msgview_limits lim;
    const GPtrArray *trusted_ids;   /* TrustedAuthservIDs or --authserv-id */
} import_run;

static int import_parse(const cli_ctx *ctx, int argc, char **argv, import_opts *o)
{
    static const struct option longopts[] = {
        {"recipient", required_argument, NULL, 'r'},
        {"rules", required_argument, NULL, 'R'},
        {"spool", no_argument, NULL, 's'},
        {"authserv-id", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:r:R:sa:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'r':
            if (!*optarg || !strchr(optarg, '@')) {
                fprintf(stderr, "copytroll import: bad --recipient '%s' (an address)\n", optarg);
                return 2;
            }
            g_ptr_array_add(o->recipients, optarg);
            break;
        case 'R': o->rules_dir = optarg; break;
        case 's': o->spool = true; break;
        case 'a':
            if (cliopt_authserv_ids(ctx, "import", import_usage, optarg) != 0)
                return 2;
            break;
        case 'h': fputs(import_usage, stdout); return -1;
        default:
            return cliopt_usage_error("import", import_usage, "bad option or missing value: '%s'",
                                      argv[optind - 1]);
        }
    }
    const char *why = NULL;
    if (o->spool && o->recipients->len)
        why = "--spool takes the recipients from the spool files, not --recipient";
    else if (o->spool && argc - optind > 1)
        why = "--spool takes at most one directory";
    else if (!o->spool && !o->recipients->len)
        why = "--recipient ADDR is needed (whose mail this is)";
    else if (!o->spool && optind >= argc)
        why = "no FILE, MBOX or MAILDIR to import";
    if (why)
        return cliopt_usage_error("import", import_usage, "%s", why);
    return 0;
}

static void import_report(const char *source, const char *recipient, const verdict *v,
                          const casedb_result *res, const GError *error, void *data)
{
    (void)data;
    if (error) {
        if (recipient)
            fprintf(stderr, "copytroll import: %s (%s): %s\n", source, recipient,
                    error->message);
        else
            fprintf(stderr, "copytroll import: %s\n", error->message);
        return;
    }
    printf("%s: %s agency=%s kind=%s", source, verdict_name(v->verdict),
           v->agency ? v->agency : "unknown", verdict_kind_name(v->kind));
    if (v->case_id)
        printf(" case=%s", v->case_id);
    printf(" -> %s: %s%s%s\n", recipient, res->already_stored ? "already known" : "stored",
           res->new_case ? ", new case" : "", res->reopened ? ", case reopened" : "");
}

static void import_note(const char *msg, void *data)
{
    (void)data;
    fprintf(stderr, "copytroll import: %s\n", msg);
}

static int import_spool(import_run *r, const char *dir)
{
    spool_drain_stats st;
    GError *err = NULL;
    bool ok = spool_drain(dir, r->db, r->rs, &r->lim, r->trusted_ids, import_note, NULL, &st, &err);
    if (!ok) {
        fprintf(stderr, "copytroll import: %s\n", err->message);
        g_error_free(err);
    }
    printf("spool %s: files: %u, drained: %u, recorded: %u, already known: %u, set aside: %u\n",
           dir, st.files, st.drained, st.recorded, st.already, st.set_aside);
    return ok && st.set_aside == 0 ? 0 : 1;
}

static int import_files(import_run *r, int argc, char **argv)
{
    mailbox_import imp = {
        .db = r->db, .rs = r->rs, .lim = &r->lim, .recipients = r->o->recipients,
        .trusted_authserv_ids = r->trusted_ids, .report = import_report,
    };
    for (int i = optind; i < argc; i++) {
        GError *err = NULL;
        if (!mailbox_import_path(&imp, argv[i], &err)) {
            fprintf(stderr, "copytroll import: %s\n", err->message);
            g_error_free(err);
        }
    }
    const mailbox_import_stats *st = &imp.stats;
    printf("messages read: %u, claims: %u, suspects: %u, not claims: %u, stored: %u, "
           "already known: %u, errors: %u\n", st->read, st->claims, st->suspects, st->others,
           st->stored, st->already, st->errors);
    return st->errors ? 1 : 0;
}

static int import_run_all(const cli_ctx *ctx, const import_opts *o, int argc, char **argv)
{
    import_run r = {.o = o, .trusted_ids = ctx->config->trusted_authserv_ids};
    GError *err = NULL;
    r.rs = rules_load_dir(o->rules_dir, &err);
    if (r.rs)
        r.db = casedb_open(ctx->db_path, 0, ctx->config->database_timeout_ms, &err);
    if (!r.db) {
        fprintf(stderr, "copytroll import: %s\n", err->message);
        g_error_free(err);
        if (r.rs)
            rules_unref(r.rs);
        return 1;
    }
    msgview_limits_default(&r.lim);
    r.lim.max_scan_bytes = ctx->config->max_scan_bytes;
    const char *spool_dir = optind < argc ? argv[optind] : ctx->config->spool_dir;
    int rc = o->spool ? import_spool(&r, spool_dir) : import_files(&r, argc, argv);
    casedb_close(r.db);
    rules_unref(r.rs);
    return rc;
}

int cmd_import(const cli_ctx *ctx, int argc, char **argv)
{
    import_opts o = {.recipients = g_ptr_array_new(), .rules_dir = ctx->config->rules_dir};
    int rc = import_parse(ctx, argc, argv, &o);
    if (rc == 0 && !ctx->db_path) {
        fprintf(stderr, "copytroll import: no database (use -d FILE or Database in the "
                "config)\n");
        rc = 1;
    }
    if (rc == 0 && o.spool && !(optind < argc) && !ctx->config->spool_dir) {
        fprintf(stderr, "copytroll import: no spool directory (give DIR or SpoolDir in the "
                "config)\n");
        rc = 1;
    }
    if (rc == 0)
        rc = import_run_all(ctx, &o, argc, argv);
    g_ptr_array_unref(o.recipients);
    return rc < 0 ? 0 : rc;
}
