#!/usr/bin/env python3
"""The libraries' module graphs: which top-level module imports which, in
each crate of the workspace (lenet-core/src, then src), and which file of a
top-level module imports which other file of it (`course::catalogue` →
`course::exercises`).

Reads every file under the crate's src/ that belongs to the library (lib.rs
and the modules it declares; not src/main.rs or src/cli/, the binary), strips
comments (strings are kept out of the way), and lists every `crate::` and
`super::` path: in `use` lines, grouped (`crate::{a::B, c::D}`), and inline
(`crate::model::arch::IMAGE_SIDE`). `super::` is resolved against the file's
module (and any inline `mod … {` it sits in); root re-exports
(`crate::Real`, `crate::Matrix`, `crate::Error`, …) are resolved through the
`pub use` lines of src/lib.rs. Each path is reduced to its top-level module
(`model`, `fast`, `train`, …); imports within one top-level module are
ignored. In `lenet`, the modules it re-exports from `lenet-core`
(`pub use lenet_core::{conv, …}`) are shown as `core::conv`: the core crate
cannot import `lenet` back, so no cycle goes through them.

Prints each module's imports, then the cycles between top-level modules and
between the files of one top-level module, and exits 1 if there is one.

    python3 scripts/module-graph.py [--edges]   # --edges: also where each edge comes from
"""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The workspace's library crates, the one others build on first.
CRATES = [("lenet-core", ROOT / "lenet-core" / "src"), ("lenet", ROOT / "src")]


def strip_comments(text):
    """`text` with comments blanked and string/char literals emptied."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    if text[i] == "\n":
                        out.append("\n")
                    i += 1
            out.append(" ")
        elif (m := re.match(r'(b?r(#*)")', text[i:])) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            close = '"' + m.group(2)
            j = text.find(close, i + len(m.group(1)))
            j = n if j < 0 else j + len(close)
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j + 1
        elif c == "'" and (m := re.match(r"'(\\.[^']*|[^\\'])'", text[i:])):
            out.append("' '")
            i += len(m.group(0))
        else:
            out.append(c)
            i += 1
    return "".join(out)


def library_files(src):
    """(path, module path) of every library file: lib.rs and the modules below it."""
    files = [(src / "lib.rs", [])]
    for p in sorted(src.rglob("*.rs")):
        rel = p.relative_to(src)
        if rel.parts[0] in ("lib.rs", "main.rs", "cli", "bin"):
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "mod":
            parts.pop()
        files.append((p, parts))
    return files


def split_top(group):
    """The comma-separated items of a `{…}` group's inside, at depth 0."""
    items, depth, cur = [], 0, ""
    for c in group:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        if c == "," and depth == 0:
            items.append(cur)
            cur = ""
        else:
            cur += c
    items.append(cur)
    return [s.strip() for s in items if s.strip()]


def expand(path):
    """All paths a `use` tree stands for: `a::{b, c::{d}}` → a::b, a::c::d."""
    path = re.sub(r"\s+", "", path)
    m = re.match(r"^(.*?)\{(.*)\}$", path)
    if not m:
        return [path]
    prefix, inside = m.group(1), m.group(2)
    return [prefix + q for item in split_top(inside) for q in expand(item)]


PATH_RE = re.compile(r"\b(crate|super)((?:\s*::\s*(?:super|[A-Za-z_][A-Za-z0-9_]*|\*))*)(\s*::\s*\{)?")


def paths_in(code):
    """(start offset, path text) of every crate::/super:: path in `code`, groups expanded."""
    found = []
    for m in PATH_RE.finditer(code):
        if m.start() > 0 and code[m.start() - 1] in "$:":
            continue  # `$crate::`, or the tail of a longer path
        text = m.group(1) + m.group(2)
        if m.group(3):
            depth, j = 1, m.end()
            while j < len(code) and depth:
                depth += {"{": 1, "}": -1}.get(code[j], 0)
                j += 1
            text += "::{" + code[m.end() : j]
        found.extend((m.start(), p) for p in expand(text))
    return found


def inline_modules(code):
    """(start, end, name) of each inline `mod name { … }` in `code`."""
    spans = []
    for m in re.finditer(r"\bmod\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{", code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            depth += {"{": 1, "}": -1}.get(code[j], 0)
            j += 1
        spans.append((m.start(), j, m.group(1)))
    return spans


def resolve(path, module):
    """The absolute segments of `path` written in `module`."""
    segs = [s for s in re.split(r"\s*::\s*", path) if s]
    here = list(module)
    if segs[0] == "crate":
        here, segs = [], segs[1:]
    else:
        while segs and segs[0] == "super":
            here.pop()
            segs = segs[1:]
    return here + segs


def root_reexports(src, top_modules):
    """Names lib.rs re-exports from a module of the crate → that module, and
    from the core crate → `core::module` (`lenet_core::conv` → core::conv,
    `lenet_core::Matrix` → core)."""
    code = strip_comments((src / "lib.rs").read_text())
    names = {}
    for m in re.finditer(r"\bpub\s+use\s+([^;]+);", code):
        for p in expand(m.group(1)):
            segs = re.split(r"::", p)
            segs = segs[1:] if segs[0] == "crate" else segs
            last = segs[-1].split(" as ")[-1].strip()
            if segs[0] == "lenet_core":
                names[last] = "core::" + segs[1] if len(segs) > 2 or segs[1][:1].islower() else "core"
            elif segs[0] in top_modules:
                names[last] = segs[0]
    return names


def graph(src):
    """(top-level modules, edges between them, edges between the files of one
    top-level module), each edge → where it is written."""
    files = library_files(src)
    tops = {mod[0] for _, mod in files if mod}
    reexports = root_reexports(src, tops)
    edges = {}  # (from, to) -> [where]
    inner_edges = {}  # (course::catalogue, course::exercises) -> [where]
    for path, module in files:
        code = strip_comments(path.read_text())
        spans = inline_modules(code)
        for start, p in paths_in(code):
            inner = [name for (s, e, name) in spans if s < start < e]
            segs = resolve(p, module + inner)
            if not segs or segs == ["*"]:
                continue
            top = segs[0]
            if top in reexports:
                top = reexports[top]
            if top not in tops and not top.startswith("core"):
                continue  # an item of lib.rs itself
            origin = module[0] if module else "lib"
            line = code.count("\n", 0, start) + 1
            written = re.sub(r"\s+", "", p)
            where = f"{path.relative_to(ROOT)}:{line} {written}"
            if origin == top and len(module) >= 2 and len(segs) >= 3:
                # Within one top-level module: file (second level) to file.
                a, b = "::".join(module[:2]), "::".join(segs[:2])
                target = src / segs[0] / segs[1]
                if a != b and (target.with_suffix(".rs").exists() or target.is_dir()):
                    inner_edges.setdefault((a, b), []).append(where)
            if origin == top or origin == "lib":
                continue
            edges.setdefault((origin, top), []).append(where)
    tops |= {b for (_, b) in edges if b.startswith("core")}
    return tops, edges, inner_edges


def cycles(tops, edges):
    """Strongly connected components with more than one module (Tarjan)."""
    succ = {t: sorted({b for (a, b) in edges if a == t}) for t in tops}
    index, low, stack, on, out, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in succ[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for t in sorted(tops):
        if t not in index:
            visit(t)
    return out, succ


def report(name, tops, edges, inner_edges, show_edges):
    """Prints one crate's graph and its cycles; the number of cycles."""
    print(f"== {name}")
    comps, succ = cycles(tops, edges)
    for t in sorted(tops):
        if t.startswith("core"):
            continue
        print(f"{t:10} → {', '.join(succ[t]) or '(nothing of the crate)'}")
        if show_edges:
            for b in succ[t]:
                for w in edges[(t, b)]:
                    print(f"{'':14}{w}")
    files = {x for e in inner_edges for x in e}
    inner_comps, _ = cycles(files, inner_edges)
    for comp in comps + inner_comps:
        print("cycle:", " ↔ ".join(comp))
        for a in comp:
            for b in comp:
                for w in {**edges, **inner_edges}.get((a, b), []):
                    print(f"  {a} → {b}: {w}")
    if not comps:
        print("no cycle between top-level modules")
    if not inner_comps:
        print("no cycle between the files of a top-level module")
    return len(comps) + len(inner_comps)


def main():
    if any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.exit(print(__doc__))
    if any(a != "--edges" for a in sys.argv[1:]):
        sys.exit(f"module-graph.py: unknown argument(s) {' '.join(a for a in sys.argv[1:] if a != '--edges')}; see --help")
    found = 0
    for name, src in CRATES:
        found += report(name, *graph(src), "--edges" in sys.argv)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
