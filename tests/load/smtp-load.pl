#!/usr/bin/perl
# smtp-load.pl — a bounded SMTP load generator and the checks that go with
# it, for tests/load/ and tests/faults/.  Not a test by itself.
#
#   smtp-load.pl send --port P --sessions S --first N0 --count N
#                     [--per-conn K] [--pool M] [--out PREFIX] TEMPLATE=WEIGHT...
#       S child processes each open SMTP connections to 127.0.0.1:P and send
#       their share of the messages N0 .. N0+N-1 (message n goes to session
#       n % S), K messages per connection (default 50) before reconnecting.
#       Message n is made from one template, chosen by weight from a hash of
#       n; in it "@N@" becomes n and "@CASE@" the 7-digit case id 6000000+n.
#       It has 1-5 envelope recipients userI@example.org (I from 0 to M-1,
#       default 200; the first recipient of every third message is spelt
#       in capitals), distinct; the envelope sender is the template's
#       From: address.  Child s writes one line per message to
#       PREFIX.s (default "sent"):  "ok N TEMPLATE RCPT,RCPT QUEUEID"  or
#       "fail N TEMPLATE RCPT,RCPT REASON".  Every SMTP command has a 30 s
#       timeout; after a failed transaction the connection is reopened; a
#       child gives up after 20 failed connection attempts.
#
#   smtp-load.pl sink [--untagged-ok] [--tagged-out FILE] MANIFEST SINKDIR CLAIM_TEMPLATE...
#       Compare the messages that smtp-sink dumped into SINKDIR with the
#       "ok" lines of MANIFEST (the concatenated PREFIX.* files); print
#       "key value" lines: sent, delivered, unknown, duplicated, missing,
#       rcpt_mismatch, claims, claims_tagged (exactly one X-Copytroll-Status
#       "claim;" header), ordinary_tagged (any X-Copytroll-* header),
#       foreign_headers (X-Copytroll-* fields other than Status, Advice and
#       Duplicate, or more than one of a kind), and "bad N why" lines for the
#       first few problems.
#       With --untagged-ok the claims_tagged count is reported but claims
#       without a header are not listed as problems (fault tests: mail that
#       passed while the milter was down); --tagged-out writes the numbers
#       of the claims that were tagged to FILE, one a line.
#
#   smtp-load.pl db [--only FILE] MANIFEST CLAIM_TEMPLATE... < "message_id|recipient" lines
#       Compare the archive (sqlite3 output of messages.message_id and
#       messages.recipient) with the claims of MANIFEST: expected, archived,
#       missing, duplicated, unexpected; "bad" lines as above.  With --only,
#       only the claims whose numbers FILE lists are expected; rows of the
#       manifest's other claims are counted as other_claims (each at most
#       once per recipient, else duplicated).
use strict;
use warnings;
use Getopt::Long;
use POSIX qw(_exit);

my $mode = shift @ARGV // '';
if ($mode eq 'send') { do_send(); }
elsif ($mode eq 'sink') { do_sink(); }
elsif ($mode eq 'db') { do_db(); }
else { die "usage: smtp-load.pl send|sink|db ...\n"; }
exit 0;

sub h {  # a cheap deterministic hash of (n, salt)
  my ($n, $salt) = @_;
  return ((($n + 1) * 2654435761 + $salt * 40503) % 4294967296) >> 5;
}

sub recipients {
  my ($n, $pool) = @_;
  my $count = 1 + h($n, 2) % 5;
  my $base = h($n, 3) % $pool;
  my @r;
  for my $k (0 .. $count - 1) {
    my $i = ($base + $k * 37) % $pool;   # distinct: 37k mod M differs for k < 5 when M >= 200
    push @r, $k == 0 && $n % 3 == 0 ? "User$i\@Example.ORG" : "user$i\@example.org";
  }
  return @r;
}

sub do_send {
  my ($port, $sessions, $first, $count, $per_conn, $pool, $out) =
     (0, 8, 0, 0, 50, 200, 'sent');
  GetOptions('port=i' => \$port, 'sessions=i' => \$sessions, 'first=i' => \$first,
             'count=i' => \$count, 'per-conn=i' => \$per_conn, 'pool=i' => \$pool,
             'out=s' => \$out) or die "bad options\n";
  die "need --port and templates\n" unless $port && @ARGV;
  $pool = 200 if $pool < 200;
  my (@slots, %text, %sender);
  for my $spec (@ARGV) {
    my ($file, $weight) = $spec =~ /^(.*)=(\d+)$/ or die "TEMPLATE=WEIGHT expected: $spec\n";
    open(my $fh, '<:raw', $file) or die "$file: $!\n";
    my $name = $file;
    $name =~ s{.*/}{};
    $text{$name} = do { local $/; <$fh> };
    # The envelope sender is the template's From: address, as for real mail.
    my ($from) = $text{$name} =~ /^From:[^\n]*?<([^>\s]+)>/mi;
    ($from) = $text{$name} =~ /^From:\s*(\S+\@\S+)/mi unless $from;
    $sender{$name} = $from // 'sender@example.net';
    push @slots, ($name) x $weight;
  }
  require Net::SMTP;
  my @kids;
  for my $s (0 .. $sessions - 1) {
    my $pid = fork() // die "fork: $!\n";
    if ($pid == 0) {
      my $rc = eval { send_share($s, $sessions, $first, $count, $per_conn, $pool, $port,
                                 "$out.$s", \@slots, \%text, \%sender); 1 } ? 0 : 1;
      print STDERR "session $s: $@" if $rc;
      _exit($rc);
    }
    push @kids, $pid;
  }
  my $failed = 0;
  for (@kids) { waitpid($_, 0); $failed++ if $? != 0; }
  exit($failed ? 1 : 0);
}

sub send_share {
  my ($s, $sessions, $first, $count, $per_conn, $pool, $port, $file, $slots, $text, $sender) = @_;
  open(my $log, '>>', $file) or die "$file: $!\n";
  $log->autoflush(1);
  my ($smtp, $in_conn, $conn_failures) = (undef, 0, 0);
  for (my $n = $first + (($s - $first) % $sessions + $sessions) % $sessions;
       $n < $first + $count; $n += $sessions) {
    my $tpl = $slots->[h($n, 1) % @$slots];
    my @rcpt = recipients($n, $pool);
    my $rlist = join(',', @rcpt);
    my $msg = $text->{$tpl};
    my $case = 6000000 + $n;
    $msg =~ s/\@CASE\@/$case/g;
    $msg =~ s/\@N\@/$n/g;
    if (!$smtp) {
      $smtp = Net::SMTP->new('127.0.0.1', Port => $port, Timeout => 30,
                             Hello => "load$s.example.net");
      if (!$smtp) {
        die "cannot connect to 127.0.0.1:$port (20 times)\n" if ++$conn_failures > 20;
        print $log "fail $n $tpl $rlist cannot connect\n";
        sleep 1;
        next;
      }
      $in_conn = 0;
    }
    my $reply = transaction($smtp, $sender->{$tpl}, $msg, @rcpt);
    if ($reply =~ /queued as (\S+)/) {
      print $log "ok $n $tpl $rlist $1\n";
    } else {
      $reply =~ s/\s+/ /g;
      print $log "fail $n $tpl $rlist $reply\n";
      eval { $smtp->reset };
      $in_conn = $per_conn;  # start afresh after a failure
    }
    if (++$in_conn >= $per_conn) {
      eval { $smtp->quit };
      $smtp = undef;
    }
  }
  eval { $smtp->quit } if $smtp;
  close $log;
}

sub transaction {
  my ($smtp, $from, $msg, @rcpt) = @_;
  my $why = sub { my $m = $smtp->message // ''; ($smtp->code // 'no-reply') . " $m" };
  $smtp->mail($from) or return "MAIL " . $why->();
  for (@rcpt) { $smtp->to($_) or return "RCPT " . $why->(); }
  $smtp->data or return "DATA " . $why->();
  $smtp->datasend($msg) or return "send " . $why->();
  $smtp->dataend or return "dataend " . $why->();
  my $m = $smtp->message // '';
  $m =~ s/\s+$//;
  return $m;
}

sub read_manifest {
  my ($file) = @_;
  my %sent;
  open(my $fh, '<', $file) or die "$file: $!\n";
  while (<$fh>) {
    my ($st, $n, $tpl, $rlist) = split;
    next unless defined $st && $st eq 'ok';
    $sent{$n} = { tpl => $tpl, rcpt => [sort map { lc } split /,/, $rlist] };
  }
  return \%sent;
}

sub claim_set { my %c = map { my $x = $_; $x =~ s{.*/}{}; ($x => 1) } @_; \%c }

sub do_sink {
  my ($untagged_ok, $tagged_out) = (0, undef);
  GetOptions('untagged-ok' => \$untagged_ok, 'tagged-out=s' => \$tagged_out)
    or die "bad options\n";
  my @tagged;
  my ($manifest, $dir, @claims) = @ARGV;
  my $sent = read_manifest($manifest);
  my $claim = claim_set(@claims);
  my %c = map { $_ => 0 } qw(delivered unknown duplicated missing rcpt_mismatch claims
                              claims_tagged ordinary_tagged foreign_headers);
  my (@bad, %seen);
  opendir(my $dh, $dir) or die "$dir: $!\n";
  for my $f (sort grep { !/^\./ } readdir $dh) {
    open(my $fh, '<:raw', "$dir/$f") or die "$dir/$f: $!\n";
    my (@rcpt, $n, %xct, $cur);
    my @fields;
    while (my $l = <$fh>) {
      $l =~ s/\r?\n$//;
      last if $l eq '';
      if ($l =~ /^[ \t]/) { $fields[-1] .= " $l" if @fields; next; }
      push @fields, $l;
    }
    close $fh;
    for my $l (@fields) {
      if ($l =~ /^X-Rcpt-Args:\s*(?:TO:)?<([^>]*)>/i) { push @rcpt, lc $1; }
      elsif ($l =~ /^Message-ID:\s*<load-(\d+)\@test\.example>/i) { $n = $1; }
      elsif ($l =~ /^(X-Copytroll-[^:]*?)\s*:\s*(.*)$/i) { push @{$xct{lc $1}}, $2; }
      elsif ($l =~ /^([^:]*copytroll[^:]*):/i) { push @{$xct{lc $1}}, 'odd'; }
    }
    if (!defined $n || !$sent->{$n}) { $c{unknown}++; push @bad, "unknown message in $f"; next; }
    if ($seen{$n}++) { $c{duplicated}++; push @bad, "message $n delivered twice ($f)"; next; }
    $c{delivered}++;
    my $want = join(',', @{$sent->{$n}{rcpt}});
    my $got = join(',', sort @rcpt);
    if ($want ne $got) { $c{rcpt_mismatch}++; push @bad, "message $n: rcpts $got, sent $want"; }
    my @names = keys %xct;
    my $foreign = grep { !/^x-copytroll-(status|advice|duplicate)$/ || @{$xct{$_}} > 1 } @names;
    if ($foreign) { $c{foreign_headers}++; push @bad, "message $n: headers " . join(' ', map { "$_ x" . @{$xct{$_}} } @names); }
    if ($claim->{$sent->{$n}{tpl}}) {
      $c{claims}++;
      my $st = $xct{'x-copytroll-status'} // [];
      if (@$st == 1 && $st->[0] =~ /^claim; agency=copytrack; /) { $c{claims_tagged}++; push @tagged, $n; }
      elsif (!$untagged_ok) { push @bad, "claim $n: X-Copytroll-Status: " . join(' | ', @$st); }
    } elsif (@names) {
      $c{ordinary_tagged}++;
      push @bad, "ordinary $n tagged: " . join(' ', @names);
    }
  }
  for my $n (sort { $a <=> $b } keys %$sent) {
    next if $seen{$n};
    $c{missing}++;
    push @bad, "message $n ($sent->{$n}{tpl}) not delivered";
  }
  if (defined $tagged_out) {
    open(my $t, '>', $tagged_out) or die "$tagged_out: $!\n";
    print $t "$_\n" for @tagged;
    close $t;
  }
  print "sent " . scalar(keys %$sent) . "\n";
  print "$_ $c{$_}\n" for sort keys %c;
  print "bad $_\n" for @bad[0 .. ($#bad < 9 ? $#bad : 9)];
}

sub do_db {
  my $only;
  GetOptions('only=s' => \$only) or die "bad options\n";
  my ($manifest, @claims) = @ARGV;
  my $sent = read_manifest($manifest);
  my $claim = claim_set(@claims);
  my %subset;
  if (defined $only) {
    open(my $t, '<', $only) or die "$only: $!\n";
    while (<$t>) { chomp; $subset{$_} = 1; }
  }
  my (%want, %other);
  for my $n (keys %$sent) {
    next unless $claim->{$sent->{$n}{tpl}};
    my $h = !defined $only || $subset{$n} ? \%want : \%other;
    $h->{"$n $_"} = 0 for @{$sent->{$n}{rcpt}};
  }
  my %c = (expected => scalar(keys %want), archived => 0, missing => 0, duplicated => 0,
           unexpected => 0, other_claims => 0);
  my @bad;
  while (<STDIN>) {
    chomp;
    my ($mid, $rcpt) = split /\|/, $_, 2;
    my ($n) = ($mid // '') =~ /load-(\d+)\@test\.example/;
    my $key = defined $n ? "$n $rcpt" : "? $_";
    if (exists $other{$key}) {
      if ($other{$key}++) { $c{duplicated}++; push @bad, "archived twice: $key"; }
      else { $c{other_claims}++; }
      next;
    }
    if (!exists $want{$key}) { $c{unexpected}++; push @bad, "unexpected row $_"; next; }
    if ($want{$key}++) { $c{duplicated}++; push @bad, "archived twice: $key"; next; }
    $c{archived}++;
  }
  for (sort keys %want) {
    next if $want{$_};
    $c{missing}++;
    push @bad, "not archived: $_";
  }
  print "$_ $c{$_}\n" for sort keys %c;
  print "bad $_\n" for @bad[0 .. ($#bad < 9 ? $#bad : 9)];
}
