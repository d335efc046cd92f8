#!/usr/bin/env python3
"""Builds the notebooks from their reviewable sources in notebooks/src/.

    python notebooks/build.py [NAME ...]      # e.g. 1-fully-connected

Each `src/NAME.nb` file is a list of cells, each opened by a marker line:

    %% md                      a markdown cell
    %% code                    a code cell
    %% code nondeterministic   a code cell whose output is not compared (timings)

A rebuilt `NAME.ipynb` keeps the outputs of code cells that did not change
(same position, same source); `scripts/run-notebooks.py --update` executes it
with the Rust kernel and writes fresh outputs in, and without `--update` checks
that the kept ones are still what the code prints. Only the standard
library is used, so this runs with any Python 3.
"""

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

METADATA = {
    "kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"},
    "language_info": {
        "codemirror_mode": "rust",
        "file_extension": ".rs",
        "mimetype": "text/rust",
        "name": "Rust",
        "pygment_lexer": "rust",
        "version": "",
    },
}


def parse(text, name):
    """Splits a source file into (kind, tags, source) cells."""
    cells, kind, tags, lines = [], None, [], []
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("%% "):
            if kind is not None:
                cells.append((kind, tags, "\n".join(lines).strip("\n")))
            words = line[3:].split()
            if not words or words[0] not in ("md", "code"):
                sys.exit(f"{name}:{n}: a cell marker is '%% md' or '%% code [tags]', not {line!r}")
            kind, tags, lines = words[0], words[1:], []
            if kind == "md" and tags:
                sys.exit(f"{name}:{n}: markdown cells take no tags")
        elif kind is None:
            if line.strip():
                sys.exit(f"{name}:{n}: text before the first cell marker")
        else:
            lines.append(line)
    if kind is not None:
        cells.append((kind, tags, "\n".join(lines).strip("\n")))
    for i, (_, _, source) in enumerate(cells):
        if not source:
            sys.exit(f"{name}: cell {i + 1} is empty")
    return cells


def notebook(cells, stem):
    out = []
    for i, (kind, tags, source) in enumerate(cells):
        # Stable ids keep the diffs of a rebuilt notebook small.
        cell = {"cell_type": "markdown" if kind == "md" else "code",
                "id": f"{stem[:40]}-{i:03d}",
                "metadata": {"tags": tags} if tags else {},
                "source": source.splitlines(keepends=True)}
        if kind == "code":
            cell["execution_count"] = None
            cell["outputs"] = []
        out.append(cell)
    return {"cells": out, "metadata": METADATA, "nbformat": 4, "nbformat_minor": 5}


def keep_outputs(new, target):
    """Copies the outputs of the old notebook's code cells whose position and
    source are unchanged, so editing markdown does not throw outputs away.
    Whether they are still right is for run-notebooks.py to check."""
    if not target.exists():
        return
    old = json.loads(target.read_text(encoding="utf-8"))["cells"]
    for n, o in zip(new["cells"], old):
        if n["cell_type"] == "code" and o["cell_type"] == "code" and n["source"] == o["source"]:
            n["outputs"], n["execution_count"] = o["outputs"], o["execution_count"]


def build(src):
    cells = parse(src.read_text(encoding="utf-8"), src.name)
    first = next((s for k, _, s in cells if k == "code"), "")
    if not first.startswith(":dep lenet = { path = \"..\", default-features = false }"):
        sys.exit(f"{src.name}: the first code cell must start with the :dep lenet line")
    target = HERE / (src.stem + ".ipynb")
    nb = notebook(cells, src.stem)
    keep_outputs(nb, target)
    tmp = target.with_suffix(".ipynb.tmp")
    tmp.write_text(json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n",
                   encoding="utf-8")
    os.replace(tmp, target)
    print(f"built {target.name}: {len(cells)} cells")


def main():
    names = sys.argv[1:]
    sources = [SRC / f"{n}.nb" for n in names] if names else sorted(SRC.glob("*.nb"))
    for s in sources:
        if not s.is_file():
            sys.exit(f"build.py: no source {s}")
        build(s)


if __name__ == "__main__":
    main()
