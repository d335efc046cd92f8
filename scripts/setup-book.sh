#!/usr/bin/env bash
# Installs what building the book needs, skipping whatever is already there:
#   1. mdBook 0.5.3 (cargo install), the version mdbook-katex 0.10.0 is built against;
#   2. mdbook-katex 0.10.0, which renders the math at build time (cargo
#      install; its JavaScript engine's C build needs Debian's `patch`);
#   3. mdbook-i18n-helpers 0.4.0 (cargo install): mdbook-xgettext extracts
#      the messages, mdbook-gettext builds the Chinese book from po/zh-CN.po;
#   4. KaTeX's stylesheet and fonts, from the npm package of the KaTeX release
#      mdbook-katex renders with, into chapters/katex/ (ignored by git), so the
#      built book shows its math without a network.
# Needs cargo, gcc and npm. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

MDBOOK_VERSION=0.5.3
KATEX_PRE_VERSION=0.10.0
# The first release for mdBook 0.5.
I18N_VERSION=0.4.0
# The KaTeX release whose stylesheet mdbook-katex 0.10.0 links by default.
KATEX_VERSION=0.16.4
source scripts/lib.sh

if cargo_installed mdbook "$MDBOOK_VERSION"; then
  echo "mdbook $MDBOOK_VERSION: present"
else
  echo "mdbook $MDBOOK_VERSION: installing (cargo install, a few minutes)"
  cargo install --locked mdbook --version "$MDBOOK_VERSION"
fi

if cargo_installed mdbook-katex "$KATEX_PRE_VERSION"; then
  echo "mdbook-katex $KATEX_PRE_VERSION: present"
else
  command -v patch >/dev/null || apt_install patch
  echo "mdbook-katex $KATEX_PRE_VERSION: installing (cargo install, a few minutes)"
  cargo install --locked mdbook-katex --version "$KATEX_PRE_VERSION"
fi

if [ -x "$CARGO_BIN/mdbook-gettext" ] && cargo install --list | grep -q "^mdbook-i18n-helpers v$I18N_VERSION:"; then
  echo "mdbook-i18n-helpers $I18N_VERSION: present"
else
  echo "mdbook-i18n-helpers $I18N_VERSION: installing (cargo install, a few minutes)"
  cargo install --locked mdbook-i18n-helpers --version "$I18N_VERSION"
fi

DEST=chapters/katex
if [ -f "$DEST/katex.min.css" ] && [ "$(cat "$DEST/VERSION" 2>/dev/null)" = "$KATEX_VERSION" ]; then
  echo "KaTeX $KATEX_VERSION stylesheet and fonts: present ($DEST)"
else
  echo "KaTeX $KATEX_VERSION stylesheet and fonts: copying from npm into $DEST"
  command -v npm >/dev/null || apt_install npm
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "katex@$KATEX_VERSION" >/dev/null && tar -xzf "katex-$KATEX_VERSION.tgz")
  rm -rf "$DEST.tmp" && mkdir -p "$DEST.tmp/fonts"
  cp "$tmp/package/dist/katex.min.css" "$DEST.tmp/"
  cp "$tmp/package/dist/fonts/"*.woff2 "$DEST.tmp/fonts/"
  cp "$tmp/package/LICENSE" "$DEST.tmp/LICENSE"
  echo "$KATEX_VERSION" > "$DEST.tmp/VERSION"
  rm -rf "$DEST" && mv "$DEST.tmp" "$DEST"
fi
