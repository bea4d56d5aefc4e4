/* spool_drain — bring the claims waiting in SpoolDir (lib/spool.h) into the
 * case database: `copytroll import --spool` and the milter at start-up.
 *
 * Provides
 *   spool_drain()  one pass over DIR's *.msg files, oldest name first.  Each
 *                  file is scanned again with the given rules (the spool
 *                  keeps the bytes, not the verdict) and recorded for every
 *                  one of its recipients with its queue id, envelope sender
 *                  and received time (casedb_record: one transaction per
 *                  recipient; a copy already stored counts as done).  The
 *                  file is deleted only after every recipient's transaction
 *                  has committed.
 *   spool_drain_config()  the same for the milter at start-up, from the
 *                  config (Database, DatabaseTimeout, SpoolDir, MaxScanBytes,
 *                  TrustedAuthservIDs).
 *   A file that cannot be parsed as a spool file, that the current rules no
 *   longer call a claim or suspect, or that casedb refuses as invalid, is
 *   moved to DIR/bad/ (made 0700 if needed) and named through note(); the
 *   pass goes on.  Each file is looked at once per pass, so a bad file can
 *   never make it loop.
 *
 * Ownership
 *   Nothing is kept: the database handle, rules and limits are borrowed.
 *   note() gets a message valid during the call only.
 *
 * Errors
 *   A missing DIR is an empty spool (true).  An unreadable DIR, or a
 *   database failure (locked, read-only, full): false with *err; the file
 *   being recorded stays in the spool for the next pass (recipients it
 *   already reached are then found as already stored), and the stats count
 *   what was done before.
 */
#ifndef CT_SPOOL_DRAIN_H
#define CT_SPOOL_DRAIN_H

#include <glib.h>
#include <stdbool.h>

#include "casedb.h"
#include "config.h"
#include "msgview.h"
#include "rules.h"

typedef struct spool_drain_stats {
    unsigned files;       /* spool files looked at */
    unsigned drained;     /* files recorded for all recipients and deleted */
    unsigned recorded;    /* (file, recipient) pairs newly stored */
    unsigned already;     /* (file, recipient) pairs found already stored */
    unsigned set_aside;   /* files moved to DIR/bad/ */
} spool_drain_stats;

typedef void (*spool_drain_note)(const char *msg, void *data);

/* trusted_ids: char*, TrustedAuthservIDs for the scan (rules_env), may be NULL. */
bool spool_drain(const char *dir, casedb *db, const ruleset *rs, const msgview_limits *lim,
                 const GPtrArray *trusted_ids, spool_drain_note note, void *data,
                 spool_drain_stats *st, GError **err);

/* The milter's start: drain c->spool_dir into c->database (opened, then
 * closed, here) with c's MaxScanBytes and TrustedAuthservIDs; no SpoolDir
 * is an empty spool. */
bool spool_drain_config(const ct_config *c, const ruleset *rs, spool_drain_note note, void *data,
                        spool_drain_stats *st, GError **err);

#endif
