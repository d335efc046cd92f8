#!/usr/bin/env python3
"""One Fashion-MNIST training epoch by two or more `lenet` binaries, taking
turns, ROUNDS times: what a change to the fast path buys, measured so that
the machine's drift from minute to minute (several per cent on this
project's VMs) falls on both alike.

usage: scripts/bench-ab.py ROUNDS THREADS LENET_A LENET_B [...]
   e.g. git worktree add /tmp/old fd65d3e && (cd /tmp/old && cargo build --release)
        scripts/bench-ab.py 7 2 /tmp/old/target/release/lenet target/release/lenet

Each run is `lenet train --dataset fashion-mnist --epochs 1 --threads
THREADS --seed 1 --json` into a temporary folder; its `train_seconds` is
the epoch's training time. Prints every run, then each binary's median and
fastest, and how busy the rest of the machine was (CPU time of other
processes per second of wall time, from /proc/stat less this script's
children): compare medians only when that stays near 0.
env: FASHION_MNIST_DIR (lenet's default folder if unset).
"""
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v[:8]) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def children_seconds() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    rounds, threads, binaries = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    data = os.environ.get("FASHION_MNIST_DIR")
    seconds = {b: [] for b in binaries}
    others = []
    for r in range(rounds):
        for b in binaries:
            with tempfile.TemporaryDirectory() as tmp:
                cmd = [b, "train", "--dataset", "fashion-mnist", "--epochs", "1", "--threads", threads]
                cmd += ["--seed", "1", "--out", os.path.join(tmp, "run"), "--json"]
                if data:
                    cmd += ["--data", data]
                c0, b0, t0 = children_seconds(), busy_seconds(), time.time()
                out = subprocess.run(cmd, capture_output=True, text=True, check=True)
                wall = time.time() - t0
                other = max(0.0, (busy_seconds() - b0) - (children_seconds() - c0)) / wall
            s = json.loads(out.stdout)["train_seconds"]
            seconds[b].append(s)
            others.append(other)
            print(f"round {r + 1}: {b}: {s:.3f} s (other processes {other:.2f} cores)", flush=True)
    for b in binaries:
        print(f"median {statistics.median(seconds[b]):.3f} s, fastest {min(seconds[b]):.3f} s: {b}")
    print(f"other processes: median {statistics.median(others):.2f} cores, most {max(others):.2f}")


if __name__ == "__main__":
    main()
