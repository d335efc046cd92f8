"""Every widget at a phone's width (a 360-px viewport, the common narrow
one, and 320 px, the narrowest still sold): it must fit its column, at its
defaults and at its largest sizes, without scrolling sideways (the widget's
scrollWidth ≤ its clientWidth, no box in it scrolling, nothing past the
viewport), its text at least 11 px and in the page's language
(widget_checks.language_problems); in chapter 1's graph, drawn anew for
the narrow column, no two texts overlap. A stroke on the digit's drawing area
must reach the network in canvas pixels, also where the area is drawn
narrower than its 280 pixels (at 320 px). Screenshots: phone-WIDTH-*.png.

The viewport is the browser's own again afterwards, for the next module."""

import json

from selenium.webdriver.common.by import By

from . import (console_errors, language_problems, open_widget, overflow_problems, screenshot, select, set_range,
               toggle, wait_stable)
from .digit import SYNTHETIC_JS, dense, wait_digit_ready

WIDTHS, HEIGHT = (360, 320), 780


def sizes_fc(driver, root):
    """The table's values at their most negative (the longest numbers)."""
    for slider in root.find_elements(By.CSS_SELECTOR, 'input[type=range]'):
        driver.execute_script("arguments[0].value = arguments[0].min;"
                              "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", slider)


def sizes_fc_long(driver, root):
    """Long numbers in every neuron: x at 1.35, every other slider at
    −1.35 (z¹ = −4.995, and four decimals on the way)."""
    for slider in root.find_elements(By.CSS_SELECTOR, 'input[type=range]'):
        value = 1.35 if slider.get_attribute("data-key").startswith("slider.x.") else -1.35
        driver.execute_script("arguments[0].value = arguments[1];"
                              "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));", slider, value)


def sizes_conv(driver, root):
    """6×6 input, 3×3 kernel; a corner of ∂C/∂a picked (δ padded to 8×8
    below), then the notes' version with ∂C/∂W picked."""
    select(root, "size-a", 6)
    select(root, "size-w", 3)
    root.find_element(By.CSS_SELECTOR, 'button[data-cell="da.6.6"]').click()


def sizes_conv_written(driver, root):
    toggle(root, True)
    root.find_element(By.CSS_SELECTOR, 'button[data-cell="dw.3.3"]').click()


def sizes_pool(driver, root):
    """7×7 input, 2×2 window, stride 1: y and ∂C/∂y 6×6; the erratum on."""
    select(root, "size-x", 7)
    set_range(root, 'input[data-control="window"]', 2)
    set_range(root, 'input[data-control="stride"]', 1)
    toggle(root, True)
    root.find_element(By.CSS_SELECTOR, 'button[data-cell="y.6.6"]').click()


def sizes_digit(driver, root):
    """The longest verdict: the validation 9 (misread), y at the prediction."""
    next(b for b in root.find_elements(By.CSS_SELECTOR, "button[data-sample]") if b.text.strip() == "9").click()


WIDGETS = [
    ("fully-connected.html", "fc", [("most negative", sizes_fc), ("long numbers", sizes_fc_long)]),
    ("convolution.html", "conv", [("6×6, 3×3", sizes_conv), ("6×6, 3×3, as the notes wrote it", sizes_conv_written)]),
    ("pooling-relu.html", "pool", [("7×7, window 2, stride 1", sizes_pool)]),
    ("lenet-by-hand.html", "digit", [("validation 9", sizes_digit)]),
]


# Pairs of texts of the widget's drawings (SVG) that run into each other:
# on one line (centres less than half a text's height apart; a font's box is
# taller than the 17-px line pitch, so lines one above the other touch) and
# overlapping sideways.
OVERLAP_JS = """
const boxes = [...arguments[0].querySelectorAll('svg text')].map(t => [t.textContent, t.getBoundingClientRect()]);
const out = [];
boxes.forEach(([s, a], i) => boxes.slice(i + 1).forEach(([t, b]) => {
  const sameLine = Math.abs((a.top + a.bottom) - (b.top + b.bottom)) / 2 < Math.min(a.height, b.height) / 2;
  if (sameLine && a.left < b.right && b.left < a.right) out.push(`${s} / ${t}`);
}));
return out;
"""


def measure(driver, root, name, where, shot):
    wait_stable(driver)
    problems = overflow_problems(root, where) + language_problems(root, name, where)
    overlaps = driver.execute_script(OVERLAP_JS, root)
    if overlaps:
        problems.append(f"{where}: texts of the drawing overlap: {'; '.join(overlaps[:4])}")
    print(f"       {where}: {screenshot(driver, root, shot).name}", flush=True)
    return problems


def pad_problems(driver, root, width):
    """A stroke drawn on the pad arrives in canvas pixels; returns the
    failures and whether the pad was drawn narrower than its canvas."""
    canvas = root.find_element(By.CSS_SELECTOR, "canvas.lw-digit-pad")
    size = driver.execute_script("return [arguments[0].clientWidth, arguments[0].width];", canvas)
    root.find_element(By.CSS_SELECTOR, 'button[data-control="clear"]').click()
    stroke = dense([[90, 70], [200, 70], [120, 220]], 20)
    driver.execute_script(SYNTHETIC_JS, canvas, stroke, False)
    wait_stable(driver)
    got = json.loads(root.get_attribute("data-strokes"))
    # A CSS pixel of the page is 280 / clientWidth canvas pixels.
    tolerance = size[1] / size[0]
    print(f"       digit at {width} px: the pad is {size[0]} px wide for {size[1]} canvas pixels", flush=True)
    if len(got) != 1 or len(got[0]) != len(stroke) or any(
            abs(p - q) > tolerance for a, b in zip(got[0], stroke) for p, q in zip(a, b)):
        return [f"digit at {width} px: drew {stroke} in canvas pixels, the page received {got}"], size[0] < size[1]
    return [], size[0] < size[1]


def check(driver, base_url, expected):
    problems = []
    before = driver.execute_script("return [innerWidth, innerHeight];")
    narrowed = False
    try:
        for width in WIDTHS:
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {"width": width, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
            for page, name, largest in WIDGETS:
                root = open_widget(driver, base_url, page, name)
                if name == "digit":
                    wait_digit_ready(driver, root)
                problems += measure(driver, root, name, f"{name} at {width} px, defaults", f"phone-{width}-{name}-default")
                for n, (what, setting) in enumerate(largest, 1):
                    setting(driver, root)
                    problems += measure(driver, root, name, f"{name} at {width} px, {what}",
                                        f"phone-{width}-{name}-largest-{n}")
                if name == "digit":
                    found, smaller = pad_problems(driver, root, width)
                    problems += found
                    narrowed |= smaller
                problems += console_errors(driver)
        if not narrowed:
            problems.append(f"the digit's drawing area was 280 px wide at every width ({WIDTHS}), so drawing on a "
                            "narrowed area is not checked")
    finally:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": before[0], "height": before[1], "deviceScaleFactor": 1, "mobile": False})
    return problems
