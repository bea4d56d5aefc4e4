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
        cmocka_unit_test(text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
