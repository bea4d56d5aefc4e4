/* spool_drain — SpoolDir → case database, one pass, bad files set aside. */
#include "spool_drain.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "scan.h"
#include "spool.h"

typedef struct drain {
    const char *dir;
    casedb *db;
    const ruleset *rs;
    const msgview_limits *lim;
    const GPtrArray *trusted_ids;
    spool_drain_note note;
    void *data;
    spool_drain_stats *st;
} drain;

static void drain_note(const drain *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void drain_note(const drain *d, const char *fmt, ...)
{
    if (!d->note)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    d->note(msg, d->data);
    g_free(msg);
}

/* Move name into DIR/bad/; say why either way. */
static void drain_set_aside(const drain *d, const char *name, const char *why)
{
    char *bad = g_build_filename(d->dir, "bad", NULL);
    char *from = g_build_filename(d->dir, name, NULL);
    char *to = g_build_filename(bad, name, NULL);
    if (g_mkdir_with_parents(bad, 0700) == 0 && rename(from, to) == 0) {
        d->st->set_aside++;
        drain_note(d, "%s: %s; moved to %s", from, why, to);
    } else {
        drain_note(d, "%s: %s; cannot move it to %s (%s), left in place", from, why, bad,
                   g_strerror(errno));
    }
    g_free(bad);
    g_free(from);
    g_free(to);
}

/* Spool names are TIME-PID-COUNTER.msg: compare the numbers as numbers. */
static gint drain_name_cmp(gconstpointer a, gconstpointer b)
{
    return strverscmp(*(const char *const *)a, *(const char *const *)b);
}

/* The *.msg files (spool_write's finished names), sorted: oldest first. */
static GPtrArray *drain_list(const char *dir, bool *missing, GError **err)
{
    GError *e = NULL;
    GDir *dh = g_dir_open(dir, 0, &e);
    if (!dh) {
        *missing = g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT);
        if (*missing)
            g_error_free(e);
        else
            g_propagate_prefixed_error(err, e, "spool: ");
        return NULL;
    }
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(dh)))
        if (n[0] != '.' && g_str_has_suffix(n, ".msg"))
            g_ptr_array_add(names, g_strdup(n));
    g_dir_close(dh);
    g_ptr_array_sort(names, drain_name_cmp);
    return names;
}

typedef enum { DRAIN_DONE, DRAIN_BAD, DRAIN_FAILED } drain_outcome;

/* Record e for each recipient.  DRAIN_BAD with *why set when casedb
 * refuses the data; DRAIN_FAILED with *err when the database fails. */
static drain_outcome drain_record(const drain *d, const spool_entry *e, const verdict *v,
                                  const msgview *view, char **why, GError **err)
{
    gsize len = 0;
    const char *raw = g_bytes_get_data(e->raw, &len);
    casedb_msg m = {
        .v = v, .view = view, .raw = raw ? raw : "", .raw_len = len,
        .queue_id = e->queue_id, .env_sender = e->env_sender, .received = e->received,
    };
    for (guint i = 0; i < e->recipients->len; i++) {
        casedb_result r;
        GError *e2 = NULL;
        if (!casedb_record(d->db, g_ptr_array_index(e->recipients, i), &m, &r, &e2)) {
            if (e2->code != CASEDB_ERROR_INVALID) {
                g_propagate_error(err, e2);
                return DRAIN_FAILED;
            }
            *why = g_strdup(e2->message);
            g_error_free(e2);
            return DRAIN_BAD;
        }
        if (r.already_stored)
            d->st->already++;
        else
            d->st->recorded++;
        casedb_result_clear(&r);
    }
    return DRAIN_DONE;
}

/* One file: false only when the database failed (stop the pass). */
static bool drain_file(const drain *d, const char *name, GError **err)
{
    char *path = g_build_filename(d->dir, name, NULL);
    GError *e = NULL;
    spool_entry *entry = spool_read(path, &e);
    char *why = NULL;
    drain_outcome out = DRAIN_BAD;
    if (!entry) {
        /* spool_read's message starts with the path, which the note names. */
        const char *msg = e->message;
        if (g_str_has_prefix(msg, path) && g_str_has_prefix(msg + strlen(path), ": "))
            msg += strlen(path) + 2;
        why = g_strdup_printf("unreadable spool file (%s)", msg);
        g_error_free(e);
    } else {
        gsize len = 0;
        const char *raw = g_bytes_get_data(entry->raw, &len);
        rules_env env = {.env_sender = entry->env_sender, .trusted_authserv_ids = d->trusted_ids};
        msgview *view = NULL;
        verdict *v = scan_message(d->rs, raw ? raw : "", len, d->lim, &env, &view);
        if (v->verdict == CT_VERDICT_NONE)
            why = g_strdup("the current rules no longer see a claim or suspect in it");
        else
            out = drain_record(d, entry, v, view, &why, err);
        verdict_free(v);
        msgview_free(view);
    }
    if (out == DRAIN_DONE) {
        if (g_unlink(path) == 0)
            d->st->drained++;
        else
            drain_note(d, "%s: recorded, but cannot delete it: %s", path, g_strerror(errno));
    } else if (out == DRAIN_BAD) {
        drain_set_aside(d, name, why);
    }
    spool_entry_free(entry);
    g_free(why);
    g_free(path);
    return out != DRAIN_FAILED;
}

bool spool_drain(const char *dir, casedb *db, const ruleset *rs, const msgview_limits *lim,
                 const GPtrArray *trusted_ids, spool_drain_note note, void *data,
                 spool_drain_stats *st, GError **err)
{
    *st = (spool_drain_stats){0};
    drain d = {dir, db, rs, lim, trusted_ids, note, data, st};
    bool missing = false;
    GPtrArray *names = drain_list(dir, &missing, err);
    if (!names)
        return missing;
    bool ok = true;
    for (guint i = 0; ok && i < names->len; i++) {
        st->files++;
        ok = drain_file(&d, g_ptr_array_index(names, i), err);
    }
    g_ptr_array_unref(names);
    return ok;
}

bool spool_drain_config(const ct_config *c, const ruleset *rs, spool_drain_note note, void *data,
                        spool_drain_stats *st, GError **err)
{
    *st = (spool_drain_stats){0};
    if (!c->spool_dir || !*c->spool_dir || !g_file_test(c->spool_dir, G_FILE_TEST_IS_DIR))
        return true;
    casedb *db = casedb_open(c->database, 0, c->database_timeout_ms, err);
    if (!db)
        return false;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_scan_bytes = c->max_scan_bytes;
    bool ok = spool_drain(c->spool_dir, db, rs, &lim, c->trusted_authserv_ids, note, data, st, err);
    casedb_close(db);
    return ok;
}
