/* casedb_read — a case's timeline: its messages, oldest first, with the
 * facts each one stated (read-only; see casedb.h). */
#include "casedb_internal.h"

#include <string.h>

void casedb_entry_free(casedb_entry *e)
{
    if (!e)
        return;
    g_free(e->queue_id);
    g_free(e->env_sender);
    g_free(e->from_addr);
    g_free(e->from_name);
    g_free(e->subject);
    g_free(e->date);
    g_free(e->message_id);
    g_free(e->verdict);
    g_free(e->kind);
    g_free(e->case_id);
    g_free(e->client);
    g_free(e->amount);
    g_free(e->currency);
    g_free(e->deadline);
    g_free(e->portal_url);
    g_free(e->sha256);
    if (e->image_urls)
        g_ptr_array_unref(e->image_urls);
    if (e->page_urls)
        g_ptr_array_unref(e->page_urls);
    if (e->raw)
        g_bytes_unref(e->raw);
    g_free(e);
}

/* A newline-separated list (URLs never hold a newline) as a GPtrArray. */
static GPtrArray *casedb_read_lines(sqlite3_stmt *st, int col)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *s = (const char *)sqlite3_column_text(st, col);
    if (!s)
        return out;
    char **parts = g_strsplit(s, "\n", -1);
    for (char **p = parts; *p; p++)
        if (**p)
            g_ptr_array_add(out, g_strdup(*p));
    g_strfreev(parts);
    return out;
}

static GBytes *casedb_read_raw(sqlite3_stmt *st, int col)
{
    if (sqlite3_column_type(st, col) == SQLITE_NULL)
        return NULL;
    const void *p = sqlite3_column_blob(st, col);
    int n = sqlite3_column_bytes(st, col);
    return g_bytes_new(n > 0 ? p : "", n > 0 ? (gsize)n : 0);
}

static casedb_entry *casedb_entry_from_row(sqlite3_stmt *st, bool with_raw)
{
    casedb_entry *e = g_new0(casedb_entry, 1);
    e->rowid = sqlite3_column_int64(st, 0);
    e->received = (time_t)sqlite3_column_int64(st, 1);
    e->queue_id = casedb_column_dup(st, 2);
    e->env_sender = casedb_column_dup(st, 3);
    e->from_addr = casedb_column_dup(st, 4);
    e->from_name = casedb_column_dup(st, 5);
    e->subject = casedb_column_dup(st, 6);
    e->date = casedb_column_dup(st, 7);
    e->message_id = casedb_column_dup(st, 8);
    e->verdict = casedb_column_dup(st, 9);
    e->kind = casedb_column_dup(st, 10);
    e->score = sqlite3_column_double(st, 11);
    e->case_id = casedb_column_dup(st, 12);
    e->client = casedb_column_dup(st, 13);
    e->amount = casedb_column_dup(st, 14);
    e->currency = casedb_column_dup(st, 15);
    e->deadline = casedb_column_dup(st, 16);
    e->portal_url = casedb_column_dup(st, 17);
    e->sha256 = casedb_column_dup(st, 18);
    e->image_urls = casedb_read_lines(st, 19);
    e->page_urls = casedb_read_lines(st, 20);
    e->raw = with_raw ? casedb_read_raw(st, 21) : NULL;
    return e;
}

static bool casedb_timeline_rows(casedb *db, int64_t case_rowid, bool with_raw,
                                 GPtrArray *out, GError **err)
{
    /* The raw column is read only when asked for (?2): a timeline shown on
     * a terminal does not need megabytes of attachments. */
    static const char sql[] =
        "SELECT m.id, m.received, m.queue_id, m.env_sender, m.from_addr, m.from_name,"
        " m.subject, m.date, m.message_id, m.verdict, m.kind, m.score,"
        " json_extract(m.fields, '$.case_id'), json_extract(m.fields, '$.client'),"
        " json_extract(m.fields, '$.amount'), json_extract(m.fields, '$.currency'),"
        " json_extract(m.fields, '$.deadline'), json_extract(m.fields, '$.portal_url'),"
        " m.sha256,"
        " (SELECT group_concat(url, char(10)) FROM (SELECT url FROM urls"
        "   WHERE message_ref = m.id AND kind = 'image' ORDER BY rowid)),"
        " (SELECT group_concat(url, char(10)) FROM (SELECT url FROM urls"
        "   WHERE message_ref = m.id AND kind = 'page' ORDER BY rowid)),"
        " CASE WHEN ?2 THEN m.raw END"
        " FROM messages m WHERE m.case_ref = ?1 ORDER BY m.received, m.id";
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, case_rowid);
    sqlite3_bind_int(st, 2, with_raw);
    int rc;
    while ((rc = casedb_step(db, st, "cannot read a case's messages", err)) == SQLITE_ROW)
        g_ptr_array_add(out, casedb_entry_from_row(st, with_raw));
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

GPtrArray *casedb_timeline(casedb *db, int64_t case_rowid, bool with_raw, GError **err)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)casedb_entry_free);
    if (!casedb_begin(db, false, err)) {
        g_ptr_array_unref(out);
        return NULL;
    }
    bool ok = casedb_timeline_rows(db, case_rowid, with_raw, out, err);
    casedb_rollback(db);   /* a read snapshot: nothing to commit */
    if (!ok) {
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}
