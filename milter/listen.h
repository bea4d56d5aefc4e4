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
 * __wrap_accept() sets the option on each new connection.
 *
 * Why TCP_QUICKACK after every read: the other direction has the same
 * trap.  The milter asks the MTA not to wait for a reply to each header
 * and body chunk (SMFIP_NR_*, callbacks.c); the MTA then writes several
 * small commands in a row, and Postfix sets no TCP_NODELAY on its milter
 * connections, so Nagle holds each next command until the milter's kernel
 * acknowledges the last one, which a delayed ACK puts off by up to 40 ms.
 * Acknowledging at once lets the commands flow without a reply from the
 * milter for each.  `-Wl,--wrap=read` reaches libmilter's reads;
 * __wrap_read() sets the option on accepted TCP connections only.
 */
#ifndef CT_MILTER_LISTEN_H
#define CT_MILTER_LISTEN_H

#include <stdbool.h>

#include "config.h"

/* false after logging why (the caller exits non-zero). */
bool listen_open(const ct_config *c);

#endif
