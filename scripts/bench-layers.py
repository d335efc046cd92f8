#!/usr/bin/env python3
"""Measure the fast path layer by layer and report it against the CPU's peak.

Runs criterion's benches/layers.rs (the fast functions and one core's f32
FMA peak; the readable ones too with --readable) and prints:

1. per layer: time per batch of 64 (criterion's mean), the layer's FLOP
   per batch computed from LeNet's shapes, GFLOP/s and the fraction of the
   measured peak;
2. the peak itself: one core's f32 fused multiply-adds on each vector width
   the CPU has, and which one is fastest;
3. thread scaling: images/s of a whole training step at 1 and 2 threads,
   and `lenet train` for one Fashion-MNIST epoch at --threads 1 and 2.

It prints /proc/loadavg before and after, measures the CPU time other
processes used during the run, and warns when that was more than a quarter
of a core: the numbers are only worth recording from a quiet machine. On a
shared one, run it under `nice -n 10` (every process it starts inherits it).

usage: python3 scripts/bench-layers.py [--quick] [--readable] [--no-train]
       [--data DIR] [--verbose]
env:   FASHION_MNIST_DIR (/usr/share/datasets/fashion-mnist), CARGO_TARGET_DIR,
       CRITERION_HOME (both as cargo and criterion read them)

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The batch benches/layers.rs times every layer on.
N = 64
# One Fashion-MNIST training epoch.
EPOCH_IMAGES = 60_000
# Above this many cores kept busy by other processes during the run, the
# machine was not quiet enough. (The load average is printed but not used:
# it decays over minutes, so it still counts work that ended before the run,
# and it counts this script's own.)
QUIET_OTHERS = 0.25

# ---------------------------------------------------------------------------
# FLOP per batch, from LeNet-5's shapes (src/model/arch.rs; the modern form
# the fast path runs: ReLU and max pooling). A multiply-add counts 2 FLOP,
# as the peak benchmark counts an FMA. Bias additions, the bias gradients'
# row sums, im2col/col2im copies, flatten and the softmax are left out: each
# is a few operations per output, against 25–150 multiply-adds per output
# for the products that dominate.


def conv_flop(n: int, c_in: int, c_out: int, out_side: int, kernel: int) -> int:
    """A valid/padded convolution's forward pass: every output entry
    (n · c_out · out_side²) is a dot product of c_in · kernel² weights with
    its window. E.g. conv2: 64 · 16 · 10 · 10 · (6 · 5 · 5 = 150) · 2."""
    return n * c_out * out_side * out_side * c_in * kernel * kernel * 2


def fc_flop(n: int, fan_in: int, units: int) -> int:
    """z = W a for n columns: a units × fan_in by fan_in × n product."""
    return n * units * fan_in * 2


def relu_maxpool_forward(n: int, channels: int, side: int) -> int:
    """The fused ReLU + 2×2 max pool (src/model/fast/pool.rs) pools the
    pre-activations (3 comparisons per window) and applies ReLU to the
    quarter that is left (1 per window): 4 operations per pooled output.
    Comparisons, not FMAs: this layer is bound by memory, and its fraction
    of the FMA peak says how far from compute-bound it is."""
    return n * channels * (side // 2) ** 2 * 4


def relu_maxpool_backward(n: int, channels: int, side: int) -> int:
    """ReLU′ gates each pooled output's gradient (1 per window); routing it
    to the window's arg max is a copy."""
    return n * channels * (side // 2) ** 2


# Forward and backward of each layer at N. Backward of a convolution or a
# dense layer = the weight gradient (δ times the input, the same products as
# the forward pass) + the input gradient (Wᵀ δ, the same again) = 2× the
# forward; conv1 computes only its kernel gradient (nothing needs ∂C/∂x of
# the images), so its backward = 1× its forward.
CONV1_F = conv_flop(N, 1, 6, 28, 5)  # 64·6·28·28·25·2, padding 2 keeps 28×28
CONV1_B = CONV1_F
CONV2_F = conv_flop(N, 6, 16, 10, 5)  # 64·16·10·10·150·2
CONV2_B = 2 * CONV2_F
POOL1_F, POOL1_B = relu_maxpool_forward(N, 6, 28), relu_maxpool_backward(N, 6, 28)
POOL2_F, POOL2_B = relu_maxpool_forward(N, 16, 10), relu_maxpool_backward(N, 16, 10)
FC1_F = fc_flop(N, 400, 120)  # 64·120·400·2
FC1_B = 2 * FC1_F
FC2_F, FC3_F = fc_flop(N, 120, 84), fc_flop(N, 84, 10)
# ReLU after fc1 and fc2 (one max per unit), and ReLU′ on the way back.
FC_RELU = N * (120 + 84)

# The whole step (forward + backward of every layer), summed from the same
# per-layer counts rather than typed as a total.
STEP = sum(
    [
        CONV1_F, CONV1_B,
        POOL1_F, POOL1_B,
        CONV2_F, CONV2_B,
        POOL2_F, POOL2_B,
        FC1_F, FC1_B,
        FC2_F, 2 * FC2_F,
        FC3_F, 2 * FC3_F,
        2 * FC_RELU,
    ]
)  # fmt: skip

# The layer groups of benches/layers.rs (criterion group ids, exactly as the
# bench names them), each with its label and FLOP per batch. Every function
# of a group ("fast", "fast, Avx2 path", "readable"…) does the same work.
LAYERS = [
    ("conv1 forward (64×1×28×28, 6 kernels 5×5, pad 2)", "conv1 forward", CONV1_F),
    ("conv1 backward", "conv1 backward (kernel grad)", CONV1_B),
    ("conv2 forward (64×6×14×14, 16 kernels 6×5×5)", "conv2 forward", CONV2_F),
    ("conv2 backward", "conv2 backward", CONV2_B),
    ("ReLU + max pool forward (64×6×28×28)", "ReLU + max pool 1 forward", POOL1_F),
    ("ReLU + max pool backward", "ReLU + max pool 1 backward", POOL1_B),
    # What training runs for the two rows above the one before (conv1_pool).
    ("conv1 + ReLU + max pool 1 forward (64×1×28×28)", "conv1 + pool 1 forward", CONV1_F + POOL1_F),
    ("fc1 forward (120×400, 64 columns)", "fc1 forward", FC1_F),
    ("fc1 backward (weight gradient and Wᵀδ)", "fc1 backward", FC1_B),
    ("LeNet loss and gradients, batch 64", "whole step", STEP),
]
NETWORK_GROUP = LAYERS[-1][0]
PEAK_GROUP = "f32 FMA peak, one core"

# criterion's filter is a regex on "group/function": the peak group and
# every function whose name starts with "fast" (the readable ones take
# minutes: 159 ms per step against 3).
FILTER_FAST = r"^f32 FMA peak|/fast"
FILTER_READABLE = r"^f32 FMA peak|/fast|/readable"


@dataclass
class Result:
    group: str
    function: str
    mean_ns: float
    half_ci_ns: float  # half the width of the mean's 95 % confidence interval
    throughput: int | None  # criterion's Throughput::Elements (the peak's FLOP per iteration)


def load_average() -> tuple[float, float, float]:
    with open("/proc/loadavg") as f:
        one, five, fifteen = (float(x) for x in f.read().split()[:3])
    return one, five, fifteen


def cpu_busy_seconds() -> float:
    """Seconds of CPU time the whole machine has spent busy (all cores),
    from the first line of /proc/stat (in USER_HZ ticks)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    # guest time is already counted in user time: the first 8 fields only
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU time of this script and every process it started and waited for
    (cargo, the bench binary, lenet train: their descendants included)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def target_dir() -> Path:
    """Where cargo builds, as `cargo metadata` says (it honours
    CARGO_TARGET_DIR and .cargo/config); criterion writes under it."""
    out = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return Path(json.loads(out)["target_directory"])


def criterion_dir() -> Path:
    # criterion's own order: $CRITERION_HOME, else <target dir>/criterion.
    home = os.environ.get("CRITERION_HOME")
    return Path(home) if home else target_dir() / "criterion"


def run_criterion(args: argparse.Namespace, log: Path) -> None:
    if args.quick:
        timing = ["--warm-up-time", "1", "--measurement-time", "3"]
    else:
        # Longer than the bench's own defaults (0.5 s + 2 s, 10 samples),
        # for tighter intervals on a quiet machine.
        timing = ["--warm-up-time", "3", "--measurement-time", "10", "--sample-size", "30"]
    filt = FILTER_READABLE if args.readable else FILTER_FAST
    # --noplot: the SVG reports cost seconds per benchmark and are not read.
    cmd = ["cargo", "bench", "--bench", "layers", "--", *timing, "--noplot", filt]
    print(f"$ {' '.join(cmd[:-1])} '{filt}'", flush=True)
    print(f"  (criterion's output: {log}; below, its [low estimate high] of each, while the")
    print("  tables after use its mean, which on a busy machine can differ from that estimate)", flush=True)
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        name = ""
        for line in proc.stdout:
            out.write(line)
            if args.verbose:
                sys.stdout.write(line)
                continue
            # criterion's result: "<group>/<function>   time: [low mean high]",
            # with "time:" on a line of its own under a long name; a "time:"
            # in percent is the change since the previous run (not shown).
            m = re.match(r"^(\S.*?)?\s+time:\s+(\[[^%]*\])", line)
            if m:
                print(f"  {m.group(1) or name}  {m.group(2)}", flush=True)
            elif line[:1].strip() and not line.startswith(("Benchmarking", "Warning", "Gnuplot")):
                name = line.strip()
        if proc.wait() != 0:
            sys.exit(f"error: cargo bench failed (exit {proc.returncode}); see {log}")


def read_results(root: Path, since: float) -> dict[tuple[str, str], Result]:
    """Every benchmark criterion measured in this run, by (group, function).

    criterion names each result directory after the group and function ids
    with ?"/\\*<>:|^ replaced by _ and cut to 64 bytes (so ×, ᵀ and δ stay),
    and appends _2, _3… when two cut names collide. Rather than repeat that
    rule, read the ids from the benchmark.json beside each estimates.json.
    Results older than this run (`since`) are left out: a function the
    filter skipped keeps its old directory."""
    results = {}
    for meta in root.glob("**/new/benchmark.json"):
        est = meta.with_name("estimates.json")
        if not est.exists() or est.stat().st_mtime < since:
            continue
        m = json.loads(meta.read_text())
        e = json.loads(est.read_text())["mean"]
        ci = e["confidence_interval"]
        tp = m.get("throughput") or {}
        results[(m["group_id"], m["function_id"])] = Result(
            m["group_id"],
            m["function_id"],
            e["point_estimate"],
            (ci["upper_bound"] - ci["lower_bound"]) / 2,
            tp.get("Elements"),
        )
    return results


def threads_of(function: str) -> int:
    m = re.search(r"(\d+) thread", function)
    return int(m.group(1)) if m else 1


def print_peak(results: dict[tuple[str, str], Result]) -> tuple[float, str]:
    peaks = [r for (g, _), r in results.items() if g == PEAK_GROUP]
    if not peaks:
        sys.exit(f"error: criterion reported nothing for {PEAK_GROUP!r}; was benches/layers.rs changed?")
    print(f"\n== One core's f32 FMA peak (criterion group {PEAK_GROUP!r}) ==")
    for r in sorted(peaks, key=lambda r: r.function):
        if r.throughput is None:
            sys.exit(f"error: {r.function!r} has no throughput (its FLOP per iteration) in benchmark.json")
        print(f"  {r.function:<28} {r.throughput / r.mean_ns:8.1f} GFLOP/s  ({r.throughput:,} FLOP in {r.mean_ns / 1e3:.1f} µs)")
    best = max(peaks, key=lambda r: r.throughput / r.mean_ns)
    peak = best.throughput / best.mean_ns  # FLOP per ns = GFLOP/s
    print(f"  peak: {peak:.1f} GFLOP/s, {best.function}")
    return peak, best.function


def print_layers(results: dict[tuple[str, str], Result], peak: float, readable: bool) -> None:
    print(f"\n== Per layer, batch {N}, f32 (criterion's mean; ± half its 95 % interval) ==")
    groups = {g for g, _, _ in LAYERS}
    width = max([len("function")] + [len(f) for (g, f) in results if g in groups])
    head = f"  {'layer':<29} {'function':<{width}} {'ms/batch':>15} {'MFLOP':>7} {'GFLOP/s':>8} {'% peak':>7}"
    print(head)
    print("  " + "-" * (len(head) - 2))
    missing = []
    for group, label, flop in LAYERS:
        rows = [r for (g, _), r in results.items() if g == group]
        if not any(r.function.startswith("fast") for r in rows):
            missing.append(group)
        # the training path ("fast…", best first by name length), then the readable one
        rows.sort(key=lambda r: (not r.function.startswith("fast"), len(r.function), r.function))
        for r in rows:
            gflops = flop / r.mean_ns
            t = threads_of(r.function) if group == NETWORK_GROUP else 1
            pct = 100 * gflops / (t * peak)
            ms = f"{r.mean_ns / 1e6:.3f} ± {r.half_ci_ns / 1e6:.3f}"
            print(f"  {label:<29} {r.function:<{width}} {ms:>15} {flop / 1e6:7.2f} {gflops:8.2f} {pct:6.1f}%")
    print(
        "  % peak: of one core's measured peak; the 2-thread step's of two cores' (2 × peak).\n"
        "  FLOP from the shapes: a multiply-add is 2; conv and fc backward = weight + input gradient\n"
        "  = 2 × forward; conv1 backward = its kernel gradient only; pooling counts comparisons, not FMAs;\n"
        f"  the whole step = forward + backward of every layer (conv1, pool1, conv2, pool2, fc1–fc3) = {STEP / 1e6:.2f} MFLOP."
    )
    if missing:
        print(f"  warning: no fast result for {missing}: renamed in benches/layers.rs?")
    if not readable:
        print("  (readable functions skipped; --readable runs them too)")


def print_step_scaling(results: dict[tuple[str, str], Result]) -> None:
    steps = {threads_of(f): r for (g, f), r in results.items() if g == NETWORK_GROUP and f.startswith("fast")}
    print(f"\n== Thread scaling: a whole step (loss and gradients), batch {N} ==")
    for t in sorted(steps):
        print(f"  {t} thread(s): {N / (steps[t].mean_ns / 1e9):9,.0f} images/s  ({steps[t].mean_ns / 1e6:.3f} ms per step)")
    if 1 in steps and 2 in steps:
        print(f"  2 threads / 1 thread: {steps[1].mean_ns / steps[2].mean_ns:.2f}×")


def train_epoch(lenet: Path, data: Path, threads: int, out: Path) -> dict:
    # The settings of scripts/bench-vs-torch.sh, so the numbers compare.
    cmd = [
        str(lenet), "train", "--dataset", "fashion-mnist", "--data", str(data), "--epochs", "1",
        "--threads", str(threads), "--lr", "0.02", "--momentum", "0.9", "--weight-decay", "0.0005",
        "--batch-size", "64", "--arch", "modern", "--json", "--out", str(out),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} failed:\n{proc.stderr}")
    # --json: the final metrics as one JSON object, the last line of stdout
    return json.loads(proc.stdout.strip().splitlines()[-1])


def print_train(data: Path) -> None:
    print("\n== lenet train, one Fashion-MNIST epoch (batch 64, f32), back to back ==")
    if not (data / "train-images-idx3-ubyte.gz").exists() and not (data / "train-images-idx3-ubyte").exists():
        print(f"  skipped: no Fashion-MNIST in {data} (set FASHION_MNIST_DIR or --data)")
        return
    subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "lenet"], cwd=ROOT, check=True)
    lenet = target_dir() / "release" / "lenet"
    ips = {}
    with tempfile.TemporaryDirectory() as tmp:
        for t in (1, 2):
            m = train_epoch(lenet, data, t, Path(tmp) / f"threads{t}")
            ips[t] = m["images_per_second"]
            print(
                f"  --threads {t}: {ips[t]:9,.0f} images/s, {EPOCH_IMAGES / ips[t]:.2f} s per {EPOCH_IMAGES:,}-image epoch"
                f"  (train_seconds {m['train_seconds']:.2f}, wall {m['wall_seconds']:.2f})"
            )
    print(f"  2 threads / 1 thread: {ips[2] / ips[1]:.2f}×")


def print_load(when: str) -> float:
    one, five, fifteen = load_average()
    print(f"load average {when}: {one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)")
    return one


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="criterion --warm-up-time 1 --measurement-time 3")
    ap.add_argument("--readable", action="store_true", help="also time the readable functions (minutes)")
    ap.add_argument("--no-train", action="store_true", help="skip the two `lenet train` epochs")
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")),
        help="Fashion-MNIST folder (default $FASHION_MNIST_DIR or /usr/share/datasets/fashion-mnist)",
    )
    ap.add_argument("-v", "--verbose", action="store_true", help="show criterion's whole output")
    args = ap.parse_args()

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    print(f"lenet {commit.stdout.strip() or '?'}, {cpu_name()}, {os.cpu_count()} cores, niceness {os.nice(0)}")
    before = print_load("before")
    if before > 1.0:
        print(f"note: 1-minute load {before:.2f}: if other work is still running, the numbers will say so at the end")
    busy0, own0, wall0 = cpu_busy_seconds(), own_cpu_seconds(), time.monotonic()

    # Build first, so that the start time below excludes compiling and the
    # results read afterwards are exactly this run's.
    subprocess.run(["cargo", "bench", "--bench", "layers", "--no-run", "--quiet"], cwd=ROOT, check=True)
    crit = criterion_dir()
    since = time.time()
    run_criterion(args, crit.parent / "bench-layers.log")
    results = read_results(crit, since)

    peak, _ = print_peak(results)
    print_layers(results, peak, args.readable)
    print_step_scaling(results)
    if not args.no_train:
        print_train(args.data)

    print()
    after = print_load("after")
    # The load average counts this script's own work (one core while a
    # benchmark runs), so the other processes' share is measured directly:
    # the machine's busy CPU time minus this script's and its children's.
    wall = time.monotonic() - wall0
    others = max(0.0, (cpu_busy_seconds() - busy0) - (own_cpu_seconds() - own0)) / wall
    print(f"other processes during the run: {others:.2f} cores busy on average, over {wall:.0f} s")
    if others > QUIET_OTHERS:
        print(
            f"WARNING: the machine was not quiet (load {before:.2f} before, {after:.2f} after,"
            f" {others:.2f} cores used by others): numbers are not reliable"
        )


if __name__ == "__main__":
    main()
