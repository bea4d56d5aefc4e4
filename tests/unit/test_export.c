/* Unit tests for the exports: CSV quoting and formula neutralisation, HTML
 * escaping, ics escaping / folding / CRLF, the mbox round trip through
 * GMime's mbox parser (bytes and sha256 equal), anonymization, file
 * names, and a timeline read back from a real database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <gmime/gmime.h>
#include <glib/gstdio.h>
#include <string.h>

#include "anonymize.h"
#include "casedb.h"
#include "export.h"
#include "testutil.h"

/* ------------------------------------------------------------ builders */

static casedb_entry *entry_new(time_t received, const char *subject, const char *raw,
                               const char *amount, const char *deadline)
{
    casedb_entry *e = g_new0(casedb_entry, 1);
    e->received = received;
    e->verdict = g_strdup("claim");
    e->kind = g_strdup("first_notice");
    e->from_addr = g_strdup("legal@copytrack.com");
    e->from_name = g_strdup("COPYTRACK \"Legal\" <Dept>");
    e->subject = g_strdup(subject);
    e->amount = g_strdup(amount);
    e->currency = amount ? g_strdup("EUR") : NULL;
    e->deadline = g_strdup(deadline);
    e->image_urls = g_ptr_array_new_with_free_func(g_free);
    e->page_urls = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(e->image_urls, g_strdup("https://images.example.net/a.jpg"));
    g_ptr_array_add(e->page_urls, g_strdup("https://www.example.org/review/"));
    if (raw) {
        e->raw = g_bytes_new(raw, strlen(raw));
        e->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw,
                                                strlen(raw));
    }
    return e;
}

static export_case *case_new(const char *recipient, const char *case_id, const char *client)
{
    export_case *ec = g_new0(export_case, 1);
    casedb_case *c = g_new0(casedb_case, 1);
    static int64_t rowid = 0;
    c->rowid = ++rowid;
    c->recipient = g_strdup(recipient);
    c->agency = g_strdup("copytrack");
    c->case_id = g_strdup(case_id);
    c->client = g_strdup(client);
    c->status = g_strdup("open");
    c->first_seen = 1705306364;
    c->last_seen = 1705306364;
    c->amount = g_strdup("739.59");
    c->currency = g_strdup("EUR");
    c->deadline = g_strdup("2024-01-29");
    c->duplicates = g_ptr_array_new_with_free_func(g_free);
    ec->c = c;
    ec->timeline = g_ptr_array_new_with_free_func((GDestroyNotify)casedb_entry_free);
    return ec;
}

static export_set *set_new(void)
{
    export_set *s = g_new0(export_set, 1);
    s->cases = g_ptr_array_new_with_free_func(NULL);
    return s;
}

static void set_free(export_set *s)
{
    for (guint i = 0; i < s->cases->len; i++) {
        export_case *ec = g_ptr_array_index(s->cases, i);
        casedb_case_free(ec->c);
        g_ptr_array_unref(ec->timeline);
        g_free(ec);
    }
    g_ptr_array_unref(s->cases);
    g_free(s);
}

/* ------------------------------------------------------------ csv */

static void test_csv_quoting_and_formulas(void **state)
{
    (void)state;
    export_set *s = set_new();
    export_case *ec = case_new("a@example.org", "+4827163", "=HYPERLINK(\"http://x\",\"y\")");
    g_ptr_array_add(ec->c->duplicates, g_strdup("@SUM(1)"));
    g_ptr_array_add(s->cases, ec);
    export_case *ec2 = case_new("b@example.org", "-2", "Line one\nline, two");
    g_free(ec2->c->amount);
    ec2->c->amount = g_strdup("\tcmd");
    g_ptr_array_add(s->cases, ec2);
    GString *out = g_string_new(NULL);
    export_csv(out, s);

    assert_true(g_str_has_prefix(out->str, "\"recipient\",\"agency\",\"case_id\","));
    assert_non_null(strstr(out->str, ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","));
    assert_non_null(strstr(out->str, ",\"'+4827163\","));
    assert_non_null(strstr(out->str, ",\"'@SUM(1)\","));
    assert_non_null(strstr(out->str, ",\"'-2\","));
    assert_non_null(strstr(out->str, ",\"'\tcmd\","));
    /* A newline stays inside its quoted cell; rows end in CRLF. */
    assert_non_null(strstr(out->str, ",\"Line one\nline, two\","));
    char **rows = g_strsplit(out->str, "\r\n", -1);
    assert_int_equal(g_strv_length(rows), 4);   /* head, 2 rows, "" */
    assert_string_equal(rows[3], "");
    g_strfreev(rows);
    g_string_free(out, TRUE);
    set_free(s);
}

/* ------------------------------------------------------------ html */

static void test_html_escapes_everything(void **state)
{
    (void)state;
    export_set *s = set_new();
    export_case *ec = case_new("a@example.org", "48<b>27", "<script>alert('x')</script>");
    g_ptr_array_add(ec->timeline, entry_new(1705306364, "Pay \"now\" & <img src=x onerror=y>",
                                            NULL, "739.59", "2024-01-29"));
    ec->c->stale = true;
    g_ptr_array_add(ec->c->duplicates, g_strdup("4829510"));
    g_ptr_array_add(s->cases, ec);
    g_ptr_array_add(s->cases, case_new("other@example.net", "999", "Other"));
    GString *out = g_string_new(NULL);
    export_html(out, s, "a@example.org", 1705306364);

    /* What needs attention comes first. */
    assert_non_null(strstr(out->str, "<li>Double claim: copytrack case 48&lt;b&gt;27 claims the "
                                     "same image as case 4829510.</li>"));
    assert_non_null(strstr(out->str, "<li>Stale: no news on case 48&lt;b&gt;27"));
    assert_true(strstr(out->str, "Needs attention") < strstr(out->str, "<h2"));

    assert_null(strstr(out->str, "<script"));
    assert_null(strstr(out->str, "<img"));
    assert_null(strstr(out->str, "<b>"));
    assert_non_null(strstr(out->str, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert_non_null(strstr(out->str, "Pay &quot;now&quot; &amp; &lt;img src=x onerror=y&gt;"));
    assert_non_null(strstr(out->str, "COPYTRACK &quot;Legal&quot; &lt;Dept&gt;"));
    assert_non_null(strstr(out->str, "48&lt;b&gt;27"));
    /* Only this recipient's cases; self-contained. */
    assert_null(strstr(out->str, "999"));
    assert_null(strstr(out->str, "src=\""));
    assert_null(strstr(out->str, "<link"));
    assert_true(g_str_has_suffix(out->str, "</html>\n"));
    g_string_free(out, TRUE);
    set_free(s);
}

/* ------------------------------------------------------------ ics */

static void test_ics_escaping_folding_crlf(void **state)
{
    (void)state;
    export_set *s = set_new();
    export_case *ec = case_new("a@example.org", "4827163", "Client; with, \\ all");
    GString *subject = g_string_new("Subject, with; specials\\ and\na newline ");
    for (int i = 0; i < 40; i++)
        g_string_append(subject, "€");   /* 3 octets each: folding must not split them */
    g_ptr_array_add(ec->timeline, entry_new(1705306364, subject->str, NULL, "739.59",
                                            "2024-01-29"));
    g_ptr_array_add(ec->timeline, entry_new(1705906364, "again", NULL, "739.59", "2024-01-29"));
    g_ptr_array_add(ec->timeline, entry_new(1706306364, "bad date", NULL, NULL, "2024-02-30"));
    g_ptr_array_add(s->cases, ec);
    GString *out = g_string_new(NULL);
    export_ics(out, s);

    assert_true(g_str_has_prefix(out->str, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert_true(g_str_has_suffix(out->str, "END:VCALENDAR\r\n"));
    /* Every LF is part of a CRLF; every physical line is at most 75 octets. */
    for (gsize i = 0; i < out->len; i++)
        if (out->str[i] == '\n')
            assert_true(i > 0 && out->str[i - 1] == '\r');
    char **lines = g_strsplit(out->str, "\r\n", -1);
    GString *unfolded = g_string_new(NULL);
    int events = 0;
    for (char **l = lines; *l; l++) {
        assert_true(strlen(*l) <= 75);
        assert_true(g_utf8_validate(*l, -1, NULL));   /* no split sequence */
        if (**l == ' ')
            g_string_append(unfolded, *l + 1);
        else
            g_string_append_printf(unfolded, "\n%s", *l);
        events += strcmp(*l, "BEGIN:VEVENT") == 0;
    }
    assert_int_equal(events, 1);   /* one deadline stated twice; an invalid one skipped */
    assert_non_null(strstr(unfolded->str, "\nDTSTART;VALUE=DATE:20240129\n"));
    assert_non_null(strstr(unfolded->str, "\nDTSTAMP:20240115T081244Z\n"));
    assert_non_null(strstr(unfolded->str, "\nSUMMARY:Deadline: copytrack case 4827163\\, 739.59 EUR\n"));
    assert_non_null(strstr(unfolded->str, "Subject\\, with\\; specials\\\\ and\\na newline €€"));
    assert_non_null(strstr(unfolded->str, "Client\\; with\\, \\\\ all"));
    assert_non_null(strstr(unfolded->str, "\nUID:"));
    g_string_free(unfolded, TRUE);
    g_strfreev(lines);
    g_string_free(subject, TRUE);
    g_string_free(out, TRUE);
    set_free(s);
}

/* ------------------------------------------------------------ mbox */

static const char *const mbox_raws[] = {
    "From: a@copytrack.com\nSubject: one\n\nFrom the start of a line.\n>From quoted once.\n"
    ">>From quoted twice.\nFrom\nnot From here\n",
    "From: b@copytrack.com\r\nSubject: two (CRLF)\r\n\r\nFrom a CRLF body.\r\n\r\n",
    "From: c@copytrack.com\nSubject: three\n\nlast line\n\n\n",
};

/* Undo mboxrd quoting: one '>' less on ^>+From  lines. */
static GString *mbox_unquote(const char *p, size_t len)
{
    GString *out = g_string_new(NULL);
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) + 1 : len;
        size_t gt = 0;
        while (pos + gt < end && p[pos + gt] == '>')
            gt++;
        bool quoted = gt > 0 && end - pos - gt >= 5 && memcmp(p + pos + gt, "From ", 5) == 0;
        g_string_append_len(out, p + pos + quoted, (gssize)(end - pos - quoted));
        pos = end;
    }
    return out;
}

static void test_mbox_round_trip_through_gmime(void **state)
{
    (void)state;
    export_set *s = set_new();
    export_case *ec = case_new("a@example.org", "1", "C");
    for (unsigned i = 0; i < G_N_ELEMENTS(mbox_raws); i++) {
        casedb_entry *e = entry_new(1705306364 + i, "s", mbox_raws[i], NULL, NULL);
        if (i == 1) {
            g_free(e->env_sender);
            e->env_sender = g_strdup("bounce@copytrack.com");
        }
        g_ptr_array_add(ec->timeline, e);
    }
    casedb_entry *purged = entry_new(1705306999, "purged", NULL, NULL, NULL);
    g_ptr_array_add(ec->timeline, purged);
    g_ptr_array_add(s->cases, ec);
    GString *out = g_string_new(NULL);
    assert_int_equal(export_mbox(out, s), 1);
    assert_true(g_str_has_prefix(out->str, "From MAILER-DAEMON Mon Jan 15 08:12:44 2024\n"));
    assert_non_null(strstr(out->str, "\nFrom bounce@copytrack.com Mon Jan 15 08:12:45 2024\n"));
    assert_non_null(strstr(out->str, "\n>From the start of a line.\n>>From quoted once.\n"
                                     ">>>From quoted twice.\nFrom\nnot From here\n"));

    /* GMime splits the file where we do: at each From_ line. */
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(out->str, out->len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MBOX);
    gint64 starts[8];
    unsigned n = 0;
    while (!g_mime_parser_eos(parser) && n < G_N_ELEMENTS(starts)) {
        GMimeMessage *m = g_mime_parser_construct_message(parser, NULL);
        if (!m)
            break;
        starts[n++] = g_mime_parser_get_mbox_marker_offset(parser);
        g_object_unref(m);
    }
    assert_int_equal(n, G_N_ELEMENTS(mbox_raws));
    for (unsigned i = 0; i < n; i++) {
        const char *line = out->str + starts[i];
        assert_true(g_str_has_prefix(line, "From "));
        const char *body = strchr(line, '\n') + 1;
        /* Up to the next From_ line, minus the empty separator line. */
        size_t end = i + 1 < n ? (size_t)starts[i + 1] : out->len;
        size_t len = end - (size_t)(body - out->str) - 1;
        GString *got = mbox_unquote(body, len);
        assert_int_equal(got->len, strlen(mbox_raws[i]));
        assert_memory_equal(got->str, mbox_raws[i], got->len);
        char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)got->str,
                                                got->len);
        const casedb_entry *e = g_ptr_array_index(ec->timeline, i);
        assert_string_equal(sha, e->sha256);
        g_free(sha);
        g_string_free(got, TRUE);
    }
    g_object_unref(parser);
    g_object_unref(stream);
    g_string_free(out, TRUE);
    set_free(s);
}

/* ------------------------------------------------------------ anonymize */

static const char anon_raw[] =
    "Received: from mx.example.org by mail.example.org for <jane.doe@example.org>\n"
    "From: COPYTRACK <legal@copytrack.com>\n"
    "To: \"Jane Doe\" <jane.doe@example.org>, webmaster@example.org\n"
    "Cc: Jörg Beispiel <joerg@example.org>, COPYTRACK Cases <cases@copytrack.com>\n"
    "Subject: Image on example.org\n"
    "\n"
    "Dear Jane Doe,\n"
    "Hello Jane, the image at https://www.example.org/2023/review/ (see also\n"
    "myexample.org and example.org.evil.net) is claimed. Pay at\n"
    "https://portal.copytrack.com/?case=1 - write to JANE.DOE@EXAMPLE.ORG.\n"
    "Dear Sir or Madam, the site owner in Doesburg.\n";

static void test_anonymize_removes_recipient_keeps_agency(void **state)
{
    (void)state;
    anonymizer *a = anonymizer_new();
    anonymizer_add_address(a, "jane.doe@example.org", "recipient-1@anonymized.invalid");
    anonymizer_learn_message(a, anon_raw, strlen(anon_raw), "recipient-1@anonymized.invalid");
    GString *out = anonymizer_apply(a, anon_raw, strlen(anon_raw));
    const char *t = out->str;
    assert_null(strcasestr(t, "jane"));
    assert_null(strcasestr(t, "doe@"));
    assert_null(strstr(t, "Jörg"));
    assert_null(strstr(t, "joerg"));
    assert_null(strstr(t, "on example.org"));
    assert_null(strstr(t, "mx.example.org"));
    assert_null(strstr(t, "www.example.org"));
    assert_non_null(strstr(t, "To: \"Recipient\" <recipient-1@anonymized.invalid>, "
                              "recipient-1@anonymized.invalid\n"));
    assert_non_null(strstr(t, "Dear Recipient,\nHello Recipient, the image at "
                              "https://www.anonymized.invalid/2023/review/"));
    assert_non_null(strstr(t, "for <recipient-1@anonymized.invalid>"));
    /* Agency and look-alike domains untouched; generic words too. */
    assert_non_null(strstr(t, "From: COPYTRACK <legal@copytrack.com>"));
    assert_non_null(strstr(t, "COPYTRACK Cases <cases@copytrack.com>\n"));
    assert_non_null(strstr(t, "https://portal.copytrack.com/?case=1"));
    assert_non_null(strstr(t, "myexample.org and example.org.evil.net"));
    assert_non_null(strstr(t, "Dear Sir or Madam, the site owner in Doesburg."));
    g_string_free(out, TRUE);
    assert_null(anonymizer_apply_str(a, NULL));
    anonymizer_free(a);
}

static void test_anonymize_export_set(void **state)
{
    (void)state;
    export_set *s = set_new();
    export_case *ec = case_new("jane.doe@example.org", "4827163", "WENN Rights International Ltd");
    g_ptr_array_add(ec->timeline, entry_new(1705306364, "Image on example.org", anon_raw,
                                            "739.59", "2024-01-29"));
    g_ptr_array_add(s->cases, ec);
    g_ptr_array_add(s->cases, case_new("bob@example.net", "4829510", "WENN"));
    export_anonymize(s);
    GString *out = g_string_new(NULL);
    export_json(out, s);
    export_csv(out, s);
    export_ics(out, s);
    export_mbox(out, s);
    export_html(out, s, "recipient-1@anonymized.invalid", 0);
    assert_null(strcasestr(out->str, "jane"));
    assert_null(strstr(out->str, "www.example.org"));
    assert_null(strstr(out->str, "on example.org"));
    assert_null(strcasestr(out->str, "bob@"));
    assert_non_null(strstr(out->str, "recipient-1@anonymized.invalid"));
    assert_non_null(strstr(out->str, "recipient-2@anonymized.invalid"));
    assert_non_null(strstr(out->str, "WENN Rights International Ltd"));
    assert_non_null(strstr(out->str, "https://images.example.net/a.jpg"));
    assert_non_null(strstr(out->str, "https://www.anonymized.invalid/review/"));
    assert_non_null(strstr(out->str, "739.59"));
    g_string_free(out, TRUE);
    set_free(s);
}


/* Encoded text is anonymized too: an RFC 2047 name in To and Subject, a
 * quoted-printable Latin-1 text part, a base64 HTML part, a multipart
 * prologue; a PDF cannot be cleaned and is replaced by a note.  The
 * agency's facts (image URL, case id, amount) stay.  Checked on what a
 * mail reader sees: the result parsed again and every part decoded. */
static const char anon_mime_raw[] =
    "From: COPYTRACK <legal@copytrack.com>\n"
    "To: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jm@mueller-fotoblog.example>\n"
    "Subject: =?utf-8?q?Bild_auf_mueller-fotoblog=2Eexample_-_J=C3=BCrgen?=\n"
    "Message-ID: <x1@copytrack.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\n"
    "\n"
    "prologue for jm@mueller-fotoblog.example\n"
    "--b1\n"
    "Content-Type: multipart/alternative; boundary=\"b2\"\n"
    "\n"
    "--b2\n"
    "Content-Type: text/plain; charset=iso-8859-1\n"
    "Content-Transfer-Encoding: quoted-printable\n"
    "\n"
    "Sehr geehrter Herr M=FCller, J=FCrgen,\n"
    "Fundstelle: https://www.mueller-fotoblog.example/2023/bild/\n"
    "Bild: https://images.example.net/x.jpg Fall-ID 5103827, 739,59 EUR\n"
    "--b2\n"
    "Content-Type: text/html; charset=utf-8\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    /* <p>Sehr geehrter Herr Müller, <a href="https://www.mueller-fotoblog.example/">Jürgen</a></p> */
    "PHA+U2VociBnZWVocnRlciBIZXJyIE3DvGxsZXIsIDxhIGhyZWY9Imh0dHBzOi8vd3d3Lm11ZWxs\n"
    "ZXItZm90b2Jsb2cuZXhhbXBsZS8iPkrDvHJnZW48L2E+PC9wPg==\n"
    "--b2--\n"
    "--b1\n"
    "Content-Type: application/pdf; name=\"Rechnung.pdf\"\n"
    "Content-Disposition: attachment; filename=\"Rechnung =?utf-8?q?J=C3=BCrgen?=.pdf\"\n"
    "Content-Transfer-Encoding: base64\n"
    "\n"
    "JVBERi0xLjQKJSBKw7xyZ2VuIE3DvGxsZXIK\n"   /* %PDF-1.4\n% Jürgen Müller\n */
    "--b1--\n";

/* Every header value (decoded) and every leaf part (decoded) of a message. */
static void anon_collect(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    (void)parent;
    GString *all = data;
    GMimeHeaderList *hl = g_mime_object_get_header_list(part);
    for (int i = 0; hl && i < g_mime_header_list_get_count(hl); i++)
        g_string_append_printf(all, "%s\n", g_mime_header_get_value(
            g_mime_header_list_get_header_at(hl, i)));
    if (GMIME_IS_TEXT_PART(part)) {
        char *t = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
        g_string_append_printf(all, "%s\n", t);
        g_free(t);
    } else if (GMIME_IS_PART(part)) {
        g_string_append(all, "[binary part]\n");
    }
}

static GString *anon_decoded(const char *raw, size_t len)
{
    GMimeStream *in = g_mime_stream_mem_new_with_buffer(raw, len);
    GMimeParser *p = g_mime_parser_new_with_stream(in);
    GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
    assert_non_null(m);
    GString *all = g_string_new(NULL);
    anon_collect(NULL, GMIME_OBJECT(m), all);
    g_mime_message_foreach(m, anon_collect, all);
    GMimeMultipart *mp = GMIME_MULTIPART(g_mime_message_get_mime_part(m));
    g_string_append_printf(all, "%s\n", g_mime_multipart_get_prologue(mp));
    g_object_unref(m);
    g_object_unref(p);
    g_object_unref(in);
    return all;
}

static void test_anonymize_encoded_message(void **state)
{
    (void)state;
    GString *before = anon_decoded(anon_mime_raw, strlen(anon_mime_raw));
    assert_non_null(strstr(before->str, "Müller"));   /* the test sees decoded text */
    assert_non_null(strstr(before->str, "[binary part]"));
    g_string_free(before, TRUE);
    for (int crlf = 0; crlf <= 1; crlf++) {
        GString *raw = g_string_new(NULL);
        for (const char *p = anon_mime_raw; *p; p++) {
            if (*p == '\n' && crlf)
                g_string_append_c(raw, '\r');
            g_string_append_c(raw, *p);
        }
        anonymizer *a = anonymizer_new();
        anonymizer_add_address(a, "jm@mueller-fotoblog.example", "recipient-1@anonymized.invalid");
        anonymizer_learn_message(a, raw->str, raw->len, "recipient-1@anonymized.invalid");
        GString *out = anonymizer_apply_message(a, raw->str, raw->len);
        GString *seen = anon_decoded(out->str, out->len);
        const char *t = seen->str;
        assert_null(strstr(t, "Müller"));
        assert_null(strstr(t, "Jürgen"));
        assert_null(strstr(t, "mueller-fotoblog"));
        assert_null(strstr(t, "jm@"));
        assert_null(strstr(t, "[binary part]"));
        assert_non_null(strstr(t, "Sehr geehrter Herr Recipient, Recipient,"));
        assert_non_null(strstr(t, "https://www.anonymized.invalid/2023/bild/"));
        assert_non_null(strstr(t, "https://images.example.net/x.jpg Fall-ID 5103827, 739,59 EUR"));
        assert_non_null(strstr(t, "<a href=\"https://www.anonymized.invalid/\">Recipient</a>"));
        assert_non_null(strstr(t, "Bild auf anonymized.invalid - Recipient"));
        assert_non_null(strstr(t, "prologue for recipient-1@anonymized.invalid"));
        assert_non_null(strstr(t, "[Removed by copytroll export --anonymize, as it cannot be "
                                  "anonymized: application/pdf part \"Rechnung Recipient.pdf\", "
                                  "27 bytes, SHA-256 11f1dd9074ecc397fb17e0a1e55368e9c3436d69555bdd9835499ac1a6db098c]"));
        /* In the bytes too: no encoded copy of the PDF is left behind. */
        assert_null(strstr(out->str, "JVBERi0"));
        assert_non_null(strstr(out->str, "From: COPYTRACK <legal@copytrack.com>"));
        g_string_free(seen, TRUE);
        g_string_free(out, TRUE);
        g_string_free(raw, TRUE);
        anonymizer_free(a);
    }
}

/* A dotted local part names a person: the greeting loses the name even
 * though no header has a display name.  A one-piece local part and
 * generic pieces ("kontakt", "info") are not names. */
static void test_anonymize_local_part_names(void **state)
{
    (void)state;
    static const char text[] =
        "Hello Ms Okafor, N. Okafor's site okafor-design.example.\n"
        "Erik Berlin: Kontakt, Info.\n";
    anonymizer *a = anonymizer_new();
    anonymizer_add_address(a, "n.okafor@okafor-design.example", "r1@anonymized.invalid");
    anonymizer_add_address(a, "erik@example.net", "r1@anonymized.invalid");
    anonymizer_add_address(a, "kontakt.info@example.net", "r1@anonymized.invalid");
    char *out = anonymizer_apply_str(a, text);
    assert_string_equal(out, "Hello Ms Recipient, N. Recipient's site anonymized.invalid.\n"
                             "Erik Berlin: Kontakt, Info.\n");
    g_free(out);
    anonymizer_free(a);
}

/* Not MIME at all: the byte-level pass still runs. */
/* Nesting is followed only so deep: a part below is replaced by a note,
 * so a name hidden there does not come out, and nothing overflows. */
static void test_anonymize_deep_nesting(void **state)
{
    (void)state;
    GString *raw = g_string_new("From: x@agency.example\r\nTo: Jane Doe <jane.doe@example.org>\r\n"
                                "Subject: nested\r\nMIME-Version: 1.0\r\n");
    for (unsigned i = 0; i < 100; i++)
        g_string_append_printf(raw, "Content-Type: multipart/mixed; boundary=\"b%u\"\r\n\r\n--b%u\r\n",
                               i, i);
    g_string_append(raw, "Content-Type: text/plain\r\n\r\nDear Jane Doe, see example.org.\r\n");
    for (unsigned i = 100; i-- > 0;)
        g_string_append_printf(raw, "--b%u--\r\n", i);
    anonymizer *a = anonymizer_new();
    anonymizer_add_address(a, "jane.doe@example.org", "recipient-1@anonymized.invalid");
    anonymizer_learn_message(a, raw->str, raw->len, "recipient-1@anonymized.invalid");
    GString *out = anonymizer_apply_message(a, raw->str, raw->len);
    assert_null(strstr(out->str, "Jane"));
    assert_null(strstr(out->str, "example.org"));
    assert_non_null(strstr(out->str, "nested more than 64 levels deep"));
    g_string_free(out, TRUE);
    anonymizer_free(a);
    g_string_free(raw, TRUE);
}

static void test_anonymize_message_not_mime(void **state)
{
    (void)state;
    static const char junk[] = "no header here, write to jane@example.org\n";
    anonymizer *a = anonymizer_new();
    anonymizer_add_address(a, "jane@example.org", "recipient-1@anonymized.invalid");
    GString *out = anonymizer_apply_message(a, junk, strlen(junk));
    assert_null(strstr(out->str, "jane@"));
    assert_null(strstr(out->str, "example.org"));
    g_string_free(out, TRUE);
    out = anonymizer_apply_message(a, "", 0);
    assert_non_null(out);
    g_string_free(out, TRUE);
    anonymizer_free(a);
}

/* ------------------------------------------------------------ helpers */

static void test_file_name_stays_in_its_directory(void **state)
{
    (void)state;
    const char *bad[] = { "../../etc/passwd", "..", ".hidden", "a/b", "x\ny", "", NULL };
    for (const char **b = bad; *b; b++) {
        char *n = export_file_name(*b);
        assert_null(strchr(n, '/'));
        assert_null(strstr(n, ".."));
        assert_true(n[0] != '.' && n[0] != '\0');
        assert_null(strchr(n, '\n'));
        g_free(n);
    }
    char *ok = export_file_name("Jane.Doe@Example.ORG");
    assert_string_equal(ok, "jane.doe@example.org");
    g_free(ok);
}

static void test_match_cases(void **state)
{
    (void)state;
    GPtrArray *cases = g_ptr_array_new_with_free_func((GDestroyNotify)casedb_case_free);
    export_case *a = case_new("a@example.org", "ABC-1", "x"), *b = case_new("b@example.org",
                                                                          "abc-1", "x");
    g_ptr_array_add(cases, a->c);
    g_ptr_array_add(cases, b->c);
    GPtrArray *m = export_match_cases(cases, "abc-1");
    assert_int_equal(m->len, 2);
    g_ptr_array_unref(m);
    char *hash = g_strdup_printf("#%" G_GINT64_FORMAT, b->c->rowid);
    m = export_match_cases(cases, hash);
    assert_int_equal(m->len, 1);
    assert_ptr_equal(g_ptr_array_index(m, 0), b->c);
    g_ptr_array_unref(m);
    m = export_match_cases(cases, "nothing");
    assert_int_equal(m->len, 0);
    g_ptr_array_unref(m);
    g_free(hash);
    g_ptr_array_unref(a->timeline);
    g_ptr_array_unref(b->timeline);
    g_free(a);
    g_free(b);
    g_ptr_array_unref(cases);
}

/* ------------------------------------------------------------ database */

static void record(casedb *db, const char *raw, const char *case_id, const char *amount,
                   const char *deadline, ct_kind kind, time_t when)
{
    verdict *v = verdict_new();
    v->verdict = CT_VERDICT_CLAIM;
    v->score = 10;
    v->agency = g_strdup("copytrack");
    v->kind = kind;
    v->case_id = g_strdup(case_id);
    v->amount = g_strdup(amount);
    v->currency = g_strdup("EUR");
    v->deadline = g_strdup(deadline);
    g_ptr_array_add(v->image_urls, g_strdup("https://images.example.net/a.jpg"));
    casedb_msg m = {.v = v, .raw = raw, .raw_len = strlen(raw), .received = when,
                    .env_sender = "legal@copytrack.com"};
    casedb_result r = {0};
    GError *err = NULL;
    bool ok = casedb_record(db, "owner@example.org", &m, &r, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    casedb_result_clear(&r);
    verdict_free(v);
}

static void test_timeline_from_database(void **state)
{
    (void)state;
    char *dir = g_dir_make_tmp("export-XXXXXX", NULL);
    char *path = g_build_filename(dir, "cases.db", NULL);
    GError *err = NULL;
    casedb *db = casedb_open(path, 0, 1000, &err);
    assert_non_null(db);
    record(db, "Subject: later\n\nreminder\n", "4827163", "789.59", "2024-02-12",
           CT_KIND_REMINDER, 1706000000);
    record(db, "Subject: first\n\nFrom here\n", "4827163", "739.59", "2024-01-29",
           CT_KIND_FIRST_NOTICE, 1705300000);
    record(db, "Subject: other\n\nsecond claim\n", "4829510", "739.59", "2024-01-31",
           CT_KIND_FIRST_NOTICE, 1705500000);
    casedb_close(db);

    db = casedb_open(path, CASEDB_READONLY, 1000, &err);
    assert_non_null(db);
    casedb_filter f = {0};
    export_set *s = export_set_load(db, &f, "4827163", true, &err);
    assert_non_null(s);
    assert_int_equal(s->cases->len, 1);
    export_case *ec = g_ptr_array_index(s->cases, 0);
    assert_int_equal(ec->timeline->len, 2);
    casedb_entry *e0 = g_ptr_array_index(ec->timeline, 0), *e1 = g_ptr_array_index(ec->timeline, 1);
    assert_int_equal(e0->received, 1705300000);   /* oldest first */
    assert_string_equal(e0->amount, "739.59");
    assert_string_equal(e1->amount, "789.59");
    assert_string_equal(e1->deadline, "2024-02-12");
    assert_string_equal(e0->image_urls->pdata[0], "https://images.example.net/a.jpg");
    gsize n = 0;
    const char *raw = g_bytes_get_data(e0->raw, &n);
    char *sha = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw, n);
    assert_string_equal(sha, e0->sha256);
    g_free(sha);
    assert_int_equal(ec->c->duplicates->len, 1);
    assert_string_equal(ec->c->duplicates->pdata[0], "4829510");
    export_set_free(s);

    /* Without raw bytes, and an unknown case. */
    s = export_set_load(db, &f, NULL, false, &err);
    assert_int_equal(s->cases->len, 2);
    assert_null(((casedb_entry *)((export_case *)s->cases->pdata[0])->timeline->pdata[0])->raw);
    export_set_free(s);
    s = export_set_load(db, &f, "nope", false, &err);
    assert_int_equal(s->cases->len, 0);
    export_set_free(s);
    casedb_close(db);
    testutil_rmtree(dir);
    g_free(path);
    g_free(dir);
}

int main(void)
{
    g_mime_init();   /* for the mbox parser; reference-counted by GMime */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_quoting_and_formulas),
        cmocka_unit_test(test_html_escapes_everything),
        cmocka_unit_test(test_ics_escaping_folding_crlf),
        cmocka_unit_test(test_mbox_round_trip_through_gmime),
        cmocka_unit_test(test_anonymize_removes_recipient_keeps_agency),
        cmocka_unit_test(test_anonymize_export_set),
        cmocka_unit_test(test_anonymize_encoded_message),
        cmocka_unit_test(test_anonymize_message_not_mime),
        cmocka_unit_test(test_anonymize_local_part_names),
        cmocka_unit_test(test_anonymize_deep_nesting),
        cmocka_unit_test(test_file_name_stays_in_its_directory),
        cmocka_unit_test(test_match_cases),
        cmocka_unit_test(test_timeline_from_database),
    };
    return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
