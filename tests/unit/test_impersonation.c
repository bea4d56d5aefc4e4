/* The sending identity behind a notice: envelope sender / Return-Path and
 * the receiving side's Authentication-Results against the agency's domains. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "impersonation.h"
#include "msgview.h"

static GPtrArray *pixsy_domains(void)
{
    GPtrArray *d = g_ptr_array_new();
    g_ptr_array_add(d, "pixsy.com");
    g_ptr_array_add(d, "pixsy.io");
    return d;
}

/* headers: extra header lines (each ending in \n), prepended to a notice
 * whose From is cases@pixsy.com. */
static const char *reason_for(const char *headers, const char *env_sender)
{
    char *raw = g_strdup_printf("%sFrom: Pixsy <cases@pixsy.com>\nTo: a@example.org\n"
                                "Subject: Unauthorized Use of Image\n\nHello.\n", headers);
    msgview_limits lim;
    msgview_limits_default(&lim);
    msgview *v = msgview_new(raw, strlen(raw), &lim);
    GPtrArray *d = pixsy_domains();
    const char *why = imp_sender_reason(v, env_sender, d);
    g_ptr_array_unref(d);
    msgview_free(v);
    g_free(raw);
    return why;
}

static void domains(void **state)
{
    (void)state;
    GPtrArray *d = pixsy_domains();
    assert_true(imp_domain_in(d, "pixsy.com"));
    assert_true(imp_domain_in(d, "mail.PIXSY.com"));
    assert_false(imp_domain_in(d, "notpixsy.com"));
    assert_false(imp_domain_in(d, "pixsy.com.evil.example"));
    assert_false(imp_domain_in(d, NULL));
    g_ptr_array_unref(d);
}

static void genuine(void **state)
{
    (void)state;
    assert_null(reason_for("", NULL));
    assert_null(reason_for("Return-Path: <bounce@mail.pixsy.com>\n", NULL));
    assert_null(reason_for("", "cases@pixsy.com"));
    assert_null(reason_for("", "<>"));                        /* null sender */
    /* An ESP's envelope, but DKIM passed for the agency's domain. */
    assert_null(reason_for("Authentication-Results: mx.example.org; dkim=pass header.d=pixsy.com; "
                           "spf=pass smtp.mailfrom=bounces.esp.example; dmarc=pass header.from=pixsy.com\n"
                           "Return-Path: <b-123@bounces.esp.example>\n", NULL));
    assert_null(reason_for("Authentication-Results: mx.example.org; dkim=pass header.i=@pixsy.com\n",
                           "b-1@bounces.esp.example"));
    /* A bulk-mail service's bounce address proves nothing either way. */
    assert_null(reason_for("Return-Path: <0100018c-1a2b@email.amazonses.com>\n", NULL));
    assert_null(reason_for("", "bounces+123-abc=example.org@sendgrid.net"));
}

/* A forward shows the notice's original sender; a subject alone does not. */
static bool forwarded_text(const char *body)
{
    char *raw = g_strdup_printf("From: Jane <jane@example.org>\nTo: lawyer@example.net\n"
                                "Subject: Fwd: Unauthorized Use of Image\n\n%s", body);
    msgview_limits lim;
    msgview_limits_default(&lim);
    msgview *v = msgview_new(raw, strlen(raw), &lim);
    GPtrArray *d = pixsy_domains();
    bool yes = imp_forwarded_from(v, d);
    g_ptr_array_unref(d);
    msgview_free(v);
    g_free(raw);
    return yes;
}

static void forwards(void **state)
{
    (void)state;
    assert_true(forwarded_text("FYI\n\n---------- Forwarded message ---------\n"
                               "From: Pixsy <cases@pixsy.com>\nDate: Tue, 15 Oct 2024\n\nHello,\n"));
    assert_true(forwarded_text("> Von: \"Pixsy\" <cases@mail.pixsy.com>\n> Hello\n"));
    assert_true(forwarded_text("*From:* Pixsy Resolution <cases@pixsy.com>\n"));
    assert_false(forwarded_text("Please pay now: https://pay.example.net/\n"));
    assert_false(forwarded_text("From: Pixsy <cases@pixsy.com.evil.example>\n"));
    assert_false(forwarded_text("Mail from cases@pixsy.com says pay.\n"));   /* not a header line */
}

static void forged(void **state)
{
    (void)state;
    assert_string_equal(reason_for("Authentication-Results: mx.example.org; dmarc=fail header.from=pixsy.com\n", NULL),
                        "dmarc-fail");
    assert_string_equal(reason_for("Return-Path: <x@relay.example>\n", NULL), "return-path-not-agency");
    assert_string_equal(reason_for("", "x@relay.example"), "return-path-not-agency");
    /* DKIM passed, but for someone else's domain. */
    assert_string_equal(reason_for("Authentication-Results: mx.example.org; dkim=pass header.d=relay.example\n"
                                   "Return-Path: <x@relay.example>\n", NULL),
                        "return-path-not-agency");
    /* A failed signature claiming the agency's domain excuses nothing. */
    assert_string_equal(reason_for("Authentication-Results: mx.example.org; dkim=fail header.d=pixsy.com\n"
                                   "Return-Path: <x@relay.example>\n", NULL),
                        "return-path-not-agency");
    /* "dmarc=failover" is not "dmarc=fail". */
    assert_null(reason_for("Authentication-Results: mx.example.org; dmarc=failover\n", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(domains),
        cmocka_unit_test(genuine),
        cmocka_unit_test(forged),
        cmocka_unit_test(forwards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
