#!/usr/bin/env bash
# fetch_digits.sh DIR — scikit-learn's 8×8 digits (digits.csv.gz) into DIR, SHA-256 verified.
#
# Source: the Debian package python3-sklearn ships the file as
# sklearn/datasets/data/digits.csv.gz. `apt-get download` fetches the .deb into a scratch
# folder and `dpkg -x` unpacks it there: nothing is installed, no root needed for either.
# Idempotent: when DIR already holds the verified file, it does nothing.
set -euo pipefail
DEST="${1:-data/digits}"
FILE=digits.csv.gz
# The file in Debian bookworm's python3-sklearn 1.2.1+dfsg-1 (the same bytes as upstream's).
SHA256=46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a
INNER=usr/lib/python3/dist-packages/sklearn/datasets/data/$FILE

manual_route() {
    cat >&2 <<MSG
error: $1
To get the 8x8 digits by hand, copy sklearn/datasets/data/$FILE from any scikit-learn
installation (pip or Debian, e.g. /$INNER) into $DEST/, or pass --data DIR to a chapter binary.
'make data-digits' checks it against SHA-256 $SHA256.
MSG
    exit 1
}

verified() { [ -f "$DEST/$FILE" ] && echo "$SHA256  $DEST/$FILE" | sha256sum --check --status; }

if verified; then
    echo "digits: $DEST/$FILE is present and verified."
    exit 0
fi
command -v apt-get >/dev/null 2>&1 || manual_route "apt-get is not available, so python3-sklearn cannot be fetched."
command -v dpkg >/dev/null 2>&1 || manual_route "dpkg is not available to unpack python3-sklearn."

WORK="$(mktemp -d)"
chmod 755 "$WORK"   # apt's download user must be able to write there
trap 'rm -rf "$WORK"' EXIT
echo "digits: fetching the Debian package python3-sklearn with apt-get download ..."
if ! (cd "$WORK" && apt-get download python3-sklearn >"$WORK/apt.log" 2>&1); then
    # An empty package list (a fresh container) is the usual cause: refresh it once, if allowed.
    if [ "$(id -u)" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true
    elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq >/dev/null 2>&1 || true; fi
    (cd "$WORK" && apt-get download python3-sklearn >"$WORK/apt.log" 2>&1) \
        || manual_route "apt-get download python3-sklearn failed: $(tail -n 2 "$WORK/apt.log" | tr '\n' ' ')"
fi
dpkg -x "$WORK"/python3-sklearn_*.deb "$WORK/x" || manual_route "dpkg -x could not unpack the package."
[ -f "$WORK/x/$INNER" ] || manual_route "this python3-sklearn has no $INNER."
mkdir -p "$DEST"
cp "$WORK/x/$INNER" "$DEST/$FILE.tmp"
if ! echo "$SHA256  $DEST/$FILE.tmp" | sha256sum --check --status; then
    rm -f "$DEST/$FILE.tmp"
    manual_route "the SHA-256 of $FILE from this python3-sklearn is not $SHA256 (another version?)."
fi
mv "$DEST/$FILE.tmp" "$DEST/$FILE"
echo "digits: $DEST/$FILE verified ($(du -h "$DEST/$FILE" | cut -f1), 1797 images of 8x8)."
