#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static bool to_syslog;

static const struct { const char *name; int facility; } facilities[] = {
    {"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

void log_open(bool use_syslog, const char *facility)
{
    int fac = LOG_MAIL;
    for (unsigned i = 0; facility && i < sizeof facilities / sizeof facilities[0]; i++)
        if (strcasecmp(facility, facilities[i].name) == 0)
            fac = facilities[i].facility;
    if (to_syslog)
        closelog();
    to_syslog = use_syslog;
    if (use_syslog)
        openlog("copytroll-milter", LOG_PID | LOG_NDELAY, fac);
}

void log_msg(int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (to_syslog) {
        vsyslog(priority, fmt, ap);
    } else {
        /* One fprintf per line: lines from concurrent threads stay whole. */
        char line[2048];
        vsnprintf(line, sizeof line, fmt, ap);
        fprintf(stderr, "copytroll-milter: %s\n", line);
    }
    va_end(ap);
}
