/* dbpool — see dbpool.h. */
#include "dbpool.h"

#include <syslog.h>

#include "log.h"

typedef struct pooled {
    casedb *db;
    int flags, busy_timeout_ms;  /* as opened: a reload may change DatabaseSync, DatabaseTimeout */
} pooled;

static GMutex lock;
static GQueue free_handles = G_QUEUE_INIT;   /* pooled* */

casedb *dbpool_take(const char *path, int flags, int busy_timeout_ms, const char *queue_id)
{
    casedb *db = NULL;
    GPtrArray *stale = g_ptr_array_new_with_free_func((GDestroyNotify)casedb_close);
    g_mutex_lock(&lock);
    while (!db && !g_queue_is_empty(&free_handles)) {
        pooled *p = g_queue_pop_head(&free_handles);
        if (p->flags == flags && p->busy_timeout_ms == busy_timeout_ms && g_strcmp0(casedb_path(p->db), path) == 0)
            db = p->db;
        else
            g_ptr_array_add(stale, p->db);
        g_free(p);
    }
    g_mutex_unlock(&lock);
    g_ptr_array_unref(stale);   /* closed outside the lock */
    if (!db) {
        GError *err = NULL;
        db = casedb_open(path, flags, busy_timeout_ms, &err);
        if (!db) {
            log_msg(LOG_ERR, "%s: %s", queue_id, err->message);
            g_error_free(err);
            return NULL;
        }
    }
    return db;
}

void dbpool_give(casedb *db, int flags, int busy_timeout_ms)
{
    if (!db)
        return;
    g_mutex_lock(&lock);
    bool keep = g_queue_get_length(&free_handles) < DBPOOL_KEEP;
    if (keep) {
        pooled *p = g_new(pooled, 1);
        p->db = db;
        p->flags = flags;
        p->busy_timeout_ms = busy_timeout_ms;
        g_queue_push_head(&free_handles, p);
    }
    g_mutex_unlock(&lock);
    if (!keep)
        casedb_close(db);
}

void dbpool_discard(casedb *db)
{
    casedb_close(db);
}

void dbpool_shutdown(void)
{
    g_mutex_lock(&lock);
    pooled *p;
    while ((p = g_queue_pop_head(&free_handles))) {
        casedb_close(p->db);
        g_free(p);
    }
    g_mutex_unlock(&lock);
}
