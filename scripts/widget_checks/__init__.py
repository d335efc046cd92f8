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
from pathlib import Path

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


def open_widget(driver, base_url, page, name, timeout=20):
    """Loads the page, waits for its widget to be ready, returns its root."""
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(base_url + page)
    deadline = time.monotonic() + timeout
    selector = f'.lenet-widget[data-widget="{name}"]'
    while time.monotonic() < deadline:
        state = driver.execute_script(f"const r = document.querySelector('{selector}'); return r ? (r.dataset.ready || 'loading') : 'missing';")
        if state == "true":
            return driver.find_element(By.CSS_SELECTOR, selector)
        if state in ("missing", "failed"):
            text = driver.execute_script(f"const r = document.querySelector('{selector}'); return r ? r.textContent : '';")
            raise WidgetError(f"{page}: widget {name} is {state}: {text.strip()[:200]}")
        time.sleep(0.05)
    raise WidgetError(f"{page}: widget {name} not ready after {timeout} s")


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


def select(root, label, value):
    s = Select(root.find_element(By.CSS_SELECTOR, f'select[aria-label="{label}"]'))
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
    path = SHOTS / f"{name}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    return path
