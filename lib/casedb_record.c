/* casedb_record — archive one message for one recipient, in one short
 * BEGIN IMMEDIATE transaction: stored already? → find or open the case →
 * move it along → store the message → look for double claims. */
#include "casedb_internal.h"

#include <string.h>

/* Bare message ids in a thread header: "<a@x> <b@y>" → a@x, b@y.  A value
 * without angle brackets counts as one id. */
static void casedb_thread_ids_add(GPtrArray *ids, const char *header)
{
    if (!header)
        return;
    GPtrArray *found = g_ptr_array_new();
    for (const char *p = strchr(header, '<'); p; p = strchr(p, '<')) {
        const char *end = strchr(p + 1, '>');
        if (!end)
            break;
        if (end > p + 1)
            g_ptr_array_add(found, g_strndup(p + 1, (gsize)(end - p - 1)));
        p = end + 1;
    }
    if (found->len == 0) {
        char *bare = g_strstrip(g_strdup(header));
        if (*bare)
            g_ptr_array_add(found, bare);
        else
            g_free(bare);
    }
    /* Newest first: the last References entry is the direct parent. */
    for (guint i = found->len; i > 0; i--)
        g_ptr_array_add(ids, g_ptr_array_index(found, i - 1));
    g_ptr_array_free(found, TRUE);
}

static GPtrArray *casedb_thread_ids(const msgview *mv)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    if (mv) {
        casedb_thread_ids_add(ids, mv->in_reply_to);
        casedb_thread_ids_add(ids, mv->references);
    }
    return ids;
}

static bool casedb_record_check(casedb *db, const char *recipient, const casedb_msg *m,
                                GError **err)
{
    if (db->flags & CASEDB_READONLY) {
        casedb_fail_code(db, err, CASEDB_ERROR_READONLY, "opened read-only, cannot record");
        return false;
    }
    if (!recipient || !*recipient || !m || !m->v || (!m->raw && m->raw_len)) {
        casedb_fail_code(db, err, CASEDB_ERROR_INVALID, "cannot record: missing recipient, "
                         "verdict or message bytes");
        return false;
    }
    if (m->v->verdict != CT_VERDICT_CLAIM && m->v->verdict != CT_VERDICT_SUSPECT) {
        casedb_fail_code(db, err, CASEDB_ERROR_INVALID, "cannot record: verdict is %s, "
                         "not claim or suspect", verdict_name(m->v->verdict));
        return false;
    }
    return true;
}

/* The same bytes for the same recipient: report the stored copy's case. */
static bool casedb_record_stored(casedb *db, const casedb_rec *r, const char *sha256,
                                 casedb_result *out, bool *stored, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db,
        "SELECT case_ref FROM messages WHERE recipient = ?1 AND sha256 = ?2", err);
    if (!st || !casedb_bind_text(db, st, 1, r->recipient, err) ||
        !casedb_bind_text(db, st, 2, sha256, err) ||
        !casedb_query_int64(db, st, "cannot look for a stored copy", &out->case_rowid, stored,
                            err))
        return false;
    out->already_stored = *stored;
    return !*stored || casedb_link_first_duplicate(db, out->case_rowid, &out->duplicate_of, err);
}

static bool casedb_record_txn(casedb *db, const casedb_rec *r, const char *sha256,
                              casedb_result *out, GError **err)
{
    bool stored = false, found = false;
    if (!casedb_record_stored(db, r, sha256, out, &stored, err))
        return false;
    if (stored)
        return true;
    if (!casedb_link_find(db, r, &out->case_rowid, &found, err))
        return false;
    out->new_case = !found;
    if (found ? !casedb_case_update(db, r, out->case_rowid, &out->reopened, err)
              : !casedb_case_open(db, r, &out->case_rowid, err))
        return false;
    if (!casedb_message_insert(db, r, out->case_rowid, sha256, err) ||
        !casedb_link_duplicates(db, r, out->case_rowid, &out->duplicate_of, err) ||
        !casedb_case_close_duplicates(db, r, out->case_rowid, err))
        return false;
    /* A reminder without the image still belongs to a double-claimed case. */
    return out->duplicate_of ||
           casedb_link_first_duplicate(db, out->case_rowid, &out->duplicate_of, err);
}

bool casedb_record(casedb *db, const char *recipient, const casedb_msg *m,
                   casedb_result *out, GError **err)
{
    *out = (casedb_result){0};
    if (!casedb_record_check(db, recipient, m, err))
        return false;
    char *rcpt = g_ascii_strdown(recipient, -1);
    char *sha256 = casedb_sha256_hex(m->raw ? m->raw : "", m->raw ? m->raw_len : 0);
    casedb_rec r = {
        .recipient = rcpt,
        .agency = m->v->agency && *m->v->agency ? m->v->agency : "unknown",
        .m = m,
        .received = m->received ? m->received : time(NULL),
        .trusted = m->v->verdict == CT_VERDICT_CLAIM,
        .thread_ids = casedb_thread_ids(m->view),
    };
    bool ok = casedb_begin(db, true, err);
    if (ok) {
        ok = casedb_record_txn(db, &r, sha256, out, err) && casedb_commit(db, err);
        if (!ok)
            casedb_rollback(db);
    }
    if (!ok)
        casedb_result_clear(out);
    g_ptr_array_unref(r.thread_ids);
    g_free(sha256);
    g_free(rcpt);
    return ok;
}
