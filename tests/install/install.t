#!/bin/sh
# install.t — `make install` into a DESTDIR: the tree (programs, man pages,
# configuration and rules, systemd unit, sysusers.d and tmpfiles.d entries),
# the installed configuration checks with the installed milter, a second
# install keeps an edited configuration, the unit passes
# `systemd-analyze verify`, the sysusers/tmpfiles entries apply to a scratch
# root, every man page renders without a groff warning, and `make
# uninstall` removes what install put.  No root needed.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/program-test.sh"
command -v make >/dev/null 2>&1 || skip_all "make not installed"

ct_workdir install

D=$WORK/root
# The programs are the ones already built under $CT_BUILD: OUT points make
# at them and `-o all` keeps make from rebuilding anything.
OUT=${ct_prefix#"$CT_ROOT"/}
mk() {
  make --no-print-directory -o all -C "$CT_ROOT" OUT="$OUT" DESTDIR="$D" PREFIX=/usr \
    SYSCONFDIR=/etc "$@" >>"$WORK/make.log" 2>&1
}

ok "make install DESTDIR=… PREFIX=/usr SYSCONFDIR=/etc" mk install ||
  diag "$(tail -n 20 "$WORK/make.log")"

for f in usr/sbin/copytroll-milter usr/bin/copytroll; do
  ok "$f installed, executable" test -x "$D/$f"
done
for f in usr/share/man/man1/copytroll.1 usr/share/man/man5/copytroll-milter.conf.5 \
         usr/share/man/man5/copytroll-rules.5 usr/share/man/man8/copytroll-milter.8 \
         etc/copytroll/copytroll-milter.conf \
         usr/lib/systemd/system/copytroll-milter.service \
         usr/lib/sysusers.d/copytroll.conf usr/lib/tmpfiles.d/copytroll.conf; do
  ok "$f installed" test -s "$D/$f"
done
shipped=$(cd "$CT_ROOT/conf/rules.d" && ls -- *.rules | sort | tr '\n' ' ')
installed=$(cd "$D/etc/copytroll/rules.d" 2>/dev/null && ls -- *.rules | sort | tr '\n' ' ')
is "$installed" "$shipped" "every shipped rule file is in /etc/copytroll/rules.d"

UNIT=$D/usr/lib/systemd/system/copytroll-milter.service
unlike "$(cat "$UNIT")" "@[A-Z]+@" "no placeholder left in the installed unit"
like "$(grep '^ExecStart=' "$UNIT")" \
  "^ExecStart=/usr/sbin/copytroll-milter -f -c /etc/copytroll/copytroll-milter.conf$" \
  "ExecStart runs /usr/sbin/copytroll-milter -f with the installed config"
unlike "$(grep -v '^#' "$UNIT")" "MemoryDenyWriteExecute" \
  "no MemoryDenyWriteExecute (it would silently disable the PCRE2 JIT)"
for key in 'Type=simple' 'ExecReload=/bin/kill -USR1 $MAINPID' 'RuntimeDirectory=copytroll' \
           'StateDirectory=copytroll' 'User=copytroll' 'ProtectSystem=strict' \
           'ProtectHome=yes' 'PrivateTmp=yes' 'NoNewPrivileges=yes' 'CapabilityBoundingSet=' \
           'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service'; do
  ok "unit has $key" grep -qxF "$key" "$UNIT"
done

# The installed configuration, with its relative RulesDir, checks clean
# with the installed milter, and names the paths the unit provides.
CONF=$D/etc/copytroll/copytroll-milter.conf
out=$("$D/usr/sbin/copytroll-milter" -n -c "$CONF" 2>&1)
like "$out" ": ok; rules .*: [0-9]+ rules" "installed milter -n accepts the installed config and rules"
conf_value() { awk -v k="$1" 'tolower($1) == tolower(k) { print $2; exit }' "$CONF"; }
is "$(conf_value Socket)" "unix:/run/copytroll/milter.sock" "Socket is in the unit's RuntimeDirectory"
is "$(conf_value Database)" "/var/lib/copytroll/cases.db" "Database is in the unit's StateDirectory"
is "$(conf_value SpoolDir)" "/var/lib/copytroll/spool" "SpoolDir is in the unit's StateDirectory"
is "$(conf_value SocketMode) $(conf_value SocketGroup)" "0660 postfix" \
  "socket mode 0660, group postfix (Postfix's smtpd can connect)"
is "$(conf_value UserID)" "" "no UserID: the unit starts the milter as copytroll already"

# A second install keeps an edited configuration and puts the new one beside it.
echo "LogWhy yes   # edited by the admin" >>"$CONF"
rm -f "$D/etc/copytroll/rules.d/00-global.rules"
edited=$(sha256sum <"$CONF")
ok "second make install" mk install
is "$(sha256sum <"$CONF")" "$edited" "the edited configuration is kept"
ok "the shipped configuration is written beside it as .new" \
  cmp -s "$CT_ROOT/conf/copytroll-milter.conf" "$CONF.new"
ok "a deleted (unedited) rule file is installed again" \
  cmp -s "$CT_ROOT/conf/rules.d/00-global.rules" "$D/etc/copytroll/rules.d/00-global.rules"
like "$(cat "$WORK/make.log")" "copytroll-milter.conf was edited: kept" "install says it kept the edited file"

# systemd-analyze verify: the unit as installed, with only the program path
# pointed into DESTDIR (verify checks that ExecStart= is executable) and
# MANPATH at the installed man pages (it checks Documentation=man:…).
if command -v systemd-analyze >/dev/null 2>&1; then
  mkdir -p "$WORK/unit"
  sed "s|/usr/sbin/copytroll-milter|$D/usr/sbin/copytroll-milter|g" "$UNIT" \
    >"$WORK/unit/copytroll-milter.service"
  out=$(cd "$WORK/unit" && MANPATH=$D/usr/share/man SYSTEMD_LOG_LEVEL=notice \
    systemd-analyze verify "$WORK/unit/copytroll-milter.service" 2>&1)
  rc=$?
  is "$rc" "0" "systemd-analyze verify passes"
  is "$out" "" "systemd-analyze verify prints no warning"
  if out=$(systemd-analyze security --offline=yes "$WORK/unit/copytroll-milter.service" 2>&1); then
    note "$(printf '%s\n' "$out" | tail -n 1)"
  fi
else
  skip "systemd-analyze verify" "systemd-analyze not installed"
  skip "systemd-analyze verify prints no warning" "systemd-analyze not installed"
fi

# The sysusers.d and tmpfiles.d entries, applied to a scratch root.
R=$WORK/scratch
mkdir -p "$R/etc"
if command -v systemd-sysusers >/dev/null 2>&1; then
  ok "systemd-sysusers accepts copytroll.conf" \
    systemd-sysusers --root="$R" "$D/usr/lib/sysusers.d/copytroll.conf" 2>>"$WORK/make.log"
  like "$(grep '^copytroll:' "$R/etc/passwd")" "^copytroll:x:[0-9]+:[0-9]+:.*:/var/lib/copytroll:" \
    "system user copytroll, home /var/lib/copytroll"
  like "$(grep '^postfix:' "$R/etc/group")" ":(.*,)?copytroll(,|$)" "copytroll is in the group postfix"
else
  skip "systemd-sysusers" "systemd-sysusers not installed"
fi
if [ "$(id -u)" -ne 0 ]; then
  skip "systemd-tmpfiles" "needs root (the directories belong to copytroll)"
elif command -v systemd-tmpfiles >/dev/null 2>&1 && [ -s "$R/etc/passwd" ]; then
  ok "systemd-tmpfiles accepts copytroll.conf" \
    systemd-tmpfiles --root="$R" --create "$D/usr/lib/tmpfiles.d/copytroll.conf" 2>>"$WORK/make.log"
  is "$(stat -c %a "$R/var/lib/copytroll/spool" 2>/dev/null)" "700" "spool directory created, mode 0700"
else
  skip "systemd-tmpfiles" "systemd-tmpfiles or systemd-sysusers not installed"
fi

# Man pages: groff with every warning on renders each without a word.
if command -v groff >/dev/null 2>&1; then
  for m in "$D"/usr/share/man/man*/*; do
    out=$(groff -ww -man -z "$m" 2>&1)
    is "$out" "" "groff -ww -man: $(basename "$m") renders without warnings"
  done
else
  skip "man pages render" "groff not installed"
fi

ok "make uninstall" mk uninstall
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
is "$left" "./etc/copytroll/copytroll-milter.conf " \
  "uninstall removes everything but the edited configuration"
like "$(cat "$WORK/make.log")" "copytroll-milter.conf was edited: kept" "uninstall names the file it kept"

# A configuration that was there before the first install (a hand-made one,
# or one from a package) is kept too, and uninstall leaves nothing beside it.
D=$WORK/root2
mkdir -p "$D/etc/copytroll"
echo "Socket inet:8899@127.0.0.1   # made by hand" >"$D/etc/copytroll/copytroll-milter.conf"
before=$(sha256sum <"$D/etc/copytroll/copytroll-milter.conf")
ok "make install over a hand-made configuration" mk install
is "$(sha256sum <"$D/etc/copytroll/copytroll-milter.conf")" "$before" "the hand-made configuration is kept"
ok "the shipped one is beside it as .new" test -s "$D/etc/copytroll/copytroll-milter.conf.new"
ok "make uninstall" mk uninstall
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
is "$left" "./etc/copytroll/copytroll-milter.conf " "uninstall keeps the hand-made file and removes the .new"
done_testing
