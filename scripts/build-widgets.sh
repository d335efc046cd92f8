#!/usr/bin/env bash
# Builds the book's interactive widgets (issue 12): the wasm/ crate, lenet's
# layer functions compiled to WebAssembly, and its JavaScript bindings into
# chapters/widgets/pkg/ (ignored by git; mdBook copies it into the book next
# to the hand-written chapters/widgets/*.js that load it).
#
# Installs what it needs when it is missing: the rustup target
# wasm32-unknown-unknown and wasm-bindgen-cli at the version wasm/Cargo.toml
# pins. Fails if the widgets' .wasm is over the budget of 600 KB. Run from
# anywhere; scripts/build-book.sh runs it before mdbook build.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
no_arguments "$0" "$@"
cd "$(dirname "$0")/.."
export PATH="$CARGO_BIN:$PATH"

TARGET=wasm32-unknown-unknown
# One place for the version: the `=` pin of wasm/Cargo.toml.
BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' wasm/Cargo.toml)
[ -n "$BINDGEN_VERSION" ] || { echo "build-widgets.sh: no 'wasm-bindgen = \"=X.Y.Z\"' pin in wasm/Cargo.toml" >&2; exit 1; }
BUDGET_BYTES=$((600 * 1024))
OUT=chapters/widgets/pkg

if rustup target list --installed | grep -qx "$TARGET"; then
  echo "rust target $TARGET: present"
else
  echo "rust target $TARGET: installing (rustup)"
  rustup target add "$TARGET"
fi

if command -v wasm-bindgen >/dev/null && [ "$(wasm-bindgen --version)" = "wasm-bindgen $BINDGEN_VERSION" ]; then
  echo "wasm-bindgen $BINDGEN_VERSION: present"
else
  echo "wasm-bindgen $BINDGEN_VERSION: installing (cargo install, a few minutes)"
  # --locked first; if a crate of its lock file is not in the registry (a
  # yanked or not yet mirrored version), resolve the dependencies afresh.
  cargo install --locked wasm-bindgen-cli --version "$BINDGEN_VERSION" \
    || cargo install wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi

# The crate has its own workspace; its build goes under the main target/.
export CARGO_TARGET_DIR="$PWD/target/wasm"
(cd wasm && cargo build --release --locked --target "$TARGET")
wasm="$CARGO_TARGET_DIR/$TARGET/release/lenet_widgets.wasm"
rm -rf "$OUT"
# Without the name section (function names for debuggers, a quarter of the file).
wasm-bindgen --target web --no-typescript --remove-name-section --out-dir "$OUT" "$wasm"

size=$(stat -c %s "$OUT/lenet_widgets_bg.wasm")
echo "build-widgets.sh: $OUT/lenet_widgets_bg.wasm is $size bytes ($((size / 1024)) KB; budget $((BUDGET_BYTES / 1024)) KB)"
if [ "$size" -gt "$BUDGET_BYTES" ]; then
  echo "build-widgets.sh: the widgets' WebAssembly is over the budget of $((BUDGET_BYTES / 1024)) KB" >&2
  exit 1
fi
