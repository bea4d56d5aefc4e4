#include "eom.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "dbpool.h"
#include "log.h"
#include "runtime.h"
#include "scan.h"
#include "spool.h"
#include "tagheaders.h"

typedef struct eom_result {
    bool failed;           /* the filter itself failed: OnError applies */
    char *duplicate_of;    /* other case id for X-Copytroll-Duplicate */
    unsigned recorded, spooled;
} eom_result;

/* With SMFIP_HDR_LEADSPC the MTA takes values verbatim: we supply the
 * space after the colon ourselves. */
static char *header_value(const session *s, const char *value)
{
    return (s->proto & SMFIP_HDR_LEADSPC) ? g_strconcat(" ", value, NULL) : g_strdup(value);
}

static bool add_header(SMFICTX *ctx, const session *s, const char *name, const char *value)
{
    char *v = header_value(s, value);
    bool ok = smfi_addheader(ctx, (char *)name, v) == MI_SUCCESS;
    g_free(v);
    if (!ok)
        log_msg(LOG_ERR, "%s: cannot add header %s", s->queue_id, name);
    return ok;
}

/* Highest index first, so earlier deletions cannot renumber later ones. */
static bool strip_forged(SMFICTX *ctx, const session *s)
{
    bool ok = true;
    for (guint i = s->forged->len; i-- > 0;) {
        const forged_header *f = &g_array_index(s->forged, forged_header, i);
        if (smfi_chgheader(ctx, f->name, f->index, NULL) != MI_SUCCESS) {
            log_msg(LOG_ERR, "%s: cannot remove incoming %s header", s->queue_id, f->name);
            ok = false;
        }
    }
    return ok;
}

static bool spool_claim(const session *s)
{
    const ct_config *c = s->set->config;
    spool_entry e = {
        .recipients = s->rcpts, .queue_id = s->queue_id, .env_sender = s->env_sender,
        .received = time(NULL), .raw = g_bytes_new_static(s->raw->str, s->raw->len),
    };
    GError *err = NULL;
    g_mkdir_with_parents(c->spool_dir, 0700);
    bool ok = spool_write(c->spool_dir, &e, &err);
    g_bytes_unref(e.raw);
    if (!ok) {
        log_msg(LOG_ERR, "%s: claim lost to the archive: %s", s->queue_id, err->message);
        g_error_free(err);
    }
    return ok;
}

/* Record for every recipient; if the database fails, spool the message
 * once for all recipients it could not take. */
static void record_claim(session *s, const verdict *v, const msgview *view, eom_result *res)
{
    casedb_msg m = {
        .v = v, .view = view, .raw = s->raw->str, .raw_len = s->raw->len,
        .queue_id = s->queue_id, .env_sender = s->env_sender, .received = time(NULL),
    };
    const ct_config *c = s->set->config;
    int flags = c->database_sync ? CASEDB_SYNC_FULL : 0;
    casedb *db = dbpool_take(c->database, flags, c->database_timeout_ms, s->queue_id);
    bool db_ok = db != NULL;
    for (guint i = 0; db_ok && i < s->rcpts->len; i++) {
        casedb_result r = {0};
        GError *err = NULL;
        if (!casedb_record(db, g_ptr_array_index(s->rcpts, i), &m, &r, &err)) {
            log_msg(LOG_ERR, "%s: %s", s->queue_id, err->message);
            g_error_free(err);
            db_ok = false;
            break;
        }
        res->recorded++;
        if (r.duplicate_of && !res->duplicate_of)
            res->duplicate_of = g_strdup(r.duplicate_of);
        casedb_result_clear(&r);
    }
    if (db_ok) {
        dbpool_give(db, flags, c->database_timeout_ms);
    } else {
        /* A handle that failed may be stuck (locked, read-only): reopen next time. */
        dbpool_discard(db);
        if (spool_claim(s)) {
            res->spooled = s->rcpts->len;
            g_atomic_int_inc(&runtime_counts()->spooled);
        } else {
            res->failed = true;
        }
    }
}

static bool add_verdict_headers(SMFICTX *ctx, session *s, const verdict *v, const ruleset *rs,
                                const eom_result *res)
{
    const ct_config *c = s->set->config;
    bool hit = v->verdict != CT_VERDICT_NONE;
    bool ok = true;
    if (hit || c->tag_all) {
        char *status = tag_status_value(v);
        ok = add_header(ctx, s, "X-Copytroll-Status", status) && ok;
        g_free(status);
    }
    if (!hit)
        return ok;
    const char *advice = rules_agency_advice(rs, v->agency);
    if (!advice)
        advice = c->advice_url;
    if (c->add_advice && advice)
        ok = add_header(ctx, s, "X-Copytroll-Advice", advice) && ok;
    if (res->duplicate_of) {
        char *dup = tag_duplicate_value(res->duplicate_of);
        ok = add_header(ctx, s, "X-Copytroll-Duplicate", dup) && ok;
        g_free(dup);
    }
    if (c->tag_subject) {
        char *subj = tag_subject(s->subject ? s->subject : "", c->tag_subject);
        char *val = header_value(s, subj);
        int rc = s->subject_count ? smfi_chgheader(ctx, "Subject", 1, val)
                                  : smfi_addheader(ctx, "Subject", val);
        ok = rc == MI_SUCCESS && ok;
        g_free(val);
        g_free(subj);
    }
    return ok;
}

static void log_result(const session *s, const verdict *v, const eom_result *res, double ms)
{
    const ct_config *c = s->set->config;
    GString *line = g_string_new(NULL);
    g_string_append_printf(line, "%s: verdict=%s", s->queue_id, verdict_name(v->verdict));
    if (v->verdict != CT_VERDICT_NONE) {
        g_string_append_printf(line, " agency=%s kind=%s", v->agency, verdict_kind_name(v->kind));
        if (v->reason)
            g_string_append_printf(line, " reason=%s", v->reason);
        if (v->case_id) {
            char *cid = tag_duplicate_value(v->case_id); /* sanitised "case=…" */
            g_string_append_printf(line, " %s", cid);
            g_free(cid);
        }
        if (res->duplicate_of)
            g_string_append(line, " duplicate=yes");
        if (res->spooled)
            g_string_append(line, " spooled=yes");
    }
    g_string_append_printf(line, " rcpts=%u score=%.1f ms=%.2f", s->rcpts->len, v->score, ms);
    if (s->truncated)
        g_string_append(line, " truncated=yes");
    if (v->match_limit_hits)
        g_string_append_printf(line, " match_limit_hits=%u", v->match_limit_hits);
    if (c->log_why && v->rules->len) {
        g_string_append(line, " rules=");
        for (guint i = 0; i < v->rules->len; i++)
            g_string_append_printf(line, "%s%s", i ? "," : "", (char *)g_ptr_array_index(v->rules, i));
    }
    log_msg(LOG_INFO, "%s", line->str);
    g_string_free(line, TRUE);
}

sfsistat eom_handle(SMFICTX *ctx, session *s)
{
    gint64 t0 = g_get_monotonic_time();
    const char *qid = smfi_getsymval(ctx, "i");
    if (qid && (!s->queue_id || strcmp(qid, s->queue_id) != 0)) {
        g_free(s->queue_id);
        s->queue_id = g_strdup(qid);
    }
    if (!s->queue_id)
        s->queue_id = g_strdup("NOQUEUE");

    eom_result res = {0};
    bool ok = strip_forged(ctx, s);
    const runtime_set *set = session_set(s);
    const ruleset *rs = set->rules;
    rules_env env = {.env_sender = s->env_sender,
                     .trusted_authserv_ids = set->config->trusted_authserv_ids};
    msgview *view = NULL;
    verdict *v = scan_message(rs, s->raw->str, s->raw->len, &set->limits, &env, &view);
    if (s->truncated)
        v->truncated |= MV_TRUNC_BYTES;

    runtime_counters *cnt = runtime_counts();
    g_atomic_int_inc(&cnt->messages);
    if (v->match_limit_hits)
        g_atomic_int_add(&cnt->match_limit_hits, (gint)v->match_limit_hits);
    if (v->verdict != CT_VERDICT_NONE) {
        g_atomic_int_inc(v->verdict == CT_VERDICT_CLAIM ? &cnt->claims : &cnt->suspects);
        record_claim(s, v, view, &res);
    }
    ok = add_verdict_headers(ctx, s, v, rs, &res) && ok && !res.failed;
    gint64 usec = g_get_monotonic_time() - t0;
    scanhist_add(&cnt->scan_time, usec);
    log_result(s, v, &res, (double)usec / 1000.0);

    g_free(res.duplicate_of);
    verdict_free(v);
    msgview_free(view);
    if (ok)
        return SMFIS_CONTINUE;
    g_atomic_int_inc(&cnt->errors);
    if (set->config->on_error == CT_ONERROR_TEMPFAIL) {
        log_msg(LOG_WARNING, "%s: OnError tempfail: asking the MTA to retry later", s->queue_id);
        return SMFIS_TEMPFAIL;
    }
    return SMFIS_CONTINUE;
}
