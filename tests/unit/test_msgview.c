/* Unit tests for msgview: every fixture under tests/fixtures/view/ (text,
 * charsets, encodings, HTML, forwarded and quoted mail, PDF and RFC 2231
 * attachments), then every cap and its MV_TRUNC_* bit, hostile bytes,
 * threads and the dump. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "msgview.h"
#include "msgview_internal.h"
#include "mvtext.h"
#include "mvurls.h"

/* ------------------------------------------------------------ helpers */

typedef struct loaded {
    char *raw;
    gsize len;
    msgview *v;
} loaded;

/* Tests run from the repository root (prove); CT_SRCDIR may name it. */
static char *fixture_path(const char *name)
{
    char *p = g_build_filename("tests", "fixtures", "view", name, NULL);
    const char *src = g_getenv("CT_SRCDIR");
    if (!g_file_test(p, G_FILE_TEST_EXISTS) && src) {
        g_free(p);
        p = g_build_filename(src, "tests", "fixtures", "view", name, NULL);
    }
    return p;
}

static loaded *load_with(const char *name, const msgview_limits *lim)
{
    loaded *l = g_new0(loaded, 1);
    char *path = fixture_path(name);
    GError *err = NULL;
    if (!g_file_get_contents(path, &l->raw, &l->len, &err))
        fail_msg("%s: %s", path, err->message);
    g_free(path);
    l->v = msgview_new(l->raw, l->len, lim);
    assert_non_null(l->v);
    return l;
}

static loaded *load(const char *name)
{
    return load_with(name, NULL);
}

static void unload(loaded *l)
{
    msgview_free(l->v);
    g_free(l->raw);
    g_free(l);
}

static msgview *view_of(const char *raw, const msgview_limits *lim)
{
    return msgview_new(raw, strlen(raw), lim);
}

static const mv_part *part(const msgview *v, guint i)
{
    assert_true(i < v->parts->len);
    return g_ptr_array_index(v->parts, i);
}

static const mv_url *url_at(const msgview *v, guint i)
{
    assert_true(i < v->urls->len);
    return g_ptr_array_index(v->urls, i);
}

static const mv_url *find_url(const msgview *v, const char *url)
{
    for (guint i = 0; i < v->urls->len; i++)
        if (!strcmp(url_at(v, i)->url, url))
            return url_at(v, i);
    return NULL;
}

static const mv_attachment *attachment(const msgview *v, guint i)
{
    assert_true(i < v->attachments->len);
    return g_ptr_array_index(v->attachments, i);
}

#define assert_has(hay, needle)                                                   \
    do {                                                                          \
        if (!strstr((hay), (needle)))                                             \
            fail_msg("missing \"%s\" in:\n%s", (needle), (hay));                  \
    } while (0)
#define assert_lacks(hay, needle)                                                 \
    do {                                                                          \
        if (strstr((hay), (needle)))                                              \
            fail_msg("unexpected \"%s\" in:\n%s", (needle), (hay));               \
    } while (0)

/* Every string a view holds is valid UTF-8 without NUL. */
static void assert_view_clean(const msgview *v)
{
    assert_true(g_utf8_validate(v->body_text->str, (gssize)v->body_text->len, NULL));
    assert_int_equal(strlen(v->body_text->str), v->body_text->len);
    assert_true(g_utf8_validate(v->pdf_text->str, (gssize)v->pdf_text->len, NULL));
    for (guint i = 0; i < v->parts->len; i++) {
        const GString *t = part(v, i)->text;
        assert_true(g_utf8_validate(t->str, (gssize)t->len, NULL));
        assert_int_equal(strlen(t->str), t->len);
        assert_null(strchr(t->str, '\r'));
    }
    for (guint i = 0; i < v->headers->len; i++) {
        const mv_header *h = g_ptr_array_index(v->headers, i);
        assert_true(g_utf8_validate(h->name, -1, NULL));
        assert_true(g_utf8_validate(h->value, -1, NULL));
    }
    if (v->subject)
        assert_true(g_utf8_validate(v->subject, -1, NULL));
}

/* ------------------------------------------------------------ fixtures */

static void test_plain(void **state)
{
    (void)state;
    loaded *l = load("plain.eml");
    msgview *v = l->v;
    assert_false(v->parse_failed);
    assert_int_equal(v->truncated, 0);
    assert_int_equal(v->raw_len, l->len);
    assert_ptr_equal(v->raw, l->raw);

    assert_string_equal(v->subject, "Unlicensed use of image on your website");
    assert_string_equal(v->date, "Tue, 16 Apr 2024 09:12:00 +0200");
    assert_int_equal(v->date_time, 1713251520);
    assert_string_equal(v->message_id, "<case-7654321.1@notices.example.net>");
    assert_string_equal(v->in_reply_to, "<earlier.0@notices.example.net>");
    assert_string_equal(v->references,
                        "<first.0@notices.example.net> <earlier.0@notices.example.net>");
    assert_string_equal(v->auth_results, "mx.example.org; dkim=pass header.d=example.net");

    assert_string_equal(v->from.addr, "License@Notices.EXAMPLE.net");
    assert_string_equal(v->from.name, "Image Licensing Team");
    assert_string_equal(v->from.domain, "notices.example.net");
    assert_string_equal(v->reply_to.addr, "claims@desk.example.com");
    assert_string_equal(v->reply_to.name, "Claims Desk");
    assert_string_equal(v->reply_to.domain, "desk.example.com");
    assert_string_equal(v->return_path.addr, "bounce+4711@mailer.example.net");
    assert_string_equal(v->return_path.domain, "mailer.example.net");
    assert_string_equal(v->sender.addr, "robot@mailer.example.net");
    assert_null(v->sender.name);

    /* headers in written order, Content-* included, folding undone */
    const mv_header *first = g_ptr_array_index(v->headers, 0);
    assert_string_equal(first->name, "Return-Path");
    assert_int_equal(v->headers->len, 16);
    assert_string_equal(msgview_header(v, "content-type"), "text/plain; charset=us-ascii");
    const char *received = msgview_header(v, "Received");
    assert_has(received, "by mx.example.org with ESMTP id 4ABCD12345");
    assert_null(strchr(received, '\n'));
    assert_string_equal(msgview_header(v, "authentication-results"), v->auth_results);
    assert_null(msgview_header(v, "X-Not-There"));

    assert_int_equal(v->parts->len, 1);
    const mv_part *p = part(v, 0);
    assert_string_equal(p->content_type, "text/plain");
    assert_string_equal(p->charset, "us-ascii");
    assert_string_equal(p->encoding, "7bit");
    assert_int_equal(p->depth, 0);
    assert_false(p->forwarded);
    assert_false(p->from_html);
    assert_has(p->text->str, "we found an image of our client on your website\n");
    assert_string_equal(v->body_text->str, p->text->str);

    assert_int_equal(v->urls->len, 3);
    assert_string_equal(url_at(v, 0)->url, "https://blog.example.org/2019/05/trip.html");
    assert_string_equal(url_at(v, 0)->host, "blog.example.org");
    assert_null(url_at(v, 0)->text);
    assert_string_equal(url_at(v, 1)->url, "https://portal.example.net/case/7654321?lang=en");
    assert_string_equal(url_at(v, 2)->url, "www.example.net/faq");
    assert_string_equal(url_at(v, 2)->host, "www.example.net");
    assert_int_equal(v->attachments->len, 0);
    assert_int_equal(v->pdf_text->len, 0);
    assert_view_clean(v);
    unload(l);
}

static void test_quoted_printable(void **state)
{
    (void)state;
    loaded *l = load("qp.eml");
    const mv_part *p = part(l->v, 0);
    assert_string_equal(p->encoding, "quoted-printable");
    assert_string_equal(p->charset, "utf-8");
    assert_has(p->text->str, "bitte begleichen Sie die Gebühr innerhalb von 14 Tagen. Die "
                             "vollständige Fallakte");
    assert_has(p->text->str, "Mit freundlichen Grüßen\n");
    assert_lacks(p->text->str, "=\n");
    /* the soft line breaks inside the URL are gone */
    assert_int_equal(l->v->urls->len, 1);
    assert_string_equal(url_at(l->v, 0)->url, "https://portal.example.net/cases/7654321/"
                                              "evidence/screenshot-2024-04-16-full-page.png");
    assert_view_clean(l->v);
    unload(l);
}

static void test_base64(void **state)
{
    (void)state;
    loaded *l = load("base64.eml");
    const mv_part *p = part(l->v, 0);
    assert_string_equal(p->encoding, "base64");
    assert_string_equal(p->charset, "UTF-8");
    assert_string_equal(p->text->str, "Hello Erika,\n\n"
                                      "the total amount due is 1.234,56 € (EUR).\n"
                                      "Case number: 7654321\n");
    unload(l);
}

static void test_latin1_letter(void **state)
{
    (void)state;
    loaded *l = load("latin1.eml");
    const mv_part *p = part(l->v, 0);
    assert_string_equal(p->charset, "ISO-8859-1");
    assert_string_equal(p->encoding, "8bit");
    assert_has(p->text->str, "Sehr geehrte Frau Müller,");
    assert_has(p->text->str, "für die Nutzung des Fotos »Schloß am See« fällt eine Gebühr");
    assert_has(p->text->str, "Ärger vermeiden");
    assert_string_equal(l->v->from.name, "Kanzlei Jürgens");
    assert_view_clean(l->v);
    unload(l);
}

static void test_windows1252(void **state)
{
    (void)state;
    loaded *l = load("cp1252.eml");
    const char *t = part(l->v, 0)->text->str;
    assert_has(t, "Schadensersatz: 739,59 € – zahlbar sofort.");
    assert_has(t, "Sie schrieben: „Das Bild war frei“ — das trifft nicht zu.");
    assert_has(t, "It’s “final”.");
    assert_view_clean(l->v);
    unload(l);
}

static void test_encoded_words(void **state)
{
    (void)state;
    loaded *l = load("subject2047.eml");
    /* a UTF-8 B word and an ISO-8859-1 Q word, folded over two lines */
    assert_string_equal(l->v->subject, "Notice: ÄÖÜ use of your photo – € 100 für Sie");
    assert_string_equal(msgview_header(l->v, "Subject"), l->v->subject);
    assert_string_equal(l->v->from.name, "Jürgen Groß");
    assert_string_equal(l->v->from.addr, "juergen@agency.example.com");
    assert_string_equal(l->v->from.domain, "agency.example.com");
    unload(l);
}

static void test_html_only(void **state)
{
    (void)state;
    loaded *l = load("html.eml");
    msgview *v = l->v;
    assert_int_equal(v->parts->len, 1);
    const mv_part *p = part(v, 0);
    assert_string_equal(p->content_type, "text/html");
    assert_true(p->from_html);
    const char *t = p->text->str;
    assert_true(g_str_has_prefix(t, "Copyright Notice\n\n"));
    assert_has(t, "Dear Erika, our client’s photo \"Lake & Castle\" appeared on your site.");
    assert_has(t, "Fee: 739,59 € – München → Berlin");
    assert_has(t, "Case 7654321\nClient Example Photo Ltd");
    assert_has(t, "Please pay the license fee or dispute the claim.");
    assert_has(t, "First point\nSecond point");
    for (const char *const *no = (const char *const[]){ "title must not", "SCRIPT TEXT",
                                                        "color: red", "comment", "Preheader",
                                                        "HIDDEN SPAN", "hidden link", "<", NULL };
         *no; no++)
        assert_lacks(t, *no);

    assert_int_equal(v->urls->len, 4);
    const mv_url *pay = find_url(v, "https://portal.example.net/pay?case=7654321&src=mail");
    assert_non_null(pay);
    assert_string_equal(pay->text, "pay the license fee");
    assert_string_equal(pay->host, "portal.example.net");
    assert_string_equal(find_url(v, "https://portal.example.net/dispute")->text,
                        "dispute the claim");
    assert_string_equal(find_url(v, "https://cdn.example.net/evidence/photo-123.jpg")->text,
                        "Evidence photo");
    const mv_url *plain = find_url(v, "https://www.example.com/terms");
    assert_non_null(plain);
    assert_null(plain->text);
    for (guint i = 0; i < v->urls->len; i++) {
        assert_string_not_equal(url_at(v, i)->host, "hidden.example.net");
        assert_false(g_str_has_prefix(url_at(v, i)->url, "cid:"));
        assert_false(g_str_has_prefix(url_at(v, i)->url, "javascript:"));
    }
    assert_view_clean(v);
    unload(l);
}

static void test_alternative(void **state)
{
    (void)state;
    loaded *l = load("alternative.eml");
    msgview *v = l->v;
    assert_int_equal(v->parts->len, 2);
    assert_string_equal(part(v, 0)->content_type, "text/plain");
    assert_string_equal(part(v, 1)->content_type, "text/html");
    assert_int_equal(part(v, 0)->depth, 1);
    assert_int_equal(part(v, 1)->depth, 1);
    assert_true(part(v, 1)->from_html);
    assert_has(v->body_text->str, "Plain version: your case 7654321.");
    assert_has(v->body_text->str, "HTML version: your case 7654321.");
    assert_lacks(v->body_text->str, "multi-part message in MIME format");
    /* one URL: found in the text first, the href brings its link text */
    assert_int_equal(v->urls->len, 1);
    assert_string_equal(url_at(v, 0)->url, "https://portal.example.net/c/7654321");
    assert_string_equal(url_at(v, 0)->text, "Open the portal");
    unload(l);
}

static void test_forwarded_attachment(void **state)
{
    (void)state;
    loaded *l = load("fwd-rfc822.eml");
    msgview *v = l->v;
    assert_string_equal(v->from.addr, "erika@example.org");
    assert_int_equal(v->parts->len, 4);
    assert_false(part(v, 0)->forwarded);
    assert_int_equal(part(v, 0)->depth, 1);

    const mv_part *hdrs = part(v, 1);
    assert_string_equal(hdrs->content_type, "text/rfc822-headers");
    assert_true(hdrs->forwarded);
    assert_int_equal(hdrs->depth, 2);
    assert_has(hdrs->text->str, "From: COPYTRACK <noreply@copytrack.com>\n");
    assert_has(hdrs->text->str, "Subject: Copyright infringement of image 123\n");

    assert_true(part(v, 2)->forwarded);
    assert_int_equal(part(v, 2)->depth, 3);
    assert_string_equal(part(v, 2)->text->str,
                        "Case ID: 7654321 – please license the image at "
                        "https://portal.copytrack.com/case/7654321\n");
    assert_true(part(v, 3)->forwarded);
    assert_true(part(v, 3)->from_html);
    assert_has(v->body_text->str, "noreply@copytrack.com");

    assert_int_equal(v->urls->len, 1);
    assert_string_equal(url_at(v, 0)->text, "license now");
    assert_int_equal(v->attachments->len, 1);
    assert_string_equal(attachment(v, 0)->filename, "notice.eml");
    assert_string_equal(attachment(v, 0)->content_type, "message/rfc822");
    assert_true(attachment(v, 0)->size > 400);
    assert_int_equal(v->truncated, 0);
    unload(l);
}

static void test_forwarded_inline(void **state)
{
    (void)state;
    loaded *l = load("fwd-inline.eml");
    const mv_part *p = part(l->v, 0);
    assert_false(p->forwarded);
    assert_has(p->text->str, "---------- Forwarded message ---------\n"
                             "From: COPYTRACK <noreply@copytrack.com>\n");
    assert_has(p->text->str, "für die Nutzung des Bildes fordern wir 739,59 EUR.");
    assert_string_equal(url_at(l->v, 0)->url, "https://portal.copytrack.com/case/7654321");
    unload(l);
}

static void test_reply_quoting(void **state)
{
    (void)state;
    loaded *l = load("reply-quote.eml");
    msgview *v = l->v;
    assert_string_equal(v->in_reply_to, "<notice.1@copytrack.com>");
    assert_string_equal(v->references, "<notice.1@copytrack.com>");
    /* format=flowed: soft breaks rejoined, quoted ones too, signature kept */
    assert_true(g_str_has_prefix(v->body_text->str,
                                 "Please send proof that your client owns the image.\n\n"));
    assert_has(v->body_text->str, "\n> our client demands 739,59 EUR for case 7654321.\n");
    assert_has(v->body_text->str, "\n>> nested quote ");
    assert_true(g_str_has_suffix(v->body_text->str, "\n-- \nErika\n"));
    assert_string_equal(url_at(v, 0)->url, "https://portal.copytrack.com/case/7654321");
    unload(l);
}

static void test_pdf_letter(void **state)
{
    (void)state;
    loaded *l = load("pdf.eml");
    msgview *v = l->v;
    assert_int_equal(v->parts->len, 1);
    assert_int_equal(v->attachments->len, 1);
    const mv_attachment *a = attachment(v, 0);
    assert_string_equal(a->filename, "Schreiben.pdf");
    assert_string_equal(a->content_type, "application/pdf");
    assert_int_equal(a->size, 728);
    assert_int_equal(a->depth, 1);
    assert_has(v->pdf_text->str, "COPYTRACK GmbH - Nachlizenzierung\nFallnummer: 7654321\n");
    assert_has(v->pdf_text->str, "Forderung: 739,59 EUR");
    assert_has(v->pdf_text->str, "Gebühr für die Bildnutzung");
    /* PDF text is kept apart from the body */
    assert_lacks(v->body_text->str, "Fallnummer");
    assert_int_equal(v->truncated, 0);
    assert_view_clean(v);
    unload(l);
}

static void test_rfc2231_filename(void **state)
{
    (void)state;
    loaded *l = load("rfc2231.eml");
    assert_int_equal(l->v->attachments->len, 1);
    const mv_attachment *a = attachment(l->v, 0);
    assert_string_equal(a->filename, "Beweisfoto März 2024.jpg");
    assert_string_equal(a->content_type, "image/jpeg");
    assert_int_equal(a->size, 60);
    assert_int_equal(l->v->pdf_text->len, 0);
    unload(l);
}

/* ------------------------------------------------------------ caps */

static void test_limits_default(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    assert_int_equal(lim.max_scan_bytes, 4u << 20);
    assert_int_equal(lim.max_parts, 500);
    assert_int_equal(lim.max_depth, 10);
    assert_int_equal(lim.max_part_text, 256u << 10);
    assert_int_equal(lim.max_total_text, 1u << 20);
    assert_int_equal(lim.max_urls, 500);
    assert_int_equal(lim.max_headers, 500);
    assert_int_equal(lim.max_header_value, 16u << 10);
    assert_int_equal(lim.max_pdf_text, 256u << 10);
}

static void test_trunc_bytes(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_scan_bytes = 1000;
    loaded *l = load_with("plain.eml", &lim);
    assert_int_equal(l->v->raw_len, 1000);
    assert_true(l->v->truncated & MV_TRUNC_BYTES);
    assert_has(l->v->body_text->str, "Dear Ms Musterfrau");
    assert_lacks(l->v->body_text->str, "Kind regards");
    unload(l);
}

/* A multipart/mixed message with n text parts. */
static char *many_parts(int n)
{
    GString *m = g_string_new("From: a@example.com\nSubject: parts\nMIME-Version: 1.0\n"
                              "Content-Type: multipart/mixed; boundary=\"b\"\n\n");
    for (int i = 0; i < n; i++)
        g_string_append_printf(m, "--b\nContent-Type: text/plain\n\npart number %d\n", i);
    g_string_append(m, "--b--\n");
    return g_string_free(m, FALSE);
}

static void test_trunc_parts(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_parts = 10;
    char *raw = many_parts(50);
    msgview *v = view_of(raw, &lim);
    assert_true(v->truncated & MV_TRUNC_PARTS);
    assert_int_equal(v->parts->len, 9); /* the multipart itself is one */
    /* the line break before a boundary belongs to the boundary */
    assert_true(g_str_has_suffix(v->body_text->str, "part number 7\npart number 8"));
    assert_lacks(v->body_text->str, "part number 9");
    msgview_free(v);

    lim.max_parts = 500;
    v = view_of(raw, &lim);
    assert_int_equal(v->truncated, 0);
    assert_int_equal(v->parts->len, 50);
    msgview_free(v);
    g_free(raw);
}

/* multipart inside multipart, n deep, one text part at the bottom. */
static char *deep(int n)
{
    GString *m = g_string_new("From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n");
    for (int i = 0; i < n; i++)
        g_string_append_printf(m, "Content-Type: multipart/mixed; boundary=\"d%d\"\n\n--d%d\n",
                               i, i);
    g_string_append(m, "Content-Type: text/plain\n\nBOTTOM TEXT\n");
    for (int i = n - 1; i >= 0; i--)
        g_string_append_printf(m, "--d%d--\n", i);
    return g_string_free(m, FALSE);
}

static void test_trunc_depth(void **state)
{
    (void)state;
    char *raw = deep(15);
    msgview *v = view_of(raw, NULL);
    assert_true(v->truncated & MV_TRUNC_DEPTH);
    assert_lacks(v->body_text->str, "BOTTOM TEXT");
    msgview_free(v);
    g_free(raw);

    raw = deep(5);
    v = view_of(raw, NULL);
    assert_int_equal(v->truncated, 0);
    assert_string_equal(v->body_text->str, "BOTTOM TEXT");
    assert_int_equal(part(v, 0)->depth, 5);
    msgview_free(v);
    g_free(raw);
}

static void test_trunc_text(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_part_text = 101; /* 50 "ä" are 100 bytes: the cut falls inside one */
    GString *m = g_string_new("Subject: t\nContent-Type: text/plain; charset=utf-8\n\n");
    for (int i = 0; i < 300; i++)
        g_string_append(m, "ä");
    msgview *v = view_of(m->str, &lim);
    assert_true(v->truncated & MV_TRUNC_TEXT);
    assert_int_equal(part(v, 0)->text->len, 100);
    assert_view_clean(v);
    msgview_free(v);

    /* the total cap: the second part gets what is left, the third nothing */
    msgview_limits_default(&lim);
    char *raw = many_parts(3); /* "part number N" = 13 bytes each */
    lim.max_total_text = 20;
    v = view_of(raw, &lim);
    assert_true(v->truncated & MV_TRUNC_TEXT);
    assert_int_equal(part(v, 0)->text->len, 13);
    assert_string_equal(part(v, 1)->text->str, "part nu");
    assert_int_equal(part(v, 2)->text->len, 0);
    msgview_free(v);
    g_free(raw);
    g_string_free(m, TRUE);
}

static void test_trunc_urls(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_urls = 5;
    GString *m = g_string_new("Subject: urls\n\n");
    for (int i = 0; i < 20; i++) /* each twice, the second time with another case */
        g_string_append_printf(m, "https://host%d.example.com/p HTTPS://HOST%d.Example.COM/p\n",
                               i % 7, i % 7);
    msgview *v = view_of(m->str, &lim);
    assert_true(v->truncated & MV_TRUNC_URLS);
    assert_int_equal(v->urls->len, 5);
    assert_string_equal(url_at(v, 4)->host, "host4.example.com");
    msgview_free(v);

    lim.max_urls = 7; /* exactly the distinct ones: no truncation */
    v = view_of(m->str, &lim);
    assert_int_equal(v->truncated & MV_TRUNC_URLS, 0);
    assert_int_equal(v->urls->len, 7);
    msgview_free(v);
    g_string_free(m, TRUE);
}

static void test_trunc_headers(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_headers = 10;
    lim.max_header_value = 64;
    GString *m = g_string_new(NULL);
    for (int i = 0; i < 30; i++)
        g_string_append_printf(m, "X-Junk-%d: %d\n", i, i);
    g_string_append(m, "Subject: ");
    for (int i = 0; i < 20; i++)
        g_string_append(m, "long ");
    g_string_append(m, "\n\nbody\n");
    msgview *v = view_of(m->str, &lim);
    assert_true(v->truncated & MV_TRUNC_HEADERS);
    assert_int_equal(v->headers->len, 10);
    assert_null(msgview_header(v, "Subject"));
    /* named headers are found past the cap, and clipped to the value cap */
    assert_non_null(v->subject);
    assert_true(g_str_has_prefix(v->subject, "long long"));
    assert_true(strlen(v->subject) <= 64);
    msgview_free(v);
    g_string_free(m, TRUE);
}

static void test_trunc_pdf(void **state)
{
    (void)state;
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_pdf_text = 20;
    loaded *l = load_with("pdf.eml", &lim);
    assert_true(l->v->truncated & MV_TRUNC_PDF);
    assert_true(l->v->pdf_text->len <= 20);
    assert_true(g_str_has_prefix(l->v->pdf_text->str, "COPYTRACK"));
    unload(l);
}

/* ------------------------------------------------------------ hostile bytes */

static void test_nul_and_invalid_bytes(void **state)
{
    (void)state;
    static const char raw[] = "Subject: a\0b\nFrom: x@example.com\n"
                              "Content-Type: text/plain; charset=utf-8\n\n"
                              "before\0after \xff\xfe end \xe2\x82 cut\r\nline2\r\n";
    msgview *v = msgview_new(raw, sizeof raw - 1, NULL);
    assert_view_clean(v);
    assert_string_equal(part(v, 0)->text->str,
                        "before after \xef\xbf\xbd\xef\xbf\xbd end \xef\xbf\xbd\xef\xbf\xbd cut\n"
                        "line2\n");
    msgview_free(v);
}

static void test_empty_parts(void **state)
{
    (void)state;
    msgview *v = view_of("Subject: empty\nMIME-Version: 1.0\n"
                         "Content-Type: multipart/mixed; boundary=e\n\n"
                         "--e\nContent-Type: text/html\n\n"
                         "--e\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
                         "--e\nContent-Type: application/pdf\n\n"
                         "--e\nContent-Type: application/octet-stream\n"
                         "Content-Transfer-Encoding: base64\n\n"
                         "--e--\n",
                         NULL);
    assert_int_equal(v->parts->len, 2);
    assert_int_equal(part(v, 0)->text->len, 0);
    assert_int_equal(part(v, 1)->text->len, 0);
    assert_int_equal(v->attachments->len, 2);
    assert_int_equal(attachment(v, 0)->size, 0);
    assert_int_equal(attachment(v, 1)->size, 0);
    assert_int_equal(v->body_text->len, 0);
    assert_int_equal(v->pdf_text->len, 0);
    msgview_free(v);
}

static void test_charset_fallbacks(void **state)
{
    (void)state;
    /* unknown charset, Latin-1 bytes → windows-1252 */
    msgview *v = view_of("Content-Type: text/plain; charset=x-unknown-42\n\nM\xfcller \x80\n",
                         NULL);
    assert_string_equal(part(v, 0)->text->str, "Müller €\n");
    msgview_free(v);
    /* declared us-ascii, really UTF-8 */
    v = view_of("Content-Type: text/plain; charset=us-ascii\n\nM\xc3\xbcller\n", NULL);
    assert_string_equal(part(v, 0)->text->str, "Müller\n");
    msgview_free(v);
    /* no charset at all, Latin-1 */
    v = view_of("Subject: x\n\nGr\xfc\xdf" "e\n", NULL);
    assert_string_equal(part(v, 0)->text->str, "Grüße\n");
    msgview_free(v);
    /* through iconv: KOI8-R and ISO-2022-JP */
    v = view_of("Content-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n", NULL);
    assert_string_equal(part(v, 0)->text->str, "Привет\n");
    msgview_free(v);
    v = view_of("Content-Type: text/plain; charset=iso-2022-jp\n\n"
                "\x1b$B$3$s$K$A$O\x1b(B\n", NULL);
    assert_string_equal(part(v, 0)->text->str, "こんにちは\n");
    msgview_free(v);
    /* ISO-8859-15 is not Latin-1: 0xA4 is the euro sign */
    v = view_of("Content-Type: text/plain; charset=iso-8859-15\n\n\xa4 5\n", NULL);
    assert_string_equal(part(v, 0)->text->str, "€ 5\n");
    msgview_free(v);
}

/* What mvtext_append_utf8() must make of any bytes, one character at a
 * time: a valid character as it is, a NUL as a space, any other byte that
 * starts no valid character as U+FFFD. */
static void utf8_reference(GString *out, const char *in, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = 0;
        for (size_t k = 1; k <= 4 && i + k <= len && !n; k++)
            if (in[i] != '\0' && g_utf8_validate_len(in + i, k, NULL))
                n = k;
        if (n) {
            g_string_append_len(out, in + i, (gssize)n);
            i += n;
        } else {
            g_string_append(out, in[i] ? "\xef\xbf\xbd" : " ");
            i++;
        }
    }
}

/* The validator skips ASCII eight bytes at a time: whatever stands at
 * whatever offset of the words (a NUL, a character, a stray or cut
 * sequence), the text is what one character at a time gives. */
static void test_utf8_any_offset(void **state)
{
    (void)state;
    static const char *const odd[] = {"\0", "\xc3\xa9", "\x80", "\xe2\x82", "\xff", "\xf0\x9f\x98\x80", "\xed\xa0\x80"};
    GString *in = g_string_new(NULL), *got = g_string_new(NULL), *want = g_string_new(NULL);
    unsigned checked = 0;
    for (unsigned o = 0; o < G_N_ELEMENTS(odd); o++)
        for (size_t before = 0; before <= 20; before++)
            for (size_t after = 0; after <= 12; after += 3) {
                g_string_truncate(in, 0);
                for (size_t k = 0; k < before; k++)
                    g_string_append_c(in, (char)('a' + k % 26));
                g_string_append_len(in, odd[o], odd[o][0] ? (gssize)strlen(odd[o]) : 1);
                for (size_t k = 0; k < after; k++)
                    g_string_append_c(in, (char)('A' + k % 26));
                g_string_truncate(got, 0);
                g_string_truncate(want, 0);
                assert_false(mvtext_append_utf8(got, in->str, in->len, 1000));
                utf8_reference(want, in->str, in->len);
                if (strcmp(got->str, want->str) != 0)
                    fail_msg("\"%s\" after %zu ASCII bytes, %zu after: got %zu bytes, want %zu",
                             o ? "odd sequence" : "NUL", before, after, got->len, want->len);
                assert_true(g_utf8_validate(got->str, (gssize)got->len, NULL));
                checked++;
            }
    assert_int_equal(checked, G_N_ELEMENTS(odd) * 21 * 5);
    g_string_free(in, TRUE);
    g_string_free(got, TRUE);
    g_string_free(want, TRUE);
}

/* What mvtext_dup_clean() must give: the GString way, for any bytes. */
static char *dup_clean_reference(const char *s, size_t cap, bool *clipped)
{
    GString *g = g_string_new(NULL);
    if (mvtext_append_utf8(g, s, strlen(s), cap))
        *clipped = true;
    return g_string_free(g, FALSE);
}

/* mvtext_dup_clean() copies a valid value within the cap as it is: every
 * odd sequence at every offset, with every cap around it, comes out as
 * mvtext_append_utf8() makes it. */
static void test_dup_clean_any_cap(void **state)
{
    (void)state;
    static const char *const odd[] = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\x80",
                                      "\xe2\x82", "\xff", "\xed\xa0\x80", "\x01"};
    GString *in = g_string_new(NULL);
    for (unsigned o = 0; o < G_N_ELEMENTS(odd); o++)
        for (size_t before = 0; before <= 20; before++)
            for (size_t after = 0; after <= 12; after += 4) {
                g_string_truncate(in, 0);
                for (size_t k = 0; k < before; k++)
                    g_string_append_c(in, (char)('a' + k % 26));
                g_string_append(in, odd[o]);
                for (size_t k = 0; k < after; k++)
                    g_string_append_c(in, (char)('A' + k % 26));
                for (size_t cap = 0; cap <= in->len + 2; cap++) {
                    bool clipped = false, want_clipped = false;
                    char *got = mvtext_dup_clean(in->str, cap, &clipped);
                    char *want = dup_clean_reference(in->str, cap, &want_clipped);
                    if (strcmp(got, want) != 0 || clipped != want_clipped)
                        fail_msg("odd sequence %u after %zu bytes, cap %zu: got %zu bytes%s, "
                                 "want %zu%s", o, before, cap, strlen(got),
                                 clipped ? " clipped" : "", strlen(want),
                                 want_clipped ? " clipped" : "");
                    g_free(got);
                    g_free(want);
                }
            }
    g_string_free(in, TRUE);
    bool clipped = false;
    char *d = mvtext_dup_clean("", 0, &clipped);
    assert_string_equal(d, "");
    assert_false(clipped);
    g_free(d);
    assert_null(mvtext_dup_clean(NULL, 10, &clipped));
}

/* What msgview_base64_count() must give, one byte at a time. */
static size_t base64_count_reference(const char *p, size_t len, bool *padded)
{
    size_t chars = 0;
    *padded = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '=') {
            *padded = true;
            break;
        }
        chars += g_ascii_isalnum(p[i]) || p[i] == '+' || p[i] == '/';
    }
    return chars;
}

static void assert_base64_count(const char *p, size_t len)
{
    bool padded = true, want_padded; /* the count must set it either way */
    size_t got = msgview_base64_count(p, len, &padded);
    size_t want = base64_count_reference(p, len, &want_padded);
    if (got != want || padded != want_padded)
        fail_msg("%zu bytes from 0x%02x: %zu characters%s, want %zu%s", len,
                 len ? (unsigned char)p[0] : 0, got, padded ? " padded" : "", want,
                 want_padded ? " padded" : "");
}

/* The count goes 64 bytes at a time, then byte by byte: every byte value
 * in both, at every length around a block, and an '=' at every offset
 * of pseudo-random bytes. */
static void test_base64_count(void **state)
{
    (void)state;
    char buf[200];
    for (unsigned c = 0; c < 256; c++)
        for (size_t len = 0; len <= 160; len++) {
            memset(buf, (int)c, len);
            assert_base64_count(buf, len);
        }
    GRand *rand = g_rand_new_with_seed(2047);
    for (size_t len = 0; len <= sizeof buf; len++) {
        for (size_t i = 0; i < len; i++)
            do
                buf[i] = (char)g_rand_int_range(rand, 0, 256);
            while (buf[i] == '=');
        assert_base64_count(buf, len);
        for (size_t eq = 0; eq < len; eq++) {
            char was = buf[eq];
            buf[eq] = '=';
            assert_base64_count(buf, len);
            buf[eq] = was;
        }
    }
    g_rand_free(rand);
}

/* An attachment's size is what its base64 decodes to, for every length of
 * the last quantum and line breaks anywhere in the text. */
static void test_base64_attachment_size(void **state)
{
    (void)state;
    guchar data[300];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (guchar)(i * 7 + 3);
    for (size_t n = 0; n <= sizeof data; n++) {
        char *b64 = g_base64_encode(data, n);
        GString *raw = g_string_new("Subject: size\nMIME-Version: 1.0\n"
                                    "Content-Type: multipart/mixed; boundary=b\n\n"
                                    "--b\nContent-Type: text/plain\n\nsee attached\n"
                                    "--b\nContent-Type: application/octet-stream\n"
                                    "Content-Transfer-Encoding: base64\n\n");
        size_t len = strlen(b64), line = 1 + n % 76; /* every line width in turn */
        for (size_t i = 0; i < len; i += line) {
            g_string_append_len(raw, b64 + i, (gssize)MIN(line, len - i));
            g_string_append(raw, n % 2 ? "\r\n" : "\n");
        }
        g_string_append(raw, "--b--\n");
        msgview *v = view_of(raw->str, NULL);
        assert_int_equal(v->attachments->len, 1);
        assert_int_equal(attachment(v, 0)->size, n);
        msgview_free(v);
        g_string_free(raw, TRUE);
        g_free(b64);
    }
}

/* What msgview_plain_value() must give, one byte at a time. */
static char *plain_value_reference(const char *raw, size_t cap, bool *clipped)
{
    size_t len = strlen(raw);
    char *v = g_malloc(MIN(len, cap) + 1), *w = v;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)raw[i];
        if (c >= 0x80 || (c == '=' && raw[i + 1] == '?')) {
            g_free(v);
            return NULL;
        }
        if (c == '\r' || c == '\n')
            continue;
        if ((size_t)(w - v) >= cap) {
            *clipped = true;
            break;
        }
        *w++ = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    *w = '\0';
    return g_strstrip(v);
}

static void assert_plain_value(const char *raw, size_t cap)
{
    bool clipped = false, want_clipped = false;
    char *got = msgview_plain_value(raw, cap, &clipped);
    char *want = plain_value_reference(raw, cap, &want_clipped);
    if (g_strcmp0(got, want) != 0 || clipped != want_clipped)
        fail_msg("\"%s\" cap %zu: got \"%s\"%s, want \"%s\"%s", g_strescape(raw, NULL), cap,
                 got ? g_strescape(got, NULL) : "(null)", clipped ? " clipped" : "",
                 want ? g_strescape(want, NULL) : "(null)", want_clipped ? " clipped" : "");
    g_free(got);
    g_free(want);
}

/* Plain text around the odd bytes: words, so that g_strstrip() and a
 * misplaced copy both show. */
static void plain_text(char *buf, size_t len)
{
    for (size_t k = 0; k < len; k++)
        buf[k] = k % 6 == 5 ? ' ' : (char)('a' + k % 26);
    buf[len] = '\0';
}

/* Runs of plain bytes are copied eight at a time: every byte value at
 * every offset, CR/LF, "=?" and their lookalikes at every offset, every
 * cap around them, and random mixes at every cap, all as one byte at a
 * time gives them. */
static void test_plain_value(void **state)
{
    (void)state;
    char buf[120];
    for (unsigned c = 1; c < 256; c++)
        for (size_t len = 1; len <= 40; len++)
            for (size_t at = 0; at < len; at++) {
                plain_text(buf, len);
                buf[at] = (char)c;
                for (size_t cap = at > 0 ? at - 1 : 0; cap <= at + 2; cap++)
                    assert_plain_value(buf, cap);
                assert_plain_value(buf, G_MAXSIZE);
            }
    static const char *const pairs[] = {"=?", "==?", "= ?", "=", "?", "\r\n ", "\n\t", "\r", "\t"};
    for (size_t k = 0; k < G_N_ELEMENTS(pairs); k++)
        for (size_t len = 0; len <= 100; len++)
            for (size_t at = 0; at <= len; at++) {
                plain_text(buf, len);
                size_t n = MIN(strlen(pairs[k]), len - at);
                memcpy(buf + at, pairs[k], n);
                for (size_t cap = 0; cap <= len + 1; cap++)
                    assert_plain_value(buf, cap);
            }
    static const char mix[] = "abcXYZ09 .,@<>\"=?=\r\n\t\x01\x1f\x7f";
    GRand *rand = g_rand_new_with_seed(1947);
    for (size_t len = 0; len <= 100; len++)
        for (int round = 0; round < 8; round++) {
            for (size_t k = 0; k < len; k++)
                buf[k] = mix[g_rand_int_range(rand, 0, sizeof mix - 1)];
            buf[len] = '\0';
            if (len && round == 7)
                buf[g_rand_int_range(rand, 0, (gint32)len)] = (char)0xc3;
            for (size_t cap = 0; cap <= len + 1; cap++)
                assert_plain_value(buf, cap);
        }
    g_rand_free(rand);
}

static void test_mvtext_direct(void **state)
{
    (void)state;
    GString *s = g_string_new(NULL);
    /* a cap inside a character keeps the character out whole */
    assert_true(mvtext_append(s, "a\xe2\x82\xac", 4, "utf-8", 3));
    assert_string_equal(s->str, "a");
    g_string_truncate(s, 0);
    assert_false(mvtext_append(s, "\x80\x9f", 2, "windows-1252", 100));
    assert_string_equal(s->str, "€Ÿ");
    g_string_assign(s, "a\r\nb\rc\n");
    mvtext_unix_newlines(s);
    assert_string_equal(s->str, "a\nb\nc\n");
    static const char *const crlf[][2] = {
        {"", ""}, {"plain", "plain"}, {"\r", "\n"}, {"\r\n", "\n"}, {"\r\r\n", "\n\n"},
        {"\n\r", "\n\n"}, {"x\r", "x\n"}, {"\rx", "\nx"}, {"a\r\n\r\nb\r\n", "a\n\nb\n"},
        {"\r\r\r", "\n\n\n"}, {"ab\r\ncd\ref", "ab\ncd\nef"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(crlf); i++) {
        g_string_assign(s, crlf[i][0]);
        mvtext_unix_newlines(s);
        assert_string_equal(s->str, crlf[i][1]);
        assert_int_equal(s->len, strlen(crlf[i][1]));
    }
    /* Random mixes of CR, LF, NUL and letters against a byte-by-byte copy. */
    GRand *rand = g_rand_new_with_seed(7);
    for (unsigned round = 0; round < 500; round++) {
        char in[64], want[64];
        size_t n = (size_t)g_rand_int_range(rand, 0, 64), k = 0;
        for (size_t i = 0; i < n; i++)
            in[i] = "\r\n\0ab"[g_rand_int_range(rand, 0, 5)];
        for (size_t i = 0; i < n; i++) {
            if (in[i] != '\r') {
                want[k++] = in[i];
            } else {
                want[k++] = '\n';
                if (i + 1 < n && in[i + 1] == '\n')
                    i++;
            }
        }
        g_string_truncate(s, 0);
        g_string_append_len(s, in, (gssize)n);
        mvtext_unix_newlines(s);
        assert_int_equal(s->len, k);
        assert_memory_equal(s->str, want, k);
        assert_int_equal(s->str[k], '\0');
    }
    g_rand_free(rand);
    g_string_assign(s, "one \ntwo\n> q1 \n> q2 \n>> deeper\n \nstuffed\n -- x\nend ");
    mvtext_unflow(s, false);
    assert_string_equal(s->str, "one two\n> q1 q2 \n>> deeper\n\nstuffed\n-- x\nend ");
    g_string_assign(s, "Wort \nfortsetzung\n");
    mvtext_unflow(s, true);
    assert_string_equal(s->str, "Wortfortsetzung\n");
    bool clipped = false;
    char *d = mvtext_dup_clean("abc\xff", 100, &clipped);
    assert_string_equal(d, "abc\xef\xbf\xbd");
    assert_false(clipped);
    g_free(d);
    g_string_free(s, TRUE);
}

static void test_mvurls_direct(void **state)
{
    (void)state;
    GPtrArray *list = g_ptr_array_new_with_free_func(mvurls_url_free);
    mvurls *u = mvurls_new(list, 100);
    const char *text = "See (https://a.example.com/x_(y)) and [doc](http://b.example.com/d), "
                       "https://c.example.com/end... xwww.no.example www.d.example.com! "
                       "mailto:z@example.com ftp://e.example.com/f "
                       "http://user:pw@F.Example.COM:8080/p "
                       "https://";
    mvurls_scan(u, text, strlen(text));
    mvurls_add(u, "cid:part1@example.com", 21, "x");
    mvurls_add(u, "javascript:alert(1)", 19, "x");
    mvurls_add(u, "/relative/path", 14, "x");
    mvurls_add(u, "mailto:z@example.com", 20, "mail us");
    mvurls_add(u, "HTTPS://A.EXAMPLE.COM/x_(y)", 27, "same URL, other case");
    const char *want[] = { "https://a.example.com/x_(y)", "http://b.example.com/d",
                           "https://c.example.com/end", "www.d.example.com",
                           "http://user:pw@F.Example.COM:8080/p", "mailto:z@example.com" };
    assert_int_equal(list->len, G_N_ELEMENTS(want));
    for (guint i = 0; i < list->len; i++)
        assert_string_equal(((mv_url *)g_ptr_array_index(list, i))->url, want[i]);
    mv_url *first = g_ptr_array_index(list, 0);
    assert_string_equal(first->text, "same URL, other case");
    assert_string_equal(((mv_url *)g_ptr_array_index(list, 4))->host, "f.example.com");
    assert_null(((mv_url *)g_ptr_array_index(list, 5))->host);
    assert_false(mvurls_truncated(u));

    char *host = mvurls_host("https://[2001:db8::1]:443/x", 27);
    assert_string_equal(host, "[2001:db8::1]");
    g_free(host);
    assert_null(mvurls_host("https:///nohost", 15));
    mvurls_free(u);
    g_ptr_array_unref(list);
}

/* "www." followed by no host of its own: a port, a user info or nothing
 * at all right after the dot.  None is a URL, and none may read past the
 * text (a fuzzing find: the host ended before the dot, and the search
 * for a dot after "www." was given a negative length). */
static void test_mvurls_www_without_host(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "kre n:k *www.:k ", "www.:8080/x", "www.", "see www.: now", "www.@", "www..:1",
        "(www.:k)", "www.?q", "www.#f",
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++) {
        GPtrArray *list = g_ptr_array_new_with_free_func(mvurls_url_free);
        mvurls *u = mvurls_new(list, 10);
        /* an exact-size copy, so that a read past it is caught under ASan */
        char *t = g_memdup2(texts[i], strlen(texts[i]));
        mvurls_scan(u, t, strlen(texts[i]));
        if (list->len != 0)
            fail_msg("\"%s\": found \"%s\"", texts[i], ((mv_url *)g_ptr_array_index(list, 0))->url);
        g_free(t);
        mvurls_free(u);
        g_ptr_array_unref(list);
    }
}

/* Every byte value inside a plain-text URL: the URL goes on through it
 * when it is printable ASCII other than <>"'`{}|\\^, and stops before it
 * otherwise; an unbalanced ')' or ']' ends it too. */
static void test_mvurls_any_byte(void **state)
{
    (void)state;
    for (unsigned c = 1; c < 256; c++) {
        char text[64];
        int n = snprintf(text, sizeof text, "go http://x.example/a%cb end", c);
        GPtrArray *list = g_ptr_array_new_with_free_func(mvurls_url_free);
        mvurls *u = mvurls_new(list, 10);
        mvurls_scan(u, text, (size_t)n);
        bool inside = c > 0x20 && c < 0x7f && !strchr("<>\"'`{}|\\^)]", (int)c);
        char *want = inside ? g_strdup_printf("http://x.example/a%cb", c)
                            : g_strdup("http://x.example/a");
        assert_int_equal(list->len, 1);
        if (strcmp(((mv_url *)g_ptr_array_index(list, 0))->url, want) != 0)
            fail_msg("byte 0x%02x: got \"%s\", want \"%s\"", c,
                     ((mv_url *)g_ptr_array_index(list, 0))->url, want);
        g_free(want);
        mvurls_free(u);
        g_ptr_array_unref(list);
    }
}

/* Every byte value after a host and at its start: the path, query and
 * fragment marks, a backslash and a NUL end it; ':' starts a port, '@'
 * ends user info; any other byte is part of the host. */
static void test_mvurls_host_any_byte(void **state)
{
    (void)state;
    for (unsigned c = 0; c < 256; c++) {
        char url[] = "http://Ex.ORG?x/y";
        url[13] = (char)c;
        char *host = mvurls_host(url, sizeof url - 1);
        char *want;
        if (c == 0 || strchr("/?#\\:", (int)c))
            want = g_strdup("ex.org");
        else if (c == '@')
            want = g_strdup("x");
        else
            want = g_ascii_strdown(url + 7, 8);
        if (g_strcmp0(host, want) != 0)
            fail_msg("byte 0x%02x: got \"%s\", want \"%s\"", c, host ? host : "(null)", want);
        g_free(host);
        g_free(want);

        char first[] = "http://?Ex.ORG/y";
        first[7] = (char)c;
        host = mvurls_host(first, sizeof first - 1);
        if (c == 0 || strchr("/?#\\:", (int)c))
            want = NULL; /* nothing left of the host */
        else if (c == '@')
            want = g_strdup("ex.org");
        else
            want = g_ascii_strdown(first + 7, 7);
        if (g_strcmp0(host, want) != 0)
            fail_msg("byte 0x%02x first: got \"%s\", want \"%s\"", c, host ? host : "(null)",
                     want ? want : "(null)");
        g_free(host);
        g_free(want);
    }
}

static void test_unparsable(void **state)
{
    (void)state;
    msgview *v = msgview_new(NULL, 0, NULL);
    assert_non_null(v);
    assert_int_equal(v->raw_len, 0);
    assert_view_clean(v);
    msgview_free(v);

    /* blank lines before the headers: the view still finds them */
    v = view_of("   \n\nSubject: after blank lines\n\nbody text\n", NULL);
    assert_false(v->parse_failed);
    assert_string_equal(v->subject, "after blank lines");
    assert_string_equal(v->body_text->str, "body text\n");
    msgview_free(v);
}

static void test_garbage_does_not_crash(void **state)
{
    (void)state;
    /* pseudo-random bytes with MIME-ish fragments sprinkled in */
    static const char *const bits[] = {
        "\n", "--b\n", "Content-Type: multipart/mixed; boundary=b\n",
        "Content-Transfer-Encoding: base64\n", "=?utf-8?B?w6Q=?=", "<a href=",
        "Content-Type: text/html\n", "\x00", "\xff", "=\n", "&#x", "<!--", "\r",
        "Content-Type: message/rfc822\n\n", "charset=\"", ": ", "http://",
    };
    guint32 seed = 12345;
    for (int round = 0; round < 300; round++) {
        GString *m = g_string_new(NULL);
        int n = 20 + round % 200;
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            guint pick = (seed >> 16) % (G_N_ELEMENTS(bits) + 8);
            if (pick < G_N_ELEMENTS(bits))
                g_string_append_len(m, bits[pick], pick == 7 ? 1 : (gssize)strlen(bits[pick]));
            else
                g_string_append_c(m, (char)(seed >> 8));
        }
        msgview *v = msgview_new(m->str, m->len, NULL);
        assert_view_clean(v);
        msgview_free(v);
        g_string_free(m, TRUE);
    }
}

/* ------------------------------------------------------------ threads, dump */

static gpointer thread_scan(gpointer data)
{
    (void)data;
    static const char *const names[] = { "html.eml", "pdf.eml", "latin1.eml", "fwd-rfc822.eml" };
    for (int i = 0; i < 20; i++) {
        loaded *l = load(names[i % G_N_ELEMENTS(names)]);
        gboolean ok = l->v->body_text->len > 0 && l->v->truncated == 0;
        unload(l);
        if (!ok)
            return GINT_TO_POINTER(1);
    }
    return GINT_TO_POINTER(0);
}

static void test_threads(void **state)
{
    (void)state;
    GThread *t[8];
    for (int i = 0; i < 8; i++)
        t[i] = g_thread_new("scan", thread_scan, NULL);
    for (int i = 0; i < 8; i++)
        assert_int_equal(GPOINTER_TO_INT(g_thread_join(t[i])), 0);
}

static char *dump_of(const msgview *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    msgview_dump(v, f);
    fclose(f);
    return buf;
}

static void test_dump(void **state)
{
    (void)state;
    loaded *l = load("pdf.eml");
    char *d = dump_of(l->v);
    assert_has(d, "Subject:                Ihr Schreiben\n");
    assert_has(d, "truncated:              no\n");
    assert_has(d, "-- part 1: text/plain charset=utf-8 encoding=(none) depth=1 forwarded=no");
    assert_has(d, "  | Bitte beachten Sie das angehängte Schreiben.\n");
    assert_has(d, "Schreiben.pdf  application/pdf  728 bytes  depth=1\n");
    assert_has(d, "== pdf text (");
    assert_has(d, "  | Gebühr für die Bildnutzung\n");
    free(d);
    unload(l);

    l = load("html.eml");
    d = dump_of(l->v);
    assert_has(d, "https://portal.example.net/pay?case=7654321&src=mail\n"
                  "    host=portal.example.net text=\"pay the license fee\"\n");
    free(d);
    unload(l);

    /* terminal escapes from mail are shown, not sent */
    msgview_limits lim;
    msgview_limits_default(&lim);
    lim.max_urls = 0;
    msgview *v = view_of("Subject: hi\n\nred \x1b[31m text https://x.example.com/\n", &lim);
    d = dump_of(v);
    assert_has(d, "red \\x1b[31m text");
    assert_null(strchr(d, 0x1b));
    assert_has(d, "truncated:              urls\n");
    free(d);
    msgview_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),
        cmocka_unit_test(test_utf8_any_offset),
        cmocka_unit_test(test_quoted_printable),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_latin1_letter),
        cmocka_unit_test(test_windows1252),
        cmocka_unit_test(test_encoded_words),
        cmocka_unit_test(test_html_only),
        cmocka_unit_test(test_alternative),
        cmocka_unit_test(test_forwarded_attachment),
        cmocka_unit_test(test_forwarded_inline),
        cmocka_unit_test(test_reply_quoting),
        cmocka_unit_test(test_pdf_letter),
        cmocka_unit_test(test_rfc2231_filename),
        cmocka_unit_test(test_limits_default),
        cmocka_unit_test(test_trunc_bytes),
        cmocka_unit_test(test_trunc_parts),
        cmocka_unit_test(test_trunc_depth),
        cmocka_unit_test(test_trunc_text),
        cmocka_unit_test(test_trunc_urls),
        cmocka_unit_test(test_trunc_headers),
        cmocka_unit_test(test_trunc_pdf),
        cmocka_unit_test(test_nul_and_invalid_bytes),
        cmocka_unit_test(test_empty_parts),
        cmocka_unit_test(test_charset_fallbacks),
        cmocka_unit_test(test_dup_clean_any_cap),
        cmocka_unit_test(test_base64_count),
        cmocka_unit_test(test_base64_attachment_size),
        cmocka_unit_test(test_plain_value),
        cmocka_unit_test(test_mvtext_direct),
        cmocka_unit_test(test_mvurls_direct),
        cmocka_unit_test(test_mvurls_any_byte),
        cmocka_unit_test(test_mvurls_www_without_host),
        cmocka_unit_test(test_mvurls_host_any_byte),
        cmocka_unit_test(test_unparsable),
        cmocka_unit_test(test_garbage_does_not_crash),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_dump),
    };
    return cmocka_run_group_tests_name("msgview", tests, NULL, NULL);
}
