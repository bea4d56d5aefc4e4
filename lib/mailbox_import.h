/* mailbox_import — `copytroll import` without the printing: scan every
 * message of a file, mbox or Maildir (lib/mailbox.h) exactly as the milter
 * would (lib/scan.h) and archive each claim and suspect for each recipient
 * (casedb_record).
 *
 * Provides
 *   mailbox_import_path()  one path; counts go to imp->stats, which keeps
 *                          adding up over several calls.
 *   What is stored: the message's bytes (mailbox.h says which bytes for an
 *   mbox); received = the parsed Date header, else the modification time of
 *   the file holding it; envelope sender = the Return-Path address (what
 *   the MTA had as MAIL FROM), queue id none.  casedb stores a message once
 *   per recipient (same SHA-256), so importing the same mail again only
 *   counts it as already known.  The rules see no envelope (as in
 *   `copytroll scan`); Authentication-Results headers are read when their
 *   authserv-id is in trusted_authserv_ids (that of the MTA that delivered
 *   the mailbox, see impersonation.h).
 *
 * Ownership
 *   imp and everything it points to are borrowed.  report() gets borrowed
 *   values, valid during the call only.
 *
 * Errors
 *   A path that cannot be read: false + *err, stats.errors counted.  A
 *   message that cannot be read or recorded: report() with error set,
 *   stats.errors counted, the import goes on.
 */
#ifndef CT_MAILBOX_IMPORT_H
#define CT_MAILBOX_IMPORT_H

#include <glib.h>
#include <stdbool.h>

#include "casedb.h"
#include "msgview.h"
#include "rules.h"
#include "verdict.h"

typedef struct mailbox_import_stats {
    unsigned read;        /* messages read */
    unsigned claims, suspects, others;
    unsigned stored;      /* (message, recipient) newly archived */
    unsigned already;     /* (message, recipient) found archived already */
    unsigned errors;      /* messages or paths that could not be read or recorded */
} mailbox_import_stats;

/* For each (message, recipient) recorded: v and res set, error NULL.  For
 * a failure: error set; recipient NULL when reading failed, v / res NULL. */
typedef void (*mailbox_import_report)(const char *source, const char *recipient,
                                      const verdict *v, const casedb_result *res,
                                      const GError *error, void *data);

typedef struct mailbox_import {
    casedb *db;
    const ruleset *rs;
    const msgview_limits *lim;
    GPtrArray *recipients;         /* const char*, at least one */
    const GPtrArray *trusted_authserv_ids; /* char*, NULL = trust no A-R */
    mailbox_import_report report;  /* may be NULL */
    void *data;
    mailbox_import_stats stats;
} mailbox_import;

bool mailbox_import_path(mailbox_import *imp, const char *path, GError **err);

#endif
