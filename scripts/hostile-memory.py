#!/usr/bin/env python3
"""Peak memory of `lenet` on the hostile inputs of the README's reliability
section, each made here from scratch:

    cargo build --release && python3 scripts/hostile-memory.py [OUT_DIR]

For each input it runs the release binary under GNU time (`/usr/bin/time -f
%M`, Debian's package `time`) and prints one table row: what the input is,
the command, its exit status, its peak resident memory and its time. The
inputs are written to OUT_DIR (a temporary folder by default, removed at the
end); the largest are 3 GB of zeros gzipped to about 3 MB, and two IDX files
of 64 MiB each. Only the standard library is used.

Issue 20's inputs follow: settings without an upper bound (a batch of 10^9
images, 10,000 threads, a checkpoint saying 10^18 of both), a learning rate
that is 0 in f32, and a mirror that sends one byte a second (served here on
127.0.0.1; the time is what matters). The last line says whether any output
held "panicked".

This is a measurement, not a test: the tests that assert the behaviour are
tests/hostile_data.rs, tests/hostile_models.rs, tests/mutated_files.rs,
tests/hostile_run.rs, tests/settings_props.rs and tests/download.rs.
"""

import gzip
import json
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LENET = ROOT / "target" / "release" / "lenet"
# The largest image count whose 28×28 pixels fit the reader's 64 MiB limit.
LARGEST_ACCEPTED = (64 * 1024 * 1024) // (28 * 28)


def images_header(n, rows=28, cols=28):
    return struct.pack(">IIII", 0x803, n, rows, cols)


def labels_header(n):
    return struct.pack(">II", 0x801, n)


def write_split(d, prefix, n, image_bytes=None):
    """A valid IDX pair of n blank 28×28 images labelled 0."""
    (d / f"{prefix}-images-idx3-ubyte").write_bytes(images_header(n) + (image_bytes or bytes(n * 784)))
    (d / f"{prefix}-labels-idx1-ubyte").write_bytes(labels_header(n) + bytes(n))


def gzip_of_zeros(path, total):
    """`total` zero bytes, gzipped as a stream (never all in memory)."""
    chunk = bytes(1 << 20)
    with open(path, "wb") as f:
        z = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip wrapper
        for _ in range(total // len(chunk)):
            f.write(z.compress(chunk))
        f.write(z.flush())


PANICS = []


def measure(what, args, rows):
    t0 = time.monotonic()
    run = subprocess.run(["/usr/bin/time", "-f", "%M", str(LENET), *args],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
    seconds = time.monotonic() - t0
    peak_kb = int(run.stderr.strip().splitlines()[-1])
    if "panicked" in run.stdout + run.stderr:
        PANICS.append(what)
    rows.append((what, "lenet " + " ".join(args), run.returncode, peak_kb / 1024, seconds))


def serve_drip():
    """A loopback HTTP server that promises 1 MB and sends one byte a second."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def drip(conn):
        try:
            conn.recv(4096)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\nConnection: close\r\n\r\n")
            for _ in range(120):
                conn.sendall(b"x")
                time.sleep(1)
        except OSError:
            pass
        finally:
            conn.close()

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=drip, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return f"http://127.0.0.1:{listener.getsockname()[1]}/"


def main():
    if not LENET.is_file():
        sys.exit(f"hostile-memory.py: build the binary first: cargo build --release ({LENET} is missing)")
    if not Path("/usr/bin/time").is_file():
        sys.exit("hostile-memory.py: needs GNU time (/usr/bin/time; Debian's package `time`)")
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="lenet-hostile-"))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    try:
        # A valid model to start from: one short epoch on the embedded digits.
        run_dir = out / "run"
        subprocess.run([str(LENET), "train", "--epochs", "1", "--out", str(run_dir)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        model = json.loads((run_dir / "model.json").read_text())

        bomb = out / "bomb"
        bomb.mkdir()
        write_split(bomb, "t10k", 1)
        write_split(bomb, "train", 1)
        (bomb / "train-images-idx3-ubyte").unlink()
        gzip_of_zeros(bomb / "train-images-idx3-ubyte.gz", 3 << 30)
        measure("3 GB of zeros gzipped (issue 10, item 3)",
                ["train", "--dataset", "mnist", "--data", str(bomb), "--out", str(out / "r1")], rows)

        big = out / "largest"
        big.mkdir()
        write_split(big, "train", LARGEST_ACCEPTED)
        write_split(big, "t10k", LARGEST_ACCEPTED)
        measure(f"largest accepted IDX files ({LARGEST_ACCEPTED} images per split)",
                ["train", "--dataset", "mnist", "--data", str(big), "--epochs", "1", "--limit", "64",
                 "--out", str(out / "r2")], rows)
        measure("the same, evaluated",
                ["eval", "--dataset", "mnist", "--data", str(big), "--model", str(run_dir / "model.json")], rows)

        measure("/dev/zero as a model (item 4)", ["eval", "--model", "/dev/zero"], rows)

        long_bias = dict(model, params=dict(model["params"]))
        long_bias["params"]["fc3_b"] = dict(model["params"]["fc3_b"], data=[0] * 20_000_000)
        path = out / "long-bias.json"
        path.write_text(json.dumps(long_bias))
        measure(f"a {path.stat().st_size / 1e6:.0f} MB model, 20-million-entry bias (item 4)",
                ["eval", "--model", str(path)], rows)

        # As many distinct keys as fit under the 8 MiB bound.
        keys, size, parts = 0, 2, []
        while size + 16 < 8 * 1024 * 1024:
            part = f'"k{keys}":0'
            parts.append(part)
            size += len(part) + 1
            keys += 1
        path = out / "keys.json"
        path.write_text("{" + ",".join(parts) + "}")
        measure(f"{keys} distinct JSON keys, {path.stat().st_size / 2**20:.2f} MiB",
                ["eval", "--model", str(path)], rows)

        huge = dict(model, params={k: dict(v, data=[1e30] * len(v["data"])) for k, v in model["params"].items()})
        path = out / "overflow.json"
        path.write_text(json.dumps(huge))
        measure("weights of 1e30: the forward pass overflows (item 9)", ["eval", "--model", str(path)], rows)

        # Issue 20.
        measure("a batch of 10^9 images on 10,000 threads (issue 20, row 6)",
                ["train", "--batch-size", "1000000000", "--threads", "10000", "--epochs", "1",
                 "--out", str(out / "r6")], rows)
        measure("a batch of 10^9 images (row 6)",
                ["train", "--batch-size", "1000000000", "--epochs", "1", "--out", str(out / "r6")], rows)
        ckpt = json.loads((run_dir / "checkpoint.json").read_text())
        ckpt["config"]["batch_size"] = ckpt["config"]["threads"] = 10**18
        path = out / "huge-settings.json"
        path.write_text(json.dumps(ckpt))
        measure("a checkpoint whose batch size and threads are 10^18 (row 6)",
                ["train", "--resume", str(path), "--epochs", "2", "--out", str(out / "r6b")], rows)
        measure("a learning rate of 1e-50, 0 in f32 (row 7)",
                ["train", "--lr", "1e-50", "--epochs", "1", "--out", str(out / "r7")], rows)
        (out / "dl").mkdir()
        measure("a mirror sending a byte a second, --timeout 5 (row 5)",
                ["download", "mnist", "--dir", str(out / "dl"), "--base-url", serve_drip(),
                 "--stall-timeout", "30", "--timeout", "5"], rows)
    finally:
        if len(sys.argv) <= 1:
            shutil.rmtree(out, ignore_errors=True)

    print("| input | command | exit | peak memory | time |")
    print("|---|---|---|---|---|")
    for what, cmd, code, mb, seconds in rows:
        cmd = cmd.replace(str(out), "OUT")
        cmd = re.sub(r"http://127\.0\.0\.1:\d+/", "http://127.0.0.1:PORT/", cmd)
        print(f"| {what} | `{cmd}` | {code} | {mb:.1f} MB | {seconds:.2f} s |")
    print("\npanicked in: " + ", ".join(PANICS) if PANICS else "\nno output held \"panicked\"")
    if PANICS:
        sys.exit(1)


if __name__ == "__main__":
    main()
