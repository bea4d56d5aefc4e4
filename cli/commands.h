/* commands — the subcommands of `copytroll`, one file each (cli/cmd_*.c).
 *
 * Every command gets the global options already parsed (cli_ctx) and its
 * own argv (argv[0] is the subcommand name).  It returns the process exit
 * status: 0 ok, 1 a problem with the data (unreadable file, bad database),
 * 2 a usage error.  Errors go to stderr as "copytroll CMD: why".
 */
#ifndef CT_CLI_COMMANDS_H
#define CT_CLI_COMMANDS_H

#include "config.h"

typedef struct cli_ctx {
    const char *config_path;   /* -c, or the default path */
    ct_config *config;         /* loaded config (defaults when no file) */
    const char *db_path;       /* -d, else config Database */
} cli_ctx;

int cmd_scan(const cli_ctx *ctx, int argc, char **argv);
int cmd_cases(const cli_ctx *ctx, int argc, char **argv);
int cmd_rules(const cli_ctx *ctx, int argc, char **argv);
int cmd_show(const cli_ctx *ctx, int argc, char **argv);
int cmd_export(const cli_ctx *ctx, int argc, char **argv);
int cmd_import(const cli_ctx *ctx, int argc, char **argv);
int cmd_verify(const cli_ctx *ctx, int argc, char **argv);
int cmd_purge(const cli_ctx *ctx, int argc, char **argv);
int cmd_stats(const cli_ctx *ctx, int argc, char **argv);

#endif
