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
  - on chapters 1-7, 2.1, 6.1 and 6.2 (QUIZ_CHAPTERS), in both books, the section "Check your
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
import signal
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # book_checks/, however this file is loaded
from book_checks.language import check_language
from book_checks.links import check_links
from book_checks.quiz import QUIZ_CHAPTERS, QUIZ_DEFECTS, QUIZ_SELF_TEST_PAGE, check_quiz
from book_checks.search import SEARCHES, check_search
from book_checks.svg_text import check_svg_text

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1280, 900
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
                        problems, shot = check_search(driver, base, book, args.screenshots,
                                                      lambda path: screenshot(driver, HEIGHT, path))
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
