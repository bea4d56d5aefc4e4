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

/* A character a header may carry: no C0/C1 control, no line separator. */
static bool header_char(gunichar c)
{
    return c > 0x20 && c != 0x7f && !(c >= 0x80 && c < 0xa0) && c != 0x2028 && c != 0x2029;
}

char *sanitize_utf8(const char *s, size_t max)
{
    char *valid = g_utf8_make_valid(s ? s : "", -1);   /* bad bytes -> U+FFFD */
    GString *out = g_string_new(NULL);
    bool space = false;
    for (const char *p = valid; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c == 0xfffd || !header_char(c)) {
            space = space || (c != 0xfffd && out->len > 0);
            continue;
        }
        char buf[6];
        int n = g_unichar_to_utf8(c, buf);
        if (out->len + (space ? 1 : 0) + (size_t)n > max)
            break;
        if (space)
            g_string_append_c(out, ' ');
        space = false;
        g_string_append_len(out, buf, n);
    }
    g_free(valid);
    return g_string_free(out, FALSE);
}
