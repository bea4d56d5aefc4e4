/* Unit tests for statusfile: the scan-time histogram's percentiles, the
 * atomic write and the read-back of the status file, and where the file
 * goes (config_status_path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config.h"
#include "statusfile.h"
#include "testutil.h"

static double absdiff(double a, double b)
{
    return a > b ? a - b : b - a;
}

/* Within the histogram's resolution (12.5%) above the true value. */
static void assert_close_above(double got_ms, double true_ms)
{
    if (!(got_ms >= true_ms && got_ms <= true_ms * 1.126 + 0.001)) {
        fprintf(stderr, "# got %.4f ms, expected %.4f ms (+12.5%%)\n", got_ms, true_ms);
        fail();
    }
}

static void hist_empty_is_zero(void **state)
{
    (void)state;
    scanhist h = {0};
    assert_int_equal(scanhist_count(&h), 0);
    assert_true(scanhist_percentile(&h, 50) == 0);
    assert_true(scanhist_percentile(&h, 99) == 0);
}

static void hist_percentiles(void **state)
{
    (void)state;
    scanhist h = {0};
    /* 1..1000 ms, one each: p50 = 500 ms, p90 = 900 ms, p99 = 990 ms. */
    for (int ms = 1; ms <= 1000; ms++)
        scanhist_add(&h, (int64_t)ms * 1000);
    assert_int_equal(scanhist_count(&h), 1000);
    assert_close_above(scanhist_percentile(&h, 50), 500);
    assert_close_above(scanhist_percentile(&h, 90), 900);
    assert_close_above(scanhist_percentile(&h, 99), 990);
    assert_close_above(scanhist_percentile(&h, 100), 1000);
}

static void hist_small_and_extreme_values(void **state)
{
    (void)state;
    scanhist h = {0};
    for (int i = 0; i < 98; i++)
        scanhist_add(&h, 7);               /* 7 us: exact bucket */
    scanhist_add(&h, -5);                  /* clock oddity: counted as 0 */
    scanhist_add(&h, INT64_C(1) << 40);    /* far beyond the last bucket */
    assert_int_equal(scanhist_count(&h), 100);
    assert_true(absdiff(scanhist_percentile(&h, 50), 0.008) < 1e-9);
    assert_true(scanhist_percentile(&h, 100) > 1000.0 * 1000);   /* > 1000 s, capped */
}

static void write_read_round_trip(void **state)
{
    (void)state;
    char *dir = g_dir_make_tmp("statusfile-XXXXXX", NULL);
    char *path = g_build_filename(dir, "status", NULL);
    ct_status st = {
        .pid = 4242, .started = 1700000000, .updated = 1700000123, .messages = 12345,
        .claims = 17, .suspects = 3, .errors = 1, .spooled = 2, .match_limit_hits = 5,
        .reloads = 4, .reload_failures = 1, .scan_ms_p50 = 0.84, .scan_ms_p90 = 2.5,
        .scan_ms_p99 = 17.25,
    };
    GError *err = NULL;
    assert_true(statusfile_write(path, &st, &err));
    st.messages = 12346;   /* a second write replaces the first */
    assert_true(statusfile_write(path, &st, &err));
    ct_status back;
    assert_true(statusfile_read(path, &back, &err));
    assert_int_equal(back.pid, 4242);
    assert_int_equal(back.started, 1700000000);
    assert_int_equal(back.updated, 1700000123);
    assert_int_equal(back.messages, 12346);
    assert_int_equal(back.claims, 17);
    assert_int_equal(back.suspects, 3);
    assert_int_equal(back.errors, 1);
    assert_int_equal(back.spooled, 2);
    assert_int_equal(back.match_limit_hits, 5);
    assert_int_equal(back.reloads, 4);
    assert_int_equal(back.reload_failures, 1);
    assert_true(absdiff(back.scan_ms_p99, 17.25) < 1e-9);
    /* Only the file itself: no temporary left beside it. */
    GDir *d = g_dir_open(dir, 0, NULL);
    int n = 0;
    while (g_dir_read_name(d))
        n++;
    g_dir_close(d);
    assert_int_equal(n, 1);
    testutil_rmtree(dir);
    g_free(path);
    g_free(dir);
}

static void read_ignores_unknown_keys_and_refuses_foreign_files(void **state)
{
    (void)state;
    char *dir = g_dir_make_tmp("statusfile-XXXXXX", NULL);
    char *good = testutil_write(dir, "good", "version 1\nfuture_key 99\nmessages 7\n");
    char *foreign = testutil_write(dir, "foreign", "messages 7\n");
    char *missing = g_build_filename(dir, "missing", NULL);
    ct_status st;
    GError *err = NULL;
    assert_true(statusfile_read(good, &st, &err));
    assert_int_equal(st.messages, 7);
    assert_false(statusfile_read(foreign, &st, &err));
    assert_non_null(strstr(err->message, "not a copytroll-milter status file"));
    g_clear_error(&err);
    assert_false(statusfile_read(missing, &st, &err));
    assert_non_null(strstr(err->message, missing));
    g_clear_error(&err);
    char *bad_dir = g_build_filename(dir, "no-such-dir", "status", NULL);
    assert_false(statusfile_write(bad_dir, &st, &err));
    assert_non_null(strstr(err->message, bad_dir));
    g_clear_error(&err);
    testutil_rmtree(dir);
    g_free(good);
    g_free(foreign);
    g_free(missing);
    g_free(bad_dir);
    g_free(dir);
}

static void status_path_defaults(void **state)
{
    (void)state;
    ct_config *c = config_defaults();
    char *p = config_status_path(c);
    assert_string_equal(p, "/run/copytroll/status");
    g_free(p);
    c->pid_file = g_strdup("/var/run/x/milter.pid");
    p = config_status_path(c);
    assert_string_equal(p, "/var/run/x/copytroll-milter.status");
    g_free(p);
    c->status_file = g_strdup("/srv/status");
    p = config_status_path(c);
    assert_string_equal(p, "/srv/status");
    g_free(p);
    ct_config *d = config_dup(c);
    assert_string_equal(d->status_file, "/srv/status");
    assert_ptr_not_equal(d->status_file, c->status_file);
    assert_string_equal(d->socket, c->socket);
    assert_ptr_not_equal(d->socket, c->socket);
    config_free(c);
    config_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hist_empty_is_zero),
        cmocka_unit_test(hist_percentiles),
        cmocka_unit_test(hist_small_and_extreme_values),
        cmocka_unit_test(write_read_round_trip),
        cmocka_unit_test(read_ignores_unknown_keys_and_refuses_foreign_files),
        cmocka_unit_test(status_path_defaults),
    };
    return cmocka_run_group_tests_name("statusfile", tests, NULL, NULL);
}
