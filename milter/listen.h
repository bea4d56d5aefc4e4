/* listen — the milter's listening socket: open it as root (replacing a
 * stale unix socket file, refusing one a live process listens on), set
 * the configured mode and group on a unix socket, and set TCP_NODELAY on
 * every accepted TCP connection.
 *
 * Why TCP_NODELAY: on loopback TCP a milter's end-of-message replies
 * (several small writes: header changes, then the verdict) meet Nagle's
 * algorithm and the MTA's delayed ACK, costing ~40 ms per modified
 * message.  libmilter offers no hook on accept(), so the milter is linked
 * with `-Wl,--wrap=accept` against the static libmilter and
 * __wrap_accept() below sets the option on each new connection.
 */
#ifndef CT_MILTER_LISTEN_H
#define CT_MILTER_LISTEN_H

#include <stdbool.h>

#include "config.h"

/* false after logging why (the caller exits non-zero). */
bool listen_open(const ct_config *c);

#endif
