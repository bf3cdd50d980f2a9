#!/usr/bin/env bash
# fetch_fashion.sh DIR — Fashion-MNIST (Xiao et al., 2017) from Debian's dataset-fashion-mnist.
#
# The package installs the four IDX files, gzipped, under /usr/share/datasets/fashion-mnist/;
# we unpack them into DIR with the same names as MNIST's, so every chapter reads both alike.
set -euo pipefail
DEST="${1:-data/fashion}"
SRC=/usr/share/datasets/fashion-mnist
FILES="train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte"

complete() { for f in $FILES; do [ -s "$DEST/$f" ] || return 1; done; }
if complete; then
    echo "Fashion-MNIST: the four files in $DEST/ are present."
    exit 0
fi

if [ ! -f "$SRC/train-images-idx3-ubyte.gz" ]; then
    if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "error: Fashion-MNIST is missing. Install it with: apt-get install -y dataset-fashion-mnist" >&2
        exit 1
    fi
    echo "Fashion-MNIST: installing the Debian package dataset-fashion-mnist ..."
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null \
        || { echo "error: could not install dataset-fashion-mnist. Put the four uncompressed files in $DEST/ by hand, or point HW_DATA_DIR at them." >&2; exit 1; }
fi

mkdir -p "$DEST"
for f in $FILES; do
    gunzip -c "$SRC/$f.gz" > "$DEST/$f.tmp" && mv "$DEST/$f.tmp" "$DEST/$f"
done
echo "Fashion-MNIST: 4 files unpacked into $DEST/ ($(du -sh "$DEST" | cut -f1))."
