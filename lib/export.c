/* export — loading the cases to export, and the helpers the writers
 * share.  See export.h. */
#include "export.h"

#include <string.h>

static void export_case_free(export_case *ec)
{
    if (!ec)
        return;
    casedb_case_free(ec->c);
    if (ec->timeline)
        g_ptr_array_unref(ec->timeline);
    g_free(ec);
}

void export_set_free(export_set *s)
{
    if (!s)
        return;
    g_ptr_array_unref(s->cases);
    g_free(s);
}

static bool export_key_rowid(const char *key, gint64 *rowid)
{
    const char *digits = key[0] == '#' ? key + 1 : key;
    if (!*digits || strspn(digits, "0123456789") != strlen(digits) || strlen(digits) > 18)
        return false;
    *rowid = g_ascii_strtoll(digits, NULL, 10);
    return true;
}

GPtrArray *export_match_cases(GPtrArray *cases, const char *key)
{
    GPtrArray *out = g_ptr_array_new();
    gint64 rowid = 0;
    bool numeric = key && export_key_rowid(key, &rowid);
    for (guint i = 0; key && i < cases->len; i++) {
        casedb_case *c = g_ptr_array_index(cases, i);
        bool by_id = key[0] != '#' && c->case_id && g_ascii_strcasecmp(c->case_id, key) == 0;
        if (by_id || (numeric && c->rowid == rowid))
            g_ptr_array_add(out, c);
    }
    return out;
}

export_set *export_set_load(casedb *db, const casedb_filter *f, const char *case_key,
                            bool with_raw, GError **err)
{
    GPtrArray *cases = casedb_list_cases(db, f, err);
    if (!cases)
        return NULL;
    GPtrArray *wanted = case_key ? export_match_cases(cases, case_key) : NULL;
    export_set *s = g_new0(export_set, 1);
    s->cases = g_ptr_array_new_with_free_func((GDestroyNotify)export_case_free);
    /* Take the rows we keep out of the list without copying them. */
    g_ptr_array_set_free_func(cases, NULL);
    for (guint i = 0; i < cases->len; i++) {
        casedb_case *c = g_ptr_array_index(cases, i);
        if (wanted && !g_ptr_array_find(wanted, c, NULL)) {
            casedb_case_free(c);
            continue;
        }
        export_case *ec = g_new0(export_case, 1);
        ec->c = c;
        g_ptr_array_add(s->cases, ec);
    }
    g_ptr_array_unref(cases);
    if (wanted)
        g_ptr_array_unref(wanted);
    for (guint i = 0; i < s->cases->len; i++) {
        export_case *ec = g_ptr_array_index(s->cases, i);
        ec->timeline = casedb_timeline(db, ec->c->rowid, with_raw, err);
        if (!ec->timeline) {
            export_set_free(s);
            return NULL;
        }
    }
    return s;
}

GPtrArray *export_recipients(const export_set *s)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < s->cases->len; i++) {
        const export_case *ec = g_ptr_array_index(s->cases, i);
        if (!g_ptr_array_find_with_equal_func(out, ec->c->recipient, g_str_equal, NULL))
            g_ptr_array_add(out, g_strdup(ec->c->recipient));
    }
    return out;
}

/* Letters, digits and "@._+-" survive; anything else (a '/', "..", control
 * bytes, 8-bit) becomes '_'; a leading '.' too, so the name can neither
 * climb out of its directory nor hide itself. */
char *export_file_name(const char *s)
{
    GString *out = g_string_new(NULL);
    for (const char *p = s ? s : ""; *p && out->len < 200; p++) {
        char c = *p;
        bool keep = g_ascii_isalnum(c) || strchr("@._+-", c);
        if (c == '.' && (out->len == 0 || out->str[out->len - 1] == '.'))
            keep = false;
        g_string_append_c(out, keep ? g_ascii_tolower(c) : '_');
    }
    if (out->len == 0)
        g_string_append_c(out, '_');
    return g_string_free(out, FALSE);
}

char *export_time(time_t t, bool date_only)
{
    GDateTime *dt = g_date_time_new_from_unix_utc((gint64)t);
    if (!dt)
        return g_strdup("?");
    char *s = g_date_time_format(dt, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ");
    g_date_time_unref(dt);
    return s;
}
