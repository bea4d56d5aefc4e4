/* casedb_verify — re-hash every stored message and walk the evidence chain
 * (message rows and purge tombstones, in id order) in one read snapshot. */
#include "casedb_internal.h"

#include <stdarg.h>
#include <string.h>

/* One link of the chain as read from the database. */
typedef struct verify_link {
    int64_t id;
    bool tombstone;
    const char *recipient, *agency, *case_id, *sha256, *prev_chain, *chain;
    char *raw_sha256;        /* computed from the raw bytes; NULL for a tombstone */
} verify_link;

typedef struct verify_walk {
    casedb_verify_result *out;
    char *prev;              /* chain of the previous link */
    int64_t prev_id;         /* 0 before the first link */
} verify_walk;

void casedb_verify_result_clear(casedb_verify_result *r)
{
    g_clear_pointer(&r->head, g_free);
    g_clear_pointer(&r->problem, g_free);
}

static const char *verify_text(sqlite3_stmt *st, int col)
{
    const unsigned char *s = sqlite3_column_text(st, col);
    return s ? (const char *)s : "";
}

static void verify_fail(verify_walk *w, const verify_link *l, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void verify_fail(verify_walk *w, const verify_link *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    w->out->ok = false;
    w->out->bad_id = l->id;
    w->out->problem = g_strdup_printf("%s %" G_GINT64_FORMAT " (case %s %s, recipient %s): %s",
                                      l->tombstone ? "purged message" : "message", l->id,
                                      l->agency, *l->case_id ? l->case_id : "(no case id)",
                                      l->recipient, what);
    g_free(what);
}

static bool verify_one(verify_walk *w, const verify_link *l)
{
    if (!l->tombstone) {
        if (g_ascii_strcasecmp(l->raw_sha256, l->sha256) != 0) {
            verify_fail(w, l, "raw bytes hash to %s, stored sha256 is %s", l->raw_sha256,
                        l->sha256);
            return false;
        }
    }
    if (strcmp(l->prev_chain, w->prev) != 0) {
        if (w->prev_id && l->id == w->prev_id + 2)
            verify_fail(w, l, "prev_chain does not match the chain of link %" G_GINT64_FORMAT
                        " before it: message %" G_GINT64_FORMAT " is missing (deleted)",
                        w->prev_id, w->prev_id + 1);
        else if (w->prev_id && l->id > w->prev_id + 2)
            verify_fail(w, l, "prev_chain does not match the chain of link %" G_GINT64_FORMAT
                        " before it: messages %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
                        " are missing (deleted)", w->prev_id, w->prev_id + 1, l->id - 1);
        else if (w->prev_id)
            verify_fail(w, l, "prev_chain does not match the chain of link %" G_GINT64_FORMAT
                        " before it (a message deleted, inserted or edited?)", w->prev_id);
        else
            verify_fail(w, l, "prev_chain of the first link is not the genesis value "
                        "(messages before it deleted?)");
        return false;
    }
    char *text = g_strconcat(l->prev_chain, l->sha256, NULL);
    char *chain = casedb_sha256_hex(text, strlen(text));
    bool same = strcmp(chain, l->chain) == 0;
    if (!same)
        verify_fail(w, l, "chain is not SHA-256(prev_chain || sha256): stored %s, computed %s",
                    l->chain, chain);
    g_free(text);
    g_free(chain);
    if (!same)
        return false;
    g_free(w->prev);
    w->prev = g_strdup(l->chain);
    w->prev_id = l->id;
    if (l->tombstone)
        w->out->purged++;
    else
        w->out->messages++;
    return true;
}

/* The raw bytes of message row id, hashed (NULL + *err on failure). */
static char *verify_raw_sha256(casedb *db, int64_t id, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db, "SELECT raw FROM messages WHERE id = ?1", err);
    if (!st)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    int rc = casedb_step(db, st, "cannot read a message", err);
    if (rc < 0)
        return NULL;
    const void *raw = rc == SQLITE_ROW ? sqlite3_column_blob(st, 0) : NULL;
    size_t len = raw ? (size_t)sqlite3_column_bytes(st, 0) : 0;
    char *sha = casedb_sha256_hex(raw ? raw : "", len);
    casedb_stmt_reset(st);
    return sha;
}

/* Links in id order; the raw bytes are read one message at a time so the
 * sort never copies them. */
static bool verify_links(casedb *db, verify_walk *w, GError **err)
{
    static const char sql[] =
        "SELECT m.id, 0, m.recipient, m.agency, c.case_id, m.sha256, m.prev_chain, m.chain"
        " FROM messages m LEFT JOIN cases c ON c.id = m.case_ref"
        " UNION ALL"
        " SELECT id, 1, recipient, agency, case_id, sha256, prev_chain, chain FROM purged"
        " ORDER BY 1";
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    int rc;
    while ((rc = casedb_step(db, st, "cannot read the messages", err)) == SQLITE_ROW) {
        verify_link l = {
            .id = sqlite3_column_int64(st, 0),
            .tombstone = sqlite3_column_int(st, 1) != 0,
            .recipient = verify_text(st, 2), .agency = verify_text(st, 3),
            .case_id = verify_text(st, 4), .sha256 = verify_text(st, 5),
            .prev_chain = verify_text(st, 6), .chain = verify_text(st, 7),
        };
        if (!l.tombstone && !(l.raw_sha256 = verify_raw_sha256(db, l.id, err))) {
            casedb_stmt_reset(st);
            return false;
        }
        bool good = verify_one(w, &l);
        g_free(l.raw_sha256);
        if (!good) {
            casedb_stmt_reset(st);
            return true;
        }
    }
    return rc == SQLITE_DONE;
}

/* The newest link and the count must be what chain_head recorded: this is
 * what shows deleted newest messages. */
static bool verify_head(casedb *db, verify_walk *w, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db,
        "SELECT last_id, links, chain FROM chain_head WHERE one = 1", err);
    if (!st)
        return false;
    int rc = casedb_step(db, st, "cannot read the chain head", err);
    if (rc < 0)
        return false;
    int64_t links = w->out->messages + w->out->purged;
    int64_t last_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    int64_t want = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : -1;
    char *head = rc == SQLITE_ROW ? casedb_column_dup(st, 2) : NULL;
    casedb_stmt_reset(st);
    if (!head || want != links || last_id != w->prev_id || strcmp(head, w->prev) != 0) {
        w->out->ok = false;
        w->out->bad_id = last_id;
        w->out->problem = head
            ? g_strdup_printf("chain head: %" G_GINT64_FORMAT " links were made, the newest "
                              "message %" G_GINT64_FORMAT " with chain %s, but the chain ends "
                              "after %" G_GINT64_FORMAT " links at %" G_GINT64_FORMAT " (newest "
                              "messages deleted?)", want, last_id, head, links, w->prev_id)
            : g_strdup("chain head: the record of the newest link is missing");
    }
    g_free(head);
    return true;
}

bool casedb_verify(casedb *db, casedb_verify_result *out, GError **err)
{
    *out = (casedb_verify_result){.ok = true};
    verify_walk w = {.out = out, .prev = g_strdup(CASEDB_CHAIN_GENESIS)};
    bool ok = casedb_begin(db, false, err);
    if (ok) {
        ok = verify_links(db, &w, err) && (!out->ok || verify_head(db, &w, err));
        casedb_rollback(db);   /* a read snapshot: nothing to commit */
    }
    if (ok)
        out->head = g_strdup(w.prev);
    else
        casedb_verify_result_clear(out);
    g_free(w.prev);
    return ok;
}
