/* casedb_message — one archived message: its row (header facts, verdict,
 * extracted fields as JSON, raw bytes, SHA-256, evidence chain link) and
 * its image / page URLs. */
#include "casedb_internal.h"

#include <math.h>
#include <string.h>

#include "jsonw.h"

char *casedb_sha256_hex(const void *data, size_t len)
{
    GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
    const guchar *p = data;
    /* g_checksum_update takes a gssize: feed huge buffers in slices. */
    while (len > 0) {
        size_t n = MIN(len, (size_t)G_MAXSSIZE);
        g_checksum_update(ck, p, (gssize)n);
        p += n;
        len -= n;
    }
    char *hex = g_strdup(g_checksum_get_string(ck));
    g_checksum_free(ck);
    return hex;
}

static char *casedb_chain_next(const char *prev, const char *sha256)
{
    char *text = g_strconcat(prev, sha256, NULL);
    char *chain = casedb_sha256_hex(text, strlen(text));
    g_free(text);
    return chain;
}

/* The newest chain link (chain_head, kept by a trigger: a purged message's
 * tombstone still counts) and the id the next message takes, so ids never
 * repeat even when the newest row was purged. */
static bool casedb_chain_prev(casedb *db, char **prev, int64_t *next_id, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db, "SELECT last_id, chain FROM chain_head WHERE one = 1", err);
    if (!st)
        return false;
    int rc = casedb_step(db, st, "cannot read the evidence chain", err);
    if (rc < 0)
        return false;
    *next_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) + 1 : 1;
    *prev = rc == SQLITE_ROW ? casedb_column_dup(st, 1) : NULL;
    sqlite3_reset(st);
    if (!*prev)
        *prev = g_strdup(CASEDB_CHAIN_GENESIS);
    return true;
}

static void casedb_json_field(GString *j, bool *first, const char *key, const char *value)
{
    jsonw_key(j, first, key);
    jsonw_str(j, value);
}

/* The verdict's extracted facts, as this message stated them. */
static char *casedb_fields_json(const verdict *v)
{
    GString *j = g_string_new("{");
    bool first = true;
    casedb_json_field(j, &first, "case_id", v->case_id);
    casedb_json_field(j, &first, "client", v->client);
    casedb_json_field(j, &first, "amount", v->amount);
    casedb_json_field(j, &first, "currency", v->currency);
    casedb_json_field(j, &first, "deadline", v->deadline);
    casedb_json_field(j, &first, "portal_url", v->portal_url);
    casedb_json_field(j, &first, "reason", v->reason);
    jsonw_key(j, &first, "image_urls");
    jsonw_str_array(j, v->image_urls);
    jsonw_key(j, &first, "page_urls");
    jsonw_str_array(j, v->page_urls);
    jsonw_key(j, &first, "truncated");
    g_string_append_printf(j, "%u", v->truncated);
    jsonw_key(j, &first, "match_limit_hits");
    g_string_append_printf(j, "%u", v->match_limit_hits);
    g_string_append_c(j, '}');
    return g_string_free(j, FALSE);
}

static char *casedb_rules_json(const verdict *v)
{
    GString *j = g_string_new(NULL);
    jsonw_str_array(j, v->rules);
    return g_string_free(j, FALSE);
}

static bool casedb_bind_view(casedb *db, sqlite3_stmt *st, const msgview *mv, GError **err)
{
    msgview empty = {0};
    if (!mv)
        mv = &empty;
    char *msgid = mv->message_id ? g_strstrip(g_strdup(mv->message_id)) : NULL;
    /* Stored bare, the form thread look-ups compare with. */
    if (msgid && msgid[0] == '<' && g_str_has_suffix(msgid, ">")) {
        msgid[strlen(msgid) - 1] = '\0';
        memmove(msgid, msgid + 1, strlen(msgid));
    }
    bool ok = casedb_bind_text(db, st, 7, mv->from.addr, err) &&
              casedb_bind_text(db, st, 8, mv->from.name, err) &&
              casedb_bind_text(db, st, 9, mv->subject, err) &&
              casedb_bind_text(db, st, 10, mv->date, err) &&
              casedb_bind_text(db, st, 11, msgid && *msgid ? msgid : NULL, err) &&
              casedb_bind_text(db, st, 12, mv->in_reply_to, err) &&
              casedb_bind_text(db, st, 13, mv->references, err);
    g_free(msgid);
    return ok;
}

static bool casedb_bind_verdict(casedb *db, sqlite3_stmt *st, const verdict *v,
                                const char *agency, GError **err)
{
    char *fields = casedb_fields_json(v);
    char *rules = casedb_rules_json(v);
    bool ok = casedb_bind_text(db, st, 14, verdict_name(v->verdict), err) &&
              casedb_bind_text(db, st, 15, agency, err) &&
              casedb_bind_text(db, st, 16, verdict_kind_name(v->kind), err) &&
              casedb_bind_text(db, st, 18, fields, err) &&
              casedb_bind_text(db, st, 19, rules, err);
    sqlite3_bind_double(st, 17, isfinite(v->score) ? v->score : 0.0);
    g_free(fields);
    g_free(rules);
    return ok;
}

static bool casedb_bind_raw(casedb *db, sqlite3_stmt *st, const casedb_msg *m, GError **err)
{
    /* A zero-length blob, not NULL, for an empty message. */
    int rc = sqlite3_bind_blob64(st, 20, m->raw ? m->raw : "", m->raw ? m->raw_len : 0,
                                 SQLITE_STATIC);
    if (rc == SQLITE_OK)
        return true;
    casedb_fail(db, err, "cannot store the raw message");
    return false;
}

static bool casedb_message_row(casedb *db, const casedb_rec *r, int64_t case_rowid,
                               const char *sha256, int64_t *msg_rowid, GError **err)
{
    static const char sql[] =
        "INSERT INTO messages (case_ref, recipient, received, archived, queue_id, env_sender,"
        " from_addr, from_name, subject, date, message_id, in_reply_to, refs, verdict, agency,"
        " kind, score, fields, rules, raw, sha256, prev_chain, chain, id) VALUES (?1, ?2, ?3,"
        " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20,"
        " ?21, ?22, ?23, ?24)";
    char *prev = NULL;
    int64_t next_id = 0;
    if (!casedb_chain_prev(db, &prev, &next_id, err))
        return false;
    char *chain = casedb_chain_next(prev, sha256);
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    bool ok = st && casedb_bind_text(db, st, 2, r->recipient, err) &&
              casedb_bind_text(db, st, 5, r->m->queue_id, err) &&
              casedb_bind_text(db, st, 6, r->m->env_sender, err) &&
              casedb_bind_view(db, st, r->m->view, err) &&
              casedb_bind_verdict(db, st, r->m->v, r->agency, err) &&
              casedb_bind_raw(db, st, r->m, err) &&
              casedb_bind_text(db, st, 21, sha256, err) &&
              casedb_bind_text(db, st, 22, prev, err) &&
              casedb_bind_text(db, st, 23, chain, err);
    g_free(prev);
    g_free(chain);
    if (!ok)
        return false;
    sqlite3_bind_int64(st, 1, case_rowid);
    sqlite3_bind_int64(st, 24, next_id);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)r->received);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)time(NULL));
    int rc = casedb_step(db, st, "cannot store the message", err);
    sqlite3_clear_bindings(st);   /* drop the borrowed raw bytes */
    if (rc < 0)
        return false;
    *msg_rowid = sqlite3_last_insert_rowid(db->sql);
    sqlite3_reset(st);
    return true;
}

static bool casedb_message_urls(casedb *db, int64_t msg_rowid, const char *kind,
                                GPtrArray *urls, GError **err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO urls (message_ref, kind, url) VALUES (?1, ?2, ?3)";
    for (guint i = 0; urls && i < urls->len; i++) {
        const char *url = g_ptr_array_index(urls, i);
        if (!url || !*url)
            continue;
        sqlite3_stmt *st = casedb_stmt(db, sql, err);
        if (!st || !casedb_bind_text(db, st, 2, kind, err) ||
            !casedb_bind_text(db, st, 3, url, err))
            return false;
        sqlite3_bind_int64(st, 1, msg_rowid);
        if (casedb_step(db, st, "cannot store a URL", err) < 0)
            return false;
        sqlite3_reset(st);
    }
    return true;
}

bool casedb_message_insert(casedb *db, const casedb_rec *r, int64_t case_rowid,
                           const char *sha256, GError **err)
{
    int64_t msg_rowid = 0;
    const verdict *v = r->m->v;
    return casedb_message_row(db, r, case_rowid, sha256, &msg_rowid, err) &&
           casedb_message_urls(db, msg_rowid, "image", v->image_urls, err) &&
           casedb_message_urls(db, msg_rowid, "page", v->page_urls, err);
}
