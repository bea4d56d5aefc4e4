/* export_html — one self-contained page for one recipient (export.h):
 * inline CSS, no script, no external resource, readable offline and
 * printable.  A summary of every case, the points that need attention
 * (double claims, stale cases, reopened cases), then each case's timeline
 * with the amount and deadline each notice stated.  Every value that came
 * from mail or the database is HTML-escaped; URLs are shown as text, not
 * links, so the page never fetches or leads anywhere by itself.
 */
#include "export.h"

#include <string.h>

static const char export_html_css[] =
    "body{font-family:sans-serif;margin:2em;color:#222;max-width:70em}"
    "h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.5em 0;width:100%}"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}.warn{background:#fff4d6;border:1px solid #e0b000;padding:.5em 1em}"
    "code{font-size:.9em;word-break:break-all}.muted{color:#666}";

static void export_html_esc(GString *out, const char *s)
{
    char *v = g_utf8_make_valid(s ? s : "", -1);
    for (const char *p = v; *p; p++) {
        switch (*p) {
        case '&': g_string_append(out, "&amp;"); break;
        case '<': g_string_append(out, "&lt;"); break;
        case '>': g_string_append(out, "&gt;"); break;
        case '"': g_string_append(out, "&quot;"); break;
        case '\'': g_string_append(out, "&#39;"); break;
        default:
            if ((unsigned char)*p < 0x20 && *p != '\n' && *p != '\t')
                g_string_append_c(out, ' ');
            else
                g_string_append_c(out, *p);
        }
    }
    g_free(v);
}

/* <td>escaped</td>, "–" for a missing value. */
static void export_html_td(GString *out, const char *s)
{
    g_string_append(out, "<td>");
    if (s && *s)
        export_html_esc(out, s);
    else
        g_string_append(out, "&ndash;");
    g_string_append(out, "</td>");
}

static char *export_html_amount(const char *amount, const char *currency)
{
    if (!amount)
        return NULL;
    return g_strdup_printf("%s %s", amount, currency ? currency : "");
}

static char *export_html_join(GPtrArray *list)
{
    GString *out = g_string_new(NULL);
    for (guint i = 0; list && i < list->len; i++)
        g_string_append_printf(out, "%s%s", i ? ", " : "", (const char *)g_ptr_array_index(list, i));
    return g_string_free(out, FALSE);
}

static const char *export_html_case_name(const casedb_case *c)
{
    return c->case_id ? c->case_id : "(no case id yet)";
}

static void export_html_summary_row(GString *out, const export_case *ec)
{
    const casedb_case *c = ec->c;
    char *amount = export_html_amount(c->amount, c->currency);
    char *dups = export_html_join(c->duplicates);
    char *status = g_strdup_printf("%s%s", c->status, c->stale ? " (stale)" : "");
    char *first = export_time(c->first_seen, true), *last = export_time(c->last_seen, true);
    g_string_append_printf(out, "<tr><td><a href=\"#case-%" G_GINT64_FORMAT "\">", c->rowid);
    export_html_esc(out, export_html_case_name(c));
    g_string_append(out, "</a></td>");
    const char *cells[] = { c->agency, c->client, status, amount, c->deadline, first, last, dups };
    for (unsigned i = 0; i < G_N_ELEMENTS(cells); i++)
        export_html_td(out, cells[i]);
    g_string_append_printf(out, "<td>%d</td></tr>\n", c->messages);
    g_free(amount);
    g_free(dups);
    g_free(status);
    g_free(first);
    g_free(last);
}

static void export_html_attention(GString *out, const export_set *s, const char *rcpt)
{
    GString *items = g_string_new(NULL);
    for (guint i = 0; i < s->cases->len; i++) {
        const export_case *ec = g_ptr_array_index(s->cases, i);
        const casedb_case *c = ec->c;
        if (g_strcmp0(c->recipient, rcpt) != 0)
            continue;
        if (c->duplicates->len) {
            char *dups = export_html_join(c->duplicates);
            g_string_append(items, "<li>Double claim: ");
            export_html_esc(items, c->agency);
            g_string_append(items, " case ");
            export_html_esc(items, export_html_case_name(c));
            g_string_append(items, " claims the same image as case ");
            export_html_esc(items, dups);
            g_string_append(items, ".</li>\n");
            g_free(dups);
        }
        if (c->stale) {
            g_string_append(items, "<li>Stale: no news on case ");
            export_html_esc(items, export_html_case_name(c));
            g_string_append(items, " since a reminder; ask the agency whether it is closed.</li>\n");
        }
        if (c->closed_with) {
            g_string_append(items, "<li>Closed with its double claim: case ");
            export_html_esc(items, export_html_case_name(c));
            g_string_append(items, " had no closure of its own; the agency's closure of case ");
            export_html_esc(items, c->closed_with);
            g_string_append(items, " said it covers both.</li>\n");
        }
        if (c->reopened) {
            g_string_append(items, "<li>Reopened: case ");
            export_html_esc(items, export_html_case_name(c));
            g_string_append(items, " got a new notice after it was closed.</li>\n");
        }
    }
    if (items->len)
        g_string_append_printf(out, "<div class=\"warn\"><strong>Needs attention</strong>"
                                    "<ul>\n%s</ul></div>\n", items->str);
    g_string_free(items, TRUE);
}

static void export_html_entry(GString *out, const casedb_entry *e)
{
    char *when = export_time(e->received, false);
    char *amount = export_html_amount(e->amount, e->currency);
    char *kind = g_strdup_printf("%s%s", e->kind ? e->kind : "other",
                                 g_strcmp0(e->verdict, "suspect") == 0 ? " (suspected fake)" : "");
    GString *from = g_string_new(e->from_name ? e->from_name : "");
    if (e->from_addr)
        g_string_append_printf(from, "%s<%s>", from->len ? " " : "", e->from_addr);
    char *sha = g_strndup(e->sha256 ? e->sha256 : "", 12);
    const char *cells[] = { when, kind, from->str, e->subject, amount, e->deadline };
    g_string_append(out, "<tr>");
    for (unsigned i = 0; i < G_N_ELEMENTS(cells); i++)
        export_html_td(out, cells[i]);
    g_string_append(out, "<td><code>");
    export_html_esc(out, sha);
    g_string_append(out, "</code></td></tr>\n");
    g_free(when);
    g_free(amount);
    g_free(kind);
    g_string_free(from, TRUE);
    g_free(sha);
}

static void export_html_urls(GString *out, const export_case *ec, bool images)
{
    GPtrArray *seen = g_ptr_array_new();
    for (guint i = 0; i < ec->timeline->len; i++) {
        const casedb_entry *e = g_ptr_array_index(ec->timeline, i);
        GPtrArray *urls = images ? e->image_urls : e->page_urls;
        for (guint j = 0; j < urls->len; j++)
            if (!g_ptr_array_find_with_equal_func(seen, urls->pdata[j], g_str_equal, NULL))
                g_ptr_array_add(seen, urls->pdata[j]);
    }
    if (seen->len) {
        g_string_append_printf(out, "<p>%s: ", images ? "Image" : "Found on");
        for (guint i = 0; i < seen->len; i++) {
            g_string_append(out, i ? ", <code>" : "<code>");
            export_html_esc(out, seen->pdata[i]);
            g_string_append(out, "</code>");
        }
        g_string_append(out, "</p>\n");
    }
    g_ptr_array_unref(seen);
}

static void export_html_case(GString *out, const export_case *ec)
{
    const casedb_case *c = ec->c;
    g_string_append_printf(out, "<h2 id=\"case-%" G_GINT64_FORMAT "\">", c->rowid);
    export_html_esc(out, c->agency);
    g_string_append(out, " case ");
    export_html_esc(out, export_html_case_name(c));
    g_string_append(out, "</h2>\n<p>Client: ");
    export_html_esc(out, c->client ? c->client : "unknown");
    g_string_append(out, ". Status: ");
    export_html_esc(out, c->status);
    if (c->stale)
        g_string_append(out, " (stale: the agency has gone silent)");
    g_string_append(out, ".</p>\n");
    export_html_urls(out, ec, true);
    export_html_urls(out, ec, false);
    g_string_append(out, "<table><tr><th>Received (UTC)</th><th>Kind</th><th>From</th>"
                         "<th>Subject</th><th>Amount stated</th><th>Deadline stated</th>"
                         "<th>SHA-256</th></tr>\n");
    for (guint i = 0; i < ec->timeline->len; i++)
        export_html_entry(out, g_ptr_array_index(ec->timeline, i));
    g_string_append(out, "</table>\n");
}

void export_html(GString *out, const export_set *s, const char *recipient, time_t now)
{
    char *made = export_time(now, false);
    g_string_append(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                         "<title>Copyright claims for ");
    export_html_esc(out, recipient);
    g_string_append_printf(out, "</title>\n<style>%s</style></head><body>\n"
                                "<h1>Copyright claims for ", export_html_css);
    export_html_esc(out, recipient);
    g_string_append_printf(out, "</h1>\n<p class=\"muted\">Exported %s by copytroll. Times are "
                                "UTC; the SHA-256 identifies each archived message.</p>\n", made);
    export_html_attention(out, s, recipient);
    g_string_append(out, "<table><tr><th>Case</th><th>Agency</th><th>Client</th><th>Status</th>"
                         "<th>Amount</th><th>Deadline</th><th>First</th><th>Last</th>"
                         "<th>Same image as</th><th>Messages</th></tr>\n");
    for (guint i = 0; i < s->cases->len; i++) {
        const export_case *ec = g_ptr_array_index(s->cases, i);
        if (g_strcmp0(ec->c->recipient, recipient) == 0)
            export_html_summary_row(out, ec);
    }
    g_string_append(out, "</table>\n");
    for (guint i = 0; i < s->cases->len; i++) {
        const export_case *ec = g_ptr_array_index(s->cases, i);
        if (g_strcmp0(ec->c->recipient, recipient) == 0)
            export_html_case(out, ec);
    }
    g_string_append(out, "</body></html>\n");
    g_free(made);
}
