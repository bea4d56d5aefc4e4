/* casedb_internal — what the casedb_*.c files share; not for other modules.
 *
 * Provides
 *   struct casedb (the handle), a per-handle cache of prepared statements
 *   keyed by their SQL text, step / transaction helpers that turn SQLite
 *   failures into GErrors naming the database file, the schema migration
 *   (casedb_schema.c), case linking and status (casedb_link.c,
 *   casedb_case.c), the message row and its chain link (casedb_message.c).
 *
 * Ownership
 *   casedb_stmt() returns a statement owned by the handle's cache, reset
 *   and with its bindings cleared; the caller must not finalize it.  A
 *   SELECT left mid-way holds a read snapshot until it is reset, so callers
 *   reset (casedb_stmt_reset) when they stop stepping early.
 *
 * Errors
 *   Every helper that can fail sets *err as "PATH: WHAT: sqlite message",
 *   with a casedb_error_code derived from the SQLite result code.
 */
#ifndef CT_CASEDB_INTERNAL_H
#define CT_CASEDB_INTERNAL_H

#include <sqlite3.h>

#include "casedb.h"

struct casedb {
    sqlite3 *sql;
    char *path;
    int flags;
    GHashTable *stmts;   /* const char *sql (static) -> sqlite3_stmt* */
};

/* Error helpers. */
void casedb_fail(const casedb *db, GError **err, const char *what);
void casedb_fail_code(const casedb *db, GError **err, int code, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

/* Statements and steps. */
sqlite3_stmt *casedb_stmt(casedb *db, const char *sql, GError **err);
void casedb_stmt_reset(sqlite3_stmt *st);
/* SQLITE_ROW, SQLITE_DONE, or -1 with *err set (the statement is reset). */
int casedb_step(casedb *db, sqlite3_stmt *st, const char *what, GError **err);
/* Fixed SQL only (no data): pragmas, BEGIN/COMMIT, schema scripts. */
bool casedb_exec(casedb *db, const char *sql, const char *what, GError **err);
bool casedb_bind_text(casedb *db, sqlite3_stmt *st, int idx, const char *s, GError **err);
/* First column of the first row as int64; *found false when no row. */
bool casedb_query_int64(casedb *db, sqlite3_stmt *st, const char *what,
                        int64_t *out, bool *found, GError **err);
/* Column as a newly allocated string (NULL for SQL NULL). */
char *casedb_column_dup(sqlite3_stmt *st, int col);

/* Transactions: BEGIN IMMEDIATE (write) or BEGIN (read snapshot). */
bool casedb_begin(casedb *db, bool write, GError **err);
bool casedb_commit(casedb *db, GError **err);
void casedb_rollback(casedb *db);

/* casedb_schema.c: bring a read-write database to CASEDB_SCHEMA_VERSION, or
 * check that a read-only one is there already. */
bool casedb_schema_migrate(casedb *db, GError **err);
bool casedb_schema_check(casedb *db, GError **err);

/* casedb_case.c: the status a case moves to after a message of kind k.
 * late: the message is older than the newest one already in the case.
 * Returns a static string; *reopened set when a closed case reopens. */
const char *casedb_status_after(const char *cur, ct_kind k, bool late, bool *reopened);
const char *casedb_status_initial(ct_kind k, bool trusted);

/* What casedb_record knows about the message being recorded. */
typedef struct casedb_rec {
    const char *recipient;     /* lower-cased */
    const char *agency;        /* never NULL ("unknown") */
    const casedb_msg *m;
    time_t received;
    bool trusted;              /* a claim, not a suspect */
    GPtrArray *thread_ids;     /* char*, bare message ids, newest first */
} casedb_rec;

/* casedb_link.c */
bool casedb_link_find(casedb *db, const casedb_rec *r, int64_t *case_rowid,
                      bool *found, GError **err);
/* Record, both ways, the other cases of the recipient holding one of this
 * claim's image URLs; *duplicate_of = the first such case's id (or NULL). */
bool casedb_link_duplicates(casedb *db, const casedb_rec *r, int64_t case_rowid,
                            char **duplicate_of, GError **err);
/* The first recorded duplicate of a case (for an already stored message). */
bool casedb_link_first_duplicate(casedb *db, int64_t case_rowid, char **duplicate_of,
                                 GError **err);

/* casedb_case.c */
bool casedb_case_open(casedb *db, const casedb_rec *r, int64_t *case_rowid, GError **err);
bool casedb_case_update(casedb *db, const casedb_rec *r, int64_t case_rowid,
                        bool *reopened, GError **err);
/* After the message is linked: when its verdict says its closure (or
 * payment) covers the case's double claims, give them that status too. */
bool casedb_case_close_duplicates(casedb *db, const casedb_rec *r, int64_t case_rowid,
                                  GError **err);

/* casedb_message.c: insert the message row (with its chain link) and its
 * URLs.  sha256 is the hex digest of the raw bytes. */
bool casedb_message_insert(casedb *db, const casedb_rec *r, int64_t case_rowid,
                           const char *sha256, GError **err);
char *casedb_sha256_hex(const void *data, size_t len);

#endif
