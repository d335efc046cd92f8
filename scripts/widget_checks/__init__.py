"""What the widget checks share: opening a chapter and waiting for its
widget, driving its controls as a reader would, reading back every number it
shows, comparing them with the native expectations, timings and screenshots.

Each module of this package (but this one) has
`check(driver, base_url, expected) -> list[str]`, the failures; the driver
is a Selenium Chrome driver (scripts/check-book.py's set-up), base_url the
book's root, expected the JSON of `cargo run --release --example
widget_expectations` (its top-level key per widget).
"""

import base64
import re
import time
import urllib.parse
from pathlib import Path

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "target" / "widget-screenshots"
# Two values computed by the same f64 code in WebAssembly and natively may
# differ in the last bits (exp and the like are separate implementations);
# anything beyond this is a different computation.
VALUE_TOLERANCE = 1e-9


class WidgetError(Exception):
    pass


OPEN_JS = """
const r = document.querySelector(arguments[0]);
return {url: location.href, loaded: document.readyState === 'complete',
        state: r ? (r.dataset.ready || 'loading') : 'missing',
        text: r ? r.textContent.trim().slice(0, 200) : ''};
"""


def same_page(url, wanted):
    """Whether the browser's location.href is the page `wanted` (anchors aside)."""
    return urllib.parse.unquote(url.split("#")[0]) == urllib.parse.unquote(wanted.split("#")[0])


def poll(describe, probe, timeout):
    """Calls probe() until it returns (True, value) and returns the value; a
    probe that raises WidgetError ends the wait at once. Anything else is
    retried (e.g. a script run while the page is being replaced) until the
    deadline, which raises WidgetError with describe(last seen)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            done, last = probe()
            if done:
                return last
        except WidgetError:
            raise
        except WebDriverException as e:
            last = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
        if time.monotonic() >= deadline:
            raise WidgetError(describe(last))
        time.sleep(0.05)


def open_page(driver, url, timeout=20):
    """Navigates to url and waits until the browser shows that page, fully
    loaded: driver.get can return while the previous page is still the
    document, so the address and readyState are polled, not assumed."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(url)

    def probe():
        s = driver.execute_script("return {url: location.href, loaded: document.readyState === 'complete'};")
        return same_page(s["url"], url) and s["loaded"], s
    poll(lambda last: f"{url} not loaded after {timeout} s (last seen: {last})", probe, timeout)


def open_widget(driver, base_url, page, name, timeout=20):
    """Loads the page, waits for its widget to be ready, returns its root.

    Every state is polled until the deadline: a widget that is "missing" or
    "loading" may be the previous page's answer or a script not yet run.
    Only a widget of this very page that has finished loading and says
    "failed" ends the wait early."""
    url = base_url + page
    open_page(driver, url, timeout)
    selector = f'.lenet-widget[data-widget="{name}"]'

    def probe():
        s = driver.execute_script(OPEN_JS, selector)
        here = same_page(s["url"], url)
        if here and s["state"] == "true":
            return True, s
        if here and s["loaded"] and s["state"] == "failed":
            raise WidgetError(f"{page}: widget {name} failed: {s['text']}")
        return False, s

    poll(lambda last: f"{page}: widget {name} not ready after {timeout} s (last seen: {last})", probe, timeout)
    return driver.find_element(By.CSS_SELECTOR, selector)


def console_errors(driver):
    return [f"console error: {e.get('message', '').strip()[:300]}"
            for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


READ_JS = """
return Array.from(arguments[0].querySelectorAll('.lw-num[data-key]')).map(e => ({
  key: e.dataset.key, value: e.dataset.value, digits: e.dataset.digits, text: e.textContent}));
"""


def shown(root):
    """{key: (data-value, text, digits)} of every number the widget shows."""
    out = {}
    for n in root.parent.execute_script(READ_JS, root):
        if n["key"] in out:
            raise WidgetError(f"the widget shows {n['key']} twice")
        out[n["key"]] = (n["value"], n["text"], n["digits"])
    return out


def number_in(text):
    """The number a text shows ("z¹₁ = −0.1234" gives −0.1234)."""
    m = re.search(r"[-−]?\d+(?:\.\d+)?(?:e[-+]?\d+)?\s*$", text.strip())
    if not m:
        return None
    return float(m.group(0).replace("−", "-"))


def compare(root, expected, families, where):
    """Failures: each expected number against the page (its exact value and
    its text rounded to the digits it shows), and any number of a family
    (key prefix such as "da.") the page shows but the expectations lack."""
    page = shown(root)
    problems = []
    for key, want in expected.items():
        if key not in page:
            problems.append(f"{where}: {key} is not shown (expected {want})")
            continue
        value, text, digits = page[key]
        if want == "lost":
            if value != "lost":
                problems.append(f"{where}: {key} shows {text!r}, expected no value (lost)")
            continue
        if value == "lost":
            problems.append(f"{where}: {key} shows no value (lost), expected {want}")
            continue
        v = float(value)
        if abs(v - want) > VALUE_TOLERANCE * max(1.0, abs(want)):
            problems.append(f"{where}: {key} = {v!r} in the page, {want!r} natively")
        t = number_in(text)
        d = int(digits) if digits else None
        if t is None or (d is not None and abs(t - want) > 0.5 * 10 ** -d * (1 + 1e-9) + 1e-12):
            problems.append(f"{where}: {key} reads {text!r}, natively {want!r}")
    for key in page:
        if any(key.startswith(f) for f in families) and key not in expected:
            problems.append(f"{where}: the page shows {key} = {page[key][1]!r}, which the expectations lack")
    return problems


def wait_stable(driver):
    """Lets the page finish what an event started (updates are synchronous;
    one animation frame is plenty)."""
    driver.execute_async_script("requestAnimationFrame(() => requestAnimationFrame(arguments[0]));")


def type_into(root, key, value):
    """Types a number into the editable cell `key` if it shows another."""
    cell = root.find_element(By.CSS_SELECTOR, f'input[data-key="{key}"]')
    text = f"{value:g}"
    if number_in(cell.get_attribute("value") or "") == value:
        return
    cell.clear()
    cell.send_keys(text)


def select(root, control, value):
    """Picks `value` in the widget's <select data-control="control"> (the
    data attribute, not the label, which is in the page's language)."""
    s = Select(root.find_element(By.CSS_SELECTOR, f'select[data-control="{control}"]'))
    if s.first_selected_option.get_attribute("value") != str(value):
        s.select_by_value(str(value))


def set_range(root, selector, value):
    """Moves a slider as a reader's drag does: sets it, sends an input event."""
    root.parent.execute_script(
        "const e = arguments[0].querySelector(arguments[1]); e.value = arguments[2];"
        "e.dispatchEvent(new Event('input', {bubbles: true}));", root, selector, str(value))


def toggle(root, on):
    box = root.find_element(By.CSS_SELECTOR, "input.lw-erratum")
    if box.is_selected() != on:
        box.click()


def click_number(root, key):
    root.find_element(By.CSS_SELECTOR, f'.lw-num[data-key="{key}"]').click()


def timings(driver, name):
    """The widget's own performance.now() timings, as a line (never asserted)."""
    t = driver.execute_script(f"return window.lenetWidgets && window.lenetWidgets['{name}'];")
    if not t or not t.get("updates_ms"):
        return f"{name}: no timings"
    u = sorted(t["updates_ms"])
    return (f"{name}: ready {t['ready_ms']:.1f} ms after its script started ({t['ready_at_ms']:.0f} ms after "
            f"navigation start; first drawing {t['first_draw_ms']:.1f} ms); first interaction's update "
            f"{t['updates_ms'][0]:.1f} ms; updates: median {u[len(u) // 2]:.1f} ms, 90th percentile "
            f"{u[int(0.9 * (len(u) - 1))]:.1f} ms, max {u[-1]:.1f} ms over {len(u)}")


LANGUAGE_JS = """
const [root, name] = arguments, skip = '.lw-num, [data-key="formula"], .lw-error';
const texts = [], attrs = [];
const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
for (let n; (n = walk.nextNode());) if (n.data.trim() && !n.parentElement.closest(skip)) texts.push(n.data);
for (const e of root.querySelectorAll('[title], [aria-label]')) {
  if (e.closest(skip)) continue;
  for (const a of ['title', 'aria-label']) if (e.hasAttribute(a)) attrs.push(e.getAttribute(a));
}
const tables = window.lenetWidgetText || {};
const english = [tables[name], tables.common].filter(t => t).flatMap(t => Object.values(t.en))
  .filter(v => typeof v === 'string');
// Text drawn smaller than 11 px, and anything wider than the widget.
let smallest = Infinity;
for (const e of [root, ...root.querySelectorAll('*')]) {
  if (![...e.childNodes].some(c => c.nodeType === 3 && c.data.trim())) continue;
  if (!e.getClientRects().length) continue;
  smallest = Math.min(smallest, parseFloat(getComputedStyle(e).fontSize));
}
const box = root.getBoundingClientRect();
const wider = [...root.querySelectorAll('*')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width && (r.right > box.right + 0.5 || r.left < box.left - 0.5);
}).map(e => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className : '')).slice(0, 5);
return {lang: document.documentElement.lang, texts, attrs, english, smallest, wider, width: box.width};
"""
CJK = re.compile(r"[\u4e00-\u9fff]")
# Names and notation the Chinese book writes as the English one does: the
# code's functions, the layers' names, softmax, logits (chapters/glossary.md).
# "full" and "valid" are the mode names the glossary keeps in Chinese: full 模式卷积, valid 互相关.
NOTATION = {"correlate_valid", "full_convolve", "rot180", "convolve2d", "argmax", "softmax", "logits", "LeNet",
            "log", "fc1", "fc2", "fc3", "pool1", "pool2", "conv1", "conv2", "WebAssembly", "full", "valid"}


def language_problems(root, name, where):
    """Failures of the widget's labels as the page shows them now: on a
    Chinese page (<html lang="zh-CN">) its text outside numbers and formulas
    must hold Chinese, none of the English table's labels, and no English
    word beyond the book's notation (NOTATION); on an English page, no
    Chinese. Text in Rust's error messages (.lw-error) is left out. On both,
    no text below 11 px and nothing wider than the widget's column."""
    got = root.parent.execute_script(LANGUAGE_JS, root, name)
    problems = []
    shown_text = got["texts"] + got["attrs"]
    if got["lang"].lower().startswith("zh"):
        if not any(CJK.search(t) for t in got["texts"]):
            problems.append(f"{where}: the widget shows no Chinese on a Chinese page")
        for label in got["english"]:
            label = label.strip()
            if len(re.findall(r"[A-Za-z]", label)) < 2:
                continue
            pattern = re.compile(r"(?<![A-Za-z])" + re.escape(label) + r"(?![A-Za-z])")
            hits = [t for t in shown_text if pattern.search(t)]
            if hits:
                problems.append(f"{where}: English label {label!r} on the Chinese page: {hits[0].strip()[:80]!r}")
        words = sorted({w for t in shown_text for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", t)
                        if len(re.sub(r"[^A-Za-z]", "", w)) >= 3 and w not in NOTATION})
        if words:
            problems.append(f"{where}: English words on the Chinese page: {', '.join(words[:12])}")
    else:
        chinese = [t.strip()[:60] for t in shown_text if CJK.search(t)]
        if chinese:
            problems.append(f"{where}: Chinese on the English page: {chinese[0]!r}")
    if got["smallest"] < 11:
        problems.append(f"{where}: text drawn at {got['smallest']} px (below 11 px)")
    if got["wider"]:
        problems.append(f"{where}: wider than the widget ({got['width']:.0f} px): {', '.join(got['wider'])}")
    return problems


def screenshot(driver, root, name):
    """A PNG of the widget (the whole of it, however tall) in target/widget-screenshots/.

    The window is made as tall as the page for the shot, so nothing moves
    between measuring the widget and capturing it; then it is restored."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    width, height = driver.execute_script("return [innerWidth, innerHeight];")
    full = driver.execute_script("return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);")
    metrics = {"width": width, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": full})
    try:
        wait_stable(driver)
        r = driver.execute_script(
            "scrollTo(0, 0); const r = arguments[0].getBoundingClientRect();"
            "return {x: r.left, y: r.top, w: r.width, h: r.height};", root)
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "fromSurface": True,
            "clip": {"x": max(0, r["x"] - 8), "y": max(0, r["y"] - 8), "width": r["w"] + 16, "height": r["h"] + 16, "scale": 1}})
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": height})
    # The Chinese book's shots beside the English ones: zh-conv-1.png, ….
    if driver.execute_script("return document.documentElement.lang;").lower().startswith("zh"):
        name = f"zh-{name}"
    path = SHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


CELL_STYLE_JS = """
const [root] = arguments, css = e => e && getComputedStyle(e);
const look = e => e && {background: css(e).backgroundColor, radius: css(e).borderTopLeftRadius,
                       bottom: css(e).borderBottomWidth + ' ' + css(e).borderBottomColor};
const plain = sel => [...root.querySelectorAll(sel)].find(e => !/lw-(picked|wrong|lost|window|target)/.test(e.className));
const zh = document.documentElement.lang.toLowerCase().startsWith('zh');
const T = (window.lenetWidgetText.common || {})[zh ? 'zh' : 'en'] || {};
const item = sel => { const s = root.querySelector(sel); return s && s.parentElement.textContent.trim(); };
return {edit: look(plain('input.lw-cell')), click: look(plain('button.lw-cell')),
        editSwatch: look(root.querySelector('.lw-swatch.lw-edit')), clickSwatch: look(root.querySelector('.lw-swatch.lw-click')),
        editText: item('.lw-swatch.lw-edit'), clickText: item('.lw-swatch.lw-click'),
        editWanted: T.editable, clickWanted: T.clickable};
"""


def cell_style_problems(root, where):
    """Failures of the two kinds of cell a reader acts on: a field to type
    into (input.lw-cell) and a result to click (button.lw-cell) must differ
    in background and in their border (radius or underline), and the legend
    must show a swatch of each, drawn as that kind is, beside its text in
    the page's language (common.js's table)."""
    s = root.parent.execute_script(CELL_STYLE_JS, root)
    problems = []
    if not s["edit"] or not s["click"]:
        return [f"{where}: no plain editable cell ({s['edit']}) or result cell ({s['click']}) to compare"]
    if s["edit"]["background"] == s["click"]["background"]:
        problems.append(f"{where}: editable and clickable cells have the same background {s['edit']['background']}")
    if s["edit"]["radius"] == s["click"]["radius"] and s["edit"]["bottom"] == s["click"]["bottom"]:
        problems.append(f"{where}: editable and clickable cells have the same border ({s['edit']})")
    for kind in ("edit", "click"):
        if s[f"{kind}Swatch"] != s[kind]:
            problems.append(f"{where}: the legend's {kind} swatch looks like {s[kind + 'Swatch']}, the cells like {s[kind]}")
        if not s[f"{kind}Wanted"] or s[f"{kind}Text"] != s[f"{kind}Wanted"]:
            problems.append(f"{where}: the legend's {kind} text is {s[kind + 'Text']!r}, expected {s[kind + 'Wanted']!r}")
    return problems


FOCUS_JS = """
const [root] = arguments, a = document.activeElement;
return {cell: (a && a.dataset && a.dataset.cell) || null, tag: a ? a.tagName.toLowerCase() : null,
        inside: root.contains(a), picked: !!a && a.classList.contains('lw-picked')};
"""


def keyboard_pick_problems(driver, root, first, second, where):
    """Failures of picking result cells with the keyboard: focus the cell
    `first` (a data-cell key), press Enter: it must be picked and keep the
    focus, although the widget redraws its grid; then Tab and Enter must
    pick the next cell, `second`, and leave the focus on it. Each state is
    waited for (up to 5 s), not looked at once."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    problems = []
    button = root.find_element(By.CSS_SELECTOR, f'button[data-cell="{first}"]')
    driver.execute_script("arguments[0].focus();", button)
    for cell, keys in ((first, [Keys.ENTER]), (second, [Keys.TAB, Keys.ENTER])):
        ActionChains(driver).send_keys(*keys).perform()

        def probe(cell=cell):
            got = driver.execute_script(FOCUS_JS, root)
            return got["cell"] == cell and got["inside"] and got["picked"], got
        try:
            poll(lambda last, cell=cell, keys=keys: f"{where}: after {'Tab, ' if len(keys) > 1 else ''}Enter on {cell} "
                 f"the focus is not on {cell}, picked (last seen: {last})", probe, timeout=5)
        except WidgetError as e:
            problems.append(str(e))
    return problems


# How far the widget and everything in it reach, for a phone's width: the
# widget's own scrolling (it scrolls sideways when its content is wider),
# any scrolling box inside it, and its right edge against the viewport's.
OVERFLOW_JS = """
const [root] = arguments, box = root.getBoundingClientRect();
const inner = [...root.querySelectorAll('*')].filter(e => /auto|scroll/.test(getComputedStyle(e).overflowX)
  && e.scrollWidth > e.clientWidth).map(e => `${e.tagName.toLowerCase()}.${e.className} ${e.scrollWidth} > ${e.clientWidth}`);
return {scroll: root.scrollWidth, client: root.clientWidth, right: box.right,
        viewport: document.documentElement.clientWidth, inner};
"""


def overflow_problems(root, where):
    """Failures of a widget that does not fit its column: it scrolls
    sideways (scrollWidth > clientWidth), a box in it does, or it reaches
    past the viewport's right edge."""
    m = root.parent.execute_script(OVERFLOW_JS, root)
    problems = []
    if m["scroll"] > m["client"]:
        problems.append(f"{where}: the widget scrolls sideways: {m['scroll']} px of content in {m['client']} px")
    if m["inner"]:
        problems.append(f"{where}: boxes in the widget scroll sideways: {'; '.join(m['inner'][:3])}")
    if m["right"] > m["viewport"] + 0.5:
        problems.append(f"{where}: the widget reaches {m['right']:.0f} px, past the {m['viewport']} px viewport")
    return problems
