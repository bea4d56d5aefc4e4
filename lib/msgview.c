#include "msgview.h"

#include <stdint.h>
#include <string.h>

#include "msgview_internal.h"
#include "mvtext.h"
#include "mvurls.h"

/* g_mime_init() is not thread safe and the milter builds views from
 * several threads: run it, and build the shared parser options, once. */
static gpointer init_once(gpointer unused)
{
    (void)unused;
    g_mime_init();
    GMimeParserOptions *opts = g_mime_parser_options_new();
    /* 8-bit header bytes that are not UTF-8 are nearly always Latin-1 /
     * windows-1252 in the mail we see. */
    const char *fallback[] = { "utf-8", "windows-1252", NULL };
    g_mime_parser_options_set_fallback_charsets(opts, fallback);
    g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_address_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
    return opts;
}

GMimeParserOptions *msgview_parser_options(void)
{
    static GOnce once = G_ONCE_INIT;
    return g_once(&once, init_once, NULL);
}

void msgview_limits_default(msgview_limits *lim)
{
    lim->max_scan_bytes = 4u << 20;
    lim->max_parts = 500;
    lim->max_depth = 10;
    lim->max_part_text = 256u << 10;
    lim->max_total_text = 1u << 20;
    lim->max_urls = 500;
    lim->max_headers = 500;
    lim->max_header_value = 16u << 10;
    lim->max_pdf_text = 256u << 10;
}

char *msgview_clean_value(const char *s, size_t cap, bool *clipped)
{
    char *v = mvtext_dup_clean(s, cap, clipped);
    if (!v)
        return NULL;
    for (char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return g_strstrip(v);
}

static void header_free(gpointer p)
{
    mv_header *h = p;
    g_free(h->name);
    g_free(h->value);
    g_free(h);
}

static void part_free(gpointer p)
{
    mv_part *part = p;
    g_free(part->content_type);
    g_free(part->charset);
    g_free(part->encoding);
    g_free(part->filename);
    if (part->text)
        g_string_free(part->text, TRUE);
    g_free(part);
}

static void attachment_free(gpointer p)
{
    mv_attachment *a = p;
    g_free(a->filename);
    g_free(a->content_type);
    g_free(a);
}

static void address_clear(mv_address *a)
{
    g_free(a->addr);
    g_free(a->name);
    g_free(a->domain);
    memset(a, 0, sizeof *a);
}

void msgview_free(msgview *v)
{
    if (!v)
        return;
    g_ptr_array_unref(v->headers);
    g_free(v->subject);
    g_free(v->date);
    g_free(v->message_id);
    g_free(v->in_reply_to);
    g_free(v->references);
    g_free(v->auth_results);
    address_clear(&v->from);
    address_clear(&v->reply_to);
    address_clear(&v->return_path);
    address_clear(&v->sender);
    g_ptr_array_unref(v->parts);
    g_string_free(v->body_text, TRUE);
    g_string_free(v->pdf_text, TRUE);
    g_ptr_array_unref(v->urls);
    g_ptr_array_unref(v->attachments);
    g_free(v);
}

const char *msgview_header(const msgview *v, const char *name)
{
    for (guint i = 0; v && name && i < v->headers->len; i++) {
        const mv_header *h = g_ptr_array_index(v->headers, i);
        if (!g_ascii_strcasecmp(h->name, name))
            return h->value;
    }
    return NULL;
}

/* ------------------------------------------------------------ headers */

/* The headers the view names, each from its first occurrence. */
enum { H_SUBJECT, H_DATE, H_MESSAGE_ID, H_IN_REPLY_TO, H_REFERENCES, H_AUTH_RESULTS, H_N };
static const char *const named_headers[H_N] = {
    "Subject", "Date", "Message-ID", "In-Reply-To", "References", "Authentication-Results",
};

/* A byte a header value keeps as it is: printable ASCII other than '=',
 * which may start an encoded word. */
static bool plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '=';
}

/* How many plain_byte()s `p` starts with, eight at a time while whole
 * words are (as validate_utf8() in mvtext.c skips ASCII): the values of
 * big address headers are long runs of them. */
static size_t plain_run(const char *p, size_t len)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t n = 0;
    for (; n + 8 <= len; n += 8) {
        uint64_t w, eq;
        memcpy(&w, p + n, sizeof w);
        eq = w ^ (ones * '=');
        /* a byte < 0x20; a byte > 0x7e (+1 sets the high bit of 0x7f, and
         * only a byte that has one anyway carries); an '=' (zero after the
         * xor).  A borrow or carry reaches other bytes only from a byte
         * that is caught itself, so each test is exact for the word. */
        if ((((w - ones * 0x20) & ~w) | (w + ones) | w | ((eq - ones) & ~eq)) & highs)
            break;
    }
    while (n < len && plain_byte((unsigned char)p[n]))
        n++;
    return n;
}

/* Most header values are plain ASCII without encoded words: unfolding
 * them is all the decoding they need, done here in one pass instead of
 * GMime's unfold + decode + copy.  NULL when the value needs GMime.
 * Runs of plain bytes are copied in one piece; the bytes between them
 * one at a time. */
char *msgview_plain_value(const char *raw, size_t cap, bool *clipped)
{
    size_t len = strlen(raw), i = 0;
    char *v = g_malloc(MIN(len, cap) + 1), *w = v;
    while (i < len) {
        /* up to the cap: a plain byte after it is clipped below */
        size_t run = MIN(plain_run(raw + i, len - i), cap - (size_t)(w - v));
        memcpy(w, raw + i, run);
        w += run;
        i += run;
        if (i == len)
            break;
        unsigned char c = (unsigned char)raw[i++];
        if (c >= 0x80 || (c == '=' && raw[i] == '?')) {
            g_free(v);
            return NULL;
        }
        if (c == '\r' || c == '\n')
            continue; /* unfold: the white space after the break stays */
        if ((size_t)(w - v) >= cap) {
            *clipped = true;
            break;
        }
        *w++ = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    *w = '\0';
    return g_strstrip(v);
}

static char *decoded_value(GMimeHeader *h, size_t cap, bool *clipped)
{
    const char *raw = g_mime_header_get_raw_value(h);
    char *v = raw ? msgview_plain_value(raw, cap, clipped) : NULL;
    return v ? v : msgview_clean_value(g_mime_header_get_value(h), cap, clipped);
}

static void keep_header(msgview *v, GMimeHeader *h, const msgview_limits *lim)
{
    bool clipped = false;
    mv_header *mh = g_new0(mv_header, 1);
    mh->name = msgview_clean_value(g_mime_header_get_name(h), lim->max_header_value, &clipped);
    mh->value = decoded_value(h, lim->max_header_value, &clipped);
    if (!mh->name)
        mh->name = g_strdup("");
    if (!mh->value)
        mh->value = g_strdup("");
    if (clipped)
        v->truncated |= MV_TRUNC_HEADERS;
    g_ptr_array_add(v->headers, mh);
}

/* Which named header h is the first of, H_N when none. */
static int note_named(GMimeHeader *h, GMimeHeader **named)
{
    const char *name = g_mime_header_get_name(h);
    for (int i = 0; i < H_N; i++)
        if (!named[i] && !g_ascii_strcasecmp(name, named_headers[i])) {
            named[i] = h;
            return i;
        }
    return H_N;
}

/* The value of a named header: a copy of the one decoded for the list
 * when it was kept there (kept), else decoded now (an empty one too: the
 * list holds "" where decoding gave none). */
static char *named_value(msgview *v, GMimeHeader *h, const mv_header *kept, const msgview_limits *lim)
{
    if (kept && *kept->value)
        return g_strdup(kept->value);
    if (!h)
        return NULL;
    bool clipped = false;
    char *value = decoded_value(h, lim->max_header_value, &clipped);
    if (clipped)
        v->truncated |= MV_TRUNC_HEADERS;
    return value;
}

/* GMime files the top-level Content-* headers under the message's MIME
 * part and the rest under the message; merge both back into the order
 * they were written in.  One pass also finds the named headers (past
 * max_headers too: a flood of junk headers must not hide the Subject). */
static void read_headers(msgview *v, GMimeMessage *msg, const msgview_limits *lim)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    GMimeHeaderList *content = body ? g_mime_object_get_header_list(body) : NULL;
    int n1 = g_mime_header_list_get_count(list);
    int n2 = content ? g_mime_header_list_get_count(content) : 0;
    GMimeHeader *named[H_N] = { 0 };
    const mv_header *kept[H_N] = { 0 };   /* the named headers as kept in the list */
    for (int i = 0, j = 0; i < n1 || j < n2;) {
        GMimeHeader *a = i < n1 ? g_mime_header_list_get_header_at(list, i) : NULL;
        GMimeHeader *b = j < n2 ? g_mime_header_list_get_header_at(content, j) : NULL;
        GMimeHeader *h;
        int which = H_N;
        if (a && (!b || g_mime_header_get_offset(a) <= g_mime_header_get_offset(b))) {
            h = a;
            i++;
            which = note_named(h, named);
        } else {
            h = b;
            j++;
        }
        if (v->headers->len < lim->max_headers) {
            keep_header(v, h, lim);
            if (which < H_N)
                kept[which] = g_ptr_array_index(v->headers, v->headers->len - 1);
        } else {
            v->truncated |= MV_TRUNC_HEADERS;
        }
    }
    v->subject = named_value(v, named[H_SUBJECT], kept[H_SUBJECT], lim);
    v->date = named_value(v, named[H_DATE], kept[H_DATE], lim);
    v->message_id = named_value(v, named[H_MESSAGE_ID], kept[H_MESSAGE_ID], lim);
    v->in_reply_to = named_value(v, named[H_IN_REPLY_TO], kept[H_IN_REPLY_TO], lim);
    v->references = named_value(v, named[H_REFERENCES], kept[H_REFERENCES], lim);
    v->auth_results = named_value(v, named[H_AUTH_RESULTS], kept[H_AUTH_RESULTS], lim);

    GDateTime *dt = v->date ? g_mime_message_get_date(msg) : NULL;
    v->date_time = dt ? (time_t)g_date_time_to_unix(dt) : 0;
}

/* ------------------------------------------------------------ addresses */

static InternetAddressMailbox *first_mailbox(InternetAddressList *list)
{
    int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_MAILBOX(ia))
            return INTERNET_ADDRESS_MAILBOX(ia);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            InternetAddressList *members =
                internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
            if (members && internet_address_list_length(members) > 0)
                return first_mailbox(members); /* groups do not nest (RFC 5322) */
        }
    }
    return NULL;
}

static void read_address(mv_address *a, InternetAddressList *list, const msgview_limits *lim)
{
    InternetAddressMailbox *mb = first_mailbox(list);
    if (!mb)
        return;
    const char *addr = internet_address_mailbox_get_addr(mb);
    const char *name = internet_address_get_name(INTERNET_ADDRESS(mb));
    if (addr && *addr) {
        a->addr = msgview_clean_value(addr, lim->max_header_value, NULL);
        const char *at = strrchr(a->addr, '@');
        if (at && at[1])
            a->domain = g_utf8_strdown(at + 1, -1);
    }
    if (name && *name)
        a->name = msgview_clean_value(name, lim->max_header_value, NULL);
}

static void read_addresses(msgview *v, GMimeMessage *msg, const msgview_limits *lim)
{
    read_address(&v->from, g_mime_message_get_from(msg), lim);
    read_address(&v->reply_to, g_mime_message_get_reply_to(msg), lim);
    read_address(&v->sender, g_mime_message_get_sender(msg), lim);

    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    GMimeHeader *rp = g_mime_header_list_get_header(list, "Return-Path");
    const char *value = rp ? g_mime_header_get_value(rp) : NULL;
    if (value && strlen(value) <= lim->max_header_value) {
        InternetAddressList *l = internet_address_list_parse(msgview_parser_options(), value);
        if (l) {
            read_address(&v->return_path, l, lim);
            g_object_unref(l);
        }
    }
}

/* ------------------------------------------------------------ the view */

static void join_body(msgview *v)
{
    size_t total = 0;
    for (guint i = 0; i < v->parts->len; i++)
        total += ((mv_part *)g_ptr_array_index(v->parts, i))->text->len + 1;
    g_string_set_size(v->body_text, total);
    g_string_truncate(v->body_text, 0);
    for (guint i = 0; i < v->parts->len; i++) {
        const GString *t = ((mv_part *)g_ptr_array_index(v->parts, i))->text;
        if (!t->len)
            continue;
        if (v->body_text->len)
            g_string_append_c(v->body_text, '\n');
        g_string_append_len(v->body_text, t->str, (gssize)t->len);
    }
}

static GMimeMessage *parse(const char *raw, size_t len, GMimeParserOptions *opts)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, opts);
    g_object_unref(parser);
    g_object_unref(stream);
    return msg;
}

/* Bytes of white-space-only lines before the first header.  GMime gives
 * up on such a message; some stored mail (and test fixtures) have them. */
static size_t blank_lines(const char *raw, size_t len)
{
    size_t skip = 0;
    for (size_t i = 0; i < len; i++) {
        if (raw[i] == '\n')
            skip = i + 1;
        else if (raw[i] != ' ' && raw[i] != '\t' && raw[i] != '\r')
            break;
    }
    return skip;
}

msgview *msgview_new(const char *raw, size_t len, const msgview_limits *lim)
{
    msgview_limits deflim;
    if (!lim) {
        msgview_limits_default(&deflim);
        lim = &deflim;
    }
    GMimeParserOptions *opts = msgview_parser_options();

    msgview *v = g_new0(msgview, 1);
    v->raw = raw ? raw : "";
    v->raw_len = raw ? len : 0;
    if (v->raw_len > lim->max_scan_bytes) {
        v->raw_len = lim->max_scan_bytes;
        v->truncated |= MV_TRUNC_BYTES;
    }
    v->headers = g_ptr_array_new_with_free_func(header_free);
    v->parts = g_ptr_array_new_with_free_func(part_free);
    v->urls = g_ptr_array_new_with_free_func(mvurls_url_free);
    v->attachments = g_ptr_array_new_with_free_func(attachment_free);
    v->body_text = g_string_new(NULL);
    v->pdf_text = g_string_new(NULL);

    GMimeMessage *msg = parse(v->raw, v->raw_len, opts);
    size_t skip = blank_lines(v->raw, v->raw_len);
    if (!msg && skip > 0 && skip < v->raw_len)
        msg = parse(v->raw + skip, v->raw_len - skip, opts);

    if (msg) {
        read_headers(v, msg, lim);
        read_addresses(v, msg, lim);
        msgview_walk(v, g_mime_message_get_mime_part(msg), lim);
        g_object_unref(msg);
    } else {
        v->parse_failed = true;
        msgview_walk_raw(v, lim);
    }
    join_body(v);
    return v;
}
