#!/usr/bin/env bash
# The whole test suite: every unit, integration and doc test of the crate,
# then every notebook executed with the real Rust kernel.
# Installs what it needs when it is missing; run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo test (all targets, release-optimised dependencies)"
cargo test --release --all-targets
echo "== cargo test --doc"
cargo test --release --doc
echo "== library alone (what a notebook's :dep builds)"
cargo build --release --lib --no-default-features
echo "== notebooks, executed with the real Rust kernel (installed when missing)"
bash scripts/setup-notebooks.sh
.venv-notebooks/bin/python scripts/run-notebooks.py
