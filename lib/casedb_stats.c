/* casedb_stats — counts over the whole database for `copytroll stats`,
 * read in one snapshot. */
#include "casedb_internal.h"

#include <string.h>

static void casedb_count_free(casedb_count *c)
{
    g_free(c->key);
    g_free(c);
}

void casedb_stats_clear(casedb_stats *s)
{
    g_clear_pointer(&s->by_agency, g_ptr_array_unref);
    g_clear_pointer(&s->by_status, g_ptr_array_unref);
    g_clear_pointer(&s->by_kind, g_ptr_array_unref);
    g_clear_pointer(&s->by_month, g_ptr_array_unref);
}

/* Rows of (key, count) from a fixed query into a new array. */
static GPtrArray *casedb_stats_group(casedb *db, const char *sql, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)casedb_count_free);
    int rc;
    while ((rc = casedb_step(db, st, "cannot read statistics", err)) == SQLITE_ROW) {
        casedb_count *c = g_new0(casedb_count, 1);
        c->key = casedb_column_dup(st, 0);
        if (!c->key)
            c->key = g_strdup("none");
        c->count = sqlite3_column_int64(st, 1);
        g_ptr_array_add(out, c);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        g_clear_pointer(&out, g_ptr_array_unref);
    return out;
}

static bool casedb_stats_totals(casedb *db, casedb_stats *s, GError **err)
{
    static const char sql[] =
        "SELECT (SELECT count(*) FROM cases),"
        " (SELECT count(*) FROM messages),"
        " (SELECT count(*) FROM messages WHERE verdict = 'claim'),"
        " (SELECT count(*) FROM messages WHERE verdict = 'suspect'),"
        " (SELECT count(DISTINCT recipient) FROM cases),"
        " (SELECT min(received) FROM messages), (SELECT max(received) FROM messages)";
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    int rc = casedb_step(db, st, "cannot read statistics", err);
    if (rc == SQLITE_ROW) {
        s->cases = sqlite3_column_int64(st, 0);
        s->messages = sqlite3_column_int64(st, 1);
        s->claims = sqlite3_column_int64(st, 2);
        s->suspects = sqlite3_column_int64(st, 3);
        s->recipients = sqlite3_column_int64(st, 4);
        s->first_received = (time_t)sqlite3_column_int64(st, 5);
        s->last_received = (time_t)sqlite3_column_int64(st, 6);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW;
}

static bool casedb_stats_groups(casedb *db, casedb_stats *s, GError **err)
{
    s->by_agency = casedb_stats_group(db,
        "SELECT agency, count(*) FROM cases GROUP BY agency ORDER BY count(*) DESC, agency", err);
    if (s->by_agency)
        s->by_status = casedb_stats_group(db,
            "SELECT status, count(*) FROM cases GROUP BY status ORDER BY count(*) DESC, status",
            err);
    if (s->by_status)
        s->by_kind = casedb_stats_group(db,
            "SELECT CASE WHEN verdict = 'suspect' THEN 'suspect' ELSE coalesce(kind, 'other') END"
            " AS k, count(*) FROM messages GROUP BY k ORDER BY count(*) DESC, k", err);
    if (s->by_kind)
        s->by_month = casedb_stats_group(db,
            "SELECT strftime('%Y-%m', received, 'unixepoch') AS m, count(*) FROM messages"
            " GROUP BY m ORDER BY m", err);
    return s->by_month != NULL;
}

bool casedb_stats_read(casedb *db, casedb_stats *out, GError **err)
{
    memset(out, 0, sizeof *out);
    if (!casedb_begin(db, false, err))
        return false;
    bool ok = casedb_stats_totals(db, out, err) && casedb_stats_groups(db, out, err);
    casedb_rollback(db);   /* a read snapshot: nothing to commit */
    if (!ok)
        casedb_stats_clear(out);
    return ok;
}
