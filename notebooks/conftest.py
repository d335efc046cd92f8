"""pytest's set-up for running the notebooks with nbval:

    .venv-notebooks/bin/pytest --nbval --nbval-kernel-name rust notebooks/*.ipynb

(what scripts/test-all.sh runs). nbval executes each notebook with the Rust
kernel (evcxr) and fails a cell that raises an error or whose outputs differ
from the committed ones; cells tagged `nbval-ignore-output` (timings) run but
are not compared. This file adds two things:

- one evcxr build directory for all notebooks (EVCXR_TMPDIR, default
  target/evcxr-notebooks), holding the project's Cargo.lock, so the `:dep lenet`
  build of the first notebook is reused by the others (safe because nbval runs
  them one after another);
- a timing report before pytest's summary line: each notebook's time, its first
  cell (kernel start and the crate's build), the median and slowest of the
  others, and every later cell over 3 s (listed, not failed).
"""

import os
import shutil
import statistics
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLOW_CELL_S = 3.0
_seconds = defaultdict(dict)  # notebook -> {cell name: seconds}


def shared_build_dir():
    """The evcxr build directory all notebooks share, with the project's lock file."""
    build_dir = Path(os.environ.setdefault("EVCXR_TMPDIR", str(ROOT / "target" / "evcxr-notebooks")))
    build_dir.mkdir(parents=True, exist_ok=True)
    # evcxr builds each cell as a crate in this directory. The project's lock
    # file pins the notebooks' dependencies to the versions the crate's own
    # tests use (cargo drops what the cell crate does not need and adds it).
    shutil.copyfile(ROOT / "Cargo.lock", build_dir / "Cargo.lock")
    return build_dir


def pytest_configure(config):
    if getattr(config.option, "nbval", False):
        shared_build_dir()


def pytest_runtest_logreport(report):
    notebook, _, cell = report.nodeid.partition("::")
    if notebook.endswith(".ipynb") and cell:
        cells = _seconds[Path(notebook).name]
        cells[cell] = cells.get(cell, 0.0) + report.duration  # setup + call + teardown


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    write = terminalreporter.write_line
    terminalreporter.section("notebook times")
    total, slowest_all = 0.0, 0.0
    for notebook, cells in _seconds.items():
        seconds = list(cells.values())
        later = sorted(((s, c) for c, s in list(cells.items())[1:]), reverse=True)
        slowest, at = later[0] if later else (0.0, "-")
        median = statistics.median(s for s, _ in later) if later else 0.0
        total += sum(seconds)
        slowest_all = max(slowest_all, slowest)
        write(f"{notebook}: {sum(seconds):6.1f} s, first cell {seconds[0]:5.1f} s, later cells: "
              f"median {median:4.2f} s, slowest {slowest:5.2f} s ({at})")
        for s, cell in later:
            if s > SLOW_CELL_S:
                write(f"    {cell} took {s:5.1f} s (over {SLOW_CELL_S} s)")
    write(f"all {len(_seconds)} notebooks: {total:.1f} s; slowest cell after a first: {slowest_all:.2f} s")
