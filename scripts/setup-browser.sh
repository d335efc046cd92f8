#!/usr/bin/env bash
# Installs what the browser check of the book (scripts/check-book.py) needs,
# skipping whatever is already there:
#   1. Debian's `chromium` and `chromium-driver` (apt-get; the two come from
#      one source package, so their versions match);
#   2. a font with Chinese glyphs, Debian's `fonts-wqy-microhei` (apt-get;
#      1.6 MB), for the Chinese book, when fontconfig knows none;
#   3. the Selenium client, pinned, in the Python venv .venv-notebooks/ (the
#      one scripts/setup-notebooks.sh makes; created here when missing).
# Needs apt-get (as root or through sudo) and Python 3.11+ with venv and pip.
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv-notebooks
# Pinned so that a fresh machine runs what was tested here (4.52.0 asks for a
# certifi newer than the package index serves).
SELENIUM_VERSION=4.51.0
source scripts/lib.sh

major() { "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9.]+' | head -1 | cut -d. -f1; }

# 1. The browser and its WebDriver, of the same version.
if command -v chromium >/dev/null && command -v chromedriver >/dev/null \
   && [ "$(major chromium)" = "$(major chromedriver)" ]; then
  echo "chromium and chromium-driver: present ($(chromium --version 2>/dev/null))"
else
  echo "chromium and chromium-driver: installing (apt-get)"
  apt_install chromium chromium-driver
fi

# 2. Chinese glyphs for the Chinese book (theme/lenet.css names this font last
#    in its stack; check-book.py fails on a character no font of the stack has).
command -v fc-list >/dev/null || apt_install fontconfig
if fc-list :lang=zh-cn family 2>/dev/null | grep -q .; then
  echo "a font with Chinese glyphs: present ($(fc-list :lang=zh-cn family | head -1))"
else
  echo "a font with Chinese glyphs: installing fonts-wqy-microhei (apt-get)"
  apt_install fonts-wqy-microhei
fi

# 3. The Python client, in the venv that .gitignore leaves out.
if [ ! -x "$VENV/bin/python" ]; then
  echo "Python venv $VENV: creating"
  python3 -m venv "$VENV"
fi
if "$VENV/bin/python" -c "import sys, selenium; sys.exit(selenium.__version__ != '$SELENIUM_VERSION')" 2>/dev/null; then
  echo "selenium $SELENIUM_VERSION: present ($VENV)"
else
  echo "selenium $SELENIUM_VERSION: installing into $VENV"
  "$VENV/bin/python" -m pip install --quiet "selenium==$SELENIUM_VERSION"
fi
echo "browser check ready: $VENV/bin/python scripts/check-book.py"
