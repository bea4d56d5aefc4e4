/* Unit tests for casedb: schema and migration, linking (case id, thread,
 * URL), status moves, double claims, storage once per recipient, listing
 * filters, raw bytes, the evidence chain, and writer threads racing while
 * a read-only handle reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "casedb.h"

#define T0 1714000000   /* 2024-04-24T23:06:40Z */
#define DAY 86400

typedef struct fx {
    char *dir;
    char *path;
    casedb *db;
} fx;

static int fx_setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("casedb-XXXXXX", NULL);
    if (!f->dir)
        return -1;
    f->path = g_build_filename(f->dir, "cases.db", NULL);
    GError *err = NULL;
    f->db = casedb_open(f->path, 0, 1000, &err);
    if (!f->db) {
        fprintf(stderr, "# %s\n", err->message);
        g_error_free(err);
        return -1;
    }
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    casedb_close(f->db);
    GDir *d = g_dir_open(f->dir, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        char *p = g_build_filename(f->dir, name, NULL);
        g_unlink(p);
        g_free(p);
    }
    if (d)
        g_dir_close(d);
    g_rmdir(f->dir);
    g_free(f->path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* ------------------------------------------------------------ builders */

typedef struct notice {
    const char *agency, *case_id, *image, *page, *amount, *deadline;
    ct_kind kind;
    ct_verdict verdict;
    const char *message_id, *in_reply_to, *references;
    const char *raw;           /* NULL: made up from the other fields */
    time_t received;
    bool covers_duplicates;    /* "both cases have been closed" */
} notice;

static verdict *notice_verdict(const notice *n)
{
    verdict *v = verdict_new();
    v->verdict = n->verdict ? n->verdict : CT_VERDICT_CLAIM;
    v->score = 12.5;
    v->agency = g_strdup(n->agency ? n->agency : "copytrack");
    v->kind = n->kind;
    v->case_id = g_strdup(n->case_id);
    v->client = g_strdup("Example Pictures Ltd");
    v->amount = g_strdup(n->amount);
    v->currency = n->amount ? g_strdup("EUR") : NULL;
    v->deadline = g_strdup(n->deadline);
    v->covers_duplicates = n->covers_duplicates;
    if (n->image)
        g_ptr_array_add(v->image_urls, g_strdup(n->image));
    if (n->page)
        g_ptr_array_add(v->page_urls, g_strdup(n->page));
    g_ptr_array_add(v->rules, g_strdup("CT_SENDER"));
    return v;
}

static msgview *notice_view(const notice *n)
{
    msgview *mv = g_new0(msgview, 1);
    mv->subject = g_strdup("Copyright infringement");
    mv->from.addr = g_strdup("claims@copytrack.com");
    mv->message_id = g_strdup(n->message_id);
    mv->in_reply_to = g_strdup(n->in_reply_to);
    mv->references = g_strdup(n->references);
    return mv;
}

static void notice_view_free(msgview *mv)
{
    g_free(mv->subject);
    g_free(mv->from.addr);
    g_free(mv->message_id);
    g_free(mv->in_reply_to);
    g_free(mv->references);
    g_free(mv);
}

/* Records n for rcpt; fails the test on error. */
static void record(casedb *db, const char *rcpt, const notice *n, casedb_result *res)
{
    verdict *v = notice_verdict(n);
    msgview *mv = notice_view(n);
    char *raw = n->raw ? g_strdup(n->raw)
                       : g_strdup_printf("Message-ID: %s\r\nSubject: case %s kind %d at %ld\r\n"
                                         "\r\nimage %s\r\n", n->message_id ? n->message_id : "-",
                                         n->case_id ? n->case_id : "-", (int)n->kind,
                                         (long)n->received, n->image ? n->image : "-");
    casedb_msg m = {.v = v, .view = mv, .raw = raw, .raw_len = strlen(raw),
                    .queue_id = "4XyZ1", .env_sender = "bounce@copytrack.com",
                    .received = n->received ? n->received : T0};
    GError *err = NULL;
    bool ok = casedb_record(db, rcpt, &m, res, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    assert_null(err);
    g_free(raw);
    notice_view_free(mv);
    verdict_free(v);
}

static GPtrArray *list(casedb *db, const char *rcpt, const char *status, time_t now)
{
    casedb_filter f = {.recipient = rcpt, .status = status, .stale_days = 60, .now = now};
    GError *err = NULL;
    GPtrArray *cases = casedb_list_cases(db, &f, &err);
    if (!cases)
        fprintf(stderr, "# %s\n", err->message);
    assert_non_null(cases);
    return cases;
}

static casedb_case *case_at(GPtrArray *cases, guint i)
{
    assert_true(i < cases->len);
    return g_ptr_array_index(cases, i);
}

static int64_t sql_int(const char *path, const char *sql)
{
    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

/* ------------------------------------------------------------ schema */

static void test_open_migrates(void **state)
{
    fx *f = *state;
    assert_int_equal(sql_int(f->path, "PRAGMA user_version"), CASEDB_SCHEMA_VERSION);
    casedb_result res;
    record(f->db, "a@example.org", &(notice){.case_id = "1", .kind = CT_KIND_FIRST_NOTICE}, &res);
    casedb_result_clear(&res);
    casedb_close(f->db);

    GError *err = NULL;
    f->db = casedb_open(f->path, 0, 1000, &err);   /* reopen: no migration re-run */
    assert_non_null(f->db);
    assert_int_equal(sql_int(f->path, "PRAGMA user_version"), CASEDB_SCHEMA_VERSION);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM cases"), 1);

    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(s, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(s);

    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 1000, &err);
    assert_non_null(ro);
    GPtrArray *cases = list(ro, NULL, "all", T0);
    assert_int_equal(cases->len, 1);
    g_ptr_array_unref(cases);
    casedb_close(ro);
}

static void test_open_newer_schema_refused(void **state)
{
    fx *f = *state;
    casedb_close(f->db);
    f->db = NULL;
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(s);
    GError *err = NULL;
    assert_null(casedb_open(f->path, 0, 100, &err));
    assert_non_null(err);
    assert_int_equal(err->code, CASEDB_ERROR_SCHEMA);
    assert_non_null(strstr(err->message, f->path));
    assert_non_null(strstr(err->message, "99"));
    g_clear_error(&err);
    assert_null(casedb_open(f->path, CASEDB_READONLY, 100, &err));
    assert_int_equal(err->code, CASEDB_ERROR_SCHEMA);
    g_clear_error(&err);
}

static void test_readonly_missing_file(void **state)
{
    fx *f = *state;
    char *missing = g_build_filename(f->dir, "nope.db", NULL);
    GError *err = NULL;
    assert_null(casedb_open(missing, CASEDB_READONLY, 100, &err));
    assert_non_null(err);
    assert_int_equal(err->code, CASEDB_ERROR_OPEN);
    char *want = g_strdup_printf("no database at %s", missing);
    assert_string_equal(err->message, want);
    assert_false(g_file_test(missing, G_FILE_TEST_EXISTS));
    g_free(want);
    g_clear_error(&err);
    g_free(missing);
}

static void test_readonly_creates_no_files(void **state)
{
    fx *f = *state;
    casedb_result res;
    record(f->db, "a@example.org", &(notice){.case_id = "1", .kind = CT_KIND_FIRST_NOTICE}, &res);
    casedb_result_clear(&res);
    casedb_close(f->db);
    f->db = NULL;
    char *wal = g_strconcat(f->path, "-wal", NULL), *shm = g_strconcat(f->path, "-shm", NULL);
    assert_true(g_file_test(shm, G_FILE_TEST_EXISTS));   /* kept for readers */
    g_unlink(wal);
    g_unlink(shm);
    GError *err = NULL;
    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 100, &err);
    assert_non_null(ro);
    GPtrArray *cases = list(ro, NULL, "all", T0);
    assert_int_equal(cases->len, 1);
    g_ptr_array_unref(cases);
    casedb_close(ro);
    assert_false(g_file_test(wal, G_FILE_TEST_EXISTS));
    assert_false(g_file_test(shm, G_FILE_TEST_EXISTS));
    g_free(wal);
    g_free(shm);
}

static void test_readonly_refuses_record(void **state)
{
    fx *f = *state;
    GError *err = NULL;
    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 100, &err);
    assert_non_null(ro);
    verdict *v = notice_verdict(&(notice){.case_id = "1", .kind = CT_KIND_FIRST_NOTICE});
    casedb_msg m = {.v = v, .raw = "x", .raw_len = 1, .received = T0};
    casedb_result res;
    assert_false(casedb_record(ro, "a@example.org", &m, &res, &err));
    assert_int_equal(err->code, CASEDB_ERROR_READONLY);
    g_clear_error(&err);
    verdict_free(v);
    casedb_close(ro);
}

static void test_not_a_claim_refused(void **state)
{
    fx *f = *state;
    verdict *v = verdict_new();
    casedb_msg m = {.v = v, .raw = "x", .raw_len = 1, .received = T0};
    casedb_result res;
    GError *err = NULL;
    assert_false(casedb_record(f->db, "a@example.org", &m, &res, &err));
    assert_int_equal(err->code, CASEDB_ERROR_INVALID);
    g_clear_error(&err);
    assert_false(casedb_record(f->db, "", &m, &res, &err));
    g_clear_error(&err);
    verdict_free(v);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 0);
}

static void test_busy_fails_and_writes_nothing(void **state)
{
    fx *f = *state;
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(f->path, &s), SQLITE_OK);
    assert_int_equal(sqlite3_exec(s, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    GError *err = NULL;
    casedb *db = casedb_open(f->path, 0, 50, &err);
    assert_non_null(db);
    verdict *v = notice_verdict(&(notice){.case_id = "1", .kind = CT_KIND_FIRST_NOTICE});
    casedb_msg m = {.v = v, .raw = "x", .raw_len = 1, .received = T0};
    casedb_result res;
    assert_false(casedb_record(db, "a@example.org", &m, &res, &err));
    assert_int_equal(err->code, CASEDB_ERROR_BUSY);
    assert_non_null(strstr(err->message, f->path));
    g_clear_error(&err);
    sqlite3_exec(s, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(s);
    assert_true(casedb_record(db, "a@example.org", &m, &res, &err));   /* lock gone */
    casedb_result_clear(&res);
    verdict_free(v);
    casedb_close(db);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 1);
}

/* ------------------------------------------------------------ linking */

static void test_reminder_same_case_id(void **state)
{
    fx *f = *state;
    casedb_result r1, r2;
    record(f->db, "Owner@Example.ORG",
           &(notice){.case_id = "1234567", .kind = CT_KIND_FIRST_NOTICE, .amount = "739.59",
                     .deadline = "2024-05-07", .received = T0}, &r1);
    record(f->db, "owner@example.org",
           &(notice){.case_id = "1234567", .kind = CT_KIND_REMINDER, .amount = "800.00",
                     .received = T0 + 7 * DAY}, &r2);
    assert_true(r1.new_case);
    assert_false(r2.new_case);
    assert_int_equal(r1.case_rowid, r2.case_rowid);
    GPtrArray *cases = list(f->db, NULL, "all", T0 + 8 * DAY);
    assert_int_equal(cases->len, 1);
    casedb_case *c = case_at(cases, 0);
    assert_string_equal(c->recipient, "owner@example.org");
    assert_string_equal(c->agency, "copytrack");
    assert_string_equal(c->case_id, "1234567");
    assert_string_equal(c->client, "Example Pictures Ltd");
    assert_string_equal(c->status, "reminded");
    assert_int_equal(c->messages, 2);
    assert_string_equal(c->amount, "800.00");
    assert_string_equal(c->currency, "EUR");
    assert_string_equal(c->deadline, "2024-05-07");   /* newest non-NULL */
    assert_int_equal(c->first_seen, T0);
    assert_int_equal(c->last_seen, T0 + 7 * DAY);
    assert_int_equal(c->duplicates->len, 0);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
}

static void test_thread_linking(void **state)
{
    fx *f = *state;
    casedb_result r1, r2, r3, r4;
    record(f->db, "a@example.org",
           &(notice){.case_id = "111", .kind = CT_KIND_FIRST_NOTICE,
                     .message_id = "<n1@copytrack.com>", .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.kind = CT_KIND_REMINDER, .message_id = "<n2@copytrack.com>",
                     .references = "<other@example.org> <n1@copytrack.com>",
                     .received = T0 + DAY}, &r2);
    record(f->db, "a@example.org",
           &(notice){.kind = CT_KIND_CLOSED, .in_reply_to = " <n2@copytrack.com> ",
                     .received = T0 + 2 * DAY}, &r3);
    /* Same thread ids but another recipient: no link. */
    record(f->db, "b@example.org",
           &(notice){.kind = CT_KIND_CLOSED, .in_reply_to = "<n2@copytrack.com>",
                     .received = T0 + 2 * DAY}, &r4);
    assert_int_equal(r2.case_rowid, r1.case_rowid);
    assert_int_equal(r3.case_rowid, r1.case_rowid);
    assert_false(r3.new_case);
    assert_true(r4.new_case);
    GPtrArray *cases = list(f->db, "a@example.org", "all", T0);
    assert_int_equal(cases->len, 1);
    assert_string_equal(case_at(cases, 0)->status, "closed");
    assert_int_equal(case_at(cases, 0)->messages, 3);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
    casedb_result_clear(&r3);
    casedb_result_clear(&r4);
}

static void test_url_linking(void **state)
{
    fx *f = *state;
    const char *img = "https://example.org/wp-content/uploads/shot.png";
    casedb_result r1, r2, r3, r4;
    record(f->db, "a@example.org",
           &(notice){.kind = CT_KIND_FIRST_NOTICE, .image = img, .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.kind = CT_KIND_REMINDER, .image = img, .received = T0 + DAY}, &r2);
    /* Another agency with the same image and no case id: its own case. */
    record(f->db, "a@example.org",
           &(notice){.agency = "pixsy", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0 + DAY}, &r3);
    /* Now a case id appears: the id-less copytrack case adopts it. */
    record(f->db, "a@example.org",
           &(notice){.case_id = "555", .kind = CT_KIND_ESCALATION, .image = img,
                     .received = T0 + 2 * DAY}, &r4);
    assert_true(r1.new_case);
    assert_int_equal(r2.case_rowid, r1.case_rowid);
    assert_true(r3.new_case);
    assert_int_equal(r4.case_rowid, r1.case_rowid);
    GPtrArray *cases = list(f->db, NULL, "all", T0);
    assert_int_equal(cases->len, 2);
    casedb_case *c = case_at(cases, 0);
    assert_string_equal(c->agency, "copytrack");
    assert_string_equal(c->case_id, "555");
    assert_string_equal(c->status, "escalated");
    assert_int_equal(c->messages, 3);
    assert_null(case_at(cases, 1)->case_id);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
    casedb_result_clear(&r3);
    casedb_result_clear(&r4);
}

static void test_page_url_linking(void **state)
{
    fx *f = *state;
    const char *page = "https://example.org/blog/post";
    casedb_result r1, r2;
    record(f->db, "a@example.org",
           &(notice){.kind = CT_KIND_FIRST_NOTICE, .page = page, .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.kind = CT_KIND_REMINDER, .page = page, .received = T0 + DAY}, &r2);
    assert_int_equal(r2.case_rowid, r1.case_rowid);
    assert_false(r2.new_case);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
}

static void test_double_claim(void **state)
{
    fx *f = *state;
    const char *img = "https://example.org/uploads/screenshot.jpg";
    casedb_result r1, r2, r3;
    record(f->db, "a@example.org",
           &(notice){.case_id = "111", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.case_id = "222", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0 + DAY}, &r2);
    assert_null(r1.duplicate_of);
    assert_true(r2.new_case);
    assert_string_equal(r2.duplicate_of, "111");
    for (int round = 0; round < 2; round++) {
        /* Both cases list each other, before and after more mail. */
        GPtrArray *cases = list(f->db, "a@example.org", "all", T0);
        assert_int_equal(cases->len, 2);
        casedb_case *a = case_at(cases, 0), *b = case_at(cases, 1);
        assert_string_equal(a->case_id, "111");
        assert_int_equal(a->duplicates->len, 1);
        assert_string_equal(g_ptr_array_index(a->duplicates, 0), "222");
        assert_int_equal(b->duplicates->len, 1);
        assert_string_equal(g_ptr_array_index(b->duplicates, 0), "111");
        g_ptr_array_unref(cases);
        if (round)
            break;
        /* A reminder on the first case is a double claim too, seen from there. */
        record(f->db, "a@example.org",
               &(notice){.case_id = "111", .kind = CT_KIND_REMINDER, .image = img,
                         .received = T0 + 2 * DAY}, &r3);
        assert_string_equal(r3.duplicate_of, "222");
    }
    /* Later mail of a double-claimed case without the image still says so. */
    casedb_result r5;
    record(f->db, "a@example.org",
           &(notice){.case_id = "222", .kind = CT_KIND_ESCALATION, .received = T0 + 3 * DAY},
           &r5);
    assert_string_equal(r5.duplicate_of, "111");
    casedb_result_clear(&r5);
    /* The same image for another recipient is not a double claim. */
    casedb_result r4;
    record(f->db, "b@example.org",
           &(notice){.case_id = "333", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0}, &r4);
    assert_null(r4.duplicate_of);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
    casedb_result_clear(&r3);
    casedb_result_clear(&r4);
}

/* "Both cases have been closed": a closure whose verdict covers the double
 * claims closes them too (same agency, still open), saying with which
 * case; a plain closure closes its own case only; a later notice on the
 * other case reopens it and forgets the borrowed closure. */
static void test_closure_covers_double_claim(void **state)
{
    fx *f = *state;
    const char *img = "https://example.org/uploads/screenshot.jpg";
    casedb_result r[6];
    record(f->db, "a@example.org",
           &(notice){.case_id = "111", .kind = CT_KIND_FIRST_NOTICE, .image = img, .received = T0},
           &r[0]);
    record(f->db, "a@example.org",
           &(notice){.case_id = "222", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0 + DAY}, &r[1]);
    /* Another agency's claim on the same image is not "both cases". */
    record(f->db, "a@example.org",
           &(notice){.agency = "pixsy", .case_id = "P-9", .kind = CT_KIND_FIRST_NOTICE,
                     .image = img, .received = T0 + DAY}, &r[2]);
    /* A closure that does not say so closes its own case only. */
    record(f->db, "a@example.org",
           &(notice){.case_id = "111", .kind = CT_KIND_CLOSED, .received = T0 + 2 * DAY}, &r[3]);
    GPtrArray *cases = list(f->db, "a@example.org", "all", T0);
    assert_string_equal(case_at(cases, 0)->status, "closed");
    assert_string_equal(case_at(cases, 1)->status, "open");
    g_ptr_array_unref(cases);
    /* "I can confirm that both cases have been closed." */
    record(f->db, "a@example.org",
           &(notice){.case_id = "111", .kind = CT_KIND_CLOSED, .covers_duplicates = true,
                     .received = T0 + 3 * DAY}, &r[4]);
    cases = list(f->db, "a@example.org", "all", T0);
    assert_int_equal(cases->len, 3);
    for (guint i = 0; i < cases->len; i++) {
        casedb_case *c = case_at(cases, i);
        if (strcmp(c->case_id, "222") == 0) {
            assert_string_equal(c->status, "closed");
            assert_string_equal(c->closed_with, "111");
            assert_int_equal(c->closed_with_at, T0 + 3 * DAY);
            assert_int_equal(c->messages, 1);     /* no message of its own */
        } else if (strcmp(c->case_id, "P-9") == 0) {
            assert_string_equal(c->status, "open");
            assert_null(c->closed_with);
        } else {
            assert_string_equal(c->status, "closed");
            assert_null(c->closed_with);
        }
    }
    g_ptr_array_unref(cases);
    /* The agency writes again about 222: reopened, its own status now. */
    record(f->db, "a@example.org",
           &(notice){.case_id = "222", .kind = CT_KIND_REMINDER, .received = T0 + 4 * DAY}, &r[5]);
    assert_true(r[5].reopened);
    cases = list(f->db, "a@example.org", "all", T0);
    for (guint i = 0; i < cases->len; i++)
        if (strcmp(case_at(cases, i)->case_id, "222") == 0) {
            assert_string_equal(case_at(cases, i)->status, "reminded");
            assert_null(case_at(cases, i)->closed_with);
        }
    g_ptr_array_unref(cases);
    for (unsigned i = 0; i < G_N_ELEMENTS(r); i++)
        casedb_result_clear(&r[i]);
}

static void test_suspect_is_no_double_claim(void **state)
{
    fx *f = *state;
    const char *img = "https://example.org/uploads/logo.png";
    casedb_result r1, r2, r3;
    record(f->db, "a@example.org",
           &(notice){.case_id = "111", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.case_id = "999", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .verdict = CT_VERDICT_SUSPECT, .received = T0 + DAY}, &r2);
    assert_null(r2.duplicate_of);
    record(f->db, "a@example.org",
           &(notice){.case_id = "222", .kind = CT_KIND_FIRST_NOTICE, .image = img,
                     .received = T0 + 2 * DAY}, &r3);
    assert_string_equal(r3.duplicate_of, "111");
    GPtrArray *cases = list(f->db, "a@example.org", "all", T0);
    assert_int_equal(cases->len, 3);
    for (guint i = 0; i < cases->len; i++) {
        casedb_case *c = case_at(cases, i);
        assert_int_equal(c->duplicates->len, strcmp(c->case_id, "999") == 0 ? 0 : 1);
    }
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
    casedb_result_clear(&r3);
}

/* ------------------------------------------------------------ status */

static void test_reopen_after_closed(void **state)
{
    fx *f = *state;
    casedb_result r1, r2, r3;
    record(f->db, "a@example.org",
           &(notice){.case_id = "9", .kind = CT_KIND_FIRST_NOTICE, .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.case_id = "9", .kind = CT_KIND_CLOSED, .received = T0 + DAY}, &r2);
    assert_false(r2.reopened);
    record(f->db, "a@example.org",
           &(notice){.case_id = "9", .kind = CT_KIND_REMINDER, .received = T0 + 2 * DAY}, &r3);
    assert_true(r3.reopened);
    assert_false(r3.new_case);
    GPtrArray *cases = list(f->db, NULL, "all", T0);
    assert_int_equal(cases->len, 1);
    assert_string_equal(case_at(cases, 0)->status, "reminded");
    assert_int_equal(case_at(cases, 0)->reopened, 1);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
    casedb_result_clear(&r3);
}

static const char *status_after(casedb *db, const char *case_id, const ct_kind *kinds, int n)
{
    static char status[32];
    for (int i = 0; i < n; i++) {
        casedb_result r;
        record(db, "s@example.org",
               &(notice){.case_id = case_id, .kind = kinds[i], .received = T0 + i * DAY}, &r);
        casedb_result_clear(&r);
    }
    casedb_filter flt = {.status = "all"};
    GPtrArray *cases = casedb_list_cases(db, &flt, NULL);
    assert_non_null(cases);
    status[0] = '\0';
    for (guint i = 0; i < cases->len; i++)
        if (g_strcmp0(case_at(cases, i)->case_id, case_id) == 0)
            g_strlcpy(status, case_at(cases, i)->status, sizeof status);
    g_ptr_array_unref(cases);
    return status;
}

static void test_status_moves(void **state)
{
    fx *f = *state;
    const ct_kind esc_rem[] = {CT_KIND_FIRST_NOTICE, CT_KIND_ESCALATION, CT_KIND_REMINDER};
    assert_string_equal(status_after(f->db, "c1", esc_rem, 3), "escalated");
    const ct_kind rem_first[] = {CT_KIND_REMINDER, CT_KIND_FIRST_NOTICE};
    assert_string_equal(status_after(f->db, "c2", rem_first, 2), "reminded");
    const ct_kind paid[] = {CT_KIND_FIRST_NOTICE, CT_KIND_PAID, CT_KIND_CLOSED};
    assert_string_equal(status_after(f->db, "c3", paid, 3), "paid");
    const ct_kind other[] = {CT_KIND_ESCALATION, CT_KIND_OTHER};
    assert_string_equal(status_after(f->db, "c4", other, 2), "escalated");
    const ct_kind closed[] = {CT_KIND_CLOSED};
    assert_string_equal(status_after(f->db, "c5", closed, 1), "closed");
}

static void test_old_mail_does_not_reopen(void **state)
{
    fx *f = *state;
    casedb_result r1, r2;
    record(f->db, "a@example.org",
           &(notice){.case_id = "7", .kind = CT_KIND_CLOSED, .received = T0 + 10 * DAY}, &r1);
    record(f->db, "a@example.org",
           &(notice){.case_id = "7", .kind = CT_KIND_FIRST_NOTICE, .amount = "100.00",
                     .received = T0}, &r2);
    assert_false(r2.reopened);
    GPtrArray *cases = list(f->db, NULL, "all", T0);
    casedb_case *c = case_at(cases, 0);
    assert_string_equal(c->status, "closed");
    assert_string_equal(c->amount, "100.00");   /* fills a hole */
    assert_int_equal(c->first_seen, T0);
    assert_int_equal(c->last_seen, T0 + 10 * DAY);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);

    /* An old closure (imported late) does not close a newer reminder. */
    record(f->db, "a@example.org",
           &(notice){.case_id = "8", .kind = CT_KIND_REMINDER, .received = T0 + 10 * DAY}, &r1);
    record(f->db, "a@example.org",
           &(notice){.case_id = "8", .kind = CT_KIND_CLOSED, .received = T0}, &r2);
    cases = list(f->db, NULL, "all", T0);
    assert_string_equal(case_at(cases, 1)->case_id, "8");
    assert_string_equal(case_at(cases, 1)->status, "reminded");
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
}

static void test_suspect_does_not_move_status(void **state)
{
    fx *f = *state;
    casedb_result r1, r2;
    record(f->db, "a@example.org",
           &(notice){.case_id = "42", .kind = CT_KIND_FIRST_NOTICE, .amount = "500.00",
                     .received = T0}, &r1);
    record(f->db, "a@example.org",
           &(notice){.case_id = "42", .kind = CT_KIND_PAID, .amount = "1.00",
                     .verdict = CT_VERDICT_SUSPECT, .received = T0 + DAY}, &r2);
    assert_int_equal(r2.case_rowid, r1.case_rowid);
    GPtrArray *cases = list(f->db, NULL, "all", T0);
    casedb_case *c = case_at(cases, 0);
    assert_string_equal(c->status, "open");
    assert_string_equal(c->amount, "500.00");
    assert_int_equal(c->messages, 2);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);

    /* A suspect opening a case: open, no facts taken over. */
    record(f->db, "a@example.org",
           &(notice){.case_id = "43", .kind = CT_KIND_PAID, .amount = "9.00",
                     .verdict = CT_VERDICT_SUSPECT, .received = T0}, &r1);
    assert_true(r1.new_case);
    cases = list(f->db, NULL, "all", T0);
    c = case_at(cases, 1);
    assert_string_equal(c->case_id, "43");
    assert_string_equal(c->status, "open");
    assert_null(c->amount);
    assert_null(c->client);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
}

/* ------------------------------------------------------------ storage */

static void test_same_message_stored_once(void **state)
{
    fx *f = *state;
    notice n = {.case_id = "5", .kind = CT_KIND_FIRST_NOTICE, .raw = "Subject: same\r\n\r\nx\r\n"};
    casedb_result r1, r2, r3;
    record(f->db, "a@example.org", &n, &r1);
    record(f->db, "A@example.org", &n, &r2);
    assert_false(r1.already_stored);
    assert_true(r2.already_stored);
    assert_false(r2.new_case);
    assert_int_equal(r2.case_rowid, r1.case_rowid);
    record(f->db, "b@example.org", &n, &r3);   /* per recipient */
    assert_false(r3.already_stored);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 2);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
    casedb_result_clear(&r3);
}

static void test_two_recipients_two_cases(void **state)
{
    fx *f = *state;
    casedb_result r1, r2;
    notice n = {.case_id = "1234567", .kind = CT_KIND_FIRST_NOTICE};
    record(f->db, "a@example.org", &n, &r1);
    record(f->db, "b@example.net", &n, &r2);
    assert_true(r1.new_case);
    assert_true(r2.new_case);
    assert_true(r1.case_rowid != r2.case_rowid);
    GPtrArray *cases = list(f->db, NULL, NULL, T0);
    assert_int_equal(cases->len, 2);
    assert_string_equal(case_at(cases, 0)->recipient, "a@example.org");
    assert_string_equal(case_at(cases, 1)->recipient, "b@example.net");
    assert_int_equal(case_at(cases, 0)->messages, 1);
    g_ptr_array_unref(cases);
    casedb_result_clear(&r1);
    casedb_result_clear(&r2);
}

static void test_raw_and_sha256_round_trip(void **state)
{
    fx *f = *state;
    static const char raw[] = "Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\n\0binary\xff\xfe\r\n";
    size_t len = sizeof raw - 1;
    verdict *v = notice_verdict(&(notice){.case_id = "77", .kind = CT_KIND_FIRST_NOTICE});
    casedb_msg m = {.v = v, .raw = raw, .raw_len = len, .received = T0};
    casedb_result res;
    GError *err = NULL;
    assert_true(casedb_record(f->db, "a@example.org", &m, &res, &err));
    casedb_result_clear(&res);
    verdict_free(v);

    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT raw, sha256, json_extract(fields, "
                                        "'$.case_id'), rules FROM messages", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_bytes(st, 0), len);
    assert_memory_equal(sqlite3_column_blob(st, 0), raw, len);
    char *want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)raw, len);
    assert_string_equal((const char *)sqlite3_column_text(st, 1), want);
    assert_string_equal((const char *)sqlite3_column_text(st, 2), "77");
    assert_string_equal((const char *)sqlite3_column_text(st, 3), "[\"CT_SENDER\"]");
    g_free(want);
    sqlite3_finalize(st);
    sqlite3_close(s);
}

static void test_evidence_chain(void **state)
{
    fx *f = *state;
    for (int i = 0; i < 3; i++) {
        casedb_result r;
        record(f->db, i == 1 ? "b@example.org" : "a@example.org",
               &(notice){.case_id = "c", .kind = CT_KIND_REMINDER, .received = T0 + i}, &r);
        casedb_result_clear(&r);
    }
    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(f->path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT sha256, prev_chain, chain FROM messages "
                                        "ORDER BY id", -1, &st, NULL), SQLITE_OK);
    char *prev = g_strdup(CASEDB_CHAIN_GENESIS);
    GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *sha = (const char *)sqlite3_column_text(st, 0);
        assert_string_equal((const char *)sqlite3_column_text(st, 1), prev);
        char *text = g_strconcat(prev, sha, NULL);
        char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, text, -1);
        const char *chain = (const char *)sqlite3_column_text(st, 2);
        assert_string_equal(chain, want);
        assert_false(g_hash_table_contains(seen, chain));
        g_hash_table_add(seen, g_strdup(chain));
        g_free(prev);
        prev = g_strdup(chain);
        g_free(text);
        g_free(want);
        rows++;
    }
    assert_int_equal(rows, 3);
    g_hash_table_unref(seen);
    g_free(prev);
    sqlite3_finalize(st);
    sqlite3_close(s);
}

/* ------------------------------------------------------------ listing */

static void test_list_filters(void **state)
{
    fx *f = *state;
    casedb_result r;
    const struct { const char *rcpt, *id; ct_kind kind; time_t at; } rows[] = {
        {"a@example.org", "open1", CT_KIND_FIRST_NOTICE, T0},
        {"a@example.org", "rem-old", CT_KIND_REMINDER, T0},
        {"a@example.org", "esc-new", CT_KIND_ESCALATION, T0 + 80 * DAY},
        {"a@example.org", "done", CT_KIND_CLOSED, T0},
        {"b@example.net", "paid1", CT_KIND_PAID, T0},
        {"b@example.net", "open-old", CT_KIND_FIRST_NOTICE, T0},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(rows); i++) {
        record(f->db, rows[i].rcpt,
               &(notice){.case_id = rows[i].id, .kind = rows[i].kind, .received = rows[i].at},
               &r);
        casedb_result_clear(&r);
    }
    time_t now = T0 + 90 * DAY;   /* 90 days after T0, 10 after esc-new */
    struct { const char *rcpt, *status; const char *want; } q[] = {
        {NULL, "all", "open1 rem-old esc-new done paid1 open-old"},
        {"A@EXAMPLE.ORG", NULL, "open1 rem-old esc-new done"},
        {NULL, "open", "open1 rem-old esc-new open-old"},
        {NULL, "closed", "done paid1"},
        {NULL, "stale", "rem-old"},   /* a first notice alone is never stale */
        {"b@example.net", "open", "open-old"},
        {NULL, "paid", "paid1"},
        {"nobody@example.org", "all", ""},
    };
    for (unsigned i = 0; i < G_N_ELEMENTS(q); i++) {
        GPtrArray *cases = list(f->db, q[i].rcpt, q[i].status, now);
        GString *got = g_string_new(NULL);
        for (guint j = 0; j < cases->len; j++) {
            casedb_case *c = case_at(cases, j);
            g_string_append_printf(got, "%s%s", j ? " " : "", c->case_id);
            assert_int_equal(c->stale, strcmp(c->case_id, "rem-old") == 0);
        }
        /* first_seen order puts esc-new last among a@; compare as sets. */
        char **gw = g_strsplit(got->str, " ", -1), **ww = g_strsplit(q[i].want, " ", -1);
        assert_int_equal(g_strv_length(gw), g_strv_length(ww));
        for (char **w = ww; *w; w++)
            assert_true(g_strv_contains((const char *const *)gw, *w));
        g_strfreev(gw);
        g_strfreev(ww);
        g_string_free(got, TRUE);
        g_ptr_array_unref(cases);
    }
    casedb_filter bad = {.status = "pending"};
    GError *err = NULL;
    assert_null(casedb_list_cases(f->db, &bad, &err));
    assert_int_equal(err->code, CASEDB_ERROR_INVALID);
    g_clear_error(&err);
    casedb_filter never = {.status = "stale", .stale_days = 0, .now = now};
    GPtrArray *none = casedb_list_cases(f->db, &never, &err);
    assert_int_equal(none->len, 0);
    g_ptr_array_unref(none);
}


/* ------------------------------------------------------------ concurrency */

/* The milter's threads, one handle each, write at once while the CLI reads
 * with a read-only handle: every write lands (busy timeout, BEGIN
 * IMMEDIATE), every read succeeds and sees a consistent snapshot, the
 * chain stays whole.  Threads report through counters: cmocka asserts
 * only in the main thread. */
#define CONC_WRITERS 4
#define CONC_EACH 30

typedef struct conc {
    const char *path;
    int writer;
    gint *failures;
    gint *writers_left;
    gint reads;
    int64_t last_seen_messages;
} conc;

static gpointer conc_writer(gpointer data)
{
    conc *c = data;
    GError *err = NULL;
    casedb *db = casedb_open(c->path, 0, 20000, &err);
    for (int i = 0; db && i < CONC_EACH; i++) {
        char *case_id = g_strdup_printf("%d%03d", c->writer, i);
        /* Every writer claims image i too: double claims across threads. */
        char *image = g_strdup_printf("https://images.example.net/%d.jpg", i);
        char *raw = g_strdup_printf("Subject: %s\r\n\r\nwriter %d notice %d\r\n", case_id,
                                    c->writer, i);
        notice n = {.case_id = case_id, .image = image, .kind = CT_KIND_FIRST_NOTICE};
        verdict *v = notice_verdict(&n);
        casedb_msg m = {.v = v, .raw = raw, .raw_len = strlen(raw), .received = T0 + i};
        casedb_result r;
        if (!casedb_record(db, "site@example.org", &m, &r, &err)) {
            fprintf(stderr, "# writer %d: %s\n", c->writer, err->message);
            g_clear_error(&err);
            g_atomic_int_inc(c->failures);
        }
        casedb_result_clear(&r);
        verdict_free(v);
        g_free(raw);
        g_free(image);
        g_free(case_id);
    }
    if (!db) {
        fprintf(stderr, "# writer %d: %s\n", c->writer, err->message);
        g_clear_error(&err);
        g_atomic_int_inc(c->failures);
    }
    casedb_close(db);
    g_atomic_int_dec_and_test(c->writers_left);
    return NULL;
}

static bool conc_read_once(casedb *db, conc *c)
{
    GError *err = NULL;
    casedb_filter f = {.status = "all"};
    GPtrArray *cases = casedb_list_cases(db, &f, &err);
    casedb_verify_result vr = {0};
    bool ok = cases && casedb_verify(db, &vr, &err) && vr.ok;
    /* A snapshot never goes back in time. */
    if (ok && vr.messages < c->last_seen_messages)
        ok = false;
    if (ok)
        c->last_seen_messages = vr.messages;
    if (!ok)
        fprintf(stderr, "# reader: %s\n", err ? err->message : vr.problem ? vr.problem
                                                                          : "went back");
    g_clear_error(&err);
    casedb_verify_result_clear(&vr);
    if (cases)
        g_ptr_array_unref(cases);
    return ok;
}

static gpointer conc_reader(gpointer data)
{
    conc *c = data;
    GError *err = NULL;
    casedb *db = casedb_open(c->path, CASEDB_READONLY, 20000, &err);
    if (!db) {
        fprintf(stderr, "# reader: %s\n", err->message);
        g_clear_error(&err);
        g_atomic_int_inc(c->failures);
        return NULL;
    }
    do {
        if (!conc_read_once(db, c))
            g_atomic_int_inc(c->failures);
        c->reads++;
    } while (g_atomic_int_get(c->writers_left) > 0);
    casedb_close(db);
    return NULL;
}

static void test_concurrent_writers_and_reader(void **state)
{
    fx *f = *state;
    gint failures = 0, left = CONC_WRITERS;
    conc w[CONC_WRITERS], rd = {.path = f->path, .failures = &failures, .writers_left = &left};
    GThread *threads[CONC_WRITERS + 1];
    threads[CONC_WRITERS] = g_thread_new("reader", conc_reader, &rd);
    for (int i = 0; i < CONC_WRITERS; i++) {
        w[i] = (conc){.path = f->path, .writer = i + 1, .failures = &failures,
                      .writers_left = &left};
        threads[i] = g_thread_new("writer", conc_writer, &w[i]);
    }
    for (int i = 0; i <= CONC_WRITERS; i++)
        g_thread_join(threads[i]);
    assert_int_equal(failures, 0);
    assert_true(rd.reads >= 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), CONC_WRITERS * CONC_EACH);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM cases"), CONC_WRITERS * CONC_EACH);
    assert_int_equal(sql_int(f->path, "SELECT links FROM chain_head"), CONC_WRITERS * CONC_EACH);
    /* Image i is claimed by every writer: each case knows the 3 others. */
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM duplicates"),
                     CONC_EACH * CONC_WRITERS * (CONC_WRITERS - 1));
    casedb_verify_result vr = {0};
    GError *err = NULL;
    assert_true(casedb_verify(f->db, &vr, &err));
    assert_true(vr.ok);
    assert_int_equal(vr.messages, CONC_WRITERS * CONC_EACH);
    casedb_verify_result_clear(&vr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
        T(test_open_migrates),
        T(test_open_newer_schema_refused),
        T(test_readonly_missing_file),
        T(test_readonly_creates_no_files),
        T(test_readonly_refuses_record),
        T(test_not_a_claim_refused),
        T(test_busy_fails_and_writes_nothing),
        T(test_reminder_same_case_id),
        T(test_thread_linking),
        T(test_url_linking),
        T(test_page_url_linking),
        T(test_double_claim),
        T(test_closure_covers_double_claim),
        T(test_suspect_is_no_double_claim),
        T(test_reopen_after_closed),
        T(test_status_moves),
        T(test_old_mail_does_not_reopen),
        T(test_suspect_does_not_move_status),
        T(test_same_message_stored_once),
        T(test_two_recipients_two_cases),
        T(test_raw_and_sha256_round_trip),
        T(test_evidence_chain),
        T(test_list_filters),
        T(test_concurrent_writers_and_reader),
#undef T
    };
    return cmocka_run_group_tests_name("casedb", tests, NULL, NULL);
}
