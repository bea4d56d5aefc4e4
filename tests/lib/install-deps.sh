#!/bin/sh
# Install the Debian packages named on the command line that are missing.
# As root: apt-get, non-interactively; Postfix is preseeded to "No
# configuration" so no system mail instance is configured or started (the
# tests run their own instance with `postfix -c`). Not root: print the exact
# command and fail.
set -eu
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "missing packages:$missing" >&2
  echo "run as root:  apt-get install -y$missing" >&2
  exit 1
fi
echo "installing:$missing"
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
# An apt index that was never fetched (fresh machine) makes install fail.
if ! apt-get install -y -q $missing; then
  apt-get update -q
  apt-get install -y -q $missing
fi
