#!/usr/bin/env python3
"""The Chinese book's translation: extract, check, update.

    python3 scripts/po.py check     every message of the book translated, none fuzzy or stale
    python3 scripts/po.py extract   po/messages.pot from the book as it is now
    python3 scripts/po.py update    extract, then carry po/zh-CN.po over to the new messages

The messages are what mdbook-xgettext extracts from the built English book:
the chapters and, put in by notebooks/to_book.py, the notebooks' prose, with
every formula as a code span (notebooks/math_shield.py). po/zh-CN.po holds
their translations; mdbook-gettext puts them in when scripts/build-book.sh
builds the Chinese book.

`check` (run by the test command) extracts the messages afresh and fails,
listing them, when a message of the book has no translation, when a
translation is marked fuzzy, when po/zh-CN.po translates a message the book no
longer has, when po/messages.pot is not what the book extracts, or when a
translation breaks one of the Chinese conventions in ZH_CONVENTIONS (「」
quotes, 上一层/下一层, italics on Chinese words). So a
changed English sentence fails the tests until its translation follows: run
`update`, which keeps every translation whose message is unchanged, gives a
changed message the old translation marked fuzzy (as gettext's msgmerge
does), and drops what is gone; then translate, remove the `#, fuzzy` line,
and `check` again.

A message with nothing to translate (only formulas, code, numbers, links or
HTML) may stay untranslated: the Chinese book shows it as it is.

Needs mdbook and mdbook-i18n-helpers (scripts/setup-book.sh); only the
standard library.
"""

import difflib
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "po" / "messages.pot"
PO = ROOT / "po" / "zh-CN.po"


# ---- the PO format (the subset mdbook-xgettext writes) ---------------------------------------

class Entry:
    def __init__(self):
        self.comments = []  # lines starting with '#' other than flags
        self.flags = set()
        self.msgid = ""
        self.msgstr = ""

    @property
    def fuzzy(self):
        return "fuzzy" in self.flags


def _unquote(line, where):
    line = line.strip()
    if not (line.startswith('"') and line.endswith('"')):
        raise SystemExit(f"{where}: expected a quoted string, got {line[:60]!r}")
    out, i, body = [], 0, line[1:-1]
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            out.append(escapes.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def parse(path):
    """The entries of a .po/.pot file (the header entry first); obsolete `#~` entries are left out."""
    entries, cur, field = [], None, None
    for n, raw in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path}:{n}"
        line = raw.rstrip("\n")
        if not line.strip():
            if cur is not None:
                entries.append(cur)
            cur, field = None, None
            continue
        if line.startswith("#~"):
            continue
        if cur is None:
            cur = Entry()
        if line.startswith("#,"):
            cur.flags |= {f.strip() for f in line[2:].split(",") if f.strip()}
        elif line.startswith("#"):
            cur.comments.append(line)
        elif line.startswith("msgid "):
            field, cur.msgid = "msgid", _unquote(line[6:], where)
        elif line.startswith("msgstr "):
            field, cur.msgstr = "msgstr", _unquote(line[7:], where)
        elif line.startswith('"') and field:
            setattr(cur, field, getattr(cur, field) + _unquote(line, where))
        else:
            raise SystemExit(f"{where}: cannot read {line[:60]!r}")
    if cur is not None:
        entries.append(cur)
    return entries


def _quote(text):
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n")
    return f'"{body}"'


def _field(name, text):
    lines = re.findall(r"[^\n]*\n|[^\n]+$", text) if text else []
    if len(lines) <= 1 and len(text) < 70:
        return f"{name} {_quote(text)}"
    return f'{name} ""\n' + "\n".join(_quote(l) for l in lines)


def write(path, entries):
    """Writes entries as a .po file: to a temporary file, then renamed into place."""
    out = []
    for e in entries:
        lines = list(e.comments)
        if e.flags:
            lines.append("#, " + ", ".join(sorted(e.flags)))
        lines += [_field("msgid", e.msgid), _field("msgstr", e.msgstr)]
        out.append("\n".join(lines))
    tmp = Path(path).with_name(f".{Path(path).name}.tmp-{os.getpid()}")
    tmp.write_text("\n\n".join(out) + "\n", encoding="utf-8")
    tmp.replace(path)


# ---- what the book says now ----------------------------------------------------------------

def extract():
    """The entries mdbook-xgettext extracts from the book now (header first)."""
    with tempfile.TemporaryDirectory() as out:
        env = dict(os.environ, MDBOOK_OUTPUT='{"xgettext": {}}')
        r = subprocess.run(["mdbook", "build", "-d", out], cwd=ROOT, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"po.py: extracting the messages failed:\n{r.stdout}{r.stderr}")
        return parse(Path(out) / "messages.pot")


NOTHING_TO_TRANSLATE = [
    re.compile(r"(`+).*?\1", re.S),           # code spans, formulas among them
    re.compile(r"<[^>]*>"),                   # HTML tags
    re.compile(r"\]\([^)]*\)"),               # link targets
    re.compile(r"\{#[^}]*\}"),                # heading ids
]


def needs_translation(msgid):
    """Whether a message has words to translate, not only code, formulas, numbers or markup."""
    text = msgid
    for pattern in NOTHING_TO_TRANSLATE:
        text = pattern.sub(" ", text)
    return re.search(r"[A-Za-z]{2,}", text) is not None


# The Chinese edition's conventions (CONTRIBUTING.md), each a pattern that finds a breach in a translation.
# Code spans are left out: a formula or a name in code may hold any of these characters.
_CJK = "\u4e00-\u9fff"
ZH_CONVENTIONS = [
    ("corner brackets 「」 or 『』 (mainland Chinese quotes with “” and ‘’)", re.compile("[「」『』]")),
    ("上一层 or 下一层, which readers take in either direction (say 前一层 for layer l−1, 后一层 for l+1)",
     re.compile("上一层|下一层")),
    ("italics on Chinese words, which Chinese type does not have (use **bold** or no emphasis)",
     re.compile(rf"(?<![\w*\\])(?:_(?![\s_])[^_\n]*?[{_CJK}][^_\n]*?(?<![\s_\\])_"
                rf"|\*(?![\s*])[^*\n]*?[{_CJK}][^*\n]*?(?<![\s*\\])\*)(?![\w*])")),
]


def convention_breaches(msgstr):
    """The Chinese conventions a translation breaks, each with the text that breaks it."""
    prose = re.sub(r"(`+).*?\1", " ", msgstr, flags=re.S)
    return [(rule, m.group(0)) for rule, pattern in ZH_CONVENTIONS for m in pattern.finditer(prose)]


# A decimal number (97.35, 0.0816, 1e-7 is not one): a translation states the
# same measurements as its English, so a number changed in a rerun and in the
# English, but not in the translation, is found even when nobody marked it.
DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.]\d)")


def numbers_differ(msgid, msgstr):
    """The decimals of the English and of the translation, when they are not the same set (a
    translation may repeat one: "row and column 14.5" is 第 14.5 行、第 14.5 列)."""
    english, chinese = sorted(set(DECIMAL.findall(msgid))), sorted(set(DECIMAL.findall(msgstr)))
    return None if english == chinese else (english, chinese)


def short(text, n=100):
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def where(entry):
    refs = [c[3:].split() for c in entry.comments if c.startswith("#: ")]
    return refs[0][0] if refs and refs[0] else "?"


# ---- the commands --------------------------------------------------------------------------------

def check():
    fresh = extract()
    messages = [e for e in fresh[1:]]
    problems = []
    committed = [e.msgid for e in parse(POT)[1:]] if POT.exists() else []
    if committed != [e.msgid for e in messages]:
        gone = set(committed) - {e.msgid for e in messages}
        new = [e for e in messages if e.msgid not in set(committed)]
        problems.append(f"po/messages.pot is not what the book extracts now ({len(new)} new, {len(gone)} gone "
                        "or moved): run `python3 scripts/po.py update`")
    if not PO.exists():
        raise SystemExit("po.py: there is no po/zh-CN.po")
    translated = {e.msgid: e for e in parse(PO)[1:]}
    missing = [e for e in messages if needs_translation(e.msgid)
               and (e.msgid not in translated or not translated[e.msgid].msgstr.strip())]
    fuzzy = [translated[e.msgid] for e in messages if e.msgid in translated and translated[e.msgid].fuzzy]
    current = {e.msgid for e in messages}
    stale = [e for m, e in translated.items() if m not in current]
    for title, found in (("without a translation", missing), ("marked fuzzy (the English changed)", fuzzy),
                         ("translating a message the book no longer has", stale)):
        if found:
            problems.append(f"{len(found)} message(s) {title}:")
            problems += [f"    {where(e)}: {short(e.msgid)}" for e in found[:40]]
            if len(found) > 40:
                problems.append(f"    … and {len(found) - 40} more")
    breaking = [(e, found) for e in translated.values() if (found := convention_breaches(e.msgstr))]
    if breaking:
        problems.append(f"{len(breaking)} translation(s) breaking the Chinese conventions:")
        problems += [f"    {where(e)}: {rule}: {short(text, 60)}"
                     for e, found in breaking[:40] for rule, text in dict(found).items()]
    differing = [(e, d) for e in translated.values()
                 if e.msgstr.strip() and not e.fuzzy and (d := numbers_differ(e.msgid, e.msgstr))]
    if differing:
        problems.append(f"{len(differing)} translation(s) stating other numbers than their English:")
        problems += [f"    {where(e)}: English {', '.join(en) or 'none'}, translation {', '.join(zh) or 'none'}"
                     for e, (en, zh) in differing[:40]]
    done = sum(1 for e in messages if e.msgid in translated and translated[e.msgid].msgstr.strip())
    words = sum(1 for e in messages if needs_translation(e.msgid))
    if problems:
        print("po.py: the Chinese translation is behind the English book:", *problems, sep="\n", file=sys.stderr)
        print("(run `python3 scripts/po.py update`, translate in po/zh-CN.po, remove the `#, fuzzy` lines)",
              file=sys.stderr)
        sys.exit(1)
    print(f"po.py: po/zh-CN.po translates the book: {done} of {len(messages)} messages have a translation, "
          f"every one of the {words} with words among them; none fuzzy or stale")


def update():
    fresh = extract()
    header, messages = fresh[0], fresh[1:]
    write(POT, fresh)
    old = parse(PO)[1:] if PO.exists() else []
    po_header = parse(PO)[0] if PO.exists() else header
    by_id = {e.msgid: e for e in old}
    unused = [e for e in old if e.msgid not in {m.msgid for m in messages}]
    out, kept, guessed = [po_header], 0, 0
    for m in messages:
        e = Entry()
        e.comments, e.msgid = m.comments, m.msgid
        if m.msgid in by_id:
            e.msgstr, e.flags = by_id[m.msgid].msgstr, set(by_id[m.msgid].flags)
            kept += 1
        else:
            best = max(unused, key=lambda u: difflib.SequenceMatcher(None, u.msgid, m.msgid).quick_ratio(),
                       default=None)
            if best and difflib.SequenceMatcher(None, best.msgid, m.msgid).ratio() > 0.6:
                e.msgstr, e.flags = best.msgstr, {"fuzzy"}
                guessed += 1
        out.append(e)
    write(PO, out)
    print(f"po.py: po/messages.pot has {len(messages)} messages; po/zh-CN.po kept {kept} translations, "
          f"marked {guessed} fuzzy (their English changed), dropped {len(old) - kept - guessed} no longer used")


def main():
    commands = {"check": check, "extract": lambda: write(POT, extract()), "update": update}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]]()


if __name__ == "__main__":
    main()
