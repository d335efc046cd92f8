#!/usr/bin/env python3
"""Executes every notebook with the real Rust kernel and checks its outputs.

    python scripts/run-notebooks.py [--update] [--cold] [NOTEBOOK ...]

Each notebook is executed in memory (the committed file is not touched) with
the kernel named `rust` (evcxr), the same kernel `jupyter execute
--kernel_name=rust` uses. The run fails when a cell raises an error, and when
a cell's text output (stream text and every text MIME type: plain, HTML,
Markdown, LaTeX, SVG) differs from the
output committed in the notebook. Cells tagged `nondeterministic` (timings)
run, and must not fail, but their outputs are not compared.

--update writes the fresh outputs into the notebooks (each through a temp
file and a rename), which is how the committed outputs are made.
--cold deletes the kernel's build directory and evcxr's cache of compiled
crates first, to time a start on a fresh machine.

All notebooks share one evcxr build directory (EVCXR_TMPDIR, default
target/evcxr-notebooks), so the `:dep lenet` build of the first notebook is
reused by the others. That is safe only because they run one after another.
"""

import argparse
import copy
import difflib
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError:
    sys.exit(
        "run-notebooks.py: nbclient is missing; run scripts/setup-notebooks.sh "
        "and use .venv-notebooks/bin/python"
    )

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SKIP_TAG = "nondeterministic"
TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "image/svg+xml")
CELL_TIMEOUT_S = 600
# The target for a cell after the first; slower cells are listed, not failed.
SLOW_CELL_S = 3.0


def text_outputs(cell):
    """The comparable text of a code cell's outputs, as (kind, text) pairs."""
    out = []
    for o in cell.get("outputs", []):
        kind = o["output_type"]
        if kind == "stream":
            out.append((f"stream:{o['name']}", o["text"]))
        elif kind in ("display_data", "execute_result"):
            for mime in TEXT_MIMES:
                if mime in o.get("data", {}):
                    data = o["data"][mime]
                    text = "".join(data) if isinstance(data, list) else data
                    out.append((mime, text))
        elif kind == "error":
            out.append(("error", f"{o['ename']}: {o['evalue']}"))
    return out


def compare(committed, fresh, name):
    """Lists the differences between committed and fresh outputs."""
    problems = []
    old_cells = [c for c in committed.cells if c.cell_type == "code"]
    new_cells = [c for c in fresh.cells if c.cell_type == "code"]
    for i, (old, new) in enumerate(zip(old_cells, new_cells)):
        if SKIP_TAG in old.metadata.get("tags", []):
            continue
        a, b = text_outputs(old), text_outputs(new)
        if a == b:
            continue
        head = new.source.splitlines()[0] if new.source else ""
        lines_a = [f"[{k}] {line}" for k, t in a for line in t.splitlines()]
        lines_b = [f"[{k}] {line}" for k, t in b for line in t.splitlines()]
        diff = difflib.unified_diff(
            lines_a, lines_b, "committed", "executed", lineterm="", n=1
        )
        shown = "\n".join(list(diff)[:40])
        problems.append(f"{name}: code cell {i + 1} ({head!r}) output differs:\n{shown}")
    return problems


class TimedClient(NotebookClient):
    """A client that records how long each cell takes."""

    def __init__(self, nb, **kw):
        super().__init__(nb, **kw)
        self.cell_seconds = {}
        self._started = {}
        self.on_cell_execute = self._start
        self.on_cell_executed = self._stop

    def _start(self, cell, cell_index):
        self._started[cell_index] = time.monotonic()

    def _stop(self, cell, cell_index, execute_reply):
        self.cell_seconds[cell_index] = time.monotonic() - self._started[cell_index]


def run_one(path, update):
    committed = nbformat.read(path, as_version=4)
    for c in committed.cells:
        if "raises-exception" in c.metadata.get("tags", []):
            return [f"{path.name}: a cell is tagged raises-exception; errors must fail"], 0, 0
    nb = copy.deepcopy(committed)
    client = TimedClient(
        nb,
        kernel_name="rust",
        timeout=CELL_TIMEOUT_S,
        coalesce_streams=True,
        record_timing=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as e:
        # evcxr puts the compiler's message in the error output's traceback.
        details = [
            "\n".join([f"{o.get('ename', '')}: {o.get('evalue', '')}"] + o.get("traceback", []))
            for c in nb.cells if c.cell_type == "code"
            for o in c.get("outputs", []) if o.get("output_type") == "error"
        ]
        return [f"{path.name}: a cell failed:\n{e}\n" + "\n".join(details)], time.monotonic() - start, 0
    total = time.monotonic() - start
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    later = [(client.cell_seconds.get(i, 0.0), i) for i in code[1:]]
    slowest, at = max(later) if later else (0.0, None)
    first = client.cell_seconds.get(code[0], 0.0) if code else 0.0
    where = f" (cell {at + 1})" if at is not None else ""
    median = statistics.median(s for s, _ in later) if later else 0.0
    print(
        f"{path.name}: {total:6.1f} s, first cell {first:5.1f} s, later cells: "
        f"median {median:4.2f} s, slowest {slowest:5.2f} s{where}",
        flush=True,
    )
    for seconds, i in sorted(later, reverse=True):
        if seconds > SLOW_CELL_S:
            head = nb.cells[i].source.splitlines()[0]
            print(f"    cell {i + 1} took {seconds:5.1f} s (over {SLOW_CELL_S} s): {head[:60]}")
    if update:
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, tmp)
        os.replace(tmp, path)
        return [], total, slowest
    return compare(committed, nb, path.name), total, slowest


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    ap.add_argument("--update", action="store_true", help="rewrite the committed outputs")
    ap.add_argument("--cold", action="store_true", help="delete the build directory and evcxr's cache first")
    args = ap.parse_args()

    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        sys.exit(f"run-notebooks.py: no notebooks in {NOTEBOOKS}")
    for p in paths:
        if not p.is_file():
            sys.exit(f"run-notebooks.py: no such notebook: {p}")
    build_dir = Path(os.environ.setdefault("EVCXR_TMPDIR", str(ROOT / "target" / "evcxr-notebooks")))
    if args.cold:
        # A fresh machine has neither the build directory nor the compiled
        # dependencies that the notebooks' `:cache 500` keeps in evcxr's cache.
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        cache = Path(xdg if os.path.isabs(xdg) else Path.home() / ".cache") / "evcxr"
        for d in (build_dir, cache):
            if d.exists():
                print(f"--cold: deleting {d}")
                shutil.rmtree(d)
    build_dir.mkdir(parents=True, exist_ok=True)
    # evcxr builds each cell as a crate in this directory. The project's lock
    # file pins the notebooks' dependencies to the versions the crate's own
    # tests use (cargo drops what the cell crate does not need and adds it).
    shutil.copyfile(ROOT / "Cargo.lock", build_dir / "Cargo.lock")

    problems, total, slowest = [], 0.0, 0.0
    for p in paths:
        found, seconds, cell_max = run_one(p.resolve(), args.update)
        problems += found
        total += seconds
        slowest = max(slowest, cell_max)
    print(f"all {len(paths)} notebooks: {total:.1f} s; slowest cell after a first: {slowest:.2f} s")
    if problems:
        print("\n\n".join(problems), file=sys.stderr)
        sys.exit(f"run-notebooks.py: {len(problems)} problem(s)")
    print("notebooks: outputs " + ("updated" if args.update else "match the committed ones"))


if __name__ == "__main__":
    main()
