/* cliopt — option helpers shared by the subcommands; see cliopt.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cliopt.h"

bool cliopt_parse_days(const char *s, int *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > 36500)
        return false;
    *out = (int)v;
    return true;
}

int cliopt_stale_days(const char *cmd, const char *usage, const char *arg, int *days)
{
    if (cliopt_parse_days(arg, days))
        return 0;
    return cliopt_usage_error(cmd, usage, "bad --stale-days '%s' (days, 0 to 36500)", arg);
}

int cliopt_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "copytroll %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fputs(usage, stderr);
    return 2;
}

int cliopt_authserv_ids(const cli_ctx *ctx, const char *cmd, const char *usage, const char *arg)
{
    GPtrArray *ids = NULL;
    const char *why = config_parse_authserv_ids(arg, &ids);
    if (why)
        return cliopt_usage_error(cmd, usage, "bad --authserv-id '%s': %s", arg, why);
    g_ptr_array_unref(ctx->config->trusted_authserv_ids);
    ctx->config->trusted_authserv_ids = ids;
    return 0;
}

casedb *cliopt_open_readonly(const cli_ctx *ctx, const char *cmd, GError **err)
{
    if (!ctx->db_path) {
        fprintf(stderr, "copytroll %s: no database (use -d FILE or Database in the config)\n",
                cmd);
        return NULL;
    }
    int timeout = ctx->config ? ctx->config->database_timeout_ms : 2000;
    return casedb_open(ctx->db_path, CASEDB_READONLY, timeout, err);
}
