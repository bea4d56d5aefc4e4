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
 *   casedb_timeline() the messages of one case, oldest first, with what
 *                     each stated and, on request, its raw bytes
 *                     (casedb_read.c).
 *   casedb_verify()   check every stored hash and the evidence chain.
 *   casedb_purge()    retention: drop old messages, keep their chain links.
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
 *   Ids are the chain order and never repeat: a message takes the id after
 *   the newest link (table chain_head, kept up to date by a trigger on
 *   every insert: last_id, links = number of links ever made, chain).
 *
 * Verify (casedb_verify, lib/casedb_verify.c)
 *   Walks every link (message rows and tombstones, by id) in one read
 *   snapshot: each message's raw bytes must hash to its sha256; each link's
 *   prev_chain must be the previous link's chain (genesis for the first);
 *   each chain must be SHA-256(prev_chain || sha256); the last link and the
 *   number of links must be chain_head's.  The first failure is reported,
 *   naming the message id, case, recipient and what did not match.  What it
 *   cannot see: someone who rewrites a row and recomputes every later link
 *   and the head.  Against that, keep the head `copytroll verify` prints
 *   somewhere else; a later head must still chain from it.
 *
 * Purge (casedb_purge, lib/casedb_purge.c)
 *   Removes messages received before a cutoff (their raw bytes, header
 *   facts, URLs) and then cases left with no message (with their double-
 *   claim links).  Each purged message leaves a tombstone row in `purged`
 *   with its id, recipient, agency, case id, Message-ID, received time,
 *   sha256, prev_chain and chain, so the chain still verifies link by link
 *   (a tombstone's bytes cannot be re-hashed: they are gone).  Tombstones
 *   are kept forever (about 300 bytes each).  Batches of at most
 *   CASEDB_PURGE_BATCH messages per write transaction.
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
#define CASEDB_SCHEMA_VERSION 3
/* prev_chain of the first message: 64 zeros. */
#define CASEDB_CHAIN_GENESIS \
    "0000000000000000000000000000000000000000000000000000000000000000"

typedef struct casedb casedb;

enum { CASEDB_READONLY = 1 << 0, CASEDB_SYNC_FULL = 1 << 1 };

/* Read-write: creates the file if missing, sets WAL, migrates forward.
 * Commits reach the disk at the next WAL checkpoint (synchronous=NORMAL:
 * a power failure may lose the last commits, never the database's
 * consistency); CASEDB_SYNC_FULL flushes each commit before it returns.
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
    char *closed_with;       /* case id whose closure covered this one (its double
                                claim: "both cases have been closed"), or NULL */
    time_t closed_with_at;   /* when that closure arrived */
} casedb_case;

void casedb_case_free(casedb_case *c);

/* Sorted by recipient, then first_seen.  Unknown status → CASEDB_ERROR_INVALID. */
GPtrArray *casedb_list_cases(casedb *db, const casedb_filter *f, GError **err);

/* casedb_verify(): false + *err only when the database cannot be read; a
 * chain or hash problem is a successful run with out->ok false. */
typedef struct casedb_verify_result {
    bool ok;
    int64_t messages;        /* message rows whose bytes were hashed */
    int64_t purged;          /* tombstones (chain link checked only) */
    char *head;              /* chain of the newest link (genesis if none) */
    int64_t bad_id;          /* id of the first bad link, 0 when ok */
    char *problem;           /* "message 12 (case copytrack 1234567, recipient
                                a@example.org): raw bytes ...", NULL when ok */
} casedb_verify_result;

bool casedb_verify(casedb *db, casedb_verify_result *out, GError **err);
void casedb_verify_result_clear(casedb_verify_result *r);

#define CASEDB_PURGE_BATCH 500

typedef struct casedb_purge_result {
    int64_t messages;        /* messages purged (or, dry run, to purge) */
    int64_t cases;           /* cases removed because they became empty */
} casedb_purge_result;

/* Purge messages with received < before.  dry_run: count only (works on a
 * read-only handle).  On failure the batches already committed stay purged
 * (each left the chain whole) and *out counts them. */
bool casedb_purge(casedb *db, time_t before, bool dry_run, casedb_purge_result *out,
                  GError **err);

/* casedb_stats_read(): counts over the whole database, in one snapshot,
 * for `copytroll stats`.  Works on a read-only handle.  The arrays hold
 * casedb_count* (freed with the array): cases per agency and per status
 * (most first), messages per kind (a suspect counts as kind "suspect", a
 * claim without a kind as "other"; most first) and messages per month of
 * reception ("YYYY-MM", UTC, oldest first).  casedb_stats_clear() frees
 * them; on failure nothing is left to clear. */
typedef struct casedb_count {
    char *key;
    int64_t count;
} casedb_count;

typedef struct casedb_stats {
    int64_t cases, messages, claims, suspects, recipients;
    time_t first_received, last_received;   /* 0 when there is no message */
    GPtrArray *by_agency, *by_status, *by_kind, *by_month;
} casedb_stats;

bool casedb_stats_read(casedb *db, casedb_stats *out, GError **err);
void casedb_stats_clear(casedb_stats *s);

/* casedb_read.c: one message of a case's timeline, as stored.  The
 * extracted facts (case_id ... portal_url) are the ones this message
 * stated, so changes of amount or deadline are visible message by message. */
typedef struct casedb_entry {
    int64_t rowid;
    time_t received;
    char *queue_id, *env_sender, *from_addr, *from_name, *subject, *date, *message_id;
    char *verdict;           /* claim or suspect */
    char *kind;              /* first_notice ... other, or NULL */
    double score;
    char *case_id, *client, *amount, *currency, *deadline, *portal_url;
    GPtrArray *image_urls, *page_urls;   /* char*, never NULL */
    char *sha256;            /* hex SHA-256 of the raw bytes */
    GBytes *raw;             /* the message as received; NULL unless asked
                                for (purged messages are not in a timeline) */
} casedb_entry;

void casedb_entry_free(casedb_entry *e);

/* The messages of one case (casedb_case.rowid), oldest first (received,
 * then storage order), read in one snapshot; with_raw also loads the raw
 * bytes.  Returns a GPtrArray of casedb_entry* that owns its rows; an
 * unknown case gives an empty array. */
GPtrArray *casedb_timeline(casedb *db, int64_t case_rowid, bool with_raw, GError **err);

#endif
