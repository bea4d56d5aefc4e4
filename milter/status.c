#include "status.h"

#include <glib.h>

#include "log.h"
#include "runtime.h"
#include "statusfile.h"

#define STATUS_INTERVAL_S 5

static struct {
    char *path;
    GThread *thread;
    GMutex lock;
    GCond wake;
    bool quit;
    bool failing;
} st;

static void status_write_now(void)
{
    ct_status now;
    runtime_status(&now);
    GError *err = NULL;
    if (statusfile_write(st.path, &now, &err)) {
        st.failing = false;
        return;
    }
    if (!st.failing)
        log_msg(LOG_WARNING, "%s (copytroll stats will not see this milter)", err->message);
    st.failing = true;
    g_error_free(err);
}

static gpointer status_thread(gpointer unused)
{
    (void)unused;
    g_mutex_lock(&st.lock);
    while (!st.quit) {
        g_mutex_unlock(&st.lock);
        status_write_now();
        g_mutex_lock(&st.lock);
        gint64 until = g_get_monotonic_time() + STATUS_INTERVAL_S * G_TIME_SPAN_SECOND;
        while (!st.quit && g_cond_wait_until(&st.wake, &st.lock, until))
            ;
    }
    g_mutex_unlock(&st.lock);
    return NULL;
}

void status_start(const char *path)
{
    st.path = g_strdup(path);
    st.thread = g_thread_new("status", status_thread, NULL);
}

void status_stop(void)
{
    if (!st.thread)
        return;
    g_mutex_lock(&st.lock);
    st.quit = true;
    g_cond_signal(&st.wake);
    g_mutex_unlock(&st.lock);
    g_thread_join(st.thread);
    st.thread = NULL;
    status_write_now();
    g_free(st.path);
    st.path = NULL;
}
