"""scripts/validation-split.py on small IDX files: the split keeps every
image once, in order, with its label, and bad input gets an error naming
the file or the value. Standard library only:

    python3 scripts/test_validation_split.py
"""

import gzip
import struct
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent / "validation-split.py"


def idx(dims, data, magic):
    return struct.pack(">BBBB", 0, 0, 8, magic) + struct.pack(f">{len(dims)}I", *dims) + bytes(data)


def read(path):
    raw = gzip.open(path, "rb").read()
    ndim = raw[3]
    dims = list(struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim]))
    return dims, raw[4 + 4 * ndim :]


class Split(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="test-split-"))
        self.src = self.tmp / "src"
        self.src.mkdir()
        # 20 images of 28×28: image k filled with the byte k, label k mod 10.
        self.images = [k for k in range(20) for _ in range(784)]
        self.labels = [k % 10 for k in range(20)]
        with gzip.open(self.src / "train-images-idx3-ubyte.gz", "wb") as f:
            f.write(idx([20, 28, 28], self.images, 3))
        # Labels not gzipped: both forms are read.
        (self.src / "train-labels-idx1-ubyte").write_bytes(idx([20], self.labels, 1))

    def run_split(self, *args):
        return subprocess.run([sys.executable, SCRIPT, self.src, self.tmp / "dst", *args], capture_output=True, text=True)

    def test_the_last_n_images_become_the_validation_set(self):
        r = self.run_split("--validation", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        dst = self.tmp / "dst"
        dims, data = read(dst / "train-images-idx3-ubyte.gz")
        self.assertEqual((dims, data), ([15, 28, 28], bytes(self.images[: 15 * 784])))
        dims, data = read(dst / "t10k-images-idx3-ubyte.gz")
        self.assertEqual((dims, data), ([5, 28, 28], bytes(self.images[15 * 784 :])))
        self.assertEqual(read(dst / "train-labels-idx1-ubyte.gz"), ([15], bytes(self.labels[:15])))
        self.assertEqual(read(dst / "t10k-labels-idx1-ubyte.gz"), ([5], bytes(self.labels[15:])))
        self.assertIn("15 training images, 5 validation images", r.stdout)
        self.assertEqual((dst / "held-out").read_text(), "validation\n")
        self.assertEqual(sorted(p.name for p in dst.iterdir() if p.name.endswith(".tmp")), [])

    def test_the_source_folder_is_never_written_over(self):
        before = sorted((p.name, p.read_bytes()) for p in self.src.iterdir())
        for dst in (self.src, self.src / ".." / "src"):
            r = subprocess.run([sys.executable, SCRIPT, self.src, dst], capture_output=True, text=True)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("is the source folder; the split would overwrite its training files", r.stderr)
        self.assertEqual(sorted((p.name, p.read_bytes()) for p in self.src.iterdir()), before)

    def test_bad_input_is_refused_with_its_name(self):
        for n in ("0", "20"):
            r = self.run_split("--validation", n)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn(f"between 1 and 19, got {n}", r.stderr)
        (self.src / "train-labels-idx1-ubyte").write_bytes(idx([19], self.labels[:19], 1))
        r = self.run_split()
        self.assertIn("20 training images but 19 labels", r.stderr)
        (self.src / "train-labels-idx1-ubyte").write_bytes(b"\0\0\x08\x01\0\0\0\x09" + bytes(3))
        r = self.run_split()
        self.assertIn("train-labels-idx1-ubyte: dimensions [9] need 9 bytes of data, found 3", r.stderr)
        (self.src / "train-labels-idx1-ubyte").unlink()
        r = self.run_split()
        self.assertIn("train-labels-idx1-ubyte.gz nor", r.stderr)


if __name__ == "__main__":
    unittest.main()
