/* dbpool — the milter's open case-database handles, shared by the
 * connections.  Opening a handle (file, WAL set-up, schema check) and
 * preparing its statements costs about as much as recording a claim, so
 * a handle outlives the message that used it: dbpool_take() gives a free
 * handle or opens one, dbpool_give() puts it back for the next claim (any
 * connection, any thread), dbpool_discard() closes one that failed (it
 * may be stuck: locked, read-only), so the next claim opens afresh.
 *
 * Ownership: a taken handle belongs to the caller until it is given back
 * or discarded.  dbpool_shutdown() closes the free handles; call it once
 * no message is in flight.  At most DBPOOL_KEEP free handles are kept.
 */
#ifndef CT_MILTER_DBPOOL_H
#define CT_MILTER_DBPOOL_H

#include <glib.h>

#include "casedb.h"

#define DBPOOL_KEEP 8

/* NULL (logged as "QUEUE_ID: why") when the database cannot be opened. */
casedb *dbpool_take(const char *path, int flags, int busy_timeout_ms, const char *queue_id);
/* flags and busy_timeout_ms as given to dbpool_take(). */
void dbpool_give(casedb *db, int flags, int busy_timeout_ms);
void dbpool_discard(casedb *db);
void dbpool_shutdown(void);

#endif
