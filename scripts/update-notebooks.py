#!/usr/bin/env python3
"""Executes notebooks with the Rust kernel and writes their fresh outputs in.

    .venv-notebooks/bin/python scripts/update-notebooks.py [NOTEBOOK ...]   # default: all

This is how the committed outputs are made, after a change to a notebook
(edit it in Jupyter, or edit notebooks/src/NAME.rs and run `jupytext --sync`
on it) or to the crate that changes what a notebook prints. Each notebook is
executed top to bottom in a fresh kernel named `rust` (evcxr), as `jupyter
execute --kernel_name=rust` does, with the streams of a cell coalesced; a cell
that raises an error fails the run and nothing of that notebook is written.
Each result is numbered as its cell (evcxr numbers its Out one above its In),
so In [n] pairs with Out [n], n = 1, 2, 3... (scripts/check-notebooks.py
checks it). After each cell a barrier (notebooks/late_output.py) waits until
every line the cell printed has arrived. The notebook is written through a temp file and a rename.

The notebooks share one evcxr build directory (EVCXR_TMPDIR), as under
pytest: notebooks/conftest.py sets it up. Testing the committed outputs is
nbval's job: `pytest --nbval --nbval-kernel-name rust notebooks/*.ipynb`.
"""

import argparse
import os
import sys
import time
from pathlib import Path
from queue import Empty

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError
except ImportError:
    sys.exit("update-notebooks.py: nbclient is missing; run scripts/setup-notebooks.sh "
             "and use .venv-notebooks/bin/python")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CELL_TIMEOUT_S = 600
sys.path.insert(0, str(NOTEBOOKS))
from conftest import shared_build_dir  # noqa: E402  (the same directory pytest uses)
from late_output import BARRIER_CODE, BARRIER_TIMEOUT_S, Barrier, as_output  # noqa: E402


def number_results(nb):
    """In [n] and Out [n], n = 1, 2, 3...: the code cells numbered in order
    (the kernel's own count also counts the barriers), each result output
    with its cell's number."""
    code = [c for c in nb.cells if c.cell_type == "code"]
    for n, cell in enumerate(code, 1):
        cell.execution_count = n
        for out in cell.outputs:
            if out.output_type == "execute_result":
                out.execution_count = n


def late_output_catcher(client):
    """An on_cell_executed hook that runs notebooks/late_output.py's barrier
    and puts the cell's late lines where they were printed: before its
    result."""

    async def catch(cell, cell_index, execute_reply):
        kc = client.kc
        barrier = Barrier(execute_reply["parent_header"]["msg_id"],
                          kc.execute(BARRIER_CODE, store_history=False, allow_stdin=False))
        deadline = time.monotonic() + BARRIER_TIMEOUT_S
        while not barrier.done():
            try:
                barrier.feed(await kc.get_iopub_msg(timeout=max(0.0, deadline - time.monotonic())))
            except Empty:
                raise RuntimeError(barrier.timeout_message()) from None
        while (await kc.get_shell_msg(timeout=BARRIER_TIMEOUT_S))["parent_header"].get("msg_id") != barrier.barrier_id:
            pass
        if barrier.late:
            late = [nbformat.from_dict(as_output(m)) for m in barrier.late]
            at = next((i for i, o in enumerate(cell.outputs) if o.output_type == "execute_result"), len(cell.outputs))
            cell.outputs[at:at] = late
            print(f"       cell {cell_index}: {len(late)} late output(s) caught by the barrier", flush=True)

    return catch


def update(path):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name="rust", timeout=CELL_TIMEOUT_S, coalesce_streams=True,
                            record_timing=False, resources={"metadata": {"path": str(path.parent)}})
    client.on_cell_executed = late_output_catcher(client)
    start = time.monotonic()
    try:
        client.execute()
    except CellExecutionError as e:
        # evcxr puts the compiler's message in the error output's traceback.
        details = ["\n".join([f"{o.get('ename', '')}: {o.get('evalue', '')}"] + o.get("traceback", []))
                   for c in nb.cells if c.cell_type == "code"
                   for o in c.get("outputs", []) if o.get("output_type") == "error"]
        sys.exit(f"update-notebooks.py: {path.name}: a cell failed, nothing written:\n{e}\n" + "\n".join(details))
    number_results(nb)
    tmp = path.with_suffix(".ipynb.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, path)
    print(f"{path.name}: executed in {time.monotonic() - start:.1f} s, outputs written", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebooks", nargs="*", type=Path)
    args = ap.parse_args()
    paths = args.notebooks or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not paths:
        sys.exit(f"update-notebooks.py: no notebooks in {NOTEBOOKS}")
    for p in paths:
        if not p.is_file() or p.suffix != ".ipynb":
            sys.exit(f"update-notebooks.py: no such notebook: {p}")
    shared_build_dir()
    for p in paths:
        update(p.resolve())


if __name__ == "__main__":
    main()
