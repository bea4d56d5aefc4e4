/* log — the milter's log: syslog with the configured facility, or stderr
 * when running in the foreground with `Syslog no` (and before the config is
 * read).  Lines about a message start with its queue id, like Postfix's.
 */
#ifndef CT_MILTER_LOG_H
#define CT_MILTER_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* facility: "mail", "daemon", "local0"…; unknown names fall back to mail. */
void log_open(bool use_syslog, const char *facility);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
