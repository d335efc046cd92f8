#!/usr/bin/env python3
"""Chinese in the book's search: adds the Chinese text of every section to the
search index mdBook wrote, as pairs of characters.

    python3 scripts/cjk_search.py BOOK_DIR   # after mdbook build; scripts/build-book.sh runs it

Why. mdBook's search (elasticlunr) cuts text into words at spaces and hyphens
and trims from both ends of each word every character that is not a Latin
letter, a digit or `_`. Chinese is written without spaces, so no Chinese
character ever reaches the index: in the Chinese book 卷积 found nothing
(rust-lang/mdBook#1081 and #2052, open). The text itself is in the index (its
document store keeps each section's title, body and breadcrumbs for the result
teasers), so the words can be added afterwards.

How. Each run of Han characters in a section becomes its overlapping pairs
(bigrams) plus its last character alone: 反向传播 gives 反向, 向传, 传播 and 播.
The pairs find any word of two or more characters (a query's own pairs, all of
them in the results that rank first, since elasticlunr scores a section by the
share of the query's tokens it holds); the last character makes every
character of the run the start of some token, so that a one-character query,
which elasticlunr expands to every token it begins, finds every occurrence.
theme/cjk-search.js splits a query the same way in the browser. The tokens go
into three fields of their own, title_han, body_han and breadcrumbs_han, next
to mdBook's title, body and breadcrumbs, each weighted (boost) as its
counterpart is in book.toml. They are built exactly as elasticlunr builds a
field (a trie of characters; each posting's tf is the square root of the
token's count in the field, each token's df its number of sections, the
field's length in docInfo its number of tokens), so its scoring holds for
them: a long section is not favoured for the Chinese it holds. mdBook's own
fields are left as they are, so an English query scores and ranks every
section exactly as before, and the file is the same text mdBook wrote but for
what is added (checked: the unchanged index, re-written, gives back mdBook's
text byte for byte). A query mixing Latin and Han words scores each part in
its own fields; with book.toml's search `use-boolean-and` such a query would
find nothing (no field holds both), with the default (OR) it works.

The index is `searchindex-HASH.js` (`window.search = Object.assign(window.search,
JSON.parse('...'));`, the JSON with `\\` and `'` escaped). Its name keeps
mdBook's hash of the unprocessed file; the processing is deterministic, so one
book always gives one file under one name. Anything not as described (no such
file, another wrapper, another elasticlunr version, pipeline or field list, a
file processed before) fails with a message
saying what, and the book build with it.
"""

import json
import math
import re
import sys
from collections import Counter
from pathlib import Path

# Han ideographs of the Basic Multilingual Plane: CJK Unified Ideographs, its
# Extension A and the Compatibility Ideographs. Only BMP characters, because
# elasticlunr walks its trie by JavaScript string index, one UTF-16 unit per
# step; a character outside the BMP would be two steps there and one here.
# theme/cjk-search.js has the same class (scripts/test_cjk_search.py checks).
HAN_CLASS = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")

PREFIX = "window.search = Object.assign(window.search, JSON.parse('"
SUFFIX = "'));"
# What elasticlunr.js 0.9.5, as mdBook 0.5 ships it, loads and how mdBook builds it.
VERSION = "0.9.5"
PIPELINE = ["trimmer", "stopWordFilter", "stemmer"]
FIELDS = {"title", "body", "breadcrumbs"}
# Where each field's Han tokens go.
HAN_FIELD = {field: field + "_han" for field in FIELDS}


class IndexFormatError(Exception):
    """The search index is not what this script was written for."""


def han_tokens(text):
    """The tokens of the Han text in `text`: every run's bigrams, then its last character."""
    tokens = []
    for run in HAN_RUN.findall(text):
        tokens += [run[i:i + 2] for i in range(len(run) - 1)]
        tokens.append(run[-1])
    return tokens


def unescape_js(literal):
    """The string of a JavaScript '...' literal as mdBook writes it: only \\\\ and \\' escaped."""
    def one(m):
        if m.group(1) not in "\\'":
            raise IndexFormatError(f"an escape mdBook does not write: \\{m.group(1)!r}")
        return m.group(1)
    return re.sub(r"\\(.)", one, literal, flags=re.S)


def escape_js(text):
    return text.replace("\\", "\\\\").replace("'", "\\'")


def dump(data):
    """JSON as mdBook writes it (serde_json: compact, keys sorted, non-ASCII as is)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def parse(js):
    """The index's JSON (a dict) from the text of searchindex.js, checked."""
    if not (js.startswith(PREFIX) and js.endswith(SUFFIX)):
        raise IndexFormatError(f"the file is not `{PREFIX}...{SUFFIX}` (mdBook 0.5's searchindex.js)")
    text = unescape_js(js[len(PREFIX):-len(SUFFIX)])
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise IndexFormatError(f"its JSON does not parse: {e}") from None
    check(data)
    if dump(data) != text:
        raise IndexFormatError("re-written unchanged, the index is not the same text; this script would "
                               "change more than it adds (a new mdBook writing JSON differently?)")
    return data


def check(data):
    """Raises IndexFormatError unless `data` is an elasticlunr index as expected."""
    def need(ok, what):
        if not ok:
            raise IndexFormatError(what)
    need(isinstance(data, dict) and isinstance(data.get("index"), dict), "no \"index\" object at the top")
    ix = data["index"]
    need(not set(HAN_FIELD.values()) & set(ix.get("fields") or []),
         f"already processed (it has the fields {sorted(HAN_FIELD.values())}); build the book again")
    need(ix.get("version") == VERSION, f"elasticlunr version {ix.get('version')!r}, expected {VERSION!r}")
    need(ix.get("pipeline") == PIPELINE, f"pipeline {ix.get('pipeline')!r}, expected {PIPELINE!r}")
    need(ix.get("ref") == "id", f"document ref {ix.get('ref')!r}, expected 'id'")
    need(isinstance(ix.get("fields"), list) and set(ix["fields"]) == FIELDS,
         f"fields {ix.get('fields')!r}, expected {sorted(FIELDS)}")
    store = ix.get("documentStore")
    need(isinstance(store, dict) and store.get("save") is True and isinstance(store.get("docs"), dict)
         and isinstance(store.get("docInfo"), dict),
         "no documentStore with save: true, docs and docInfo (the sections' text is needed)")
    need(store.get("length") == len(store["docs"]),
         f"documentStore length {store.get('length')!r} but {len(store['docs'])} docs")
    for ref, doc in store["docs"].items():
        need(isinstance(doc, dict) and all(isinstance(doc.get(f), str) for f in FIELDS),
             f"doc {ref!r} lacks a text field of {sorted(FIELDS)}")
        info = store["docInfo"].get(ref)
        need(isinstance(info, dict) and all(isinstance(info.get(f), int) for f in FIELDS),
             f"docInfo of {ref!r} lacks a field length of {sorted(FIELDS)}")
    options = data.get("search_options")
    need(isinstance(options, dict) and isinstance(options.get("fields"), dict)
         and set(options["fields"]) == FIELDS
         and all(isinstance(o, dict) and "boost" in o for o in options["fields"].values()),
         f"search_options.fields is not a boost for each of {sorted(FIELDS)}")
    need(isinstance(ix.get("index"), dict) and set(ix["index"]) == FIELDS,
         f"inverted index fields {sorted(ix.get('index') or [])!r}, expected {sorted(FIELDS)}")
    for field in FIELDS:
        root = ix["index"][field].get("root") if isinstance(ix["index"][field], dict) else None
        need(isinstance(root, dict), f"the inverted index of {field!r} has no root")
        check_node(root, field, "")


def check_node(node, field, token):
    """Every trie node is {docs: {ref: {tf}}, df, CHARACTER: node...}."""
    where = f"the inverted index of {field!r} at {token!r}"
    if not (isinstance(node.get("docs"), dict) and isinstance(node.get("df"), int)):
        raise IndexFormatError(f"{where}: a node without docs and df")
    if node["df"] != len(node["docs"]):
        raise IndexFormatError(f"{where}: df {node['df']} but {len(node['docs'])} docs")
    for key, child in node.items():
        if key in ("docs", "df"):
            continue
        if len(key) != 1 or not isinstance(child, dict):
            raise IndexFormatError(f"{where}: a child {key!r} that is not one character")
        check_node(child, field, token + key)


def add_han(data):
    """Adds the Han fields, with the tokens of every section; returns how many distinct tokens."""
    ix = data["index"]
    store = ix["documentStore"]
    added = set()
    for field in sorted(FIELDS):
        han = HAN_FIELD[field]
        ix["fields"].append(han)
        data["search_options"]["fields"][han] = dict(data["search_options"]["fields"][field])
        root = {"docs": {}, "df": 0}
        ix["index"][han] = {"root": root}
        for ref, doc in store["docs"].items():
            counts = Counter(han_tokens(doc[field]))
            store["docInfo"][ref][han] = sum(counts.values())
            for token, n in counts.items():
                node = root
                for ch in token:
                    node = node.setdefault(ch, {"docs": {}, "df": 0})
                node["docs"][ref] = {"tf": math.sqrt(n)}
                node["df"] += 1
                added.add(token)
    return len(added)


def process(js):
    """(the text of the processed searchindex.js, number of distinct Han tokens added)."""
    data = parse(js)
    tokens = add_han(data)
    return PREFIX + escape_js(dump(data)) + SUFFIX, tokens


def index_file(book):
    files = sorted(book.glob("searchindex*.js"))
    if len(files) != 1:
        raise IndexFormatError(f"expected one searchindex*.js in {book}, found "
                               f"{[f.name for f in files] or 'none'} (is search enabled in book.toml?)")
    return files[0]


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: python3 scripts/cjk_search.py BOOK_DIR")
    book = Path(argv[1])
    try:
        path = index_file(book)
        before = path.read_text(encoding="utf-8")
        after, tokens = process(before)
    except IndexFormatError as e:
        sys.exit(f"cjk_search.py: {book}: search index not as expected: {e}")
    path.write_text(after, encoding="utf-8")
    size = lambda s: len(s.encode("utf-8"))
    print(f"cjk_search.py: {path}: {tokens} Han tokens added, "
          f"{size(before):,} -> {size(after):,} bytes")


if __name__ == "__main__":
    main(sys.argv)
