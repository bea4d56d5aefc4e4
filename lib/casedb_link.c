/* casedb_link — which case a message belongs to (case id, thread, URL) and
 * which other cases claim the same image (the rules are in casedb.h). */
#include "casedb_internal.h"

static bool casedb_link_by_case_id(casedb *db, const casedb_rec *r, int64_t *case_rowid,
                                   bool *found, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db,
        "SELECT id FROM cases WHERE recipient = ?1 AND agency = ?2 AND case_id = ?3", err);
    return st && casedb_bind_text(db, st, 1, r->recipient, err) &&
           casedb_bind_text(db, st, 2, r->agency, err) &&
           casedb_bind_text(db, st, 3, r->m->v->case_id, err) &&
           casedb_query_int64(db, st, "cannot look up a case by its id", case_rowid, found, err);
}

/* adopt_agency: only a case of that agency whose id is still unknown
 * (the message names an id no case has yet); NULL: any case. */
static bool casedb_link_by_thread(casedb *db, const casedb_rec *r, const char *adopt_agency,
                                  int64_t *case_rowid, bool *found, GError **err)
{
    static const char sql[] =
        "SELECT m.case_ref FROM messages m JOIN cases c ON c.id = m.case_ref"
        " WHERE m.recipient = ?1 AND m.message_id = ?2"
        " AND (?3 IS NULL OR (c.case_id IS NULL AND c.agency = ?3))"
        " ORDER BY m.id DESC LIMIT 1";
    *found = false;
    for (guint i = 0; r->thread_ids && i < r->thread_ids->len && !*found; i++) {
        sqlite3_stmt *st = casedb_stmt(db, sql, err);
        if (!st || !casedb_bind_text(db, st, 1, r->recipient, err) ||
            !casedb_bind_text(db, st, 2, g_ptr_array_index(r->thread_ids, i), err) ||
            !casedb_bind_text(db, st, 3, adopt_agency, err) ||
            !casedb_query_int64(db, st, "cannot look up a thread", case_rowid, found, err))
            return false;
    }
    return true;
}

static bool casedb_link_by_url(casedb *db, const casedb_rec *r, const char *kind,
                               GPtrArray *urls, bool adopt, int64_t *case_rowid, bool *found,
                               GError **err)
{
    static const char sql[] =
        "SELECT m.case_ref FROM urls u JOIN messages m ON m.id = u.message_ref"
        " JOIN cases c ON c.id = m.case_ref"
        " WHERE u.url = ?1 AND u.kind = ?2 AND m.recipient = ?3 AND c.agency = ?4"
        " AND (?5 = 0 OR c.case_id IS NULL) ORDER BY m.id DESC LIMIT 1";
    *found = false;
    for (guint i = 0; urls && i < urls->len && !*found; i++) {
        sqlite3_stmt *st = casedb_stmt(db, sql, err);
        if (!st || !casedb_bind_text(db, st, 1, g_ptr_array_index(urls, i), err) ||
            !casedb_bind_text(db, st, 2, kind, err) ||
            !casedb_bind_text(db, st, 3, r->recipient, err) ||
            !casedb_bind_text(db, st, 4, r->agency, err))
            return false;
        sqlite3_bind_int(st, 5, adopt ? 1 : 0);
        if (!casedb_query_int64(db, st, "cannot look up a URL", case_rowid, found, err))
            return false;
    }
    return true;
}

bool casedb_link_find(casedb *db, const casedb_rec *r, int64_t *case_rowid, bool *found,
                      GError **err)
{
    const verdict *v = r->m->v;
    bool adopt = v->case_id != NULL;
    *found = false;
    if (adopt && !casedb_link_by_case_id(db, r, case_rowid, found, err))
        return false;
    if (!*found &&
        !casedb_link_by_thread(db, r, adopt ? r->agency : NULL, case_rowid, found, err))
        return false;
    if (!*found &&
        !casedb_link_by_url(db, r, "image", v->image_urls, adopt, case_rowid, found, err))
        return false;
    if (!*found &&
        !casedb_link_by_url(db, r, "page", v->page_urls, adopt, case_rowid, found, err))
        return false;
    return true;
}

typedef struct casedb_dup {
    int64_t other;
    char *case_id;
    const char *url;
} casedb_dup;

static void casedb_dup_clear(gpointer p)
{
    g_free(((casedb_dup *)p)->case_id);
}

/* Other cases of this recipient holding `url` as an image of a claim. */
static bool casedb_dup_collect(casedb *db, const casedb_rec *r, int64_t case_rowid,
                               const char *url, GArray *dups, GError **err)
{
    static const char sql[] =
        "SELECT DISTINCT c.id, c.case_id, c.first_seen FROM urls u"
        " JOIN messages m ON m.id = u.message_ref JOIN cases c ON c.id = m.case_ref"
        " WHERE u.kind = 'image' AND u.url = ?1 AND m.recipient = ?2"
        " AND m.verdict = 'claim' AND c.id <> ?3 ORDER BY c.first_seen, c.id";
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st || !casedb_bind_text(db, st, 1, url, err) ||
        !casedb_bind_text(db, st, 2, r->recipient, err))
        return false;
    sqlite3_bind_int64(st, 3, case_rowid);
    int rc;
    while ((rc = casedb_step(db, st, "cannot look for double claims", err)) == SQLITE_ROW) {
        casedb_dup d = {sqlite3_column_int64(st, 0), casedb_column_dup(st, 1), url};
        g_array_append_val(dups, d);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE;
}

static bool casedb_dup_store(casedb *db, int64_t a, int64_t b, const char *url, time_t when,
                             GError **err)
{
    static const char sql[] =
        "INSERT OR IGNORE INTO duplicates (case_ref, other_ref, url, first_seen)"
        " VALUES (?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st || !casedb_bind_text(db, st, 3, url, err))
        return false;
    sqlite3_bind_int64(st, 1, a);
    sqlite3_bind_int64(st, 2, b);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)when);
    if (casedb_step(db, st, "cannot record a double claim", err) < 0)
        return false;
    sqlite3_reset(st);
    return true;
}

bool casedb_link_duplicates(casedb *db, const casedb_rec *r, int64_t case_rowid,
                            char **duplicate_of, GError **err)
{
    GPtrArray *images = r->m->v->image_urls;
    *duplicate_of = NULL;
    if (!r->trusted || !images)
        return true;
    GArray *dups = g_array_new(FALSE, FALSE, sizeof(casedb_dup));
    g_array_set_clear_func(dups, casedb_dup_clear);
    bool ok = true;
    for (guint i = 0; ok && i < images->len; i++)
        ok = casedb_dup_collect(db, r, case_rowid, g_ptr_array_index(images, i), dups, err);
    for (guint i = 0; ok && i < dups->len; i++) {
        casedb_dup *d = &g_array_index(dups, casedb_dup, i);
        ok = casedb_dup_store(db, case_rowid, d->other, d->url, r->received, err) &&
             casedb_dup_store(db, d->other, case_rowid, d->url, r->received, err);
        if (ok && !*duplicate_of && d->case_id)
            *duplicate_of = g_strdup(d->case_id);
    }
    g_array_unref(dups);
    if (!ok)
        g_clear_pointer(duplicate_of, g_free);
    return ok;
}

bool casedb_link_first_duplicate(casedb *db, int64_t case_rowid, char **duplicate_of,
                                 GError **err)
{
    static const char sql[] =
        "SELECT c.case_id FROM duplicates d JOIN cases c ON c.id = d.other_ref"
        " WHERE d.case_ref = ?1 AND c.case_id IS NOT NULL ORDER BY c.first_seen, c.id LIMIT 1";
    *duplicate_of = NULL;
    sqlite3_stmt *st = casedb_stmt(db, sql, err);
    if (!st)
        return false;
    sqlite3_bind_int64(st, 1, case_rowid);
    int rc = casedb_step(db, st, "cannot read double claims", err);
    if (rc == SQLITE_ROW)
        *duplicate_of = casedb_column_dup(st, 0);
    sqlite3_reset(st);
    return rc >= 0;
}
