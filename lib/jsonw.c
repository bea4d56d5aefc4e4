#include "jsonw.h"

#include <string.h>

void jsonw_str(GString *out, const char *s)
{
    if (!s) {
        g_string_append(out, "null");
        return;
    }
    char *valid = g_utf8_make_valid(s, -1);
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)valid; *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                g_string_append_printf(out, "\\u%04x", *p);
            else
                g_string_append_c(out, (char)*p);
        }
    }
    g_string_append_c(out, '"');
    g_free(valid);
}

void jsonw_key(GString *out, bool *first, const char *key)
{
    if (!*first)
        g_string_append_c(out, ',');
    *first = false;
    jsonw_str(out, key);
    g_string_append_c(out, ':');
}

void jsonw_str_array(GString *out, GPtrArray *strings)
{
    g_string_append_c(out, '[');
    for (guint i = 0; strings && i < strings->len; i++) {
        if (i)
            g_string_append_c(out, ',');
        jsonw_str(out, g_ptr_array_index(strings, i));
    }
    g_string_append_c(out, ']');
}
