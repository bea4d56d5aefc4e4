#!/bin/sh
# casefile.t — a whole case through the real Postfix and copytroll-milter,
# then everything a recipient does with it: `copytroll cases`, `show`, and
# every export format.  The story (tests/fixtures/case/, after the seed's
# double claim): a COPYTRACK first notice for case 5103827 (also sent to a
# second mailbox of the same site), a reminder that raises the amount and
# moves the deadline, a second notice for the same image under case 5106449,
# and a "both cases have been closed" reply.  Checks: the X-Copytroll-
# Duplicate header on the second notice, the case table, the timeline as
# `show` prints it, csv parses, json parses, the mbox splits back into the
# stored messages byte for byte (their sha256 too), the ics is well formed,
# the html pages hold every case, --anonymize leaves no trace of the
# recipient, --case picks one case.  Runs in a private network namespace;
# needs root.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/postfix-test.sh"
command -v sqlite3 >/dev/null 2>&1 || skip_all "sqlite3 (the command) not installed (make deps)"
perl -MJSON::PP -MDigest::SHA -e 1 2>/dev/null || skip_all "perl JSON::PP / Digest::SHA missing"
pf_isolate "$0" "$@"

CASE=$CT_ROOT/tests/fixtures/case
JANE=jane.doe@example.org
WEBMASTER=webmaster@example.org
W=
pf_milter_start casefile
DB=$W/cases.db
pf_set "smtpd_milters = unix:$W/milter.sock" "milter_connect_timeout = 10s" \
  "milter_command_timeout = 10s" "milter_content_timeout = 20s"
pf_start || bail_out "cannot start Postfix"

ct() { "$CT_CLI" -c "$W/milter.conf" -d "$DB" "$@"; }

# ---------------------------------------------------------------- send
# One at a time, each delivered before the next, so the timeline order is
# the order of sending.
n=0
for spec in "01-first-notice.eml $JANE $WEBMASTER" "02-reminder.eml $JANE" \
            "03-second-notice.eml $JANE" "04-closed.eml $JANE"; do
  # shellcheck disable=SC2086
  set -- $spec
  file=$1
  shift
  reply=$(pf_send legal@copytrack.com "$CASE/$file" "$@" 2>&1)
  like "$reply" 'queued as [0-9A-Za-z]+$' "$file: accepted by smtpd ($reply)"
  n=$((n + 1))
  ok "$file: delivered" pf_wait_delivered "$n" 30
done

delivered() {  # delivered FILE: the copy that reached the sink
  mid=$(pf_header "$CASE/$1" Message-ID)
  f=$(pf_find_delivered "Message-ID: $mid")
  [ -n "$f" ] && pf_message "$f" >"$W/delivered.$1" && echo "$W/delivered.$1"
}
d3=$(delivered 03-second-notice.eml)
d1=$(delivered 01-first-notice.eml)
is "$(pf_header "$d3" X-Copytroll-Duplicate)" "case=5103827" \
  "the second notice (5106449) carries X-Copytroll-Duplicate: case=5103827"
like "$(pf_header "$d3" X-Copytroll-Status)" 'kind=first_notice; case=5106449' \
  "the second notice is tagged as a first notice for 5106449"
is "$(pf_header "$d1" X-Copytroll-Duplicate)" "" "the first notice has no duplicate header"

# ---------------------------------------------------------------- cases
rows=$(ct cases --json | perl -MJSON::PP -ne '
  my $o = decode_json($_);
  print join(" ", @$o{qw(recipient case_id status messages)}, join(",", @{$o->{duplicates}})), "\n"' |
  sort)
is "$rows" "$JANE 5103827 closed 3 5106449
$JANE 5106449 closed 1 5103827
$WEBMASTER 5103827 open 1 " \
  "copytroll cases: 5103827 closed after 3 messages, 5106449 closed by that closure (\"both cases\"), each the other's duplicate"

# ---------------------------------------------------------------- show
show=$(ct show 5106449 2>&1)
is "$?" 0 "copytroll show 5106449 exits 0"
note "copytroll show 5106449:" "$show"
like "$show" '^copytrack case 5106449$' "show: the case title"
like "$show" 'Same image: +DOUBLE CLAIM: the same image is claimed under case 5103827 \(closed; first notice [0-9]{4}-[0-9]{2}-[0-9]{2}\)' \
  "show: the double claim is spelled out, with where the other case stands"
like "$show" 'Amount now: +739\.59 EUR' "show: the amount"
like "$show" 'Deadline now: +2024-02-14' "show: the deadline"
like "$show" 'Status: +closed$' "show: the other case is closed too"
like "$show" '^ +closed by the agency.s mail of [0-9-]+ [0-9:]+ UTC on case 5103827, which said it covers this double claim too$' \
  "show: closed with its double claim, and why"
is "$(printf '%s\n' "$show" | sed -n 's/^ *[0-9]*\. [0-9-]* [0-9:]* UTC  //p' | tr '\n' '|')" \
  "first notice|closed (no message on this case)|" "show: the other case's closure in this case's timeline"

show=$(ct show 5103827 --recipient "$JANE" 2>&1)
is "$?" 0 "copytroll show 5103827 --recipient $JANE exits 0"
note "copytroll show 5103827 --recipient $JANE:" "$show"
is "$(printf '%s\n' "$show" | sed -n 's/^ *[0-9]*\. [0-9-]* [0-9:]* UTC  //p' | tr '\n' '|')" \
  "first notice|reminder|case closed|" "show: the timeline, oldest first"
like "$show" 'Amount stated: +789\.59 EUR \(was 739\.59 EUR\)' "show: the raised amount, with the old one"
like "$show" 'Deadline stated: +2024-02-12 \(was 2024-01-29\)' "show: the moved deadline, with the old one"
like "$show" 'Status: +closed' "show: status closed"
like "$show" 'Same image: +DOUBLE CLAIM: the same image is claimed under case 5106449 \(closed; first notice [0-9]{4}-[0-9]{2}-[0-9]{2}\)' \
  "show: the closed case points at its double claim, closed with it"

amb=$(ct show 5103827 2>&1)
is "$?" 2 "show 5103827 without --recipient is ambiguous: exit 2"
like "$amb" "names 2 cases" "show: says the key names two cases"
like "$amb" "$WEBMASTER" "show: lists the candidates"
id=$(printf '%s\n' "$amb" | awk -v r="$WEBMASTER" '$NF == r { print $1; exit }')
like "$(ct show "$id" 2>&1)" "Recipient: +$WEBMASTER" "show $id (internal id) picks one"
ct show 9999999 >/dev/null 2>&1
is "$?" 1 "show of an unknown case exits 1"

# ---------------------------------------------------------------- csv
ct export --format csv -o "$W/cases.csv"
is "$?" 0 "export csv"
csv=$(perl -e '
  local $/; my $t = <>; my (@rows, @row, $cell, $q); my $crlf = 1;
  my $i = 0; $cell = "";
  while ($i < length $t) {                    # RFC 4180, quoted cells
    my $c = substr($t, $i, 1);
    if ($q) {
      if ($c eq q(")) { if (substr($t, $i + 1, 1) eq q(")) { $cell .= q("); $i++ } else { $q = 0 } }
      else { $cell .= $c }
    } elsif ($c eq q(")) { $q = 1 }
    elsif ($c eq ",") { push @row, $cell; $cell = "" }
    elsif ($c eq "\r" && substr($t, $i + 1, 1) eq "\n") { push @row, $cell; push @rows, [@row]; @row = (); $cell = ""; $i++ }
    elsif ($c eq "\n") { $crlf = 0; push @row, $cell; push @rows, [@row]; @row = (); $cell = "" }
    else { $cell .= $c }
    $i++;
  }
  die "unterminated quote\n" if $q;
  die "last row not terminated\n" if @row || $cell ne "";
  my @head = @{shift @rows};
  my %col; @col{@head} = 0 .. $#head;
  for my $r (@rows) { die "row with " . @$r . " cells, header has " . @head . "\n" if @$r != @head }
  print "crlf=$crlf cols=" . @head . "\n";
  for my $r (sort { "@$a" cmp "@$b" } @rows) {
    print join(" ", @$r[@col{qw(recipient case_id status amount deadline duplicates)}]), "\n";
  }
' "$W/cases.csv" 2>&1)
is "$csv" "crlf=1 cols=16
$JANE 5103827 closed 789.59 2024-02-12 5106449
$JANE 5106449 closed 739.59 2024-02-14 5103827
$WEBMASTER 5103827 open 739.59 2024-01-29 " "csv parses (RFC 4180, CRLF): one row per case with its fields"

# ---------------------------------------------------------------- json
ct export --format json -o "$W/cases.json"
json=$(perl -MJSON::PP -e '
  local $/; my $list = decode_json(<>);
  for my $c (sort { $a->{recipient} . $a->{case_id} cmp $b->{recipient} . $b->{case_id} } @$list) {
    print join(" ", $c->{case_id}, $c->{status},
      map { ($_->{kind} // "null") . ":" . ($_->{amount} // "null") . ":" . ($_->{deadline} // "null") }
        @{$c->{timeline}}), "\n";
  }' "$W/cases.json" 2>&1)
is "$json" "5103827 closed first_notice:739.59:2024-01-29 reminder:789.59:2024-02-12 closed:null:null
5106449 closed first_notice:739.59:2024-02-14
5103827 open first_notice:739.59:2024-01-29" \
  "json parses: every case with its timeline and the amounts/deadlines each notice stated"

# ---------------------------------------------------------------- mbox
ct export --format mbox -o "$W/cases.mbox"
is "$?" 0 "export mbox"
# Split as an mboxrd reader does; print each message's sha256 and hex bytes.
perl -MDigest::SHA=sha256_hex -e '
  local $/; my $t = <>; my @m = split /^From [^\n]*\n/m, $t; shift @m;
  for (@m) { s/\n\z//; s/^>(>*From )/$1/mg; print sha256_hex($_), " ", unpack("H*", $_), "\n" }
' "$W/cases.mbox" | sort >"$W/split"
sqlite3 "$DB" "SELECT sha256, lower(hex(raw)) FROM messages" | tr '|' ' ' | sort >"$W/stored"
is "$(wc -l <"$W/split" | tr -d ' ')" 5 "mbox: 5 messages (4 for $JANE, 1 for $WEBMASTER)"
ok "mbox: every message is byte for byte the stored raw message, and hashes to its sha256" \
  cmp -s "$W/split" "$W/stored" || diag "$(diff "$W/split" "$W/stored" | cut -c1-150 | head)"
grep -c '^>>From the video description' "$W/cases.mbox" >"$W/quoted"
is "$(cat "$W/quoted")" 1 "mbox: a '>From ' body line is quoted once more (mboxrd)"
# What the milter stored is what was sent: the file as the client sent it,
# in the CRLF line endings the milter protocol carries (the milter sees the
# message before Postfix adds its Received: header).
sqlite3 "$DB" "SELECT lower(hex(raw)) FROM messages WHERE subject LIKE 'Reminder:%'" |
  perl -ne 'chomp; print pack("H*", $_)' >"$W/stored.eml"
perl -pe 's/\n/\r\n/' "$CASE/02-reminder.eml" >"$W/sent.eml"
ok "mbox: the stored reminder is byte for byte the file that was sent (CRLF)" \
  cmp -s "$W/sent.eml" "$W/stored.eml" ||
  diag "$(diff "$W/sent.eml" "$W/stored.eml" | head)"

# ---------------------------------------------------------------- ics
ct export --format ics -o "$W/cases.ics"
ics=$(perl -e '
  local $/; my $t = <>; my @err;
  push @err, "bare LF" if $t =~ /(?<!\r)\n/;
  push @err, "no final CRLF" unless $t =~ /\r\n\z/;
  my @l = split /\r\n/, $t;
  for (@l) { push @err, "line over 75 octets: $_" if length($_) > 75 }
  my (@stack, $events, $dtstart);
  for (@l) {
    if (/^BEGIN:(\w+)$/) { push @stack, $1; $events++ if $1 eq "VEVENT"; next }
    if (/^END:(\w+)$/) { my $b = pop @stack; push @err, "END:$1 closes $b" if ($b // "") ne $1; next }
    $dtstart++ if /^DTSTART;VALUE=DATE:\d{8}$/;
  }
  push @err, "unclosed @stack" if @stack;
  push @err, "events $events, DTSTART $dtstart" if $events != $dtstart;
  print @err ? join("; ", @err) : "ok events=$events", "\n";
' "$W/cases.ics")
is "$ics" "ok events=4" "ics: balanced BEGIN/END, CRLF, lines <= 75 octets, DTSTART in every event"
like "$(tr -d '\r' <"$W/cases.ics" | tr '\n' '|')" \
  'DTSTART;VALUE=DATE:20240214\|SUMMARY:Deadline: copytrack case 5106449\\, 739\.59 EUR\|' \
  "ics: the open case's deadline, with agency, case id and amount"

# ---------------------------------------------------------------- html
mkdir -p "$W/html"
ct export --format html -o "$W/html" 2>/dev/null
is "$?" 0 "export html into a directory: one page per recipient"
page=$W/html/$JANE.html
ok "html: $JANE.html written" test -s "$page"
ok "html: $WEBMASTER.html written" test -s "$W/html/$WEBMASTER.html"
for id in 5103827 5106449; do
  ok "html: $JANE's page has case $id" grep -q ">$id<" "$page"
done
ok "html: the double claim is pointed out" grep -q 'Double claim: copytrack case 5106449' "$page"
unlike "$(cat "$page")" '<script|<link|src=|@import|https?://[^ <]*\.(css|js)' \
  "html: self-contained (no script, no external resource)"
ct export --format html -o "$W/one.html" >/dev/null 2>&1
is "$?" 2 "html of two recipients into one file is refused (exit 2)"

# ---------------------------------------------------------------- anonymize
for fmt in csv json mbox html ics; do
  ct export --format "$fmt" --recipient "$JANE" --anonymize -o "$W/anon.$fmt"
  t=$(cat "$W/anon.$fmt")
  unlike "$t" '[Jj]ane|[Dd]oe@|JANE|example\.org' "anonymized $fmt: no name, address or domain of the recipient"
done
like "$(cat "$W/anon.json")" 'portal\.copytrack\.com' "anonymized json keeps the agency's URL"
like "$(cat "$W/anon.csv")" 'WENN Rights International Ltd.*789\.59' "anonymized csv keeps client and amount"
like "$(cat "$W/anon.mbox")" 'Dear Recipient,' "anonymized mbox: the greeting's name is gone"
like "$(cat "$W/anon.mbox")" 'https://images\.example\.net/wenn/2023/stage-screenshot-0871\.jpg' \
  "anonymized mbox keeps the claimed image URL"

# ---------------------------------------------------------------- --case
one=$(ct export --format csv --case 5106449 | tail -n +2 | wc -l | tr -d ' ')
is "$one" 1 "export --case 5106449: one row"
ct export --format csv --case 5103827 >/dev/null 2>&1
is "$?" 2 "export --case 5103827 (two recipients) is ambiguous: exit 2"
ct export --format xml >/dev/null 2>&1
is "$?" 2 "export --format xml is a usage error"

trouble=$(grep -i -E 'error|fatal|panic' "$MILTER_LOG")
is "$trouble" "" "no error in the milter log"
milter_stop
is "$MILTER_STATUS" 0 "copytroll-milter stops cleanly"
done_testing
