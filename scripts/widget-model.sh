#!/usr/bin/env bash
# Makes the model the chapter-5 widget ("A digit, backwards") ships: LeNet-5
# (ReLU, max pooling) trained by `lenet train` on the 8,000 embedded training
# digits with a fixed seed, saved as chapters/widgets/lenet-digits.json (the
# model file format of lenet-core/src/lenet5/file.rs), and measured by `lenet eval` on
# the 2,000 embedded validation digits. Also writes
# chapters/widgets/digit-samples.json, the ten validation digits the widget
# offers (wasm/examples/digit_samples.rs).
#
# Same seed and thread count, same run: running it again on this machine
# rewrites the same bytes (a CPU with other vector instructions may differ in
# the last digits). Takes about 10 s of training.
#
# Usage: bash scripts/widget-model.sh
set -euo pipefail
cd "$(dirname "$0")/.."

SEED=1
EPOCHS=10
THREADS=1
MODEL=chapters/widgets/lenet-digits.json

cargo build --release --bin lenet
run="$(mktemp -d)"
trap 'rm -rf "$run"' EXIT
target/release/lenet train --dataset embedded --arch modern --seed "$SEED" --epochs "$EPOCHS" \
  --threads "$THREADS" --out "$run/run" --json
cp "$run/run/model.json" "$MODEL"
echo "wrote $MODEL ($(stat -c %s "$MODEL") bytes); its accuracy on the validation digits:"
target/release/lenet eval --model "$MODEL" --dataset embedded --json
(cd wasm && CARGO_TARGET_DIR="$PWD/../target/wasm" cargo run --release --example digit_samples)
