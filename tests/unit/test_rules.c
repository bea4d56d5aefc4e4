/* The rule language: loading with file:line errors, matching each target,
 * metas, scores per agency, kinds, field extraction, impersonation, and
 * the PCRE2 match limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "rules.h"
#include "rules_internal.h"
#include "testutil.h"

static const char *base_rules =
    "threshold 5\n"
    "shortener bit.ly\n"
    "filehost drive.google.com dropbox.com\n"
    "risky-extension zip exe\n"
    "agency acme\n"
    "  name ACME Rights\n"
    "  domains acme-rights.example\n"
    "  portals portal.acme-rights.example\n"
    "  advice https://guide.example/acme\n"
    "rule ACME_SENDER sender /@acme-rights\\.example$/i\n"
    "  agency acme\n"
    "  score 3\n"
    "rule ACME_CASE text /case (?:id|number):?\\s*(?<case_id>AC-\\d{5})/i\n"
    "  agency acme\n"
    "  score 2\n"
    "rule ACME_CLIENT body /on behalf of our client (?<client>[^,\\n]+)/i\n"
    "  agency acme\n"
    "  score 1\n"
    "rule FEE_LICENCE body /licen[cs]e fee:?\\s*(?<fee>[\\d.,]+\\s*(?:EUR|\\x{20ac}))/i\n"
    "  score 0.5\n"
    "rule FEE_DAMAGES body /compensation:?\\s*(?<fee>[\\d.,]+\\s*(?:EUR|\\x{20ac}))/i\n"
    "  score 0.5\n"
    "rule DEADLINE body /(?:by|until|pay) (?<deadline>\\d{1,2}\\.\\d{1,2}\\.\\d{4}|within \\d+ days)/i\n"
    "  score 0\n"
    "rule ACME_REMIND subject /reminder/i\n"
    "  agency acme\n"
    "  kind reminder\n"
    "  score 0.5\n"
    "rule ACME_CLOSED body /decided to close the (?:claim|case)/i\n"
    "  agency acme\n"
    "  kind closed\n"
    "  score 1\n"
    "meta ACME_BOTH ACME_SENDER && (ACME_CASE || ACME_CLOSED) && !NEWSLETTER_HINT\n"
    "  agency acme\n"
    "  score 1\n";

static ruleset *load(const char *text, char **errmsg)
{
    char *path = testutil_write(testutil_dir, "t.rules", text);
    GError *err = NULL;
    ruleset *rs = rules_load_file(path, &err);
    if (!rs && errmsg)
        *errmsg = g_strdup(err->message);
    g_clear_error(&err);
    g_free(path);
    return rs;
}

static ruleset *load_base(void)
{
    char *text = g_strconcat("rule NEWSLETTER_HINT body /unsubscribe/i\n  score -10\n", base_rules, NULL);
    char *msg = NULL;
    ruleset *rs = load(text, &msg);
    if (!rs)
        fail_msg("%s", msg);
    g_free(text);
    return rs;
}

static bool has_rule(const verdict *out, const char *name)
{
    for (guint i = 0; i < out->rules->len; i++)
        if (strcmp(g_ptr_array_index(out->rules, i), name) == 0)
            return true;
    return false;
}

static const rule *rule_named(const ruleset *rs, const char *name)
{
    for (guint i = 0; i < rs->rules->len; i++) {
        const rule *r = g_ptr_array_index(rs->rules, i);
        if (strcmp(r->name, name) == 0)
            return r;
    }
    fail_msg("no rule %s", name);
    return NULL;
}

/* The rules in text, loaded, or the test fails with the loader's message. */
static ruleset *load_ok(const char *text)
{
    char *msg = NULL;
    ruleset *rs = load(text, &msg);
    if (!rs)
        fail_msg("%s", msg);
    return rs;
}

/* The verdict on a message with this body. */
static verdict *eval_body(const ruleset *rs, const char *body)
{
    msgview *v = testutil_view("someone@example.org", "Subject", body);
    verdict *out = rules_eval(rs, v, NULL);
    testutil_view_free(v);
    return out;
}

static void loads_and_counts(void **state)
{
    (void)state;
    ruleset *rs = load_base();
    assert_int_equal(rules_count(rs), 10);
    assert_int_equal(rules_agency_count(rs), 1);
    assert_string_equal(rules_agency_name(rs, "acme"), "ACME Rights");
    assert_string_equal(rules_agency_advice(rs, "acme"), "https://guide.example/acme");
    assert_null(rules_agency_advice(rs, "nobody"));
    rules_unref(rs);
}

static void first_notice_with_fields(void **state)
{
    (void)state;
    ruleset *rs = load_base();
    msgview *v = testutil_view("legal@acme-rights.example", "Copyright claim, case ID: AC-12345",
                               "We write on behalf of our client Example Photo Agency Ltd, who owns the image.\n"
                               "Licence fee: 389,59 EUR\nCompensation: 350,00 EUR\n"
                               "Please pay by 07.05.2024 at the portal.\n");
    testutil_view_add_url(v, "https://portal.acme-rights.example/pay", "portal.acme-rights.example");
    verdict *out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
    assert_string_equal(out->agency, "acme");
    assert_int_equal(out->kind, CT_KIND_FIRST_NOTICE);
    assert_string_equal(out->case_id, "AC-12345");
    assert_string_equal(out->client, "Example Photo Agency Ltd");
    assert_string_equal(out->amount, "739.59");   /* licence + compensation */
    assert_string_equal(out->currency, "EUR");
    assert_string_equal(out->deadline, "2024-05-07");
    assert_string_equal(out->portal_url, "https://portal.acme-rights.example/pay");
    assert_true(out->score >= 5.0);
    gboolean has_meta = FALSE;
    for (guint i = 0; i < out->rules->len; i++)
        has_meta |= strcmp(g_ptr_array_index(out->rules, i), "ACME_BOTH") == 0;
    assert_true(has_meta);
    verdict_free(out);
    testutil_view_free(v);
    rules_unref(rs);
}

static void kind_precedence(void **state)
{
    (void)state;
    ruleset *rs = load_base();
    msgview *v = testutil_view("legal@acme-rights.example", "Reminder: case ID AC-55555",
                               "We have decided to close the claim.");
    verdict *out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
    assert_int_equal(out->kind, CT_KIND_CLOSED);   /* closed outranks reminder */
    verdict_free(out);
    testutil_view_free(v);
    rules_unref(rs);
}

static void below_threshold_and_negative_scores(void **state)
{
    (void)state;
    ruleset *rs = load_base();
    msgview *v = testutil_view("news@blog.example", "About ACME",
                               "Someone got case ID: AC-12345 from ACME. Unsubscribe here.");
    verdict *out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_NONE);
    assert_null(out->agency);
    assert_null(out->case_id);   /* fields only for claims */
    assert_int_equal(out->kind, CT_KIND_NONE);
    verdict_free(out);
    testutil_view_free(v);
    rules_unref(rs);
}

static void relative_deadline_uses_date(void **state)
{
    (void)state;
    ruleset *rs = load_base();
    msgview *v = testutil_view("legal@acme-rights.example", "case number AC-00001",
                               "Please pay within 14 days.");
    v->date_time = 1704067200; /* 2024-01-01 00:00 UTC */
    verdict *out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
    assert_string_equal(out->deadline, "2024-01-15");
    verdict_free(out);
    testutil_view_free(v);
    rules_unref(rs);
}

static void impersonation(void **state)
{
    (void)state;
    ruleset *rs = load_base();
    /* Agency wording, but from a free-mail address: the sender rule does
     * not fire, so give it enough agency text to reach the threshold. */
    char *body = "on behalf of our client Foo, case ID: AC-77777. We have decided to close the claim.";
    msgview *v = testutil_view("acme.legal@freemail.example", "case ID AC-77777", body);
    /* reach the threshold with a matching envelope sender only */
    rules_env env = {.env_sender = "bounce@acme-rights.example"};
    verdict *out = rules_eval(rs, v, &env);
    assert_int_equal(out->verdict, CT_VERDICT_SUSPECT);
    assert_string_equal(out->reason, "sender-not-agency");
    assert_string_equal(out->agency, "acme");
    verdict_free(out);
    testutil_view_free(v);

    v = testutil_view("legal@acme-rights.example", "case ID AC-77777", "see the images");
    testutil_view_add_url(v, "https://drive.google.com/file/d/x", "drive.google.com");
    out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_SUSPECT);
    assert_string_equal(out->reason, "link-to-file-host");
    verdict_free(out);
    testutil_view_free(v);

    v = testutil_view("legal@acme-rights.example", "case ID AC-77777", "see the images");
    testutil_view_add_url(v, "https://bit.ly/abc", "bit.ly");
    out = rules_eval(rs, v, NULL);
    assert_string_equal(out->reason, "link-shortener");
    verdict_free(out);
    testutil_view_free(v);

    /* A forward from the recipient to a lawyer is not an impersonation:
     * it still shows the agency as the original sender. */
    char *fwd = g_strconcat("---------- Forwarded message ---------\n"
                            "From: Acme Legal <legal@acme-rights.example>\n\n", body, NULL);
    v = testutil_view("owner@site.example", "Fwd: case ID AC-77777", fwd);
    out = rules_eval(rs, v, &env);
    assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
    verdict_free(out);
    testutil_view_free(v);
    g_free(fwd);

    /* "Fwd:" in the subject alone does not excuse a foreign sender. */
    v = testutil_view("owner@site.example", "Fwd: case ID AC-77777", body);
    out = rules_eval(rs, v, &env);
    assert_int_equal(out->verdict, CT_VERDICT_SUSPECT);
    assert_string_equal(out->reason, "sender-not-agency");
    verdict_free(out);
    testutil_view_free(v);
    rules_unref(rs);
}

static void header_and_url_targets(void **state)
{
    (void)state;
    ruleset *rs = load("agency x\n  domains x.example\n"
                       "rule XH header:subject /^Invoice (?<case_id>\\d+)$/\n  agency x\n  score 3\n"
                       "rule XU url /^https:\\/\\/pay\\.x\\.example\\//\n  agency x\n  score 3\n", NULL);
    assert_non_null(rs);
    msgview *v = testutil_view("a@x.example", "Invoice 42", "");
    testutil_view_add_url(v, "https://pay.x.example/42", "pay.x.example");
    verdict *out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
    assert_string_equal(out->case_id, "42");
    assert_int_equal(out->rules->len, 2);
    verdict_free(out);
    testutil_view_free(v);
    rules_unref(rs);
}

/* A catastrophic-backtracking pattern must give up, count the hit, and not
 * take the process down. */
static void match_limit_counts(void **state)
{
    (void)state;
    ruleset *rs = load("agency x\n"
                       "rule EVIL body /^(a+)+$/\n  agency x\n  score 10\n", NULL);
    assert_non_null(rs);
    GString *s = g_string_new(NULL);
    for (int i = 0; i < 40; i++)
        g_string_append_c(s, 'a');
    g_string_append_c(s, 'b');
    msgview *v = testutil_view("a@b.example", "x", s->str);
    verdict *out = rules_eval(rs, v, NULL);
    assert_int_equal(out->verdict, CT_VERDICT_NONE);
    assert_int_equal(out->match_limit_hits, 1);
    verdict_free(out);
    /* The same in one branch of a rule whose branches run alone: the limit
     * is counted, and the other branch still fires the rule. */
    rules_unref(rs);
    rs = load_ok("agency x\n"
                 "rule EVIL_OR body /^evil(a+)+$|\\bsafe\\s+word\\b/\n  agency x\n  score 10\n");
    assert_non_null(rule_named(rs, "EVIL_OR")->branch_re);
    g_string_prepend(s, "evil");
    g_string_append(s, " safe word");
    testutil_view_free(v);
    v = testutil_view("a@b.example", "x", s->str);
    out = rules_eval(rs, v, NULL);
    assert_int_equal(out->match_limit_hits, 1);
    assert_true(has_rule(out, "EVIL_OR"));
    verdict_free(out);
    testutil_view_free(v);
    g_string_free(s, TRUE);
    rules_unref(rs);
}


/* Rules with score 0 that no scoring meta reads (kinds, fields) run only
 * for a claim: a non-claim does not list them even when they would match;
 * a score-0 rule a scoring meta reads still runs; a claim gets every kind
 * and field as before.  COPYTROLL_NO_LAZY=1 gives the same results. */
static void lazy_extraction(void **state)
{
    (void)state;
    const char *text = "agency x\n"
                       "rule X_WORD body /infringement/\n  agency x\n  score 5\n"
                       "rule HINT body /photo/\n  score 0\n"
                       "meta X_PHOTO HINT && !X_WORD\n  score 1\n"
                       "rule FIELD_AMOUNT body /EUR (?<amount>[0-9]+)/\n  score 0\n"
                       "rule KIND_LATE body /reminder/\n  score 0\n  kind reminder\n";
    for (int lazy_off = 0; lazy_off < 2; lazy_off++) {
        if (lazy_off)
            g_setenv("COPYTROLL_NO_LAZY", "1", TRUE);
        ruleset *rs = load(text, NULL);
        assert_non_null(rs);
        rules_pf_stats st;
        rules_prefilter_stats(rs, &st);
        assert_int_equal(st.claim_only, 2);   /* FIELD_AMOUNT, KIND_LATE */
        assert_int_equal(st.lazy, !lazy_off);
        msgview *v = testutil_view("a@b.example", "x", "A photo, a reminder and EUR 300.");
        verdict *out = rules_eval(rs, v, NULL);
        assert_int_equal(out->verdict, CT_VERDICT_NONE);
        if (lazy_off) {
            assert_true(out->score > 0.9 && out->score < 1.1);
            assert_true(has_rule(out, "HINT") && has_rule(out, "X_PHOTO"));
        } else {
            /* No rule of agency x can match: nothing needs to run. */
            assert_true(out->score == 0);
            assert_int_equal(out->rules->len, 0);
        }
        assert_false(has_rule(out, "FIELD_AMOUNT") || has_rule(out, "KIND_LATE"));
        assert_null(out->amount);
        verdict_free(out);
        testutil_view_free(v);

        v = testutil_view("a@b.example", "x", "Copyright infringement: reminder, pay EUR 300.");
        out = rules_eval(rs, v, NULL);
        assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
        assert_int_equal(out->kind, CT_KIND_REMINDER);
        assert_non_null(out->amount);
        assert_string_equal(out->amount, "300.00");
        assert_true(has_rule(out, "FIELD_AMOUNT") && has_rule(out, "KIND_LATE"));
        verdict_free(out);
        testutil_view_free(v);
        rules_unref(rs);
    }
    g_unsetenv("COPYTROLL_NO_LAZY");
}

/* The evaluation stops once the message cannot reach the threshold, even
 * if every rule not run yet fired: a rule that only lowers the score then
 * does not run (and is not listed), a negated operand of a scoring meta
 * does.  The verdict is the same either way; COPYTROLL_NO_LAZY=1 runs
 * every rule and gives the exact score. */
/* A message's expected outcome, bounded (as shipped) and with every rule
 * run (COPYTROLL_NO_LAZY): verdict, score, and whether one rule is listed. */
typedef struct bound_case {
    const char *body;
    ct_verdict verdict;
    double score, score_all;
    bool listed, listed_all;
} bound_case;

static void check_bounded(const char *rules_text, const char *watched, const bound_case *cases,
                          unsigned n)
{
    for (int all = 0; all < 2; all++) {
        if (all)
            g_setenv("COPYTROLL_NO_LAZY", "1", TRUE);
        ruleset *rs = load(rules_text, NULL);
        assert_non_null(rs);
        for (unsigned i = 0; i < n; i++) {
            msgview *v = testutil_view("a@b.example", "x", cases[i].body);
            verdict *out = rules_eval(rs, v, NULL);
            assert_int_equal(out->verdict, cases[i].verdict);
            double want = all ? cases[i].score_all : cases[i].score;
            if (out->score < want - 0.01 || out->score > want + 0.01)
                fail_msg("case %u (%s): score %.2f, expected %.2f", i, all ? "every rule" : "bounded",
                         out->score, want);
            if (has_rule(out, watched) != (all ? cases[i].listed_all : cases[i].listed))
                fail_msg("case %u (%s): %s %s", i, all ? "every rule" : "bounded", watched,
                         has_rule(out, watched) ? "listed" : "not listed");
            verdict_free(out);
            testutil_view_free(v);
        }
        rules_unref(rs);
    }
    g_unsetenv("COPYTROLL_NO_LAZY");
}

/* A shared rule no meta reads ("pooled") only adds to the pool: when no
 * agency's own rule can match, it is not even looked at; once one can, it
 * counts as before.  A shared rule a meta reads is not pooled. */
static void pooled_rules_wait_for_an_agency(void **state)
{
    (void)state;
    static const bound_case cases[] = {   /* GEN_PAY listed? */
        {"please pay now", CT_VERDICT_NONE, 0, 4, false, true},
        {"acme: please pay today", CT_VERDICT_CLAIM, 5, 5, true, true},
        {"acme's lawyer", CT_VERDICT_CLAIM, 5, 5, false, false},
        {"a lawyer: pay now", CT_VERDICT_NONE, 0, 4, false, true},
    };
    check_bounded("agency x\n"
                  "rule X_NAME body /acme/\n  agency x\n  score 1\n"
                  "rule GEN_PAY body /pay (?:now|today)/\n  score 4\n"
                  "rule GEN_LAWYER body /lawyer/\n  score 0\n"
                  "meta X_THREAT GEN_LAWYER && X_NAME\n  agency x\n  score 4\n",
                  "GEN_PAY", cases, G_N_ELEMENTS(cases));
}

/* Patterns are JIT-compiled on first use: threads sharing a fresh rule set
 * get the same verdicts as one thread, each rule compiled once; a rule no
 * message ran stays uncompiled. */
typedef struct jit_job {
    const ruleset *rs;
    unsigned claims;
} jit_job;

static gpointer jit_worker(gpointer data)
{
    jit_job *job = data;
    for (unsigned i = 0; i < 200; i++) {
        msgview *v = testutil_view("a@b.example", "x", i % 2 ? "acme: pay now or else" : "an ordinary note");
        verdict *out = rules_eval(job->rs, v, NULL);
        job->claims += out->verdict == CT_VERDICT_CLAIM;
        verdict_free(out);
        testutil_view_free(v);
    }
    return NULL;
}

static size_t jit_size(const pcre2_code *re)
{
    size_t n = 0;
    if (re && pcre2_pattern_info(re, PCRE2_INFO_JITSIZE, &n) != 0)
        n = 0;
    return n;
}

static void jit_on_first_use(void **state)
{
    (void)state;
    ruleset *rs = load("agency x\n"
                       "rule X_NAME body /acme/\n  agency x\n  score 3\n"
                       "rule X_PAY body /pay (?:now|today)/\n  agency x\n  score 3\n"
                       "rule X_NEVER subject /zzqx/\n  agency x\n  score 3\n", NULL);
    assert_non_null(rs);
    for (guint i = 0; i < rs->rules->len; i++)
        assert_int_equal(jit_size(((const rule *)g_ptr_array_index(rs->rules, i))->re), 0);
    jit_job jobs[4];
    GThread *t[4];
    for (unsigned k = 0; k < 4; k++) {
        jobs[k] = (jit_job){.rs = rs};
        t[k] = g_thread_new("jit", jit_worker, &jobs[k]);
    }
    for (unsigned k = 0; k < 4; k++) {
        g_thread_join(t[k]);
        assert_int_equal(jobs[k].claims, 100);
    }
    const rule *name = g_ptr_array_index(rs->rules, 0), *never = g_ptr_array_index(rs->rules, 2);
    /* Where this PCRE2 has JIT at all, the rules that ran use it. */
    uint32_t jit = 0;
    pcre2_config(PCRE2_CONFIG_JIT, &jit);
    if (jit)
        assert_true(jit_size(name->re) > 0);
    assert_int_equal(jit_size(never->re), 0);
    rules_unref(rs);
}

/* "covers duplicates": a closure (or payment) whose covering rule fired
 * says so in the verdict; a plain closure, or a covering rule on a notice
 * that is not a closure, does not. */
static void closure_covers_duplicates(void **state)
{
    (void)state;
    ruleset *rs = load("agency x\n"
                       "rule X_NAME body /acme/\n  agency x\n  score 5\n"
                       "rule X_CLOSED body /closed/\n  agency x\n  score 0\n  kind closed\n"
                       "rule X_REMIND body /reminder/\n  agency x\n  score 0\n  kind reminder\n"
                       "rule BOTH body /both cases/\n  score 0\n  covers duplicates\n", NULL);
    assert_non_null(rs);
    static const struct { const char *body; ct_kind kind; bool covers; } cases[] = {
        {"acme: both cases have been closed", CT_KIND_CLOSED, true},
        {"acme: your case has been closed", CT_KIND_CLOSED, false},
        {"acme: a reminder about both cases", CT_KIND_REMINDER, false},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        msgview *v = testutil_view("a@b.example", "x", cases[i].body);
        verdict *out = rules_eval(rs, v, NULL);
        assert_int_equal(out->verdict, CT_VERDICT_CLAIM);
        assert_int_equal(out->kind, cases[i].kind);
        if (out->covers_duplicates != cases[i].covers)
            fail_msg("case %u: covers_duplicates %d", i, out->covers_duplicates);
        verdict_free(out);
        testutil_view_free(v);
    }
    rules_unref(rs);
    char *msg = NULL;
    assert_null(load("rule A body /x/\n  covers everything\n", &msg));
    assert_non_null(strstr(msg, "t.rules:2: covers takes one value: duplicates"));
    g_free(msg);
}

static void bound_stops_early(void **state)
{
    (void)state;
    static const bound_case cases[] = {   /* NEG_BLOG listed? */
        /* 3 - 4: the meta fails; NEG_BLOG cannot help any more */
        {"acme, my story and my blog", CT_VERDICT_NONE, -1, -3, false, true},
        /* 3 + 3 + 2 - 2: a claim runs everything */
        {"acme: pay now, see my blog", CT_VERDICT_CLAIM, 6, 6, true, true},
        /* 3 + 3 - 4 = 2 < 5 once NEG_STORY fired */
        {"acme: pay now, my story, my blog", CT_VERDICT_NONE, 2, 0, false, true},
        /* 3 + 2 = 5 may still be reached until X_NAME ran */
        {"acme on my blog", CT_VERDICT_NONE, 3, 3, true, true},
    };
    check_bounded("agency x\n"
                  "rule X_NAME body /acme/\n  agency x\n  score 3\n"
                  "rule X_DEMAND body /pay now/\n  agency x\n  score 3\n"
                  "rule NEG_STORY body /my story/\n  score -4\n"
                  "meta X_CLEAN X_NAME && !NEG_STORY\n  agency x\n  score 2\n"
                  "rule NEG_BLOG body /my blog/\n  score -2\n",
                  "NEG_BLOG", cases, G_N_ELEMENTS(cases));
}

static void load_errors(void **state)
{
    (void)state;
    static const struct { const char *text; const char *expect; } cases[] = {
        {"rule A body /x/\nrule A body /y/\n", "t.rules:2: rule A is defined twice"},
        {"rule a body /x/\n", "t.rules:1: rule name 'a' must be"},
        {"rule A nowhere /x/\n", "t.rules:1: unknown target 'nowhere'"},
        {"\nrule A body /(x/\n", "t.rules:2: bad pattern at offset"},
        {"rule A body /x/q\n", "t.rules:1: unknown pattern flag 'q'"},
        {"rule A body x\n", "t.rules:1: pattern must be written /PATTERN/FLAGS"},
        {"rule A body /(?<caseid>x)/\n", "t.rules:1: unknown capture name 'caseid'"},
        {"rule A body /x/\n  score lots\n", "t.rules:2: score must be a number"},
        {"rule A body /x/\n  agency nobody\n", "t.rules:2: unknown agency 'nobody'"},
        {"rule A body /x/\n  kind angry\n", "t.rules:2: unknown kind 'angry'"},
        {"meta M A && B\n", "t.rules:1: unknown rule A"},
        {"rule A body /x/\nmeta M A &&\n", "t.rules:2: expression ends too early"},
        {"rule A body /x/\nmeta M (A\n", "t.rules:2: missing ')'"},
        {"agency Big\n", "t.rules:1: usage: agency ID"},
        {"agency x\n  color red\n", "t.rules:2: 'color' does not belong in an agency block"},
        {"agency x\n  advice ftp://x\n", "t.rules:2: advice must be an http(s) URL"},
        {"frobnicate 3\n", "t.rules:1: unknown keyword 'frobnicate'"},
        {"threshold 0\n", "t.rules:1: threshold must be a number above 0"},
        {"shortener\n", "t.rules:1: shortener needs at least one value"},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *msg = NULL;
        ruleset *rs = load(cases[i].text, &msg);
        if (rs)
            fail_msg("case %u loaded but should not", i);
        if (!msg || !strstr(msg, cases[i].expect))
            fail_msg("case %u: got '%s', want '%s'", i, msg, cases[i].expect);
        g_free(msg);
    }
}

/* One load reports every error, one "file:line: why" line each, in file
 * order; the lines under a failed rule, meta or agency line add none. */
static void load_reports_every_error(void **state)
{
    (void)state;
    char *msg = NULL;
    ruleset *rs = load("agency x\n"
                       "rule BAD body /unclosed(/\n"
                       "  agency x\n"
                       "  frobnicate 1\n"
                       "rule GOOD body /fine/\n"
                       "  score lots\n"
                       "meta M GOOD && NOPE\n"
                       "  score 2\n"
                       "threshold -1\n",
                       &msg);
    assert_null(rs);
    assert_non_null(msg);
    char **lines = g_strsplit(msg, "\n", -1);
    static const char *const want[] = {
        "t.rules:2: bad pattern at offset",
        "t.rules:6: score must be a number",
        "t.rules:7: unknown rule NOPE",
        "t.rules:9: threshold must be a number above 0",
    };
    assert_int_equal(g_strv_length(lines), G_N_ELEMENTS(want));
    for (unsigned i = 0; i < G_N_ELEMENTS(want); i++)
        if (!strstr(lines[i], want[i]) || strstr(lines[i], "\n"))
            fail_msg("line %u: got '%s', want '%s'", i, lines[i], want[i]);
    g_strfreev(lines);
    g_free(msg);

    /* A flood of errors is cut short, and says how many more there were. */
    GString *many = g_string_new(NULL);
    for (unsigned i = 0; i < 80; i++)
        g_string_append(many, "frobnicate 1\n");
    rs = load(many->str, &msg);
    assert_null(rs);
    lines = g_strsplit(msg, "\n", -1);
    assert_int_equal(g_strv_length(lines), 51);
    assert_string_equal(lines[50], "... and 30 more errors");
    g_strfreev(lines);
    g_free(msg);
    g_string_free(many, TRUE);
}

static void load_dir_in_name_order(void **state)
{
    (void)state;
    char *dir = g_build_filename(testutil_dir, "rules.d", NULL);
    g_mkdir(dir, 0700);
    g_free(testutil_write(dir, "20-rule.rules", "rule R sender /x/\n  agency a\n"));
    g_free(testutil_write(dir, "10-agency.rules", "agency a\n"));
    g_free(testutil_write(dir, "README", "not a rule file"));
    GError *err = NULL;
    ruleset *rs = rules_load_dir(dir, &err);
    if (!rs)
        fail_msg("%s", err->message);
    assert_int_equal(rules_count(rs), 1);
    rules_unref(rs);
    /* A broken file names itself. */
    g_free(testutil_write(dir, "30-bad.rules", "rule\n"));
    assert_null(rules_load_dir(dir, &err));
    assert_non_null(strstr(err->message, "30-bad.rules:1:"));
    g_clear_error(&err);
    assert_null(rules_load_dir("/nonexistent-rules-dir", &err));
    g_clear_error(&err);
    g_free(dir);
}

static void shipped_rules_load(void **state)
{
    (void)state;
    GError *err = NULL;
    ruleset *rs = rules_load_dir("conf/rules.d", &err);
    if (!rs)
        fail_msg("%s", err->message);
    assert_true(rules_count(rs) > 10);
    assert_non_null(rules_agency_name(rs, "copytrack"));
    rules_unref(rs);
}

/* A rule that captures nothing and that no prefix anchors has its branches
 * compiled alone, and a scan runs only those whose literals are present:
 * it must fire exactly when the whole pattern matches, whichever branch
 * matches, and whichever branches' literals are in the text.  Not for a
 * pattern that sets an option for its rest ("(?i)" would no longer reach
 * the later branches), nor for one that captures a field. */
static void branches_run_alone(void **state)
{
    (void)state;
    ruleset *rs = load_ok("threshold 5\n"
                          "agency acme\n"
                          "  name ACME\n"
                          "rule SPLIT text /(?:an|zu)\\s+unsere\\s+Partner|hand\\s+the\\s+case\\s+over|\\bstrike\\s+three\\b/i\n"
                          "  agency acme\n"
                          "  score 5\n"
                          "rule SPLIT_OPTION text /\\bone\\s+alpha|(?-i)two\\s+beta/i\n"
                          "  agency acme\n"
                          "  score 5\n"
                          "rule SPLIT_FIELD text /case\\s+(?<case_id>\\d+)\\s+open|matter\\s+closed/i\n"
                          "  agency acme\n"
                          "  score 5\n");
    assert_non_null(rule_named(rs, "SPLIT")->branch_re);
    assert_int_equal(rule_named(rs, "SPLIT")->branch_re->len, 3);
    assert_null(rule_named(rs, "SPLIT_OPTION")->branch_re);
    assert_null(rule_named(rs, "SPLIT_FIELD")->branch_re);
    static const struct {
        const char *body;
        bool fires;
    } cases[] = {
        {"Wir werden den Fall an unsere  Partner übergeben.", true},     /* second branch, two spaces */
        {"We will HAND the\ncase over.", true},                         /* the English one */
        {"Three strikes; strike three", true},                          /* the last */
        {"hand the case, unsere Partner, strike out", false},           /* every branch's words, none matches */
        {"zu unsere Partner and hand the case over", true},             /* two branches at once */
        {"nothing of the kind", false},
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(cases); k++) {
        verdict *out = eval_body(rs, cases[k].body);
        if (has_rule(out, "SPLIT") != cases[k].fires)
            fail_msg("\"%s\": SPLIT %s", cases[k].body, cases[k].fires ? "did not fire" : "fired");
        verdict_free(out);
    }
    /* The option set in the second branch stays with it (the whole
     * pattern runs): "TWO beta" does not match, "ONE Alpha" does.  (Each
     * rule reaches the threshold alone, so each runs until one fires, and
     * then all do: a rule's outcome is in the verdict's list.) */
    static const struct {
        const char *body;
        bool fires;
    } option_cases[] = {{"TWO beta", false}, {"two beta", true}, {"ONE Alpha", true}};
    for (unsigned k = 0; k < G_N_ELEMENTS(option_cases); k++) {
        verdict *out = eval_body(rs, option_cases[k].body);
        assert_int_equal(has_rule(out, "SPLIT_OPTION"), option_cases[k].fires);
        verdict_free(out);
    }
    rules_unref(rs);
}

/* A rule tried only where its prefixes occur, with branches of their own
 * prefixes: only the prefixes of the branches whose literals are present
 * are tried, and the match found (its captures too) is still the
 * leftmost one of the whole pattern. */
static void anchored_branches_keep_the_leftmost(void **state)
{
    (void)state;
    ruleset *rs = load_ok("threshold 5\n"
                          "agency acme\n"
                          "  name ACME\n"
                          "rule FIRM text /\\b(?:this|our)\\s+firm\\s+represents\\s+(?<client>\\w+)|"
                          "\\bthe\\s+firm\\s+of\\s+Higbee\\b/i\n"
                          "  agency acme\n"
                          "  score 5\n");
    const rule *r = rule_named(rs, "FIRM");
    assert_non_null(r->pf_prefix);
    assert_non_null(r->pf_branch_prefix);
    assert_int_equal(r->pf_branch_prefix->len, 2);
    static const struct {
        const char *body;
        bool fires;
        const char *client;
    } cases[] = {
        {"As counsel, our firm represents Acme in this matter.", true, "Acme"},
        {"Letters came from the firm of Higbee today.", true, NULL},
        /* Both branches' words: the leftmost match is the one about Higbee. */
        {"the firm of Higbee: this firm represents Zed", true, NULL},
        {"this firm represents Zed, said the firm of Higbee", true, "Zed"},
        {"the firm of Smith represents nobody", false, NULL},
    };
    for (unsigned k = 0; k < G_N_ELEMENTS(cases); k++) {
        verdict *out = eval_body(rs, cases[k].body);
        if (has_rule(out, "FIRM") != cases[k].fires)
            fail_msg("\"%s\": FIRM %s", cases[k].body, cases[k].fires ? "did not fire" : "fired");
        if (g_strcmp0(out->client, cases[k].client) != 0)
            fail_msg("\"%s\": client %s, not %s", cases[k].body, out->client ? out->client : "(none)",
                     cases[k].client ? cases[k].client : "(none)");
        verdict_free(out);
    }
    rules_unref(rs);
}

/* A rule with several prefixes tries the starts of all of them in
 * ascending order (merge_runs): over bodies that interleave five prefix
 * words at random, two of them starting at the same place ("fall" and
 * "falls"), the captured case id is the leftmost match's, the same as with
 * the prefilter off. */
static void many_prefixes_keep_the_leftmost(void **state)
{
    (void)state;
    static const char rules[] = "threshold 5\n"
                                "agency acme\n"
                                "  name ACME\n"
                                "rule CASE text /\\b(?:claim|falls?|ticket|matter|dossier)\\s+(?:no\\.?\\s*)?"
                                "(?<case_id>[A-Z]{2}-\\d{4})/\n"
                                "  agency acme\n"
                                "  score 5\n";
    ruleset *rs = load_ok(rules);
    g_setenv("COPYTROLL_NO_PREFILTER", "1", TRUE);
    ruleset *plain = load_ok(rules);
    g_unsetenv("COPYTROLL_NO_PREFILTER");
    const rule *r = rule_named(rs, "CASE");
    assert_non_null(r->pf_prefix);
    assert_true(r->pf_prefix->len >= 4);
    static const char *const words[] = {"claim", "fall", "falls", "ticket", "matter", "dossier", "note"};
    GRand *rnd = g_rand_new_with_seed(7);
    unsigned fired = 0;
    for (unsigned round = 0; round < 300; round++) {
        GString *body = g_string_new("Dear customer,\n");
        unsigned n = 2 + (unsigned)g_rand_int_range(rnd, 0, 40);
        for (unsigned k = 0; k < n; k++) {
            const char *w = words[g_rand_int_range(rnd, 0, G_N_ELEMENTS(words))];
            /* Most words are followed by something that is no case id. */
            if (g_rand_int_range(rnd, 0, 6) == 0)
                g_string_append_printf(body, "%s no. %c%c-%04d ", w, 'A' + g_rand_int_range(rnd, 0, 26),
                                       'A' + g_rand_int_range(rnd, 0, 26), g_rand_int_range(rnd, 0, 10000));
            else
                g_string_append_printf(body, "%s of the day, ", w);
        }
        verdict *a = eval_body(rs, body->str);
        verdict *b = eval_body(plain, body->str);
        if (has_rule(a, "CASE") != has_rule(b, "CASE") || g_strcmp0(a->case_id, b->case_id) != 0)
            fail_msg("\"%s\": case id %s with the prefilter, %s without", body->str,
                     a->case_id ? a->case_id : "(none)", b->case_id ? b->case_id : "(none)");
        fired += has_rule(a, "CASE");
        verdict_free(a);
        verdict_free(b);
        g_string_free(body, TRUE);
    }
    /* Both outcomes were seen: the comparison is not vacuous. */
    assert_true(fired > 50 && fired < 300);
    g_rand_free(rnd);
    rules_unref(plain);
    rules_unref(rs);
}

static verdict *scan_text(const ruleset *rs, const char *raw, size_t len)
{
    msgview *v = msgview_new(raw, len, NULL);
    verdict *out = rules_eval(rs, v, NULL);
    msgview_free(v);
    return out;
}

/* A long text is scanned for every literal and rule prefix in one pass
 * (rules_eval.c, from 16 KB on), a short one in up to three: a notice
 * inside 40 KB of ordinary prose must come out as it does alone, every
 * rule that fires on it (the anchored ones, tried where their prefix
 * occurs, among them) firing again. */
static void long_text_same_verdict(void **state)
{
    (void)state;
    GError *err = NULL;
    ruleset *rs = rules_load_dir("conf/rules.d", &err);
    if (!rs)
        fail_msg("%s", err->message);
    char *raw;
    gsize len;
    assert_true(g_file_get_contents("tests/fixtures/mail/copytrack-first-notice.eml", &raw, &len, NULL));
    const char *body = strstr(raw, "\n\n");
    assert_non_null(body);
    GString *filler = g_string_new(NULL);
    while (filler->len < 20000)
        g_string_append(filler, "The minutes of Tuesday's meeting are below; the budget review moves\n"
                                "to Thursday and the figures for the third quarter follow.\n");
    GString *padded = g_string_new_len(raw, body + 2 - raw);
    g_string_append(padded, filler->str);
    g_string_append(padded, body + 2);
    g_string_append(padded, filler->str);
    verdict *alone = scan_text(rs, raw, len), *inside = scan_text(rs, padded->str, padded->len);
    assert_int_equal(alone->verdict, CT_VERDICT_CLAIM);
    assert_int_equal(inside->verdict, alone->verdict);
    assert_string_equal(inside->agency, alone->agency);
    assert_int_equal(inside->kind, alone->kind);
    assert_string_equal(inside->case_id, alone->case_id);
    assert_string_equal(inside->amount, alone->amount);
    assert_true(alone->rules->len > 3);
    assert_int_equal(inside->rules->len, alone->rules->len);
    for (guint i = 0; i < alone->rules->len; i++)
        if (!has_rule(inside, g_ptr_array_index(alone->rules, i)))
            fail_msg("%s fired on the notice alone, not inside a long text",
                     (const char *)g_ptr_array_index(alone->rules, i));
    verdict_free(alone);
    verdict_free(inside);
    g_string_free(padded, TRUE);
    g_string_free(filler, TRUE);
    g_free(raw);
    rules_unref(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(loads_and_counts),
        cmocka_unit_test(first_notice_with_fields),
        cmocka_unit_test(kind_precedence),
        cmocka_unit_test(below_threshold_and_negative_scores),
        cmocka_unit_test(relative_deadline_uses_date),
        cmocka_unit_test(impersonation),
        cmocka_unit_test(header_and_url_targets),
        cmocka_unit_test(match_limit_counts),
        cmocka_unit_test(lazy_extraction),
        cmocka_unit_test(bound_stops_early),
        cmocka_unit_test(closure_covers_duplicates),
        cmocka_unit_test(jit_on_first_use),
        cmocka_unit_test(pooled_rules_wait_for_an_agency),
        cmocka_unit_test(load_errors),
        cmocka_unit_test(load_reports_every_error),
        cmocka_unit_test(load_dir_in_name_order),
        cmocka_unit_test(shipped_rules_load),
        cmocka_unit_test(long_text_same_verdict),
        cmocka_unit_test(branches_run_alone),
        cmocka_unit_test(anchored_branches_keep_the_leftmost),
        cmocka_unit_test(many_prefixes_keep_the_leftmost),
    };
    return cmocka_run_group_tests(tests, testutil_dir_setup, testutil_dir_teardown);
}
