/* testutil — helpers shared by the cmocka unit tests: temporary files
 * that are removed at the end, and a message view built by hand (without
 * GMime) so rule tests control exactly what the rules see. */
#ifndef CT_TESTUTIL_H
#define CT_TESTUTIL_H

#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "msgview.h"

/* Write text to a new file in a fresh temporary directory; returns its
 * path (g_free).  The directory is left for testutil_rmtree(). */
static inline char *testutil_write(const char *dir, const char *name, const char *text)
{
    char *path = g_build_filename(dir, name, NULL);
    g_file_set_contents(path, text, -1, NULL);
    return path;
}

static inline void testutil_rmtree(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        char *p = g_build_filename(dir, n, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            testutil_rmtree(p);
        else
            g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(dir);
}

/* One temporary directory for a whole test program: pass
 * testutil_dir_setup and testutil_dir_teardown to
 * cmocka_run_group_tests(); the tests write below testutil_dir. */
static char *testutil_dir;

static inline int testutil_dir_setup(void **state)
{
    (void)state;
    testutil_dir = g_dir_make_tmp("ct-unit-XXXXXX", NULL);
    return testutil_dir ? 0 : -1;
}

static inline int testutil_dir_teardown(void **state)
{
    (void)state;
    testutil_rmtree(testutil_dir);
    g_clear_pointer(&testutil_dir, g_free);
    return 0;
}

static inline void mvh_free(gpointer p)
{
    mv_header *h = p;
    g_free(h->name);
    g_free(h->value);
    g_free(h);
}

/* A hand-made view: From address, Subject and body text.  Free it with
 * testutil_view_free (not msgview_free: nothing here came from GMime). */
static inline msgview *testutil_view(const char *from_addr, const char *subject, const char *body)
{
    msgview *v = g_new0(msgview, 1);
    v->headers = g_ptr_array_new_with_free_func(mvh_free);
    v->parts = g_ptr_array_new();
    v->urls = g_ptr_array_new();
    v->attachments = g_ptr_array_new();
    v->body_text = g_string_new(body);
    v->pdf_text = g_string_new(NULL);
    v->subject = g_strdup(subject);
    if (from_addr) {
        v->from.addr = g_strdup(from_addr);
        const char *at = strrchr(from_addr, '@');
        v->from.domain = at ? g_ascii_strdown(at + 1, -1) : NULL;
    }
    mv_header *h = g_new0(mv_header, 1);
    h->name = g_strdup("Subject");
    h->value = g_strdup(subject ? subject : "");
    g_ptr_array_add(v->headers, h);
    return v;
}

static inline void testutil_view_add_url(msgview *v, const char *url, const char *host)
{
    mv_url *u = g_new0(mv_url, 1);
    u->url = g_strdup(url);
    u->host = g_strdup(host);
    g_ptr_array_add(v->urls, u);
}

static inline void testutil_view_free(msgview *v)
{
    for (guint i = 0; i < v->urls->len; i++) {
        mv_url *u = g_ptr_array_index(v->urls, i);
        g_free(u->url);
        g_free(u->host);
        g_free(u->text);
        g_free(u);
    }
    g_ptr_array_unref(v->urls);
    g_ptr_array_unref(v->headers);
    g_ptr_array_unref(v->parts);
    g_ptr_array_unref(v->attachments);
    g_string_free(v->body_text, TRUE);
    g_string_free(v->pdf_text, TRUE);
    g_free(v->subject);
    g_free(v->from.addr);
    g_free(v->from.domain);
    g_free(v);
}

#endif
