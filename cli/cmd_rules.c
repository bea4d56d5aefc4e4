/* copytroll rules lint [DIR] — load the rule files as the milter would and
 * report the first problem as file:line: why (exit 1), or a summary. */
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "rules.h"

int cmd_rules(const cli_ctx *ctx, int argc, char **argv)
{
    static const char usage[] = "usage: copytroll rules lint [DIR]\n";
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage, stdout);
        return 0;
    }
    if (argc < 2 || strcmp(argv[1], "lint") != 0 || argc > 3) {
        fputs(usage, stderr);
        return 2;
    }
    const char *dir = argc == 3 ? argv[2] : ctx->config->rules_dir;
    GError *err = NULL;
    ruleset *rs = rules_load_dir(dir, &err);
    if (!rs) {
        fprintf(stderr, "%s\n", err->message);
        g_error_free(err);
        return 1;
    }
    printf("%s: %u rules, %u agencies, ok\n", dir, rules_count(rs), rules_agency_count(rs));
    rules_unref(rs);
    return 0;
}
