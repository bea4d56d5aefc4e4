/* copytroll verify [--db FILE]
 * Re-hash every stored message and walk the evidence chain (casedb.h,
 * "Verify"), on a read-only handle.  Exit 0 with a one-line summary, 1
 * naming the first bad record (or when the database cannot be read), 2 on
 * a usage error. */
#include <getopt.h>
#include <stdio.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"

static const char verify_usage[] = "usage: copytroll verify [--db FILE]\n";

static int verify_parse(int argc, char **argv, const char **db_path)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:d:h", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': *db_path = optarg; break;
        case 'h': fputs(verify_usage, stdout); return -1;
        default:
            return cliopt_usage_error("verify", verify_usage, "bad option or missing value: '%s'",
                                      argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cliopt_usage_error("verify", verify_usage, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cmd_verify(const cli_ctx *ctx, int argc, char **argv)
{
    const char *db_path = ctx->db_path;
    int rc = verify_parse(argc, argv, &db_path);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (!db_path) {
        fprintf(stderr, "copytroll verify: no database (use --db FILE, -d FILE or Database "
                "in the config)\n");
        return 1;
    }
    GError *err = NULL;
    casedb_verify_result res;
    casedb *db = casedb_open(db_path, CASEDB_READONLY, ctx->config->database_timeout_ms, &err);
    if (!db || !casedb_verify(db, &res, &err)) {
        fprintf(stderr, "copytroll verify: %s\n", err->message);
        g_error_free(err);
        casedb_close(db);
        return 1;
    }
    if (res.ok) {
        printf("%" G_GINT64_FORMAT " message%s, chain intact", res.messages,
               res.messages == 1 ? "" : "s");
        if (res.purged)
            printf(" (and %" G_GINT64_FORMAT " purged, chain link%s kept)", res.purged,
                   res.purged == 1 ? "" : "s");
        printf("; head %s\n", res.head);
    } else {
        fprintf(stderr, "copytroll verify: %s: %s\n", db_path, res.problem);
        fprintf(stderr, "copytroll verify: %" G_GINT64_FORMAT " links checked good before "
                "it\n", res.messages + res.purged);
    }
    rc = res.ok ? 0 : 1;
    casedb_verify_result_clear(&res);
    casedb_close(db);
    return rc;
}
