/* copytroll purge [--days N] [--db FILE] [--dry-run]
 * Retention: remove the messages received more than N days ago (default
 * RetentionDays from the config; 0 keeps everything) and the cases left
 * empty.  Each purged message leaves its evidence-chain link as a
 * tombstone, so `copytroll verify` still passes (casedb.h, "Purge"). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"
#include "export.h"

static const char purge_usage[] = "usage: copytroll purge [--days N] [--db FILE] [--dry-run]\n";

typedef struct purge_opts {
    const char *db_path;
    int days;
    bool dry_run;
} purge_opts;

static int purge_parse(int argc, char **argv, purge_opts *o)
{
    static const struct option longopts[] = {
        {"days", required_argument, NULL, 'D'},
        {"db", required_argument, NULL, 'd'},
        {"dry-run", no_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:D:d:nh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'D':
            if (!cliopt_parse_days(optarg, &o->days)) {
                fprintf(stderr, "copytroll purge: bad --days '%s' (days, 0 to 36500)\n", optarg);
                return 2;
            }
            break;
        case 'd': o->db_path = optarg; break;
        case 'n': o->dry_run = true; break;
        case 'h': fputs(purge_usage, stdout); return -1;
        default:
            return cliopt_usage_error("purge", purge_usage, "bad option or missing value: '%s'",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cliopt_usage_error("purge", purge_usage, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_purge(const cli_ctx *ctx, int argc, char **argv)
{
    purge_opts o = {.db_path = ctx->db_path, .days = ctx->config->retention_days};
    int rc = purge_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!o.db_path) {
        fprintf(stderr, "copytroll purge: no database (use --db FILE, -d FILE or Database "
                "in the config)\n");
        return 1;
    }
    if (o.days == 0) {
        printf("retention is 0 days (keep forever): nothing purged; use --days N\n");
        return 0;
    }
    time_t before = time(NULL) - (time_t)o.days * 86400;
    GError *err = NULL;
    casedb_purge_result res;
    casedb *db = casedb_open(o.db_path, o.dry_run ? CASEDB_READONLY : 0,
                             ctx->config->database_timeout_ms, &err);
    bool ok = db && casedb_purge(db, before, o.dry_run, &res, &err);
    char *date = export_time(before, false);
    if (!ok) {
        fprintf(stderr, "copytroll purge: %s\n", err->message);
        if (db && !o.dry_run)
            fprintf(stderr, "copytroll purge: %" G_GINT64_FORMAT " messages were purged "
                    "before the failure\n", res.messages);
        g_error_free(err);
    } else {
        printf("%s %" G_GINT64_FORMAT " message%s received before %s, %s %" G_GINT64_FORMAT
               " empty case%s\n", o.dry_run ? "would purge" : "purged", res.messages,
               res.messages == 1 ? "" : "s", date, o.dry_run ? "would remove" : "removed",
               res.cases, res.cases == 1 ? "" : "s");
    }
    g_free(date);
    casedb_close(db);
    return ok ? 0 : 1;
}
