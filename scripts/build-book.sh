#!/usr/bin/env bash
# Builds the book in English into target/book/ and in Chinese into
# target/book/zh-CN/ (installing their tools when missing), and fails on any
# error or warning of mdBook or its preprocessors: a chapter whose notebook is
# missing or unexecuted, an include that names no file or anchor, a Rust block
# not taken from a file cargo compiles, a formula KaTeX cannot render, a
# translation (po/zh-CN.po) whose Markdown does not fit its message. Then adds
# the Chinese text to each book's search index (scripts/cjk_search.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-book.sh
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
python3 notebooks/to_book.py --check
bash scripts/build-widgets.sh  # the interactive widgets' WebAssembly, into chapters/widgets/pkg/
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# build LANGUAGE DIR TITLE: one book, with mdBook's warnings as errors.
build() {
  if ! MDBOOK_BOOK__LANGUAGE="$1" MDBOOK_BOOK__TITLE="$3" mdbook build -d "$2" 2>&1 | tee "$log"; then
    echo "build-book.sh: mdbook build ($1) failed" >&2
    exit 1
  fi
  # mdBook logs in colour; strip the escape codes before looking for levels.
  if sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E "^\S*\s*(WARN|ERROR)\b" >/dev/null; then
    echo "build-book.sh: mdbook printed warnings or errors ($1, above); the book must build cleanly" >&2
    exit 1
  fi
  # Chinese in the search index, which mdBook leaves out (theme/cjk-search.js splits queries the same way).
  python3 scripts/cjk_search.py "$2"
}
# English first: mdbook empties its build folder, the Chinese book's among it.
build en target/book "$(sed -n 's/^title = "\(.*\)"$/\1/p' book.toml)"
build zh-CN target/book/zh-CN "lenet：LeNet 的反向传播，推导并运行"
echo "build-book.sh: books built in target/book/ (English, open target/book/index.html)" \
     "and target/book/zh-CN/ (中文, open target/book/zh-CN/index.html)"
