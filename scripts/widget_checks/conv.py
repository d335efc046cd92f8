"""Chapter 2's widget (chapters/widgets/conv.js): set the input sizes, type
every entry of a, w and δ, toggle "as the notes wrote it", click an entry of
∂C/∂a or ∂C/∂W; then every number of both gradients, the picked entry's
formula and its value must be lenet's, computed natively
(examples/widget_expectations.rs). Also: the cells one types into and the
results one clicks look different, and the legend says which is which;
Enter on a result cell picks it and leaves the focus on it."""

from selenium.webdriver.common.by import By

from . import (cell_style_problems, click_number, compare, console_errors, keyboard_pick_problems,
               language_problems, open_widget, screenshot, select, timings, toggle, type_into, wait_stable)

PAGE = "convolution.html"


def check(driver, base_url, expected):
    problems = []
    root = open_widget(driver, base_url, PAGE, "conv")
    problems += console_errors(driver)
    problems += cell_style_problems(root, "conv cells")
    problems += keyboard_pick_problems(driver, root, "da.1.1", "da.1.2", "conv keyboard")
    problems += keyboard_pick_problems(driver, root, "dw.1.1", "dw.1.2", "conv keyboard")
    for n, step in enumerate(expected["conv"], 1):
        where = f"conv step {n} ({step['name']})"
        try:
            select(root, "size-a", step["h"])
            select(root, "size-w", step["k"])
            for sym, m in (("a", step["a"]), ("w", step["w"]), ("δ", step["delta"])):
                for i, row in enumerate(m, 1):
                    for j, v in enumerate(row, 1):
                        type_into(root, f"{sym}.{i}.{j}", v)
            toggle(root, step["written"])
            of, i, j = step["pick"]
            click_number(root, f"{of}.{i}.{j}")
            wait_stable(driver)
        except Exception as e:  # noqa: BLE001 - a control that is missing fails the step
            problems.append(f"{where}: could not drive the widget: {type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")
            continue
        problems += compare(root, step["shown"], ("da.", "dw.", "formula-value", "lost-value", "term.", "base.", "top.", "rot."), where)
        formulas = root.find_elements(By.CSS_SELECTOR, '[data-key="formula"]')
        if step["formula"] is None:
            if formulas:
                problems.append(f"{where}: shows formula {formulas[0].text!r} for an entry the notes' version does not compute")
        elif len(formulas) != 1 or formulas[0].text != step["formula"]:
            problems.append(f"{where}: formula {[f.text for f in formulas]!r}, natively {step['formula']!r}")
        problems += language_problems(root, "conv", where)
        print(f"       conv step {n}: {step['name']}: {screenshot(driver, root, f'conv-{n}').name}", flush=True)
        problems += console_errors(driver)
    print(f"       timings: {timings(driver, 'conv')}", flush=True)
    return problems
