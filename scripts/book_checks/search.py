"""The search, as a reader uses it (scripts/check-book.py runs it once per run):
in each book, terms typed into the search box (mdBook's, with
scripts/cjk_search.py and theme/cjk-search.js for Chinese) must each list,
among their results, the chapter that defines them."""

import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

# ------------------------------------------------------------ the search

# (book folder, term, the page that defines it). The Chinese terms are the
# glossary's (chapters/glossary.md, its 中文 column; checked below); mdBook's
# search alone found none of them (0 results), rot180 it always found.
SEARCHES = [
    ("zh-CN/", "卷积", "convolution.html"),
    ("zh-CN/", "模式卷积", "convolution.html"),
    ("zh-CN/", "反向传播", "fully-connected.html"),
    ("zh-CN/", "全连接层", "fully-connected.html"),
    ("zh-CN/", "池化", "pooling-relu.html"),
    ("zh-CN/", "最大池化", "pooling-relu.html"),
    ("zh-CN/", "梯度检验", "gradient-checks.html"),
    ("zh-CN/", "勘误", "errata.html"),
    ("", "rot180", "convolution.html"),
]
SEARCH_SHOT = "search-zh-CN.png"

SEARCH_JS = """
const header = document.getElementById('mdbook-searchresults-header');
return {url: location.href, header: header ? header.innerText : null,
        results: Array.from(document.querySelectorAll('#mdbook-searchresults li a')).map(a => a.href)};
"""


def glossary_chinese():
    """The cells of the glossary's 中文 column (chapters/glossary.md)."""
    cells = []
    for line in (ROOT / "chapters" / "glossary.md").read_text(encoding="utf-8").splitlines():
        parts = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(parts) >= 2 and not set(parts[1]) <= set("-: "):
            cells.append(parts[1])
    return cells


def search(driver, base, folder, term, timeout=20):
    """The result links (paths under the book folder) of `term` typed into the
    search box of the folder's first page, once the results for the whole
    term are shown; WidgetError if they are not within `timeout` s."""
    from selenium.webdriver.common.by import By
    from widget_checks import open_page, poll

    open_page(driver, base + folder + "index.html", timeout)
    driver.find_element(By.ID, "mdbook-search-toggle").click()
    bar = driver.find_element(By.ID, "mdbook-searchbar")
    bar.clear()
    bar.send_keys(term)
    # The header names the term searched for; each typed character searches
    # again, so it is the whole term's results once it names the whole term.
    wanted = f"'{term}'"

    def probe():
        s = driver.execute_script(SEARCH_JS)
        return bool(s["header"]) and wanted in s["header"], s
    s = poll(lambda last: f"no results shown for {term!r} after {timeout} s (last seen: {last})", probe, timeout)
    prefix = base + folder
    return s["header"], [urllib.parse.unquote(u[len(prefix):].split("?")[0].split("#")[0])
                         for u in s["results"] if u.startswith(prefix)]


def check_search(driver, base, book, shots, screenshot):
    """Problems of the search: each of SEARCHES lists its page among its
    results; `screenshot(path)` photographs the first Chinese results."""
    from widget_checks import WidgetError

    problems = []
    glossary = glossary_chinese()
    shot = None
    for folder, term, page in SEARCHES:
        if folder == "zh-CN/" and not any(term in cell for cell in glossary):
            problems.append(f"{term!r} is not a term of the glossary's 中文 column (chapters/glossary.md)")
        if not (book / folder / page).is_file():
            problems.append(f"{folder}{page}, where {term!r} should be found, is not in the book")
            continue
        try:
            header, found = search(driver, base, folder, term)
        except WidgetError as e:
            problems.append(f"search in {folder or 'the English book'}: {e}")
            continue
        if page not in found:
            problems.append(f"searching {term!r} in {folder or 'the English book'} does not find {page}: "
                            f"{header!r} {sorted(set(found))}")
        elif folder == "zh-CN/" and shot is None and shots is not None:
            shot = shots / SEARCH_SHOT
            screenshot(shot)
        problems += [f"searching {term!r}: {p}" for p in
                     (f"console error: {e.get('message', '').strip()[:300]}"
                      for e in driver.get_log("browser") if e.get("level") == "SEVERE")]
    return problems, shot
