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
- a barrier after every cell (notebooks/late_output.py), so that a line the
  kernel forwards after the cell's "idle" is still the cell's output, not
  lost or given to the next cell;
- a timing report before pytest's summary line: each notebook's time, its first
  cell (kernel start and the crate's build), the median and slowest of the
  others, and every later cell over 3 s (listed, not failed).
"""

import os
import shutil
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from queue import Empty

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


def install_barrier():
    """Makes nbval's kernel client run late_output's barrier after each cell.

    nbval reads a cell's iopub messages until the cell's "idle". The wrapped
    get_message holds that "idle" (and the cell's execute_result, which the
    cell's printed lines precede), runs the barrier, and then hands nbval
    the late lines, the held result and the "idle", in that order."""
    from nbval.kernel import RunningKernel

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from late_output import BARRIER_CODE, BARRIER_TIMEOUT_S, Barrier

    execute, get_message = RunningKernel.execute_cell_input, RunningKernel.get_message

    def execute_cell_input(self, cell_input, allow_stdin=None):
        msg_id = execute(self, cell_input, allow_stdin=allow_stdin)
        self.barrier_cell, self.barrier_held, self.barrier_queue = msg_id, [], []
        return msg_id

    def run_barrier(self):
        barrier = Barrier(self.barrier_cell, self.kc.execute(BARRIER_CODE, store_history=False, allow_stdin=False))
        deadline = time.monotonic() + BARRIER_TIMEOUT_S
        while not barrier.done():
            try:
                barrier.feed(get_message(self, "iopub", timeout=max(0.0, deadline - time.monotonic())))
            except Empty:
                raise RuntimeError(barrier.timeout_message()) from None
        self.await_reply(barrier.barrier_id, timeout=BARRIER_TIMEOUT_S)
        return barrier.late

    def get_message_with_barrier(self, stream, timeout=None):
        if stream != "iopub" or getattr(self, "barrier_cell", None) is None:
            return get_message(self, stream, timeout=timeout)
        while not self.barrier_queue:
            msg = get_message(self, stream, timeout=timeout)
            ours = msg["parent_header"].get("msg_id") == self.barrier_cell
            if ours and msg["msg_type"] == "execute_result":
                self.barrier_held.append(msg)
            elif ours and msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                self.barrier_queue = run_barrier(self) + self.barrier_held + [msg]
            else:
                return msg
        msg = self.barrier_queue.pop(0)
        if not self.barrier_queue:
            self.barrier_cell = None
        return msg

    RunningKernel.execute_cell_input = execute_cell_input
    RunningKernel.get_message = get_message_with_barrier


def pytest_configure(config):
    if getattr(config.option, "nbval", False):
        shared_build_dir()
        install_barrier()


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
