#!/usr/bin/env bash
# One epoch of Fashion-MNIST (60,000 images, batch 64, SGD momentum 0.9,
# lr 0.02, weight decay 5e-4, ReLU + max pooling, f32) trained by PyTorch and
# by lenet, back to back, ROUNDS times; prints images/s of each and the ratio.
# The machine may be shared, so the rounds alternate the two and the medians
# are compared. Also prints the readable (layer-by-layer) path's images/s.
#
# usage: scripts/bench-vs-torch.sh [ROUNDS]      (default 3)
# env:   THREADS (2), FASHION_MNIST_DIR (/usr/share/datasets/fashion-mnist),
#        TORCH_PYTHON (/work/torchvenv/bin/python, else python3)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
THREADS=${THREADS:-2}
DATA=${FASHION_MNIST_DIR:-/usr/share/datasets/fashion-mnist}
PY=${TORCH_PYTHON:-/work/torchvenv/bin/python}
[ -x "$PY" ] || PY=python3
TARGET=${CARGO_TARGET_DIR:-target}

if [ ! -e "$DATA/train-images-idx3-ubyte.gz" ] && [ ! -e "$DATA/train-images-idx3-ubyte" ]; then
    echo "error: no Fashion-MNIST in $DATA (apt-get install dataset-fashion-mnist, or set FASHION_MNIST_DIR)" >&2
    exit 1
fi
if ! "$PY" -c "import torch, numpy" 2>/dev/null; then
    echo "error: $PY cannot import torch and numpy (set TORCH_PYTHON to a Python that can)" >&2
    exit 1
fi

cargo build --release --quiet --bin lenet --example throughput
LENET="$TARGET/release/lenet"
EXAMPLE="$TARGET/release/examples/throughput"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

ips() { "$PY" -c 'import json,sys; print(round(json.loads(sys.stdin.read().strip().splitlines()[-1])["images_per_second"]))'; }

torch_runs=(); lenet_runs=()
for r in $(seq 1 "$ROUNDS"); do
    t=$(OMP_WAIT_POLICY=PASSIVE "$PY" tools/torch_lenet.py --threads "$THREADS" --dir "$DATA" | ips)
    l=$("$LENET" train --dataset fashion-mnist --data "$DATA" --epochs 1 --threads "$THREADS" \
        --lr 0.02 --momentum 0.9 --weight-decay 0.0005 --batch-size 64 --arch modern \
        --json --out "$OUT/run$r" | ips)
    echo "round $r: pytorch $t images/s, lenet train $l images/s, ratio $("$PY" -c "print(f'{$l/$t:.2f}')")"
    torch_runs+=("$t"); lenet_runs+=("$l")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mt=$(median "${torch_runs[@]}"); ml=$(median "${lenet_runs[@]}")
echo "median over $ROUNDS rounds, $THREADS threads: pytorch $mt images/s, lenet $ml images/s, ratio $("$PY" -c "print(f'{$ml/$mt:.2f}')")"
echo "one epoch at the median: pytorch $("$PY" -c "print(f'{60000/$mt:.1f}')") s, lenet $("$PY" -c "print(f'{60000/$ml:.1f}')") s"

# The readable path (every layer as the notebook computes it) on 5 batches.
r=$("$EXAMPLE" --threads "$THREADS" --dir "$DATA" --batches 20 --readable-batches 5 |
    "$PY" -c 'import json,sys; print(round(json.load(sys.stdin)["readable_images_per_second"]))')
echo "readable path: $r images/s (one thread; $("$PY" -c "print(f'{$ml/$r:.0f}')")× slower than the fast path)"
