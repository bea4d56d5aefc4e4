/* Unit tests for keeping the case file: casedb_verify (good chain, edited
 * bytes, deleted rows), casedb_purge (tombstones keep the chain), the spool
 * drain (spool_write → spool_drain → cases, files gone, bad files set
 * aside), and import from mbox (byte-exact) and Maildir, twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "casedb.h"
#include "mailbox.h"
#include "mailbox_import.h"
#include "scan.h"
#include "spool.h"
#include "spool_drain.h"
#include "testutil.h"

#define T0 1714000000   /* 2024-04-24T23:06:40Z */
#define DAY 86400

/* A rule set of our own: a claim is mail from acme-rights.example naming
 * an AC- case number. */
static const char test_rules[] =
    "threshold 5\n"
    "agency acme\n"
    "  name ACME Rights\n"
    "  domains acme-rights.example\n"
    "rule ACME_SENDER sender /@acme-rights\\.example$/i\n"
    "  agency acme\n"
    "  score 3\n"
    "rule ACME_CASE text /case (?:id|number):?\\s*(?<case_id>AC-\\d{5})/i\n"
    "  agency acme\n"
    "  score 2\n";

typedef struct fx {
    char *dir, *path;
    casedb *db;
    ruleset *rs;
    msgview_limits lim;
} fx;

static int fx_setup(void **state)
{
    fx *f = g_new0(fx, 1);
    f->dir = g_dir_make_tmp("casestore-XXXXXX", NULL);
    if (!f->dir)
        return -1;
    f->path = g_build_filename(f->dir, "cases.db", NULL);
    char *rules = testutil_write(f->dir, "test.rules", test_rules);
    GError *err = NULL;
    f->rs = rules_load_file(rules, &err);
    g_free(rules);
    if (f->rs)
        f->db = casedb_open(f->path, 0, 1000, &err);
    if (!f->db) {
        fprintf(stderr, "# %s\n", err->message);
        g_error_free(err);
        return -1;
    }
    msgview_limits_default(&f->lim);
    *state = f;
    return 0;
}

static int fx_teardown(void **state)
{
    fx *f = *state;
    casedb_close(f->db);
    rules_unref(f->rs);
    testutil_rmtree(f->dir);
    g_free(f->path);
    g_free(f->dir);
    g_free(f);
    return 0;
}

/* A notice from ACME, as raw bytes. */
static char *notice_raw(const char *case_id, int n, const char *date)
{
    return g_strdup_printf("From: ACME Rights <claims@acme-rights.example>\r\n"
                           "To: Pat Example <pat@example.org>\r\n"
                           "Subject: Copyright notice %d\r\n"
                           "Date: %s\r\n"
                           "Message-ID: <n%d.%s@acme-rights.example>\r\n"
                           "\r\n"
                           "Case number: %s\r\n"
                           "We found your use of an image (notice %d).\r\n",
                           n, date, n, case_id, case_id, n);
}

/* Scan raw with the test rules and record it for rcpt, received at t. */
static void store(fx *f, const char *rcpt, const char *raw, time_t t)
{
    msgview *view = NULL;
    verdict *v = scan_message(f->rs, raw, strlen(raw), &f->lim, NULL, &view);
    assert_int_equal(v->verdict, CT_VERDICT_CLAIM);
    casedb_msg m = {.v = v, .view = view, .raw = raw, .raw_len = strlen(raw), .received = t};
    casedb_result res;
    GError *err = NULL;
    bool ok = casedb_record(f->db, rcpt, &m, &res, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    casedb_result_clear(&res);
    verdict_free(v);
    msgview_free(view);
}

static void store_n(fx *f, int n, time_t t)
{
    for (int i = 1; i <= n; i++) {
        char *case_id = g_strdup_printf("AC-%05d", 10000 + (i + 1) / 2);
        char *raw = notice_raw(case_id, i, "Wed, 24 Apr 2024 10:00:00 +0000");
        store(f, "pat@example.org", raw, t + i);
        g_free(raw);
        g_free(case_id);
    }
}

static void sql(const char *path, const char *stmt)
{
    sqlite3 *s = NULL;
    assert_int_equal(sqlite3_open(path, &s), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(s, stmt, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fprintf(stderr, "# %s: %s\n", stmt, msg);
    sqlite3_free(msg);
    sqlite3_close(s);
    assert_int_equal(rc, SQLITE_OK);
}

static int64_t sql_int(const char *path, const char *stmt)
{
    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s, stmt, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(s);
    return v;
}

/* Verify on a fresh read-only handle, as `copytroll verify` does. */
static void verify(fx *f, casedb_verify_result *res)
{
    GError *err = NULL;
    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 1000, &err);
    assert_non_null(ro);
    bool ok = casedb_verify(ro, res, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    casedb_close(ro);
}

/* ------------------------------------------------------------ verify */

static void test_verify_good(void **state)
{
    fx *f = *state;
    casedb_verify_result res;
    verify(f, &res);   /* empty database */
    assert_true(res.ok);
    assert_int_equal(res.messages, 0);
    assert_string_equal(res.head, CASEDB_CHAIN_GENESIS);
    casedb_verify_result_clear(&res);

    store_n(f, 4, T0);
    verify(f, &res);
    assert_true(res.ok);
    assert_int_equal(res.messages, 4);
    assert_int_equal(res.purged, 0);
    assert_null(res.problem);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages WHERE id = 4 AND chain = "
                                      "(SELECT chain FROM chain_head)"), 1);
    casedb_verify_result_clear(&res);
}

static void test_verify_raw_edited(void **state)
{
    fx *f = *state;
    store_n(f, 4, T0);
    sql(f->path, "UPDATE messages SET raw = CAST(replace(CAST(raw AS TEXT), 'notice 2',"
                 " 'notice 9') AS BLOB) WHERE id = 2");
    casedb_verify_result res;
    verify(f, &res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 2);
    assert_non_null(strstr(res.problem, "message 2 "));
    assert_non_null(strstr(res.problem, "acme AC-10001"));
    assert_non_null(strstr(res.problem, "pat@example.org"));
    assert_non_null(strstr(res.problem, "raw bytes"));
    assert_int_equal(res.messages, 1);   /* the one good link before it */
    casedb_verify_result_clear(&res);
}

static void test_verify_hash_and_chain_edited(void **state)
{
    fx *f = *state;
    store_n(f, 3, T0);
    /* Bytes and their sha256 rewritten together: the chain link breaks. */
    sql(f->path, "UPDATE messages SET raw = CAST('forged' AS BLOB), sha256 ="
                 " 'ccdd35168ab474fa5764a526cfb83621351e23682c5075b2e18d56bddf96aa30'"
                 " WHERE id = 3");
    casedb_verify_result res;
    verify(f, &res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 3);
    assert_non_null(strstr(res.problem, "chain is not SHA-256(prev_chain || sha256)"));
    casedb_verify_result_clear(&res);
}

static void test_verify_row_deleted(void **state)
{
    fx *f = *state;
    store_n(f, 4, T0);
    sql(f->path, "DELETE FROM messages WHERE id = 2");
    casedb_verify_result res;
    verify(f, &res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 3);
    assert_non_null(strstr(res.problem, "message 2 is missing"));
    casedb_verify_result_clear(&res);
}

static void test_verify_last_deleted(void **state)
{
    fx *f = *state;
    store_n(f, 3, T0);
    sql(f->path, "DELETE FROM messages WHERE id = 3");
    casedb_verify_result res;
    verify(f, &res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 3);
    assert_non_null(strstr(res.problem, "chain head"));
    casedb_verify_result_clear(&res);
}

/* ------------------------------------------------------------ purge */

static void test_purge_keeps_chain(void **state)
{
    fx *f = *state;
    time_t now = time(NULL);
    store_n(f, 4, T0);                      /* two old cases, AC-10001 and AC-10002 */
    char *fresh = notice_raw("AC-10002", 5, "Thu, 25 Apr 2024 10:00:00 +0000");
    store(f, "pat@example.org", fresh, now);   /* keeps AC-10002 alive */
    g_free(fresh);

    casedb_purge_result pr;
    GError *err = NULL;
    assert_true(casedb_purge(f->db, now - 30 * DAY, true, &pr, &err));   /* dry run */
    assert_int_equal(pr.messages, 4);
    assert_int_equal(pr.cases, 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 5);

    assert_true(casedb_purge(f->db, now - 30 * DAY, false, &pr, &err));
    assert_int_equal(pr.messages, 4);
    assert_int_equal(pr.cases, 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM purged"), 4);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM cases"), 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM urls u LEFT JOIN messages m"
                                      " ON m.id = u.message_ref WHERE m.id IS NULL"), 0);

    casedb_verify_result res;
    verify(f, &res);
    assert_true(res.ok);
    assert_int_equal(res.messages, 1);
    assert_int_equal(res.purged, 4);
    casedb_verify_result_clear(&res);

    /* Purge the newest message too: the next one must chain on from its
     * tombstone and take a new id. */
    assert_true(casedb_purge(f->db, now + DAY, false, &pr, &err));
    assert_int_equal(pr.messages, 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM cases"), 0);
    char *later = notice_raw("AC-20000", 6, "Fri, 26 Apr 2024 10:00:00 +0000");
    store(f, "pat@example.org", later, now);
    g_free(later);
    assert_int_equal(sql_int(f->path, "SELECT id FROM messages"), 6);
    verify(f, &res);
    assert_true(res.ok);
    assert_int_equal(res.messages, 1);
    assert_int_equal(res.purged, 5);
    casedb_verify_result_clear(&res);

    /* A tombstone deleted by hand is still a break in the chain. */
    sql(f->path, "DELETE FROM purged WHERE id = 3");
    verify(f, &res);
    assert_false(res.ok);
    assert_int_equal(res.bad_id, 4);
    casedb_verify_result_clear(&res);
}

static void test_purge_read_only_refused(void **state)
{
    fx *f = *state;
    store_n(f, 2, T0);
    GError *err = NULL;
    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 1000, &err);
    assert_non_null(ro);
    casedb_purge_result pr;
    assert_false(casedb_purge(ro, time(NULL), false, &pr, &err));
    assert_int_equal(err->code, CASEDB_ERROR_READONLY);
    g_clear_error(&err);
    assert_true(casedb_purge(ro, time(NULL), true, &pr, &err));   /* dry run is fine */
    assert_int_equal(pr.messages, 2);
    casedb_close(ro);
}

/* ------------------------------------------------------------ spool drain */

static void spool_put(const char *dir, const char *raw, const char *qid, time_t t,
                      const char *rcpt1, const char *rcpt2)
{
    spool_entry e = {.recipients = g_ptr_array_new(), .queue_id = (char *)qid,
                     .env_sender = "bounce@acme-rights.example", .received = t,
                     .raw = g_bytes_new(raw, strlen(raw))};
    g_ptr_array_add(e.recipients, (char *)rcpt1);
    if (rcpt2)
        g_ptr_array_add(e.recipients, (char *)rcpt2);
    GError *err = NULL;
    assert_true(spool_write(dir, &e, &err));
    g_ptr_array_unref(e.recipients);
    g_bytes_unref(e.raw);
}

static unsigned count_files(const char *dir, const char *suffix)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    unsigned n = 0;
    const char *name;
    while (d && (name = g_dir_read_name(d)))
        if (g_str_has_suffix(name, suffix))
            n++;
    if (d)
        g_dir_close(d);
    return n;
}

static void note_count(const char *msg, void *data)
{
    (void)msg;
    (*(unsigned *)data)++;
}

static void test_spool_drain(void **state)
{
    fx *f = *state;
    char *spool = g_build_filename(f->dir, "spool", NULL);
    char *bad = g_build_filename(spool, "bad", NULL);
    g_mkdir(spool, 0700);
    char *a = notice_raw("AC-30001", 1, "Wed, 24 Apr 2024 10:00:00 +0000");
    char *b = notice_raw("AC-30002", 2, "Wed, 24 Apr 2024 11:00:00 +0000");
    spool_put(spool, a, "4QaaA1", T0, "pat@example.org", "sam@example.net");
    spool_put(spool, b, "4QbbB2", T0 + 60, "pat@example.org", NULL);
    spool_put(spool, "From: friend@example.com\r\nSubject: hi\r\n\r\nhello\r\n", "4QccC3", T0,
              "pat@example.org", NULL);                        /* no longer a claim */
    g_free(testutil_write(spool, "9-9-9.msg", "no header block at all"));   /* garbage */
    assert_int_equal(count_files(spool, ".msg"), 4);

    spool_drain_stats st;
    unsigned notes = 0;
    GError *err = NULL;
    bool ok = spool_drain(spool, f->db, f->rs, &f->lim, NULL, note_count, &notes, &st, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    assert_int_equal(st.files, 4);
    assert_int_equal(st.drained, 2);
    assert_int_equal(st.recorded, 3);
    assert_int_equal(st.set_aside, 2);
    assert_int_equal(notes, 2);
    assert_int_equal(count_files(spool, ".msg"), 0);
    assert_int_equal(count_files(bad, ".msg"), 2);

    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 3);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM cases WHERE case_id = 'AC-30001'"), 2);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages WHERE queue_id = '4QbbB2'"
                                      " AND recipient = 'pat@example.org' AND received = "
                                      G_STRINGIFY(T0) " + 60"), 1);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages WHERE"
                                      " env_sender = 'bounce@acme-rights.example'"), 3);

    /* Once more: nothing left, nothing twice; bad/ is not walked. */
    assert_true(spool_drain(spool, f->db, f->rs, &f->lim, NULL, note_count, &notes, &st, &err));
    assert_int_equal(st.files, 0);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 3);

    /* A database that refuses writes: the file stays for the next pass. */
    spool_put(spool, b, "4QbbB2", T0 + 60, "kim@example.com", NULL);
    casedb *ro = casedb_open(f->path, CASEDB_READONLY, 1000, &err);
    assert_non_null(ro);
    assert_false(spool_drain(spool, ro, f->rs, &f->lim, NULL, NULL, NULL, &st, &err));
    assert_non_null(err);
    g_clear_error(&err);
    casedb_close(ro);
    assert_int_equal(count_files(spool, ".msg"), 1);
    assert_true(spool_drain(spool, f->db, f->rs, &f->lim, NULL, NULL, NULL, &st, &err));
    assert_int_equal(st.drained, 1);
    assert_int_equal(count_files(spool, ".msg"), 0);

    /* A missing spool directory is an empty spool. */
    testutil_rmtree(spool);
    assert_true(spool_drain(spool, f->db, f->rs, &f->lim, NULL, NULL, NULL, &st, &err));
    assert_int_equal(st.files, 0);

    casedb_verify_result res;
    verify(f, &res);
    assert_true(res.ok);
    assert_int_equal(res.messages, 4);
    casedb_verify_result_clear(&res);
    g_free(a);
    g_free(b);
    g_free(bad);
    g_free(spool);
}

/* ------------------------------------------------------------ import */

static mailbox_import_stats import(fx *f, const char *path)
{
    GPtrArray *rcpts = g_ptr_array_new();
    g_ptr_array_add(rcpts, "pat@example.org");
    mailbox_import imp = {.db = f->db, .rs = f->rs, .lim = &f->lim, .recipients = rcpts};
    GError *err = NULL;
    bool ok = mailbox_import_path(&imp, path, &err);
    if (!ok)
        fprintf(stderr, "# %s\n", err->message);
    assert_true(ok);
    g_ptr_array_unref(rcpts);
    return imp.stats;
}

/* sha256 of the raw bytes stored for Message-ID id. */
static char *stored_sha(const char *path, const char *msgid)
{
    sqlite3 *s = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open_v2(path, &s, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(s, "SELECT raw FROM messages WHERE message_id = ?1",
                                        -1, &st, NULL), SQLITE_OK);
    sqlite3_bind_text(st, 1, msgid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *hex = g_compute_checksum_for_data(G_CHECKSUM_SHA256, sqlite3_column_blob(st, 0),
                                            (gsize)sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(s);
    return hex;
}

static void assert_stored_exactly(const char *path, const char *msgid, const char *raw)
{
    char *want = g_compute_checksum_for_string(G_CHECKSUM_SHA256, raw, -1);
    char *got = stored_sha(path, msgid);
    assert_string_equal(got, want);
    g_free(want);
    g_free(got);
}

static void test_import_mbox(void **state)
{
    fx *f = *state;
    char *m1 = notice_raw("AC-40001", 1, "Mon, 01 Apr 2024 09:00:00 +0000");
    /* A body line the mbox writer quoted stays quoted; a message ending in
     * an empty line keeps it. */
    char *n2 = notice_raw("AC-40001", 2, "Mon, 08 Apr 2024 09:00:00 +0000");
    char *m2 = g_strdup_printf("%s>From our records: you used the image.\r\n\r\n", n2);
    g_free(n2);
    char *m3 = notice_raw("AC-40002", 3, "not a date");
    char *mbox = g_strdup_printf("From claims@acme-rights.example Mon Apr  1 09:00:00 2024\n%s\n"
                                 "From claims@acme-rights.example Mon Apr  8 09:00:00 2024\n%s\n"
                                 "From claims@acme-rights.example Mon Apr 15 09:00:00 2024\n%s\n",
                                 m1, m2, m3);
    char *path = testutil_write(f->dir, "notices.mbox", mbox);

    mailbox_import_stats st = import(f, path);
    assert_int_equal(st.read, 3);
    assert_int_equal(st.claims, 3);
    assert_int_equal(st.stored, 3);
    assert_int_equal(st.errors, 0);
    assert_stored_exactly(f->path, "n1.AC-40001@acme-rights.example", m1);
    assert_stored_exactly(f->path, "n2.AC-40001@acme-rights.example", m2);
    assert_stored_exactly(f->path, "n3.AC-40002@acme-rights.example", m3);
    /* received: the Date header (2024-04-01T09:00:00Z), else the mtime. */
    assert_int_equal(sql_int(f->path, "SELECT received FROM messages WHERE message_id ="
                                      " 'n1.AC-40001@acme-rights.example'"), 1711962000);
    assert_true(sql_int(f->path, "SELECT received FROM messages WHERE message_id ="
                                 " 'n3.AC-40002@acme-rights.example'") > T0);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM cases"), 2);

    st = import(f, path);   /* idempotent */
    assert_int_equal(st.read, 3);
    assert_int_equal(st.stored, 0);
    assert_int_equal(st.already, 3);
    assert_int_equal(sql_int(f->path, "SELECT count(*) FROM messages"), 3);

    g_free(m1);
    g_free(m2);
    g_free(m3);
    g_free(mbox);
    g_free(path);
}

static void test_import_maildir(void **state)
{
    fx *f = *state;
    char *md = g_build_filename(f->dir, "Maildir", NULL);
    char *cur = g_build_filename(md, "cur", NULL), *new = g_build_filename(md, "new", NULL);
    char *tmp = g_build_filename(md, "tmp", NULL);
    g_mkdir_with_parents(cur, 0700);
    g_mkdir_with_parents(new, 0700);
    g_mkdir_with_parents(tmp, 0700);
    char *m1 = notice_raw("AC-50001", 1, "Mon, 01 Apr 2024 09:00:00 +0000");
    char *m2 = notice_raw("AC-50001", 2, "Mon, 08 Apr 2024 09:00:00 +0000");
    g_free(testutil_write(cur, "1711962000.M1P1.host:2,S", m1));
    g_free(testutil_write(new, "1712566800.M2P2.host", m2));
    g_free(testutil_write(new, ".hidden", m2));
    g_free(testutil_write(tmp, "1712566900.M3P3.host", "half a message"));
    g_free(testutil_write(cur, "1712000000.M4P4.host:2,S",
                          "From: friend@example.com\r\nSubject: lunch\r\n\r\nsoon?\r\n"));

    mailbox_import_stats st = import(f, md);
    assert_int_equal(st.read, 3);
    assert_int_equal(st.claims, 2);
    assert_int_equal(st.others, 1);
    assert_int_equal(st.stored, 2);
    assert_stored_exactly(f->path, "n2.AC-50001@acme-rights.example", m2);
    assert_int_equal(sql_int(f->path, "SELECT messages FROM (SELECT count(*) AS messages"
                                      " FROM messages GROUP BY case_ref)"), 2);

    st = import(f, md);
    assert_int_equal(st.already, 2);
    assert_int_equal(st.stored, 0);

    /* The same message as a single file is the same bytes: known already. */
    char *single = testutil_write(f->dir, "one.eml", m1);
    st = import(f, single);
    assert_int_equal(st.read, 1);
    assert_int_equal(st.already, 1);

    GError *err = NULL;
    mailbox_kind kind;
    assert_false(mailbox_detect(f->dir, &kind, &err));   /* not a Maildir */
    assert_non_null(strstr(err->message, "not a Maildir"));
    g_clear_error(&err);

    g_free(single);
    g_free(m1);
    g_free(m2);
    g_free(md);
    g_free(cur);
    g_free(new);
    g_free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_verify_good, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_raw_edited, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_hash_and_chain_edited, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_row_deleted, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_verify_last_deleted, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_purge_keeps_chain, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_purge_read_only_refused, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_spool_drain, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_mbox, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_maildir, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests_name("casestore", tests, NULL, NULL);
}
