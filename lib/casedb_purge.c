/* casedb_purge — retention: messages received before a cutoff become
 * tombstones (their chain link, no bytes), in batches of short write
 * transactions; cases left empty go, with their double-claim links. */
#include "casedb_internal.h"

/* The batch: the oldest-id messages received before ?1. */
#define PURGE_BATCH_IDS \
    "SELECT id FROM messages WHERE received < ?1 ORDER BY id LIMIT " \
    G_STRINGIFY(CASEDB_PURGE_BATCH)

static bool purge_step(casedb *db, const char *sql, time_t before, bool stamp,
                       const char *what, int64_t *changes, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    if (sqlite3_bind_parameter_count(st) >= 1)
        sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
    if (stamp)
        sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
    if (casedb_step(db, st, what, err) < 0)
        return false;
    sqlite3_reset(st);
    if (changes)
        *changes = sqlite3_changes(db->sql);
    return true;
}

/* One batch in one transaction; *n = messages purged (0: done). */
static bool purge_batch(casedb *db, time_t before, int64_t *n, GError **err)
{
    static const char tomb[] =
        "INSERT INTO purged (id, recipient, agency, case_id, message_id, received, purged_at,"
        " sha256, prev_chain, chain) SELECT m.id, m.recipient, m.agency, c.case_id,"
        " m.message_id, m.received, ?2, m.sha256, m.prev_chain, m.chain"
        " FROM messages m LEFT JOIN cases c ON c.id = m.case_ref"
        " WHERE m.id IN (" PURGE_BATCH_IDS ")";
    static const char del[] = "DELETE FROM messages WHERE id IN (" PURGE_BATCH_IDS ")";
    int64_t made = 0;
    if (!casedb_begin(db, true, err))
        return false;
    /* urls go with their message (ON DELETE CASCADE). */
    if (!purge_step(db, tomb, before, true, "cannot write a purge tombstone", &made, err) ||
        !purge_step(db, del, before, false, "cannot purge messages", n, err)) {
        casedb_rollback(db);
        return false;
    }
    if (made != *n) {
        casedb_rollback(db);
        casedb_fail_code(db, err, CASEDB_ERROR_FAILED, "purge: %" G_GINT64_FORMAT " tombstones "
                         "for %" G_GINT64_FORMAT " messages; nothing purged in this batch",
                         made, *n);
        return false;
    }
    return casedb_commit(db, err);
}

/* Cases with no message left. */
#define PURGE_EMPTY_CASES \
    "SELECT id FROM cases c WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.case_ref = c.id)"

static bool purge_empty_cases(casedb *db, int64_t *n, GError **err)
{
    static const char dups[] = "DELETE FROM duplicates WHERE case_ref IN (" PURGE_EMPTY_CASES
                               ") OR other_ref IN (" PURGE_EMPTY_CASES ")";
    static const char cases[] = "DELETE FROM cases WHERE id IN (" PURGE_EMPTY_CASES ")";
    if (!casedb_begin(db, true, err))
        return false;
    if (!purge_step(db, dups, 0, false, "cannot remove double-claim links", NULL, err) ||
        !purge_step(db, cases, 0, false, "cannot remove empty cases", n, err)) {
        casedb_rollback(db);
        return false;
    }
    return casedb_commit(db, err);
}

static bool purge_count(casedb *db, time_t before, casedb_purge_result *out, GError **err)
{
    static const char msgs[] = "SELECT count(*) FROM messages WHERE received < ?1";
    static const char cases[] =
        "SELECT count(*) FROM cases c WHERE NOT EXISTS"
        " (SELECT 1 FROM messages m WHERE m.case_ref = c.id AND m.received >= ?1)";
    bool found = false;
    sqlite3_stmt *st = casedb_stmt(db, msgs, err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
    if (!casedb_query_int64(db, st, "cannot count old messages", &out->messages, &found, err))
        return false;
    if (!(st = casedb_stmt(db, cases, err)))
        return false;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)before);
    return casedb_query_int64(db, st, "cannot count cases", &out->cases, &found, err);
}

bool casedb_purge(casedb *db, time_t before, bool dry_run, casedb_purge_result *out,
                  GError **err)
{
    *out = (casedb_purge_result){0};
    if (dry_run)
        return purge_count(db, before, out, err);
    if (db->flags & CASEDB_READONLY) {
        casedb_fail_code(db, err, CASEDB_ERROR_READONLY, "opened read-only, cannot purge");
        return false;
    }
    int64_t n;
    do {
        n = 0;
        if (!purge_batch(db, before, &n, err))
            return false;
        out->messages += n;
    } while (n > 0);
    return purge_empty_cases(db, &out->cases, err);
}
