/* The sending identity behind a notice: envelope sender / Return-Path and
 * the receiving side's Authentication-Results against the agency's
 * domains; which Authentication-Results are trusted (authserv-id), and
 * that the trust reaches the verdict through rules_env. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "impersonation.h"
#include "msgview.h"
#include "scan.h"
#include "testutil.h"

/* The authserv-id the tests' receiving MTA writes. */
#define OURS "mx.example.org"

static GPtrArray *pixsy_domains(void)
{
    GPtrArray *d = g_ptr_array_new();
    g_ptr_array_add(d, "pixsy.com");
    g_ptr_array_add(d, "pixsy.io");
    return d;
}

static GPtrArray *id_list(const char *first, ...)
{
    GPtrArray *ids = g_ptr_array_new();
    va_list ap;
    va_start(ap, first);
    for (const char *id = first; id; id = va_arg(ap, const char *))
        g_ptr_array_add(ids, (gpointer)id);
    va_end(ap);
    return ids;
}

/* headers: extra header lines (each ending in \n), prepended to a notice
 * whose From is cases@pixsy.com; trusted: the authserv-ids to believe. */
static const char *reason_trusting(const char *headers, const char *env_sender,
                                   const GPtrArray *trusted)
{
    char *raw = g_strdup_printf("%sFrom: Pixsy <cases@pixsy.com>\nTo: a@example.org\n"
                                "Subject: Unauthorized Use of Image\n\nHello.\n", headers);
    msgview_limits lim;
    msgview_limits_default(&lim);
    msgview *v = msgview_new(raw, strlen(raw), &lim);
    GPtrArray *d = pixsy_domains();
    rules_env env = {.env_sender = env_sender, .trusted_authserv_ids = trusted};
    const char *why = imp_sender_reason(v, &env, d);
    g_ptr_array_unref(d);
    msgview_free(v);
    g_free(raw);
    return why;
}

/* As received by OURS. */
static const char *reason_for(const char *headers, const char *env_sender)
{
    GPtrArray *ours = id_list(OURS, NULL);
    const char *why = reason_trusting(headers, env_sender, ours);
    g_ptr_array_unref(ours);
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

static void assert_id(const char *value, const char *want)
{
    char *id = imp_authserv_id(value);
    if (want)
        assert_string_equal(id, want);
    else
        assert_null(id);
    g_free(id);
}

/* The authserv-id is the first word of the value (RFC 8601 section 2.2). */
static void authserv_ids(void **state)
{
    (void)state;
    assert_id("mx.example.org; dkim=pass header.d=pixsy.com", "mx.example.org");
    assert_id("mx.example.org;dkim=pass", "mx.example.org");
    assert_id("  mx.example.org 1; none", "mx.example.org");             /* version */
    assert_id("(filter 2.11) mx.example.org; spf=pass", "mx.example.org"); /* comment first */
    assert_id("\"mx.example.org\"; spf=pass", "mx.example.org");           /* quoted */
    assert_id("MX.Example.ORG; none", "MX.Example.ORG");
    /* No id: Microsoft 365 starts with a result; junk; nothing. */
    assert_id("spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=pixsy.com; dkim=pass header.d=pixsy.com", NULL);
    assert_id("; dkim=pass header.d=pixsy.com", NULL);
    assert_id("", NULL);
    assert_id("   (only a comment)", NULL);
    assert_id(NULL, NULL);
}

static void trust_decision(void **state)
{
    (void)state;
    GPtrArray *ours = id_list(OURS, "mx2.example.org", NULL);
    GPtrArray *none = id_list(NULL);
    assert_true(imp_ar_trusted("mx.example.org; dkim=pass", ours));
    assert_true(imp_ar_trusted("MX2.EXAMPLE.ORG; dkim=pass", ours));   /* case-insensitive */
    assert_false(imp_ar_trusted("mx.forger.example; dkim=pass", ours));
    assert_false(imp_ar_trusted("mx.example.org.forger.example; dkim=pass", ours)); /* whole id */
    assert_false(imp_ar_trusted("example.org; dkim=pass", ours));
    assert_false(imp_ar_trusted("dkim=pass header.d=pixsy.com", ours));
    assert_false(imp_ar_trusted("mx.example.org; dkim=pass", none));    /* "none" */
    assert_false(imp_ar_trusted("mx.example.org; dkim=pass", NULL));
    g_ptr_array_unref(ours);
    g_ptr_array_unref(none);
}

/* Issue #4: a sender writes the receiving side's verdict itself. */
static void foreign_authserv_ignored(void **state)
{
    (void)state;
    const char *forged = "Authentication-Results: mx.forger.example; dkim=pass header.d=pixsy.com; "
                         "dmarc=pass header.from=pixsy.com\n"
                         "Return-Path: <x@relay.example>\n";
    assert_string_equal(reason_for(forged, NULL), "return-path-not-agency");
    GPtrArray *none = id_list(NULL);
    assert_string_equal(reason_trusting(forged, NULL, none), "return-path-not-agency");
    assert_string_equal(reason_trusting(forged, NULL, NULL), "return-path-not-agency");
    g_ptr_array_unref(none);
    /* ... and the same header from a trusted id excuses the envelope. */
    GPtrArray *forger = id_list("mx.forger.example", NULL);
    assert_null(reason_trusting(forged, NULL, forger));
    g_ptr_array_unref(forger);
    /* Untrusted headers do not accuse either. */
    assert_null(reason_for("Authentication-Results: list.example.net; dmarc=fail header.from=pixsy.com\n",
                           NULL));
    /* Not only the topmost: a forged header above the MTA's own is skipped,
     * and the MTA's own below it is read. */
    assert_string_equal(reason_for("Authentication-Results: mx.forger.example; dkim=pass header.d=pixsy.com\n"
                                   "Authentication-Results: mx.example.org; dkim=fail header.d=pixsy.com\n"
                                   "Return-Path: <x@relay.example>\n", NULL),
                        "return-path-not-agency");
    assert_string_equal(reason_for("Authentication-Results: mx.forger.example; dmarc=pass\n"
                                   "Authentication-Results: mx.example.org; dmarc=fail header.from=pixsy.com\n",
                                   NULL),
                        "dmarc-fail");
}

/* OpenDMARC's header on top, OpenDKIM's below it: both count. */
static void every_trusted_header(void **state)
{
    (void)state;
    assert_null(reason_for("Authentication-Results: mx.example.org; dmarc=pass header.from=pixsy.com\n"
                           "Authentication-Results: mx.example.org;\n"
                           "\tdkim=pass (2048-bit key; unprotected) header.d=pixsy.com header.i=@pixsy.com\n"
                           "Return-Path: <b-1@bounces.esp.example>\n", NULL));
    assert_null(reason_for("Authentication-Results: mx.example.org; dkim = pass header.d = pixsy.com\n",
                           "b-1@bounces.esp.example"));
    assert_null(reason_for("Authentication-Results: mx.example.org; dkim=pass header.i=cases@mail.pixsy.com\n",
                           "b-1@bounces.esp.example"));
}

/* Inside a trusted header, what the sender chose cannot pose as a result. */
static void sender_text_in_trusted_header(void **state)
{
    (void)state;
    assert_string_equal(
        reason_for("Authentication-Results: mx.example.org; spf=pass "
                   "smtp.mailfrom=\"a; dkim=pass header.d=pixsy.com a\"@relay.example\n"
                   "Return-Path: <x@relay.example>\n", NULL),
        "return-path-not-agency");
    assert_string_equal(
        reason_for("Authentication-Results: mx.example.org; spf=pass (helo=x; dkim=pass header.d=pixsy.com) "
                   "smtp.mailfrom=relay.example\n"
                   "Return-Path: <x@relay.example>\n", NULL),
        "return-path-not-agency");
    /* A property of another result is not the DKIM result's. */
    assert_string_equal(
        reason_for("Authentication-Results: mx.example.org; dkim=fail header.d=pixsy.com; "
                   "spf=pass header.d=pixsy.com\n"
                   "Return-Path: <x@relay.example>\n", NULL),
        "return-path-not-agency");
}

/* Through the rules engine: rules_env carries the trust to the verdict. */
static const char *acme_rules =
    "threshold 5\n"
    "agency acme\n"
    "  name ACME Rights\n"
    "  domains acme-rights.example\n"
    "rule ACME_FROM from /@acme-rights\\.example/i\n"
    "  agency acme\n"
    "  score 3\n"
    "rule ACME_CASE text /case AC-\\d{5}/i\n"
    "  agency acme\n"
    "  score 3\n";

static verdict *scan_acme(const ruleset *rs, const char *ar, const GPtrArray *trusted)
{
    char *raw = g_strdup_printf("Authentication-Results: %s\n"
                                "Return-Path: <bounce@mailer.relay.example>\n"
                                "From: ACME Legal <legal@acme-rights.example>\n"
                                "To: owner@site.example\nSubject: Your case AC-12345\n\n"
                                "Dear owner, about case AC-12345: pay now.\n", ar);
    msgview_limits lim;
    msgview_limits_default(&lim);
    rules_env env = {.trusted_authserv_ids = trusted};
    verdict *v = scan_message(rs, raw, strlen(raw), &lim, &env, NULL);
    g_free(raw);
    return v;
}

static void verdict_follows_trust(void **state)
{
    (void)state;
    char *dir = g_dir_make_tmp("ct-imp-XXXXXX", NULL);
    char *path = testutil_write(dir, "acme.rules", acme_rules);
    GError *err = NULL;
    ruleset *rs = rules_load_file(path, &err);
    if (!rs)
        fail_msg("%s", err->message);
    GPtrArray *ours = id_list(OURS, NULL);

    verdict *v = scan_acme(rs, "mx.forger.example; dkim=pass header.d=acme-rights.example", ours);
    assert_int_equal(v->verdict, CT_VERDICT_SUSPECT);
    assert_string_equal(v->reason, "return-path-not-agency");
    assert_string_equal(v->agency, "acme");
    verdict_free(v);

    v = scan_acme(rs, "mx.example.org; dkim=pass header.d=acme-rights.example", ours);
    assert_int_equal(v->verdict, CT_VERDICT_CLAIM);
    assert_null(v->reason);
    verdict_free(v);

    /* The same trusted header, but no list: nothing is believed. */
    v = scan_acme(rs, "mx.example.org; dkim=pass header.d=acme-rights.example", NULL);
    assert_int_equal(v->verdict, CT_VERDICT_SUSPECT);
    verdict_free(v);

    v = scan_acme(rs, "mx.example.org; dkim=pass header.d=acme-rights.example; dmarc=fail", ours);
    assert_int_equal(v->verdict, CT_VERDICT_SUSPECT);
    assert_string_equal(v->reason, "dmarc-fail");
    verdict_free(v);

    g_ptr_array_unref(ours);
    rules_unref(rs);
    g_free(path);
    testutil_rmtree(dir);
    g_free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(domains),
        cmocka_unit_test(genuine),
        cmocka_unit_test(forged),
        cmocka_unit_test(forwards),
        cmocka_unit_test(authserv_ids),
        cmocka_unit_test(trust_decision),
        cmocka_unit_test(foreign_authserv_ignored),
        cmocka_unit_test(every_trusted_header),
        cmocka_unit_test(sender_text_in_trusted_header),
        cmocka_unit_test(verdict_follows_trust),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
