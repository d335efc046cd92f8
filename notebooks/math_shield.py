#!/usr/bin/env python3
"""Carries the book's math through gettext unharmed (the Chinese book).

    python3 notebooks/math_shield.py shield      (mdbook runs it, before gettext)
    python3 notebooks/math_shield.py unshield    (mdbook runs it, after gettext, before KaTeX)

mdbook-i18n-helpers reads each chapter as CommonMark and writes it back
after translating. CommonMark knows nothing of `$…$`: it reads the TeX inside
as text, so `\\,` loses its backslash on the way in and `x_1` comes out as
`x\\_1` on the way out, and KaTeX then fails on what is left. A code span, on
the other hand, goes through CommonMark byte for byte. So, for the Chinese
book and for the extraction of the messages (`mdbook-xgettext`), `shield`
wraps every formula in a code span (`$…$` becomes `` `$…$` ``, a formula's
line breaks become spaces, which TeX reads alike) and, after translation,
`unshield` turns every code span that is exactly one formula back into the
formula, for KaTeX. A translator sees each formula as inline code, which the
translation rules already say to copy unchanged.

The English book is built without either step (they return the book as it
came), so it is the same with or without translations. `to_book.py --check`
refuses inline code that is itself one formula (there is none in the book),
so `unshield` cannot mistake real code for math.

Only the standard library is used.
"""

import json
import re
import sys

# Fenced code blocks and inline code spans: never math.
FENCE = re.compile(r"^(```+|~~~+)[^\n]*\n.*?^\1[ \t]*$", re.M | re.S)
CODE = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
# mdbook-katex's delimiters: $$…$$ (display) and $…$ (inline), both may span
# lines of one paragraph; an escaped \$ is a dollar sign.
MATH = re.compile(
    r"(?<![\\$])\$\$.+?\$\$"
    r"|(?<![\\$])\$(?![\s$])(?:[^$\n]|\n(?![ \t]*\n))*?[^\s\\$]\$(?!\$)"
    r"|(?<![\\$])\$[^\s$\\]\$",
    re.S,
)
# A code span that holds exactly one formula (what `shield` made).
SHIELDED = re.compile(r"(`+) ?(\$\$.+?\$\$|\$[^$]+?\$) ?\1")


def code_span(text):
    """`text` as a CommonMark code span, fenced by more backticks than it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _outside_code(content, edit):
    """Applies `edit` to the parts of `content` that are not code."""
    out, last = [], 0
    spans = sorted([m.span() for m in FENCE.finditer(content)])
    pieces = []
    for start, end in spans:
        if start < last:
            continue
        pieces.append((content[last:start], True))
        pieces.append((content[start:end], False))
        last = end
    pieces.append((content[last:], True))
    for text, prose in pieces:
        if not prose:
            out.append(text)
            continue
        pos = 0
        for m in CODE.finditer(text):
            out.append(edit(text[pos:m.start()]))
            out.append(m.group(0))
            pos = m.end()
        out.append(edit(text[pos:]))
    return "".join(out)


def shield(content):
    """Every formula outside code becomes a code span holding it on one line."""
    return _outside_code(content, lambda t: MATH.sub(lambda m: code_span(" ".join(m.group(0).split())), t))


# A callout's first line as gettext writes it back: the marker joined to the
# text after it, its brackets escaped ("> \[!NOTE\] **Title.** …"). mdBook
# makes a quote a callout box only when "[!NOTE]" is its first line alone.
JOINED_ALERT = re.compile(r"^((?:[ \t]*>)+[ \t]?)\\?\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\\?\][ \t]+(?=\S)", re.M)


# gettext also opens a quote with an empty quote line ("> " alone), which
# would leave the marker on the quote's second line.
QUOTE_LINE = re.compile(r"^[ \t]*>")
EMPTY_QUOTE_LINE = re.compile(r"^[ \t]*(?:>[ \t]*)+$")
MARKER_LINE = re.compile(r"^(?:[ \t]*>)+[ \t]?\[!(?:NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]$")


def _callouts(content):
    """The callout markers of `content` back on the first line of their quote."""
    content = JOINED_ALERT.sub(lambda m: f"{m.group(1)}[!{m.group(2)}]\n{m.group(1).rstrip()} ", content)
    lines, out = content.split("\n"), []
    for i, line in enumerate(lines):
        starts_quote = not out or not QUOTE_LINE.match(out[-1])
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if starts_quote and EMPTY_QUOTE_LINE.match(line) and MARKER_LINE.match(nxt):
            continue
        out.append(line)
    return "\n".join(out)


def unshield(content):
    """Every code span that is exactly one formula becomes the formula again,
    and every callout marker that gettext moved off its quote's first line
    (joined to its text, after an empty quote line) gets it back: the
    English book's Markdown, which gettext reflowed."""
    return SHIELDED.sub(lambda m: m.group(2), _callouts(content))


def formula_code_spans(content):
    """The inline code spans of `content` that are one formula: what
    `unshield` would turn into math (the book must have none of its own)."""
    found = []
    for m in FENCE.finditer(content):
        content = content.replace(m.group(0), "")
    for m in CODE.finditer(content):
        if SHIELDED.fullmatch(m.group(0)):
            found.append(m.group(0))
    return found


def chapters(items):
    for item in items:
        if isinstance(item, dict) and "Chapter" in item:
            yield item["Chapter"]
            yield from chapters(item["Chapter"].get("sub_items", []))


def translating(context):
    """Whether this build extracts or applies translations."""
    language = (context.get("config", {}).get("book", {}).get("language") or "en")
    return context.get("renderer") == "xgettext" or not language.startswith("en")


def main():
    args = sys.argv[1:]
    if args[1:2] == ["supports"]:  # mdBook asks: `… shield supports RENDERER`
        sys.exit(0)
    if args not in (["shield"], ["unshield"]):
        sys.exit(__doc__)
    context, book = json.load(sys.stdin)
    if translating(context):
        step = shield if args == ["shield"] else unshield
        for ch in chapters(book.get("items", book.get("sections", []))):
            ch["content"] = step(ch["content"])
    json.dump(book, sys.stdout)


if __name__ == "__main__":
    main()
