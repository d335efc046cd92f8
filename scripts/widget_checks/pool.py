"""Chapter 3's widget (chapters/widgets/pool.js): pick max or mean, the
input size, move the window and stride sliders, type every entry of x and
∂C/∂a, toggle the erratum (assigning instead of accumulating), click an
output; then a, ∂C/∂x and the picked output's route must be lenet's,
computed natively (examples/widget_expectations.rs). Also: the cells one
types into and the outputs one clicks look different, and the legend says
which is which; Enter on an output picks it and leaves the focus on it."""

from selenium.webdriver.common.by import By

from . import (cell_style_problems, click_number, compare, console_errors, keyboard_pick_problems, language_problems,
               open_widget, screenshot, select, set_range, shown, timings, toggle, type_into, wait_stable)

PAGE = "pooling-relu.html"


def check(driver, base_url, expected):
    problems = []
    root = open_widget(driver, base_url, PAGE, "pool")
    problems += console_errors(driver)
    problems += cell_style_problems(root, "pool cells")
    problems += keyboard_pick_problems(driver, root, "y.1.1", "y.1.2", "pool keyboard")
    for n, step in enumerate(expected["pool"], 1):
        where = f"pool step {n} ({step['name']})"
        try:
            select(root, "mode", step["mode"])
            select(root, "size-x", step["n"])
            set_range(root, 'input[data-control="window"]', step["size"])
            set_range(root, 'input[data-control="stride"]', step["stride"])
            for sym, m in (("x", step["x"]), ("∂C/∂a", step["dy"])):
                for i, row in enumerate(m, 1):
                    for j, v in enumerate(row, 1):
                        type_into(root, f"{sym}.{i}.{j}", v)
            toggle(root, step["written"])
            click_number(root, f"y.{step['pick'][0]}.{step['pick'][1]}")
            wait_stable(driver)
        except Exception as e:  # noqa: BLE001 - a control that is missing fails the step
            problems.append(f"{where}: could not drive the widget: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        problems += compare(root, step["shown"], ("y.", "dx.", "route.", "picked-dy"), where)
        problems += language_problems(root, "pool", where)
        print(f"       pool step {n}: {step['name']}: {screenshot(driver, root, f'pool-{n}').name}", flush=True)
        problems += console_errors(driver)
    # A window that does not tile the input: the widget says so (lenet's
    # condition, checked in Rust before the layer is called) and draws no grid.
    select(root, "size-x", 4)
    set_range(root, 'input[data-control="window"]', 3)
    set_range(root, 'input[data-control="stride"]', 2)
    wait_stable(driver)
    message = root.find_element(By.CSS_SELECTOR, ".lw-error").text
    if "does not tile a 4×4 input" not in message or shown(root):
        problems.append(f"pool: window 3, stride 2 on 4×4 shows {message!r} and {len(shown(root))} numbers; "
                        "expected the message that it does not tile, and no numbers")
    print(f"       pool, window 3 stride 2 on 4×4: {message!r}", flush=True)
    problems += console_errors(driver)
    print(f"       timings: {timings(driver, 'pool')}", flush=True)
    return problems
