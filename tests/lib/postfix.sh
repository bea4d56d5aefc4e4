# postfix.sh — a private Postfix instance on loopback for tests (sourced, POSIX sh).
#
# Builds a throw-away Postfix from scratch in one temporary directory: its
# own main.cf/master.cf (nothing is copied from /etc/postfix), queue and data
# directories beside the config directory, smtpd on 127.0.0.1 at an unused
# high port, and every message relayed to an smtp-sink on another port that
# dumps each received message to a file.  Nothing is chrooted, no DNS is
# used, and the log goes to $PF_DIR/maillog (postlogd), since tests have no
# syslog.  The instance is meant to run inside a private network namespace
# (pf_isolate), so it can neither disturb nor be disturbed by the host.
#
#   pf_isolate "$0" "$@"   first thing in a test: re-exec the test under
#                          `unshare -n` with lo up; skip_all (tap.sh) when
#                          not root or when namespaces are unavailable
#   pf_require             skip_all unless postfix and smtp-sink are here
#   pf_setup [MILTERS]     create the instance; MILTERS is the value of
#                          smtpd_milters in Postfix's syntax (unix:/path or
#                          inet:127.0.0.1:PORT; libmilter's inet:PORT@HOST
#                          is not understood), empty for none; sets the
#                          PF_* variables below
#   pf_set KEY=VALUE...    change main.cf (postconf -e); before pf_start
#   pf_start               start smtp-sink and Postfix, wait until both listen
#                          and smtpd answers an EHLO
#   pf_send FROM FILE RCPT...  send FILE over SMTP to smtpd with that envelope;
#                          prints the server's final reply ("2.0.0 Ok: queued
#                          as QUEUEID"); non-zero with the reason on stderr
#   pf_flush               ask Postfix to retry deferred mail now
#   pf_wait_delivered N [SECONDS]  wait (default 30 s) until the sink holds N
#                          messages and the queue is empty
#   pf_sink_files          the dump files, one per line
#   pf_find_delivered STRING   the first dump file containing STRING (-F)
#   pf_message DUMPFILE    the message as it reached the sink, without the
#                          lines smtp-sink adds (its X-* records, its
#                          Received: header, the empty line at the end)
#   pf_envelope DUMPFILE   the sink's MAIL/RCPT records (X-Mail-Args, X-Rcpt-Args)
#   pf_header MSG NAME     the unfolded values of every NAME header field of
#                          the message file MSG, one per line (NAME: any case)
#   pf_drop_headers MSG ERE    MSG without the header fields whose name
#                          matches ERE (anchored, any case), folded lines too
#   pf_drop_first_header MSG   MSG without its first header field
#   pf_stop                stop Postfix and the sink, by PID, bounded waits
#   pf_cleanup             pf_stop, then remove $PF_DIR (kept when CT_KEEP=1)
#   pf_log_tail [N]        the last N (20) lines of the Postfix log, for diag
#
# Variables: PF_DIR (top), PF_CONF (config dir), PF_QUEUE, PF_DATA, PF_LOG,
# PF_SINK_DIR, PF_SMTP_PORT, PF_SINK_PORT, PF_MASTER_PID, PF_SINK_PID.
# Functions print their complaints on stderr and return non-zero; they never
# wait without a bound.  Needs root (Postfix drops to mail_owner `postfix`,
# setgid group `postdrop`; Debian's postfix package creates both).

PF_DIR='' PF_MASTER_PID='' PF_SINK_PID=''

pf_isolate() {
  if [ -z "${CT_NETNS:-}" ]; then
    [ "$(id -u)" -eq 0 ] || skip_all "needs root (private network namespace, Postfix)"
    command -v unshare >/dev/null 2>&1 || skip_all "unshare (util-linux) not installed"
    unshare -n true 2>/dev/null || skip_all "cannot create a network namespace (unshare -n failed)"
    CT_NETNS=1 exec unshare -n "$@"
  fi
  ip link set lo up 2>/dev/null || skip_all "cannot bring up lo in the namespace (ip link failed)"
}

pf_require() {
  for pf_cmd in postfix postconf postqueue smtp-sink perl ss; do
    PATH=$PATH:/usr/sbin:/sbin command -v "$pf_cmd" >/dev/null 2>&1 ||
      skip_all "$pf_cmd not installed (make deps)"
  done
  if ! getent passwd postfix >/dev/null || ! getent group postdrop >/dev/null; then
    skip_all "user postfix / group postdrop missing (install the postfix package)"
  fi
  perl -MNet::SMTP -e 1 2>/dev/null || skip_all "perl Net::SMTP missing"
}

# A TCP port on 127.0.0.1 nobody listens on, from 20000-59999, not in $1.
pf_free_port() {
  pf_try=0
  while [ "$pf_try" -lt 50 ]; do
    pf_try=$((pf_try + 1))
    pf_port=$(( ( $(od -An -N2 -tu2 /dev/urandom) % 40000 ) + 20000 ))
    case " ${1:-} " in *" $pf_port "*) continue ;; esac
    if [ -z "$(ss -Hltn "sport = :$pf_port" 2>/dev/null)" ]; then
      echo "$pf_port"
      return 0
    fi
  done
  echo "pf_free_port: no free port found" >&2
  return 1
}

pf_listening() {  # pf_listening PORT
  [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# pf_wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds.
pf_wait_until() {
  pf_left=$(($1 * 10))
  shift
  while [ "$pf_left" -gt 0 ]; do
    "$@" && return 0
    sleep 0.1
    pf_left=$((pf_left - 1))
  done
  return 1
}

# A zombie (an exited child not yet reaped by this shell) counts as gone.
pf_alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ -r "/proc/$1/stat" ] || return 0
  case "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null)" in
    Z*|X*) return 1 ;;
  esac
  return 0
}
pf_gone() { ! pf_alive "$1"; }

# Stop one process by PID: SIGTERM, up to SECONDS (10), then SIGKILL.
pf_kill() {  # pf_kill PID [SECONDS]
  [ -n "$1" ] || return 0
  pf_alive "$1" || return 0
  kill -TERM "$1" 2>/dev/null
  pf_wait_until "${2:-10}" pf_gone "$1" && return 0
  echo "pid $1 ignored SIGTERM, killing it" >&2
  kill -KILL "$1" 2>/dev/null
  pf_wait_until 5 pf_gone "$1"
}

pf_setup() {
  pf_milters=${1:-}
  PF_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ct-postfix.XXXXXX") || return 1
  # smtpd runs as `postfix` and must reach a milter socket under PF_DIR.
  chmod 0755 "$PF_DIR"
  PF_CONF=$PF_DIR/etc
  PF_QUEUE=$PF_DIR/spool
  PF_DATA=$PF_DIR/data
  PF_SINK_DIR=$PF_DIR/sink
  PF_LOG=$PF_DIR/maillog
  mkdir -p "$PF_CONF" "$PF_QUEUE" "$PF_DATA" "$PF_SINK_DIR" || return 1
  chown postfix "$PF_DATA" "$PF_SINK_DIR" || return 1
  chmod 0700 "$PF_DATA"
  PF_SMTP_PORT=$(pf_free_port) || return 1
  PF_SINK_PORT=$(pf_free_port "$PF_SMTP_PORT") || return 1
  pf_write_main_cf "$pf_milters" >"$PF_CONF/main.cf"
  pf_write_master_cf >"$PF_CONF/master.cf"
  # `check` creates the queue directories with the owners Postfix wants.
  if ! postfix -c "$PF_CONF" check >"$PF_DIR/check.log" 2>&1 ||
     grep -q . "$PF_DIR/check.log"; then
    echo "postfix check failed or warned:" >&2
    cat "$PF_DIR/check.log" >&2
    return 1
  fi
}

pf_write_main_cf() {
  cat <<EOF
# Private test instance; written by tests/lib/postfix.sh.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $PF_DATA
mail_owner = postfix
setgid_group = postdrop
maillog_file = $PF_LOG
maillog_file_prefixes = $PF_DIR
myhostname = mx.test.example
mydomain = test.example
myorigin = \$myhostname
mydestination =
local_recipient_maps =
local_transport = error:5.1.1 no local delivery in tests
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:$PF_SINK_PORT
smtp_dns_support_level = disabled
smtp_host_lookup = native
smtpd_peername_lookup = no
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtpd_milters = $1
non_smtpd_milters =
milter_default_action = accept
biff = no
notify_classes =
delay_warning_time = 0
in_flow_delay = 0
queue_run_delay = 2s
minimal_backoff_time = 2s
maximal_backoff_time = 4s
smtp_connect_timeout = 5s
EOF
}

pf_write_master_cf() {
  cat <<EOF
# Private test instance; written by tests/lib/postfix.sh.  Nothing chrooted.
# service  type  private unpriv chroot wakeup maxproc command
127.0.0.1:$PF_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

pf_set() {
  postconf -c "$PF_CONF" -e "$@"
}

pf_start() {
  smtp-sink -u postfix -d "$PF_SINK_DIR/%Y%m%d%H%M%S." \
    "127.0.0.1:$PF_SINK_PORT" 64 </dev/null >"$PF_DIR/sink.log" 2>&1 &
  PF_SINK_PID=$!
  if ! pf_wait_until 10 pf_listening "$PF_SINK_PORT"; then
    echo "smtp-sink did not listen on 127.0.0.1:$PF_SINK_PORT:" >&2
    cat "$PF_DIR/sink.log" >&2
    return 1
  fi
  if ! postfix -c "$PF_CONF" start </dev/null >"$PF_DIR/start.log" 2>&1; then
    echo "postfix start failed:" >&2
    cat "$PF_DIR/start.log" >&2
    pf_log_tail >&2
    return 1
  fi
  if ! pf_wait_until 10 test -s "$PF_QUEUE/pid/master.pid"; then
    echo "postfix master wrote no pid file" >&2
    pf_log_tail >&2
    return 1
  fi
  PF_MASTER_PID=$(tr -dc 0-9 <"$PF_QUEUE/pid/master.pid")
  if ! pf_wait_until 10 pf_listening "$PF_SMTP_PORT"; then
    echo "smtpd did not listen on 127.0.0.1:$PF_SMTP_PORT" >&2
    pf_log_tail >&2
    return 1
  fi
  # smtpd starts per connection: a bad smtpd setting shows only now.
  if ! perl -MNet::SMTP -e 'my $s = Net::SMTP->new("127.0.0.1", Port => $ARGV[0],
        Timeout => 10, Hello => "client.example.net") or exit 1; $s->quit' \
        "$PF_SMTP_PORT" 2>/dev/null; then
    echo "smtpd on 127.0.0.1:$PF_SMTP_PORT does not greet" >&2
    pf_log_tail >&2
    return 1
  fi
}

pf_log_tail() {
  [ -f "$PF_LOG" ] || return 0
  echo "--- last lines of $PF_LOG:"
  tail -n "${1:-20}" "$PF_LOG"
}

# A minimal SMTP client: the message is sent as it is in the file (LF or
# CRLF line ends become CRLF, leading dots are doubled), no header added.
PF_SMTP_CLIENT='
use strict; use warnings; use Net::SMTP;
my ($port, $from, $file, @rcpt) = @ARGV;
open(my $fh, "<:raw", $file) or die "$file: $!\n";
my $msg = do { local $/; <$fh> };
my $s = Net::SMTP->new("127.0.0.1", Port => $port, Timeout => 30,
                       Hello => "client.example.net")
  or die "cannot connect to 127.0.0.1:$port: $@\n";
sub failed { my ($what) = @_; my $m = $s->message // ""; $m =~ s/\s+$//;
             die "$what: " . ($s->code // "no reply") . " $m\n"; }
$s->mail($from) or failed("MAIL FROM:<$from>");
for my $r (@rcpt) { $s->to($r) or failed("RCPT TO:<$r>"); }
$s->data or failed("DATA");
$s->datasend($msg) or failed("sending the message");
$s->dataend or failed("end of data");
my $reply = $s->message // ""; $reply =~ s/\s+$//;
print "$reply\n";
$s->quit;
'

pf_send() {
  [ $# -ge 3 ] || { echo "usage: pf_send FROM FILE RCPT..." >&2; return 2; }
  perl -e "$PF_SMTP_CLIENT" "$PF_SMTP_PORT" "$@"
}

pf_flush() {
  postqueue -c "$PF_CONF" -f
}

pf_sink_files() {
  find "$PF_SINK_DIR" -type f | sort
}

pf_queue_empty() {
  [ -z "$(find "$PF_QUEUE/maildrop" "$PF_QUEUE/incoming" "$PF_QUEUE/active" \
            "$PF_QUEUE/deferred" "$PF_QUEUE/hold" -type f 2>/dev/null)" ]
}

pf_delivered_at_least() {
  [ "$(pf_sink_files | wc -l)" -ge "$1" ] && pf_queue_empty
}

pf_wait_delivered() {
  pf_wait_until "${2:-30}" pf_delivered_at_least "$1" && return 0
  echo "timeout: $(pf_sink_files | wc -l) of $1 messages reached the sink" >&2
  pf_log_tail >&2
  return 1
}

pf_sink_count() {
  find "$PF_SINK_DIR" -type f | wc -l
}

# pf_wait_sink N SECONDS: until N messages are at the sink and the queue is
# empty; on timeout a TAP diag line (diag, from tap.sh) and status 1.
pf_wait_sink() {
  pf_ws_left=$2
  while [ "$pf_ws_left" -gt 0 ]; do
    [ "$(pf_sink_count)" -ge "$1" ] && pf_queue_empty && return 0
    sleep 1
    pf_ws_left=$((pf_ws_left - 1))
  done
  diag "timeout: $(pf_sink_count) of $1 messages at the sink"
  return 1
}

pf_find_delivered() {
  pf_sink_files | while read -r pf_f; do
    if grep -qF -- "$1" "$pf_f"; then
      echo "$pf_f"
      break
    fi
  done
}

# smtp-sink writes its own records (X-Client-Addr:, X-Mail-Args:, ...) and
# then a three-line "Received: from ... (smtp-sink) ..." header before the
# message, and one empty line after it.
pf_message() {
  awk '
    in_msg { if (held) print prev; prev = $0; held = 1; next }
    sink_rcvd && /^[ \t]/ { next }
    sink_rcvd { in_msg = 1; prev = $0; held = 1; next }
    /^Received: .*/ { sink_rcvd = 1; next }
  ' "$1"
}

pf_envelope() {
  awk '/^Received: /{exit} /^X-(Mail|Rcpt)-Args: /{print}' "$1"
}

pf_header() {
  awk -v want="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
    function flush() { if (cur != "") print cur; cur = "" }
    /^$/ { flush(); exit }
    /^[ \t]/ { if (cur != "") cur = cur " " substr($0, match($0, /[^ \t]/)); next }
    { flush()
      i = index($0, ":")
      if (i > 0 && tolower(substr($0, 1, i - 1)) == want) {
        v = substr($0, i + 1); sub(/^[ \t]+/, "", v); cur = v
      } }
    END { flush() }
  ' "$1"
}

pf_drop_headers() {
  awk -v ere="$2" '
    body { print; next }
    /^$/ { body = 1; print; next }
    /^[ \t]/ { if (!dropping) print; next }
    { i = index($0, ":")
      dropping = (i > 0 && tolower(substr($0, 1, i - 1)) ~ ("^(" tolower(ere) ")$"))
      if (!dropping) print }
  ' "$1"
}

pf_drop_first_header() {
  awk '
    done { print; next }
    NR == 1 { next }
    /^[ \t]/ { next }
    { done = 1; print }
  ' "$1"
}

pf_stop() {
  if [ -n "$PF_MASTER_PID" ] && pf_alive "$PF_MASTER_PID"; then
    postfix -c "$PF_CONF" stop >/dev/null 2>&1
    pf_wait_until 10 pf_gone "$PF_MASTER_PID" || pf_kill "$PF_MASTER_PID" 5
  fi
  PF_MASTER_PID=
  pf_kill "$PF_SINK_PID" 5
  [ -n "$PF_SINK_PID" ] && wait "$PF_SINK_PID" 2>/dev/null
  PF_SINK_PID=
  return 0
}

pf_cleanup() {
  pf_stop
  if [ -n "$PF_DIR" ] && [ -d "$PF_DIR" ]; then
    if [ "${CT_KEEP:-0}" = 1 ]; then
      echo "# kept $PF_DIR" >&2
    else
      rm -rf "$PF_DIR"
    fi
  fi
  PF_DIR=
}
