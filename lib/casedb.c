/* casedb — open / close, and the helpers every casedb_*.c file uses
 * (statement cache, steps, transactions, errors).  See casedb.h. */
#include "casedb_internal.h"

#include <stdarg.h>

G_DEFINE_QUARK(copytroll-casedb-error, casedb_error)

static int casedb_code_of(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return CASEDB_ERROR_BUSY;
    case SQLITE_READONLY: return CASEDB_ERROR_READONLY;
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB: return CASEDB_ERROR_OPEN;
    default: return CASEDB_ERROR_FAILED;
    }
}

void casedb_fail_code(const casedb *db, GError **err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, CASEDB_ERROR, code, "%s: %s", db->path, what);
    g_free(what);
}

void casedb_fail(const casedb *db, GError **err, const char *what)
{
    int rc = db->sql ? sqlite3_extended_errcode(db->sql) : SQLITE_ERROR;
    const char *msg = db->sql ? sqlite3_errmsg(db->sql) : sqlite3_errstr(rc);
    casedb_fail_code(db, err, casedb_code_of(rc), "%s: %s", what, msg);
}

sqlite3_stmt *casedb_stmt(casedb *db, const char *sql, GError **err)
{
    sqlite3_stmt *st = g_hash_table_lookup(db->stmts, sql);
    if (st) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        casedb_fail(db, err, "cannot prepare statement");
        sqlite3_finalize(st);
        return NULL;
    }
    g_hash_table_insert(db->stmts, (gpointer)sql, st);
    return st;
}

void casedb_stmt_reset(sqlite3_stmt *st)
{
    if (st)
        sqlite3_reset(st);
}

int casedb_step(casedb *db, sqlite3_stmt *st, const char *what, GError **err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    casedb_fail(db, err, what);
    sqlite3_reset(st);
    return -1;
}

bool casedb_exec(casedb *db, const char *sql, const char *what, GError **err)
{
    if (sqlite3_exec(db->sql, sql, NULL, NULL, NULL) == SQLITE_OK)
        return true;
    casedb_fail(db, err, what);
    return false;
}

bool casedb_bind_text(casedb *db, sqlite3_stmt *st, int idx, const char *s, GError **err)
{
    if (sqlite3_bind_text(st, idx, s, -1, SQLITE_TRANSIENT) == SQLITE_OK)
        return true;
    casedb_fail(db, err, "cannot bind a value");
    return false;
}

bool casedb_query_int64(casedb *db, sqlite3_stmt *st, const char *what,
                        int64_t *out, bool *found, GError **err)
{
    int rc = casedb_step(db, st, what, err);
    if (rc < 0)
        return false;
    *found = rc == SQLITE_ROW;
    if (*found)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return true;
}

char *casedb_column_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? g_strdup((const char *)s) : NULL;
}

bool casedb_begin(casedb *db, bool write, GError **err)
{
    return casedb_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN", "cannot begin a transaction", err);
}

bool casedb_commit(casedb *db, GError **err)
{
    if (casedb_exec(db, "COMMIT", "cannot commit", err))
        return true;
    casedb_rollback(db);
    return false;
}

void casedb_rollback(casedb *db)
{
    if (!sqlite3_get_autocommit(db->sql))
        sqlite3_exec(db->sql, "ROLLBACK", NULL, NULL, NULL);
}

static void casedb_stmt_finalize(gpointer st)
{
    sqlite3_finalize(st);
}

static bool casedb_configure(casedb *db, int busy_timeout_ms, GError **err)
{
    sqlite3_extended_result_codes(db->sql, 1);
    sqlite3_busy_timeout(db->sql, busy_timeout_ms > 0 ? busy_timeout_ms : 0);
    if (!casedb_exec(db, "PRAGMA foreign_keys = ON", "cannot enable foreign keys", err))
        return false;
    if (db->flags & CASEDB_READONLY)
        return casedb_schema_check(db, err);
    /* journal_mode returns a row; sqlite3_exec just discards it. */
    if (!casedb_exec(db, "PRAGMA journal_mode = WAL", "cannot switch to WAL", err))
        return false;
    if (!casedb_exec(db, db->flags & CASEDB_SYNC_FULL ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
                     "cannot set the sync mode", err))
        return false;
    /* Keep -wal and -shm after the last writer closes: a reader that may
     * read them but not create files in the directory (copytroll cases run
     * by another user than the milter's) can then still open read-only. */
    int persist = 1;
    sqlite3_file_control(db->sql, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    /* ...but do not let a kept WAL stay as big as its largest burst. */
    if (!casedb_exec(db, "PRAGMA journal_size_limit = 8388608", "cannot limit the WAL", err))
        return false;
    return casedb_schema_migrate(db, err);
}

/* A reader must not create DB-wal / DB-shm: made by root (`copytroll
 * cases` as root), they would lock the milter's user out of its own
 * database.  Without them the main file holds every committed transaction,
 * so it is read as immutable; a writer starting meanwhile is not seen. */
static char *casedb_readonly_name(const char *path)
{
    char *wal = g_strconcat(path, "-wal", NULL), *shm = g_strconcat(path, "-shm", NULL);
    bool quiet = !g_file_test(wal, G_FILE_TEST_EXISTS) && !g_file_test(shm, G_FILE_TEST_EXISTS);
    g_free(wal);
    g_free(shm);
    /* Always a URI (opened with SQLITE_OPEN_URI), absolute so that no
     * "//host" authority can be read into it. */
    char *abs = g_canonicalize_filename(path, NULL);
    char *escaped = g_uri_escape_string(abs, "/", FALSE);
    g_free(abs);
    char *name = g_strconcat("file:", escaped, quiet ? "?immutable=1" : "", NULL);
    g_free(escaped);
    return name;
}

casedb *casedb_open(const char *path, int flags, int busy_timeout_ms, GError **err)
{
    if (!path || !*path) {
        g_set_error(err, CASEDB_ERROR, CASEDB_ERROR_OPEN, "no database path given");
        return NULL;
    }
    bool ro = flags & CASEDB_READONLY;
    if (ro && !g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(err, CASEDB_ERROR, CASEDB_ERROR_OPEN, "no database at %s", path);
        return NULL;
    }
    casedb *db = g_new0(casedb, 1);
    db->path = g_strdup(path);
    db->flags = flags;
    db->stmts = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, casedb_stmt_finalize);
    int oflags = ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    char *name = ro ? casedb_readonly_name(path) : g_strdup(path);
    int rc = sqlite3_open_v2(name, &db->sql, ro ? oflags | SQLITE_OPEN_URI : oflags, NULL);
    g_free(name);
    if (rc != SQLITE_OK) {
        casedb_fail(db, err, "cannot open");
        casedb_close(db);
        return NULL;
    }
    GError *cfg_err = NULL;
    if (!casedb_configure(db, busy_timeout_ms, &cfg_err)) {
        if (ro && cfg_err->code == CASEDB_ERROR_READONLY)
            casedb_fail_code(db, err, CASEDB_ERROR_OPEN, "cannot read: its WAL index (%s-shm) "
                             "is missing and cannot be created here; read it as the user that "
                             "writes it, or let that user open it once", path);
        else
            g_propagate_error(err, g_steal_pointer(&cfg_err));
        g_clear_error(&cfg_err);
        casedb_close(db);
        return NULL;
    }
    return db;
}

void casedb_close(casedb *db)
{
    if (!db)
        return;
    g_hash_table_destroy(db->stmts);
    sqlite3_close_v2(db->sql);
    g_free(db->path);
    g_free(db);
}

const char *casedb_path(const casedb *db)
{
    return db->path;
}

void casedb_result_clear(casedb_result *r)
{
    if (!r)
        return;
    g_free(r->duplicate_of);
    *r = (casedb_result){0};
}
