#!/usr/bin/perl
# Accuracy of the shipped rules over the labelled corpus in tests/corpus/:
# every message listed in MANIFEST.tsv is scanned with `copytroll scan
# --json`, and the verdicts and extracted fields are compared with the
# labels.  The expected URLs of every notice (image, page, portal) are in
# URLS.tsv.  Prints recall, precision and per-field exact-match rates (set
# equality for the URL lists), and fails below recall 0.98, precision 1.00,
# fields 0.95.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);
use JSON::PP;

my $root = abs_path(dirname(abs_path($0)) . '/../..');
my $build = $ENV{CT_BUILD} // "$root/";
my $cli = "${build}cli/copytroll";
my $corpus = "$root/tests/corpus";
my @fields = qw(verdict agency kind case_id amount currency deadline client);
my @url_fields = qw(image_urls page_urls portal_url);   # compared as sets of URLs
my %min = (recall => 0.98, precision => 1.00, fields => 0.95);

print("1..0 # SKIP no $cli (build first)\n"), exit 0 unless -x $cli;
binmode(STDOUT, ':encoding(UTF-8)');
open(my $mf, '<:encoding(UTF-8)', "$corpus/MANIFEST.tsv") or die "cannot read MANIFEST.tsv: $!";
my (@rows, %label);
while (<$mf>) {
    chomp;
    next if /^#/ || /^\s*$/ || /^file\t/;
    my @c = split /\t/, $_, -1;
    die "MANIFEST.tsv:$.: expected 9 columns\n" unless @c == 9;
    my %r;
    @r{('file', @fields)} = @c;
    $_ = ($_ eq '-' ? undef : $_) for values %r;
    push @rows, \%r;
    $label{"$corpus/$r{file}"} = \%r;
}
close $mf;

# URLS.tsv: file, image_urls, page_urls, portal_url; lists separated by a
# space, "-" for none.  Every notice in MANIFEST.tsv needs a row.
open(my $uf, '<:encoding(UTF-8)', "$corpus/URLS.tsv") or die "cannot read URLS.tsv: $!";
my %want_urls;
while (<$uf>) {
    chomp;
    next if /^#/ || /^\s*$/ || /^file\t/;
    my @c = split /\t/, $_, -1;
    die "URLS.tsv:$.: expected 4 columns\n" unless @c == 4;
    my $file = shift @c;
    die "URLS.tsv:$.: $file is not in MANIFEST.tsv\n" unless $label{"$corpus/$file"};
    die "URLS.tsv:$.: $file listed twice\n" if $want_urls{"$corpus/$file"};
    my %u;
    @u{@url_fields} = map { $_ eq '-' ? [] : [split / /] } @c;
    $want_urls{"$corpus/$file"} = \%u;
}
close $uf;
for my $r (@rows) {
    die "URLS.tsv: no row for notice $r->{file}\n"
        if $r->{verdict} ne 'none' && !$want_urls{"$corpus/$r->{file}"};
}

# A list of URLs as one comparable string: sorted, each once, "-" for none.
sub url_set {
    my %seen = map { $_ => 1 } @_;
    return %seen ? join(' ', sort keys %seen) : '-';
}

# One process for the whole corpus, as a user would run it.
my @files = sort keys %label;
my %got;
open(my $scan, '-|', $cli, '-c', '/dev/null', 'scan', '--json', '--rules', "$root/conf/rules.d", @files)
    or die "cannot run $cli: $!";
while (my $line = <$scan>) {
    my $j = decode_json($line);
    $got{$j->{file}} = $j;
}
close $scan;

my ($tp, $fp, $fn, $expected_pos) = (0, 0, 0, 0);
my (%field_ok, %field_n, @wrong);
for my $f (@files) {
    my $want = $label{$f};
    my $got = $got{$f} // { verdict => 'missing' };
    my $want_pos = $want->{verdict} ne 'none';
    my $got_pos = $got->{verdict} ne 'none' && $got->{verdict} ne 'missing';
    $expected_pos++ if $want_pos;
    if ($want_pos && $got_pos) { $tp++ }
    elsif ($got_pos) { $fp++; push @wrong, "false positive: $want->{file} ($got->{verdict} $got->{agency})" }
    elsif ($want_pos) { $fn++; push @wrong, "missed: $want->{file} (score $got->{score})" }
    next unless $want_pos && $got_pos;
    for my $k (@fields) {
        my $w = $want->{$k};
        my $g = $got->{$k};
        $field_n{$k}++;
        if ((!defined $w && !defined $g) || (defined $w && defined $g && lc $w eq lc $g)) {
            $field_ok{$k}++;
        } else {
            push @wrong, sprintf("%s: %s want %s got %s", $want->{file}, $k, $w // 'null', $g // 'null');
        }
    }
    next unless my $wu = $want_urls{$f};
    for my $k (@url_fields) {
        my $w = url_set(@{ $wu->{$k} });
        my $g = url_set(ref $got->{$k} ? @{ $got->{$k} } : $got->{$k} // ());
        $field_n{$k}++;
        if ($w eq $g) {
            $field_ok{$k}++;
        } else {
            push @wrong, sprintf("%s: %s want %s got %s", $want->{file}, $k, $w, $g);
        }
    }
}

my $recall = $expected_pos ? $tp / $expected_pos : 1;
my $precision = ($tp + $fp) ? $tp / ($tp + $fp) : 1;
my $n = 1 + 1 + @fields + @url_fields;
print "1..$n\n";
printf "# corpus: %d messages, %d notices, %d negatives\n", scalar @files, $expected_pos, @files - $expected_pos;
printf "# recall %.3f  precision %.3f  (tp %d, fp %d, fn %d)\n", $recall, $precision, $tp, $fp, $fn;
my $t = 0;
printf "%s %d - recall %.3f >= %.2f\n", ($recall >= $min{recall} ? 'ok' : 'not ok'), ++$t, $recall, $min{recall};
printf "%s %d - precision %.3f >= %.2f\n", ($precision >= $min{precision} ? 'ok' : 'not ok'), ++$t, $precision, $min{precision};
for my $k (@fields, @url_fields) {
    my $rate = $field_n{$k} ? ($field_ok{$k} // 0) / $field_n{$k} : 1;
    printf "%s %d - field %s exact %.3f >= %.2f\n", ($rate >= $min{fields} ? 'ok' : 'not ok'), ++$t, $k, $rate, $min{fields};
}
print "# $_\n" for @wrong;
