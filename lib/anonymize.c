/* anonymize — replace a recipient's addresses, domains and names in text.
 * See anonymize.h. */
#include "anonymize.h"

#include <gmime/gmime.h>
#include <string.h>

#include "msgview_internal.h"   /* msgview_parser_options(): GMime set up once */

typedef enum anon_kind { ANON_ADDRESS, ANON_DOMAIN, ANON_NAME } anon_kind;

typedef struct anon_term {
    char *text;
    size_t len;
    char *repl;
    anon_kind kind;
} anon_term;

struct anonymizer {
    GPtrArray *terms;   /* anon_term*, longest first */
};

static void anon_term_free(anon_term *t)
{
    g_free(t->text);
    g_free(t->repl);
    g_free(t);
}

anonymizer *anonymizer_new(void)
{
    anonymizer *a = g_new0(anonymizer, 1);
    a->terms = g_ptr_array_new_with_free_func((GDestroyNotify)anon_term_free);
    return a;
}

void anonymizer_free(anonymizer *a)
{
    if (!a)
        return;
    g_ptr_array_unref(a->terms);
    g_free(a);
}

static gint anon_longest_first(gconstpointer x, gconstpointer y)
{
    const anon_term *a = *(anon_term *const *)x, *b = *(anon_term *const *)y;
    return a->len < b->len ? 1 : a->len > b->len ? -1 : 0;
}

static void anon_add(anonymizer *a, const char *text, const char *repl, anon_kind kind)
{
    size_t len = strlen(text);
    if (len == 0)
        return;
    for (guint i = 0; i < a->terms->len; i++) {
        anon_term *t = g_ptr_array_index(a->terms, i);
        if (t->len == len && g_ascii_strcasecmp(t->text, text) == 0)
            return;
    }
    anon_term *t = g_new0(anon_term, 1);
    t->text = g_strdup(text);
    t->len = len;
    t->repl = g_strdup(repl);
    t->kind = kind;
    g_ptr_array_add(a->terms, t);
    g_ptr_array_sort(a->terms, anon_longest_first);
}

/* Domains shared by millions of unrelated people identify nobody. */
static bool anon_public_domain(const char *d)
{
    static const char *const names[] = {
        "gmail.com", "googlemail.com", "yahoo.com", "outlook.com", "hotmail.com",
        "live.com", "icloud.com", "me.com", "aol.com", "gmx.de", "gmx.net", "web.de",
        "t-online.de", "proton.me", "protonmail.com", "mail.com", "yandex.ru", NULL,
    };
    return g_strv_contains(names, d);
}

static bool anon_generic_word(const char *w);

/* "n.okafor", "jane_doe", "erik-lindqvist": a local part in several pieces
 * is almost always a person's name, and greetings use it ("Hello Ms
 * Okafor") where no header gives a display name.  A local part in one
 * piece ("erik", "kontakt") may be a role or a common word: left alone. */
static void anon_add_local_part_words(anonymizer *a, const char *local, size_t len)
{
    char *copy = g_strndup(local, len);
    char **words = g_strsplit_set(copy, "._-+", -1);
    if (g_strv_length(words) >= 2)
        for (char **w = words; *w; w++) {
            bool alpha = strlen(*w) >= 3;
            for (const char *p = *w; alpha && *p; p++)
                alpha = g_ascii_isalpha(*p);
            if (alpha && !anon_generic_word(*w))
                anon_add(a, *w, ANONYMIZE_NAME, ANON_NAME);
        }
    g_strfreev(words);
    g_free(copy);
}

void anonymizer_add_address(anonymizer *a, const char *addr, const char *pseudonym)
{
    if (!addr)
        return;
    char *s = g_strstrip(g_strdup(addr));
    const char *at = strrchr(s, '@');
    if (at && at != s && at[1]) {
        anon_add(a, s, pseudonym, ANON_ADDRESS);
        anon_add_local_part_words(a, s, (size_t)(at - s));
        char *domain = g_ascii_strdown(at + 1, -1);
        if (!anon_public_domain(domain) && strchr(domain, '.'))
            anon_add(a, domain, ANONYMIZE_DOMAIN, ANON_DOMAIN);
        g_free(domain);
    }
    g_free(s);
}

static bool anon_generic_word(const char *w)
{
    static const char *const words[] = {
        "site", "owner", "team", "info", "admin", "webmaster", "office", "mail",
        "contact", "sir", "madam", "the", "and", "mr", "mrs", "ms", "dr", "support",
        "sales", "service", "postmaster", "abuse", "editor", "redaktion", "kontakt",
        "hello", "hallo", "news", "press", "presse", "marketing", "legal", "billing",
        "shop", "studio", "noreply", "reply", "web", "www", "buero", NULL,
    };
    char *low = g_utf8_strdown(w, -1);
    bool generic = g_strv_contains(words, low);
    g_free(low);
    return generic;
}

void anonymizer_add_name(anonymizer *a, const char *name)
{
    if (!name || !g_utf8_validate(name, -1, NULL))
        return;
    char *s = g_strstrip(g_strdup(name));
    /* A display name that is an address ("jane@example.org") is one. */
    if (*s && !strchr(s, '@'))
        anon_add(a, s, ANONYMIZE_NAME, ANON_NAME);
    char **words = g_strsplit_set(s, " \t,;\"'()", -1);
    for (char **w = words; *w; w++)
        if (g_utf8_strlen(*w, -1) >= 3 && !strchr(*w, '@') && !anon_generic_word(*w))
            anon_add(a, *w, ANONYMIZE_NAME, ANON_NAME);
    g_strfreev(words);
    g_free(s);
}

/* The sender's domain: an agency that Cc's itself stays an agency. */
static bool anon_same_domain(const char *addr, const char *domain)
{
    const char *at = addr ? strrchr(addr, '@') : NULL;
    return at && domain && g_ascii_strcasecmp(at + 1, domain) == 0;
}

static void anon_learn_list(anonymizer *a, const char *value, const char *pseudonym,
                            const char *sender_domain)
{
    InternetAddressList *list = internet_address_list_parse(msgview_parser_options(), value);
    int n = list ? internet_address_list_length(list) : 0;
    for (int i = 0; i < n; i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        const char *addr = INTERNET_ADDRESS_IS_MAILBOX(ia) ?
            internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)) : NULL;
        if (anon_same_domain(addr, sender_domain))
            continue;
        anonymizer_add_address(a, addr, pseudonym);
        anonymizer_add_name(a, internet_address_get_name(ia));
    }
    if (list)
        g_object_unref(list);
}

/* The header block of a raw message as unfolded "Name: value" fields. */
static GPtrArray *anon_header_fields(const char *raw, size_t len)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    GString *field = g_string_new(NULL);
    size_t pos = 0;
    while (pos < len && out->len < 1000) {
        const char *nl = memchr(raw + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - raw) : len;
        size_t line_len = end - pos;
        if (line_len > 0 && raw[end - 1] == '\r')
            line_len--;
        bool folded = line_len > 0 && (raw[pos] == ' ' || raw[pos] == '\t');
        if (!folded && field->len) {
            g_ptr_array_add(out, g_strdup(field->str));
            g_string_truncate(field, 0);
        }
        if (line_len == 0)
            break;   /* end of the header block */
        g_string_append_len(field, raw + pos, (gssize)line_len);
        pos = end + 1;
    }
    if (field->len)
        g_ptr_array_add(out, g_strdup(field->str));
    g_string_free(field, TRUE);
    return out;
}

/* Lower-cased field name (g_free) and a pointer to the value, or NULL. */
static char *anon_field_name(const char *field, const char **value)
{
    const char *colon = strchr(field, ':');
    if (!colon)
        return NULL;
    *value = colon + 1;
    char *name = g_ascii_strdown(field, colon - field);
    return g_strstrip(name);
}

static char *anon_sender_domain(GPtrArray *fields)
{
    char *domain = NULL;
    for (guint i = 0; i < fields->len && !domain; i++) {
        const char *value = NULL;
        char *name = anon_field_name(g_ptr_array_index(fields, i), &value);
        if (name && strcmp(name, "from") == 0) {
            InternetAddressList *l = internet_address_list_parse(msgview_parser_options(), value);
            InternetAddress *ia = l && internet_address_list_length(l) > 0 ?
                internet_address_list_get_address(l, 0) : NULL;
            const char *addr = ia && INTERNET_ADDRESS_IS_MAILBOX(ia) ?
                internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)) : NULL;
            const char *at = addr ? strrchr(addr, '@') : NULL;
            domain = at ? g_strdup(at + 1) : NULL;
            if (l)
                g_object_unref(l);
        }
        g_free(name);
    }
    return domain;
}

void anonymizer_learn_message(anonymizer *a, const char *raw, size_t len, const char *pseudonym)
{
    static const char *const wanted[] = { "to", "cc", "delivered-to", "x-original-to", NULL };
    GPtrArray *fields = anon_header_fields(raw, len);
    char *sender_domain = anon_sender_domain(fields);
    for (guint i = 0; i < fields->len; i++) {
        const char *value = NULL;
        char *name = anon_field_name(g_ptr_array_index(fields, i), &value);
        if (name && g_strv_contains(wanted, name))
            anon_learn_list(a, value, pseudonym, sender_domain);
        g_free(name);
    }
    g_free(sender_domain);
    g_ptr_array_unref(fields);
}

static bool anon_alnum(char c)
{
    return g_ascii_isalnum(c) || (unsigned char)c >= 0x80;
}

static bool anon_addr_char(char c)
{
    return anon_alnum(c) || strchr("._%+-", c) != NULL;
}

/* Is the term at text[pos, pos+n) standing on its own? */
static bool anon_bounded(const anon_term *t, const char *text, size_t len, size_t pos)
{
    size_t end = pos + t->len;
    char before = pos > 0 ? text[pos - 1] : ' ';
    char after = end < len ? text[end] : ' ';
    /* "example.org." ends a sentence; "example.org.net" is another domain. */
    bool dot_more = after == '.' && end + 1 < len && anon_alnum(text[end + 1]);
    switch (t->kind) {
    case ANON_ADDRESS:
        return !anon_addr_char(before) && !dot_more && (after == '.' || !anon_addr_char(after));
    case ANON_DOMAIN:
        return !anon_alnum(before) && before != '-' && before != '_' && !dot_more &&
               !anon_alnum(after) && after != '-';
    case ANON_NAME:
    default:
        return !anon_alnum(before) && !anon_alnum(after);
    }
}

GString *anonymizer_apply(const anonymizer *a, const char *text, size_t len)
{
    GString *out = g_string_sized_new(len + 16);
    size_t pos = 0;
    while (pos < len) {
        const anon_term *hit = NULL;
        for (guint i = 0; i < a->terms->len && !hit; i++) {
            const anon_term *t = g_ptr_array_index(a->terms, i);
            if (t->len <= len - pos && g_ascii_strncasecmp(text + pos, t->text, t->len) == 0 &&
                anon_bounded(t, text, len, pos))
                hit = t;
        }
        if (hit) {
            g_string_append(out, hit->repl);
            pos += hit->len;
        } else {
            g_string_append_c(out, text[pos++]);
        }
    }
    return out;
}

char *anonymizer_apply_str(const anonymizer *a, const char *text)
{
    if (!text)
        return NULL;
    return g_string_free(anonymizer_apply(a, text, strlen(text)), FALSE);
}

/* ------------------------------------------------------------ messages
 * A raw message is anonymized as MIME, not as bytes: a name or domain in
 * a base64 or quoted-printable body, or in an RFC 2047 encoded-word, is
 * invisible to a byte-level pass.  Headers are compared decoded; text
 * parts are decoded to UTF-8, anonymized and re-encoded; any other leaf
 * (an image, a PDF, an archive: a screenshot of the recipient's site or a
 * letter with their postal address, which no text pass can clean) is
 * replaced by a short text part naming its type, size and SHA-256. */

static void anon_mime_object(const anonymizer *a, GMimeObject *obj, unsigned depth);

static void anon_mime_headers(const anonymizer *a, GMimeObject *obj)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(obj);
    int n = list ? g_mime_header_list_get_count(list) : 0;
    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        const char *value = g_mime_header_get_value(h);
        if (!value)
            continue;
        char *clean = anonymizer_apply_str(a, value);
        if (strcmp(clean, value) != 0)
            g_mime_header_set_value(h, NULL, clean, "utf-8");
        g_free(clean);
    }
}

/* The decoded content of a leaf part (never NULL). */
static GByteArray *anon_part_bytes(GMimePart *part)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeDataWrapper *content = g_mime_part_get_content(part);
    if (content)
        g_mime_data_wrapper_write_to_stream(content, mem);
    GByteArray *bytes = g_byte_array_new();
    GByteArray *owned = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    if (owned)
        g_byte_array_append(bytes, owned->data, owned->len);
    g_object_unref(mem);
    return bytes;
}

static GMimeObject *anon_mime_placeholder(const anonymizer *a, GMimePart *part)
{
    GByteArray *bytes = anon_part_bytes(part);
    char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bytes->data, bytes->len);
    char *type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(
        GMIME_OBJECT(part)));
    char *name = anonymizer_apply_str(a, g_mime_part_get_filename(part));
    char *note = g_strdup_printf(
        "[Removed by copytroll export --anonymize, as it cannot be anonymized: %s part%s%s%s, "
        "%u bytes, SHA-256 %s]\n", type, name ? " \"" : "", name ? name : "",
        name ? "\"" : "", bytes->len, sha);
    GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
    g_mime_text_part_set_text(text, note);
    g_mime_part_set_content_encoding(GMIME_PART(text), g_mime_part_get_best_content_encoding(
        GMIME_PART(text), GMIME_ENCODING_CONSTRAINT_8BIT));
    g_free(note);
    g_free(name);
    g_free(type);
    g_free(sha);
    g_byte_array_unref(bytes);
    return GMIME_OBJECT(text);
}

static void anon_mime_text(const anonymizer *a, GMimeTextPart *tp)
{
    char *text = g_mime_text_part_get_text(tp);
    if (!text)
        return;
    char *clean = anonymizer_apply_str(a, text);
    if (strcmp(clean, text) != 0) {
        g_mime_text_part_set_text(tp, clean);
        GMimePart *part = GMIME_PART(tp);
        g_mime_part_set_content_encoding(part, g_mime_part_get_best_content_encoding(
            part, GMIME_ENCODING_CONSTRAINT_8BIT));
    }
    g_free(clean);
    g_free(text);
}

/* Nesting (multiparts, attached messages) followed this deep at most; a
 * part below is replaced by a note, as a part that cannot be cleaned. */
#define ANON_MAX_DEPTH 64

static GMimeObject *anon_mime_too_deep(void)
{
    GMimeTextPart *text = g_mime_text_part_new_with_subtype("plain");
    g_mime_text_part_set_text(text, "[Removed by copytroll export --anonymize: nested more than "
                                    G_STRINGIFY(ANON_MAX_DEPTH) " levels deep]\n");
    return GMIME_OBJECT(text);
}

/* A leaf that is not text, or a part nested too deep: the replacement (new
 * reference), else NULL. */
static GMimeObject *anon_mime_replacement(const anonymizer *a, GMimeObject *obj, unsigned depth)
{
    if (depth > ANON_MAX_DEPTH)
        return anon_mime_too_deep();
    if (GMIME_IS_PART(obj) && !GMIME_IS_TEXT_PART(obj))
        return anon_mime_placeholder(a, GMIME_PART(obj));
    anon_mime_object(a, obj, depth);
    return NULL;
}

static char *anon_mime_edge(const anonymizer *a, const char *text)
{
    return text ? anonymizer_apply_str(a, text) : NULL;
}

static void anon_mime_multipart(const anonymizer *a, GMimeMultipart *mp, unsigned depth)
{
    char *pro = anon_mime_edge(a, g_mime_multipart_get_prologue(mp));
    char *epi = anon_mime_edge(a, g_mime_multipart_get_epilogue(mp));
    if (pro)
        g_mime_multipart_set_prologue(mp, pro);
    if (epi)
        g_mime_multipart_set_epilogue(mp, epi);
    g_free(pro);
    g_free(epi);
    int n = g_mime_multipart_get_count(mp);
    for (int i = 0; i < n; i++) {
        GMimeObject *repl = anon_mime_replacement(a, g_mime_multipart_get_part(mp, i), depth + 1);
        if (repl) {
            GMimeObject *old = g_mime_multipart_replace(mp, i, repl);
            if (old)
                g_object_unref(old);
            g_object_unref(repl);
        }
    }
}

static void anon_mime_message(const anonymizer *a, GMimeMessage *msg, unsigned depth)
{
    anon_mime_headers(a, GMIME_OBJECT(msg));
    GMimeObject *body = g_mime_message_get_mime_part(msg);
    GMimeObject *repl = body ? anon_mime_replacement(a, body, depth + 1) : NULL;
    if (repl) {
        g_mime_message_set_mime_part(msg, repl);
        g_object_unref(repl);
    }
}

static void anon_mime_object(const anonymizer *a, GMimeObject *obj, unsigned depth)
{
    if (GMIME_IS_MESSAGE(obj)) {
        anon_mime_message(a, GMIME_MESSAGE(obj), depth);
        return;
    }
    anon_mime_headers(a, obj);
    if (GMIME_IS_MULTIPART(obj))
        anon_mime_multipart(a, GMIME_MULTIPART(obj), depth);
    else if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage *inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        if (inner)
            anon_mime_message(a, inner, depth);
    } else if (GMIME_IS_TEXT_PART(obj))
        anon_mime_text(a, GMIME_TEXT_PART(obj));
}

GString *anonymizer_apply_message(const anonymizer *a, const char *raw, size_t len)
{
    msgview_parser_options();   /* GMime initialised once */
    GMimeStream *in = g_mime_stream_mem_new_with_buffer(raw ? raw : "", raw ? len : 0);
    GMimeParser *parser = g_mime_parser_new_with_stream(in);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, msgview_parser_options());
    g_object_unref(parser);
    g_object_unref(in);
    if (!msg)
        return anonymizer_apply(a, raw ? raw : "", raw ? len : 0);
    anon_mime_message(a, msg, 0);
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(msg), NULL, out);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    /* And a byte-level pass over the result: whatever was written as it
     * came (an unparsed header, a part GMime kept raw) is seen once more. */
    GString *clean = anonymizer_apply(a, bytes ? (const char *)bytes->data : "",
                                      bytes ? bytes->len : 0);
    g_object_unref(out);
    g_object_unref(msg);
    return clean;
}
