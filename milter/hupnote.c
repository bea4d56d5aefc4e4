/* hupnote — say why the milter stops on SIGHUP.
 *
 * libmilter's signal thread (mi_signal_thread) waits with sigwait() for
 * SIGHUP, SIGTERM and SIGINT and stops the milter on any of them: an admin
 * used to "HUP reloads" would see the filter go away without a word.  The
 * milter is linked with `-Wl,--wrap=sigwait` against the static libmilter
 * (like accept and mi_stop, see listen.h and stopdrain.h), so every
 * sigwait() returns through here, and a SIGHUP is logged before libmilter
 * acts on it.  Nothing else changes: the signal is passed on as it came.
 */
#include <signal.h>
#include <syslog.h>

#include "log.h"

int __real_sigwait(const sigset_t *set, int *sig);
int __wrap_sigwait(const sigset_t *set, int *sig);

int __wrap_sigwait(const sigset_t *set, int *sig)
{
    int rc = __real_sigwait(set, sig);
    if (rc == 0 && *sig == SIGHUP)
        log_msg(LOG_NOTICE, "SIGHUP: stopping, as libmilter does on HUP (to reload rules and "
                            "config, send SIGUSR1: systemctl reload)");
    return rc;
}
