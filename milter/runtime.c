#include "runtime.h"

#include "log.h"

static struct {
    ct_config *config;
    char *config_path;
    msgview_limits limits;
    GMutex lock;           /* guards rules */
    ruleset *rules;
    runtime_counters counts;
} rt;

void runtime_init(ct_config *config, const char *config_path, ruleset *rules)
{
    rt.config = config;
    rt.config_path = g_strdup(config_path);
    rt.rules = rules;
    msgview_limits_default(&rt.limits);
    rt.limits.max_scan_bytes = config->max_scan_bytes;
}

const ct_config *runtime_config(void) { return rt.config; }
const msgview_limits *runtime_limits(void) { return &rt.limits; }
runtime_counters *runtime_counts(void) { return &rt.counts; }

ruleset *runtime_rules(void)
{
    g_mutex_lock(&rt.lock);
    ruleset *rs = rules_ref(rt.rules);
    g_mutex_unlock(&rt.lock);
    return rs;
}

bool runtime_reload_rules(void)
{
    GError *err = NULL;
    ruleset *fresh = rules_load_dir(rt.config->rules_dir, &err);
    if (!fresh) {
        log_msg(LOG_ERR, "reload failed, keeping the old rules: %s", err->message);
        g_error_free(err);
        return false;
    }
    g_mutex_lock(&rt.lock);
    ruleset *old = rt.rules;
    rt.rules = fresh;
    g_mutex_unlock(&rt.lock);
    rules_unref(old);
    log_msg(LOG_INFO, "rules reloaded from %s: %u rules, %u agencies",
            rt.config->rules_dir, rules_count(fresh), rules_agency_count(fresh));
    return true;
}

void runtime_shutdown(void)
{
    rules_unref(rt.rules);
    rt.rules = NULL;
    config_free(rt.config);
    rt.config = NULL;
    g_free(rt.config_path);
}
