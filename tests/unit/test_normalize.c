/* Normalising what rules capture: amounts, currencies, deadlines, text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "normalize.h"

static void amounts(void **state)
{
    (void)state;
    static const struct { const char *in; const char *amount; const char *cur; } cases[] = {
        {"\xe2\x82\xac" "389.59", "389.59", "EUR"},
        {"389,59 EUR", "389.59", "EUR"},
        {"389,59 \xe2\x82\xac", "389.59", "EUR"},
        {"EUR 1.234,56", "1234.56", "EUR"},
        {"$1,250.00", "1250.00", "USD"},
        {"USD 1,250", "1250.00", "USD"},
        {"US$ 300", "300.00", "USD"},
        {"\xc2\xa3" "450", "450.00", "GBP"},
        {"GBP 740.00", "740.00", "GBP"},
        {"CHF 1'200.50", "1200.50", "CHF"},
        {"AU$ 1,100", "1100.00", "AUD"},
        {"6.015,86 \xe2\x82\xac", "6015.86", "EUR"},
        {"1 250,00 EUR", "1250.00", "EUR"},
        {"350 Euro", "350.00", "EUR"},
        {"1.500 EUR", "1500.00", "EUR"},
        {"12.5 EUR", "12.50", "EUR"},
        {"4.500,00 kr.", "4500.00", "DKK"},       /* a bare "kr" is Danish kroner */
        {"DKK 3.200", "3200.00", "DKK"},
        {"SEK 4 950,00", "4950.00", "SEK"},
        {"NOK 5,500.00", "5500.00", "NOK"},
        {"CHF 1'250.00", "1250.00", "CHF"},
        {"A$ 1,320.00", "1320.00", "AUD"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        int64_t cents = -1;
        char *cur = NULL;
        assert_true(norm_amount(cases[i].in, &cents, &cur));
        char *s = norm_cents_format(cents);
        if (strcmp(s, cases[i].amount) != 0 || !cur || strcmp(cur, cases[i].cur) != 0)
            fail_msg("'%s': got %s %s, want %s %s", cases[i].in, s, cur ? cur : "(null)",
                     cases[i].amount, cases[i].cur);
        g_free(s);
        g_free(cur);
    }
    int64_t cents;
    assert_false(norm_amount("no number here", &cents, NULL));
    assert_false(norm_amount(NULL, &cents, NULL));
    assert_false(norm_amount("99999999999999999999", &cents, NULL));
}

static void currencies(void **state)
{
    (void)state;
    char *c = norm_currency("Euro");
    assert_string_equal(c, "EUR");
    g_free(c);
    c = norm_currency("dollars");
    assert_string_equal(c, "USD");
    g_free(c);
    c = norm_currency("4.500 kroner");
    assert_string_equal(c, "DKK");
    g_free(c);
    c = norm_currency("350 SEK");
    assert_string_equal(c, "SEK");
    g_free(c);
    assert_null(norm_currency("Mark 12"));      /* no "kr" inside words */
    assert_null(norm_currency("EUROPA"));     /* letters must stand alone */
    assert_null(norm_currency("nothing"));
}

static void deadlines(void **state)
{
    (void)state;
    time_t base = 1714521600; /* 2024-05-01 00:00 UTC, a Wednesday */
    static const struct { const char *in; const char *out; } cases[] = {
        {"May 7, 2024", "2024-05-07"},
        {"May 7th, 2024", "2024-05-07"},
        {"7 May 2024", "2024-05-07"},
        {"7th of May 2024", "2024-05-07"},
        {"07.05.2024", "2024-05-07"},
        {"7. Mai 2024", "2024-05-07"},
        {"2024-05-07", "2024-05-07"},
        {"05/07/2024", "2024-05-07"},      /* US order */
        {"25/05/2024", "2024-05-25"},      /* day first when it cannot be a month */
        {"within 14 days", "2024-05-15"},
        {"within fourteen (14) days", "2024-05-15"},
        {"innerhalb von 14 Tagen", "2024-05-15"},
        {"within 5 business days", "2024-05-08"},
        {"21 calendar days", "2024-05-22"},
        {"inden 14 dage", "2024-05-15"},
        {"binnen 14 dagen", "2024-05-15"},
        {"sous 14 jours", "2024-05-15"},
        {"innom 14 dagar", "2024-05-15"},
        {"innert zehn Tagen", "2024-05-11"},
        {"within ten (10) days", "2024-05-11"},
        {"innerhalb von 7 Werktagen", "2024-05-10"},
        {"7 Mai 2024", "2024-05-07"},
        {"Friday, 7 June 2024", "2024-06-07"},
        {"12 juin 2025", "2025-06-12"},              /* fr */
        {"le 3 f\xc3\xa9vrier 2025", "2025-02-03"},
        {"1er ao\xc3\xbbt 2025", "2025-08-01"},
        {"28. marts 2025", "2025-03-28"},            /* da */
        {"den 5 maj 2025", "2025-05-05"},            /* da, sv */
        {"14 maart 2025", "2025-03-14"},             /* nl */
        {"2 mei 2025", "2025-05-02"},
        {"9 augusti 2025", "2025-08-09"},            /* sv */
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *s = norm_deadline(cases[i].in, base);
        if (!s || strcmp(s, cases[i].out) != 0)
            fail_msg("'%s': got %s, want %s", cases[i].in, s ? s : "(null)", cases[i].out);
        g_free(s);
    }
    assert_null(norm_deadline("31.02.2024", base));   /* no such day */
    assert_null(norm_deadline("within 14 days", 0));  /* no Date to count from */
    assert_null(norm_deadline("soon", base));
}

/* "within N days" counts from the sender's calendar day: the engine adds
 * the Date header's zone to its time before counting. */
static void date_offsets(void **state)
{
    (void)state;
    assert_int_equal(norm_date_offset("Mon, 19 Aug 2024 09:00:00 +1000"), 36000);
    assert_int_equal(norm_date_offset("Wed, 31 Jul 2019 17:20:00 -0700"), -25200);
    assert_int_equal(norm_date_offset("Tue, 5 Mar 2024 14:00:00 +0530 (IST)"), 19800);
    assert_int_equal(norm_date_offset("Tue, 5 Mar 2024 14:00:00 GMT"), 0);
    assert_int_equal(norm_date_offset("no zone here"), 0);
    assert_int_equal(norm_date_offset(NULL), 0);
    assert_int_equal(norm_date_offset("+9999"), 0);         /* not a zone */
    /* 09:00 in Sydney on 19 Aug is 23:00 UTC on 18 Aug: +21 days from the
     * letter's own date is 9 Sep, not 8 Sep. */
    time_t sent = 1724022000; /* 2024-08-18 23:00 UTC */
    char *s = norm_deadline("within 21 days", sent + norm_date_offset("Mon, 19 Aug 2024 09:00:00 +1000"));
    assert_string_equal(s, "2024-09-09");
    g_free(s);
    s = norm_deadline("within 21 days", sent);
    assert_string_equal(s, "2024-09-08");
    g_free(s);
}

static void clients(void **state)
{
    (void)state;
    static const struct { const char *in; const char *out; } cases[] = {
        {"Reuters News & Media Inc.", "Reuters News & Media Inc."},
        {"WENN Rights International Ltd.", "WENN Rights International Ltd."},
        {"Prepared Food Photos, Inc.", "Prepared Food Photos, Inc."},
        {"Michael Grecco Productions, Inc.,", "Michael Grecco Productions, Inc."},
        {"Alamy.", "Alamy"},
        {"Agence France-Presse:", "Agence France-Presse"},
        {" \"Tom Ellery\" ", "Tom Ellery"},
        {"Belga S.A.", "Belga S.A."},
        {"Foto Verein e.V.", "Foto Verein e.V."},
        {"Dynamic Inc.s.", "Dynamic Inc.s"},     /* "Inc" must end a word */
        {"Eric Co.", "Eric Co."},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *s = norm_client(cases[i].in, 200);
        if (!s || strcmp(s, cases[i].out) != 0)
            fail_msg("'%s': got %s, want %s", cases[i].in, s ? s : "(null)", cases[i].out);
        g_free(s);
    }
    assert_null(norm_client(" .,; ", 200));
    assert_null(norm_client(NULL, 200));
}

static void text(void **state)
{
    (void)state;
    char *s = norm_text("  WENN Rights\n\tInternational   Ltd ", 200);
    assert_string_equal(s, "WENN Rights International Ltd");
    g_free(s);
    s = norm_text("abcdef", 3);
    assert_string_equal(s, "abc");
    g_free(s);
    assert_null(norm_text(" \n ", 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(amounts),
        cmocka_unit_test(currencies),
        cmocka_unit_test(deadlines),
        cmocka_unit_test(date_offsets),
        cmocka_unit_test(clients),
        cmocka_unit_test(text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
