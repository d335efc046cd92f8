"""Unit tests of notebooks/math_shield.py: formulas cross gettext as code spans."""

import unittest

from math_shield import formula_code_spans, shield, unshield


class Shield(unittest.TestCase):
    def test_inline_and_display_math_become_code_spans(self):
        self.assertEqual(shield("a $x_1$ b"), "a `$x_1$` b")
        self.assertEqual(shield("$$\n\\delta^l = \\partial C\n$$"), "`$$ \\delta^l = \\partial C $$`")

    def test_inline_math_over_two_lines_of_a_paragraph(self):
        self.assertEqual(shield("of $a$:\n$z_{11} = a\n= 37$."), "of `$a$`:\n`$z_{11} = a = 37$`.")

    def test_code_and_dollar_signs_are_left_alone(self):
        text = "cost \\$5, `let s = \"$x$\";` and\n```rust\nlet t = \"$y$\";\n```\n"
        self.assertEqual(shield(text), text)

    def test_unshield_undoes_shield(self):
        text = "a $x_1 \\, y$ and $$\\frac{1}{2}$$ but `code`"
        self.assertEqual(unshield(shield(text)), "a $x_1 \\, y$ and $$\\frac{1}{2}$$ but `code`")

    def test_unshield_gives_a_callout_marker_its_line_back(self):
        # What gettext writes for "> [!NOTE]\n> **Title.** text": one line,
        # brackets escaped. mdBook needs the marker alone on the first line.
        joined = "Before.\n\n> \\[!NOTE\\] **要点。** 正文 `$x$`\n\n>> \\[!TIP\\] **Try it.** y\n"
        self.assertEqual(
            unshield(joined),
            "Before.\n\n> [!NOTE]\n> **要点。** 正文 $x$\n\n>> [!TIP]\n>> **Try it.** y\n",
        )
        # gettext also opens the quote with an empty quote line; it goes.
        self.assertEqual(unshield("a\n\n > \n > \\[!NOTE\\] **T.** x\n > \n > - y\n"),
                         "a\n\n > [!NOTE]\n > **T.** x\n > \n > - y\n")
        # A marker already on its own line, and one in running text, stay.
        for kept in ["> [!NOTE]\n> **Title.** text\n", "See [!NOTE] in the middle of a line.\n"]:
            self.assertEqual(unshield(kept), kept)

    def test_a_backtick_in_a_formula(self):
        self.assertEqual(unshield(shield("$a`b$")), "$a`b$")

    def test_formula_code_spans_finds_what_unshield_would_change(self):
        self.assertEqual(formula_code_spans("see `$x$` and `y`"), ["`$x$`"])
        self.assertEqual(formula_code_spans("```\n`$x$`\n```\n"), [])


if __name__ == "__main__":
    unittest.main()
