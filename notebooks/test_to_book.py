"""Tests of the book preprocessor: python3 -m unittest discover -s notebooks"""

import base64
import tempfile
import unittest
from pathlib import Path

import to_book


class Checks(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.root = Path(self.dir.name)
        (self.root / "src").mkdir()
        (self.root / "src" / "lib.rs").write_text(
            "// ANCHOR: add\npub fn add(a: i32, b: i32) -> i32 { a + b }\n// ANCHOR_END: add\n")
        (self.root / "chapters").mkdir()

    def tearDown(self):
        self.dir.cleanup()

    def check(self, content):
        to_book.check_handwritten(content, "ch.md", self.root / "chapters")

    def test_an_anchored_include_passes(self):
        self.check("Text.\n\n```rust\n{{#include ../src/lib.rs:add}}\n```\n")

    def test_a_rust_block_with_its_own_code_is_refused(self):
        with self.assertRaisesRegex(to_book.BookError, "must only .*'let x = 1;'"):
            self.check("```rust\nlet x = 1;\n```\n")

    def test_other_languages_may_hold_anything(self):
        self.check("```sh\ncargo test\n```\n")

    def test_a_missing_anchor_is_named(self):
        with self.assertRaisesRegex(to_book.BookError, "lib.rs has no 'ANCHOR: sub'"):
            self.check("```rust\n{{#include ../src/lib.rs:sub}}\n```\n")

    def test_a_missing_file_is_named(self):
        with self.assertRaisesRegex(to_book.BookError, "no file .*nothere.rs"):
            self.check("```rust\n{{#include ../src/nothere.rs:add}}\n```\n")


class Links(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.chapters = Path(self.dir.name)
        (self.chapters / "a.md").write_text("# A chapter\n\n## Max pooling, and `rot180`!\n")

    def tearDown(self):
        self.dir.cleanup()

    def test_heading_ids_follow_mdbook(self):
        self.assertEqual(to_book.heading_ids("# A chapter\n## Max pooling, and `rot180`!\n```\n# not a heading\n```\n"),
                         {"a-chapter", "max-pooling-and-rot180"})

    def test_a_link_to_an_existing_heading_passes(self):
        to_book.check_links("see [it](a.md#max-pooling-and-rot180)", "b.md", self.chapters)

    def test_a_link_to_a_missing_heading_is_named(self):
        with self.assertRaisesRegex(to_book.BookError, "a.md#mean-pooling, which has no such heading"):
            to_book.check_links("see [it](a.md#mean-pooling)", "b.md", self.chapters)

    def test_a_link_to_a_missing_chapter_is_named(self):
        with self.assertRaisesRegex(to_book.BookError, "c.md, which is not a chapter"):
            to_book.check_links("see [it](c.md)", "b.md", self.chapters)


class Outputs(unittest.TestCase):
    def test_text_is_fenced_longer_than_its_backticks(self):
        out = to_book.render_output({"output_type": "stream", "name": "stdout", "text": ["a ``` b\n"]})
        self.assertTrue(out.startswith("````text\n") and out.endswith("\n````"), out)

    def test_a_figure_becomes_an_image_of_the_same_svg(self):
        svg = '<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>'
        out = to_book.render_output({"output_type": "display_data", "data": {"image/svg+xml": svg}})
        encoded = out.split("base64,")[1].split('"')[0]
        self.assertEqual(base64.b64decode(encoded).decode(), svg)

    def test_html_loses_its_blank_lines(self):
        out = to_book.render_output(
            {"output_type": "execute_result", "data": {"text/html": "<table>\n\n<tr><td>1</td></tr>\n</table>"}})
        self.assertNotIn("\n\n", out)
        self.assertIn("<tr><td>1</td></tr>", out)

    def test_an_error_output_is_refused(self):
        with self.assertRaises(to_book.BookError):
            to_book.render_output({"output_type": "error", "ename": "E", "evalue": "boom"})

    def test_markdown_keeps_its_math_for_katex(self):
        out = to_book.render_output(
            {"output_type": "display_data", "data": {"text/markdown": ["$$z_{11} = a_{11}w_{11}$$\n"]}})
        self.assertIn("\n\n$$z_{11} = a_{11}w_{11}$$\n\n", out)

    def test_an_output_type_it_cannot_show_is_refused(self):
        with self.assertRaisesRegex(to_book.BookError, "application/x-thing cannot be shown"):
            to_book.render_output({"output_type": "display_data", "data": {"application/x-thing": "?"}})

    def test_a_refused_output_names_notebook_and_cell(self):
        with tempfile.TemporaryDirectory() as d:
            nb = {"cells": [{"cell_type": "markdown", "source": "# T"},
                            {"cell_type": "code", "source": "x", "execution_count": 1,
                             "outputs": [{"output_type": "display_data", "data": {"video/mp4": ""}}]}]}
            (Path(d) / "9-x.ipynb").write_text(__import__("json").dumps(nb))
            saved, to_book.NOTEBOOKS = to_book.NOTEBOOKS, Path(d)
            try:
                with self.assertRaisesRegex(to_book.BookError, "9-x.ipynb: code cell 2: an output of type video/mp4"):
                    to_book.notebook_markdown("9-x")
            finally:
                to_book.NOTEBOOKS = saved


if __name__ == "__main__":
    unittest.main()
