#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(copytroll-spool-error, spool_error)

static gint spool_counter;

/* One "Key: value" line.  Only what would break the line format goes (CR,
 * LF); 8-bit bytes stay, so an SMTPUTF8 recipient reads back as it came. */
static void add_line(GString *out, const char *key, const char *value)
{
    if (!value)
        return;
    g_string_append_printf(out, "%s: ", key);
    for (const char *p = value; *p; p++)
        g_string_append_c(out, (*p == '\r' || *p == '\n') ? ' ' : *p);
    g_string_append_c(out, '\n');
}

bool spool_write(const char *dir, const spool_entry *e, GError **err)
{
    GString *head = g_string_new(NULL);
    for (guint i = 0; i < e->recipients->len; i++)
        add_line(head, "Recipient", g_ptr_array_index(e->recipients, i));
    add_line(head, "Queue-Id", e->queue_id);
    add_line(head, "Env-Sender", e->env_sender);
    g_string_append_printf(head, "Received: %lld\n\n", (long long)e->received);

    char *name = g_strdup_printf("%lld-%d-%d", (long long)time(NULL), (int)getpid(),
                                 g_atomic_int_add(&spool_counter, 1));
    char *tmp = g_strdup_printf("%s/.%s.tmp", dir, name);
    char *final = g_strdup_printf("%s/%s.msg", dir, name);
    bool ok = false;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        gsize len;
        const char *raw = g_bytes_get_data(e->raw, &len);
        FILE *f = fdopen(fd, "w");
        ok = f && fwrite(head->str, 1, head->len, f) == head->len && fwrite(raw, 1, len, f) == len;
        ok = (f ? fflush(f) == 0 && fsync(fd) == 0 : false) && ok;
        if (f)
            ok = fclose(f) == 0 && ok;
        else
            close(fd);
        ok = ok && rename(tmp, final) == 0;
        if (!ok)
            unlink(tmp);
    }
    if (!ok)
        g_set_error(err, spool_error_quark(), errno, "cannot write spool file in %s: %s", dir, g_strerror(errno));
    g_string_free(head, TRUE);
    g_free(name);
    g_free(tmp);
    g_free(final);
    return ok;
}

void spool_entry_free(spool_entry *e)
{
    if (!e)
        return;
    if (e->recipients)
        g_ptr_array_unref(e->recipients);
    g_free(e->queue_id);
    g_free(e->env_sender);
    if (e->raw)
        g_bytes_unref(e->raw);
    g_free(e);
}

spool_entry *spool_read(const char *path, GError **err)
{
    gchar *data;
    gsize len;
    if (!g_file_get_contents(path, &data, &len, err))
        return NULL;
    spool_entry *e = g_new0(spool_entry, 1);
    e->recipients = g_ptr_array_new_with_free_func(g_free);
    const char *p = data, *end = data + len;
    while (p < end && *p != '\n') {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl)
            break;
        char *line = g_strndup(p, (gsize)(nl - p));
        char *colon = strstr(line, ": ");
        if (colon) {
            *colon = '\0';
            const char *v = colon + 2;
            if (strcmp(line, "Recipient") == 0)
                g_ptr_array_add(e->recipients, g_strdup(v));
            else if (strcmp(line, "Queue-Id") == 0)
                e->queue_id = g_strdup(v);
            else if (strcmp(line, "Env-Sender") == 0)
                e->env_sender = g_strdup(v);
            else if (strcmp(line, "Received") == 0)
                e->received = (time_t)g_ascii_strtoll(v, NULL, 10);
        }
        g_free(line);
        p = nl + 1;
    }
    if (p >= end || *p != '\n' || e->recipients->len == 0) {
        g_set_error(err, spool_error_quark(), 1, "%s: not a spool file", path);
        spool_entry_free(e);
        g_free(data);
        return NULL;
    }
    p++;
    e->raw = g_bytes_new(p, (gsize)(end - p));
    g_free(data);
    return e;
}
