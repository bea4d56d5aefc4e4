#include "runtime.h"

#include <time.h>
#include <unistd.h>

#include "log.h"

static struct {
    ct_config *boot;       /* start-up config: the fixed options */
    char *config_path;
    GMutex lock;           /* guards current */
    runtime_set *current;
    runtime_counters counts;
    gint in_flight;        /* sets held by messages */
    gint stopping;
    time_t started;
} rt;

static runtime_set *runtime_set_new(ct_config *config, ruleset *rules)
{
    runtime_set *set = g_new0(runtime_set, 1);
    set->refs = 1;
    set->config = config;
    set->rules = rules;
    msgview_limits_default(&set->limits);
    set->limits.max_scan_bytes = config->max_scan_bytes;
    return set;
}

static void runtime_set_unref(runtime_set *set)
{
    if (!set || !g_atomic_int_dec_and_test(&set->refs))
        return;
    rules_unref(set->rules);
    config_free(set->config);
    g_free(set);
}

void runtime_init(ct_config *config, const char *config_path, ruleset *rules)
{
    rt.config_path = g_strdup(config_path);
    rt.started = time(NULL);
    rt.boot = config;
    rt.current = runtime_set_new(config_dup(config), rules);
}

const ct_config *runtime_boot_config(void) { return rt.boot; }
runtime_counters *runtime_counts(void) { return &rt.counts; }

runtime_set *runtime_acquire(void)
{
    /* Counted before anything else: runtime_wait_idle() may only see 0
     * when a message that starts later will see runtime_stopping(). */
    g_atomic_int_inc(&rt.in_flight);
    g_mutex_lock(&rt.lock);
    runtime_set *set = rt.current;
    g_atomic_int_inc(&set->refs);
    g_mutex_unlock(&rt.lock);
    return set;
}

void runtime_release(runtime_set *set)
{
    if (!set)
        return;
    runtime_set_unref(set);
    g_atomic_int_add(&rt.in_flight, -1);
}

/* Start-up-only options keep their boot value; say so when one changed. */
static void keep_str(char **field, const char *boot, const char *key)
{
    if (g_strcmp0(*field, boot) == 0)
        return;
    log_msg(LOG_WARNING, "reload: %s changed; it takes effect at the next restart", key);
    g_free(*field);
    *field = g_strdup(boot);
}

static void keep_int(int *field, int boot, const char *key)
{
    if (*field == boot)
        return;
    log_msg(LOG_WARNING, "reload: %s changed; it takes effect at the next restart", key);
    *field = boot;
}

static void keep_fixed(ct_config *c, const ct_config *b)
{
    keep_str(&c->socket, b->socket, "Socket");
    keep_int(&c->socket_mode, b->socket_mode, "SocketMode");
    keep_str(&c->socket_group, b->socket_group, "SocketGroup");
    keep_str(&c->user_id, b->user_id, "UserID");
    keep_str(&c->pid_file, b->pid_file, "PidFile");
    keep_str(&c->status_file, b->status_file, "StatusFile");
    int use_syslog = c->syslog;
    keep_int(&use_syslog, b->syslog, "Syslog");
    c->syslog = use_syslog;
    keep_str(&c->syslog_facility, b->syslog_facility, "SyslogFacility");
    keep_str(&c->database, b->database, "Database");
    keep_str(&c->spool_dir, b->spool_dir, "SpoolDir");
}

/* A rule load reports every error, one "file:line: why" line each: one
 * log line per error. */
static bool runtime_reload_failed(GError *err)
{
    char **lines = g_strsplit(err->message, "\n", -1);
    for (char **l = lines; *l; l++)
        log_msg(LOG_ERR, "reload failed, keeping the old configuration and rules: %s", *l);
    g_strfreev(lines);
    g_error_free(err);
    g_atomic_int_inc(&rt.counts.reload_failures);
    return false;
}

bool runtime_reload(void)
{
    GError *err = NULL;
    ct_config *config = config_load(rt.config_path, &err);
    if (!config)
        return runtime_reload_failed(err);
    ruleset *rules = rules_load_dir(config->rules_dir, &err);
    if (!rules) {
        config_free(config);
        return runtime_reload_failed(err);
    }
    keep_fixed(config, rt.boot);
    runtime_set *fresh = runtime_set_new(config, rules);
    g_mutex_lock(&rt.lock);
    runtime_set *old = rt.current;
    rt.current = fresh;
    g_mutex_unlock(&rt.lock);
    runtime_set_unref(old);
    g_atomic_int_inc(&rt.counts.reloads);
    log_msg(LOG_INFO, "reloaded %s; rules from %s: %u rules, %u agencies", rt.config_path,
            config->rules_dir, rules_count(rules), rules_agency_count(rules));
    return true;
}

void runtime_status(ct_status *out)
{
    runtime_counters *c = &rt.counts;
    *out = (ct_status){
        .pid = getpid(), .started = rt.started, .updated = time(NULL),
        .messages = (guint)g_atomic_int_get(&c->messages),
        .claims = (guint)g_atomic_int_get(&c->claims),
        .suspects = (guint)g_atomic_int_get(&c->suspects),
        .errors = (guint)g_atomic_int_get(&c->errors),
        .spooled = (guint)g_atomic_int_get(&c->spooled),
        .match_limit_hits = (guint)g_atomic_int_get(&c->match_limit_hits),
        .reloads = (guint)g_atomic_int_get(&c->reloads),
        .reload_failures = (guint)g_atomic_int_get(&c->reload_failures),
        .scan_ms_p50 = scanhist_percentile(&c->scan_time, 50),
        .scan_ms_p90 = scanhist_percentile(&c->scan_time, 90),
        .scan_ms_p99 = scanhist_percentile(&c->scan_time, 99),
    };
}

void runtime_stop(void) { g_atomic_int_set(&rt.stopping, 1); }
bool runtime_stopping(void) { return g_atomic_int_get(&rt.stopping) != 0; }

bool runtime_wait_idle(int timeout_ms)
{
    for (int waited = 0; g_atomic_int_get(&rt.in_flight) > 0; waited += 50) {
        if (waited >= timeout_ms)
            return false;
        g_usleep(50 * 1000);
    }
    return true;
}

void runtime_shutdown(void)
{
    runtime_set_unref(rt.current);
    rt.current = NULL;
    config_free(rt.boot);
    rt.boot = NULL;
    g_free(rt.config_path);
}
