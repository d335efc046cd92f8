#!/usr/bin/env python3
"""The book's interactive widgets, driven in a real browser (issue 12).

    bash scripts/build-book.sh                                # builds the widgets too
    .venv-notebooks/bin/python scripts/check-widgets.py

Writes the native expectations first (`cargo run --release --example
widget_expectations -- target/widgets-expected.json`: lenet's own functions
on the inputs the test will type), then serves target/book/ and opens each
chapter with a widget in headless Chromium, offline, with scripts/check-book.py's
server and browser set-up. Each module of scripts/widget_checks/ drives one
widget (`check(driver, base_url, expected) -> list[str]`): it sets sizes,
types entries, moves sliders, clicks entries and toggles the errata, and
compares every number the widget then shows with the native one; a console
error fails too. Screenshots of every step go to target/widget-screenshots/,
named after the module (a module's old ones are removed when it runs).

It prints the size of the widgets' WebAssembly and the widgets' own
timings (performance.now() in the page: ready after load, first
interaction, each update); they are reported, never asserted. Closes with
`N passed, M failed` (widget modules).
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
    ap.add_argument("widgets", nargs="*", help="only these modules of scripts/widget_checks/ (e.g. conv)")
    args = ap.parse_args()

    book = args.book.resolve()
    wasm = book / "widgets" / "pkg" / "lenet_widgets_bg.wasm"
    if not (book / "index.html").is_file() or not wasm.is_file():
        sys.exit(f"check-widgets.py: no built book with widgets in {book}; run scripts/build-book.sh first")
    print(f"check-widgets.py: {wasm.relative_to(book)} is {wasm.stat().st_size} bytes "
          f"({wasm.stat().st_size / 1024:.0f} KB; budget 600 KB)", flush=True)
    if not args.no_generate:
        subprocess.run(["cargo", "run", "--release", "--quiet", "--example", "widget_expectations", "--",
                        str(args.expected)], cwd=ROOT, check=True)
    import json
    expected = json.loads(args.expected.read_text(encoding="utf-8"))

    import widget_checks
    names = args.widgets or sorted(m.name for m in pkgutil.iter_modules(widget_checks.__path__))
    # The screenshots of the widgets about to run (each named after its module), not the others'.
    for name in names:
        for old in (ROOT / "target" / "widget-screenshots").glob(f"{name}-*.png"):
            old.unlink()
    cb = load_check_book()
    server, base = cb.serve(book)
    profile = tempfile.mkdtemp(prefix="check-widgets-chromium-")
    driver = None
    failed = {}
    try:
        for name in names:
            t0 = time.monotonic()
            try:
                module = importlib.import_module(f"widget_checks.{name}")
                if driver is None:
                    driver = cb.start_browser(profile, args.page_timeout)
                problems = module.check(driver, base, expected)
            except Exception as e:  # a driver failure fails the widget, not the run
                first = str(e).strip().splitlines()[0] if str(e).strip() else ""
                problems = [f"{type(e).__name__}: {first}"]
                if driver is not None:
                    cb.kill_browser(driver)
                    driver = None
            print(f"{'FAIL' if problems else 'ok  '} {name} ({time.monotonic() - t0:.1f} s)", flush=True)
            for p in problems:
                print(f"     - {p}", flush=True)
            if problems:
                failed[name] = problems
    finally:
        if driver is not None:
            try:
                driver.quit()
            finally:
                cb.kill_browser(driver)
        server.shutdown()
        shutil.rmtree(profile, ignore_errors=True)
    print(f"check-widgets.py: screenshots in {ROOT / 'target' / 'widget-screenshots'}")
    print(f"{len(names) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
