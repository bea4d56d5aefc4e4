/* The MIME tree → parts, URLs, attachments and PDF text of a view. */
#include <string.h>

#include "html2text.h"
#include "msgview_internal.h"
#include "mvtext.h"
#include "mvurls.h"
#include "pdftext.h"

typedef struct walk {
    msgview *v;
    const msgview_limits *lim;
    mvurls *urls;
    size_t objects;    /* MIME objects visited */
    size_t text_total; /* bytes of part text kept so far */
} walk;

/* The headers a reader of a forwarded message sees first. */
static const char *const forward_headers[] = { "From", "To", "Cc", "Date", "Subject" };

/* Leaf types whose body is text a person reads, besides text/... */
static const char *const texty_types[] = {
    "message/delivery-status", "message/disposition-notification",
    "message/feedback-report", "message/global-delivery-status",
    "message/global-disposition-notification",
};

static bool is_texty(const char *type)
{
    if (!strncmp(type, "text/", 5))
        return true;
    for (size_t i = 0; i < G_N_ELEMENTS(texty_types); i++)
        if (!strcmp(type, texty_types[i]))
            return true;
    return false;
}

static bool is_pdf(const char *type, const char *filename)
{
    if (!strcmp(type, "application/pdf") || !strcmp(type, "application/x-pdf"))
        return true;
    size_t n = filename ? strlen(filename) : 0;
    return n > 4 && !g_ascii_strcasecmp(filename + n - 4, ".pdf");
}

static char *mime_type(GMimeObject *obj)
{
    GMimeContentType *ct = g_mime_object_get_content_type(obj);
    char *t = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
    char *clean = msgview_clean_value(t ? t : "text/plain", 256, NULL);
    g_free(t);
    char *lower = g_ascii_strdown(clean, -1);
    g_free(clean);
    return lower;
}

#define CHUNK 65536

/* Every byte of a stream from its start; the caller frees the result.
 * The buffer is sized from the stream's length, so one read fills it. */
static GByteArray *read_all(GMimeStream *s)
{
    gint64 n = g_mime_stream_length(s);
    size_t cap = n > 0 ? (size_t)n + 1 : CHUNK, used = 0;
    guint8 *buf = g_malloc(cap);
    g_mime_stream_reset(s);
    for (;;) {
        if (used == cap) {
            cap *= 2;
            buf = g_realloc(buf, cap);
        }
        ssize_t r = g_mime_stream_read(s, (char *)buf + used, cap - used);
        if (r <= 0)
            break;
        used += (size_t)r;
    }
    return g_byte_array_new_take(buf, used);
}

static bool step_decodes(GMimeContentEncoding enc)
{
    return enc == GMIME_CONTENT_ENCODING_BASE64
           || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
}

/* The decoded body of a leaf; the caller frees it.  Base64 and QP are
 * decoded in one step over the whole body (no stream and filter objects
 * per part); uuencode, rare, goes through GMime's filter, which finds the
 * "begin" line. */
static GByteArray *decode(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (!content)
        return g_byte_array_new();
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(content);
    if (enc == GMIME_CONTENT_ENCODING_UUENCODE) {
        GMimeStream *mem = g_mime_stream_mem_new();
        g_mime_data_wrapper_write_to_stream(content, mem);
        GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
        g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
        g_object_unref(mem);
        return bytes;
    }
    GByteArray *raw = read_all(g_mime_data_wrapper_get_stream(content));
    if (!step_decodes(enc) || raw->len == 0)
        return raw;
    GMimeEncoding state;
    g_mime_encoding_init_decode(&state, enc);
    GByteArray *out = g_byte_array_sized_new((guint)g_mime_encoding_outlen(&state, raw->len));
    g_byte_array_set_size(out, (guint)g_mime_encoding_outlen(&state, raw->len));
    size_t n = g_mime_encoding_step(&state, (const char *)raw->data, raw->len, (char *)out->data);
    g_byte_array_set_size(out, (guint)n);
    g_byte_array_unref(raw);
    return out;
}

/* One base64 alphabet character (A-Z a-z 0-9 + /) as 1, else 0, without a
 * branch: c | 0x20 folds A-Z onto a-z (and no other byte onto them), and
 * '/' is the byte just below '0'. */
static inline unsigned char base64_alphabet(unsigned char c)
{
    return ((unsigned char)((c | 0x20) - 'a') < 26) | ((unsigned char)(c - '/') < 11)
           | (c == '+');
}

size_t msgview_base64_count(const char *buf, size_t len, bool *padded)
{
    const char *eq = memchr(buf, '=', len);
    const unsigned char *p = (const unsigned char *)buf;
    size_t n = eq ? (size_t)(eq - buf) : len, chars = 0, i = 0;
    *padded = eq != NULL;
    /* fixed 64-byte blocks with a byte-sized sum (64 fits): a loop GCC's
     * -O2 vectorises, where its cost model leaves a plain loop over n
     * bytes scalar */
    for (; i + 64 <= n; i += 64) {
        unsigned char block = 0;
        for (size_t k = 0; k < 64; k++)
            block += base64_alphabet(p[i + k]);
        chars += block;
    }
    for (; i < n; i++)
        chars += base64_alphabet(p[i]);
    return chars;
}

/* Decoded size of a base64 body: every 4 alphabet characters up to the
 * first '=' are 3 bytes, the count GMime's decoder comes to.  Counting is
 * cheaper than decoding, and the bytes themselves are not needed. */
static size_t base64_size(GMimeStream *s)
{
    char *buf = g_malloc(CHUNK);
    size_t chars = 0;
    ssize_t r;
    bool padded = false;
    g_mime_stream_reset(s);
    while (!padded && (r = g_mime_stream_read(s, buf, CHUNK)) > 0)
        chars += msgview_base64_count(buf, (size_t)r, &padded);
    g_free(buf);
    /* like GMime's decoder: a partial last quantum counts only when padded */
    return chars / 4 * 3 + (padded && chars % 4 >= 2 ? chars % 4 - 1 : 0);
}

/* Decoded size without keeping the bytes. */
static size_t decoded_size(GMimePart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (!content)
        return 0;
    GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(content);
    if (enc == GMIME_CONTENT_ENCODING_BASE64)
        return base64_size(g_mime_data_wrapper_get_stream(content));
    GMimeStream *null = g_mime_stream_null_new();
    g_mime_data_wrapper_write_to_stream(content, null);
    size_t n = GMIME_STREAM_NULL(null)->written;
    g_object_unref(null);
    return n;
}

/* Room left for the next part's text; sets MV_TRUNC_TEXT when none. */
static size_t text_room(walk *w)
{
    size_t left = w->lim->max_total_text > w->text_total
                      ? w->lim->max_total_text - w->text_total : 0;
    if (left == 0)
        w->v->truncated |= MV_TRUNC_TEXT;
    return MIN(left, w->lim->max_part_text);
}

static mv_part *new_part(walk *w, char *type, unsigned depth, bool fwd)
{
    mv_part *p = g_new0(mv_part, 1);
    p->content_type = type;
    p->depth = depth;
    p->forwarded = fwd;
    p->text = g_string_new(NULL);
    g_ptr_array_add(w->v->parts, p);
    return p;
}

static void finish_text(walk *w, mv_part *p, bool cut)
{
    if (cut)
        w->v->truncated |= MV_TRUNC_TEXT;
    mvurls_scan(w->urls, p->text->str, p->text->len);
    w->text_total += p->text->len;
}

static void on_link(const char *url, const char *text, void *ud)
{
    walk *w = ud;
    mvurls_add(w->urls, url, strlen(url), text);
}

static bool html_text(walk *w, mv_part *p, const GByteArray *body, size_t room)
{
    char *sniffed = p->charset ? NULL
                               : html2text_sniff_charset((const char *)body->data, body->len);
    GString *src = g_string_sized_new(body->len + 1);
    mvtext_append(src, (const char *)body->data, body->len,
                  p->charset ? p->charset : sniffed, G_MAXSIZE);
    g_free(sniffed);
    bool cut = html2text(src->str, src->len, p->text, room, on_link, w);
    g_string_free(src, TRUE);
    return cut;
}

/* format=flowed text/plain (Thunderbird, Apple Mail) is rejoined so a
 * sentence wrapped by the sender's client reads as one line. */
static void unflow(GMimeObject *obj, mv_part *p)
{
    if (strcmp(p->content_type, "text/plain"))
        return;
    const char *format = g_mime_object_get_content_type_parameter(obj, "format");
    if (!format || g_ascii_strcasecmp(format, "flowed"))
        return;
    const char *delsp = g_mime_object_get_content_type_parameter(obj, "delsp");
    mvtext_unflow(p->text, delsp && !g_ascii_strcasecmp(delsp, "yes"));
}

static void text_part(walk *w, GMimePart *part, char *type, unsigned depth, bool fwd)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    mv_part *p = new_part(w, type, depth, fwd);
    const char *cs = g_mime_object_get_content_type_parameter(obj, "charset");
    p->charset = cs ? msgview_clean_value(cs, 64, NULL) : NULL;
    GMimeContentEncoding enc = g_mime_part_get_content_encoding(part);
    if (enc != GMIME_CONTENT_ENCODING_DEFAULT)
        p->encoding = g_strdup(g_mime_content_encoding_to_string(enc));
    p->filename = msgview_clean_value(g_mime_part_get_filename(part),
                                      w->lim->max_header_value, NULL);
    p->from_html = !strcmp(type, "text/html");

    size_t room = text_room(w);
    if (room == 0)
        return;
    GByteArray *body = decode(part);
    bool cut;
    if (p->from_html) {
        cut = html_text(w, p, body, room);
    } else {
        cut = mvtext_append(p->text, (const char *)body->data, body->len, p->charset, room);
        mvtext_unix_newlines(p->text);
        unflow(obj, p);
    }
    g_byte_array_unref(body);
    finish_text(w, p, cut);
}

static void pdf_text(walk *w, const GByteArray *body)
{
    msgview *v = w->v;
    if (v->pdf_text->len >= w->lim->max_pdf_text || body->len > PDFTEXT_MAX_BYTES) {
        v->truncated |= MV_TRUNC_PDF;
        return;
    }
    bool cut = false; /* pdftext_extract() starts a new line itself */
    GError *err = NULL;
    if (!pdftext_extract(body->data, body->len, v->pdf_text, w->lim->max_pdf_text, &cut, &err))
        g_clear_error(&err); /* unreadable PDF: no text, mail goes on */
    if (cut)
        v->truncated |= MV_TRUNC_PDF;
}

static void attachment(walk *w, GMimePart *part, const char *type, unsigned depth)
{
    mv_attachment *a = g_new0(mv_attachment, 1);
    a->filename = msgview_clean_value(g_mime_part_get_filename(part),
                                      w->lim->max_header_value, NULL);
    a->content_type = g_strdup(type);
    a->depth = depth;
    g_ptr_array_add(w->v->attachments, a);

    if (!is_pdf(type, a->filename)) {
        a->size = decoded_size(part);
        return;
    }
    GByteArray *body = decode(part);
    a->size = body->len;
    if (pdftext_looks_like_pdf(body->data, body->len))
        pdf_text(w, body);
    g_byte_array_unref(body);
}

static void leaf(walk *w, GMimePart *part, unsigned depth, bool fwd)
{
    GMimeObject *obj = GMIME_OBJECT(part);
    char *type = mime_type(obj);
    GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
    bool attached = disp && g_mime_content_disposition_is_attachment(disp);

    if (attached || !is_texty(type))
        attachment(w, part, type, depth);
    if (is_texty(type))
        text_part(w, part, type, depth, fwd); /* takes `type` */
    else
        g_free(type);
}

/* A forwarded message/rfc822 shows its own From, To, Date and Subject:
 * keep them as a text/rfc822-headers part, as a mail client would show. */
static void forwarded_headers(walk *w, GMimeMessage *m, unsigned depth)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(m));
    mv_part *p = new_part(w, g_strdup("text/rfc822-headers"), depth, true);
    size_t room = text_room(w);
    bool cut = false;
    for (size_t i = 0; i < G_N_ELEMENTS(forward_headers) && !cut; i++) {
        GMimeHeader *h = g_mime_header_list_get_header(list, forward_headers[i]);
        if (!h)
            continue;
        char *value = msgview_clean_value(g_mime_header_get_value(h),
                                          w->lim->max_header_value, NULL);
        g_string_append_printf(p->text, "%s: %s\n", forward_headers[i], value);
        g_free(value);
        cut = mvtext_clip(p->text, room);
    }
    finish_text(w, p, cut);
}

/* A message/rfc822 sent as an attachment is listed with the attachments
 * too (a mail client shows it there), its size being the message's. */
static void attached_message(walk *w, GMimeObject *obj, GMimeMessage *m, unsigned depth)
{
    GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
    if (!disp || !g_mime_content_disposition_is_attachment(disp))
        return;
    const char *name = g_mime_object_get_content_disposition_parameter(obj, "filename");
    if (!name)
        name = g_mime_object_get_content_type_parameter(obj, "name");
    mv_attachment *a = g_new0(mv_attachment, 1);
    a->filename = msgview_clean_value(name, w->lim->max_header_value, NULL);
    a->content_type = mime_type(obj);
    a->depth = depth;
    if (m) {
        GMimeStream *null = g_mime_stream_null_new();
        g_mime_object_write_to_stream(GMIME_OBJECT(m), NULL, null);
        a->size = GMIME_STREAM_NULL(null)->written;
        g_object_unref(null);
    }
    g_ptr_array_add(w->v->attachments, a);
}

static void visit(walk *w, GMimeObject *obj, unsigned depth, bool fwd)
{
    if (!obj)
        return;
    if (w->objects >= w->lim->max_parts) {
        w->v->truncated |= MV_TRUNC_PARTS;
        return;
    }
    w->objects++;
    if (depth > w->lim->max_depth) {
        w->v->truncated |= MV_TRUNC_DEPTH;
        return;
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *m = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        attached_message(w, obj, m, depth);
        if (!m)
            return;
        forwarded_headers(w, m, depth + 1);
        visit(w, g_mime_message_get_mime_part(m), depth + 1, true);
    } else if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart *mp = GMIME_MULTIPART(obj);
        int n = g_mime_multipart_get_count(mp);
        for (int i = 0; i < n && !(w->v->truncated & MV_TRUNC_PARTS); i++)
            visit(w, g_mime_multipart_get_part(mp, i), depth + 1, fwd);
    } else if (GMIME_IS_PART(obj)) {
        leaf(w, GMIME_PART(obj), depth, fwd);
    }
}

void msgview_walk(msgview *v, GMimeObject *root, const msgview_limits *lim)
{
    walk w = { .v = v, .lim = lim, .urls = mvurls_new(v->urls, lim->max_urls) };
    visit(&w, root, 0, false);
    if (mvurls_truncated(w.urls))
        v->truncated |= MV_TRUNC_URLS;
    mvurls_free(w.urls);
}

void msgview_walk_raw(msgview *v, const msgview_limits *lim)
{
    walk w = { .v = v, .lim = lim, .urls = mvurls_new(v->urls, lim->max_urls) };
    mv_part *p = new_part(&w, g_strdup("text/plain"), 0, false);
    bool cut = mvtext_append(p->text, v->raw, v->raw_len, NULL, text_room(&w));
    mvtext_unix_newlines(p->text);
    finish_text(&w, p, cut);
    if (mvurls_truncated(w.urls))
        v->truncated |= MV_TRUNC_URLS;
    mvurls_free(w.urls);
}
