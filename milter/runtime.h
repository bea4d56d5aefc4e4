/* runtime — the milter's process-wide state: the configuration, the rule
 * set in force, and the counters.
 *
 * The rule set is swapped on reload (SIGUSR1): runtime_rules() hands each
 * message its own reference, so a message in flight finishes on the set it
 * started with while new messages get the new one.  A reload that fails to
 * parse keeps the old set and logs file:line: why.
 *
 * Ownership: runtime_init() takes the config; runtime_rules() returns a
 * reference the caller drops with rules_unref().
 */
#ifndef CT_MILTER_RUNTIME_H
#define CT_MILTER_RUNTIME_H

#include <stdbool.h>

#include "config.h"
#include "msgview.h"
#include "rules.h"

typedef struct runtime_counters {
    gint messages, claims, suspects, errors, match_limit_hits, spooled;
} runtime_counters;

void runtime_init(ct_config *config, const char *config_path, ruleset *rules);
const ct_config *runtime_config(void);
const msgview_limits *runtime_limits(void);
ruleset *runtime_rules(void);
bool runtime_reload_rules(void);
runtime_counters *runtime_counts(void);
void runtime_shutdown(void);

#endif
