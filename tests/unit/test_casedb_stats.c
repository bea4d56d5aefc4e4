/* Unit tests for casedb_stats: totals, cases per agency and status,
 * messages per kind (suspects apart) and per month, on an empty database
 * and on a read-only handle. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "casedb.h"
#include "testutil.h"

#define JAN_2024 1704500000   /* 2024-01-06 */
#define MAR_2024 1709900000   /* 2024-03-08 */

typedef struct fx {
    char *dir, *path;
    casedb *db;
} fx;

static int fx_setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("casedb-stats-XXXXXX", NULL);
    f->path = g_build_filename(f->dir, "cases.db", NULL);
    GError *err = NULL;
    f->db = casedb_open(f->path, 0, 1000, &err);
    if (!f->db) {
        fprintf(stderr, "# %s\n", err->message);
        return -1;
    }
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    casedb_close(f->db);
    testutil_rmtree(f->dir);
    g_free(f->path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* One message for rcpt: agency, case id, kind, verdict, time. */
static void record(casedb *db, const char *rcpt, const char *agency, const char *case_id,
                   ct_kind kind, ct_verdict vd, time_t when)
{
    verdict *v = verdict_new();
    v->verdict = vd;
    v->score = 10;
    v->agency = g_strdup(agency);
    v->kind = kind;
    v->case_id = g_strdup(case_id);
    char *raw = g_strdup_printf("Subject: %s %s %d %ld\r\n\r\nbody\r\n", agency, case_id,
                                (int)kind, (long)when);
    casedb_msg m = {.v = v, .raw = raw, .raw_len = strlen(raw), .received = when};
    casedb_result res = {0};
    GError *err = NULL;
    bool ok = casedb_record(db, rcpt, &m, &res, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    casedb_result_clear(&res);
    g_free(raw);
    verdict_free(v);
}

/* The count of key in rows, or -1 when absent. */
static int64_t count_of(GPtrArray *rows, const char *key)
{
    for (guint i = 0; i < rows->len; i++) {
        const casedb_count *c = g_ptr_array_index(rows, i);
        if (strcmp(c->key, key) == 0)
            return c->count;
    }
    return -1;
}

static void empty_database(void **state)
{
    fx *f = *state;
    casedb_stats s;
    GError *err = NULL;
    assert_true(casedb_stats_read(f->db, &s, &err));
    assert_int_equal(s.cases, 0);
    assert_int_equal(s.messages, 0);
    assert_int_equal(s.first_received, 0);
    assert_int_equal(s.by_agency->len, 0);
    assert_int_equal(s.by_month->len, 0);
    casedb_stats_clear(&s);
    assert_null(s.by_agency);
}

static void counts_by_agency_status_kind_month(void **state)
{
    fx *f = *state;
    record(f->db, "a@example.org", "copytrack", "111", CT_KIND_FIRST_NOTICE, CT_VERDICT_CLAIM, JAN_2024);
    record(f->db, "a@example.org", "copytrack", "111", CT_KIND_REMINDER, CT_VERDICT_CLAIM, JAN_2024 + 86400);
    record(f->db, "a@example.org", "copytrack", "222", CT_KIND_FIRST_NOTICE, CT_VERDICT_CLAIM, MAR_2024);
    record(f->db, "a@example.org", "copytrack", "222", CT_KIND_CLOSED, CT_VERDICT_CLAIM, MAR_2024 + 60);
    record(f->db, "b@example.net", "pixsy", "P-9", CT_KIND_FIRST_NOTICE, CT_VERDICT_CLAIM, MAR_2024);
    record(f->db, "b@example.net", "pixsy", NULL, CT_KIND_NONE, CT_VERDICT_SUSPECT, MAR_2024 + 120);

    casedb_stats s;
    GError *err = NULL;
    assert_true(casedb_stats_read(f->db, &s, &err));
    assert_int_equal(s.messages, 6);
    assert_int_equal(s.claims, 5);
    assert_int_equal(s.suspects, 1);
    assert_int_equal(s.recipients, 2);
    assert_int_equal(s.first_received, JAN_2024);
    assert_int_equal(s.last_received, MAR_2024 + 120);

    assert_int_equal(count_of(s.by_agency, "copytrack"), 2);
    assert_true(count_of(s.by_agency, "pixsy") >= 1);
    /* most first */
    assert_string_equal(((casedb_count *)g_ptr_array_index(s.by_agency, 0))->key, "copytrack");

    assert_int_equal(count_of(s.by_status, "reminded"), 1);
    assert_int_equal(count_of(s.by_status, "closed"), 1);
    assert_true(count_of(s.by_status, "open") >= 1);
    int64_t status_total = 0;
    for (guint i = 0; i < s.by_status->len; i++)
        status_total += ((casedb_count *)g_ptr_array_index(s.by_status, i))->count;
    assert_int_equal(status_total, s.cases);

    assert_int_equal(count_of(s.by_kind, "first_notice"), 3);
    assert_int_equal(count_of(s.by_kind, "reminder"), 1);
    assert_int_equal(count_of(s.by_kind, "closed"), 1);
    assert_int_equal(count_of(s.by_kind, "suspect"), 1);

    assert_int_equal(s.by_month->len, 2);
    assert_string_equal(((casedb_count *)g_ptr_array_index(s.by_month, 0))->key, "2024-01");
    assert_int_equal(count_of(s.by_month, "2024-01"), 2);
    assert_int_equal(count_of(s.by_month, "2024-03"), 4);
    casedb_stats_clear(&s);
}

static void read_only_handle(void **state)
{
    fx *f = *state;
    record(f->db, "a@example.org", "copytrack", "333", CT_KIND_FIRST_NOTICE, CT_VERDICT_CLAIM, JAN_2024);
    GError *err = NULL;
    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 1000, &err);
    assert_non_null(ro);
    casedb_stats s;
    assert_true(casedb_stats_read(ro, &s, &err));
    assert_int_equal(s.cases, 1);
    assert_int_equal(count_of(s.by_kind, "first_notice"), 1);
    casedb_stats_clear(&s);
    casedb_close(ro);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(empty_database, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(counts_by_agency_status_kind_month, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(read_only_handle, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("casedb_stats", tests, NULL, NULL);
}
