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

    def replace_in(self, relative, old, new):
        """Replaces `old` (which must be there) by `new` in the copy's file `relative`."""
        path = self.tmp / relative
        text = path.read_text(encoding="utf-8")
        self.assertIn(old, text)
        path.write_text(text.replace(old, new), encoding="utf-8")

    def failing_check(self):
        """`po.py check` on the copy, which must fail; its stderr."""
        r = self.po("check")
        self.assertNotEqual(r.returncode, 0)
        return r.stderr

    def test_the_book_as_committed_passes(self):
        r = self.po("check")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_a_changed_sentence_fails_until_translated(self):
        self.replace_in("chapters/glossary.md", "A formula, a name in code and a number is the same in both books.",
                        "A formula and a number are the same in both books.")
        stderr = self.failing_check()
        self.assertIn("without a translation", stderr)
        self.assertIn("chapters/glossary.md:3: The terms of this book", stderr)
        self.assertIn("po/messages.pot is not what the book extracts now", stderr)

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

    def test_a_translation_breaking_the_chinese_conventions_fails(self):
        self.replace_in("po/zh-CN.po", "原笔记写作“协相关”", "原笔记写作「协相关」")
        stderr = self.failing_check()
        self.assertIn("1 translation(s) breaking the Chinese conventions", stderr)
        # The glossary row that translation belongs to, wherever it stands now.
        lines = (self.tmp / "chapters" / "glossary.md").read_text(encoding="utf-8").splitlines()
        row = next(n for n, line in enumerate(lines, 1) if line.startswith("| cross-correlation"))
        self.assertIn(f"chapters/glossary.md:{row}: corner brackets", stderr)

    def test_a_translation_stating_another_number_fails(self):
        self.replace_in("po/zh-CN.po", "三个 epoch 后 73.30%", "三个 epoch 后 50.55%")
        stderr = self.failing_check()
        self.assertIn("1 translation(s) stating other numbers than their English", stderr)
        self.assertIn("translation 0.01, 10.40, 2.30, 50.55, 93.25", stderr)


class ChineseConventions(unittest.TestCase):
    """po.convention_breaches on single translations, breaking and keeping each convention."""

    def breaches(self, text):
        sys.path.insert(0, str(ROOT / "scripts"))
        import po
        return [found for _, found in po.convention_breaches(text)]

    def test_each_breach_is_found(self):
        self.assertEqual(self.breaches("原笔记称 δ 为「误差」"), ["「", "」"])
        self.assertEqual(self.breaches("从上一层传来，向下一层传去"), ["上一层", "下一层"])
        self.assertEqual(self.breaches("正确的是 _输出_ 层，这是 *全* 卷积"), ["_输出_", "*全*"])
        self.assertEqual(self.breaches("_阅读时间：约 25 分钟。你将：_"), ["_阅读时间：约 25 分钟。你将：_"])

    def test_what_keeps_the_conventions_passes(self):
        for text in ("原笔记称 δ 为“误差”", "从后一层传回前一层", "正确的是**输出**层", "**检验**：",
                     "被报告为 _not started_（尚未开始），或 _panicked_（已 panic）",
                     "`$a_{21}\\delta_{11}$` 与 `$W^{l+1}_{21}$` 的和", "`「`" , "a * b 与 c * d 的积"):
            self.assertEqual(self.breaches(text), [], text)


if __name__ == "__main__":
    unittest.main()
