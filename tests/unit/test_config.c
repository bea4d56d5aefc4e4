/* Config file parsing: defaults, every kind of value, and file:line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config.h"
#include "testutil.h"

/* Load text as a config; on failure return NULL and the error message. */
static ct_config *load_text(const char *text, char **errmsg)
{
    char *path = testutil_write(testutil_dir, "t.conf", text);
    GError *err = NULL;
    ct_config *c = config_load(path, &err);
    if (!c && errmsg)
        *errmsg = g_strdup(err->message);
    g_clear_error(&err);
    g_free(path);
    return c;
}

static void defaults(void **state)
{
    (void)state;
    ct_config *c = config_defaults();
    assert_string_equal(c->socket, "unix:/run/copytroll/milter.sock");
    assert_int_equal(c->on_error, CT_ONERROR_ACCEPT);
    assert_true(c->add_advice);
    assert_false(c->tag_all);
    assert_false(c->database_sync);
    assert_null(c->tag_subject);
    assert_int_equal(c->stale_days, 60);
    assert_int_equal(c->max_scan_bytes, 4u << 20);
    /* Like OpenDMARC: trust the Authentication-Results of this host's name. */
    assert_int_equal(c->trusted_authserv_ids->len, 1);
    assert_string_equal(g_ptr_array_index(c->trusted_authserv_ids, 0), g_get_host_name());
    config_free(c);
}

static void every_value_kind(void **state)
{
    (void)state;
    ct_config *c = load_text("# comment\n\n"
                             "Socket inet:8891@127.0.0.1\n"
                             "socketmode 0600\n"            /* keys are case-insensitive */
                             "Database /var/tmp/x.db\n"
                             "DatabaseSync yes\n"
                             "OnError tempfail\n"
                             "TagAll yes\n"
                             "AddAdvice off\n"
                             "TagSubject [COPYRIGHT CLAIM]\n"
                             "MaxScanBytes 2M\n"
                             "StaleDays 30\n"
                             "   Syslog   no   \n", NULL);
    assert_non_null(c);
    assert_string_equal(c->socket, "inet:8891@127.0.0.1");
    assert_int_equal(c->socket_mode, 0600);
    assert_string_equal(c->database, "/var/tmp/x.db");
    assert_true(c->database_sync);
    assert_int_equal(c->on_error, CT_ONERROR_TEMPFAIL);
    assert_true(c->tag_all);
    assert_false(c->add_advice);
    assert_string_equal(c->tag_subject, "[COPYRIGHT CLAIM]");
    assert_int_equal(c->max_scan_bytes, 2u << 20);
    assert_int_equal(c->stale_days, 30);
    assert_false(c->syslog);
    config_free(c);
}

static void shipped_example_is_valid(void **state)
{
    (void)state;
    GError *err = NULL;
    ct_config *c = config_load("conf/copytroll-milter.conf", &err);
    if (!c)
        fail_msg("%s", err->message);
    assert_string_equal(c->rules_dir, "conf/rules.d");
    config_free(c);
}

/* A relative RulesDir is found beside the config file; other paths must be
 * absolute. */
static void relative_rules_dir_beside_config(void **state)
{
    (void)state;
    ct_config *c = load_text("RulesDir my-rules\n", NULL);
    assert_non_null(c);
    char *want = g_build_filename(testutil_dir, "my-rules", NULL);
    assert_string_equal(c->rules_dir, want);
    g_free(want);
    config_free(c);
    c = load_text("RulesDir /srv/rules\n", NULL);
    assert_non_null(c);
    assert_string_equal(c->rules_dir, "/srv/rules");
    config_free(c);
}

/* Each bad line must be refused naming the file, the line and the reason. */
/* A config text that must be refused, and what the message must say. */
typedef struct bad_config {
    const char *text;
    const char *expect;
} bad_config;

static void expect_errors(const bad_config *cases, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        char *msg = NULL;
        ct_config *c = load_text(cases[i].text, &msg);
        assert_null(c);
        assert_non_null(msg);
        if (!strstr(msg, cases[i].expect))
            fail_msg("case %u: got '%s', want '%s'", i, msg, cases[i].expect);
        g_free(msg);
    }
}

static void errors_name_file_and_line(void **state)
{
    (void)state;
    static const bad_config cases[] = {
        {"Socket unix:/x\nSokcet unix:/y\n", "t.conf:2: Sokcet: unknown option"},
        {"OnError maybe\n", "t.conf:1: OnError: expected accept or tempfail"},
        {"\n\nTagAll perhaps\n", "t.conf:3: TagAll: expected yes or no"},
        {"DatabaseSync always\n", "t.conf:1: DatabaseSync: expected yes or no"},
        {"Socket tcp:25\n", "t.conf:1: Socket: expected unix:/path"},
        {"Socket inet:99999@127.0.0.1\n", "t.conf:1: Socket: expected"},
        {"MaxScanBytes 0\n", "t.conf:1: MaxScanBytes: expected a size"},
        {"MaxScanBytes 12Q\n", "t.conf:1: MaxScanBytes: expected a size"},
        {"StaleDays -1\n", "t.conf:1: StaleDays: expected a whole number"},
        {"SocketMode 999\n", "t.conf:1: SocketMode: expected an octal mode"},
        {"Database relative.db\n", "t.conf:1: Database: expected an absolute path"},
        {"Database\n", "t.conf:1: Database: missing value"},
        {"TagAll yes\nTagAll no\n", "t.conf:2: TagAll: option given twice"},
        {"SyslogFacility kern\n", "t.conf:1: SyslogFacility: expected a syslog facility"},
    };
    expect_errors(cases, G_N_ELEMENTS(cases));
}

static void assert_ids(const GPtrArray *ids, const char *const *want)
{
    unsigned n = 0;
    while (want[n])
        n++;
    assert_int_equal(ids->len, n);
    for (unsigned i = 0; i < n; i++)
        assert_string_equal(g_ptr_array_index(ids, i), want[i]);
}

/* TrustedAuthservIDs: commas and/or spaces, HOSTNAME, none; the CLI's
 * --authserv-id goes through the same parser. */
static void trusted_authserv_ids(void **state)
{
    (void)state;
    ct_config *c = load_text("TrustedAuthservIDs mx.example.org, mx2.example.org  hostname,,\tMX3.Example.ORG\n",
                             NULL);
    assert_non_null(c);
    const char *want[] = {"mx.example.org", "mx2.example.org", g_get_host_name(), "MX3.Example.ORG", NULL};
    assert_ids(c->trusted_authserv_ids, want);
    /* A copy owns its own list. */
    ct_config *d = config_dup(c);
    config_free(c);
    assert_ids(d->trusted_authserv_ids, want);
    char *text = config_authserv_ids_text(d->trusted_authserv_ids);
    assert_true(g_str_has_prefix(text, "mx.example.org,mx2.example.org,"));
    g_free(text);
    config_free(d);

    c = load_text("TrustedAuthservIDs None\n", NULL);
    assert_non_null(c);
    assert_int_equal(c->trusted_authserv_ids->len, 0);
    text = config_authserv_ids_text(c->trusted_authserv_ids);
    assert_string_equal(text, "none");
    g_free(text);
    config_free(c);

    GPtrArray *ids = NULL;
    assert_null(config_parse_authserv_ids("mx.example.org", &ids));
    const char *one[] = {"mx.example.org", NULL};
    assert_ids(ids, one);
    g_ptr_array_unref(ids);
    ids = NULL;
    assert_non_null(config_parse_authserv_ids("mx.example.org;", &ids));
    assert_non_null(config_parse_authserv_ids(" , ", &ids));
    assert_null(ids);   /* untouched on error */
}

static void trusted_authserv_id_errors(void **state)
{
    (void)state;
    GString *many = g_string_new("TrustedAuthservIDs");
    for (unsigned i = 0; i <= CONFIG_MAX_AUTHSERV_IDS; i++)
        g_string_append_printf(many, " mx%u.example.org", i);
    g_string_append_c(many, '\n');
    char *long_id = g_strnfill(256, 'a');
    char *too_long = g_strdup_printf("TrustedAuthservIDs %s\n", long_id);
    const bad_config cases[] = {
        {"\nTrustedAuthservIDs mx.example.org; dkim=pass\n",
         "t.conf:2: TrustedAuthservIDs: an authserv-id is a host or domain name"},
        {"TrustedAuthservIDs \"mx.example.org\"\n", "t.conf:1: TrustedAuthservIDs: an authserv-id is"},
        {"TrustedAuthservIDs none, mx.example.org\n",
         "t.conf:1: TrustedAuthservIDs: none trusts no authserv-id and cannot be listed with others"},
        {"TrustedAuthservIDs ,\n", "t.conf:1: TrustedAuthservIDs: expected authserv-ids"},
        {"TrustedAuthservIDs\n", "t.conf:1: TrustedAuthservIDs: missing value"},
        {"TrustedAuthservIDs a\ntrustedauthservids b\n", "t.conf:2: trustedauthservids: option given twice"},
        {many->str, "t.conf:1: TrustedAuthservIDs: too many authserv-ids (at most 32)"},
        {too_long, "t.conf:1: TrustedAuthservIDs: an authserv-id is at most 255 characters"},
    };
    expect_errors(cases, G_N_ELEMENTS(cases));
    g_string_free(many, TRUE);
    g_free(long_id);
    g_free(too_long);
}

static void missing_file(void **state)
{
    (void)state;
    GError *err = NULL;
    assert_null(config_load("/nonexistent/copytroll.conf", &err));
    assert_non_null(strstr(err->message, "/nonexistent/copytroll.conf"));
    g_error_free(err);
}

static void binary_file_refused(void **state)
{
    (void)state;
    char *path = g_build_filename(testutil_dir, "bin.conf", NULL);
    g_file_set_contents(path, "Socket\0unix:/x\n", 15, NULL);
    GError *err = NULL;
    assert_null(config_load(path, &err));
    assert_non_null(strstr(err->message, "NUL"));
    g_error_free(err);
    g_free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(every_value_kind),
        cmocka_unit_test(shipped_example_is_valid),
        cmocka_unit_test(relative_rules_dir_beside_config),
        cmocka_unit_test(errors_name_file_and_line),
        cmocka_unit_test(trusted_authserv_ids),
        cmocka_unit_test(trusted_authserv_id_errors),
        cmocka_unit_test(missing_file),
        cmocka_unit_test(binary_file_refused),
    };
    return cmocka_run_group_tests(tests, testutil_dir_setup, testutil_dir_teardown);
}
