/* export_csv — one row per case, RFC 4180 (export.h).
 *
 * Every cell is quoted (a quote inside doubled), rows end with CRLF.  A
 * cell that a spreadsheet would run as a formula (starting with = + - @,
 * TAB or CR) gets a leading apostrophe: the sender of a notice chooses the
 * client name, the subject and the URLs.  Invalid UTF-8 becomes U+FFFD.
 */
#include "export.h"

#include <string.h>

static void export_csv_cell(GString *out, bool *first, const char *s)
{
    if (!*first)
        g_string_append_c(out, ',');
    *first = false;
    char *v = g_utf8_make_valid(s ? s : "", -1);
    g_string_append_c(out, '"');
    if (strchr("=+-@\t\r", v[0]) && v[0])
        g_string_append_c(out, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            g_string_append_c(out, '"');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
    g_free(v);
}

/* The distinct URLs of one kind over the whole timeline, space separated. */
static char *export_csv_urls(const export_case *ec, bool images)
{
    GPtrArray *seen = g_ptr_array_new();
    GString *out = g_string_new(NULL);
    for (guint i = 0; i < ec->timeline->len; i++) {
        const casedb_entry *e = g_ptr_array_index(ec->timeline, i);
        GPtrArray *urls = images ? e->image_urls : e->page_urls;
        for (guint j = 0; j < urls->len; j++) {
            const char *u = g_ptr_array_index(urls, j);
            if (g_ptr_array_find_with_equal_func(seen, u, g_str_equal, NULL))
                continue;
            g_ptr_array_add(seen, (gpointer)u);
            g_string_append_printf(out, "%s%s", out->len ? " " : "", u);
        }
    }
    g_ptr_array_unref(seen);
    return g_string_free(out, FALSE);
}

static char *export_csv_join(GPtrArray *list, const char *sep)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; list && i < list->len; i++)
        g_string_append_printf(out, "%s%s", i ? sep : "", (const char *)g_ptr_array_index(list, i));
    return g_string_free(out, FALSE);
}

static void export_csv_row(GString *out, const export_case *ec)
{
    const casedb_case *c = ec->c;
    bool first = true;
    char *fs = export_time(c->first_seen, false), *ls = export_time(c->last_seen, false);
    char *msgs = g_strdup_printf("%d", c->messages), *reopened = g_strdup_printf("%d", c->reopened);
    char *dups = export_csv_join(c->duplicates, " ");
    char *images = export_csv_urls(ec, true), *pages = export_csv_urls(ec, false);
    const char *cells[] = {
        c->recipient, c->agency, c->case_id, c->client, c->status, c->stale ? "yes" : "no",
        reopened, fs, ls, msgs, c->amount, c->currency, c->deadline, dups, images, pages,
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cells); i++)
        export_csv_cell(out, &first, cells[i]);
    g_string_append(out, "\r\n");
    g_free(fs);
    g_free(ls);
    g_free(msgs);
    g_free(reopened);
    g_free(dups);
    g_free(images);
    g_free(pages);
}

void export_csv(GString *out, const export_set *s)
{
    static const char *const head[] = {
        "recipient", "agency", "case_id", "client", "status", "stale", "reopened",
        "first_seen", "last_seen", "messages", "amount", "currency", "deadline",
        "duplicates", "image_urls", "page_urls",
    };
    bool first = true;
    for (unsigned i = 0; i < G_N_ELEMENTS(head); i++)
        export_csv_cell(out, &first, head[i]);
    g_string_append(out, "\r\n");
    for (guint i = 0; i < s->cases->len; i++)
        export_csv_row(out, g_ptr_array_index(s->cases, i));
}
