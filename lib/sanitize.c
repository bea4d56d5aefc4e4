#include "sanitize.h"

#include <glib.h>
#include <stdbool.h>
#include <string.h>

static bool token_char(unsigned char c)
{
    return g_ascii_isalnum(c) || strchr("._/-", c) != NULL;
}

char *sanitize_token(const char *s, size_t max)
{
    GString *out = g_string_new(NULL);
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && out->len < max; p++)
        if (*p < 0x80 && token_char(*p))
            g_string_append_c(out, (char)*p);
    return g_string_free(out, FALSE);
}

char *sanitize_text(const char *s, size_t max)
{
    GString *out = g_string_new(NULL);
    bool space = false;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && out->len < max; p++) {
        if (*p <= 0x20 || *p >= 0x7f) {
            space = out->len > 0;
            continue;
        }
        if (space && out->len + 1 < max)
            g_string_append_c(out, ' ');
        space = false;
        g_string_append_c(out, (char)*p);
    }
    return g_string_free(out, FALSE);
}
