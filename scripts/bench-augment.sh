#!/usr/bin/env bash
# What augmentation costs: `lenet train` on the embedded digits (2 epochs,
# the default settings otherwise) with each --augment choice, images/s of
# training, and the ratio to no augmentation run in the same round. The
# choices alternate within each round and the medians over ROUNDS are
# compared, so that a machine shared with other work slows all of them
# alike.
#
# usage: scripts/bench-augment.sh [ROUNDS]     (default 3)
# env:   THREADS (2)
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${1:-3}
THREADS=${THREADS:-2}
CHOICES=(none shift affine elastic mirror shift,affine,elastic)
cargo build --release --quiet --bin lenet
LENET="${CARGO_TARGET_DIR:-target}/release/lenet"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

declare -A runs
for r in $(seq 1 "$ROUNDS"); do
    for a in "${CHOICES[@]}"; do
        ips=$("$LENET" train --epochs 2 --threads "$THREADS" --augment "$a" --json --out "$OUT/$r-$a" |
            python3 -c 'import json,sys; print(round(json.loads(sys.stdin.read().strip().splitlines()[-1])["images_per_second"]))')
        runs[$a]+="$ips "
    done
    echo "round $r done"
done
median() { printf '%s\n' $1 | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
base=$(median "${runs[none]}")
printf '%-22s %12s %8s\n' "--augment" "images/s" "of none"
for a in "${CHOICES[@]}"; do
    m=$(median "${runs[$a]}")
    printf '%-22s %12s %7.0f%%\n' "$a" "$m" "$(python3 -c "print(100*$m/$base)")"
done
echo "(medians of $ROUNDS rounds, --threads $THREADS; load now: $(cut -d' ' -f1-3 /proc/loadavg))"
