#!/usr/bin/env python3
"""Every output a notebook was committed with is in the built book.

    python3 scripts/check-book-outputs.py [--book target/book]   # after scripts/build-book.sh

For each notebook, the chapter that shows it is the one in chapters/ that
holds `{{#notebook NAME}}`, built by mdBook into the same path with .html.
The outputs of the notebook's code cells are looked for, in the notebook's
order, among the output-like blocks of that page's <main> in document order:
each <pre> and each <div class="nb-output">. An output is found in a block
at or after the one where the previous output was found (a text output may
share a block with the previous text, further on), so an output that is
missing cannot hide behind an equal one elsewhere on the page. What shows an
output depends on its richest type, in this order:

  image/svg+xml, image/png, image/jpeg, image/gif
      an <img> whose data: URL decodes to the same bytes (and the page has at
      least as many img.nb-figure as the notebooks placed there committed);
  text/html
      a <table> with the same cell texts in the same order (for each table of
      the output), or, without a table, the same text;
  text/markdown, text/latex
      each formula of it ($$...$$, \\[...\\], $...$, \\(...\\)) as the TeX of a
      rendered formula in the block (the source mdbook-katex keeps in
      <data class="katex-src"> with include-src = true, or KaTeX's MathML
      annotation), compared without white space, and
      its prose (outside formulas, Markdown marks dropped) as text;
  text/plain, and stream output
      the same text.

Texts are compared after HTML unescaping and white-space normalisation. An
error output, or one with no type this script knows, fails. Only the
standard library is used. Prints each problem (notebook, cell, output, what
is missing), a line per notebook, and closes with `N passed, M failed`
(outputs).
"""

import argparse
import base64
import json
import re
import sys
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIRECTIVE = re.compile(r"^\{\{#notebook ([\w.-]+)\}\}\s*$", re.M)
IMAGES = ("image/svg+xml", "image/png", "image/jpeg", "image/gif")
ORDER = IMAGES + ("text/html", "text/markdown", "text/latex", "text/plain")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\\\((.+?)\\\)|(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$", re.S)


def text_of(value):
    return "".join(value) if isinstance(value, list) else value


def norm(text):
    return " ".join(text.replace("\u200b", "").replace("\xa0", " ").split())


def tex_key(tex):
    return "".join(tex.split())


# ------------------------------------------------------------- a little DOM

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []

    def classes(self):
        return (self.attrs.get("class") or "").split()

    def walk(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.walk()

    def text(self, skip=lambda n: False):
        parts = []

        def go(n):
            for c in n.children:
                if isinstance(c, str):
                    parts.append(c)
                elif not skip(c):
                    go(c)
        go(self)
        return "".join(parts)


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.cur = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, attrs, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html):
    b = TreeBuilder()
    b.feed(html)
    b.close()
    return b.root


def katex_hidden(n):
    """KaTeX's MathML copy is for screen readers; its text is not the page's."""
    return "katex-mathml" in n.classes()


def data_url_bytes(src):
    if not src.startswith("data:"):
        return None
    head, _, body = src.partition(",")
    return base64.b64decode(body) if head.endswith(";base64") else urllib.parse.unquote_to_bytes(body)


class Block:
    """A <pre> or a div.nb-output of the page: what an output can be found in."""

    def __init__(self, node):
        self.node = node
        self.text = norm(node.text(katex_hidden))
        self.tables = [[norm(c.text(katex_hidden)) for c in t.walk() if c.tag in ("td", "th")]
                       for t in node.walk() if t.tag == "table"]
        self.tex = [tex_key(n.text()) for n in node.walk()
                    if n.tag == "annotation" and n.attrs.get("encoding") == "application/x-tex"]
        self.tex += [tex_key(n.attrs.get("value", "").replace('\\"', '"'))
                     for n in node.walk() if n.tag == "data" and "katex-src" in n.classes()]
        self.images = [data_url_bytes(n.attrs.get("src", "")) for n in node.walk() if n.tag == "img"]
        self.consumed = 0  # how far into self.text earlier outputs were found

    def describe(self):
        return f"<{self.node.tag} class=\"{' '.join(self.node.classes())}\"> \"{self.text[:40]}\""


def blocks_of(html):
    root = parse(html)
    main = next((n for n in root.walk() if n.tag == "main"), root)
    return [Block(n) for n in main.walk()
            if n.tag == "pre" or (n.tag == "div" and "nb-output" in n.classes())], main


# ---------------------------------------------------------------- outputs

def expected(out):
    """(kind, what) an output must show as, or raises ValueError."""
    kind = out["output_type"]
    if kind == "stream":
        return "text/plain", text_of(out["text"])
    if kind == "error":
        raise ValueError(f"an error output ({out.get('ename')}: {out.get('evalue')})")
    if kind not in ("display_data", "execute_result"):
        raise ValueError(f"an output of kind {kind!r}")
    data = out.get("data", {})
    for mime in ORDER:
        if mime in data:
            return mime, data[mime]
    raise ValueError(f"an output of type {', '.join(sorted(data)) or '(none)'}, which the book cannot show")


def html_expectation(html):
    """The cell texts of each table of an HTML output, and its text."""
    root = parse(text_of(html))
    tables = [[norm(c.text()) for c in t.walk() if c.tag in ("td", "th")]
              for t in root.walk() if t.tag == "table"]
    return tables, norm(root.text())


def markdown_expectation(md):
    """The formulas of a Markdown output (TeX without white space) and its prose pieces."""
    md = text_of(md)
    formulas = [norm(next(g for g in m.groups() if g is not None)) for m in MATH.finditer(md)]
    prose = []
    pieces = MATH.sub("\x00", md).split("\x00")
    for piece in pieces:
        piece = re.sub(r"`([^`]*)`", r"\1", piece)                   # inline code
        piece = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", piece)     # links, images
        piece = re.sub(r"^\s{0,3}(#{1,6}|[-*+]|\d+[.)]|>)\s+", "", piece, flags=re.M)
        piece = re.sub(r"[*_~]+", "", piece)
        piece = re.sub(r"\\([\\`*_{}\[\]()#+\-.!|])", r"\1", piece)  # Markdown escapes
        for part in re.split(r"\n\s*\n", piece):                       # paragraphs
            part = norm(part)
            if re.search(r"\w", part):
                prose.append(part)
    return formulas, prose


def found_in(block, mime, value):
    """Where the output ends in block.text (a text output), True, or False."""
    if mime in IMAGES:
        want = text_of(value).encode("utf-8") if mime == "image/svg+xml" \
            else base64.b64decode("".join(text_of(value).split()))
        return any(img is not None and img.strip() == want.strip() for img in block.images)
    if mime == "text/html":
        tables, text = html_expectation(value)
        if tables:
            return all(t in block.tables for t in tables)
        return text in block.text
    if mime in ("text/markdown", "text/latex"):
        formulas, prose = markdown_expectation(value)
        if formulas and not block.tex:
            return False
        return all(tex_key(f) in block.tex for f in formulas) and all(p in block.text for p in prose) \
            and bool(formulas or prose)
    want = norm(text_of(value))
    at = block.text.find(want, block.consumed)
    return at + len(want) if at >= 0 else False


def check_notebook(nb_path, page_path, blocks, page_tex):
    """(number of outputs, problems) of one notebook against its chapter's blocks."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    problems, count, pos, figures = [], 0, 0, 0
    for n, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] != "code":
            continue
        for k, out in enumerate(cell.get("outputs", []), 1):
            count += 1
            where = f"{nb_path.name}: code cell {n}, output {k}"
            try:
                mime, value = expected(out)
            except ValueError as e:
                problems.append(f"{where}: {e}")
                continue
            figures += mime in IMAGES
            hit = None
            for i in range(pos, len(blocks)):
                r = found_in(blocks[i], mime, value)
                if r is not False:
                    hit = i
                    if mime == "text/plain":
                        blocks[i].consumed = r
                    else:
                        blocks[i].consumed = len(blocks[i].text)
                    break
            if hit is None:
                problems.append(f"{where} ({mime}) is not in {page_path.name}{after(blocks, pos)}: "
                                f"{describe_missing(mime, value, blocks, page_tex)}")
            else:
                # The next output is looked for from here on; a text output
                # may be followed in the same block, anything else not.
                pos = hit if mime == "text/plain" else hit + 1
    return count, figures, problems


def after(blocks, pos):
    if pos == 0:
        return ""
    return f" (after the output found in block {pos} of {len(blocks)}, {blocks[pos - 1].describe()})"


def describe_missing(mime, value, blocks, page_tex):
    if mime in IMAGES:
        return f"no <img> with this {mime} ({len(text_of(value))} characters)"
    if mime == "text/html":
        tables, text = html_expectation(value)
        if tables:
            return f"no table with the cells {' | '.join(tables[0][:8])}{' …' if len(tables[0]) > 8 else ''}"
        return f"no text {text[:80]!r}"
    if mime in ("text/markdown", "text/latex"):
        formulas, prose = markdown_expectation(value)
        in_blocks = {f for b in blocks for f in b.tex}
        if formulas and not page_tex:
            return (f"the page keeps the TeX of none of its formulas, so they cannot be compared (set "
                    f"include-src = true under [preprocessor.katex] in book.toml); first formula: {formulas[0][:80]!r}")
        missing = [f for f in formulas if tex_key(f) not in in_blocks]
        if missing:
            return (f"{len(missing)} of its {len(formulas)} formulas are in no output block of the page, "
                    f"e.g. {missing[0][:100]!r}")
        return f"its formulas and prose are not together in one output block: {(formulas or prose)[0][:100]!r}"
    return f"no block with the text {norm(text_of(value))[:100]!r}"


def chapters_of(chapters):
    placed = {}
    for md in sorted(chapters.rglob("*.md")):
        for name in DIRECTIVE.findall(md.read_text(encoding="utf-8")):
            placed.setdefault(name, []).append(md.relative_to(chapters))
    return placed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--book", type=Path, default=ROOT / "target" / "book")
    ap.add_argument("--root", type=Path, default=ROOT, help="the checkout whose notebooks/ and chapters/ to read")
    args = ap.parse_args()
    notebooks, chapters, book = args.root / "notebooks", args.root / "chapters", args.book
    if not (book / "index.html").is_file():
        sys.exit(f"check-book-outputs.py: no built book in {book}; run scripts/build-book.sh first")

    placed = chapters_of(chapters)
    passed = failed = 0
    figures_per_page = {}
    all_problems = []
    for nb_path in sorted(notebooks.glob("*.ipynb")):
        name = nb_path.stem
        if not placed.get(name):
            n = sum(len(c.get("outputs", [])) for c in json.loads(nb_path.read_text(encoding="utf-8"))["cells"])
            failed += max(n, 1)
            all_problems.append(f"{nb_path.name}: no chapter holds {{{{#notebook {name}}}}}, so none of its {n} outputs is in the book")
            print(f"FAIL {nb_path.name}: in no chapter")
            continue
        for rel in placed[name]:
            page = book / rel.with_suffix(".html")
            if not page.is_file():
                all_problems.append(f"{nb_path.name}: its chapter {rel} was not built ({page} is missing)")
                failed += 1
                print(f"FAIL {nb_path.name}: {page.name} missing")
                continue
            html = page.read_text(encoding="utf-8")
            blocks, main_node = blocks_of(html)
            page_tex = Block(main_node).tex
            count, figures, problems = check_notebook(nb_path, page, blocks, page_tex)
            figures_per_page.setdefault(page, [0, main_node])[0] += figures
            passed += count - len(problems)
            failed += len(problems)
            all_problems += problems
            print(f"{'FAIL' if problems else 'ok  '} {nb_path.name} -> {rel.with_suffix('.html')}: "
                  f"{count - len(problems)} of {count} outputs found ({figures} figures)")
            for p in problems:
                print(f"     - {p}")
    for page, (committed, main_node) in figures_per_page.items():
        shown = sum(1 for n in main_node.walk() if n.tag == "img" and "nb-figure" in n.classes())
        if shown < committed:
            failed += 1
            msg = f"{page.name}: {shown} img.nb-figure, but its notebooks committed {committed} figures"
            all_problems.append(msg)
            print(f"FAIL {msg}")
    if all_problems:
        print(f"check-book-outputs.py: {len(all_problems)} problems (above)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
