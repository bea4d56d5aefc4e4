/* msgview_dump(): the view as a person reads it (`copytroll scan --dump`). */
#include <inttypes.h>
#include <string.h>

#include "msgview.h"

static const struct {
    unsigned bit;
    const char *name;
} trunc_names[] = {
    { MV_TRUNC_BYTES, "bytes" }, { MV_TRUNC_PARTS, "parts" },
    { MV_TRUNC_DEPTH, "depth" }, { MV_TRUNC_TEXT, "text" },
    { MV_TRUNC_URLS, "urls" }, { MV_TRUNC_HEADERS, "headers" },
    { MV_TRUNC_PDF, "pdf" },
};

/* Text from mail on a terminal: control characters (escape sequences
 * above all) are shown as \xNN, never sent. */
static void put_safe(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
            fprintf(out, "\\x%02x", c);
        else
            fputc(c, out);
    }
}

static void put_str(FILE *out, const char *s)
{
    if (s)
        put_safe(out, s, strlen(s));
    else
        fputs("(none)", out);
}

/* Every line of a text block behind "| ", so where it ends is plain. */
static void put_block(FILE *out, const char *s, size_t n)
{
    const char *p = s, *end = s + n;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        fputs("  | ", out);
        put_safe(out, p, (size_t)(stop - p));
        fputc('\n', out);
        p = nl ? nl + 1 : end;
    }
}

static void put_field(FILE *out, const char *label, const char *value)
{
    fprintf(out, "%-24s", label);
    put_str(out, value);
    fputc('\n', out);
}

static void put_address(FILE *out, const char *label, const mv_address *a)
{
    fprintf(out, "%-24s", label);
    if (!a->addr && !a->name) {
        fputs("(none)\n", out);
        return;
    }
    if (a->name) {
        fputc('"', out);
        put_str(out, a->name);
        fputs("\" ", out);
    }
    fputc('<', out);
    put_str(out, a->addr);
    fputs("> domain=", out);
    put_str(out, a->domain);
    fputc('\n', out);
}

static void dump_summary(const msgview *v, FILE *out)
{
    fprintf(out, "== message: %zu bytes scanned%s\n", v->raw_len,
            v->parse_failed ? ", GMime could not parse it" : "");
    fputs("truncated:              ", out);
    if (!v->truncated)
        fputs("no", out);
    for (size_t i = 0, first = 1; i < G_N_ELEMENTS(trunc_names); i++)
        if (v->truncated & trunc_names[i].bit) {
            fprintf(out, "%s%s", first ? "" : ",", trunc_names[i].name);
            first = 0;
        }
    fputc('\n', out);
    put_field(out, "Subject:", v->subject);
    put_field(out, "Date:", v->date);
    fprintf(out, "%-24s%" PRId64 "\n", "Date (unix):", (int64_t)v->date_time);
    put_field(out, "Message-ID:", v->message_id);
    put_field(out, "In-Reply-To:", v->in_reply_to);
    put_field(out, "References:", v->references);
    put_field(out, "Authentication-Results:", v->auth_results);
    put_address(out, "From:", &v->from);
    put_address(out, "Reply-To:", &v->reply_to);
    put_address(out, "Return-Path:", &v->return_path);
    put_address(out, "Sender:", &v->sender);
}

static void dump_headers(const msgview *v, FILE *out)
{
    fprintf(out, "\n== headers (%u)\n", v->headers->len);
    for (guint i = 0; i < v->headers->len; i++) {
        const mv_header *h = g_ptr_array_index(v->headers, i);
        put_str(out, h->name);
        fputs(": ", out);
        put_str(out, h->value);
        fputc('\n', out);
    }
}

static void dump_parts(const msgview *v, FILE *out)
{
    fprintf(out, "\n== text parts (%u)\n", v->parts->len);
    for (guint i = 0; i < v->parts->len; i++) {
        const mv_part *p = g_ptr_array_index(v->parts, i);
        fprintf(out, "-- part %u: ", i + 1);
        put_str(out, p->content_type);
        fputs(" charset=", out);
        put_str(out, p->charset);
        fputs(" encoding=", out);
        put_str(out, p->encoding);
        fprintf(out, " depth=%u forwarded=%s html=%s", p->depth,
                p->forwarded ? "yes" : "no", p->from_html ? "yes" : "no");
        if (p->filename) {
            fputs(" filename=", out);
            put_str(out, p->filename);
        }
        fprintf(out, " text=%zu bytes\n", p->text->len);
        put_block(out, p->text->str, p->text->len);
    }
}

static void dump_urls(const msgview *v, FILE *out)
{
    fprintf(out, "\n== urls (%u)\n", v->urls->len);
    for (guint i = 0; i < v->urls->len; i++) {
        const mv_url *u = g_ptr_array_index(v->urls, i);
        put_str(out, u->url);
        fputs("\n    host=", out);
        put_str(out, u->host);
        if (u->text) {
            fputs(" text=\"", out);
            put_str(out, u->text);
            fputc('"', out);
        }
        fputc('\n', out);
    }
}

static void dump_attachments(const msgview *v, FILE *out)
{
    fprintf(out, "\n== attachments (%u)\n", v->attachments->len);
    for (guint i = 0; i < v->attachments->len; i++) {
        const mv_attachment *a = g_ptr_array_index(v->attachments, i);
        put_str(out, a->filename);
        fputs("  ", out);
        put_str(out, a->content_type);
        fprintf(out, "  %zu bytes  depth=%u\n", a->size, a->depth);
    }
}

void msgview_dump(const msgview *v, FILE *out)
{
    if (!v || !out)
        return;
    dump_summary(v, out);
    dump_headers(v, out);
    dump_parts(v, out);
    dump_urls(v, out);
    dump_attachments(v, out);
    fprintf(out, "\n== pdf text (%zu bytes)\n", v->pdf_text->len);
    put_block(out, v->pdf_text->str, v->pdf_text->len);
}
