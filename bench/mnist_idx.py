"""Reading MNIST's IDX files with NumPy, for the comparison programs in bench/.

The format (chapter 08): a big-endian header -- magic number, then one 32-bit size per
dimension -- followed by the raw unsigned bytes. Images come back as float arrays scaled
to [0, 1] (one row per image), labels as int64.
"""
import os
import struct
import sys

import numpy as np

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ValueError(f"{path}: header says {dims}, file holds {body.size} bytes")
    return body.reshape(dims)


def load_split(data_dir, split, dtype=np.float64):
    """(images N x 784 in [0, 1], labels N) of the 'train' or 'test' split."""
    image_file, label_file = FILES[split]
    try:
        images = read_idx(os.path.join(data_dir, image_file))
        labels = read_idx(os.path.join(data_dir, label_file))
    except FileNotFoundError as e:
        sys.exit(f"error: {e.filename} is missing (run `make data` to fetch MNIST)")
    except ValueError as e:
        sys.exit(f"error: {e}")
    if images.shape[0] != labels.shape[0]:
        sys.exit(f"error: {images.shape[0]} images but {labels.shape[0]} labels in {data_dir}")
    return images.reshape(images.shape[0], -1).astype(dtype) / 255.0, labels.astype(np.int64)
