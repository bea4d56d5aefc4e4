#!/bin/sh
# casefile.t — keeping the case file with the CLI: `copytroll import` of the
# COPYTRACK notices of tests/corpus/claims (twice: nothing stored twice),
# `cases` lists them, `verify` passes; a stored message edited or deleted
# with the sqlite3 tool makes `verify` exit 1 naming the record; `purge`
# (RetentionDays from the config, --dry-run first) keeps `verify` green;
# `import --spool` drains spool files and sets a bad one aside; an mbox and
# a Maildir are imported too; `export --anonymize` cleans base64 bodies and
# replaces a PDF letter it cannot clean.  No root, no network.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/program-test.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 not installed (make deps)"
CLAIMS=$CT_ROOT/tests/corpus/claims
ls "$CLAIMS"/copytrack-en-*.eml >/dev/null 2>&1 || skip_all "no COPYTRACK notices in $CLAIMS"

ct_workdir casefile

DB=$WORK/cases.db
CONF=$WORK/ct.conf
printf 'RulesDir %s\nDatabase %s\nSpoolDir %s\nRetentionDays 30\n' \
  "$CT_ROOT/conf/rules.d" "$DB" "$WORK/spool" >"$CONF"
RCPT=site@example.org
ct() { "$CT_CLI" -c "$CONF" "$@"; }

# ------------------------------------------------------------ import
set -- "$CLAIMS"/copytrack-en-*.eml
N=$#
run ct import --recipient "$RCPT" "$@"
is "$RC" 0 "import of $N COPYTRACK notices exits 0" || diag "$ERR"
like "$OUT" "^messages read: $N, claims: $N, suspects: 0, not claims: 0, stored: $N, already known: 0, errors: 0\$" \
  "import summary: every notice read and stored"
run ct import --recipient "$RCPT" "$@"
like "$OUT" "stored: 0, already known: $N, errors: 0\$" "a second import stores nothing twice"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM messages')" "$N" "the database holds each message once"

run ct cases
is "$RC" 0 "cases exits 0"
like "$OUT" "^$RCPT +copytrack +1834562 " "cases lists case 1834562"
CASES=$(ct cases --json | wc -l)
ok "cases --json: several cases ($CASES)" test "$CASES" -ge 5

# ------------------------------------------------------------ verify
run ct verify
is "$RC" 0 "verify exits 0 on the imported database" || diag "$ERR"
like "$OUT" "^$N messages, chain intact; head [0-9a-f]{64}\$" "verify: one-line summary"

cp "$DB" "$WORK/edited.db"
ID=$(sqlite3 "$WORK/edited.db" "SELECT m.id FROM messages m JOIN cases c ON c.id = m.case_ref
  WHERE c.case_id = '1834562' ORDER BY m.id LIMIT 1")
sqlite3 "$WORK/edited.db" "UPDATE messages SET raw = CAST(replace(CAST(raw AS TEXT), '739.59',
  '79.59') AS BLOB) WHERE id = $ID"
run "$CT_CLI" -c "$CONF" verify --db "$WORK/edited.db"
is "$RC" 1 "verify exits 1 after one stored message was edited"
like "$ERR" "message $ID \\(case copytrack 1834562, recipient $RCPT\\): raw bytes hash to" \
  "verify names the edited record (id, case, recipient, what)"

cp "$DB" "$WORK/deleted.db"
sqlite3 "$WORK/deleted.db" "DELETE FROM messages WHERE id = 3"
run "$CT_CLI" -c "$CONF" -d "$WORK/deleted.db" verify
is "$RC" 1 "verify exits 1 after a message row was deleted"
like "$ERR" "message 4 .*message 3 is missing" "verify names the gap"

run "$CT_CLI" -c "$CONF" verify --db "$WORK/none.db"
is "$RC" 1 "verify of a missing database exits 1"
unlike "$(ls "$WORK")" "none.db" "verify does not create the database"

# ------------------------------------------------------------ purge
run ct purge --dry-run
is "$RC" 0 "purge --dry-run exits 0"
like "$OUT" "^would purge $N messages received before [0-9T:Z-]+, would remove $CASES empty cases\$" \
  "purge --dry-run: RetentionDays 30 takes every 2022-2024 notice"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM messages')" "$N" "--dry-run changed nothing"
run ct purge
is "$RC" 0 "purge exits 0" || diag "$ERR"
like "$OUT" "^purged $N messages received before .*, removed $CASES empty cases\$" "purge summary"
is "$(sqlite3 "$DB" 'SELECT count(*) FROM messages')" 0 "no message left"
like "$(ct cases)" "^no cases\$" "no case left"
run ct verify
is "$RC" 0 "verify still exits 0 after the purge" || diag "$ERR"
like "$OUT" "^0 messages, chain intact \\(and $N purged, chain links kept\\)" "verify counts the tombstones"
sqlite3 "$DB" "DELETE FROM purged WHERE id = 2"
run ct verify
is "$RC" 1 "a deleted tombstone breaks the chain too"

run ct purge --days 0
like "$OUT" "nothing purged" "purge --days 0 keeps everything"
run ct purge --days soon
is "$RC" 2 "purge --days soon is a usage error"

# ------------------------------------------------------------ spool
rm -f "$DB" "$DB-wal" "$DB-shm"
mkdir -p "$WORK/spool"
{
  printf 'Recipient: %s\nRecipient: other@example.net\nQueue-Id: 4Qxyz1\n' "$RCPT"
  printf 'Env-Sender: bounce@copytrack.com\nReceived: 1714000000\n\n'
  cat "$CLAIMS/copytrack-en-first-03.eml"
} >"$WORK/spool/1714000000-1-0.msg"
printf 'this is not a spool file\n' >"$WORK/spool/1714000000-1-1.msg"
run ct import --spool
is "$RC" 1 "import --spool exits 1 when a file had to be set aside"
like "$OUT" "^spool $WORK/spool: files: 2, drained: 1, recorded: 2, already known: 0, set aside: 1\$" \
  "import --spool summary"
like "$ERR" "1714000000-1-1.msg: unreadable spool file.*moved to $WORK/spool/bad/" \
  "the bad file is named and moved aside"
is "$(ls "$WORK/spool" | grep -c '\.msg$')" 0 "the spool is empty"
is "$(ls "$WORK/spool/bad")" "1714000000-1-1.msg" "bad/ holds the bad file"
is "$(sqlite3 "$DB" "SELECT count(*) FROM messages WHERE queue_id = '4Qxyz1' AND received = 1714000000")" 2 \
  "the spooled claim is stored for both recipients with its queue id and time"
run ct import --spool
is "$RC" 0 "a second import --spool exits 0 (nothing left)"
like "$OUT" "files: 0, drained: 0" "a second import --spool finds nothing"
run ct verify
is "$RC" 0 "verify passes after the drain"

# ------------------------------------------------------------ mbox, Maildir
MBOX=$WORK/notices.mbox
for f in copytrack-en-first-01.eml copytrack-en-reminder-01.eml copytrack-de-first-01.eml; do
  printf 'From claims@copytrack.com Mon Jan 15 10:00:00 2024\n'
  sed 's/^From />From /' "$CLAIMS/$f"
  printf '\n'
done >"$MBOX"
run ct import --recipient owner@example.com "$MBOX"
like "$OUT" "^messages read: 3, claims: 3, .*stored: 3, already known: 0, errors: 0\$" "mbox: 3 messages stored"
run ct import --recipient owner@example.com "$MBOX"
like "$OUT" "stored: 0, already known: 3, errors: 0\$" "mbox: a second import stores nothing"
want=$(sha256sum <"$CLAIMS/copytrack-en-first-01.eml" | cut -c1-64)
got=$(sqlite3 "$DB" "SELECT sha256 FROM messages WHERE recipient = 'owner@example.com' ORDER BY id LIMIT 1")
if grep -q '^From ' "$CLAIMS/copytrack-en-first-01.eml"; then
  skip "mbox: the first message is stored byte for byte" "it has a From_ line the mbox quotes"
else
  is "$got" "$want" "mbox: the first message is stored byte for byte"
fi

mkdir -p "$WORK/Maildir/cur" "$WORK/Maildir/new" "$WORK/Maildir/tmp"
cp "$CLAIMS/copytrack-en-reminder-02.eml" "$WORK/Maildir/cur/1700000000.M1.host:2,S"
cp "$CLAIMS/copytrack-en-escalation-01.eml" "$WORK/Maildir/new/1700000100.M2.host"
run ct import --recipient owner@example.com "$WORK/Maildir"
like "$OUT" "^messages read: 2, claims: 2, .*stored: 2, .*errors: 0\$" "Maildir: 2 messages stored"
run ct import --recipient owner@example.com "$WORK/nowhere"
is "$RC" 1 "import of a missing path exits 1"
like "$ERR" "nowhere: No such file or directory" "and says why"
run ct import "$MBOX"
is "$RC" 2 "import without --recipient is a usage error"
run ct verify
is "$RC" 0 "verify passes at the end"

# ------------------------------------------------------------ anonymize encoded mail
# A base64 notice and a notice with a PDF letter: --anonymize must clean
# what a mail reader shows, not only the bytes as stored.
ct import --recipient kanzlei@franz-recht.example "$CLAIMS/copytrack-de-first-03.eml" >/dev/null 2>&1
ct import --recipient info@ridgeline-outfitters.example "$CLAIMS/higbee-pdf-first-01.eml" >/dev/null 2>&1
run ct export --format mbox --recipient kanzlei@franz-recht.example --anonymize
is "$RC" 0 "anonymized mbox of a base64 notice exits 0"
unlike "$OUT" 'franz-recht|kanzlei@' "anonymized mbox: the recipient's domain is gone from the base64 body too"
like "$OUT" 'Fundstelle: https://anonymized\.invalid/ueber-die-kanzlei' \
  "anonymized mbox: the body is decoded, cleaned and readable"
like "$OUT" 'Fall-ID: 4471903' "anonymized mbox keeps the case id"
run ct export --format mbox --recipient info@ridgeline-outfitters.example --anonymize
like "$OUT" 'Removed by copytroll export --anonymize, as it cannot be anonymized: application/pdf part "Letter_24-205517\.pdf", [0-9]+ bytes, SHA-256 [0-9a-f]{64}' \
  "anonymized mbox: the PDF letter is replaced by a note with its hash"
unlike "$OUT" 'JVBERi0|ridgeline' "anonymized mbox: no PDF bytes, no recipient domain"
run ct export --format mbox --recipient info@ridgeline-outfitters.example
like "$OUT" 'JVBERi0' "the plain mbox keeps the PDF (byte for byte)"
# Greetings name the recipient where no header does: "Hello Ms Okafor"
# (to n.okafor@...) goes by itself, "Dear VISOR-NEWS" with --anonymize-name.
ct import --recipient n.okafor@okafor-design.example "$CLAIMS/copytrack-en-closed-03.eml" >/dev/null 2>&1
ct import --recipient editor@visor-news.example "$CLAIMS/copytrack-en-first-05.eml" >/dev/null 2>&1
for fmt in mbox json; do
  run ct export --format $fmt --recipient n.okafor@okafor-design.example --anonymize
  unlike "$OUT" '[Oo]kafor|OKAFOR' "anonymized $fmt: the name from the dotted address is gone"
done
like "$OUT" 'copytrack' "anonymized json still names the agency"
run ct export --format mbox --recipient editor@visor-news.example --anonymize
like "$OUT" 'Dear VISOR-NEWS,' "without --anonymize-name the greeting keeps a name no header gives"
run ct export --format mbox --recipient editor@visor-news.example --anonymize-name VISOR-NEWS
is "$RC" 0 "export --anonymize-name exits 0 (and implies --anonymize)"
unlike "$OUT" '[Vv]isor|VISOR|editor@' "--anonymize-name: the name is gone as well as the address"
like "$OUT" 'Dear Recipient,' "--anonymize-name: the greeting reads Dear Recipient"

like "$("$CT_CLI" help 2>&1)" "import.*--spool" "the usage lists import --spool"
done_testing
