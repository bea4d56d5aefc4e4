/* Config file parsing: defaults, every kind of value, and file:line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config.h"
#include "testutil.h"

static char *tmpdir;

static int setup(void **state)
{
    (void)state;
    tmpdir = g_dir_make_tmp("ct-config-XXXXXX", NULL);
    return tmpdir ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    testutil_rmtree(tmpdir);
    g_free(tmpdir);
    return 0;
}

/* Load text as a config; on failure return NULL and the error message. */
static ct_config *load_text(const char *text, char **errmsg)
{
    char *path = testutil_write(tmpdir, "t.conf", text);
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
    char *want = g_build_filename(tmpdir, "my-rules", NULL);
    assert_string_equal(c->rules_dir, want);
    g_free(want);
    config_free(c);
    c = load_text("RulesDir /srv/rules\n", NULL);
    assert_non_null(c);
    assert_string_equal(c->rules_dir, "/srv/rules");
    config_free(c);
}

/* Each bad line must be refused naming the file, the line and the reason. */
static void errors_name_file_and_line(void **state)
{
    (void)state;
    static const struct { const char *text; const char *expect; } cases[] = {
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
    for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *msg = NULL;
        ct_config *c = load_text(cases[i].text, &msg);
        assert_null(c);
        assert_non_null(msg);
        if (!strstr(msg, cases[i].expect))
            fail_msg("case %u: got '%s', want '%s'", i, msg, cases[i].expect);
        g_free(msg);
    }
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
    char *path = g_build_filename(tmpdir, "bin.conf", NULL);
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
        cmocka_unit_test(missing_file),
        cmocka_unit_test(binary_file_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
