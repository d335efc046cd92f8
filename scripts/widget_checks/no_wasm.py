"""Each chapter with a widget in a browser without WebAssembly (the global
removed before any script runs): the widget must say it needs a newer
browser (in the page's language), the page must log no error, and the
chapter's figures stay."""

import re

from selenium.webdriver.common.by import By

from . import OPEN_JS, console_errors, open_page, poll, same_page

PAGES = {"fully-connected.html": "fc", "convolution.html": "conv", "pooling-relu.html": "pool"}


def check(driver, base_url, expected):
    problems = []
    hidden = driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.WebAssembly;"})
    try:
        for page, name in PAGES.items():
            open_page(driver, base_url + page)
            selector = f'.lenet-widget[data-widget="{name}"]'
            # The widget's script has run when it says how it ended: "failed" (no
            # WebAssembly) is expected; "true" is a failure reported below.
            poll(lambda last: f"{page}: widget {name} did not finish loading without WebAssembly (last seen: {last})",
                 lambda: ((s := driver.execute_script(OPEN_JS, selector))["state"] in ("failed", "true")
                          and same_page(s["url"], base_url + page), s), 20)
            root = driver.find_element(By.CSS_SELECTOR, selector)
            text = root.text
            zh = driver.execute_script("return document.documentElement.lang;").lower().startswith("zh")
            says = ("需要", "浏览器", "WebAssembly") if zh else ("needs", "browser", "WebAssembly")
            if not all(w in text for w in says):
                problems.append(f"{page}: without WebAssembly the widget says {text[:200]!r}, not that it needs a newer browser")
            if root.get_attribute("data-ready") == "true":
                problems.append(f"{page}: the widget claims to be ready without WebAssembly")
            if not driver.find_elements(By.CSS_SELECTOR, "img.nb-figure, .nb-output"):
                problems.append(f"{page}: the chapter's figures and outputs are missing")
            if zh and re.search(r"[A-Za-z]{3,}", text.replace("WebAssembly", "")):
                problems.append(f"{page}: without WebAssembly the Chinese page says {text[:200]!r}, with English in it")
            problems += [f"{page} without WebAssembly: {p}" for p in console_errors(driver)]
            print(f"       {page} without WebAssembly: {text.strip()[:90]!r}", flush=True)
    finally:
        driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": hidden["identifier"]})
    return problems
