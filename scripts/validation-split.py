#!/usr/bin/env python3
"""Hold out the last N images of a training set as a validation set.

MNIST and Fashion-MNIST come as a training set and a test set. Choosing
settings (epochs, learning rate, augmentation) by their test accuracy makes
that accuracy optimistic: the test set has then been looked at many times.
This script writes a folder `lenet train --data` reads in which the
training set is the first 60,000 − N training images and the t10k files
hold the last N training images, so that settings can be compared on them.
A file `held-out` in the folder says `validation`: lenet then calls those
images the validation set (in its table, plots and JSON), not the test set.
The chosen settings are then run once on the real folder, and that test
accuracy is reported.

The split is by position, not random: both sets keep the class balance of
the original files closely enough (Fashion-MNIST's last 10,000 training
images hold 1,000 ± 40 of each class; the script prints the counts).

usage: python3 scripts/validation-split.py SRC_DIR DST_DIR [--validation N]
       (N default 10000; SRC_DIR holds the four IDX files, gzipped or not)

Python 3.11, standard library only. Writes each file to a temporary name
and renames it into place.
"""

from __future__ import annotations

import argparse
import gzip
import os
import struct
import sys
from collections import Counter
from pathlib import Path

IMAGES, LABELS = "train-images-idx3-ubyte", "train-labels-idx1-ubyte"
TEST_IMAGES, TEST_LABELS = "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"
# The file lenet reads to know what the t10k files are (data::HELD_OUT_FILE).
HELD_OUT = "held-out"


def read_idx(folder: Path, stem: str) -> tuple[bytes, list[int], bytes]:
    """The file's magic, its dimensions and its data."""
    for name, opener in ((stem + ".gz", gzip.open), (stem, open)):
        path = folder / name
        if path.exists():
            with opener(path, "rb") as f:
                raw = f.read()
            break
    else:
        sys.exit(f"error: neither {folder / stem}.gz nor {folder / stem} exists")
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08:
        sys.exit(f"error: {path} is not an IDX file of unsigned bytes")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = list(struct.unpack(f">{ndim}I", raw[4:header]))
    size = 1
    for d in dims:
        size *= d
    if len(raw) - header != size:
        sys.exit(f"error: {path}: dimensions {dims} need {size} bytes of data, found {len(raw) - header}")
    return raw[:4], dims, raw[header:]


def write_idx(path: Path, magic: bytes, dims: list[int], data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with gzip.open(tmp, "wb") as f:
        f.write(magic + struct.pack(f">{len(dims)}I", *dims) + data)
    os.replace(tmp, path)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("src", type=Path)
    ap.add_argument("dst", type=Path)
    ap.add_argument("--validation", type=int, default=10000)
    a = ap.parse_args()
    if a.dst.resolve() == a.src.resolve():
        sys.exit(f"error: {a.dst} is the source folder; the split would overwrite its training files")
    im_magic, im_dims, images = read_idx(a.src, IMAGES)
    lb_magic, lb_dims, labels = read_idx(a.src, LABELS)
    n = im_dims[0]
    if lb_dims[0] != n:
        sys.exit(f"error: {n} training images but {lb_dims[0]} labels in {a.src}")
    if not 0 < a.validation < n:
        sys.exit(f"error: --validation must be between 1 and {n - 1}, got {a.validation}")
    keep = n - a.validation
    pixels = len(images) // n
    a.dst.mkdir(parents=True, exist_ok=True)
    write_idx(a.dst / (IMAGES + ".gz"), im_magic, [keep, *im_dims[1:]], images[: keep * pixels])
    write_idx(a.dst / (LABELS + ".gz"), lb_magic, [keep], labels[:keep])
    write_idx(a.dst / (TEST_IMAGES + ".gz"), im_magic, [a.validation, *im_dims[1:]], images[keep * pixels :])
    write_idx(a.dst / (TEST_LABELS + ".gz"), lb_magic, [a.validation], labels[keep:])
    # Last: a folder without it would call the validation images "test".
    marker, tmp = a.dst / HELD_OUT, a.dst / (HELD_OUT + ".tmp")
    tmp.write_text("validation\n")
    os.replace(tmp, marker)
    counts = Counter(labels[keep:])
    print(f"{a.dst}: {keep} training images, {a.validation} validation images (in the t10k files)")
    print("validation images per class: " + ", ".join(f"{c}: {counts[c]}" for c in sorted(counts)))


if __name__ == "__main__":
    main()
