"""Tests of the book's checks in scripts/ (the parts that need no browser):
python3 -m unittest discover -s notebooks

scripts/check-book-outputs.py must miss no output a notebook committed, and
scripts/check-book.py must measure the text of an SVG figure as the browser
shows it. (scripts/check-book.py tests its browser checks itself, on a page
it breaks on purpose, each time it runs.)
"""

import base64
import importlib.util
import json
import sys
import tempfile
import unittest
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent.parent / "scripts"


def load(name):
    spec = importlib.util.spec_from_file_location(name.replace("-", "_"), SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


outputs = load("check-book-outputs")
sys.path.insert(0, str(SCRIPTS))
from book_checks import svg_text as browser  # noqa: E402  (check-book.py's SVG text measure)

SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="100" viewBox="0 0 400 100"><text font-size="12">a</text></svg>'
FORMULA = "$$\\begin{aligned}\nz_{11} &= a_{11} w_{11}\n\\end{aligned}$$"
NOTEBOOK = {"cells": [
    {"cell_type": "markdown", "source": "# A chapter"},
    {"cell_type": "code", "execution_count": 1, "source": "x", "outputs": [
        {"output_type": "stream", "name": "stdout", "text": ["loss  0.25\n", "done\n"]}]},
    {"cell_type": "code", "execution_count": 2, "source": "m", "outputs": [
        {"output_type": "execute_result", "data": {"text/html": "<table><tr><td>1</td><td>2</td></tr></table>",
                                                   "text/plain": "[1, 2]"}}]},
    {"cell_type": "code", "execution_count": 3, "source": "f", "outputs": [
        {"output_type": "execute_result", "data": {"text/markdown": FORMULA}}]},
    {"cell_type": "code", "execution_count": 4, "source": "p", "outputs": [
        {"output_type": "display_data", "data": {"image/svg+xml": SVG}}]},
    {"cell_type": "code", "execution_count": 5, "source": "y", "outputs": [
        {"output_type": "execute_result", "data": {"text/plain": "3 < 4 & 5"}}]},
]}

STREAM = '<pre><code class="language-text">loss  0.25\ndone</code></pre>'
TABLE = '<div class="nb-output">\n<table><tr><td>1</td><td>2</td></tr></table>\n</div>'
MARKDOWN = ('<div class="nb-output nb-markdown"><p><data class="katex-src" value="\\begin{aligned}&#10;z_{11} &= '
            'a_{11} w_{11}&#10;\\end{aligned}"><span class="katex-display">z11=a11w11</span></data></p></div>')
FIGURE = ('<div class="nb-output"><img class="nb-figure" src="data:image/svg+xml;base64,'
          + base64.b64encode(SVG.encode()).decode() + '"></div>')
PLAIN = '<pre><code class="language-text">3 &lt; 4 &amp; 5</code></pre>'
ALL = [STREAM, TABLE, MARKDOWN, FIGURE, PLAIN]


class Outputs(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.nb = Path(self.dir.name) / "1-a.ipynb"
        self.nb.write_text(json.dumps(NOTEBOOK))

    def tearDown(self):
        self.dir.cleanup()

    def problems(self, parts):
        html = "<html><body><main><h1>A chapter</h1><pre><code>x</code></pre>" + "\n".join(parts) + "</main></body></html>"
        blocks, main = outputs.blocks_of(html)
        count, figures, problems = outputs.check_notebook(self.nb, Path("a.html"), blocks, outputs.Block(main).tex)
        self.assertEqual((count, figures), (5, 1))
        return problems

    def test_every_output_shown_passes(self):
        self.assertEqual(self.problems(ALL), [])

    def test_each_missing_output_is_named(self):
        for i, what in enumerate(["cell 2, output 1 (text/plain)", "cell 3, output 1 (text/html)",
                                  "cell 4, output 1 (text/markdown)", "cell 5, output 1 (image/svg+xml)",
                                  "cell 6, output 1 (text/plain)"]):
            with self.subTest(dropped=what):
                problems = self.problems(ALL[:i] + ALL[i + 1:])
                self.assertEqual(len(problems), 1, problems)
                self.assertIn(what, problems[0])

    def test_markdown_shown_as_its_plain_text_fails(self):
        problems = self.problems([STREAM, TABLE, '<pre><code class="language-text">' + FORMULA + "</code></pre>", FIGURE, PLAIN])
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("(text/markdown)", problems[0])

    def test_a_formula_in_the_prose_does_not_stand_in_for_the_output(self):
        prose = MARKDOWN.replace('<div class="nb-output nb-markdown">', "<div>")
        problems = self.problems([STREAM, TABLE, prose, FIGURE, PLAIN])
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("in no output block", problems[0])

    def test_math_without_its_tex_says_what_to_set(self):
        problems = self.problems([STREAM, TABLE, '<div class="nb-output nb-markdown"><span class="katex">z</span></div>',
                                  FIGURE, PLAIN])
        self.assertIn("include-src = true", problems[0])

    def test_a_changed_table_cell_fails(self):
        problems = self.problems([STREAM, TABLE.replace("<td>2</td>", "<td>3</td>"), MARKDOWN, FIGURE, PLAIN])
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("no table with the cells 1 | 2", problems[0])

    def test_another_figure_does_not_count(self):
        other = FIGURE.replace(base64.b64encode(SVG.encode()).decode(),
                               base64.b64encode(SVG.replace(">a<", ">b<").encode()).decode())
        problems = self.problems([STREAM, TABLE, MARKDOWN, other, PLAIN])
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("(image/svg+xml)", problems[0])

    def test_outputs_out_of_order_fail(self):
        self.assertEqual(len(self.problems([PLAIN, STREAM, TABLE, MARKDOWN, FIGURE])), 1)

    def test_stream_outputs_may_share_a_block(self):
        nb = {"cells": [{"cell_type": "code", "execution_count": 1, "source": "x", "outputs": [
            {"output_type": "stream", "name": "stdout", "text": "a\n"},
            {"output_type": "stream", "name": "stdout", "text": "b\n"}]}]}
        self.nb.write_text(json.dumps(nb))
        blocks, _ = outputs.blocks_of('<main><pre><code>a\nb</code></pre></main>')
        self.assertEqual(outputs.check_notebook(self.nb, Path("a.html"), blocks, [])[2], [])
        blocks, _ = outputs.blocks_of('<main><pre><code>b\na</code></pre></main>')
        self.assertEqual(len(outputs.check_notebook(self.nb, Path("a.html"), blocks, [])[2]), 1)


def svg_image(svg, width, height, index=1):
    return {"index": index, "src": "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode(),
            "figure": True, "width": width, "height": height, "naturalWidth": 0, "naturalHeight": 0}


class SvgText(unittest.TestCase):
    def test_font_sizes_in_px_pt_em_and_style_inherit(self):
        import xml.etree.ElementTree as ET
        root = ET.fromstring('<svg xmlns="http://www.w3.org/2000/svg"><g font-size="20">'
                             '<text>a</text><text font-size="0.5em">b</text>'
                             '<text style="fill:red; font-size: 9pt">c</text><text><tspan font-size="7">d</tspan>f</text>'
                             '</g><text>e</text></svg>')
        self.assertEqual(browser.svg_texts(root), [(20, "a"), (10, "b"), (12, "c"), (7, "d"), (20, "f"), (16, "e")])

    def test_text_is_measured_at_the_scale_it_is_shown(self):
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="1390" height="350" viewBox="0 0 1390 350"><text font-size="16">conv1</text></svg>'
        problems, smallest = browser.check_svg_text([svg_image(svg, 1390, 350)], "http://127.0.0.1:1/")
        self.assertEqual((problems, smallest), ([], 16))
        problems, smallest = browser.check_svg_text([svg_image(svg, 721, 350 * 721 / 1390)], "http://127.0.0.1:1/")
        self.assertAlmostEqual(smallest, 16 * 721 / 1390, places=3)
        self.assertEqual(len(problems), 1)
        self.assertIn("figure 1: SVG text rendered below 11 px: 1 of 1 texts (e.g. 'conv1')", problems[0])

    def test_the_viewbox_not_the_width_sets_the_user_units(self):
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="100" viewBox="0 0 1200 200"><text font-size="20">x</text></svg>'
        self.assertEqual(browser.check_svg_text([svg_image(svg, 600, 100)], "")[1], 10)

    def test_an_image_not_shown_or_without_text_is_left_alone(self):
        svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><text font-size="1">x</text></svg>'
        self.assertEqual(browser.check_svg_text([svg_image(svg, 0, 0)], ""), ([], None))
        png = {"index": 1, "src": "data:image/png;base64,AAAA", "figure": True, "width": 10, "height": 10}
        self.assertEqual(browser.check_svg_text([png], ""), ([], None))


if __name__ == "__main__":
    unittest.main()
