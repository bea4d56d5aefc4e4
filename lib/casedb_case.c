/* casedb_case — opening a case and moving its status and facts along as
 * messages arrive (the rules are in casedb.h, "Linking"). */
#include "casedb_internal.h"

#include <string.h>

/* open < reminded < escalated; closed and paid end a case. */
static int casedb_status_rank(const char *s)
{
    if (!s || strcmp(s, "open") == 0)
        return 1;
    if (strcmp(s, "reminded") == 0)
        return 2;
    if (strcmp(s, "escalated") == 0)
        return 3;
    if (strcmp(s, "closed") == 0)
        return 4;
    if (strcmp(s, "paid") == 0)
        return 5;
    return 1;   /* unknown text in the file: treat as open, never crash */
}

static const char *const casedb_status_names[] = {
    NULL, "open", "reminded", "escalated", "closed", "paid",
};

static int casedb_kind_rank(ct_kind k)
{
    switch (k) {
    case CT_KIND_FIRST_NOTICE: return 1;
    case CT_KIND_REMINDER: return 2;
    case CT_KIND_ESCALATION: return 3;
    case CT_KIND_CLOSED: return 4;
    case CT_KIND_PAID: return 5;
    case CT_KIND_NONE:
    case CT_KIND_OTHER: break;
    }
    return 0;
}

const char *casedb_status_initial(ct_kind k, bool trusted)
{
    int rank = trusted ? casedb_kind_rank(k) : 0;
    return casedb_status_names[rank ? rank : 1];
}

const char *casedb_status_after(const char *cur, ct_kind k, bool late, bool *reopened)
{
    int now = casedb_status_rank(cur);
    int next = casedb_kind_rank(k);
    *reopened = false;
    if (next == 0)
        return casedb_status_names[now];
    bool closed_now = now >= 4;
    if (next >= 4) {
        /* A closure confirming a payment keeps "paid"; old mail closes nothing. */
        if (late || (now == 5 && next == 4))
            return casedb_status_names[now];
        return casedb_status_names[next];
    }
    if (closed_now) {
        if (late)
            return casedb_status_names[now];
        *reopened = true;
        return casedb_status_names[next];
    }
    return casedb_status_names[MAX(now, next)];
}

bool casedb_case_open(casedb *db, const casedb_rec *r, int64_t *case_rowid, GError **err)
{
    static const char sql[] =
        "INSERT INTO cases (recipient, agency, case_id, client, status, first_seen,"
        " last_seen, amount, currency, deadline) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)";
    const verdict *v = r->m->v;
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    /* Facts of a suspect are kept with its message, not as the case's. */
    bool t = r->trusted;
    if (!casedb_bind_text(db, st, 1, r->recipient, err) ||
        !casedb_bind_text(db, st, 2, r->agency, err) ||
        !casedb_bind_text(db, st, 3, v->case_id, err) ||
        !casedb_bind_text(db, st, 4, t ? v->client : NULL, err) ||
        !casedb_bind_text(db, st, 5, casedb_status_initial(v->kind, t), err) ||
        !casedb_bind_text(db, st, 7, t ? v->amount : NULL, err) ||
        !casedb_bind_text(db, st, 8, t ? v->currency : NULL, err) ||
        !casedb_bind_text(db, st, 9, t ? v->deadline : NULL, err))
        return false;
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->received);
    if (casedb_step(db, st, "cannot open a case", err) < 0)
        return false;
    *case_rowid = sqlite3_last_insert_rowid(db->sql);
    sqlite3_reset(st);
    return true;
}

static bool casedb_case_state(casedb *db, int64_t case_rowid, char **status, time_t *last_seen,
                              GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db, "SELECT status, last_seen FROM cases WHERE id = ?1", err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, case_rowid);
    int rc = casedb_step(db, st, "cannot read a case", err);
    if (rc < 0)
        return false;
    if (rc == SQLITE_DONE) {
        casedb_fail_code(db, err, CASEDB_ERROR_FAILED, "case %" G_GINT64_FORMAT " vanished",
                         case_rowid);
        return false;
    }
    *status = casedb_column_dup(st, 0);
    *last_seen = (time_t)sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return true;
}

/* ?fresh wins over the stored value; ?old only fills a hole (old mail). */
static bool casedb_bind_fact(casedb *db, sqlite3_stmt *st, int idx, const char *value,
                             bool trusted, bool late, GError **err)
{
    const char *v = trusted ? value : NULL;
    return casedb_bind_text(db, st, idx, late ? NULL : v, err) &&
           casedb_bind_text(db, st, idx + 1, late ? v : NULL, err);
}

/* A closure or payment "of both cases": the same status for this case's
 * double claims of the same agency that are still open, noting which
 * case's closure it was.  Only for a claim (not a suspect) whose status
 * now is closed or paid. */
bool casedb_case_close_duplicates(casedb *db, const casedb_rec *r, int64_t case_rowid,
                                  GError **err)
{
    static const char sql[] =
        "UPDATE cases SET status = (SELECT status FROM cases WHERE id = ?1),"
        " closed_with = ?1, closed_with_at = ?2"
        " WHERE id IN (SELECT other_ref FROM duplicates WHERE case_ref = ?1)"
        " AND agency = (SELECT agency FROM cases WHERE id = ?1)"
        " AND status NOT IN ('closed', 'paid')"
        " AND (SELECT status FROM cases WHERE id = ?1) IN ('closed', 'paid')";
    if (!r->trusted || !r->m->v->covers_duplicates)
        return true;
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, case_rowid);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)r->received);
    if (casedb_step(db, st, "cannot close a double claim", err) < 0)
        return false;
    sqlite3_reset(st);
    return true;
}

bool casedb_case_update(casedb *db, const casedb_rec *r, int64_t case_rowid,
                        bool *reopened, GError **err)
{
    static const char sql[] =
        "UPDATE cases SET case_id = coalesce(case_id, ?2), client = coalesce(client, ?3),"
        " status = ?4, reopened = reopened + ?5,"
        " closed_with = CASE WHEN status = ?4 THEN closed_with END,"
        " closed_with_at = CASE WHEN status = ?4 THEN closed_with_at END,"
        " first_seen = min(first_seen, ?6), last_seen = max(last_seen, ?6),"
        " amount = coalesce(?7, amount, ?8), currency = coalesce(?9, currency, ?10),"
        " deadline = coalesce(?11, deadline, ?12) WHERE id = ?1";
    const verdict *v = r->m->v;
    char *status = NULL;
    time_t last_seen = 0;
    if (!casedb_case_state(db, case_rowid, &status, &last_seen, err))
        return false;
    bool late = r->received < last_seen;
    const char *next = casedb_status_after(status, r->trusted ? v->kind : CT_KIND_NONE, late,
                                           reopened);
    g_free(status);
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    bool ok = st && casedb_bind_text(db, st, 2, v->case_id, err) &&
              casedb_bind_text(db, st, 3, r->trusted ? v->client : NULL, err) &&
              casedb_bind_text(db, st, 4, next, err) &&
              casedb_bind_fact(db, st, 7, v->amount, r->trusted, late, err) &&
              casedb_bind_fact(db, st, 9, v->currency, r->trusted, late, err) &&
              casedb_bind_fact(db, st, 11, v->deadline, r->trusted, late, err);
    if (!ok)
        return false;
    sqlite3_bind_int64(st, 1, case_rowid);
    sqlite3_bind_int(st, 5, *reopened ? 1 : 0);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->received);
    if (casedb_step(db, st, "cannot update a case", err) < 0)
        return false;
    sqlite3_reset(st);
    return true;
}
