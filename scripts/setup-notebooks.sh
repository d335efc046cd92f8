#!/usr/bin/env bash
# Installs what the notebooks need, skipping whatever is already there:
#   1. evcxr_jupyter 0.22.0, the Rust Jupyter kernel (cargo install, ~9 min);
#   2. its kernel spec, named "rust";
#   3. a Python venv, .venv-notebooks/, with nbclient (`jupyter execute`,
#      scripts/update-notebooks.py), jupytext (the notebooks as text,
#      notebooks/src/*.rs) and pytest with nbval (the test of their outputs);
#   4. with --lab, JupyterLab in the same venv, to open the notebooks.
# Needs only cargo, gcc and Python 3.11+ with venv and pip. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

EVCXR_VERSION=0.22.0
VENV=.venv-notebooks
source scripts/lib.sh
# Pinned so that a fresh machine runs what was tested here.
PY_PACKAGES=(nbclient==0.11.0 nbformat==5.11.1 jupyter_client==8.10.0 jupyter_core==5.9.1
             jupytext==1.19.7 nbval==0.11.0 pytest==9.2.0)
LAB=0
for arg in "$@"; do
  case "$arg" in
    --lab) LAB=1 ;;
    *) echo "setup-notebooks.sh: unknown argument '$arg' (only --lab)" >&2; exit 2 ;;
  esac
done

# 1. The kernel. --no-default-features leaves out the mimalloc allocator's C
# build; the kernel does not need the rust-src component either.
# (evcxr_jupyter has no --version; cargo's own list of installs says it.)
if cargo_installed evcxr_jupyter "$EVCXR_VERSION"; then
  echo "evcxr_jupyter $EVCXR_VERSION: present"
else
  echo "evcxr_jupyter $EVCXR_VERSION: installing (cargo install, takes about 9 minutes)"
  cargo install --locked --no-default-features evcxr_jupyter --version "$EVCXR_VERSION"
fi

# 2. The kernel spec, in the user's Jupyter data directory, where every
# Jupyter (the venv's or a system one) looks.
KERNEL_DIR="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/rust"
if [ -f "$KERNEL_DIR/kernel.json" ] && grep -q "$CARGO_BIN/evcxr_jupyter" "$KERNEL_DIR/kernel.json"; then
  echo "kernel spec 'rust': present ($KERNEL_DIR)"
else
  echo "kernel spec 'rust': installing"
  "$CARGO_BIN/evcxr_jupyter" --install
fi

# 3. and 4. The Python side, in a venv that .gitignore leaves out.
if [ ! -x "$VENV/bin/python" ]; then
  echo "Python venv $VENV: creating"
  python3 -m venv "$VENV"
fi
# Every pinned package at its version (an older venv may lack some).
pins_present() {
  "$VENV/bin/python" - "${PY_PACKAGES[@]}" <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version
for pin in sys.argv[1:]:
    name, wanted = pin.split("==")
    try:
        found = version(name)
    except PackageNotFoundError:
        found = None
    if found != wanted:
        sys.exit(1)
EOF
}
if pins_present && [ -x "$VENV/bin/jupyter-execute" ] && [ -x "$VENV/bin/pytest" ] && [ -x "$VENV/bin/jupytext" ]; then
  echo "nbclient, jupytext, pytest, nbval: present"
else
  echo "nbclient, jupytext, pytest, nbval: installing into $VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet "${PY_PACKAGES[@]}"
fi
if [ "$LAB" = 1 ]; then
  if [ -x "$VENV/bin/jupyter-lab" ]; then
    echo "JupyterLab: present"
  else
    echo "JupyterLab: installing into $VENV"
    "$VENV/bin/python" -m pip install --quiet jupyterlab==4.6.6
  fi
fi
echo "notebook tools ready: $VENV/bin/jupyter, kernel 'rust'"
