/* Unit tests for html2text (and the htmlent references it decodes): line
 * breaks, white space, references, dropped and hidden content, links,
 * caps, malformed and deeply nested markup, charset sniffing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "html2text.h"
#include "htmlent.h"

typedef struct links {
    GPtrArray *url;
    GPtrArray *text; /* "(null)" for NULL */
} links;

static void on_link(const char *url, const char *text, void *ud)
{
    links *l = ud;
    g_ptr_array_add(l->url, g_strdup(url));
    g_ptr_array_add(l->text, g_strdup(text ? text : "(null)"));
}

static links *links_new(void)
{
    links *l = g_new0(links, 1);
    l->url = g_ptr_array_new_with_free_func(g_free);
    l->text = g_ptr_array_new_with_free_func(g_free);
    return l;
}

static void links_free(links *l)
{
    g_ptr_array_unref(l->url);
    g_ptr_array_unref(l->text);
    g_free(l);
}

/* The text of `html` with no cap; links go to `l` when it is not NULL. */
static char *conv(const char *html, links *l)
{
    GString *out = g_string_new(NULL);
    bool cut = html2text(html, strlen(html), out, G_MAXSIZE, l ? on_link : NULL, l);
    assert_false(cut);
    assert_true(g_utf8_validate(out->str, (gssize)out->len, NULL));
    return g_string_free(out, FALSE);
}

#define assert_conv(html, want)                                                   \
    do {                                                                          \
        char *got_ = conv((html), NULL);                                          \
        assert_string_equal(got_, (want));                                        \
        g_free(got_);                                                             \
    } while (0)

static void test_blocks_and_space(void **state)
{
    (void)state;
    assert_conv("<p>One   two\n\tthree</p><p>Four</p>", "One two three\n\nFour\n");
    assert_conv("<div>a</div><div>b</div>c<br>d<br><br>e<br><br><br><br>f",
                "a\nb\nc\nd\n\ne\n\nf\n");
    assert_conv("<h1>Title</h1>Text<h2>Sub</h2>", "Title\n\nText\n\nSub\n");
    assert_conv("<ul><li>x</li><li>y<li>z</ul>after", "x\ny\nz\nafter\n");
    assert_conv("<table><tr><td>Case</td><td>123</td></tr><tr><th>Fee</th><td>5 &euro;</td>"
                "</tr></table>Done",
                "Case 123\nFee 5 €\n\nDone\n");
    assert_conv("<b>bold</b><i>it</i> <span>x</span>", "boldit x\n");
    assert_conv("<pre>  keep\n    this</pre>next", "  keep\n    this\n\nnext\n");
    assert_conv("<p>&nbsp;</p><p>&nbsp;</p><p>text</p>", "text\n");
    assert_conv("", "");
    assert_conv("   \n  ", "");
}

/* Tags of every first letter are known, in any letter case; names that
 * share a first letter with known ones, or none, are plain inline tags. */
static void test_tag_names(void **state)
{
    (void)state;
    assert_conv("a<ADDRESS>b", "a\nb\n");              /* first of the table */
    assert_conv("a<blockquote>b", "a\n\nb\n");
    assert_conv("a<Center>b<dl>c<footer>d", "a\nb\nc\nd\n");
    assert_conv("a<h6>b<Hr>c", "a\n\nb\nc\n");
    assert_conv("x<IFRAME>hidden</iframe>y", "xy\n");   /* raw: content skipped */
    assert_conv("a<legend>b<main>c<nav>d<ol>e", "a\nb\nc\nd\ne\n");
    assert_conv("a<p>b<section>c<tr>d<Td>e<th>f", "a\n\nb\nc\nd e f\n");
    assert_conv("a<ul>b", "a\nb\n");                   /* last letter with a block tag */
    assert_conv("a<abbr>b</abbr><bdi>c</bdi><zz>d<x1>e", "abcde\n");
}

static void test_references(void **state)
{
    (void)state;
    assert_conv("&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos;", "<b> & \"q\" 'a'\n");
    assert_conv("&auml;&ouml;&uuml;&szlig;&Auml; &euro;&copy;&reg;&trade;", "äöüßÄ €©®™\n");
    assert_conv("&#228;&#xE4;&#XE4;&#8364;&#x20AC;", "äää€€\n");
    assert_conv("&#x80;&#150;&#0;&#xD800;&#x110000;&#99999999999;",
                "€–\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
    assert_conv("co&shy;py&#8203;track&zwnj;", "copytrack\n");
    assert_conv("&amp &lt3 &ampx AT&T &unknown; & alone &#; &#x;",
                "& <3 &x AT&T &unknown; & alone &#; &#x;\n");
    assert_conv("a&nbsp;&nbsp;b", "a  b\n");

    char out[HTMLENT_MAX];
    size_t n = 99;
    const char *s = "&copy=1";
    assert_int_equal(htmlent_decode(s, s + strlen(s), true, out, &n), 0);
    assert_int_equal(htmlent_decode(s, s + strlen(s), false, out, &n), 5);
    assert_int_equal(n, 2);
    assert_memory_equal(out, "©", 2);
}

static void test_dropped_content(void **state)
{
    (void)state;
    assert_conv("<html><head><title>T</title><style>p{color:red}</style>"
                "<script>x = '<p>no</p>';</script><meta charset=utf-8></head>"
                "<body>Body<!-- comment <p>no</p> -->text</body></html>",
                "Bodytext\n");
    assert_conv("before<SCRIPT type=text/javascript>if (a<b) x();</SCRIPT >after", "beforeafter\n");
    assert_conv("<style>x</style><template><p>t</p></template><iframe>f</iframe>ok", "ok\n");
    /* a head never closed ends at the first visible text */
    assert_conv("<head><style>s</style>Visible<p>more</p>", "Visible\n\nmore\n");
    /* unclosed comment or script hides the rest, as a browser would */
    assert_conv("shown<!-- never closed <p>gone</p>", "shown\n");
    assert_conv("shown<script>never closed", "shown\n");
    assert_conv("a<!---->b<!-->c", "abc\n");
    assert_conv("<!DOCTYPE html><?xml version=\"1.0\"?>x</ nope>y", "xy\n");
}

static void test_hidden(void **state)
{
    (void)state;
    assert_conv("a<div style=\"display:none\">x<div>nested</div>still hidden</div>b", "a\nb\n");
    assert_conv("a<span style='DISPLAY : NONE'>x</span>b", "ab\n");
    assert_conv("a<p hidden>x</p>b", "a\n\nb\n");
    assert_conv("a<div style=\"visibility:hidden\">x</div>b", "a\nb\n");
    assert_conv("a<div style=\"mso-hide:all\">x</div>b", "a\nb\n");
    assert_conv("a<div style=\"max-height:0px;overflow:hidden\">pre</div>b", "a\nb\n");
    assert_conv("a<div style=\"max-height:0.5em;overflow:hidden\">kept</div>b", "a\nkept\nb\n");
    /* an unclosed hidden span ends with the cell that holds it */
    assert_conv("<table><tr><td><span style=\"display:none\">x</td><td>shown</td></tr></table>",
                "shown\n");
    /* an unclosed hidden <p> ends at the next block */
    assert_conv("<p style=\"display:none\">x<p>shown", "shown\n");
    assert_conv("<div style=\"display:none\">x</body>after", "after\n");
}

static void test_links(void **state)
{
    (void)state;
    links *l = links_new();
    char *t = conv("<a href=\"https://a.example/x?a=1&amp;b=2\">Pay <b>now</b>\n please</a> "
                   "<A HREF='https://b.example/'>B</A> <a href=https://c.example/u>C</a> "
                   "<a href=\"https://d.example/\n  split\"><img src=\"https://e.example/i.png\" "
                   "alt=\"Logo &amp; Co\"></a> <a name=x>no href</a> "
                   "<area href=\"https://f.example/\" alt=\"Map\"><img src=\"x.png\">"
                   "<span style=\"display:none\"><a href=\"https://hidden.example/\">h</a></span>"
                   "<a href=\"https://g.example/\" style=\"display:none\">hidden too</a>"
                   "<a href=\"https://open.example/\">never closed",
                   l);
    assert_string_equal(t, "Pay now please B C no href never closed\n");
    /* a link is reported when it closes, so an image inside comes first */
    const char *want_url[] = { "https://a.example/x?a=1&b=2", "https://b.example/",
                               "https://c.example/u", "https://e.example/i.png",
                               "https://d.example/split", "https://f.example/", "x.png",
                               "https://open.example/" };
    const char *want_text[] = { "Pay now please", "B", "C", "Logo & Co", "(null)", "Map",
                                "(null)", "never closed" };
    assert_int_equal(l->url->len, G_N_ELEMENTS(want_url));
    for (guint i = 0; i < l->url->len; i++) {
        assert_string_equal(g_ptr_array_index(l->url, i), want_url[i]);
        assert_string_equal(g_ptr_array_index(l->text, i), want_text[i]);
    }
    g_free(t);
    links_free(l);
}

/* A link written as its own address without the scheme shows the whole
 * URL in the text; any other link text stays as written. */
static void test_bare_address_links(void **state)
{
    (void)state;
    static const struct { const char *html, *text; } cases[] = {
        {"on <a href=\"https://shop.example/kurse\">shop.example/kurse</a>.",
         "on https://shop.example/kurse.\n"},
        {"<a href=\"https://www.Example.org/\">www.example.org</a>", "https://www.example.org\n"},
        {"<a href=\"http://y.example/b/\">y.example/b/</a>", "http://y.example/b/\n"},
        {"<a href=\"https://x.example/a\">click here</a>", "click here\n"},
        {"<a href=\"https://x.example/a\">other.example/a</a>", "other.example/a\n"},
        {"<a href=\"mailto:a@x.example\">a@x.example</a>", "a@x.example\n"},
        {"<a href=\"https://x.example/a\">x.<b>example</b>/a</a>", "https://x.example/a\n"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *t = conv(cases[i].html, NULL);
        if (strcmp(t, cases[i].text) != 0)
            fail_msg("case %u: got '%s', want '%s'", i, t, cases[i].text);
        g_free(t);
    }
    /* Never past the cap. */
    GString *out = g_string_new(NULL);
    const char *html = "<a href=\"https://shop.example/kurse\">shop.example/kurse</a>";
    html2text(html, strlen(html), out, 20, NULL, NULL);
    assert_true(out->len <= 20);
    g_string_free(out, TRUE);
}

static void test_cap(void **state)
{
    (void)state;
    GString *html = g_string_new(NULL);
    for (int i = 0; i < 1000; i++)
        g_string_append(html, "<p>äöü &euro; text</p>");
    for (size_t cap = 1; cap < 200; cap += 7) {
        GString *out = g_string_new("prefix:");
        bool cut = html2text(html->str, html->len, out, cap + 7, NULL, NULL);
        assert_true(cut);
        assert_true(out->len <= cap + 7);
        assert_true(out->len + 3 > cap + 7); /* at most one character short */
        assert_true(g_str_has_prefix(out->str, "prefix:"));
        assert_true(g_utf8_validate(out->str, (gssize)out->len, NULL));
        g_string_free(out, TRUE);
    }
    GString *out = g_string_new(NULL);
    assert_false(html2text("<p>short</p>", 12, out, 100, NULL, NULL));
    assert_string_equal(out->str, "short\n");
    g_string_free(out, TRUE);
    g_string_free(html, TRUE);
}

static void test_malformed(void **state)
{
    (void)state;
    assert_conv("a < b and c<d", "a < b and c\n");
    assert_conv("x<", "x\n");
    assert_conv("x<a href=\"never closed quote>text", "x\n");
    assert_conv("x<div", "x\n");
    assert_conv("1 <3 2 < > 3", "1 <3 2 < > 3\n");
    assert_conv("</p></div></td></body>text", "text\n");
    assert_conv("<verylongtagnamethatgoesonandon>x</verylongtagnamethatgoesonandon>", "x\n");

    /* 100,000 nested divs and 50,000 unclosed hidden spans: linear, no recursion */
    GString *html = g_string_new(NULL);
    for (int i = 0; i < 100000; i++)
        g_string_append(html, "<div>");
    g_string_append(html, "deep");
    for (int i = 0; i < 100000; i++)
        g_string_append(html, "</div>");
    for (int i = 0; i < 50000; i++)
        g_string_append(html, "<span style=\"display:none\">h");
    char *t = conv(html->str, NULL);
    assert_string_equal(t, "deep\n");
    g_free(t);
    g_string_free(html, TRUE);
}

static void test_sniff_charset(void **state)
{
    (void)state;
    const char *a = "<html><head><meta charset=\"ISO-8859-1\"></head>";
    const char *b = "<meta http-equiv=\"Content-Type\" "
                    "content=\"text/html; charset=windows-1252\">";
    const char *c = "<html><body>no charset named here</body></html>";
    char *s = html2text_sniff_charset(a, strlen(a));
    assert_string_equal(s, "iso-8859-1");
    g_free(s);
    s = html2text_sniff_charset(b, strlen(b));
    assert_string_equal(s, "windows-1252");
    g_free(s);
    assert_null(html2text_sniff_charset(c, strlen(c)));
    GString *late = g_string_new(NULL);
    for (int i = 0; i < 3000; i++)
        g_string_append_c(late, ' ');
    g_string_append(late, a);
    assert_null(html2text_sniff_charset(late->str, late->len));
    g_string_free(late, TRUE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blocks_and_space),
        cmocka_unit_test(test_tag_names),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_dropped_content),
        cmocka_unit_test(test_hidden),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_bare_address_links),
        cmocka_unit_test(test_cap),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_sniff_charset),
    };
    return cmocka_run_group_tests_name("html2text", tests, NULL, NULL);
}
