/* copytroll stats [--db FILE] [--status-file FILE] [--json]
 * Counts from the case database (cases per agency and status, messages per
 * kind and month; opened read-only) and the running milter's counters from
 * its status file (StatusFile; see config_status_path()).  Either part may
 * be missing (no claim recorded yet, milter not running): it is reported
 * and the other still shown; the exit status is 1 only when neither could
 * be read.  --json prints one object: {"database":{…}|null,"milter":{…}|null}. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "casedb.h"
#include "cliopt.h"
#include "commands.h"
#include "jsonw.h"
#include "statusfile.h"

static const char stats_usage[] =
    "usage: copytroll stats [--db FILE] [--status-file FILE] [--json]\n";

typedef struct stats_opts {
    const char *db_path, *status_path;
    bool json;
} stats_opts;

static char *stats_time(time_t t)
{
    if (t <= 0)
        return NULL;
    GDateTime *dt = g_date_time_new_from_unix_utc((gint64)t);
    if (!dt)
        return NULL;
    char *s = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(dt);
    return s;
}

/* Is the milter that wrote the status file still running? */
static bool stats_pid_alive(int64_t pid)
{
    return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

/* ---------------------------------------------------------------- text */

static void stats_text_group(const char *title, GPtrArray *rows)
{
    printf("  %-10s", title);
    if (rows->len == 0)
        printf(" -");
    for (guint i = 0; i < rows->len; i++) {
        const casedb_count *c = g_ptr_array_index(rows, i);
        printf("%s %s %" G_GINT64_FORMAT, i ? "," : "", c->key, (gint64)c->count);
    }
    printf("\n");
}

static void stats_text_db(const char *path, const casedb_stats *s)
{
    printf("Database %s\n", path);
    printf("  cases %" G_GINT64_FORMAT ", messages %" G_GINT64_FORMAT " (claims %" G_GINT64_FORMAT
           ", suspects %" G_GINT64_FORMAT "), recipients %" G_GINT64_FORMAT "\n",
           (gint64)s->cases, (gint64)s->messages, (gint64)s->claims, (gint64)s->suspects,
           (gint64)s->recipients);
    char *first = stats_time(s->first_received), *last = stats_time(s->last_received);
    if (first)
        printf("  received   %s .. %s\n", first, last);
    g_free(first);
    g_free(last);
    stats_text_group("agency", s->by_agency);
    stats_text_group("status", s->by_status);
    stats_text_group("kind", s->by_kind);
    stats_text_group("month", s->by_month);
}

static void stats_text_milter(const char *path, const ct_status *st)
{
    char *started = stats_time((time_t)st->started), *updated = stats_time((time_t)st->updated);
    printf("Milter (status file %s)\n", path);
    printf("  pid %" G_GINT64_FORMAT " %s, started %s, updated %s\n", (gint64)st->pid,
           stats_pid_alive(st->pid) ? "running" : "not running", started ? started : "?",
           updated ? updated : "?");
    printf("  messages %" G_GUINT64_FORMAT ", claims %" G_GUINT64_FORMAT ", suspects %"
           G_GUINT64_FORMAT ", errors %" G_GUINT64_FORMAT ", spooled %" G_GUINT64_FORMAT "\n",
           (guint64)st->messages, (guint64)st->claims, (guint64)st->suspects,
           (guint64)st->errors, (guint64)st->spooled);
    printf("  rule match-limit hits %" G_GUINT64_FORMAT ", reloads %" G_GUINT64_FORMAT
           " (%" G_GUINT64_FORMAT " failed)\n",
           (guint64)st->match_limit_hits, (guint64)st->reloads, (guint64)st->reload_failures);
    printf("  scan time  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n", st->scan_ms_p50,
           st->scan_ms_p90, st->scan_ms_p99);
    g_free(started);
    g_free(updated);
}

/* ---------------------------------------------------------------- JSON */

static void stats_json_group(GString *out, bool *first, const char *key, GPtrArray *rows)
{
    bool inner = true;
    jsonw_key(out, first, key);
    g_string_append_c(out, '{');
    for (guint i = 0; i < rows->len; i++) {
        const casedb_count *c = g_ptr_array_index(rows, i);
        jsonw_key(out, &inner, c->key);
        g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)c->count);
    }
    g_string_append_c(out, '}');
}

static void stats_json_int(GString *out, bool *first, const char *key, int64_t v)
{
    jsonw_key(out, first, key);
    g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)v);
}

static void stats_json_time(GString *out, bool *first, const char *key, time_t t)
{
    char *s = stats_time(t);
    jsonw_key(out, first, key);
    jsonw_str(out, s);
    g_free(s);
}

static void stats_json_db(GString *out, const char *path, const casedb_stats *s)
{
    bool first = true;
    g_string_append_c(out, '{');
    jsonw_key(out, &first, "path");
    jsonw_str(out, path);
    stats_json_int(out, &first, "cases", s->cases);
    stats_json_int(out, &first, "messages", s->messages);
    stats_json_int(out, &first, "claims", s->claims);
    stats_json_int(out, &first, "suspects", s->suspects);
    stats_json_int(out, &first, "recipients", s->recipients);
    stats_json_time(out, &first, "first_received", s->first_received);
    stats_json_time(out, &first, "last_received", s->last_received);
    stats_json_group(out, &first, "by_agency", s->by_agency);
    stats_json_group(out, &first, "by_status", s->by_status);
    stats_json_group(out, &first, "by_kind", s->by_kind);
    stats_json_group(out, &first, "by_month", s->by_month);
    g_string_append_c(out, '}');
}

static void stats_json_milter(GString *out, const char *path, const ct_status *st)
{
    bool first = true;
    g_string_append_c(out, '{');
    jsonw_key(out, &first, "status_file");
    jsonw_str(out, path);
    stats_json_int(out, &first, "pid", st->pid);
    jsonw_key(out, &first, "running");
    g_string_append(out, stats_pid_alive(st->pid) ? "true" : "false");
    stats_json_time(out, &first, "started", (time_t)st->started);
    stats_json_time(out, &first, "updated", (time_t)st->updated);
    stats_json_int(out, &first, "messages", (int64_t)st->messages);
    stats_json_int(out, &first, "claims", (int64_t)st->claims);
    stats_json_int(out, &first, "suspects", (int64_t)st->suspects);
    stats_json_int(out, &first, "errors", (int64_t)st->errors);
    stats_json_int(out, &first, "spooled", (int64_t)st->spooled);
    stats_json_int(out, &first, "match_limit_hits", (int64_t)st->match_limit_hits);
    stats_json_int(out, &first, "reloads", (int64_t)st->reloads);
    stats_json_int(out, &first, "reload_failures", (int64_t)st->reload_failures);
    jsonw_key(out, &first, "scan_ms");
    g_string_append_printf(out, "{\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f}", st->scan_ms_p50,
                           st->scan_ms_p90, st->scan_ms_p99);
    g_string_append_c(out, '}');
}

/* ---------------------------------------------------------------- main */

/* 0 ok, 2 usage error (message printed), -1 --help printed. */
static int stats_parse(int argc, char **argv, stats_opts *o)
{
    static const struct option longopts[] = {
        {"db", required_argument, NULL, 'd'},
        {"status-file", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int opt;
    optind = 0;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+:d:s:jh", longopts, NULL)) != -1) {
        switch (opt) {
        case 'd': o->db_path = optarg; break;
        case 's': o->status_path = optarg; break;
        case 'j': o->json = true; break;
        case 'h': fputs(stats_usage, stdout); return -1;
        case ':':
            return cliopt_usage_error("stats", stats_usage, "option '%s' needs a value",
                                      argv[optind - 1]);
        default:
            return cliopt_usage_error("stats", stats_usage, "bad option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cliopt_usage_error("stats", stats_usage, "unexpected argument '%s'", argv[optind]);
    return 0;
}

static bool stats_read_db(const char *path, int timeout_ms, casedb_stats *out)
{
    GError *err = NULL;
    casedb *db = casedb_open(path, CASEDB_READONLY, timeout_ms, &err);
    bool ok = db && casedb_stats_read(db, out, &err);
    if (!ok) {
        fprintf(stderr, "copytroll stats: %s\n", err->message);
        g_error_free(err);
    }
    casedb_close(db);
    return ok;
}

static bool stats_read_status(const char *path, ct_status *out)
{
    GError *err = NULL;
    if (statusfile_read(path, out, &err))
        return true;
    fprintf(stderr, "copytroll stats: %s (is copytroll-milter running?)\n", err->message);
    g_error_free(err);
    return false;
}

int cmd_stats(const cli_ctx *ctx, int argc, char **argv)
{
    stats_opts o = {0};
    int rc = stats_parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    const char *db_path = o.db_path ? o.db_path : ctx->db_path;
    char *status_path = o.status_path ? g_strdup(o.status_path)
                                      : config_status_path(ctx->config);
    casedb_stats s = {0};
    ct_status st = {0};
    bool have_db = stats_read_db(db_path, ctx->config->database_timeout_ms, &s);
    bool have_st = stats_read_status(status_path, &st);
    if (o.json) {
        GString *out = g_string_new("{\"database\":");
        if (have_db)
            stats_json_db(out, db_path, &s);
        else
            g_string_append(out, "null");
        g_string_append(out, ",\"milter\":");
        if (have_st)
            stats_json_milter(out, status_path, &st);
        else
            g_string_append(out, "null");
        g_string_append(out, "}\n");
        fputs(out->str, stdout);
        g_string_free(out, TRUE);
    } else {
        if (have_db)
            stats_text_db(db_path, &s);
        if (have_st)
            stats_text_milter(status_path, &st);
    }
    casedb_stats_clear(&s);
    g_free(status_path);
    return have_db || have_st ? 0 : 1;
}
