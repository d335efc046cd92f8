"""Chapter 1's widget (chapters/widgets/fc.js): move the sliders of the
inputs, weights and target to the step's numbers; then every value,
δ, backpropagated gradient and central difference the page shows must be
lenet's, computed natively (examples/widget_expectations.rs), and each
block's relative error must pass the book's check (< 1e-7)."""

from . import (compare, console_errors, language_problems, open_widget, screenshot, set_range, shown, timings,
               wait_stable)

PAGE = "fully-connected.html"
BLOCKS = [("x", 2, 1), ("y", 2, 1), ("W1", 3, 2), ("b1", 3, 1), ("W2", 2, 3), ("b2", 2, 1)]


def keys():
    """The slider keys in the page's order of the 21 numbers."""
    for name, r, c in BLOCKS:
        for i in range(1, r + 1):
            for j in range(1, c + 1):
                yield f"{name}.{i}.{j}" if name.startswith("W") else f"{name}.{i}"


def check(driver, base_url, expected):
    problems = []
    root = open_widget(driver, base_url, PAGE, "fc")
    problems += console_errors(driver)
    previous = None
    for n, step in enumerate(expected["fc"], 1):
        where = f"fc step {n} ({step['name']})"
        for k, (key, v) in enumerate(zip(keys(), step["values"])):
            if previous is None or previous[k] != v:
                set_range(root, f'input[data-key="slider.{key}"]', v)
        previous = step["values"]
        wait_stable(driver)
        problems += compare(root, step["shown"], ("z1.", "a1.", "z2.", "a2.", "delta", "backprop.", "numerical.", "value."), where)
        page = shown(root)
        for block in ("W1", "b1", "W2", "b2"):
            got = page.get(f"rel_error.{block}")
            if got is None or not float(got[0]) < 1e-7:
                problems.append(f"{where}: relative error of {block} is {got and got[1]!r}, should be below 1e-7")
        problems += language_problems(root, "fc", where)
        print(f"       fc step {n}: {step['name']}: {screenshot(driver, root, f'fc-{n}').name}", flush=True)
        problems += console_errors(driver)
    print(f"       timings: {timings(driver, 'fc')}", flush=True)
    return problems
