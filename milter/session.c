#include "session.h"

#include <string.h>

#include <libmilter/mfapi.h>

static void forged_clear(gpointer p)
{
    g_free(((forged_header *)p)->name);
}

session *session_new(unsigned long proto)
{
    session *s = g_new0(session, 1);
    s->proto = proto;
    s->rcpts = g_ptr_array_new_with_free_func(g_free);
    s->raw = g_string_sized_new(16384);
    s->hdr_counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->forged = g_array_new(FALSE, FALSE, sizeof(forged_header));
    g_array_set_clear_func(s->forged, forged_clear);
    return s;
}

runtime_set *session_set(session *s)
{
    if (!s->set)
        s->set = runtime_acquire();
    return s->set;
}

void session_reset_message(session *s)
{
    g_clear_pointer(&s->set, runtime_release);
    s->unscanned = false;
    g_clear_pointer(&s->queue_id, g_free);
    g_clear_pointer(&s->env_sender, g_free);
    g_clear_pointer(&s->subject, g_free);
    g_ptr_array_set_size(s->rcpts, 0);
    /* Keep the buffer for the next message unless one huge message grew it. */
    if (s->raw->allocated_len > (1u << 20)) {
        g_string_free(s->raw, TRUE);
        s->raw = g_string_sized_new(16384);
    }
    g_string_truncate(s->raw, 0);
    s->truncated = false;
    g_hash_table_remove_all(s->hdr_counts);
    g_array_set_size(s->forged, 0);
    s->subject_count = 0;
}

void session_free(session *s)
{
    if (!s)
        return;
    session_reset_message(s);
    g_ptr_array_unref(s->rcpts);
    g_string_free(s->raw, TRUE);
    g_hash_table_destroy(s->hdr_counts);
    g_array_unref(s->forged);
    g_free(s);
}

static void append_capped(session *s, const char *data, size_t len, size_t max)
{
    if (s->raw->len >= max) {
        s->truncated = s->truncated || len > 0;
        return;
    }
    size_t room = max - s->raw->len;
    if (len > room) {
        len = room;
        s->truncated = true;
    }
    g_string_append_len(s->raw, data, (gssize)len);
}

/* Appends "Name:value\r\n" straight to the raw message, piece by piece
 * under the same cap as the body: a header is called for every line of
 * every message, so no copy of the line is made on the way. */
static void append_header_line(session *s, const char *name, const char *value, size_t max)
{
    append_capped(s, name, strlen(name), max);
    /* Without SMFIP_HDR_LEADSPC the MTA stripped the space after ':'. */
    if (s->proto & SMFIP_HDR_LEADSPC)
        append_capped(s, ":", 1, max);
    else
        append_capped(s, ": ", 2, max);
    for (const char *p = value; *p;) {
        const char *lf = strchr(p, '\n');
        size_t n = lf ? (size_t)(lf - p) : strlen(p);
        append_capped(s, p, n, max);
        if (!lf)
            break;
        /* Postfix folds with a bare LF: CRLF, like the body. */
        if (lf == value || lf[-1] != '\r')
            append_capped(s, "\r\n", 2, max);
        else
            append_capped(s, "\n", 1, max);
        p = lf + 1;
    }
    append_capped(s, "\r\n", 2, max);
}

void session_add_header(session *s, const char *name, const char *value, size_t max)
{
    /* Only the headers we may change need their index among headers of
     * the same name (smfi_chgheader): incoming X-Copytroll-* ones, which
     * are removed, and Subject, which a tag rewrites. */
    if (g_ascii_strncasecmp(name, "X-Copytroll-", 12) == 0) {
        char *lower = g_ascii_strdown(name, -1);
        int n = GPOINTER_TO_INT(g_hash_table_lookup(s->hdr_counts, lower)) + 1;
        g_hash_table_replace(s->hdr_counts, lower, GINT_TO_POINTER(n));
        forged_header f = {g_strdup(name), n};
        g_array_append_val(s->forged, f);
    } else if (g_ascii_strcasecmp(name, "Subject") == 0 && s->subject_count++ == 0) {
        s->subject = g_strdup(value);
    }
    append_header_line(s, name, value, max);
}

void session_add_body(session *s, const unsigned char *chunk, size_t len, size_t max)
{
    append_capped(s, (const char *)chunk, len, max);
}
