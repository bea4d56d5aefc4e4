/* copytroll scan [--json] [--dump] [--rules DIR] [--authserv-id LIST] FILE…
 * Classify each file exactly as the milter would.  A file that cannot be
 * read is reported on stderr, the others are still scanned, and the exit
 * status is 1.  Authentication-Results headers count when their
 * authserv-id is in TrustedAuthservIDs, or in --authserv-id (the MTA that
 * delivered the file: a file has no envelope, and may come from another
 * host than the config's). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cliopt.h"
#include "commands.h"
#include "scan.h"

static void print_human(const char *file, const verdict *v)
{
    printf("%s: %s", file, verdict_name(v->verdict));
    if (v->verdict != CT_VERDICT_NONE) {
        printf(" agency=%s kind=%s", v->agency, verdict_kind_name(v->kind));
        if (v->reason)
            printf(" reason=%s", v->reason);
        if (v->case_id)
            printf(" case=%s", v->case_id);
        if (v->amount)
            printf(" amount=%s %s", v->amount, v->currency ? v->currency : "");
        if (v->deadline)
            printf(" deadline=%s", v->deadline);
    }
    printf(" score=%.1f\n", v->score);
}

static int scan_file(const ruleset *rs, const msgview_limits *lim, const rules_env *env,
                     const char *file, bool json, bool dump)
{
    gchar *raw;
    gsize len;
    GError *err = NULL;
    if (!g_file_get_contents(file, &raw, &len, &err)) {
        fprintf(stderr, "copytroll scan: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    msgview *view = NULL;
    verdict *v = scan_message(rs, raw, len, lim, env, dump ? &view : NULL);
    if (dump) {
        printf("==> %s\n", file);
        msgview_dump(view, stdout);
    }
    if (json) {
        GString *line = g_string_new(NULL);
        scan_verdict_json(line, file, v);
        printf("%s\n", line->str);
        g_string_free(line, TRUE);
    } else {
        print_human(file, v);
    }
    verdict_free(v);
    msgview_free(view);
    g_free(raw);
    return 0;
}

int cmd_scan(const cli_ctx *ctx, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},
        {"dump", no_argument, NULL, 'D'},
        {"rules", required_argument, NULL, 'r'},
        {"authserv-id", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char usage[] =
        "usage: copytroll scan [--json] [--dump] [--rules DIR] [--authserv-id LIST] FILE…\n";
    bool json = false, dump = false;
    const char *rules_dir = ctx->config->rules_dir;
    int opt;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case 'j': json = true; break;
        case 'D': dump = true; break;
        case 'r': rules_dir = optarg; break;
        case 'a':
            if (cliopt_authserv_ids(ctx, "scan", usage, optarg) != 0)
                return 2;
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 2;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return 2;
    }
    GError *err = NULL;
    ruleset *rs = rules_load_dir(rules_dir, &err);
    if (!rs) {
        fprintf(stderr, "copytroll scan: %s\n", err->message);
        g_error_free(err);
        return 1;
    }
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_scan_bytes = ctx->config->max_scan_bytes;
    rules_env env = {.trusted_authserv_ids = ctx->config->trusted_authserv_ids};
    int rc = 0;
    for (int i = optind; i < argc; i++)
        if (scan_file(rs, &lim, &env, argv[i], json, dump) != 0)
            rc = 1;
    rules_unref(rs);
    return rc;
}
