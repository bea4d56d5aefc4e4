/* copytroll — the command-line tool: scan mail offline, read and export the
 * case database.  Global options come before the subcommand:
 *   copytroll [-c FILE] [-d DB] SUBCOMMAND [ARGS…]
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"

typedef struct command {
    const char *name;
    int (*run)(const cli_ctx *, int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"scan", cmd_scan, "scan [--json|--dump] FILE…   classify messages as the milter would"},
    {"cases", cmd_cases, "cases [--recipient ADDR] [--status S] [--json]   list cases"},
    {"show", cmd_show, "show CASE [--recipient ADDR] [--json]   one case and its timeline"},
    {"export", cmd_export, "export --format csv|json|mbox|html|ics [--case CASE] [--anonymize] [-o FILE]"},
    {"rules", cmd_rules, "rules lint [DIR]   check rule files (file:line: why)"},
    {"import", cmd_import, "import --recipient ADDR FILE|MBOX|MAILDIR… | import --spool [DIR]   archive past mail; drain the spool"},
    {"verify", cmd_verify, "verify [--db FILE]   check every stored hash and the evidence chain"},
    {"purge", cmd_purge, "purge [--days N] [--db FILE] [--dry-run]   remove old messages (retention)"},
    {"stats", cmd_stats, "stats [--db FILE] [--status-file FILE] [--json]   database counts and the running milter's counters"},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: copytroll [-c CONFIG] [-d DATABASE] COMMAND [ARGS…]\n\ncommands:\n");
    for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
        fprintf(out, "  %s\n", commands[i].summary);
    fprintf(out, "  help [COMMAND]   this text, or the command's own\n"
                 "\n  -c CONFIG    configuration file (default %s)\n"
                 "  -d DATABASE  case database (default: Database from the configuration)\n"
                 "  -h, --help   this text\n"
                 "  -V, --version  print the version\n"
                 "\nSee copytroll(1).\n", CT_DEFAULT_CONFIG);
}

static const command *find_command(const char *name)
{
    for (unsigned i = 0; i < G_N_ELEMENTS(commands); i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

/* copytroll help [COMMAND]: needs no configuration. */
static int help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    const command *c = find_command(argv[1]);
    if (!c || argc > 2) {
        fprintf(stderr, "copytroll help: %s '%s'\n", c ? "one command at a time, not" : "unknown command",
                c ? argv[2] : argv[1]);
        usage(stderr);
        return 2;
    }
    ct_config *config = config_defaults();
    cli_ctx ctx = {CT_DEFAULT_CONFIG, config, config->database};
    char *sub[] = {argv[1], (char *)"--help", NULL};
    optind = 0;
    int rc = c->run(&ctx, 2, sub);
    config_free(config);
    return rc;
}

/* The default config may be absent on a machine where only the CLI is
 * used; an explicitly named one must exist. */
static ct_config *load_config(const char *path, bool explicit_path)
{
    if (!explicit_path && access(path, F_OK) != 0)
        return config_defaults();
    GError *err = NULL;
    ct_config *c = config_load(path, &err);
    if (!c) {
        fprintf(stderr, "copytroll: %s\n", err->message);
        g_error_free(err);
    }
    return c;
}

int main(int argc, char **argv)
{
    const char *config_path = CT_DEFAULT_CONFIG, *db_path = NULL;
    bool explicit_config = false;
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    while ((opt = getopt_long(argc, argv, "+c:d:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'c': config_path = optarg; explicit_config = true; break;
        case 'd': db_path = optarg; break;
        case 'V': printf("copytroll %s\n", CT_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    const char *name = argv[optind];
    if (strcmp(name, "help") == 0)
        return help(argc - optind, argv + optind);
    const command *c = find_command(name);
    if (!c) {
        fprintf(stderr, "copytroll: unknown command '%s'\n", name);
        usage(stderr);
        return 2;
    }
    ct_config *config = load_config(config_path, explicit_config);
    if (!config)
        return 1;
    cli_ctx ctx = {config_path, config, db_path ? db_path : config->database};
    int sub = optind;
    optind = 0;  /* glibc: re-initialise getopt for the command's own options */
    int rc = c->run(&ctx, argc - sub, argv + sub);
    config_free(config);
    return rc;
}
