#!/usr/bin/env python3
"""How long `lenet course grade` takes: the first submission (which builds
lenet-course-api, lenet-core, ndarray and serde into a cold target folder)
and each further one (its own crate only, the rest shared). Prints numbers;
asserts nothing.

    python3 scripts/bench-grade.py [--students N] [--lenet PATH_TO_BINARY]

The submissions are the starter with every stub answered right
(tests/course/solution.rs), so grading runs every exercise to the end.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bodies():
    """Each exercise's answer, from tests/course/solution.rs."""
    text = open(os.path.join(ROOT, "tests/course/solution.rs"), encoding="utf-8").read()
    found = dict(re.findall(r'"(\w+)" => \{?\s*"([^"]*)"', text))
    found["lenet_backward"] = re.search(r'const ASSEMBLED: &str = "(.*?)";\n', text, re.S).group(1)
    return found


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=4)
    ap.add_argument("--lenet", default=None, help="the lenet binary [default: target/release/lenet, built first]")
    args = ap.parse_args()
    lenet = args.lenet
    if lenet is None:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        lenet = os.path.join(ROOT, "target/release/lenet")
    answers = bodies()
    with tempfile.TemporaryDirectory(prefix="bench-grade-") as tmp:
        class_dir = os.path.join(tmp, "class")
        for k in range(args.students):
            dir = os.path.join(class_dir, f"student{k + 1:02}")
            subprocess.run([lenet, "course", "new", dir], check=True, stdout=subprocess.DEVNULL)
            for name in os.listdir(os.path.join(dir, "src")):
                path = os.path.join(dir, "src", name)
                text = open(path, encoding="utf-8").read()
                for exercise, body in answers.items():
                    text = text.replace(f'todo!("{exercise}")', body)
                open(path, "w", encoding="utf-8").write(text)
        out = os.path.join(tmp, "grades")
        start = time.monotonic()
        run = subprocess.run(
            [lenet, "course", "grade", class_dir, "--out", out, "--seed", "1"],
            capture_output=True,
            text=True,
        )
        total = time.monotonic() - start
        if run.returncode != 0:
            sys.exit(f"lenet course grade failed:\n{run.stdout}\n{run.stderr}")
        times = [float(m) for m in re.findall(r"^student\d+: \d+ of 14 \(([\d.]+) s\)$", run.stdout, re.M)]
        print(run.stdout, end="")
        print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
        print(f"first submission (cold target folder): {times[0]:.1f} s")
        for k, t in enumerate(times[1:], start=2):
            print(f"submission {k}: {t:.1f} s")
        if len(times) > 1:
            print(f"each further submission, mean: {sum(times[1:]) / len(times[1:]):.1f} s")
        print(f"whole run: {total:.1f} s")


if __name__ == "__main__":
    main()
