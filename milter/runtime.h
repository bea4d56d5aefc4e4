/* runtime — the milter's process-wide state: the configuration and rule
 * set in force, the counters, and the count of messages in flight.
 *
 * Reload (SIGUSR1): the configuration file and the rules are parsed aside
 * into a new runtime_set and swapped in.  Each message holds its own
 * reference to the set it started with (runtime_acquire at MAIL FROM,
 * runtime_release when it ends), so a message in flight finishes on the
 * old set while new messages get the new one.  A configuration or rule
 * file that does not parse is logged as "file:line: why" and the old set
 * stays.  Options that only take effect at start-up (Socket, SocketMode,
 * SocketGroup, UserID, PidFile, StatusFile, Syslog, SyslogFacility,
 * Database, SpoolDir) keep their start-up values; a reload that changes
 * one logs that a restart is needed.  Everything else (RulesDir and the
 * rules, DatabaseTimeout, DatabaseSync, LogWhy, OnError, AddAdvice, AdviceURL,
 * TagSubject, TagAll, MaxScanBytes, StaleDays, RetentionDays) changes.
 *
 * Stopping: runtime_stop() makes runtime_stopping() true; runtime_wait_idle()
 * waits until no message holds a set.
 *
 * Ownership: runtime_init() takes the config and the rules.
 * runtime_acquire() returns a reference the caller gives back with
 * runtime_release().  runtime_boot_config() is valid until runtime_shutdown().
 */
#ifndef CT_MILTER_RUNTIME_H
#define CT_MILTER_RUNTIME_H

#include <stdbool.h>

#include "config.h"
#include "msgview.h"
#include "rules.h"
#include "statusfile.h"

typedef struct runtime_set {
    gint refs;
    ct_config *config;
    ruleset *rules;
    msgview_limits limits;
} runtime_set;

typedef struct runtime_counters {
    gint messages, claims, suspects, errors, match_limit_hits, spooled;
    gint reloads, reload_failures;
    scanhist scan_time;
} runtime_counters;

void runtime_init(ct_config *config, const char *config_path, ruleset *rules);
/* The configuration read at start-up (fixed options: socket, pid file…). */
const ct_config *runtime_boot_config(void);
runtime_set *runtime_acquire(void);
void runtime_release(runtime_set *set);
/* Re-read the configuration file and the rules; false (logged) keeps the old. */
bool runtime_reload(void);
runtime_counters *runtime_counts(void);
/* The counters as the status file shows them. */
void runtime_status(ct_status *out);

void runtime_stop(void);
bool runtime_stopping(void);
/* true when no message is in flight within timeout_ms. */
bool runtime_wait_idle(int timeout_ms);
void runtime_shutdown(void);

#endif
