"""Each page is in its book's language, its switch goes to the same page in
the other, its headings keep the English ids, and its fonts cover its
Chinese (scripts/check-book.py)."""

import subprocess
import urllib.parse

from book_checks import HAN
from book_checks.links import ids_of

# ------------------------------------------------------------ the two books

# Chinese characters and punctuation (CJK symbols, unified ideographs, full-width forms).
_charsets = {}


def font_charset(family):
    """The code points the installed font `family` has (fontconfig), empty if it is not installed."""
    if family not in _charsets:
        points = set()
        try:
            files = subprocess.run(["fc-list", f"{family}:", "file"], capture_output=True, text=True,
                                   timeout=20).stdout.split()
            for f in {f.rstrip(":") for f in files}:
                out = subprocess.run(["fc-query", "-f", "%{charset}\n", f], capture_output=True, text=True,
                                     timeout=20).stdout
                for part in out.split():
                    lo, _, hi = part.partition("-")
                    points.update(range(int(lo, 16), int(hi or lo, 16) + 1))
        except (OSError, ValueError, subprocess.SubprocessError):
            pass
        _charsets[family] = points
    return _charsets[family]


def check_language(driver, rel, base):
    """The page's language matches its book (zh-CN/ is the Chinese one), it links
    the same page in the other book, and, in the Chinese book, its headings
    have the English page's ids (so every anchor, and the switch, lands at the
    same place in both) and every Chinese character of its text is in a font
    of the page's stack that is installed: no character is drawn as an empty box."""
    problems = []
    chinese_book = rel.startswith("zh-CN/")
    info = driver.execute_script("""
        const sw = document.querySelector('a.lang-switch');
        return {lang: document.documentElement.lang, text: document.body.innerText,
                family: getComputedStyle(document.querySelector('main') || document.body).fontFamily,
                switchTo: sw ? sw.getAttribute('href') : null};""")
    want = "zh-CN" if chinese_book else "en"
    if info["lang"] != want:
        problems.append(f"<html lang={info['lang']!r}>, expected {want!r} in this book")
    if not info["switchTo"]:
        problems.append("no language switch (a.lang-switch, theme/lang.js) in the menu bar")
    else:
        target = urllib.parse.urlsplit(info["switchTo"]).path
        other = rel[len("zh-CN/"):] if chinese_book else "zh-CN/" + rel
        if not target.endswith("/" + other):
            problems.append(f"the language switch goes to {target}, not to {other}")
    if chinese_book:
        families = [f.strip().strip('"\'') for f in info["family"].split(",")]
        have = set()
        for f in families:
            have |= font_charset(f)
        missing = sorted({c for c in HAN.findall(info["text"]) if ord(c) not in have})
        if missing:
            problems.append(f"{len(missing)} Chinese characters no installed font of the stack "
                            f"({', '.join(families)}) has: {''.join(missing[:30])}")
        if not HAN.search(info["text"]):
            problems.append("no Chinese text on a page of the Chinese book")
        heading_ids = set(driver.execute_script(
            "return Array.from(document.querySelectorAll('main h1[id], main h2[id], main h3[id], main h4[id]'))"
            ".map(h => h.id);"))
        try:
            english = ids_of(base + urllib.parse.quote(rel[len("zh-CN/"):]))
        except OSError as e:
            problems.append(f"the English page of {rel} did not load: {e}")
        else:
            for hid in sorted(heading_ids - english):
                problems.append(f"heading id {hid!r} is not an id of the English page "
                                "(give the translated heading the English id: 译文 {{#english-id}})")
    return problems
