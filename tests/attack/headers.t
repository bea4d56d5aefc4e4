#!/bin/sh
# headers.t — attacks on the headers, through a real Postfix with
# copytroll-milter (AddAdvice yes, TagSubject on):
#   forged    an ordinary message and a claim, each carrying 50 forged
#             X-Copytroll-* fields (any letter case, folded, before, among
#             and after the other fields), and one field written with a
#             space before its colon: none survives; the claim carries only
#             the milter's own headers, the ordinary message none, and
#             nothing else in either message changes
#   injection crafted COPYTRACK notices (tests/fixtures/attack/inject-*.eml)
#             whose Subject, case id, client and amount carry CR, LF, NUL,
#             quotes, backslashes and 8-bit bytes (encoded-words, QP =0D=0A,
#             raw 8-bit): the delivered header block stays well-formed, no
#             header is injected, the added values are 7-bit tokens, and
#             `copytroll cases --json` stays valid JSON (as does
#             `copytroll export`, when this copytroll has it, with formulas
#             neutralised in CSV and markup escaped in HTML)
#   SQL       a claim whose client and envelope recipient carry SQL: stored
#             as text, no table harmed
# Runs in a private network namespace; needs root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
perl -MJSON::PP -e 1 2>/dev/null || skip_all "perl JSON::PP missing"
pf_isolate "$0" "$@"

ATTACK=$CT_ROOT/tests/fixtures/attack
LOAD=$CT_ROOT/tests/fixtures/load
TAG='[COPYRIGHT CLAIM]'
pf_milter_start attack AddAdvice yes TagSubject "$TAG"
pf_set "smtpd_milters = unix:$W/milter.sock" "milter_command_timeout = 30s" \
  "milter_content_timeout = 60s"
pf_start || bail_out "cannot start Postfix"

# forge TEMPLATE N OUT: the load template as message N, with 50 forged
# X-Copytroll-* fields spread over its header.
forge() {
  perl -e '
    my ($file, $n) = @ARGV;
    open(my $fh, "<:raw", $file) or die "$file: $!\n";
    my $m = do { local $/; <$fh> };
    $m =~ s/\@CASE\@/6000000 + $n/ge;
    $m =~ s/\@N\@/$n/g;
    my ($head, $body) = split /\n\n/, $m, 2;
    my @names = ("X-Copytroll-Status", "x-copytroll-status", "X-COPYTROLL-STATUS",
                 "X-CopyTroll-Advice", "x-Copytroll-Duplicate", "X-Copytroll-Verdict");
    my (@f);
    for my $i (1 .. 50) {
      my $name = $names[$i % @names];
      $name .= "-$i" if $name eq "X-Copytroll-Verdict";
      my $v = $i % 5 == 0
        ? "claim;\n\tagency=forged;\n case=FORGED$i; score=99"
        : "claim; agency=forged; kind=paid; case=FORGED$i; score=99";
      $v = "https://phish.example.com/guide?$i" if $name =~ /advice/i;
      $v = "case=FORGED$i" if $name =~ /duplicate/i;
      push @f, "$name: $v";
    }
    my @h = split /\n(?![ \t])/, $head;
    # 10 before the first field, 30 after the Subject, 10 at the end.
    my @out = (@f[0 .. 9]);
    for (@h) { push @out, $_; push @out, @f[10 .. 39] if /^Subject:/i; }
    push @out, @f[40 .. 49];
    print join("\n", @out), "\n\n", $body;
  ' "$1" "$2" >"$3"
}
forge "$LOAD/ordinary-plain.eml" 1 "$W/forged-ordinary.eml"
forge "$LOAD/claim-copytrack.eml" 2 "$W/forged-claim.eml"
is "$(grep -c -i '^x-copytroll-' "$W/forged-claim.eml")" 50 "50 forged fields written into each message"

# A field with white space between its name and the colon (RFC 5322
# obsolete syntax), on an ordinary message.
sed 's/@N@/3/g' "$LOAD/ordinary-plain.eml" |
  sed '1i\
X-Copytroll-Status : claim; agency=forged; case=SPACE' >"$W/forged-space.eml"

for f in forged-ordinary forged-claim forged-space; do
  from=jane@example.net
  [ "$f" = forged-claim ] && from=legal@copytrack.com
  reply=$(pf_send "$from" "$W/$f.eml" owner@example.org 2>&1)
  like "$reply" 'queued as' "$f: accepted ($reply)"
done
INJECT="inject-subject inject-qp inject-8bit inject-html"
# inject-8bit also goes to a recipient that looks like a path (the HTML
# export names its files after recipients).
# shellcheck disable=SC2089,SC2090  # the quotes are part of the address
ESC_RCPT='"../../../html-escape"@example.org'
for f in $INJECT; do
  extra=
  [ "$f" = inject-8bit ] && extra=$ESC_RCPT
  # shellcheck disable=SC2086,SC2090
  reply=$(pf_send legal@copytrack.com "$ATTACK/$f.eml" owner@example.org Webmaster@Example.ORG $extra 2>&1)
  like "$reply" 'queued as' "$f: accepted ($reply)"
done
# SQL in the client and in the envelope recipient (a quoted local part).
SQL_RCPT="\"x'); DROP TABLE cases;--\"@example.org"
reply=$(pf_send legal@copytrack.com "$ATTACK/inject-sql.eml" "$SQL_RCPT" 2>&1)
like "$reply" 'queued as' "inject-sql: accepted for $SQL_RCPT ($reply)"
ok "all 8 messages delivered" pf_wait_delivered 8 60

# delivered STRING NAME: the delivered copy (sink records removed) of the
# message containing STRING, as $W/NAME.got.
delivered() {
  d_file=$(pf_find_delivered "$1")
  [ -n "$d_file" ] || { echo "no delivered message contains $1" >&2; return 1; }
  pf_message "$d_file" >"$W/$2.got"
}
# The names of the fields of the header block, one a line, lower case,
# white space before the colon kept; a "MALFORMED:" line for a line that is
# neither a field nor a continuation, or a field with CR, NUL or 8-bit.
field_names() {
  perl -ne '
    last if /^\r?$/;
    if (/^[ \t]/) { print "MALFORMED: $_" if /[\r\0\x80-\xff]/; next }
    if (/^([!-9;-~]+[ \t]*):/) { print lc($1), "\n"; print "MALFORMED: $_" if /[\r\0]/; next }
    print "MALFORMED: $_";
  ' "$1"
}
xct_fields() { field_names "$1" | grep -i -E '^x-copytroll' ; }

# --- forged headers ---------------------------------------------------------
if delivered '<load-1@test.example>' forged-ordinary; then
  is "$(xct_fields "$W/forged-ordinary.got" | tr '\n' ' ')" "" \
    "ordinary: none of the 50 forged X-Copytroll-* fields survives"
  pf_drop_headers "$W/forged-ordinary.eml" 'x-copytroll-[a-z0-9-]*' >"$W/want"
  pf_drop_first_header "$W/forged-ordinary.got" >"$W/got"
  ok "ordinary: otherwise byte-identical (apart from Postfix's Received:)" cmp -s "$W/want" "$W/got" ||
    diag "$(diff "$W/want" "$W/got" | head -10)"
else
  tap_result 1 "ordinary with forged fields delivered"
fi
if delivered '<load-2@test.example>' forged-claim; then
  is "$(xct_fields "$W/forged-claim.got" | sort | tr '\n' ' ')" \
    "x-copytroll-advice x-copytroll-status " \
    "claim: only the milter's own X-Copytroll-Status and X-Copytroll-Advice"
  like "$(pf_header "$W/forged-claim.got" X-Copytroll-Status)" \
    '^claim; agency=copytrack; kind=first_notice; case=6000002; score=[0-9.]+$' \
    "claim: X-Copytroll-Status is the milter's verdict"
  like "$(pf_header "$W/forged-claim.got" X-Copytroll-Advice)" '^https://[^ ]*copytrack' \
    "claim: X-Copytroll-Advice is the agency's guide, not the forged link"
  unlike "$(cat "$W/forged-claim.got")" 'FORGED|phish\.example' "claim: no trace of a forged value"
  pf_drop_headers "$W/forged-claim.eml" 'x-copytroll-[a-z0-9-]*|subject' >"$W/want"
  pf_drop_first_header "$W/forged-claim.got" |
    pf_drop_headers /dev/stdin 'x-copytroll-[a-z0-9-]*|subject' >"$W/got"
  ok "claim: otherwise byte-identical (apart from Received:, Subject and our fields)" \
    cmp -s "$W/want" "$W/got" || diag "$(diff "$W/want" "$W/got" | head -10)"
else
  tap_result 1 "claim with forged fields delivered"
fi
if delivered '<load-3@test.example>' forged-space; then
  is "$(xct_fields "$W/forged-space.got" | tr '\n' ' ')" "" \
    "'X-Copytroll-Status :' (space before the colon) does not survive"
  unlike "$(cat "$W/forged-space.got")" 'SPACE' "no trace of its value"
else
  tap_result 1 "message with 'X-Copytroll-Status :' delivered"
fi

# --- injection through extracted values ----------------------------------
case_of() {
  case "$1" in
    inject-subject) echo 4832001 ;; inject-qp) echo 4832002 ;;
    inject-8bit) echo 4832003 ;; inject-html) echo 4832004 ;;
  esac
}
for f in $INJECT; do
  mid=$(pf_header "$ATTACK/$f.eml" Message-ID)
  if ! delivered "Message-ID: $mid" "$f"; then
    tap_result 1 "$f: delivered"
    continue
  fi
  names=$(field_names "$W/$f.got")
  is "$(printf '%s\n' "$names" | grep '^MALFORMED' | head -3)" "" \
    "$f: every header line is a well-formed field or continuation"
  unlike "$names" '^x-injected' "$f: no injected header field"
  is "$(printf '%s\n' "$names" | grep -c -x 'x-copytroll-status')" 1 "$f: one X-Copytroll-Status"
  is "$(printf '%s\n' "$names" | grep -c -x 'subject')" 1 "$f: one Subject"
  st=$(pf_header "$W/$f.got" X-Copytroll-Status)
  like "$st" "^claim; agency=copytrack; kind=[a-z_]+; case=$(case_of "$f"); score=[0-9.]+\$" \
    "$f: X-Copytroll-Status is a clean token list with case=$(case_of "$f")"
  # Our fields as written: printable ASCII only (no CR, NUL, 8-bit), and
  # none folded onto a second line.
  ok "$f: our fields hold printable ASCII only, each on one line" perl -ne '
    last if /^\r?$/;
    if (/^[ \t]/) { exit 1 if $ours; next }
    $ours = /^x-copytroll-/i;
    exit 1 if $ours && !/^[\x20-\x7e]+\n$/;
    END { exit 1 unless defined $ours }' "$W/$f.got"
  like "$(pf_header "$W/$f.got" Subject)" "^\\[COPYRIGHT CLAIM\\] " "$f: Subject tagged"
done
# The encoded-word Subject: decoded, it would hold CR LF X-Injected; the
# tagged Subject must not (whatever it does with the words).
unlike "$(pf_header "$W/inject-subject.got" Subject)" "$(printf '\r')|X-Injected:_subject\\?=\$" \
  "inject-subject: the tagged Subject has no CR and its encoded-words are intact or gone, not cut"
bad_log=$(grep -v -E '^(copytroll-milter: |--- )' "$MILTER_LOG" | head -3)
is "$bad_log" "" "every milter log line is one whole line (no value broke a line)"
unlike "$(cat "$MILTER_LOG")" "$(printf '[\001-\010\013-\037]')" "no control character in the milter log"

# --- the case database as JSON (and export) ------------------------------
milter_stop
"$CT_CLI" -c "$W/milter.conf" cases --status all --json >"$W/cases.json" 2>"$W/cases.err"
is "$?" 0 "copytroll cases --json exits 0" || diag "$(cat "$W/cases.err")"
json_report=$(perl -MJSON::PP -ne '
  my $o = eval { JSON::PP->new->decode($_) };
  if (!$o) { print "INVALID line $.: $@"; next }
  print "$o->{case_id} $o->{recipient}\n";
  $clients{$o->{case_id}} = $o->{client};
  END { print "CLIENT4832002 ", ($clients{4832002} // "null"), "\n" }' "$W/cases.json")
is "$(printf '%s\n' "$json_report" | grep -c '^INVALID')" 0 "every line of cases --json is valid JSON" ||
  diag "$(printf '%s\n' "$json_report" | grep '^INVALID' | head -3)"
is "$(printf '%s\n' "$json_report" | grep -c -E '^48320(01|02|03|04) (owner|webmaster)@example\.org$')" 8 \
  "cases --json: the four crafted cases, for both recipients"
scan_client=$("$CT_CLI" -c "$W/milter.conf" scan --json "$ATTACK/inject-qp.eml" |
  perl -MJSON::PP -ne 'my $o = decode_json($_); print $o->{client} // "null"')
like "$scan_client" '"' "scan --json: the client of inject-qp keeps a double quote ($scan_client)"
is "$(printf '%s\n' "$json_report" | sed -n 's/^CLIENT4832002 //p')" "$scan_client" \
  "cases --json: the quoted client survives the round trip through the database"
is "$(printf '%s\n' "$json_report" | grep -c -x -F "4832005 $(printf '%s' "$SQL_RCPT" | tr 'A-Z' 'a-z')")" 1 \
  "cases --json: the SQL-laden recipient stored as it came (lower-cased)"
if command -v sqlite3 >/dev/null 2>&1; then
  is "$(sqlite3 "$W/cases.db" "SELECT client FROM cases WHERE case_id = '4832005'")" \
    "Robert'); DROP TABLE messages;--" "the SQL-laden client stored as text"
  is "$(sqlite3 "$W/cases.db" 'SELECT count(*) FROM cases; SELECT count(*) FROM messages' | tr '\n' ' ')" \
    "11 11 " "both tables intact: 11 cases, 11 messages (nothing dropped)"
else
  skip "the SQL-laden values stored as text, tables intact" "sqlite3 not installed"
fi

if "$CT_CLI" help 2>&1 | grep -q '^ *export'; then
  "$CT_CLI" -c "$W/milter.conf" export --format csv -o "$W/export.csv" 2>"$W/export.err"
  is "$?" 0 "export --format csv exits 0" || diag "$(cat "$W/export.err")"
  # One cell a line (quoted cells may span lines; their newlines shown as \n).
  cells=$(perl -0777 -ne '
    while (/\G(?:"((?:[^"]|"")*)"|([^,\r\n]*))(,|\r?\n|\z)/g) {
      my ($q, $plain, $sep) = ($1, $2, $3);
      my $c = defined $q ? $q =~ s/""/"/gr : $plain;
      $c =~ s/\r?\n/\\n/g;
      print "$c\n";
      last if $sep eq "" || pos() >= length;
    }' "$W/export.csv")
  is "$(printf '%s\n' "$cells" | grep -c -E '^[=+@-]')" 0 \
    "CSV export: no cell starts with = + - @ (formula injection neutralised)"
  ok "CSV export: the crafted client is there, neutralised" grep -q 'HYPERLINK' "$W/export.csv"
  "$CT_CLI" -c "$W/milter.conf" export --format json -o "$W/export.json" 2>"$W/export.err"
  is "$?" 0 "export --format json exits 0" || diag "$(cat "$W/export.err")"
  ok "JSON export parses (one document or JSON Lines)" perl -MJSON::PP -0777 -ne '
    my $j = JSON::PP->new->utf8;
    exit 0 if eval { $j->decode($_); 1 };
    for my $l (split /\n/) { $j->decode($l) }' "$W/export.json"
  mkdir "$W/html"
  "$CT_CLI" -c "$W/milter.conf" export --format html -o "$W/html" 2>"$W/export.err"
  is "$?" 0 "export --format html -o DIR exits 0" || diag "$(cat "$W/export.err")"
  is "$(find "$W/html" -type f | wc -l)" 4 "HTML export: one page per recipient (4), all inside DIR"
  is "$(find "$W/html" -mindepth 2 | head -3)$(find "$PF_DIR" -name '*html-escape*' ! -path "$W/html/*" | head -3)" "" \
    "HTML export: the path-like recipient's page stays in DIR, no subdirectory"
  cat "$W"/html/* >"$W/export.html" 2>/dev/null
  unlike "$(cat "$W/export.html")" '</script><b>|<img src=x' "HTML export: the client's markup is escaped"
  like "$(cat "$W/export.html")" '&lt;/script&gt;' "HTML export: ... as &lt;/script&gt;"
else
  skip "CSV/HTML export escaping" "this copytroll has no export command"
fi
done_testing
