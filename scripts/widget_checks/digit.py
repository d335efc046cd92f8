"""Chapter 5's widget (chapters/widgets/digit.js), "A digit, backwards":
draws a fixed stroke sequence (a 7) on its canvas with the mouse, and picks
the validation digit 7; then the 28×28 image and the logits the widget
shows must be those `lenet` computes natively for the same strokes and digit
(wasm/examples/digit_expect.rs: the same rasteriser, the shipped model read
by `lenet::model::file::load`, the logits of the readable trace and of the
fast path), to f32 rounding. Also: the prediction, the label whose δ is
shown, each δ map drawn, and no console error. The update time per stroke
is printed, never asserted.

Then what the verdict says about y: for every validation digit offered,
with y left at the prediction, it calls the prediction right only when it
is the digit's label and wrong when it is not (a digit the network misreads
must be among them: the chapter shows the 9 read as a 4), and with y = the
true label of a misread digit, that these δ would correct it; for a drawing
(no label) it calls the prediction neither. And drawing without coalesced
points: synthetic pointer events (whose getCoalescedEvents() is empty), and
a browser without getCoalescedEvents, must draw the whole stroke, each
event a point, not a dot.

The expectations are this widget's own file, target/widgets-expected-digit.json,
written here by `cargo run --release --example digit_expect` in wasm/
(`expected["digit"]` is used instead when the caller passes it)."""

import json
import os
import subprocess
import tempfile

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from . import (ROOT, WidgetError, console_errors, language_problems, open_widget, poll, screenshot, timings,
               wait_stable)

PAGE = "lenet-by-hand.html"
EXPECTED = ROOT / "target" / "widgets-expected-digit.json"
# The widget runs LeNet in f32. The same f32 code natively and in
# WebAssembly may sum in another order (ndarray's matrix products use vector
# kernels natively): the logits then differ by a few f32 roundings of values
# up to ~20, about 1e-5; anything beyond this tolerance is another
# computation.
LOGIT_TOLERANCE = 1e-4
DELTA_TOLERANCE = 1e-4
# The image is computed in f64 by the same code and read back as f32.
IMAGE_TOLERANCE = 1e-6


def native(*args):
    env = dict(os.environ, CARGO_TARGET_DIR=str(ROOT / "target" / "wasm"))
    return subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "digit_expect", "--", *args],
                          cwd=ROOT / "wasm", env=env, check=True, stdout=subprocess.PIPE, text=True).stdout


def native_expectations():
    print("       " + native().strip(), flush=True)
    return json.loads(EXPECTED.read_text(encoding="utf-8"))


def native_for(strokes):
    """The image and logits natively for strokes the page received."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(strokes, f)
    try:
        return json.loads(native("--strokes", f.name))
    finally:
        os.unlink(f.name)


def wait_digit_ready(driver, root, timeout=20):
    """Waits until the widget has read its model (data-digit-ready); a widget
    that says it failed ends the wait at once."""
    def probe():
        if root.get_attribute("data-ready") == "failed":
            raise WidgetError(f"{PAGE}: the digit widget failed: {root.text.strip()[:200]}")
        return root.get_attribute("data-digit-ready") == "true", root.text.strip()[:200]
    poll(lambda last: f"{PAGE}: the digit widget did not load its model within {timeout} s: {last}", probe, timeout)


def state(root):
    get = root.get_attribute
    return {
        "logits": json.loads(get("data-logits")),
        "image": json.loads(get("data-image")),
        "strokes": json.loads(get("data-strokes")),
        "probs": json.loads(get("data-probs")),
        "gradient_max": json.loads(get("data-gradient-max")),
        "predicted": int(get("data-predicted")),
        "label": int(get("data-label")),
    }


def compare_state(where, page, native):
    """The logits, probabilities and each map's largest |entry| (the end of
    its colour scale) against the native ones."""
    problems = compare_logits(where, page["logits"], native)
    worst = max(abs(a - b) for a, b in zip(page["probs"], native["probs"]))
    if len(page["probs"]) != 10 or worst > LOGIT_TOLERANCE:
        problems.append(f"{where}: probabilities {page['probs']} in the page, {native['probs']} natively")
    # δ fc3 = p − y holds 1 − p at the label: when p is near 1 the f32
    # spacing there (6e-8) is the error, however small δ is; the δ below
    # inherit it. So: 1e-4 relative, plus a few f32 roundings of 1.
    worst = 0.0
    for name, want in native["gradient_max"].items():
        got = page["gradient_max"].get(name)
        if got is None or abs(got - want) > DELTA_TOLERANCE * want + 4 * 2.0 ** -24:
            problems.append(f"{where}: largest |entry| of {name}'s map is {got} in the page, {want} natively")
        elif want > 0:
            worst = max(worst, abs(got - want) / want)
    print(f"       {where}: largest |entry| per map ({', '.join(f'{k} {v:.2e}' for k, v in native['gradient_max'].items())}) "
          f"as natively to {worst:.1e} relative", flush=True)
    return problems


def compare_logits(where, page, native):
    problems = []
    for path in ("trace", "fast"):
        want = native[path]
        worst = max(abs(a - b) for a, b in zip(page, want))
        print(f"       {where}: largest |logit in the page − native {path}| = {worst:.2e}", flush=True)
        if len(page) != 10 or worst > LOGIT_TOLERANCE * max(1.0, max(abs(v) for v in want)):
            problems.append(f"{where}: logits {page} in the page, {want} natively ({path}); largest difference {worst:.2e}")
    return problems


def draw(driver, canvas, strokes, size, duration=0):
    """Draws each stroke with the mouse, offsets from the canvas's centre;
    with duration 0 one move per point, else each move takes `duration` ms
    and the browser reports points on the way."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", canvas)
    half = size / 2
    actions = ActionChains(driver, duration=duration)
    for stroke in strokes:
        x, y = stroke[0]
        actions.move_to_element_with_offset(canvas, int(x - half), int(y - half)).click_and_hold()
        for x, y in stroke[1:]:
            actions.move_to_element_with_offset(canvas, int(x - half), int(y - half))
        actions.release()
    actions.perform()


def dense(stroke, step):
    """The stroke with whole-pixel points about every `step` px along it."""
    out = [stroke[0]]
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
        n = max(1, round(((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 / step))
        out += [[round(x0 + (x1 - x0) * k / n), round(y0 + (y1 - y0) * k / n)] for k in range(1, n + 1)]
    return out


def check(driver, base_url, expected):
    want = (expected or {}).get("digit") or native_expectations()
    problems = []
    root = open_widget(driver, base_url, PAGE, "digit")
    wait_digit_ready(driver, root)
    problems += console_errors(driver)
    problems += language_problems(root, "digit", "digit at start")
    print(f"       digit at start (validation 7): {screenshot(driver, root, 'digit-0-start').name}", flush=True)

    # The validation digit 7, picked by its button.
    sample = want["sample"]
    picks = [b for b in root.find_elements(By.CSS_SELECTOR, "button") if b.text.strip() == str(sample["label"])]
    if not picks:
        problems.append(f"{PAGE}: no button picks the validation digit {sample['label']}")
    else:
        picks[0].click()
        wait_stable(driver)
        s = state(root)
        problems += compare_state(f"validation digit {sample['index']}", s, sample["logits"])
        if s["predicted"] != sample["logits"]["predicted"]:
            problems.append(f"validation digit: the page predicts {s['predicted']}, natively {sample['logits']['predicted']}")

    # The drawn 7: clear, then the fixed strokes.
    root.find_element(By.CSS_SELECTOR, 'button[data-control="clear"]').click()
    canvas = root.find_element(By.CSS_SELECTOR, "canvas.lw-digit-pad")
    size = driver.execute_script("return arguments[0].clientWidth;", canvas)
    if size != want["canvas"]:
        problems.append(f"the drawing area is {size} px wide, the strokes are for {want['canvas']} px")
    draw(driver, canvas, want["strokes"], size)
    wait_stable(driver)
    s = state(root)
    # The page's points are where the mouse went, relative to the canvas's
    # corner: the strokes themselves, up to one shift (the canvas may sit at
    # a fractional position), which the rasteriser ignores.
    got = s["strokes"]
    shape_ok = [len(a) for a in got] == [len(b) for b in want["strokes"]]
    if shape_ok:
        dx, dy = got[0][0][0] - want["strokes"][0][0][0], got[0][0][1] - want["strokes"][0][0][1]
        off = max(max(abs(p[0] - q[0] - dx), abs(p[1] - q[1] - dy)) for a, b in zip(got, want["strokes"]) for p, q in zip(a, b))
        print(f"       drawn 7: the page received the strokes shifted by ({dx:g}, {dy:g}) px, otherwise within {off:g} px", flush=True)
        if off > 1e-6:
            problems.append(f"the page received other points than the mouse drew: {got} for {want['strokes']}")
    else:
        problems.append(f"the page received strokes of {[len(a) for a in got]} points, the test drew {[len(b) for b in want['strokes']]}")
    worst = max(abs(a - b) for a, b in zip(s["image"], want["image"])) if len(s["image"]) == 784 else float("inf")
    print(f"       drawn 7: largest |pixel in the page − native| = {worst:.2e}", flush=True)
    if worst > IMAGE_TOLERANCE:
        problems.append(f"the drawn 7's 28×28 image differs from the native one by up to {worst:.2e}")
    problems += compare_state("drawn 7", s, want["logits"])
    if s["predicted"] != want["logits"]["predicted"] or s["label"] != s["predicted"]:
        problems.append(f"drawn 7: predicted {s['predicted']} with δ for label {s['label']}; natively predicted {want['logits']['predicted']}")
    # Every δ map drawn, with a scale.
    for name in ("fc3", "fc2", "fc1", "pool2", "conv2", "pool1", "conv1"):
        m = root.find_element(By.CSS_SELECTOR, f'[data-key="max.{name}"]').text
        if not m.startswith("±") or m == "±0":
            problems.append(f"drawn 7: the scale of {name}'s map reads {m!r}")
    problems += language_problems(root, "digit", "drawn 7")
    print(f"       drawn 7: {screenshot(driver, root, 'digit-1-drawn-7').name}", flush=True)

    # Drawn slowly, as a hand does: a point every few pixels, each move
    # taking 40 ms, so frames pass while the pen moves and the widget must
    # update as it goes; the result must be lenet's for the points the page
    # received.
    root.find_element(By.CSS_SELECTOR, 'button[data-control="clear"]').click()
    before = len(driver.execute_script("return window.lenetWidgets.digit.updates_ms;"))
    draw(driver, canvas, [dense(st, 8) for st in want["strokes"]], size, duration=40)
    wait_stable(driver)
    during = len(driver.execute_script("return window.lenetWidgets.digit.updates_ms;")) - before
    s = state(root)
    points = sum(len(a) for a in s["strokes"])
    print(f"       slow 7: the page received {points} points in {len(s['strokes'])} strokes and updated {during} times", flush=True)
    if during < 3:
        problems.append(f"slow 7: the widget updated {during} times while a 7 was drawn slowly; it should follow the pen")
    slow = native_for(s["strokes"])
    worst = max(abs(a - b) for a, b in zip(s["image"], slow["image"]))
    if worst > IMAGE_TOLERANCE:
        problems.append(f"slow 7: the 28×28 image differs from the native one for the same points by up to {worst:.2e}")
    problems += compare_state("slow 7", s, slow["logits"])
    problems += language_problems(root, "digit", "slow 7")
    print(f"       slow 7: {screenshot(driver, root, 'digit-2-slow-7').name}", flush=True)

    # Another label: δ fc3 = p − y moves to it.
    from selenium.webdriver.support.ui import Select
    Select(root.find_element(By.CSS_SELECTOR, 'select[data-control="label-y"]')).select_by_value("3")
    wait_stable(driver)
    if state(root)["label"] != 3:
        problems.append(f"after choosing y = 3 the δ shown are for label {state(root)['label']}")
    problems += language_problems(root, "digit", "drawn 7, δ for y = 3")
    print(f"       drawn 7, δ for y = 3: {screenshot(driver, root, 'digit-3-label-3').name}", flush=True)
    problems += console_errors(driver)
    problems += verdict_problems(driver, root, want)
    problems += synthetic_pointer_problems(driver, root, canvas)
    problems += console_errors(driver)
    t = driver.execute_script("return window.lenetWidgets && window.lenetWidgets.digit;") or {}
    print(f"       digit: model fetched and read in {t.get('model_ms', float('nan')):.0f} ms; first drawing "
          f"{t.get('first_draw_ms', float('nan')):.1f} ms; {timings(driver, 'digit')}", flush=True)
    return problems


# The verdict and the phrases it may hold about y, in the page's language
# (digit.js's own table, window.lenetWidgetText.digit).
VERDICT_JS = """
const [root, truth] = arguments;
const T = window.lenetWidgetText.digit[document.documentElement.lang.toLowerCase().startsWith('zh') ? 'zh' : 'en'];
const label = truth === null ? 0 : truth;
return {text: root.querySelector('[data-key="verdict"]').textContent,
        phrases: {ownRight: T.ownRight(label), ownWrong: T.ownWrong(label), ownUnknown: T.ownUnknown,
                  correcting: T.correcting(label)}};
"""


def verdict_phrase_problems(driver, root, truth, wanted, where):
    """Failures of the verdict: it must hold the phrase `wanted` (a key of
    VERDICT_JS's phrases, for the true label `truth`) and none of the others."""
    got = driver.execute_script(VERDICT_JS, root, truth)
    text, phrases = got["text"], got["phrases"]
    problems = []
    if wanted is not None and phrases[wanted] not in text:
        problems.append(f"{where}: the verdict {text!r} does not say {phrases[wanted]!r}")
    for name, phrase in phrases.items():
        if name != wanted and phrase in text:
            problems.append(f"{where}: the verdict {text!r} says {phrase!r} ({name})")
    return problems


def verdict_problems(driver, root, want):
    from selenium.webdriver.support.ui import Select
    problems = []
    label_y = Select(root.find_element(By.CSS_SELECTOR, 'select[data-control="label-y"]'))
    label_y.select_by_value("-1")
    misread = []
    for button in root.find_elements(By.CSS_SELECTOR, "button[data-sample]"):
        button.click()
        wait_stable(driver)
        s, truth = state(root), int(button.text)
        where = f"validation digit {truth}, y at the prediction"
        if root.get_attribute("data-truth") != str(truth):
            problems.append(f"{where}: the widget holds the true label {root.get_attribute('data-truth')!r}")
        if s["label"] != s["predicted"]:
            problems.append(f"{where}: δ are for y = {s['label']}, not the prediction {s['predicted']}")
        right = s["predicted"] == truth
        problems += verdict_phrase_problems(driver, root, truth, "ownRight" if right else "ownWrong", where)
        if not right:
            misread.append((button, truth, s["predicted"]))
    print(f"       validation digits misread: {', '.join(f'{t} as {p}' for _, t, p in misread) or 'none'}", flush=True)
    if not misread:
        problems.append("no validation digit offered is misread, so the verdict on a wrong prediction is not checked "
                        "(chapters/lenet-by-hand.md says the 9 is read as a 4)")
    else:
        button, truth, predicted = misread[0]
        button.click()
        wait_stable(driver)
        where = f"validation digit {truth} (read as {predicted})"
        problems += language_problems(root, "digit", where)
        print(f"       {where}: {screenshot(driver, root, 'digit-4-misread').name}", flush=True)
        label_y.select_by_value(str(truth))
        wait_stable(driver)
        problems += verdict_phrase_problems(driver, root, truth, "correcting", f"{where}, y = {truth}")
        problems += language_problems(root, "digit", f"{where}, y = {truth}")
        print(f"       {where}, y = {truth}: {screenshot(driver, root, 'digit-5-misread-true-label').name}", flush=True)
        label_y.select_by_value("-1")
    # A drawing has no label: its prediction is neither right nor wrong.
    root.find_element(By.CSS_SELECTOR, 'button[data-control="clear"]').click()
    canvas = root.find_element(By.CSS_SELECTOR, "canvas.lw-digit-pad")
    draw(driver, canvas, want["strokes"], driver.execute_script("return arguments[0].clientWidth;", canvas))
    wait_stable(driver)
    if root.get_attribute("data-truth") != "":
        problems.append(f"drawn 7: the widget holds the true label {root.get_attribute('data-truth')!r} for a drawing")
    problems += verdict_phrase_problems(driver, root, None, "ownUnknown", "drawn 7, y at the prediction")
    return problems


# Draws `points` (canvas pixels) on the pad by dispatching synthetic pointer
# events, one per point, as a page's script or an automation tool does:
# their getCoalescedEvents() is empty. With `hide` true, the browser's
# getCoalescedEvents is hidden meanwhile, as in a browser without it.
SYNTHETIC_JS = """
const [pad, points, hide] = arguments;
const r = pad.getBoundingClientRect(), scale = pad.clientWidth / pad.width;
const send = (type, [x, y]) => pad.dispatchEvent(new PointerEvent(type, {
  bubbles: true, cancelable: true, pointerId: 1, pointerType: 'mouse', isPrimary: true,
  button: type === 'pointermove' ? -1 : 0, buttons: type === 'pointerup' ? 0 : 1,
  clientX: r.left + pad.clientLeft + x * scale, clientY: r.top + pad.clientTop + y * scale}));
const saved = Object.getOwnPropertyDescriptor(PointerEvent.prototype, 'getCoalescedEvents');
if (hide) delete PointerEvent.prototype.getCoalescedEvents;
try {
  send('pointerdown', points[0]);
  for (const p of points.slice(1)) send('pointermove', p);
  send('pointerup', points[points.length - 1]);
} finally {
  if (hide) Object.defineProperty(PointerEvent.prototype, 'getCoalescedEvents', saved);
}
return 'getCoalescedEvents' in PointerEvent.prototype;
"""


def synthetic_pointer_problems(driver, root, canvas):
    problems = []
    stroke = dense([[90, 70], [200, 70], [120, 220]], 10)
    for hide, how in ((False, "synthetic pointer events"), (True, "without getCoalescedEvents")):
        root.find_element(By.CSS_SELECTOR, 'button[data-control="clear"]').click()
        wait_stable(driver)
        restored = driver.execute_script(SYNTHETIC_JS, canvas, stroke, hide)
        wait_stable(driver)
        s = state(root)
        if not restored:
            problems.append(f"{how}: the test could not restore PointerEvent.prototype.getCoalescedEvents")
        got = s["strokes"]
        worst = (max(abs(p - q) for a, b in zip(got[0], stroke) for p, q in zip(a, b))
                 if len(got) == 1 and len(got[0]) == len(stroke) else None)
        print(f"       {how}: {len(stroke)} points sent, the page received {[len(a) for a in got]}"
              f"{'' if worst is None else f', each within {worst:.2g} px'}", flush=True)
        if worst is None or worst > 0.01:
            problems.append(f"{how}: the page received strokes of {[len(a) for a in got]} points for one stroke of "
                            f"{len(stroke)} ({got[:1]!r:.200})")
            continue
        native_image = native_for(got)["image"]
        differs = max(abs(a - b) for a, b in zip(s["image"], native_image))
        if differs > IMAGE_TOLERANCE:
            problems.append(f"{how}: the 28×28 image differs from the native one for the same points by up to {differs:.2e}")
        ink = sum(1 for v in s["image"] if v > 0.5)
        if ink < 40:
            problems.append(f"{how}: the drawn 7 has {ink} inked pixels; a dot, not a stroke")
    print(f"       without coalesced points: {screenshot(driver, root, 'digit-6-synthetic').name}", flush=True)
    return problems
