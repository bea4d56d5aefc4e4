/* mailbox — one message per file, mbox (split by GMime), Maildir. */
#include "mailbox.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gmime/gmime.h>

G_DEFINE_QUARK(copytroll-mailbox-error, mailbox_error)

static void mailbox_errno(GError **err, const char *path, int e)
{
    g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path, g_strerror(e));
}

static bool mailbox_stat(const char *path, struct stat *st, GError **err)
{
    if (stat(path, st) == 0)
        return true;
    mailbox_errno(err, path, errno);
    return false;
}

static bool mailbox_is_maildir(const char *path)
{
    char *cur = g_build_filename(path, "cur", NULL), *new = g_build_filename(path, "new", NULL);
    bool yes = g_file_test(cur, G_FILE_TEST_IS_DIR) || g_file_test(new, G_FILE_TEST_IS_DIR);
    g_free(cur);
    g_free(new);
    return yes;
}

/* "From " at the very start of the file makes it an mbox. */
static bool mailbox_starts_with_from(const char *path, GError **err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        mailbox_errno(err, path, errno);
        return false;
    }
    char head[5];
    ssize_t n = read(fd, head, sizeof head);
    int e = errno;
    close(fd);
    if (n < 0) {
        mailbox_errno(err, path, e);
        return false;
    }
    return n == 5 && memcmp(head, "From ", 5) == 0;
}

bool mailbox_detect(const char *path, mailbox_kind *kind, GError **err)
{
    struct stat st;
    if (!mailbox_stat(path, &st, err))
        return false;
    if (S_ISDIR(st.st_mode)) {
        if (!mailbox_is_maildir(path)) {
            g_set_error(err, mailbox_error_quark(), 1, "%s: a directory but not a Maildir "
                        "(no cur/ or new/)", path);
            return false;
        }
        *kind = MAILBOX_MAILDIR;
        return true;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(err, mailbox_error_quark(), 1, "%s: not a file or a directory", path);
        return false;
    }
    GError *e = NULL;
    bool mbox = mailbox_starts_with_from(path, &e);
    if (e) {
        g_propagate_error(err, e);
        return false;
    }
    *kind = mbox ? MAILBOX_MBOX : MAILBOX_MESSAGE;
    return true;
}

/* One whole file as one message; an unreadable one goes to fn as an error. */
static bool mailbox_file(const char *path, const char *source, mailbox_fn fn, void *data)
{
    GError *e = NULL;
    struct stat st;
    GMappedFile *map = mailbox_stat(path, &st, &e) ? g_mapped_file_new(path, FALSE, &e) : NULL;
    mailbox_msg m = {.source = source, .mtime = map ? st.st_mtime : 0, .error = e};
    if (map) {
        m.raw = g_mapped_file_get_contents(map);
        m.len = g_mapped_file_get_length(map);
        if (!m.raw)
            m.raw = "";   /* an empty file maps to NULL */
    }
    bool go_on = fn(&m, data);
    if (map)
        g_mapped_file_unref(map);
    g_clear_error(&e);
    return go_on;
}

/* ---------------------------------------------------------------- mbox */

/* Take off the empty line the mbox writer put before the next From_ line. */
static size_t mailbox_mbox_trim(const char *p, size_t len)
{
    if (len >= 4 && memcmp(p + len - 4, "\r\n\r\n", 4) == 0)
        return len - 2;
    if (len >= 2 && memcmp(p + len - 2, "\n\n", 2) == 0)
        return len - 1;
    return len;
}

static bool mailbox_mbox(const char *path, mailbox_fn fn, void *data, GError **err)
{
    struct stat st;
    GMappedFile *map = mailbox_stat(path, &st, err) ? g_mapped_file_new(path, FALSE, err) : NULL;
    int fd = map ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (map && fd < 0)
        mailbox_errno(err, path, errno);
    if (fd < 0) {
        if (map)
            g_mapped_file_unref(map);
        return false;
    }
    g_mime_init();
    const char *bytes = g_mapped_file_get_contents(map);
    gint64 size = (gint64)g_mapped_file_get_length(map);
    GMimeStream *stream = g_mime_stream_fs_new(fd);   /* owns fd */
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
    bool go_on = true;
    for (unsigned n = 1; go_on && !g_mime_parser_eos(parser); n++) {
        GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
        char *source = g_strdup_printf("%s#%u", path, n);
        gint64 begin = g_mime_parser_get_headers_begin(parser);
        gint64 end = g_mime_parser_tell(parser);
        mailbox_msg m = {.source = source, .mtime = st.st_mtime};
        GError *e = NULL;
        if (!msg || begin < 0 || end < begin || end > size) {
            g_set_error(&e, mailbox_error_quark(), 2, "%s: cannot split the mbox at message %u "
                        "(stopped reading this file)", path, n);
            m.error = e;
            go_on = false;
        } else {
            m.raw = bytes + begin;
            m.len = mailbox_mbox_trim(m.raw, (size_t)(end - begin));
        }
        bool more = fn(&m, data);
        go_on = go_on && more;
        g_clear_error(&e);
        g_free(source);
        if (msg)
            g_object_unref(msg);
    }
    g_object_unref(parser);
    g_object_unref(stream);
    g_mapped_file_unref(map);
    return true;
}

/* ---------------------------------------------------------------- Maildir */

static void mailbox_maildir_list(const char *dir, const char *sub, GPtrArray *names)
{
    char *path = g_build_filename(dir, sub, NULL);
    GDir *d = g_dir_open(path, 0, NULL);
    const char *n;
    while (d && (n = g_dir_read_name(d))) {
        if (n[0] == '.')
            continue;
        char *rel = g_build_filename(sub, n, NULL);
        char *full = g_build_filename(dir, rel, NULL);
        if (g_file_test(full, G_FILE_TEST_IS_REGULAR))
            g_ptr_array_add(names, rel);
        else
            g_free(rel);
        g_free(full);
    }
    if (d)
        g_dir_close(d);
    g_free(path);
}

/* By file name (delivery time first in Maildir names), then cur before new. */
static gint mailbox_name_cmp(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    int c = strcmp(strchr(x, '/') + 1, strchr(y, '/') + 1);
    return c ? c : strcmp(x, y);
}

static bool mailbox_maildir(const char *path, mailbox_fn fn, void *data)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    mailbox_maildir_list(path, "cur", names);
    mailbox_maildir_list(path, "new", names);
    g_ptr_array_sort(names, mailbox_name_cmp);
    bool go_on = true;
    for (guint i = 0; go_on && i < names->len; i++) {
        char *full = g_build_filename(path, g_ptr_array_index(names, i), NULL);
        go_on = mailbox_file(full, full, fn, data);
        g_free(full);
    }
    g_ptr_array_unref(names);
    return true;
}

bool mailbox_each(const char *path, mailbox_fn fn, void *data, GError **err)
{
    mailbox_kind kind;
    if (!mailbox_detect(path, &kind, err))
        return false;
    switch (kind) {
    case MAILBOX_MAILDIR: return mailbox_maildir(path, fn, data);
    case MAILBOX_MBOX: return mailbox_mbox(path, fn, data, err);
    case MAILBOX_MESSAGE: break;
    }
    mailbox_file(path, path, fn, data);
    return true;
}
