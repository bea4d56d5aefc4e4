/* The headers the milter adds: contract spelling, and no way for mail
 * content to inject CR/LF, NUL, parameters or 8-bit bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "sanitize.h"
#include "tagheaders.h"

static void status_claim(void **state)
{
    (void)state;
    verdict *v = verdict_new();
    v->verdict = CT_VERDICT_CLAIM;
    v->agency = g_strdup("copytrack");
    v->kind = CT_KIND_REMINDER;
    v->case_id = g_strdup("1234567");
    v->score = 14.5;
    char *s = tag_status_value(v);
    assert_string_equal(s, "claim; agency=copytrack; kind=reminder; case=1234567; score=14.5");
    g_free(s);
    verdict_free(v);
}

static void status_suspect_and_none(void **state)
{
    (void)state;
    verdict *v = verdict_new();
    v->verdict = CT_VERDICT_SUSPECT;
    v->agency = g_strdup("pixsy");
    v->reason = g_strdup("sender-not-agency");
    v->kind = CT_KIND_FIRST_NOTICE;
    v->score = 9;
    char *s = tag_status_value(v);
    assert_string_equal(s, "suspect; agency=pixsy; reason=sender-not-agency; kind=first_notice; score=9.0");
    g_free(s);
    verdict_free(v);
    v = verdict_new();
    s = tag_status_value(v);
    assert_string_equal(s, "none; score=0.0");
    g_free(s);
    verdict_free(v);
}

static void injection_is_impossible(void **state)
{
    (void)state;
    verdict *v = verdict_new();
    v->verdict = CT_VERDICT_CLAIM;
    v->agency = g_strdup("copytrack");
    v->kind = CT_KIND_FIRST_NOTICE;
    v->case_id = g_strdup("12\r\nBcc: victim@example.org; verdict=none\0x");
    char *s = tag_status_value(v);
    assert_null(strchr(s, '\r'));
    assert_null(strchr(s, '\n'));
    assert_null(strstr(s, "verdict=none"));   /* '=' and ';' cannot add parameters */
    assert_non_null(strstr(s, "case=12Bccvictimexample.orgverdictnone; score"));
    g_free(s);
    verdict_free(v);

    s = tag_duplicate_value("\xc3\xa9t\xc3\xa9 99\n");
    assert_string_equal(s, "case=t99");
    g_free(s);
}

static void subject_tag(void **state)
{
    (void)state;
    char *s = tag_subject("Unauthorized use of your image", "[CLAIM]");
    assert_string_equal(s, "[CLAIM] Unauthorized use of your image");
    g_free(s);
    s = tag_subject("[CLAIM] already tagged", "[CLAIM]");
    assert_string_equal(s, "[CLAIM] already tagged");
    g_free(s);
    s = tag_subject("", "[CLAIM]");
    assert_string_equal(s, "[CLAIM]");
    g_free(s);
    s = tag_subject("line1\r\n\tline2 \x01 caf\xc3\xa9", "[CLAIM]");
    assert_string_equal(s, "[CLAIM] line1 line2 caf\xc3\xa9");
    g_free(s);
    /* invalid bytes and C1 controls go, valid UTF-8 stays */
    s = tag_subject("Urheberrechtsversto\xc3\x9f \xff\xc2\x85 M\xc3\xa4rz", "[CLAIM]");
    assert_string_equal(s, "[CLAIM] Urheberrechtsversto\xc3\x9f M\xc3\xa4rz");
    g_free(s);
}

/* The cap never cuts a UTF-8 character in two. */
static void utf8_cap_keeps_characters_whole(void **state)
{
    (void)state;
    char *s = sanitize_utf8("ab\xc3\xa4", 3);
    assert_string_equal(s, "ab");
    g_free(s);
    s = sanitize_utf8("ab\xc3\xa4", 4);
    assert_string_equal(s, "ab\xc3\xa4");
    g_free(s);
}

static void sanitize_caps(void **state)
{
    (void)state;
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char *s = sanitize_token(big, 64);
    assert_int_equal(strlen(s), 64);
    g_free(s);
    s = sanitize_text(big, 100);
    assert_int_equal(strlen(s), 100);
    g_free(s);
    s = sanitize_token(NULL, 10);
    assert_string_equal(s, "");
    g_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_claim),
        cmocka_unit_test(status_suspect_and_none),
        cmocka_unit_test(injection_is_impossible),
        cmocka_unit_test(subject_tag),
        cmocka_unit_test(utf8_cap_keeps_characters_whole),
        cmocka_unit_test(sanitize_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
