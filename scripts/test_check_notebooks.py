"""scripts/check-notebooks.py on a small notebook pair in a temp folder: it
passes when the .ipynb and its src/*.rs agree and the execution counts are
1, 2, 3... with Out [n] = In [n], and fails on each way they can go wrong;
`jupytext --sync` from either side mends a disagreement. Needs jupytext (the
notebooks' venv); run by the test command:

    .venv-notebooks/bin/python scripts/test_check_notebooks.py
"""

import importlib.util
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("check_notebooks", ROOT / "scripts" / "check-notebooks.py")
check = importlib.util.module_from_spec(spec)
spec.loader.exec_module(check)


def notebook():
    v4 = nbformat.v4
    nb = v4.new_notebook(metadata={"kernelspec": {"display_name": "Rust", "language": "rust", "name": "rust"}})
    nb.cells = [
        v4.new_markdown_cell("# A title\n\nSome prose, with a formula $z = Wa + b$.", id="a-000"),
        v4.new_code_cell(":dep lenet = { path = \"..\", default-features = false }\n:opt 0\nlet x = 1 + 1;\nx", id="a-001",
                         execution_count=1,
                         outputs=[v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1)]),
        v4.new_code_cell("println!(\"took {:?}\", t);", id="a-002", execution_count=2,
                         metadata={"tags": ["nbval-ignore-output"]},
                         outputs=[v4.new_output("stream", name="stdout", text="took 1.2s\n")]),
    ]
    return nb


class CheckNotebooks(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="test-check-notebooks-"))
        shutil.copy(ROOT / "notebooks" / "jupytext.toml", self.dir)
        self.ipynb = self.dir / "1-a.ipynb"
        self.rs = self.dir / "src" / "1-a.rs"
        nbformat.write(notebook(), self.ipynb)
        self.sync(self.ipynb)

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def sync(self, path):
        subprocess.run([sys.executable, "-m", "jupytext", "--quiet", "--sync", str(path)], check=True,
                       stderr=subprocess.DEVNULL)

    def problems(self):
        return check.find_problems(self.dir)

    def edit_rs(self, old, new):
        text = self.rs.read_text(encoding="utf-8")
        self.assertIn(old, text)
        self.rs.write_text(text.replace(old, new, 1), encoding="utf-8")

    def edit_ipynb(self, change):
        nb = nbformat.read(self.ipynb, as_version=4)
        change(nb)
        nbformat.write(nb, self.ipynb)

    def test_a_synced_pair_passes(self):
        self.assertTrue(self.rs.is_file())
        text = self.rs.read_text(encoding="utf-8")
        self.assertIn("// %% [markdown]\n// # A title", text)
        self.assertIn('// %% tags=["nbval-ignore-output"]', text)
        self.assertEqual(self.problems(), [])

    def test_an_edited_rs_fails_until_synced(self):
        self.edit_rs("Some prose", "Other prose")
        self.assertIn("its source differs", "\n".join(self.problems()))
        self.sync(self.rs)
        self.assertEqual(self.problems(), [])
        nb = nbformat.read(self.ipynb, as_version=4)
        self.assertIn("Other prose", nb.cells[0].source)
        self.assertEqual(nb.cells[1].outputs[0]["data"]["text/plain"], "2")  # outputs kept

    def test_an_edited_ipynb_fails_until_synced(self):
        self.edit_ipynb(lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source + " + 1"))
        self.assertIn("its source differs", "\n".join(self.problems()))
        self.sync(self.ipynb)
        self.assertEqual(self.problems(), [])

    def test_a_tag_lost_in_the_rs_fails(self):
        self.edit_rs('// %% tags=["nbval-ignore-output"]', "// %%")
        self.assertIn("its tags differs", "\n".join(self.problems()))

    def test_a_cell_split_in_the_rs_fails(self):
        self.edit_rs("let x = 1 + 1;\n", "let x = 1 + 1;\n\n// %%\n")
        self.assertIn("cell 2 (':dep lenet", "\n".join(self.problems()))

    def test_a_first_cell_without_the_dep_line_fails(self):
        self.edit_ipynb(lambda nb: setattr(nb.cells[1], "source", nb.cells[1].source.split("\n", 1)[1]))
        self.sync(self.ipynb)
        self.assertIn("the first code cell must start with", "\n".join(self.problems()))

    def test_text_jupytext_would_not_write_fails(self):
        # Same cells once read, other text: as written by another jupytext.
        self.edit_rs("jupytext_version: ", "jupytext_version: 0.")
        self.assertIn("is not the text jupytext writes", "\n".join(self.problems()))

    def test_a_missing_rs_fails(self):
        self.rs.unlink()
        self.assertIn("has no text src/1-a.rs", "\n".join(self.problems()))

    def test_an_rs_without_notebook_fails(self):
        self.ipynb.unlink()
        self.assertIn("has no notebook 1-a.ipynb", "\n".join(self.problems()))

    def test_out_n_plus_one_fails(self):
        self.edit_ipynb(lambda nb: nb.cells[1].outputs[0].update(execution_count=2))
        self.assertIn("In [1] but Out [2]", "\n".join(self.problems()))

    def test_counts_out_of_order_fail(self):
        def swap(nb):
            nb.cells[1].execution_count, nb.cells[2].execution_count = 2, 1
            nb.cells[1].outputs[0]["execution_count"] = 2
        self.edit_ipynb(swap)
        self.assertIn("has execution_count 2, not 1", "\n".join(self.problems()))

    def test_an_unexecuted_cell_fails(self):
        self.edit_ipynb(lambda nb: setattr(nb.cells[2], "execution_count", None))
        self.assertIn("has execution_count None, not 2", "\n".join(self.problems()))

    def test_a_tag_that_hides_a_failure_fails(self):
        self.edit_ipynb(lambda nb: nb.cells[1].metadata.update(tags=["raises-exception"]))
        self.sync(self.ipynb)
        self.assertIn("tag(s) ['raises-exception']", "\n".join(self.problems()))

    def with_quote(self, prose, output="accuracy 97.35%, loss 0.0816\n", prose_first=False):
        """The notebook with a cell printing `output` and a prose cell `prose`."""
        v4 = nbformat.v4
        def add(nb):
            code = v4.new_code_cell('println!("…");', id="a-003", execution_count=3,
                                    outputs=[v4.new_output("stream", name="stdout", text=output)])
            text = v4.new_markdown_cell(prose, id="a-004")
            nb.cells += [text, code] if prose_first else [code, text]
            if prose_first:
                nb.cells[-1].execution_count = 3
        self.edit_ipynb(add)
        self.sync(self.ipynb)
        return "\n".join(self.problems())

    def test_prose_quoting_an_output_above_passes(self):
        # Rounded to the prose's decimals; formulas and code are not prose.
        self.assertEqual(self.with_quote("It reaches 97.35% (loss 0.08), $p = 0.123$, `x = 4.56`."), "")

    def test_prose_quoting_a_number_no_output_shows_fails(self):
        problems = self.with_quote("It reaches 97.40% on validation.")
        self.assertIn("quotes 97.40, which no output above it shows", problems)
        self.assertIn("It reaches 97.40% on validation", problems)

    def test_prose_quoting_an_output_below_it_fails(self):
        self.assertIn("quotes 97.35", self.with_quote("It will reach 97.35%.", prose_first=True))

    def test_a_number_rounded_wrongly_fails(self):
        self.assertIn("quotes 0.09", self.with_quote("The loss is 0.09.", output="loss 0.0816\n"))

    def test_a_table_or_figure_counts_as_an_output(self):
        v4 = nbformat.v4
        def add(nb):
            nb.cells.append(v4.new_code_cell("t", id="a-003", execution_count=3, outputs=[v4.new_output(
                "execute_result", {"text/html": "<table><tr><td>91.60%</td></tr></table>",
                                   "image/svg+xml": "<svg><text>1,234.50</text></svg>"}, execution_count=3)]))
            nb.cells.append(v4.new_markdown_cell("From 91.6 to 91.60%, and 1,234.50 in the figure.", id="a-004"))
        self.edit_ipynb(add)
        self.sync(self.ipynb)
        self.assertEqual(self.problems(), [])



if __name__ == "__main__":
    unittest.main()
