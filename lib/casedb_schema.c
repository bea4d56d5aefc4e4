/* casedb_schema — the schema, in one place, as a list of migration steps.
 *
 * casedb_migrations[i] takes a database from user_version i to i + 1.  A
 * new version appends a step (never edits a released one) and bumps
 * CASEDB_SCHEMA_VERSION in casedb.h.  All pending steps run in one
 * BEGIN IMMEDIATE transaction, so concurrent openers (milter threads)
 * migrate once and a failed step leaves the file as it was.
 */
#include "casedb_internal.h"

static const char *const casedb_migrations[] = {
    /* 0 → 1: cases, messages (raw bytes + evidence chain), urls, duplicates. */
    "CREATE TABLE cases ("
    "  id INTEGER PRIMARY KEY,"
    "  recipient TEXT NOT NULL,"
    "  agency TEXT NOT NULL,"
    "  case_id TEXT,"
    "  client TEXT,"
    "  status TEXT NOT NULL CHECK (status IN"
    "    ('open', 'reminded', 'escalated', 'closed', 'paid')),"
    "  first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL,"
    "  amount TEXT,"
    "  currency TEXT,"
    "  deadline TEXT,"
    "  reopened INTEGER NOT NULL DEFAULT 0"
    ") STRICT;"
    "CREATE UNIQUE INDEX cases_key ON cases (recipient, agency, case_id)"
    "  WHERE case_id IS NOT NULL;"
    "CREATE INDEX cases_recipient ON cases (recipient, first_seen);"

    "CREATE TABLE messages ("
    "  id INTEGER PRIMARY KEY,"
    "  case_ref INTEGER NOT NULL REFERENCES cases (id),"
    "  recipient TEXT NOT NULL,"
    "  received INTEGER NOT NULL,"
    "  archived INTEGER NOT NULL,"
    "  queue_id TEXT,"
    "  env_sender TEXT,"
    "  from_addr TEXT,"
    "  from_name TEXT,"
    "  subject TEXT,"
    "  date TEXT,"
    "  message_id TEXT,"
    "  in_reply_to TEXT,"
    "  refs TEXT,"
    "  verdict TEXT NOT NULL CHECK (verdict IN ('claim', 'suspect')),"
    "  agency TEXT NOT NULL,"
    "  kind TEXT,"
    "  score REAL NOT NULL,"
    "  fields TEXT NOT NULL CHECK (json_valid(fields)),"
    "  rules TEXT NOT NULL CHECK (json_valid(rules)),"
    "  raw BLOB NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  prev_chain TEXT NOT NULL,"
    "  chain TEXT NOT NULL"
    ") STRICT;"
    "CREATE UNIQUE INDEX messages_once ON messages (recipient, sha256);"
    "CREATE INDEX messages_case ON messages (case_ref, received);"
    "CREATE INDEX messages_msgid ON messages (recipient, message_id)"
    "  WHERE message_id IS NOT NULL;"

    "CREATE TABLE urls ("
    "  message_ref INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('image', 'page')),"
    "  url TEXT NOT NULL,"
    "  PRIMARY KEY (message_ref, kind, url)"
    ") STRICT;"
    "CREATE INDEX urls_url ON urls (url, kind);"

    "CREATE TABLE duplicates ("
    "  case_ref INTEGER NOT NULL REFERENCES cases (id),"
    "  other_ref INTEGER NOT NULL REFERENCES cases (id),"
    "  url TEXT NOT NULL,"
    "  first_seen INTEGER NOT NULL,"
    "  PRIMARY KEY (case_ref, other_ref)"
    ") STRICT;",

    /* 1 → 2: purged messages leave a tombstone that keeps their chain link;
     * chain_head records the newest link (a deleted last message shows). */
    "CREATE TABLE purged ("
    "  id INTEGER PRIMARY KEY,"
    "  recipient TEXT NOT NULL,"
    "  agency TEXT NOT NULL,"
    "  case_id TEXT,"
    "  message_id TEXT,"
    "  received INTEGER NOT NULL,"
    "  purged_at INTEGER NOT NULL,"
    "  sha256 TEXT NOT NULL,"
    "  prev_chain TEXT NOT NULL,"
    "  chain TEXT NOT NULL"
    ") STRICT;"
    "CREATE TABLE chain_head ("
    "  one INTEGER PRIMARY KEY CHECK (one = 1),"
    "  last_id INTEGER NOT NULL,"
    "  links INTEGER NOT NULL,"
    "  chain TEXT NOT NULL"
    ") STRICT;"
    "INSERT INTO chain_head (one, last_id, links, chain) VALUES (1,"
    "  coalesce((SELECT max(id) FROM messages), 0),"
    "  (SELECT count(*) FROM messages),"
    "  coalesce((SELECT chain FROM messages ORDER BY id DESC LIMIT 1),"
    "           '" CASEDB_CHAIN_GENESIS "'));"
    "CREATE TRIGGER messages_chain_head AFTER INSERT ON messages BEGIN"
    "  UPDATE chain_head SET last_id = NEW.id, links = links + 1, chain = NEW.chain;"
    "END;",

    /* 2 → 3: a case closed (or paid) by the closure of its double claim
     * ("both cases have been closed"): which case's closure, and when. */
    ("ALTER TABLE cases ADD COLUMN closed_with INTEGER REFERENCES cases (id);"
     "ALTER TABLE cases ADD COLUMN closed_with_at INTEGER;"),
};

G_STATIC_ASSERT(G_N_ELEMENTS(casedb_migrations) == CASEDB_SCHEMA_VERSION);

static bool casedb_schema_version(casedb *db, int64_t *version, GError **err)
{
    sqlite3_stmt *st = casedb_stmt(db, "PRAGMA user_version", err);
    if (!st)
        return false;
    bool found = false;
    if (!casedb_query_int64(db, st, "cannot read the schema version", version, &found, err))
        return false;
    if (!found)
        *version = 0;
    return true;
}

static bool casedb_schema_not_newer(casedb *db, int64_t version, GError **err)
{
    if (version >= 0 && version <= CASEDB_SCHEMA_VERSION)
        return true;
    casedb_fail_code(db, err, CASEDB_ERROR_SCHEMA,
                     "schema version %" G_GINT64_FORMAT " is not one this copytroll "
                     "knows (it knows 1 to %d); a newer copytroll wrote it?",
                     version, CASEDB_SCHEMA_VERSION);
    return false;
}

static bool casedb_schema_apply(casedb *db, int64_t from, GError **err)
{
    for (int64_t v = from; v < CASEDB_SCHEMA_VERSION; v++) {
        char *what = g_strdup_printf("migration to schema version %" G_GINT64_FORMAT " failed",
                                     v + 1);
        bool ok = casedb_exec(db, casedb_migrations[v], what, err);
        g_free(what);
        if (!ok)
            return false;
    }
    /* PRAGMA takes no bound parameters; the value is our own constant. */
    char *set = g_strdup_printf("PRAGMA user_version = %d", CASEDB_SCHEMA_VERSION);
    bool ok = casedb_exec(db, set, "cannot set the schema version", err);
    g_free(set);
    return ok;
}

bool casedb_schema_migrate(casedb *db, GError **err)
{
    int64_t version = 0;
    if (!casedb_schema_version(db, &version, err) || !casedb_schema_not_newer(db, version, err))
        return false;
    if (version == CASEDB_SCHEMA_VERSION)
        return true;
    if (!casedb_begin(db, true, err))
        return false;
    /* Read again under the write lock: another connection may have won. */
    if (!casedb_schema_version(db, &version, err) || !casedb_schema_not_newer(db, version, err) ||
        !casedb_schema_apply(db, version, err)) {
        casedb_rollback(db);
        return false;
    }
    return casedb_commit(db, err);
}

bool casedb_schema_check(casedb *db, GError **err)
{
    int64_t version = 0;
    if (!casedb_schema_version(db, &version, err) || !casedb_schema_not_newer(db, version, err))
        return false;
    if (version == 0) {
        casedb_fail_code(db, err, CASEDB_ERROR_SCHEMA, "not a copytroll case database "
                         "(schema version 0)");
        return false;
    }
    if (version < CASEDB_SCHEMA_VERSION) {
        casedb_fail_code(db, err, CASEDB_ERROR_SCHEMA,
                         "schema version %" G_GINT64_FORMAT " is older than %d; open it "
                         "read-write once (copytroll-milter or copytroll import) to migrate",
                         version, CASEDB_SCHEMA_VERSION);
        return false;
    }
    return true;
}
