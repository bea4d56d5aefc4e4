/* export_ics — an RFC 5545 calendar: one all-day VEVENT per deadline a
 * case's notices stated (export.h).
 *
 * A deadline that a later notice replaced, and every deadline of a closed
 * or paid case, is STATUS:CANCELLED, so a calendar shows the history but
 * only live deadlines as due.  UID = a hash of recipient, agency, case and
 * date: importing a newer export updates the same events.  DTSTAMP is when
 * the notice stating the deadline was received.  Text values escape
 * backslash, ';', ',' and newlines; control characters are dropped; lines
 * are folded at 75 octets (never inside a UTF-8 sequence) and end in CRLF.
 */
#include "export.h"

#include <string.h>

/* Append one content line, folded. */
static void export_ics_line(GString *out, const char *line)
{
    size_t width = 0;
    for (const char *p = line; *p;) {
        size_t n = 1;
        if ((unsigned char)*p >= 0xc0)
            while (((unsigned char)p[n] & 0xc0) == 0x80)
                n++;
        if (width + n > 75) {
            g_string_append(out, "\r\n ");
            width = 1;
        }
        g_string_append_len(out, p, (gssize)n);
        width += n;
        p += n;
    }
    g_string_append(out, "\r\n");
}

static void export_ics_text(GString *out, const char *s)
{
    char *v = g_utf8_make_valid(s ? s : "", -1);
    for (const char *p = v; *p; p++) {
        switch (*p) {
        case '\\': g_string_append(out, "\\\\"); break;
        case ';': g_string_append(out, "\\;"); break;
        case ',': g_string_append(out, "\\,"); break;
        case '\n': g_string_append(out, "\\n"); break;
        default:
            if ((unsigned char)*p >= 0x20 && *p != 0x7f)
                g_string_append_c(out, *p);
        }
    }
    g_free(v);
}

static void export_ics_prop(GString *out, const char *name, const char *text)
{
    GString *line = g_string_new(name);
    g_string_append_c(line, ':');
    export_ics_text(line, text);
    export_ics_line(out, line->str);
    g_string_free(line, TRUE);
}

/* "2024-01-29" → "20240129", or NULL when it is not a real date. */
static char *export_ics_date(const char *iso)
{
    unsigned y, m, d;
    char tail;
    if (!iso || strlen(iso) != 10 || sscanf(iso, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
        !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
        return NULL;
    return g_strdup_printf("%04u%02u%02u", y, m, d);
}

static char *export_ics_uid(const casedb_case *c, const char *date)
{
    char *key = g_strdup_printf("%s\n%s\n%s\n%" G_GINT64_FORMAT "\n%s", c->recipient, c->agency,
                                c->case_id ? c->case_id : "", c->case_id ? (gint64)0 :
                                (gint64)c->rowid, date);
    char *hash = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
    char *uid = g_strdup_printf("%.32s@copytroll", hash);
    g_free(key);
    g_free(hash);
    return uid;
}

static char *export_ics_summary(const casedb_case *c, const casedb_entry *e)
{
    const char *amount = e->amount ? e->amount : c->amount;
    const char *currency = e->amount ? e->currency : c->currency;
    return g_strdup_printf("Deadline: %s case %s%s%s%s%s", c->agency,
                           c->case_id ? c->case_id : "(no id)", amount ? ", " : "",
                           amount ? amount : "", currency && amount ? " " : "",
                           currency && amount ? currency : "");
}

static void export_ics_event(GString *out, const export_case *ec, const casedb_entry *e,
                             const char *date)
{
    const casedb_case *c = ec->c;
    bool closed = !g_strcmp0(c->status, "closed") || !g_strcmp0(c->status, "paid");
    bool current = !g_strcmp0(c->deadline, e->deadline);
    char *uid = export_ics_uid(c, date), *stamp = NULL;
    GDateTime *dt = g_date_time_new_from_unix_utc((gint64)e->received);
    stamp = dt ? g_date_time_format(dt, "%Y%m%dT%H%M%SZ") : g_strdup("19700101T000000Z");
    if (dt)
        g_date_time_unref(dt);
    char *summary = export_ics_summary(c, e);
    char *desc = g_strdup_printf("Stated by: %s\nReceived: %s\nClient: %s\nCase status: %s%s%s",
                                 e->subject ? e->subject : "(no subject)", stamp,
                                 c->client ? c->client : "unknown", c->status,
                                 c->stale ? " (stale)" : "",
                                 current ? "" : "\nReplaced by a later deadline.");
    export_ics_line(out, "BEGIN:VEVENT");
    export_ics_prop(out, "UID", uid);
    g_string_append_printf(out, "DTSTAMP:%s\r\n", stamp);
    g_string_append_printf(out, "DTSTART;VALUE=DATE:%s\r\n", date);
    export_ics_prop(out, "SUMMARY", summary);
    export_ics_prop(out, "DESCRIPTION", desc);
    export_ics_line(out, closed || !current ? "STATUS:CANCELLED" : "STATUS:CONFIRMED");
    export_ics_line(out, "TRANSP:TRANSPARENT");
    export_ics_line(out, "END:VEVENT");
    g_free(uid);
    g_free(stamp);
    g_free(summary);
    g_free(desc);
}

static void export_ics_case(GString *out, const export_case *ec)
{
    GPtrArray *seen = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < ec->timeline->len; i++) {
        const casedb_entry *e = g_ptr_array_index(ec->timeline, i);
        char *date = export_ics_date(e->deadline);
        if (!date || g_strcmp0(e->verdict, "claim") != 0 ||
            g_ptr_array_find_with_equal_func(seen, date, g_str_equal, NULL)) {
            g_free(date);
            continue;
        }
        export_ics_event(out, ec, e, date);
        g_ptr_array_add(seen, date);
    }
    g_ptr_array_unref(seen);
}

void export_ics(GString *out, const export_set *s)
{
    export_ics_line(out, "BEGIN:VCALENDAR");
    export_ics_line(out, "VERSION:2.0");
    export_ics_line(out, "PRODID:-//copytroll//case deadlines//EN");
    export_ics_line(out, "CALSCALE:GREGORIAN");
    export_ics_line(out, "METHOD:PUBLISH");
    for (guint i = 0; i < s->cases->len; i++)
        export_ics_case(out, g_ptr_array_index(s->cases, i));
    export_ics_line(out, "END:VCALENDAR");
}
