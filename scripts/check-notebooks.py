#!/usr/bin/env python3
"""Checks the committed notebooks without running them.

    .venv-notebooks/bin/python scripts/check-notebooks.py

1. Text and notebook agree. Each `notebooks/NAME.ipynb` is paired with
   `notebooks/src/NAME.rs` (jupytext's percent format, notebooks/jupytext.toml):
   - the `.rs` read by jupytext has the notebook's cells: same kinds, same
     sources, same tags (the tags say which outputs nbval compares);
   - the round trip .ipynb -> .rs -> .ipynb leaves every cell as it was, and
     the `.rs` jupytext writes from the notebook is the committed `.rs`, byte
     for byte. After an edit of one side, `jupytext --sync` mends the other.
2. Execution counts. The code cells are numbered 1, 2, 3... in order, and each
   result output carries its cell's number (In [n] pairs with Out [n]): the
   notebook was executed top to bottom, in one kernel, by
   scripts/update-notebooks.py. A cell never executed would also be skipped by
   nbval's comparison, so it fails here.
3. The only cell tag is `nbval-ignore-output` (timings): a tag such as
   `raises-exception` or `nbval-skip` would let nbval pass a failing cell.
4. The first code cell starts with a `:dep` line of this checkout's crates:
   `lenet-core` (notebooks 1–4 and 2b, the derivations) or `lenet` without its
   command-line feature (notebooks 5–7, 6b and 6c).
5. Numbers quoted in the prose are the outputs' numbers. Every decimal number
   with two or more decimals in a markdown cell (outside formulas and code)
   must be, rounded to its decimals, a number some code cell above it printed
   (in text, a table or a figure's labels). A rerun that moves an output then
   fails here until the prose is brought up to date. A number that rightly
   comes from elsewhere is listed in QUOTED_ELSEWHERE with where it comes from.

Exits 1 naming every problem.
"""

import html
import re
import sys
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

try:
    import jupytext
    import nbformat
    from jupytext.config import load_jupytext_config
except ImportError:
    sys.exit("check-notebooks.py: jupytext is missing; run scripts/setup-notebooks.sh "
             "and use .venv-notebooks/bin/python")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TEXT_FORMAT = "rs:percent"
ALLOWED_TAGS = {"nbval-ignore-output"}
# Numbers the prose quotes from somewhere other than an output above: (notebook
# stem, number as written) -> where it comes from.
QUOTED_ELSEWHERE = {
    ("6-training-lenet", "11.25"): "`lenet train --lr 0.5 --epochs 3` on the command line, as the text says",
    ("6-training-lenet", "0.01"): "the initial scale 0.01·N(0, 1), a setting the introduction names",
}
# A decimal with at least two decimals, not part of a longer token (a version
# 0.17.2, a name x1.25); a thousands separator is allowed before the point.
PROSE_NUMBER = re.compile(r"(?<![\w.,])\d{1,3}(?:,\d{3})*\.\d{2,}(?![\w.]\d)|(?<![\w.,])\d+\.\d{2,}(?![\w.]\d)")
OUTPUT_NUMBER = re.compile(r"-?\d[\d,]*\.\d+(?:[eE][-+]?\d+)?")
# What prose numbers are not: formulas ($…$, $$…$$) and code (`…`, fenced).
NOT_PROSE = re.compile(r"```.*?```|`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", re.S)
FIRST_LINES = (':dep lenet-core = { path = "../lenet-core" }', ':dep lenet = { path = "..", default-features = false }')


def cells(nb):
    """What the text and the notebook must agree on, per cell."""
    return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in nb.cells]


def first_difference(a, b, what_a, what_b):
    for i, (x, y) in enumerate(zip(a, b), 1):
        if x != y:
            field = next(f for f, u, v in zip(("kind", "source", "tags"), x, y) if u != v)
            head = (x[1].splitlines() or [""])[0][:60]
            return f"cell {i} ({head!r}): its {field} differs between {what_a} and {what_b}"
    if len(a) != len(b):
        return f"{what_a} has {len(a)} cells, {what_b} {len(b)}"
    return None


def check_pair(ipynb, rs, config):
    problems = []
    nb = nbformat.read(ipynb, as_version=4)
    text = rs.read_text(encoding="utf-8")
    # The text, read: the notebook's cells?
    diff = first_difference(cells(nb), cells(jupytext.reads(text, fmt=TEXT_FORMAT)),
                            ipynb.name, f"src/{rs.name}")
    if diff:
        problems.append(f"{diff}; run `jupytext --sync` on the one you edited")
    # The notebook, written as text and read back: the same cells, and the committed text?
    written = jupytext.writes(nb, fmt=TEXT_FORMAT, config=config)
    diff = first_difference(cells(nb), cells(jupytext.reads(written, fmt=TEXT_FORMAT)),
                            ipynb.name, "its round trip through the percent format")
    if diff:
        problems.append(diff)
    elif not problems and written != text:
        line = next((i for i, (u, v) in enumerate(zip(written.splitlines(), text.splitlines()), 1)
                     if u != v), min(len(written.splitlines()), len(text.splitlines())) + 1)
        problems.append(f"src/{rs.name} is not the text jupytext writes from {ipynb.name} "
                        f"(from line {line}); run `jupytext --sync` on the one you edited")
    return [f"{ipynb.name}: {p}" for p in problems]


def check_counts(ipynb):
    problems = []
    nb = nbformat.read(ipynb, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    for n, cell in enumerate(code, 1):
        head = (cell.source.splitlines() or [""])[0][:60]
        if cell.execution_count != n:
            problems.append(f"code cell {n} ({head!r}) has execution_count {cell.execution_count}, not {n}")
        for out in cell.outputs:
            if out.output_type == "execute_result" and out.get("execution_count") != cell.execution_count:
                problems.append(f"code cell {n} ({head!r}): In [{cell.execution_count}] "
                                f"but Out [{out.get('execution_count')}]")
    if code and not code[0].source.startswith(FIRST_LINES):
        problems.append(f"the first code cell must start with {FIRST_LINES[0]!r} or {FIRST_LINES[1]!r}")
    for n, cell in enumerate(nb.cells, 1):
        stray = set(cell.metadata.get("tags", [])) - ALLOWED_TAGS
        if stray:
            problems.append(f"cell {n} has tag(s) {sorted(stray)}; only {sorted(ALLOWED_TAGS)} is allowed")
    if problems:
        problems.append("run scripts/update-notebooks.py on it")
    return [f"{ipynb.name}: {p}" for p in problems]


def output_text(cell):
    """Everything a code cell showed: streams, plain text, HTML tables and
    SVG labels, with markup removed."""
    parts = []
    for out in cell.get("outputs", []):
        parts.append(out.get("text", ""))
        data = out.get("data", {})
        for kind in ("text/plain", "text/html", "image/svg+xml"):
            parts.append(re.sub(r"<[^>]*>", " ", html.unescape(data.get(kind, ""))))
    return "\n".join(parts)


def decimal(text):
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None


def check_quoted_numbers(ipynb):
    """Check 5: each prose number is an output number above it, rounded."""
    problems = []
    nb = nbformat.read(ipynb, as_version=4)
    shown = set()
    for n, cell in enumerate(nb.cells, 1):
        if cell.cell_type == "code":
            shown |= {d for m in OUTPUT_NUMBER.finditer(output_text(cell)) if (d := decimal(m.group(0))) is not None}
            continue
        prose = NOT_PROSE.sub(" ", cell.source)
        for m in PROSE_NUMBER.finditer(prose):
            if (ipynb.stem, m.group(0)) in QUOTED_ELSEWHERE:
                continue
            quoted = decimal(m.group(0))
            unit = Decimal(1).scaleb(quoted.as_tuple().exponent)
            if not any(v.quantize(unit, rounding=r) == quoted for v in shown if abs(v - quoted) <= 1
                       for r in (ROUND_HALF_UP, ROUND_HALF_EVEN)):
                around = prose[max(0, m.start() - 50):m.end() + 20].replace("\n", " ")
                problems.append(f"cell {n} quotes {m.group(0)}, which no output above it shows "
                                f"(…{around}…); update the prose to the outputs")
    return [f"{ipynb.name}: {p}" for p in problems]


def find_problems(notebooks=NOTEBOOKS):
    """Every problem of the notebooks in a folder, as lines."""
    config = load_jupytext_config(str(notebooks))
    formats = config.formats if config else None
    if isinstance(formats, list):
        formats = ",".join(formats)
    if formats != "ipynb,src//rs:percent":
        return [f"{notebooks / 'jupytext.toml'} does not pair ipynb with src//rs:percent"]
    ipynbs = {p.stem: p for p in sorted(notebooks.glob("*.ipynb"))}
    texts = {p.stem: p for p in sorted((notebooks / "src").glob("*.rs"))}
    if not ipynbs and not texts:
        return [f"no notebooks in {notebooks}"]
    problems = [f"{name}.ipynb has no text src/{name}.rs; run `jupytext --sync` on it"
                for name in ipynbs if name not in texts]
    problems += [f"src/{name}.rs has no notebook {name}.ipynb; run `jupytext --sync` on it"
                 for name in texts if name not in ipynbs]
    for name in sorted(ipynbs.keys() & texts.keys()):
        problems += check_pair(ipynbs[name], texts[name], config)
        problems += check_counts(ipynbs[name])
        problems += check_quoted_numbers(ipynbs[name])
    return problems


def main():
    problems = find_problems()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(f"check-notebooks.py: {len(problems)} problem(s)")
    n = len(list(NOTEBOOKS.glob("*.ipynb")))
    print(f"check-notebooks.py: {n} notebooks: .ipynb and src/*.rs agree "
          "(round trip exact), execution counts 1, 2, 3... with Out [n] = In [n], "
          "every number quoted in the prose shown by an output above it")


if __name__ == "__main__":
    main()
