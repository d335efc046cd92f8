#!/usr/bin/env python3
"""The mdBook preprocessor that puts the notebooks into the book.

    (mdbook runs it)                    as [preprocessor.notebooks] in book.toml
    python3 notebooks/to_book.py --check

A chapter in chapters/ that holds the line

    {{#notebook 2-convolution}}

gets there the committed notebook `notebooks/2-convolution.ipynb`: its
markdown cells as they are, each code cell as a Rust code block followed by
the outputs the notebook was committed with (text as text, matrices as their
HTML tables, formulas as Markdown with their math, figures as images). An
output of a type it cannot show is refused, naming notebook and cell: nothing
is dropped on the way from a notebook to the page. The notebooks and the book so tell one
story from one source, and every code block they show was compiled (by cargo,
through evcxr) and executed by `scripts/update-notebooks.py`, and is executed
again by the test command's nbval run, which checks that those committed
outputs are what the code prints.

The rest of a chapter is written by hand. There, a Rust code block may hold
only `{{#include FILE:ANCHOR}}` lines that pull code out of a file cargo
compiles, between `// ANCHOR: name` and `// ANCHOR_END: name`: the code shown
is the code that runs. This script refuses any other Rust block, an include of
a missing file, and an anchor the file does not have (mdBook itself would
silently include nothing). `--check` runs these checks on every chapter without
mdBook, as `scripts/build-book.sh` does, and also checks that every link to a
chapter (`[text](file.md#heading)`) names a chapter and a heading it has.

Only the standard library is used.
"""

import base64
import json
import re
import sys
from pathlib import Path

from math_shield import formula_code_spans

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
CHAPTERS = ROOT / "chapters"
DIRECTIVE = re.compile(r"^\{\{#notebook ([\w.-]+)\}\}\s*$", re.M)
INCLUDE = re.compile(r"\{\{#(?:include|rustdoc_include) ([^}:]+)(?::([^}]*))?\}\}")
LINK = re.compile(r"\]\(([\w.-]+\.md)(?:#([\w-]+))?\)")
FENCE = re.compile(r"^(```+|~~~+)\s*([\w,-]*)[^\n]*\n(.*?)^\1\s*$", re.M | re.S)


class BookError(Exception):
    pass


def fenced(body, lang):
    """A fenced code block longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body.rstrip()}\n{fence}"


def text_of(value):
    return "".join(value) if isinstance(value, list) else value


def html_block(html):
    # An HTML block in Markdown ends at the first blank line, so a table with
    # one would spill into the text: drop blank lines (they mean nothing here).
    lines = [l for l in text_of(html).splitlines() if l.strip()]
    return '<div class="nb-output">\n' + "\n".join(lines) + "\n</div>"


def markdown_block(markdown):
    # Blank lines around the text make mdBook read it as Markdown inside the
    # <div>, so its math goes through KaTeX like the chapters' own.
    return f'<div class="nb-output nb-markdown">\n\n{text_of(markdown).strip()}\n\n</div>'


def image_block(mime, data):
    if mime == "image/svg+xml":
        data = base64.b64encode(text_of(data).encode("utf-8")).decode("ascii")
    else:  # Jupyter stores raster images base64-encoded already
        data = "".join(text_of(data).split())
    return f'<div class="nb-output"><img class="nb-figure" alt="figure" src="data:{mime};base64,{data}"></div>'


# What each MIME type of a rich output becomes, in the order Jupyter itself
# prefers them when an output carries several.
RICH = [
    ("image/svg+xml", lambda d: image_block("image/svg+xml", d)),
    ("image/png", lambda d: image_block("image/png", d)),
    ("text/html", html_block),
    ("text/markdown", markdown_block),
    ("text/plain", lambda d: fenced(text_of(d), "text")),
]


def render_output(out):
    """One output of a code cell as Markdown/HTML for the book. An output
    that cannot be shown is refused: nothing is dropped silently."""
    kind = out["output_type"]
    if kind == "stream":
        return fenced(text_of(out["text"]), "text")
    if kind in ("display_data", "execute_result"):
        data = out.get("data", {})
        for mime, render in RICH:
            if mime in data:
                return render(data[mime])
        raise BookError(f"an output of type {', '.join(sorted(data)) or '(none)'} cannot be shown in "
                        f"the book (to_book.py renders {', '.join(m for m, _ in RICH)})")
    if kind == "error":
        raise BookError(f"a committed output is an error: {out.get('ename')}: {out.get('evalue')}")
    raise BookError(f"an output of kind {kind!r} cannot be shown in the book")


def notebook_markdown(name):
    path = NOTEBOOKS / f"{name}.ipynb"
    if not path.is_file():
        raise BookError(f"{{{{#notebook {name}}}}}: there is no {path.relative_to(ROOT)}")
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for n, cell in enumerate(nb["cells"], 1):
        source = text_of(cell["source"]).strip("\n")
        if cell["cell_type"] == "markdown":
            parts.append(source)
        elif cell["cell_type"] == "code":
            outputs = cell.get("outputs", [])
            if cell.get("execution_count") is None:
                raise BookError(f"{path.name}: cell {n} was committed without being executed; "
                                "run scripts/update-notebooks.py")
            # `ignore`: cargo, through evcxr, compiles these cells (nbval, scripts/update-notebooks.py),
            # not `mdbook test`, which could not resolve the `:dep` line.
            parts.append(fenced(source, "rust,ignore"))
            for out in outputs:
                try:
                    shown = render_output(out)
                except BookError as e:
                    raise BookError(f"{path.name}: code cell {n}: {e}") from None
                parts.append(shown)
    return "\n\n".join(parts) + "\n"


def check_handwritten(content, where, chapters=CHAPTERS):
    """Rust blocks only include anchored code; includes resolve."""
    base = (chapters / where).parent
    for m in FENCE.finditer(content):
        lang, body = m.group(2), m.group(3)
        if lang.split(",")[0] in ("rust", "rs"):
            stray = [l for l in body.splitlines() if l.strip() and not INCLUDE.fullmatch(l.strip())]
            if stray:
                raise BookError(f"{where}: a Rust block must only {{{{#include}}}} code cargo "
                                f"compiles; it has {stray[0].strip()!r}")
    for m in INCLUDE.finditer(content):
        target, anchor = (base / m.group(1)).resolve(), m.group(2)
        if not target.is_file():
            raise BookError(f"{where}: {m.group(0)}: no file {target}")
        if anchor and not anchor[0].isdigit():
            text = target.read_text(encoding="utf-8")
            for mark in (f"ANCHOR: {anchor}", f"ANCHOR_END: {anchor}"):
                if not re.search(rf"\b{re.escape(mark)}\s*$", text, re.M):
                    raise BookError(f"{where}: {m.group(0)}: {target.name} has no '{mark}'")


def heading_ids(markdown):
    """The ids mdBook gives the headings of a chapter: lower case, spaces to
    hyphens, other punctuation dropped."""
    ids = set()
    for m in re.finditer(r"^#{1,6}\s+(.*?)\s*$", FENCE.sub("", markdown), re.M):
        text = re.sub(r"<[^>]+>|[`*_]", "", m.group(1)).lower()
        ids.add("".join(c for c in text.replace(" ", "-") if c.isalnum() or c in "-_"))
    return ids


def check_links(content, where, chapters=CHAPTERS):
    """Links to other chapters name a chapter that exists, and a heading it has."""
    for m in LINK.finditer(FENCE.sub("", content)):
        target = (chapters / where).parent / m.group(1)
        if not target.is_file():
            raise BookError(f"{where}: link to {m.group(1)}, which is not a chapter")
        if m.group(2):
            body = target.read_text(encoding="utf-8")
            body = DIRECTIVE.sub(lambda d: notebook_markdown(d.group(1)), body)
            if m.group(2) not in heading_ids(body):
                raise BookError(f"{where}: link to {m.group(1)}#{m.group(2)}, which has no such heading")


def expand(content, where):
    check_handwritten(content, where)
    return DIRECTIVE.sub(lambda m: notebook_markdown(m.group(1)), content)


def chapters(items):
    for item in items:
        if isinstance(item, dict) and "Chapter" in item:
            yield item["Chapter"]
            yield from chapters(item["Chapter"].get("sub_items", []))


def preprocess():
    _context, book = json.load(sys.stdin)
    for ch in chapters(book.get("items", book.get("sections", []))):
        where = ch.get("source_path") or ch.get("path") or ch["name"]
        ch["content"] = expand(ch["content"], where)
    json.dump(book, sys.stdout)


def check():
    placed = []
    for md in sorted(CHAPTERS.rglob("*.md")):
        where = str(md.relative_to(CHAPTERS))
        content = md.read_text(encoding="utf-8")
        code_math = formula_code_spans(expand(content, where))
        if code_math:
            raise BookError(f"{where}: inline code that is one formula, {code_math[0]}, would become math in "
                            "the Chinese book (notebooks/math_shield.py); write it as math or as other code")
        check_links(content, where)
        placed += DIRECTIVE.findall(content)
    missing = [p.stem for p in sorted(NOTEBOOKS.glob("*.ipynb")) if p.stem not in placed]
    if missing:
        raise BookError(f"notebooks in no chapter: {', '.join(missing)}")
    print(f"to_book.py: chapters check out ({len(placed)} notebooks placed, every include and chapter link resolves)")


def main():
    args = sys.argv[1:]
    try:
        if args[:1] == ["supports"]:
            sys.exit(0 if args[1:2] in (["html"], ["markdown"], ["xgettext"]) else 1)
        if args == ["--check"]:
            check()
        elif not args:
            preprocess()
        else:
            sys.exit(__doc__)
    except BookError as e:
        sys.exit(f"to_book.py: {e}")


if __name__ == "__main__":
    main()
