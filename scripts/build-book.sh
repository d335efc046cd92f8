#!/usr/bin/env bash
# Builds the book into target/book/ (installing its tools when missing) and
# fails on any error or warning of mdBook or its preprocessors: a chapter whose
# notebook is missing or unexecuted, an include that names no file or anchor,
# a Rust block not taken from a file cargo compiles, a formula KaTeX cannot
# render.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-book.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
python3 notebooks/to_book.py --check
bash scripts/build-widgets.sh  # the interactive widgets' WebAssembly, into chapters/widgets/pkg/
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! mdbook build 2>&1 | tee "$log"; then
  echo "build-book.sh: mdbook build failed" >&2
  exit 1
fi
# mdBook logs in colour; strip the escape codes before looking for levels.
if sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "^\S*\s*(WARN|ERROR)\b" >/dev/null; then
  echo "build-book.sh: mdbook printed warnings or errors (above); the book must build cleanly" >&2
  exit 1
fi
echo "build-book.sh: book built in target/book/ (open target/book/index.html)"
