/* export_mbox — the archived messages as an mboxrd file (export.h).
 *
 * Each message: a "From SENDER DATE" line (the envelope sender, or
 * MAILER-DAEMON when unknown or unusable; the time it was received, UTC,
 * in asctime form), then its raw bytes, with every line matching
 * ^>*From  given one more '>', then an empty line.  A reader that splits
 * on "From " lines, drops the empty line before each and removes one '>'
 * from every ^>+From  line gets the stored bytes back, whatever the line
 * endings (CRLF stays CRLF).  A raw message not ending in a newline gets
 * one: mbox cannot represent that, and that message alone will not hash
 * to its stored sha256.
 */
#include "export.h"

#include <string.h>

static void export_mbox_from_line(GString *out, const casedb_entry *e)
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    const char *sender = e->env_sender;
    bool usable = sender && *sender && strlen(sender) < 256;
    for (const char *p = sender; usable && *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
            usable = false;
    if (!usable || strcmp(sender, "<>") == 0)
        sender = "MAILER-DAEMON";
    GDateTime *dt = g_date_time_new_from_unix_utc((gint64)e->received);
    if (!dt)
        dt = g_date_time_new_from_unix_utc(0);
    g_string_append_printf(out, "From %s %s %s %2d %02d:%02d:%02d %d\n", sender,
                           days[g_date_time_get_day_of_week(dt) % 7],
                           months[g_date_time_get_month(dt) - 1],
                           g_date_time_get_day_of_month(dt), g_date_time_get_hour(dt),
                           g_date_time_get_minute(dt), g_date_time_get_second(dt),
                           g_date_time_get_year(dt));
    g_date_time_unref(dt);
}

static bool export_mbox_needs_quote(const char *line, size_t len)
{
    size_t i = 0;
    while (i < len && line[i] == '>')
        i++;
    return len - i >= 5 && memcmp(line + i, "From ", 5) == 0;
}

static void export_mbox_body(GString *out, const char *raw, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(raw + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - raw) + 1 : len;
        if (export_mbox_needs_quote(raw + pos, end - pos))
            g_string_append_c(out, '>');
        g_string_append_len(out, raw + pos, (gssize)(end - pos));
        pos = end;
    }
    if (len == 0 || raw[len - 1] != '\n')
        g_string_append_c(out, '\n');
    g_string_append_c(out, '\n');
}

unsigned export_mbox(GString *out, const export_set *s)
{
    unsigned skipped = 0;
    for (guint i = 0; i < s->cases->len; i++) {
        const export_case *ec = g_ptr_array_index(s->cases, i);
        for (guint j = 0; j < ec->timeline->len; j++) {
            const casedb_entry *e = g_ptr_array_index(ec->timeline, j);
            if (!e->raw) {
                skipped++;
                continue;
            }
            gsize n = 0;
            const char *p = g_bytes_get_data(e->raw, &n);
            export_mbox_from_line(out, e);
            export_mbox_body(out, p ? p : "", n);
        }
    }
    return skipped;
}
