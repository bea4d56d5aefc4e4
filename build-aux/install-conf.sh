#!/bin/sh
# install-conf.sh — install or remove configuration files without ever
# overwriting a file the administrator has edited (used by `make install`
# and `make uninstall`).
#
#   install-conf.sh install   SRCDIR DESTDIR MANIFEST FILE...
#   install-conf.sh uninstall DESTDIR MANIFEST
#
# FILE names are relative to SRCDIR and DESTDIR (e.g. rules.d/10-x.rules).
# MANIFEST records "SHA256  FILE" for every file as installed.  On install
# a file is written when it is missing, unchanged since the last install
# (its checksum is the one in MANIFEST) or already identical; a file that
# was edited (or was there, different, before the first install) is kept,
# the new version is written beside it as FILE.new and a note says so.  On
# uninstall a file is removed only when unedited (FILE.new always); an
# edited one is kept and named.
set -eu

sum() { sha256sum "$1" | cut -d' ' -f1; }
recorded() { [ -f "$manifest" ] && awk -v f="$1" '$2 == f { print $1 }' "$manifest" || true; }

case "${1:-}" in
install)
  src=$2 dest=$3 manifest=$4
  shift 4
  new_manifest=$(mktemp)
  trap 'rm -f "$new_manifest"' EXIT
  for f in "$@"; do
    mkdir -p "$dest/$(dirname "$f")"
    want=$(sum "$src/$f")
    if [ -e "$dest/$f" ]; then
      have=$(sum "$dest/$f")
      if [ "$have" != "$want" ] && [ "$have" != "$(recorded "$f")" ]; then
        install -m 0644 "$src/$f" "$dest/$f.new"
        echo "note: $dest/$f was edited: kept; the new version is $dest/$f.new" >&2
        # Remember the file even when no install of ours wrote it (it was
        # there before the first one): "-" matches no checksum, so it stays
        # "edited", and uninstall still removes the FILE.new beside it.
        old=$(recorded "$f")
        echo "${old:--}  $f" >>"$new_manifest"
        continue
      fi
    fi
    install -m 0644 "$src/$f" "$dest/$f"
    rm -f "$dest/$f.new"
    echo "$want  $f" >>"$new_manifest"
  done
  mkdir -p "$(dirname "$manifest")"
  install -m 0644 "$new_manifest" "$manifest"
  ;;
uninstall)
  dest=$2 manifest=$3
  [ -f "$manifest" ] || exit 0
  while read -r want f; do
    rm -f "$dest/$f.new"
    [ -e "$dest/$f" ] || continue
    if [ "$(sum "$dest/$f")" = "$want" ]; then
      rm -f "$dest/$f"
    else
      echo "note: $dest/$f was edited: kept" >&2
    fi
  done <"$manifest"
  rm -f "$manifest"
  ;;
*)
  echo "usage: install-conf.sh install SRCDIR DESTDIR MANIFEST FILE... | uninstall DESTDIR MANIFEST" >&2
  exit 2
  ;;
esac
