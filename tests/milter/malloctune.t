#!/bin/sh
# malloctune.t — the milter restarts itself once, in place, with a larger
# per-thread cache of freed memory (milter/malloctune.h): the process that
# serves is the one started (same pid, same arguments) and its environment
# has GLIBC_TUNABLES=glibc.malloc.tcache_count=128; a GLIBC_TUNABLES the
# administrator set, even empty, is left alone and there is no restart.
# Either way it scans mail.
set -u
T_DIR=$(cd "$(dirname "$0")" && pwd)
. "$T_DIR/../lib/tap.sh"
. "$T_DIR/../lib/milter.sh"
ct_paths "$0"
command -v miltertest >/dev/null 2>&1 || skip_all "miltertest not installed (make deps)"
ct_require_programs

ct_workdir malloctune
ct_before_cleanup() {
  milter_stop
}
FIX=$CT_ROOT/tests/fixtures/mail
PROTO=$CT_ROOT/tests/protocol

environ_of() {  # environ_of PID: its GLIBC_TUNABLES line, or "unset"
  tr '\0' '\n' <"/proc/$1/environ" | grep '^GLIBC_TUNABLES=' || echo unset
}
cmdline_of() {
  tr '\0' ' ' <"/proc/$1/cmdline"
}

milter_config "$WORK/milter.conf" "unix:$WORK/milter.sock" "$WORK/cases.db"

# ---- by default: restarted in place with the larger cache
MILTER_LOG=$WORK/default.log
unset GLIBC_TUNABLES
milter_start "$WORK/milter.conf" || bail_out "copytroll-milter did not start"
pid=$MILTER_PID
is "$(environ_of "$pid")" "GLIBC_TUNABLES=glibc.malloc.tcache_count=128" \
  "the serving process has the larger tcache"
is "$(cmdline_of "$pid")" "$CT_MILTER -f -c $WORK/milter.conf " "same pid, same arguments"
is "$(grep -c 'starting on' "$MILTER_LOG")" "1" "started once (the restart is not a second start-up)"
milter_lua "$PROTO/claim.lua" "$FIX"
like "$(grep -c ': verdict=claim ' "$MILTER_LOG")" '^[1-9]' "it scans: the claims are found"
milter_stop
is "$MILTER_STATUS" "0" "it stops cleanly"

# ---- the administrator's own setting, even empty, is kept: no restart
for preset in "glibc.malloc.tcache_count=16" ""; do
  MILTER_LOG=$WORK/preset.log
  : >"$MILTER_LOG"
  GLIBC_TUNABLES=$preset milter_start "$WORK/milter.conf" || bail_out "copytroll-milter did not start"
  is "$(environ_of "$MILTER_PID")" "GLIBC_TUNABLES=$preset" "GLIBC_TUNABLES='$preset' is left as it is"
  milter_lua "$PROTO/claim.lua" "$FIX"
  like "$(grep -c ': verdict=claim ' "$MILTER_LOG")" '^[1-9]' "GLIBC_TUNABLES='$preset': it scans"
  milter_stop
done

done_testing
