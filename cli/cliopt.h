/* cliopt — option helpers shared by the `copytroll` subcommands.
 *
 * Provides the day-count parser used by --days/--stale-days, the usage-error
 * printer ("copytroll CMD: why" then the usage text, both on stderr), the
 * --authserv-id option of scan and import, and the read-only opening of the
 * case database named by -d/Database.
 * Ownership: nothing is kept; strings passed in stay the caller's; the
 * casedb returned by cliopt_open_readonly() is the caller's (casedb_close).
 * Errors: cliopt_usage_error() returns 2, the usage-error exit status;
 * cliopt_open_readonly() prints "no database" and returns NULL without
 * setting *err when there is no path, else passes casedb_open()'s error.
 */
#ifndef CT_CLI_CLIOPT_H
#define CT_CLI_CLIOPT_H

#include <stdbool.h>

#include "casedb.h"
#include "commands.h"

/* Parses a whole decimal number of days, 0 to 36500, into *out; false (and
 * *out untouched) on anything else. */
bool cliopt_parse_days(const char *s, int *out);

/* --stale-days ARG: 0 with *days set, or a usage error (2) naming ARG. */
int cliopt_stale_days(const char *cmd, const char *usage, const char *arg, int *days);

/* Prints "copytroll CMD: " + the formatted message + "\n", then usage, to
 * stderr; returns 2. */
int cliopt_usage_error(const char *cmd, const char *usage, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* --authserv-id LIST (TrustedAuthservIDs syntax, config.h): replaces the
 * config's list for this run.  0, or a usage error (2) naming the problem. */
int cliopt_authserv_ids(const cli_ctx *ctx, const char *cmd, const char *usage, const char *arg);

/* Opens ctx->db_path read-only with the configured busy timeout (2000 ms
 * without a config).  Without a path prints "copytroll CMD: no database
 * (use -d FILE or Database in the config)" and returns NULL, *err unset. */
casedb *cliopt_open_readonly(const cli_ctx *ctx, const char *cmd, GError **err);

#endif
