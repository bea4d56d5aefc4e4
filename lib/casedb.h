/* casedb — the per-recipient case database (SQLite, one file, WAL).
 *
 * Provides
 *   casedb_open()     open (and create / migrate forward with PRAGMA
 *                     user_version) a database; read-only for readers.
 *   casedb_record()   archive one classified message for one envelope
 *                     recipient: find or open its case, add the message to
 *                     the case's timeline, update the status, detect a
 *                     double claim.  One short write transaction.
 *   casedb_list_cases() the cases matching a filter, as casedb_case rows.
 *   casedb_close()
 *
 * Linking (casedb_record)
 *   A case is (recipient, agency, agency case id).  A message whose verdict
 *   has a case id joins that case; otherwise it joins the case of a stored
 *   message of the same recipient it replies to (In-Reply-To, then
 *   References, newest first); otherwise the newest case of the same
 *   recipient and agency holding one of its image URLs, then page URLs;
 *   otherwise it opens a case (case id NULL until a later message names
 *   it).  A message with a case id that matches no case may still join a
 *   case of the same agency whose id is not known yet, by thread or URL.
 *   Status follows the kinds of claims: first_notice → open, reminder →
 *   reminded, escalation → escalated, never backwards among those three;
 *   closed / paid close the case (a later "closed" keeps "paid"); a notice
 *   after closed / paid reopens the case.  A message older than the newest
 *   one in its case (an import of old mail) does not close or reopen it.
 *   Suspects (likely impersonation) join the timeline but never move the
 *   status, amount or deadline.  Amount, currency and deadline are the
 *   newest non-NULL values; every message keeps its own in `fields`.
 *   Double claim: an image URL of this message already stored in another
 *   case of the same recipient; both cases record the link.
 *
 * Evidence chain
 *   Every message row holds sha256 = hex SHA-256 of the raw bytes and
 *   chain = hex SHA-256 of the ASCII text prev_chain || sha256, where
 *   prev_chain is the chain of the previously inserted message row (any
 *   recipient) or CASEDB_CHAIN_GENESIS for the first one.  In a shell:
 *   printf '%s%s' "$prev_chain" "$sha256" | sha256sum.
 *
 * Ownership
 *   casedb_open() returns a handle the caller closes with casedb_close().
 *   One handle is used by one thread at a time (the milter opens one per
 *   connection; SQLite's busy timeout serialises writers across them).
 *   casedb_record() copies what it needs from its arguments.
 *   casedb_list_cases() returns a GPtrArray of casedb_case* that owns its
 *   rows (g_ptr_array_unref frees them).
 *
 * Errors
 *   Every function that can fail returns false/NULL and sets *err (GError,
 *   domain CASEDB_ERROR) with a message that names the database file.  A
 *   locked database waits up to the busy timeout, then fails: the caller
 *   (the milter) must still pass the mail.
 */
#ifndef CT_CASEDB_H
#define CT_CASEDB_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "msgview.h"
#include "verdict.h"

#define CASEDB_ERROR (casedb_error_quark())
GQuark casedb_error_quark(void);

typedef enum casedb_error_code {
    CASEDB_ERROR_FAILED = 0, /* any other SQLite failure */
    CASEDB_ERROR_OPEN,       /* missing file, cannot open, not a database */
    CASEDB_ERROR_SCHEMA,     /* unknown / newer schema version, migration */
    CASEDB_ERROR_BUSY,       /* locked past the busy timeout */
    CASEDB_ERROR_READONLY,   /* write refused (read-only handle or file) */
    CASEDB_ERROR_INVALID,    /* bad argument (no recipient, not a claim) */
} casedb_error_code;

/* Current schema version (PRAGMA user_version after migration). */
#define CASEDB_SCHEMA_VERSION 1
/* prev_chain of the first message: 64 zeros. */
#define CASEDB_CHAIN_GENESIS \
    "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct casedb casedb;

enum { CASEDB_READONLY = 1 << 0 };

/* Read-write: creates the file if missing, sets WAL, migrates forward.
 * CASEDB_READONLY: the file must exist ("no database at PATH") and already
 * be at CASEDB_SCHEMA_VERSION.  busy_timeout_ms <= 0 means do not wait. */
casedb *casedb_open(const char *path, int flags, int busy_timeout_ms, GError **err);
void casedb_close(casedb *db);
/* The path the handle was opened with (owned by the handle). */
const char *casedb_path(const casedb *db);

/* One message as the milter or `copytroll import` saw it. */
typedef struct casedb_msg {
    const verdict *v;        /* claim or suspect */
    const msgview *view;     /* From, Subject, Message-ID, threading */
    const char *raw;         /* the whole message as received */
    size_t raw_len;
    const char *queue_id;    /* NULL outside the milter */
    const char *env_sender;  /* envelope MAIL FROM, NULL if unknown */
    time_t received;
} casedb_msg;

typedef struct casedb_result {
    int64_t case_rowid;
    char *duplicate_of;      /* other case id claiming the same image, or NULL:
                                found with this message's image URLs, else the
                                first double claim already known for the case */
    bool new_case;
    bool reopened;           /* a closed/paid case got a new notice */
    bool already_stored;     /* same message (SHA-256) already archived */
} casedb_result;

void casedb_result_clear(casedb_result *r);

/* recipient is lower-cased by casedb.  m->v must be a claim or a suspect;
 * m->view may be NULL (no header facts); m->received 0 means now; a
 * verdict without an agency is filed under agency "unknown".
 * On success *out is filled (clear it with casedb_result_clear()).  On
 * failure nothing is written (the transaction is rolled back). */
bool casedb_record(casedb *db, const char *recipient, const casedb_msg *m,
                   casedb_result *out, GError **err);

typedef struct casedb_filter {
    const char *recipient;   /* NULL = all */
    const char *status;      /* "open", "closed", "stale", "all" or NULL = all;
                                also one exact status ("reminded", ...) */
    int stale_days;          /* silence after which an open case is stale;
                                <= 0: no case is stale */
    time_t now;              /* 0 = time(NULL) */
} casedb_filter;

typedef struct casedb_case {
    int64_t rowid;
    char *recipient, *agency, *case_id, *client;
    char *status;            /* open, reminded, escalated, closed, paid */
    bool stale;
    time_t first_seen, last_seen;
    int messages;
    char *amount, *currency, *deadline;
    GPtrArray *duplicates;   /* char*, other case ids for the same image */
    int reopened;            /* times a closed / paid case got a new notice */
} casedb_case;

void casedb_case_free(casedb_case *c);

/* Sorted by recipient, then first_seen.  Unknown status → CASEDB_ERROR_INVALID. */
GPtrArray *casedb_list_cases(casedb *db, const casedb_filter *f, GError **err);

#endif
