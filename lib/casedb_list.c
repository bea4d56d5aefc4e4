/* casedb_list — the cases matching a filter, read in one snapshot. */
#include "casedb_internal.h"

#include <string.h>

void casedb_case_free(casedb_case *c)
{
    if (!c)
        return;
    g_free(c->recipient);
    g_free(c->agency);
    g_free(c->case_id);
    g_free(c->client);
    g_free(c->status);
    g_free(c->amount);
    g_free(c->currency);
    g_free(c->deadline);
    g_free(c->closed_with);
    if (c->duplicates)
        g_ptr_array_unref(c->duplicates);
    g_free(c);
}

static bool casedb_status_known(const char *s)
{
    static const char *const names[] = {
        "all", "open", "closed", "stale", "reminded", "escalated", "paid",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
        if (strcmp(s, names[i]) == 0)
            return true;
    return false;
}

static bool casedb_case_matches(const casedb_case *c, const char *want)
{
    bool closed = strcmp(c->status, "closed") == 0 || strcmp(c->status, "paid") == 0;
    if (!want || strcmp(want, "all") == 0)
        return true;
    if (strcmp(want, "open") == 0)
        return !closed;
    if (strcmp(want, "closed") == 0)
        return closed;
    if (strcmp(want, "stale") == 0)
        return c->stale;
    return strcmp(c->status, want) == 0;
}

static bool casedb_case_duplicates(casedb *db, casedb_case *c, GError **err)
{
    static const char sql[] =
        "SELECT c.case_id FROM duplicates d JOIN cases c ON c.id = d.other_ref"
        " WHERE d.case_ref = ?1 AND c.case_id IS NOT NULL ORDER BY c.first_seen, c.id";
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, c->rowid);
    int rc;
    while ((rc = casedb_step(db, st, "cannot read double claims", err)) == SQLITE_ROW)
        g_ptr_array_add(c->duplicates, casedb_column_dup(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

static casedb_case *casedb_case_from_row(sqlite3_stmt *st)
{
    casedb_case *c = g_new0(casedb_case, 1);
    c->rowid = sqlite3_column_int64(st, 0);
    c->recipient = casedb_column_dup(st, 1);
    c->agency = casedb_column_dup(st, 2);
    c->case_id = casedb_column_dup(st, 3);
    c->client = casedb_column_dup(st, 4);
    c->status = casedb_column_dup(st, 5);
    if (!c->status)
        c->status = g_strdup("open");
    c->first_seen = (time_t)sqlite3_column_int64(st, 6);
    c->last_seen = (time_t)sqlite3_column_int64(st, 7);
    c->amount = casedb_column_dup(st, 8);
    c->currency = casedb_column_dup(st, 9);
    c->deadline = casedb_column_dup(st, 10);
    c->reopened = sqlite3_column_int(st, 11);
    c->messages = sqlite3_column_int(st, 12);
    c->stale = sqlite3_column_int(st, 13) != 0;
    c->closed_with = casedb_column_dup(st, 14);
    c->closed_with_at = (time_t)sqlite3_column_int64(st, 15);
    c->duplicates = g_ptr_array_new_with_free_func(g_free);
    return c;
}

static bool casedb_list_rows(casedb *db, const casedb_filter *f, GPtrArray *out, GError **err)
{
    static const char sql[] =
        "SELECT c.id, c.recipient, c.agency, c.case_id, c.client, c.status, c.first_seen,"
        " c.last_seen, c.amount, c.currency, c.deadline, c.reopened,"
        " (SELECT count(*) FROM messages m WHERE m.case_ref = c.id),"
        " ?2 AND c.status IN ('reminded', 'escalated') AND c.last_seen < ?3,"
        " (SELECT o.case_id FROM cases o WHERE o.id = c.closed_with), c.closed_with_at"
        " FROM cases c WHERE ?1 IS NULL OR c.recipient = ?1"
        " ORDER BY c.recipient, c.first_seen, c.id";
    time_t now = f->now ? f->now : time(NULL);
    char *rcpt = f->recipient ? g_ascii_strdown(f->recipient, -1) : NULL;
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    bool ok = st && casedb_bind_text(db, st, 1, rcpt, err);
    g_free(rcpt);
    if (!ok)
        return false;
    sqlite3_bind_int(st, 2, f->stale_days > 0);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now - (sqlite3_int64)MAX(f->stale_days, 0) * 86400);
    int rc;
    while ((rc = casedb_step(db, st, "cannot list cases", err)) == SQLITE_ROW) {
        casedb_case *c = casedb_case_from_row(st);
        if (casedb_case_matches(c, f->status))
            g_ptr_array_add(out, c);
        else
            casedb_case_free(c);
    }
    sqlite3_reset(st);
    for (guint i = 0; rc == SQLITE_DONE && i < out->len; i++)
        if (!casedb_case_duplicates(db, g_ptr_array_index(out, i), err))
            return false;
    return rc == SQLITE_DONE;
}

GPtrArray *casedb_list_cases(casedb *db, const casedb_filter *f, GError **err)
{
    casedb_filter all = {0};
    if (!f)
        f = &all;
    if (f->status && !casedb_status_known(f->status)) {
        casedb_fail_code(db, err, CASEDB_ERROR_INVALID, "unknown case status \"%s\" "
                         "(open, closed, stale, all, reminded, escalated, paid)", f->status);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)casedb_case_free);
    if (!casedb_begin(db, false, err)) {
        g_ptr_array_unref(out);
        return NULL;
    }
    bool ok = casedb_list_rows(db, f, out, err);
    casedb_rollback(db);   /* a read snapshot: nothing to commit */
    if (!ok) {
        g_ptr_array_unref(out);
        return NULL;
    }
    return out;
}
