/* The milter's copy of a message as the MTA hands it over (milter/
 * session.c): header lines rebuilt with CRLF whatever the MTA's folding,
 * the space after the colon, the cap on what is kept, and the positions
 * of the headers the milter may have to change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include <libmilter/mfapi.h>

#include "session.h"

/* The session takes its config and rules from the runtime only at MAIL
 * FROM (session_set), which these tests never call. */
runtime_set *runtime_acquire(void)
{
    fail_msg("runtime_acquire called");
    return NULL;
}

void runtime_release(runtime_set *set)
{
    (void)set;
}

#define BIG 100000

static void header_lines_get_crlf(void **state)
{
    (void)state;
    session *s = session_new(SMFIP_HDR_LEADSPC);
    session_add_header(s, "Subject", " one\n two", BIG);          /* Postfix folds with LF */
    session_add_header(s, "X-Crlf", " a\r\n b", BIG);              /* already CRLF: kept */
    session_add_header(s, "X-Lead", "\n c\n\n", BIG);              /* LF first, and twice */
    session_add_header(s, "X-Empty", "", BIG);
    assert_string_equal(s->raw->str, "Subject: one\r\n two\r\n"
                                     "X-Crlf: a\r\n b\r\n"
                                     "X-Lead:\r\n c\r\n\r\n\r\n"
                                     "X-Empty:\r\n");
    assert_false(s->truncated);
    session_free(s);
}

static void space_after_colon_without_leadspc(void **state)
{
    (void)state;
    session *s = session_new(0);   /* the MTA stripped the space: put it back */
    session_add_header(s, "From", "a@example.org", BIG);
    assert_string_equal(s->raw->str, "From: a@example.org\r\n");
    session_free(s);
}

static void subject_first_one_kept(void **state)
{
    (void)state;
    session *s = session_new(SMFIP_HDR_LEADSPC);
    assert_null(s->subject);
    session_add_header(s, "subject", " first", BIG);
    session_add_header(s, "SUBJECT", " second", BIG);
    assert_string_equal(s->subject, " first");
    assert_int_equal(s->subject_count, 2);
    assert_int_equal(s->forged->len, 0);
    session_free(s);
}

/* smfi_chgheader counts headers of one name, any letter case. */
static void forged_headers_numbered_per_name(void **state)
{
    (void)state;
    session *s = session_new(SMFIP_HDR_LEADSPC);
    session_add_header(s, "X-Copytroll-Status", " claim", BIG);
    session_add_header(s, "Received", " x", BIG);
    session_add_header(s, "x-copytroll-STATUS", " claim", BIG);
    session_add_header(s, "X-Copytroll-Advice", " y", BIG);
    session_add_header(s, "X-Copytroll", " not ours", BIG);
    session_add_header(s, "X-Copytroll-Status", " z", BIG);
    assert_int_equal(s->forged->len, 4);
    const forged_header *f = (const forged_header *)(const void *)s->forged->data;
    assert_string_equal(f[0].name, "X-Copytroll-Status");
    assert_int_equal(f[0].index, 1);
    assert_string_equal(f[1].name, "x-copytroll-STATUS");
    assert_int_equal(f[1].index, 2);
    assert_string_equal(f[2].name, "X-Copytroll-Advice");
    assert_int_equal(f[2].index, 1);
    assert_int_equal(f[3].index, 3);
    /* The next message counts afresh. */
    session_reset_message(s);
    session_add_header(s, "X-Copytroll-Status", " again", BIG);
    assert_int_equal(s->forged->len, 1);
    assert_int_equal(g_array_index(s->forged, forged_header, 0).index, 1);
    assert_int_equal(s->raw->len, strlen("X-Copytroll-Status: again\r\n"));
    session_free(s);
}

static void capped_at_max(void **state)
{
    (void)state;
    session *s = session_new(SMFIP_HDR_LEADSPC);
    session_add_header(s, "Subject", " 0123456789", 30);   /* 21 bytes */
    assert_false(s->truncated);
    session_add_header(s, "To", " someone@example.org", 30);
    assert_true(s->truncated);
    assert_int_equal(s->raw->len, 30);
    assert_memory_equal(s->raw->str, "Subject: 0123456789\r\nTo: someo", 30);
    /* Full: nothing more is kept, headers or body. */
    session_add_header(s, "Cc", " x", 30);
    session_add_body(s, (const unsigned char *)"body", 4, 30);
    assert_int_equal(s->raw->len, 30);
    session_reset_message(s);
    assert_false(s->truncated);
    assert_int_equal(s->raw->len, 0);
    session_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_lines_get_crlf),
        cmocka_unit_test(space_after_colon_without_leadspc),
        cmocka_unit_test(subject_first_one_kept),
        cmocka_unit_test(forged_headers_numbered_per_name),
        cmocka_unit_test(capped_at_max),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
