/* export_json — a JSON array, one object per case, one case per line
 * (export.h).  The case fields are those of `copytroll cases --json`;
 * "timeline" holds its messages, oldest first, each with the facts it
 * stated. */
#include "export.h"

#include <math.h>

#include "jsonw.h"

static void export_json_field(GString *out, bool *first, const char *key, const char *value)
{
    jsonw_key(out, first, key);
    jsonw_str(out, value);
}

static void export_json_time(GString *out, bool *first, const char *key, time_t t)
{
    char *s = export_time(t, false);
    export_json_field(out, first, key, s);
    g_free(s);
}

static void export_json_entry(GString *out, const casedb_entry *e)
{
    bool first = true;
    g_string_append_c(out, '{');
    export_json_time(out, &first, "received", e->received);
    export_json_field(out, &first, "verdict", e->verdict);
    export_json_field(out, &first, "kind", e->kind);
    jsonw_key(out, &first, "score");
    g_string_append_printf(out, "%.1f", isfinite(e->score) ? e->score : 0.0);
    export_json_field(out, &first, "from", e->from_addr);
    export_json_field(out, &first, "from_name", e->from_name);
    export_json_field(out, &first, "subject", e->subject);
    export_json_field(out, &first, "date", e->date);
    export_json_field(out, &first, "message_id", e->message_id);
    export_json_field(out, &first, "queue_id", e->queue_id);
    export_json_field(out, &first, "case_id", e->case_id);
    export_json_field(out, &first, "client", e->client);
    export_json_field(out, &first, "amount", e->amount);
    export_json_field(out, &first, "currency", e->currency);
    export_json_field(out, &first, "deadline", e->deadline);
    export_json_field(out, &first, "portal_url", e->portal_url);
    jsonw_key(out, &first, "image_urls");
    jsonw_str_array(out, e->image_urls);
    jsonw_key(out, &first, "page_urls");
    jsonw_str_array(out, e->page_urls);
    export_json_field(out, &first, "sha256", e->sha256);
    g_string_append_c(out, '}');
}

void export_json_case(GString *out, const export_case *ec)
{
    const casedb_case *c = ec->c;
    bool first = true;
    g_string_append_c(out, '{');
    export_json_field(out, &first, "recipient", c->recipient);
    export_json_field(out, &first, "agency", c->agency);
    export_json_field(out, &first, "case_id", c->case_id);
    export_json_field(out, &first, "client", c->client);
    export_json_field(out, &first, "status", c->status);
    jsonw_key(out, &first, "stale");
    g_string_append(out, c->stale ? "true" : "false");
    jsonw_key(out, &first, "reopened");
    g_string_append_printf(out, "%d", c->reopened);
    export_json_field(out, &first, "closed_with", c->closed_with);
    export_json_time(out, &first, "first_seen", c->first_seen);
    export_json_time(out, &first, "last_seen", c->last_seen);
    jsonw_key(out, &first, "messages");
    g_string_append_printf(out, "%d", c->messages);
    export_json_field(out, &first, "amount", c->amount);
    export_json_field(out, &first, "currency", c->currency);
    export_json_field(out, &first, "deadline", c->deadline);
    jsonw_key(out, &first, "duplicates");
    jsonw_str_array(out, c->duplicates);
    jsonw_key(out, &first, "timeline");
    g_string_append_c(out, '[');
    for (guint i = 0; i < ec->timeline->len; i++) {
        if (i)
            g_string_append_c(out, ',');
        export_json_entry(out, g_ptr_array_index(ec->timeline, i));
    }
    g_string_append(out, "]}");
}

void export_json(GString *out, const export_set *s)
{
    g_string_append_c(out, '[');
    for (guint i = 0; i < s->cases->len; i++) {
        g_string_append(out, i ? ",\n" : "\n");
        export_json_case(out, g_ptr_array_index(s->cases, i));
    }
    g_string_append(out, "\n]\n");
}
