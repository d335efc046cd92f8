"""scripts/po.py on a copy of the book: a changed English sentence fails
`check` until its translation follows. Needs mdbook and mdbook-i18n-helpers
(scripts/setup-book.sh); run by the test command after the book is built:

    python3 scripts/test_po.py
"""

import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COPY = ["book.toml", "chapters", "notebooks", "po", "scripts", "theme", "src", "lenet-core", "tests", "course"]


class ChangedEnglish(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="test-po-"))
        for name in COPY:
            src = ROOT / name
            if src.is_dir():
                shutil.copytree(src, self.tmp / name, ignore=shutil.ignore_patterns("katex", "pkg"))
            elif src.exists():
                shutil.copy(src, self.tmp / name)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def po(self, command):
        return subprocess.run([sys.executable, "scripts/po.py", command], cwd=self.tmp,
                              capture_output=True, text=True, timeout=300)

    def test_the_book_as_committed_passes(self):
        r = self.po("check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_changed_sentence_fails_until_translated(self):
        intro = self.tmp / "chapters" / "glossary.md"
        text = intro.read_text(encoding="utf-8")
        old = "A formula, a name in code and a number is the same in both books."
        self.assertIn(old, text)
        intro.write_text(text.replace(old, "A formula and a number are the same in both books."), encoding="utf-8")

        r = self.po("check")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("without a translation", r.stderr)
        self.assertIn("chapters/glossary.md:3: The terms of this book", r.stderr)
        self.assertIn("po/messages.pot is not what the book extracts now", r.stderr)

        # `update` carries the old translation over as fuzzy: still failing.
        r = self.po("update")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.po("check")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("marked fuzzy", r.stderr)

        # A translator confirms it (drops the fuzzy flag): passing again.
        po = self.tmp / "po" / "zh-CN.po"
        po.write_text(po.read_text(encoding="utf-8").replace("#, fuzzy\n", ""), encoding="utf-8")
        r = self.po("check")
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
