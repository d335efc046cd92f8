"""Every link of a page resolves, offline: to a page of the book and, with a
fragment, to an id on it (scripts/check-book.py)."""

import functools
import urllib.parse
import urllib.request
from html.parser import HTMLParser

# ----------------------------------------------------------------- links

class IdParser(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids = set()

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if v and (k == "id" or (tag == "a" and k == "name")):
                self.ids.add(v)


@functools.lru_cache(maxsize=None)
def ids_of(url):
    """The ids of the page at url, as the server sends it."""
    with urllib.request.urlopen(url, timeout=10) as r:
        parser = IdParser()
        parser.feed(r.read().decode("utf-8", "replace"))
        return frozenset(parser.ids)


def check_links(page_url, links, page_ids, book, base):
    """Problems (one per broken href, with how many links use it) and external hrefs."""
    problems, external = {}, set()
    origin = urllib.parse.urlsplit(base)
    page_path = urllib.parse.urlsplit(page_url).path
    for link in links:
        u = urllib.parse.urlsplit(link["href"])
        if u.scheme not in ("http", "https"):
            continue  # mailto:, javascript: and the like
        if u.netloc != origin.netloc:
            external.add(link["href"])
            continue
        problem = link_problem(u, page_path, page_ids, book)
        if problem:
            where = f'href="{link["raw"]}"'
            texts, _ = problems.setdefault(where, ([], problem))
            texts.append(link["text"])
    return [f"link {where} ({len(texts)} link{'s' if len(texts) > 1 else ''}, \"{texts[0]}\"): {problem}"
            for where, (texts, problem) in problems.items()], external


def link_problem(u, page_path, page_ids, book):
    """What is wrong with an internal link (a urlsplit result), or None."""
    path = urllib.parse.unquote(u.path)
    target = book / path.lstrip("/")
    if path.endswith("/") or target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return f"{path} is not in the book"
    if not u.fragment:
        return None
    fragment = urllib.parse.unquote(u.fragment)
    if u.path == page_path:
        ids = page_ids
    else:
        try:
            ids = ids_of(urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, "", "")))
        except OSError as e:
            return f"could not fetch {path}: {e}"
    return None if fragment in ids else f"{path} has no id '{fragment}'"
