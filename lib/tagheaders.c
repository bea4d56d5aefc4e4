#include "tagheaders.h"

#include <string.h>

#include "sanitize.h"

#define TOKEN_MAX 64
#define SUBJECT_MAX 900  /* stays under the 998-byte line limit */

static void add_param(GString *out, const char *name, const char *value)
{
    char *clean = sanitize_token(value, TOKEN_MAX);
    if (*clean)
        g_string_append_printf(out, "; %s=%s", name, clean);
    g_free(clean);
}

char *tag_status_value(const verdict *v)
{
    GString *out = g_string_new(verdict_name(v->verdict));
    if (v->verdict != CT_VERDICT_NONE) {
        add_param(out, "agency", v->agency);
        if (v->verdict == CT_VERDICT_SUSPECT)
            add_param(out, "reason", v->reason);
        add_param(out, "kind", verdict_kind_name(v->kind));
        add_param(out, "case", v->case_id);
    }
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(num, sizeof num, "%.1f", v->score);
    g_string_append_printf(out, "; score=%s", num);
    return g_string_free(out, FALSE);
}

char *tag_duplicate_value(const char *other_case_id)
{
    char *clean = sanitize_token(other_case_id, TOKEN_MAX);
    char *s = g_strdup_printf("case=%s", clean);
    g_free(clean);
    return s;
}

char *tag_subject(const char *subject, const char *tag)
{
    char *ctag = sanitize_text(tag, 100);
    char *csub = sanitize_utf8(subject, SUBJECT_MAX);   /* keep the reader's umlauts */
    char *s = g_str_has_prefix(csub, ctag) ? g_strdup(csub)
              : *csub ? g_strdup_printf("%s %s", ctag, csub) : g_strdup(ctag);
    g_free(ctag);
    g_free(csub);
    return s;
}
