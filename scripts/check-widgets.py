#!/usr/bin/env python3
"""The book's interactive widgets, driven in a real browser (issue 12).

    bash scripts/build-book.sh                                # builds the widgets too
    .venv-notebooks/bin/python scripts/check-widgets.py

Writes the native expectations first (`cargo run --release --example
widget_expectations -- target/widgets-expected.json`: lenet's own functions
on the inputs the test will type), then serves target/book/ and opens each
chapter with a widget in headless Chromium, offline, with scripts/check-book.py's
server and browser set-up, in both books: the English one (target/book/) and
the Chinese one (target/book/zh-CN/). Each module of scripts/widget_checks/
drives one widget (`check(driver, base_url, expected) -> list[str]`): it sets
sizes, types entries, moves sliders, clicks entries and toggles the errata,
and compares every number the widget then shows with the native one; the
same comparisons on both books. A console error fails too, and so does a
label in the other language (on a Chinese page, any English label of the
widget's table; widget_checks.language_problems). Screenshots of every step
go to target/widget-screenshots/, named after the module, the Chinese ones
with zh- in front (a module's old ones are removed when it runs).

It prints the size of the widgets' WebAssembly and the widgets' own
timings (performance.now() in the page: ready after load, first
interaction, each update); they are reported, never asserted. Closes with
`N passed, M failed` (widget modules, once per book).
"""

import argparse
import importlib
import importlib.util
import pkgutil
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Each book's folder under the built book (scripts/build-book.sh).
BOOKS = {"en": "", "zh-CN": "zh-CN/"}
# How widget_checks.screenshot names each book's shots.
SHOT_PREFIX = {"en": "", "zh-CN": "zh-"}
sys.path.insert(0, str(ROOT / "scripts"))


def load_check_book():
    spec = importlib.util.spec_from_file_location("check_book", ROOT / "scripts" / "check-book.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--book", type=Path, default=ROOT / "target" / "book")
    ap.add_argument("--expected", type=Path, default=ROOT / "target" / "widgets-expected.json")
    ap.add_argument("--no-generate", action="store_true", help="use --expected as it is")
    ap.add_argument("--page-timeout", type=float, default=60)
    ap.add_argument("--only-book", choices=list(BOOKS), help="check this book only (default: both)")
    ap.add_argument("widgets", nargs="*", help="only these modules of scripts/widget_checks/ (e.g. conv)")
    args = ap.parse_args()

    book = args.book.resolve()
    wasm = book / "widgets" / "pkg" / "lenet_widgets_bg.wasm"
    books = [args.only_book] if args.only_book else list(BOOKS)
    for language in books:
        if not (book / BOOKS[language] / "index.html").is_file() or not wasm.is_file():
            sys.exit(f"check-widgets.py: no built book ({language}) with widgets in {book}; "
                     "run scripts/build-book.sh first")
    print(f"check-widgets.py: {wasm.relative_to(book)} is {wasm.stat().st_size} bytes "
          f"({wasm.stat().st_size / 1024:.0f} KB; budget 600 KB)", flush=True)
    if not args.no_generate:
        subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "widget_expectations", "--",
                        str(args.expected)], cwd=ROOT, check=True)
    import json
    expected = json.loads(args.expected.read_text(encoding="utf-8"))

    import widget_checks
    names = args.widgets or sorted(m.name for m in pkgutil.iter_modules(widget_checks.__path__))
    # The screenshots of the widgets and books about to run (each named after its module), not the others'.
    for name in names:
        for language in books:
            for old in (ROOT / "target" / "widget-screenshots").glob(f"{SHOT_PREFIX[language]}{name}-*.png"):
                old.unlink()
    cb = load_check_book()
    server, base = cb.serve(book)
    profile = tempfile.mkdtemp(prefix="check-widgets-chromium-")
    driver = None
    failed = {}
    runs = [(name, language) for language in books for name in names]
    try:
        for name, language in runs:
            t0 = time.monotonic()
            try:
                module = importlib.import_module(f"widget_checks.{name}")
                if driver is None:
                    driver = cb.start_browser(profile, args.page_timeout)
                problems = module.check(driver, base + BOOKS[language], expected)
            except Exception as e:  # a driver failure fails the widget, not the run
                first = str(e).strip().splitlines()[0] if str(e).strip() else ""
                problems = [f"{type(e).__name__}: {first}"]
                if driver is not None:
                    cb.kill_browser(driver)
                    driver = None
            print(f"{'FAIL' if problems else 'ok  '} {name}, {language} ({time.monotonic() - t0:.1f} s)", flush=True)
            for p in problems:
                print(f"     - {p}", flush=True)
            if problems:
                failed[(name, language)] = problems
    finally:
        if driver is not None:
            try:
                driver.quit()
            finally:
                cb.kill_browser(driver)
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"check-widgets.py: screenshots in {ROOT / 'target' / 'widget-screenshots'}")
    print(f"{len(runs) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
