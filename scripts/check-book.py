#!/usr/bin/env python3
"""The built book, as a reader's browser shows it.

    bash scripts/setup-browser.sh                           # once: Chromium, its driver, Selenium
    .venv-notebooks/bin/python scripts/check-book.py        # after scripts/build-book.sh

Serves target/book/ from a local HTTP server on 127.0.0.1 (a free port) and
opens every page of the book in headless Chromium, driven through
chromium-driver by Selenium, at a 1280x900 viewport and offline: the browser
reaches only 127.0.0.1 (every other host goes through a proxy that does not
exist, and resolves to nothing). A page fails on

  - a JavaScript console error (browser log level SEVERE: an uncaught
    exception, console.error, a resource that did not load);
  - a KaTeX error element (.katex-error), or math left unrendered: `$$`, `\\(`,
    `\\)`, `\\[`, `\\]`, `$...$` or a TeX command such as `\\frac` in the visible
    text outside code blocks and outside KaTeX's output; a callout's marker
    (`[!NOTE]` …) printed as text instead of making the quote a callout box;
  - an <img> that did not load (complete && naturalWidth == 0, or still loading);
  - an internal link that does not resolve: a page or file that is not in the
    book, or a #fragment that is not an id (or <a name>) of its target page
    (the target is fetched from the server and its ids read; for a link
    within the page, the page's live ids);
  - a page wider than the viewport. mdBook's stylesheet clips horizontal
    overflow (body and #mdbook-body-container), so a too-wide element never
    shows as a horizontal scroll bar: it is cut off. The check so fails on
    the document scrolling sideways (scrollWidth > clientWidth) and on any
    element of the page's <main> that reaches past the viewport's right edge
    without being inside a horizontally scrolling box that itself fits.
    Such scrolling boxes (wide code blocks or tables in .nb-output or
    .table-wrapper) are fine and only noted: the page itself does not scroll;
  - text in an SVG figure rendered smaller than 11 px. Figures are <img>s of
    SVG data URLs (notebooks/to_book.py), so the browser cannot be asked for
    the text's size: for each <img> of an SVG the scale is the rendered size
    over the SVG's own size (its viewBox, else its width and height; the
    smaller of the two ratios, as the default preserveAspectRatio does), and
    each <text>/<tspan>'s font-size (attribute or style, inherited, 16 px when
    unset) times that scale must be at least 11 px;
  - on chapters 1-7 and 2.1 (QUIZ_CHAPTERS), in both books, the section "Check your
    understanding" (#check-your-understanding) missing, or with fewer than 4
    or more than 8 questions (<details class="quiz">), an answer visible
    before the reader clicks its question, or not visible (with text) after
    the click, or, in the Chinese book, a question or answer without Chinese.
    The answers are opened by real clicks, one at a time, and the section is
    photographed so (CHAPTER-quiz.png).

It saves a full-page screenshot (PNG, 1280 px wide, the whole document high)
of each chapter in target/book-screenshots/, prints one line per page and the
problems, and closes with `N passed, M failed` (pages). Each page has a time
limit (--page-timeout) and the whole run one (--timeout), so it cannot hang.

Pages: every .html under the book but two helpers of mdBook that are not
chapters: toc.html, the sidebar as a frame for readers without JavaScript
(never opened by itself; every page's sidebar, which toc.js writes from the
same list, is checked), and 404.html, the not-found page a web host serves for
a missing address (it sets <base href="/">, so even its own heading's anchor
points at the site root). print.html, every chapter on one page, is checked
like a chapter, which tests them all again at once, but not photographed.
index.html is the first chapter again and is checked like the others.

Then the search, as a reader uses it: in each book, terms typed into the
search box (mdBook's, with scripts/cjk_search.py and theme/cjk-search.js for
Chinese) must each list, among their results, the chapter that defines them:
SEARCHES, Chinese terms of the glossary and one English one. A screenshot of
the first Chinese search, its results shown, is saved as search-zh-CN.png.

Before the book, a self-test: a copy of a page with one defect of each kind
added must fail with each of them, and so must copies of a chapter each with
one defect of its questions (QUIZ_DEFECTS), so a check that stopped seeing anything
(a browser update that no longer reports its console, say) fails the run
instead of passing it.
"""

import argparse
import base64
import functools
import http.server
import os
import re
import shutil
import subprocess
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 900
MIN_TEXT_PX = 11.0
SKIPPED = {"toc.html", "404.html"}
NOT_PHOTOGRAPHED = {"print.html"}
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# What mdBook's theme and Chromium need as root in a container, without a
# network: no sandbox, no GPU, none of the background requests.
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
    f"--window-size={WIDTH},{HEIGHT}", "--force-device-scale-factor=1",
    # Offline: loopback is never proxied, everything else goes to a closed port
    # and resolves to nothing.
    "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]

# Run in the page once it has loaded: waits for its fonts and images (at most
# `wait` ms), then measures everything the checks need in one round trip.
COLLECT_JS = r"""
const [wait, done] = arguments;
const imgs = Array.from(document.images);
const settled = Promise.all([
  document.fonts ? document.fonts.ready : null,
  ...imgs.map(i => i.complete ? null : new Promise(r => { i.onload = i.onerror = r; })),
]);
Promise.race([settled, new Promise(r => setTimeout(r, wait))]).then(() => {
  const vw = document.documentElement.clientWidth;
  const describe = el => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim())
      s += '.' + el.className.trim().split(/\s+/).join('.');
    const t = (el.textContent || '').replace(/\s+/g, ' ').trim();
    if (t) s += ' "' + t.slice(0, 50) + (t.length > 50 ? '…' : '') + '"';
    return s;
  };
  const visible = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';

  // Math: KaTeX's error elements, and TeX left as text outside code and KaTeX.
  const katexErrors = Array.from(document.querySelectorAll('.katex-error'))
    .map(e => ({text: e.textContent.slice(0, 120), title: e.getAttribute('title') || ''}));
  const RAW = /\$\$|\\\(|\\\)|\\\[|\\\]|\$[^$\s][^$\n]*?\$|\\[A-Za-z]{2,}/g;
  const SKIP = 'pre, code, script, style, noscript, textarea, template, .katex, .katex-display, .katex-error';
  const rawMath = [], alertMarkers = [];
  // A callout's marker ([!NOTE] …) left as text: mdBook renders "> [!NOTE]"
  // alone on a quote's first line as a callout box, and prints it otherwise.
  const ALERT = /\[!(NOTE|TIP|IMPORTANT|WARNING|CAUTION)\]/g;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(SKIP) || !visible(el)) continue;
    const text = n.textContent.replace(/\s+/g, ' ');
    for (const m of text.matchAll(RAW)) rawMath.push({match: m[0],
      context: text.slice(Math.max(0, m.index - 40), m.index + m[0].length + 40).trim(),
      in: describe(el.closest('p, li, td, th, h1, h2, h3, h4, h5, h6, div') || el).slice(0, 80)});
    for (const m of text.matchAll(ALERT)) alertMarkers.push({match: m[0],
      context: text.slice(m.index, m.index + 60).trim()});
  }

  // Images: loaded or not, and the size they are shown at (content box).
  const images = imgs.map((img, i) => {
    const cs = getComputedStyle(img), r = img.getBoundingClientRect();
    const px = p => parseFloat(cs[p]) || 0;
    return {index: i + 1, src: img.currentSrc || img.src, complete: img.complete,
      naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight,
      width: r.width - px('paddingLeft') - px('paddingRight') - px('borderLeftWidth') - px('borderRightWidth'),
      height: r.height - px('paddingTop') - px('paddingBottom') - px('borderTopWidth') - px('borderBottomWidth'),
      figure: img.classList.contains('nb-figure'), alt: img.alt || ''};
  });

  // Links and the page's own ids.
  const links = Array.from(document.querySelectorAll('a[href]'))
    .map(a => ({href: a.href, raw: a.getAttribute('href'), text: a.textContent.replace(/\s+/g, ' ').trim().slice(0, 50)}));
  const ids = Array.from(document.querySelectorAll('[id]')).map(e => e.id)
    .concat(Array.from(document.querySelectorAll('a[name]')).map(e => e.getAttribute('name')));

  // Width: the document, then every element of <main> past the right edge
  // that no horizontally scrolling box inside <main> (which itself fits) holds.
  // (The same for the text column, <main>'s own box: only noted.)
  const main = document.querySelector('main') || document.body;
  const column = main.getBoundingClientRect().right;
  const overflow = [], outOfColumn = [], scrollers = [];
  const heldWithin = (el, edge) => {
    for (let a = el.parentElement; a && main.contains(a); a = a.parentElement) {
      const aox = getComputedStyle(a).overflowX;
      if (aox !== 'visible' && a.getBoundingClientRect().right <= edge + 1) return true;
    }
    return false;
  };
  for (const el of main.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1 && r.right <= vw + 1)
      scrollers.push({what: describe(el).slice(0, 90), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth});
    if (r.width === 0) continue;
    if (r.right > vw + 1 && !overflow.some(o => o.el.contains(el)) && !heldWithin(el, vw))
      overflow.push({el, what: describe(el).slice(0, 90), left: Math.round(r.left), right: Math.round(r.right)});
    else if (r.right > column + 1 && !outOfColumn.some(o => o.el.contains(el)) && !heldWithin(el, column))
      outOfColumn.push({el, what: describe(el).slice(0, 90), by: Math.round(r.right - column)});
  }
  const de = document.documentElement;
  done({katexErrors, rawMath, alertMarkers, images, links, ids, scrollers,
        overflow: overflow.map(({el, ...o}) => o), outOfColumn: outOfColumn.map(({el, ...o}) => o),
        width: {scrollWidth: de.scrollWidth, clientWidth: de.clientWidth,
                bodyScrollWidth: document.body.scrollWidth, innerWidth: window.innerWidth},
        height: Math.max(de.scrollHeight, document.body.scrollHeight)});
});
"""


class PageTimeout(Exception):
    pass


# ---------------------------------------------------------------- the server

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve(directory):
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


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


# ------------------------------------------------------------ SVG text size

LENGTH = re.compile(r"^\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([a-z%]*)\s*$")
KEYWORDS = {"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18,
            "x-large": 24, "xx-large": 32, "xxx-large": 48}


def font_size(value, inherited):
    """A CSS/SVG font-size in px (user units), relative ones against inherited."""
    value = value.strip().lower()
    if value in KEYWORDS:
        return KEYWORDS[value]
    m = LENGTH.match(value)
    if not m:
        return inherited
    n, unit = float(m.group(1)), m.group(2)
    return {"": n, "px": n, "pt": n * 4 / 3, "pc": n * 16, "in": n * 96, "cm": n * 96 / 2.54,
            "mm": n * 96 / 25.4, "em": n * inherited, "rem": n * 16, "%": n * inherited / 100,
            "ex": n * inherited / 2}.get(unit, inherited)


def own_font_size(el, inherited):
    style = el.get("style") or ""
    m = re.search(r"font-size\s*:\s*([^;]+)", style)
    if m:
        return font_size(m.group(1), inherited)
    if el.get("font-size"):
        return font_size(el.get("font-size"), inherited)
    m = re.search(r"(?:^|;)\s*font\s*:\s*(?:[^;]*?\s)?([\d.]+(?:px|pt|em|%)?)(?:/[\d.]+\S*)?\s+[^;]+", style)
    return font_size(m.group(1), inherited) if m else inherited


def svg_texts(root):
    """(font-size in user units, text) of every <text>/<tspan> holding text."""
    out = []

    def walk(el, size):
        size = own_font_size(el, size)
        is_text = el.tag.rsplit("}", 1)[-1] in ("text", "tspan", "textPath")
        if is_text and (el.text or "").strip():
            out.append((size, el.text.strip()))
        for child in el:
            walk(child, size)
            if is_text and (child.tail or "").strip():  # <text>a<tspan>b</tspan>c</text>: c is the text's
                out.append((size, child.tail.strip()))

    walk(root, 16.0)
    return out


def svg_user_size(root):
    """The SVG's own width and height in user units: its viewBox, else width/height."""
    vb = root.get("viewBox")
    if vb:
        parts = [float(p) for p in re.split(r"[\s,]+", vb.strip()) if p]
        if len(parts) == 4 and parts[2] > 0 and parts[3] > 0:
            return parts[2], parts[3], "viewBox"
    size = []
    for attr in ("width", "height"):
        m = LENGTH.match(root.get(attr) or "")
        size.append(font_size(root.get(attr), 16) if m and m.group(2) != "%" else None)
    return size[0], size[1], "width/height"


def svg_bytes(src, base):
    if src.startswith("data:"):
        head, _, body = src.partition(",")
        if not head.split(";")[0][5:].startswith("image/svg"):
            return None
        return base64.b64decode(body) if head.endswith(";base64") else urllib.parse.unquote_to_bytes(body)
    if urllib.parse.urlsplit(src).path.lower().endswith(".svg") and src.startswith(base):
        with urllib.request.urlopen(src, timeout=10) as r:
            return r.read()
    return None


def check_svg_text(images, base):
    """Problems, and the smallest rendered SVG text size of the page (or None)."""
    problems, smallest = [], None
    for img in images:
        try:
            data = svg_bytes(img["src"], base)
        except OSError as e:
            problems.append(f"image {img['index']}: could not fetch {img['src'][:80]}: {e}")
            continue
        if data is None:
            continue
        name = f"{'figure' if img['figure'] else 'image'} {img['index']}"
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            problems.append(f"{name}: its SVG does not parse: {e}")
            continue
        texts = svg_texts(root)
        if not texts:
            continue
        if img["width"] <= 0:
            continue  # not displayed (display:none), so nothing to read
        uw, uh, source = svg_user_size(root)
        uw = uw or img["naturalWidth"]
        uh = uh or img["naturalHeight"]
        if not uw:
            problems.append(f"{name}: the SVG has no viewBox, width or natural width to scale by")
            continue
        scale = img["width"] / uw
        if uh and img["height"] > 0:
            scale = min(scale, img["height"] / uh)
        sizes = sorted((s * scale, s, t) for s, t in texts)
        low = [x for x in sizes if x[0] < MIN_TEXT_PX - 1e-6]
        px, user, text = sizes[0]
        smallest = px if smallest is None else min(smallest, px)
        if low:
            user_sizes = sorted({round(s, 2) for _, s, _ in low})
            examples = ", ".join(f"'{t[:20]}'" for _, _, t in low[:4])
            problems.append(
                f"{name}: SVG text rendered below {MIN_TEXT_PX:g} px: {len(low)} of {len(texts)} texts "
                f"(e.g. {examples}); font-size {'/'.join(f'{s:g}' for s in user_sizes[:6])} in an SVG "
                f"{uw:g}x{uh or 0:g} ({source}) shown {img['width']:.0f}x{img['height']:.0f} px "
                f"(scale {scale:.3f}): smallest {user:g} -> {px:.1f} px; needs scale >= "
                f"{MIN_TEXT_PX / user:.3f} or font-size >= {MIN_TEXT_PX / scale:.1f}")
    return problems, smallest


# ----------------------------------------------------------------- the browser

def start_browser(profile, page_timeout):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: Selenium Manager (which would try to download one) is never run.
    # Its own session, so that kill_browser() can end the driver and every browser process at once.
    service = Service(executable_path=CHROMEDRIVER, popen_kw={"start_new_session": True})
    driver = webdriver.Chrome(service=service, options=options)
    driver.set_page_load_timeout(page_timeout)
    driver.set_script_timeout(page_timeout)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    return driver


def kill_browser(driver):
    """Ends chromium-driver and the browser it started (one process group), however stuck."""
    process = getattr(getattr(driver, "service", None), "process", None)
    if process is not None and process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except OSError:
            pass


def screenshot(driver, height, path):
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True, "fromSurface": True,
        "clip": {"x": 0, "y": 0, "width": WIDTH, "height": height, "scale": 1}})
    path.write_bytes(base64.b64decode(shot["data"]))


def wait_for_page(driver, url, timeout=30):
    """Waits until the browser's document is `url`, fully loaded. driver.get
    can return while the previous page is still the document; a check that
    ran then would read the wrong page, so the address and readyState are
    polled until they say so, or the deadline fails the page."""
    from selenium.common.exceptions import WebDriverException

    wanted = urllib.parse.unquote(url.split("#")[0])
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = driver.execute_script("return [location.href, document.readyState];")
            if urllib.parse.unquote(last[0].split("#")[0]) == wanted and last[1] == "complete":
                return
        except WebDriverException as e:
            last = type(e).__name__
        if time.monotonic() >= deadline:
            raise RuntimeError(f"{url} not loaded after {timeout} s (last seen: {last})")
        time.sleep(0.05)


def check_page(driver, rel, base, book, shots):
    """(problems, notes, summary) of one page; a screenshot of it in shots (unless None)."""
    url = base + urllib.parse.quote(rel)
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)
    wait_for_page(driver, url)
    info = driver.execute_async_script(COLLECT_JS, 10000)
    problems, notes = [], []

    for e in driver.get_log("browser"):
        if e.get("level") == "SEVERE":
            problems.append(f"console error: {e.get('message', '').strip()[:300]}")

    for e in info["katexErrors"]:
        problems.append(f"KaTeX error: {e['title'] or e['text']!r}")
    for m in info["rawMath"]:
        problems.append(f"math left unrendered: {m['match']!r} in {m['in']}: ...{m['context']}...")
    for m in info["alertMarkers"]:
        problems.append(f"callout marker shown as text, not as a box: {m['context']!r}")

    for img in info["images"]:
        src = img["src"][:60] + ("…" if len(img["src"]) > 60 else "")
        if not img["complete"]:
            problems.append(f"image {img['index']} ({src}) still loading after 10 s")
        elif img["naturalWidth"] == 0:
            problems.append(f"image {img['index']} ({src}) did not load")

    link_problems, external = check_links(url, info["links"], set(info["ids"]), book, base)
    problems += link_problems
    if external:
        notes.append(f"{len(external)} external links, not followed (offline)")

    w = info["width"]
    if w["scrollWidth"] > w["clientWidth"] or w["bodyScrollWidth"] > w["clientWidth"]:
        problems.append(f"page wider than the viewport: scrollWidth {w['scrollWidth']} "
                        f"(body {w['bodyScrollWidth']}) > clientWidth {w['clientWidth']}")
    for o in info["overflow"]:
        problems.append(f"content past the right edge of the {w['clientWidth']}-px viewport "
                        f"(x {o['left']}..{o['right']}), cut off: {o['what']}")
    if info["outOfColumn"]:
        notes.append(f"{len(info['outOfColumn'])} elements stick out of the text column (within the viewport): "
                     + "; ".join(f"{o['what'][:60]} by {o['by']} px" for o in info["outOfColumn"][:3])
                     + ("; …" if len(info["outOfColumn"]) > 3 else ""))
    if info["scrollers"]:
        notes.append(f"{len(info['scrollers'])} blocks scroll sideways inside the column (fine): "
                     + "; ".join(f"{s['what'][:50]} ({s['scrollWidth']} in {s['clientWidth']} px)"
                                 for s in info["scrollers"][:3])
                     + ("; …" if len(info["scrollers"]) > 3 else ""))

    svg_problems, smallest = check_svg_text(info["images"], base)
    problems += svg_problems
    figures = sum(1 for i in info["images"] if i["figure"])
    summary = f"{len(info['images'])} images ({figures} figures), {len(info['links'])} links"
    if smallest is not None:
        summary += f", smallest SVG text {smallest:.1f} px"

    problems += check_language(driver, rel, base)

    if shots is not None and Path(rel).name not in NOT_PHOTOGRAPHED:
        shot = shots / (rel.replace("/", "_")[:-5] + ".png")
        screenshot(driver, info["height"], shot)
        summary += f", screenshot {shot.relative_to(ROOT) if shot.is_relative_to(ROOT) else shot} ({WIDTH}x{info['height']})"

    if Path(rel).name in QUIZ_CHAPTERS:
        quiz_shot = None if shots is None else shots / (rel.replace("/", "_")[:-5] + "-quiz.png")
        quiz_problems, count = check_quiz(driver, rel.startswith("zh-CN/"), quiz_shot)
        problems += quiz_problems
        summary += f", {count} questions checked"
    return problems, notes, summary


# ------------------------------------------------------------ the two books

# Chinese characters and punctuation (CJK symbols, unified ideographs, full-width forms).
HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
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


def check_search(driver, base, book, shots):
    """Problems of the search: each of SEARCHES lists its page among its results."""
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
            screenshot(driver, HEIGHT, shot)
        problems += [f"searching {term!r}: {p}" for p in
                     (f"console error: {e.get('message', '').strip()[:300]}"
                      for e in driver.get_log("browser") if e.get("level") == "SEVERE")]
    return problems, shot


# ------------------------------------------------- check your understanding

# Chapters 1-7 and 2.1 end in a section "Check your understanding" (its heading's id
# below, the same in both books): 4 to 8 questions, each a <details
# class="quiz"> whose <summary> is the question and whose other children are
# the answer, which the browser keeps hidden until the reader opens it.
QUIZ_CHAPTERS = {"fully-connected.html", "convolution.html", "convolution-stride.html", "pooling-relu.html", "gradient-checks.html",
                 "lenet-by-hand.html", "training-lenet.html", "your-turn.html"}
QUIZ_ID = "check-your-understanding"
QUIZ_MIN, QUIZ_MAX = 4, 8

# The section's questions: the details.quiz after its heading and before the
# next heading of the same or a higher level.
SECTION_JS = r"""
const heading = document.getElementById(arguments[0]);
const all = Array.from(document.querySelectorAll('main details.quiz'));
let inside = [];
if (heading) {
  const level = Number(heading.tagName.slice(1)) || 2;
  const follows = (a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  const next = Array.from(document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6'))
    .find(h => follows(heading, h) && Number(h.tagName.slice(1)) <= level);
  inside = all.filter(d => follows(heading, d) && !(next && follows(next, d)));
}
"""
# Each question's text, and whether its answer (every child but the <summary>)
# shows: the details open, and some answer element rendered, with its text.
QUIZ_JS = SECTION_JS + r"""
const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
return {heading: !!heading, outside: all.length - inside.length, questions: inside.map(d => {
  const summary = d.querySelector(':scope > summary');
  const answer = Array.from(d.children).filter(c => c !== summary);
  return {open: d.open,
          question: summary && shown(summary) ? summary.innerText.trim() : '',
          answerShown: answer.filter(shown).map(c => c.innerText).join(' ').trim(),
          answerText: answer.map(c => c.textContent).join(' ').trim()};
})};
"""
SUMMARY_JS = SECTION_JS + "return inside[arguments[1]].querySelector(':scope > summary');"
# The section's box in the page, scrolled to the top first: the menu bar and
# the sidebar are fixed to the window, so they stay up there, out of the box.
BOX_JS = SECTION_JS + r"""
window.scrollTo(0, 0);
const column = (document.querySelector('main') || document.body).getBoundingClientRect();
const top = heading.getBoundingClientRect().top + window.scrollY;
const bottom = inside.length ? inside[inside.length - 1].getBoundingClientRect().bottom + window.scrollY : top;
return [column.left, top, column.width, bottom - top];
"""


def check_quiz(driver, chinese, shot=None):
    """(problems, number of questions) of the "Check your understanding"
    section of the page the browser shows: 4 to 8 questions, each answer
    hidden until the reader clicks its question and then shown with text; in
    the Chinese book, questions and answers in Chinese. The answers are left
    open, and with `shot` the section is photographed so."""
    from widget_checks import WidgetError, poll

    info = driver.execute_script(QUIZ_JS, QUIZ_ID)
    if not info["heading"]:
        return [f"no section #{QUIZ_ID} (\"Check your understanding\") at the end of the chapter"], 0
    problems = []
    questions = info["questions"]
    if not QUIZ_MIN <= len(questions) <= QUIZ_MAX:
        problems.append(f"#{QUIZ_ID} has {len(questions)} questions (details.quiz), expected {QUIZ_MIN} to {QUIZ_MAX}")
    if info["outside"]:
        problems.append(f"{info['outside']} questions (details.quiz) outside the section #{QUIZ_ID}")
    for i, q in enumerate(questions, 1):
        if not q["question"]:
            problems.append(f"question {i}: no visible question (its <summary>)")
        if q["open"] or q["answerShown"]:
            problems.append(f"question {i}: the answer is visible before the reader clicks: {q['answerShown'][:60]!r}")
        if not q["answerText"]:
            problems.append(f"question {i}: no answer")
        if chinese and not (HAN.search(q["question"]) and HAN.search(q["answerText"])):
            problems.append(f"question {i}: no Chinese in the question or the answer of the Chinese book: "
                            f"{q['question'][:40]!r} / {q['answerText'][:40]!r}")
    for i, q in enumerate(questions):
        if not q["question"] or q["open"]:
            continue  # reported above; a click would close an open one
        summary = driver.execute_script(SUMMARY_JS, QUIZ_ID, i)
        # The reader's click, with the question in the middle of the window (clear of the menu bar).
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", summary)
        summary.click()

        def revealed(i=i):
            s = driver.execute_script(QUIZ_JS, QUIZ_ID)["questions"][i]
            return bool(s["open"] and s["answerShown"]), s
        try:
            poll(lambda last, i=i: f"question {i + 1}: the answer is not shown after a click on the question "
                                   f"(last seen: {last})", revealed, timeout=5)
        except WidgetError as e:
            problems.append(str(e))
    if shot is not None and questions:
        x, y, width, height = driver.execute_script(BOX_JS, QUIZ_ID)
        margin = 20
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": max(0, x - margin), "y": max(0, y - margin), "width": width + 2 * margin,
                     "height": height + 2 * margin, "scale": 1}})
        shot.write_bytes(base64.b64decode(data["data"]))
    return problems, len(questions)


# ------------------------------------------------------------ the self-test

def svg_url(font_px):
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="60" viewBox="0 0 300 60">'
           f'<text x="10" y="40" font-size="{font_px}">font-size {font_px}</text></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# One defect of each kind the check looks for, and what its report must say.
# The two figures are a control: text of 14 px passes, text of 8 px does not.
DEFECTS = f"""
<div id="self-test">
<p>Raw math: $$x^2$$ and \\(y\\).</p>
<p><span class="katex-error" title="ParseError: KaTeX parse error: Undefined control sequence: \\foo">\\foo</span></p>
<p><img src="no-such-image.png" alt="missing"></p>
<p><a href="no-such-page.html">a page</a> <a href="index.html#no-such-anchor">an anchor</a>
<a href="#no-such-local-anchor">a local anchor</a> <a href="print.html">a page that is there</a></p>
<div style="width: 2000px">too wide</div>
<div class="nb-output"><img class="nb-figure" alt="figure" src="{svg_url(14)}"></div>
<div class="nb-output"><img class="nb-figure" alt="figure" src="{svg_url(8)}"></div>
<blockquote><p>[!NOTE] <strong>A callout whose marker lost its line.</strong></p></blockquote>
<script>console.error("self-test: an error on the console");</script>
</div>
"""
EXPECTED = {
    "a console error": r"^console error: .*self-test: an error on the console",
    "a KaTeX error element": r"^KaTeX error: .*Undefined control sequence",
    "raw $$ math": r"^math left unrendered: '\$\$'",
    "raw \\( math": r"^math left unrendered: '\\\\[()]'",
    "a callout marker shown as text": r"^callout marker shown as text, not as a box: '\[!NOTE\]'",
    "an image that did not load": r"^image \d+ \(.*no-such-image\.png\) did not load",
    "a link to a missing page": r'href="no-such-page\.html" .*: /no-such-page\.html is not in the book',
    "a link to a missing anchor": r"/index\.html has no id 'no-such-anchor'",
    "a link to a missing anchor of the page": r"has no id 'no-such-local-anchor'",
    "content wider than the viewport": r'^content past the right edge .*"too wide"',
    "SVG text below 11 px": r"^figure \d+: SVG text rendered below 11 px: 1 of 1 texts .*smallest 8 -> 8\.0 px",
}
# The quiz check, on copies of a chapter each with one defect: (what, the
# copy's page from the chapter's, whether to check it as the Chinese book's,
# what the report must say).
QUIZ_SELF_TEST_PAGE = "fully-connected.html"


def _quiz_keep(page, n):
    """The page with only its first n questions (the others no longer details.quiz)."""
    count = iter(range(10 ** 6))
    return re.sub(r'<details class="quiz">',
                  lambda m: m.group(0) if next(count) < n else '<details class="no-quiz">', page)


QUIZ_DEFECTS = [
    ("a chapter without the quiz section",
     lambda page: re.sub(r'<h2 id="check-your-understanding".*?</main>', "</main>", page, flags=re.S),
     False, r"^no section #check-your-understanding"),
    ("a quiz of 3 questions", lambda page: _quiz_keep(page, 3), False,
     r"^#check-your-understanding has 3 questions"),
    ("an answer visible before the click",
     lambda page: page.replace('<details class="quiz">', '<details class="quiz" open>', 1), False,
     r"^question 1: the answer is visible before the reader clicks"),
    ("an answer that a click does not show",
     lambda page: page.replace("</head>", "<style>details.quiz > p { display: none; }</style></head>", 1),
     False, r"^question 1: the answer is not shown after a click"),
    ("an English quiz in the Chinese book", lambda page: page, True,
     r"^question 1: no Chinese in the question or the answer"),
]
# Reports that a defect above may cause besides its own.
ALSO = [r"^console error: .*no-such-image\.png - Failed to load resource"]


def self_test(driver, book):
    """Problems of the self-test itself: checks that did not fire, or fired wrongly."""
    with tempfile.TemporaryDirectory(prefix="check-book-self-test-") as tmp:
        copy = Path(tmp) / "book"
        shutil.copytree(book, copy)
        page = (copy / "index.html").read_text(encoding="utf-8")
        if "</main>" not in page:
            return ["index.html has no </main> to add the defects to"]
        (copy / "self-test.html").write_text(page.replace("</main>", DEFECTS + "</main>", 1), encoding="utf-8")
        if (copy / "zh-CN" / "index.html").is_file():  # where the page's language switch leads
            shutil.copy(copy / "zh-CN" / "index.html", copy / "zh-CN" / "self-test.html")
        quiz_page = (copy / QUIZ_SELF_TEST_PAGE).read_text(encoding="utf-8")
        for i, (_, defect, _, _) in enumerate(QUIZ_DEFECTS):
            (copy / f"self-test-quiz-{i}.html").write_text(defect(quiz_page), encoding="utf-8")
        server, base = serve(copy)
        try:
            problems, _, _ = check_page(driver, "self-test.html", base, copy, None)
            quiz_reports = []
            for i, (what, _, chinese, pattern) in enumerate(QUIZ_DEFECTS):
                url = base + f"self-test-quiz-{i}.html"
                driver.get(url)
                wait_for_page(driver, url)
                quiz_reports.append((what, pattern, check_quiz(driver, chinese)[0]))
        finally:
            server.shutdown()
    missing = [what for what, pattern in EXPECTED.items()
               if not any(re.search(pattern, p) for p in problems)]
    unexpected = [p for p in problems if not any(re.search(pat, p) for pat in [*EXPECTED.values(), *ALSO])]
    for what, pattern, reports in quiz_reports:
        if not any(re.search(pattern, r) for r in reports):
            missing.append(f"{what} (it reported: {'; '.join(reports) or 'nothing'})")
    return ([f"the check did not report {what}" for what in missing]
            + [f"a problem the defects do not explain: {p}" for p in unexpected])


# ------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--book", type=Path, default=ROOT / "target" / "book")
    ap.add_argument("--screenshots", type=Path, default=ROOT / "target" / "book-screenshots")
    ap.add_argument("--page-timeout", type=float, default=60, help="seconds for one page (default 60)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for the whole run (default 600)")
    ap.add_argument("--no-self-test", action="store_true", help="skip the self-test")
    ap.add_argument("--no-search", action="store_true", help="skip the search check")
    ap.add_argument("pages", nargs="*", help="only these pages (paths under the book, e.g. convolution.html)")
    args = ap.parse_args()

    book = args.book.resolve()
    if not (book / "index.html").is_file():
        sys.exit(f"check-book.py: no built book in {book}; run scripts/build-book.sh first")
    pages = args.pages or sorted(str(p.relative_to(book)) for p in book.rglob("*.html")
                                 if p.name not in SKIPPED)
    if args.screenshots.exists():
        shutil.rmtree(args.screenshots)
    args.screenshots.mkdir(parents=True)

    # A hard stop for the whole run, whatever is blocking.
    browser = {}

    def give_up():
        print(f"check-book.py: gave up after {args.timeout:g} s (--timeout)", file=sys.stderr, flush=True)
        print(f"0 passed, {len(pages)} failed", flush=True)
        kill_browser(browser.get("driver"))
        os._exit(1)
    watchdog = threading.Timer(args.timeout, give_up)
    watchdog.daemon = True
    watchdog.start()

    def page_alarm(*_):
        raise PageTimeout()
    signal.signal(signal.SIGALRM, page_alarm)

    server, base = serve(book)
    profile = tempfile.mkdtemp(prefix="check-book-chromium-")
    driver = None
    failed = {}
    started = time.monotonic()
    jobs = [("(self-test)", None)] if not args.no_self_test else []
    jobs += [("(search)", "")] if not args.no_search else []
    jobs += [(rel, rel) for rel in pages]
    try:
        for name, rel in jobs:
            t0 = time.monotonic()
            try:
                if driver is None:
                    driver = browser["driver"] = start_browser(profile, args.page_timeout)
                signal.setitimer(signal.ITIMER_REAL, args.page_timeout)
                try:
                    if rel is None:
                        problems, notes = self_test(driver, book), []
                        summary = (f"a copy of index.html with {len(EXPECTED)} kinds of defect, and {len(QUIZ_DEFECTS)} "
                                   f"copies of {QUIZ_SELF_TEST_PAGE} with one quiz defect each, reports each of them")
                    elif rel == "":
                        problems, shot = check_search(driver, base, book, args.screenshots)
                        notes = []
                        summary = (f"{len(SEARCHES)} terms typed into the search box"
                                   + (f", screenshot {shot.name}" if shot else ""))
                    else:
                        problems, notes, summary = check_page(driver, rel, base, book, args.screenshots)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except PageTimeout:
                problems, notes, summary = [f"no answer within {args.page_timeout:g} s (--page-timeout)"], [], ""
                driver = restart(driver, profile)
            except Exception as e:  # a driver failure fails the page, not the run
                first = str(e).strip().splitlines()[0] if str(e).strip() else ""
                problems, notes, summary = [f"{type(e).__name__}: {first}"], [], ""
                driver = restart(driver, profile)
            print(f"{'FAIL' if problems else 'ok  '} {name}: {summary} ({time.monotonic() - t0:.1f} s)", flush=True)
            for n in notes:
                print(f"       note: {n}", flush=True)
            for p in problems:
                print(f"     - {p}", flush=True)
            if problems:
                failed[name] = problems
    finally:
        if driver is not None:
            try:
                driver.quit()
            finally:
                kill_browser(driver)
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
        watchdog.cancel()

    print(f"check-book.py: {len(jobs)} pages in {time.monotonic() - started:.1f} s "
          f"(skipped: {', '.join(sorted(SKIPPED))}), screenshots in {args.screenshots}")
    if failed:
        print(f"check-book.py: {sum(len(p) for p in failed.values())} problems on {len(failed)} pages:")
        for name, problems in failed.items():
            for p in problems:
                print(f"  {name}: {p}")
    print(f"{len(jobs) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


def restart(driver, profile):
    """Drops a driver that failed; the next page starts a fresh browser."""
    if driver is not None:
        kill_browser(driver)
    shutil.rmtree(profile, ignore_errors=True)
    os.makedirs(profile, exist_ok=True)
    return None


if __name__ == "__main__":
    sys.exit(main())
