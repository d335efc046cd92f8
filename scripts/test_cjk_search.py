"""scripts/cjk_search.py on small search indexes in mdBook 0.5's format: the
Han tokens it adds, what it leaves alone, and the index formats it refuses.
Standard library only; run by the test command next to the book's other tests:

    python3 scripts/test_cjk_search.py
"""

import copy
import json
import math
import re
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cjk_search  # noqa: E402
from cjk_search import IndexFormatError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def node(docs=None, **children):
    """A trie node of elasticlunr's inverted index."""
    n = {"docs": docs or {}, "df": len(docs or {})}
    n.update(children)
    return n


def sample():
    """An index as mdBook writes it: an English section whose tokens are "relu"
    (twice) and "it's", and a Chinese one with no token at all (its text is
    only in the document store), the way mdBook leaves Chinese."""
    docs = {
        "0": {"id": "0", "title": "ReLU", "breadcrumbs": "Pooling » ReLU",
              "body": "relu it's relu \\ done"},
        "1": {"id": "1", "title": "卷积层", "breadcrumbs": "卷积 » 卷积层",
              "body": "卷积的反向传播是全卷积。LeNet的卷积 x 核"},
    }
    relu = node({"0": {"tf": math.sqrt(2)}})
    body = node(r=node(e=node(l=node(u=relu))),
                i=node(t=node({"'": node(s=node({"0": {"tf": 1.0}}))})))
    return {
        "doc_urls": ["a.html#relu", "b.html#conv"],
        "index": {
            "documentStore": {"docInfo": {"0": {"body": 3, "breadcrumbs": 0, "title": 1},
                                          "1": {"body": 1, "breadcrumbs": 0, "title": 0}},
                              "docs": docs, "length": 2, "save": True},
            "fields": ["title", "body", "breadcrumbs"],
            "index": {"body": {"root": body},
                      "breadcrumbs": {"root": node()},
                      "title": {"root": node(r=node(e=node(l=node(u=node({"0": {"tf": 1.0}})))))}},
            "lang": "English", "pipeline": ["trimmer", "stopWordFilter", "stemmer"],
            "ref": "id", "version": "0.9.5"},
        "results_options": {"limit_results": 30, "teaser_word_count": 30},
        "search_options": {"bool": "OR", "expand": True, "fields": {
            "body": {"boost": 1}, "breadcrumbs": {"boost": 0}, "title": {"boost": 2}}},
    }


def as_js(data):
    return cjk_search.PREFIX + cjk_search.escape_js(cjk_search.dump(data)) + cjk_search.SUFFIX


def postings(root, token):
    n = root
    for ch in token:
        n = n.get(ch)
        if n is None:
            return None
    return n["docs"], n["df"]


class HanTokens(unittest.TestCase):
    def test_a_run_gives_its_pairs_and_its_last_character(self):
        self.assertEqual(cjk_search.han_tokens("反向传播"), ["反向", "向传", "传播", "播"])

    def test_one_character_is_itself(self):
        self.assertEqual(cjk_search.han_tokens("第 l 层"), ["第", "层"])

    def test_latin_digits_and_punctuation_end_a_run(self):
        self.assertEqual(cjk_search.han_tokens("LeNet的卷积，rot180池化"),
                         ["的卷", "卷积", "积", "池化", "化"])

    def test_text_without_han_has_none(self):
        self.assertEqual(cjk_search.han_tokens("rot180 of δ, “quoted” — 1,000"), [])


class Process(unittest.TestCase):
    def setUp(self):
        self.before = sample()
        js, self.added = cjk_search.process(as_js(self.before))
        self.assertTrue(js.startswith(cjk_search.PREFIX) and js.endswith(cjk_search.SUFFIX))
        self.after = json.loads(cjk_search.unescape_js(js[len(cjk_search.PREFIX):-len(cjk_search.SUFFIX)]))
        self.ix = self.after["index"]

    def test_a_pair_is_posted_with_the_square_root_of_its_count(self):
        # 卷积 three times in the body of section 1, nowhere in section 0.
        docs, df = postings(self.ix["index"]["body_han"]["root"], "卷积")
        self.assertEqual(docs, {"1": {"tf": math.sqrt(3)}})
        self.assertEqual(df, 1)
        docs, _ = postings(self.ix["index"]["title_han"]["root"], "积层")
        self.assertEqual(docs, {"1": {"tf": 1.0}})
        docs, _ = postings(self.ix["index"]["breadcrumbs_han"]["root"], "卷积")
        self.assertEqual(docs, {"1": {"tf": math.sqrt(2)}})

    def test_every_character_of_a_run_starts_a_token(self):
        root = self.ix["index"]["body_han"]["root"]
        for ch in "卷积的反向传播是全卷积核":
            self.assertIn(ch, root, ch)
        self.assertEqual(postings(root, "积")[0], {"1": {"tf": math.sqrt(2)}})  # ends 全卷积 and LeNet的卷积
        self.assertEqual(postings(root, "核")[0], {"1": {"tf": 1.0}})

    def test_the_han_fields_are_fields_like_mdbooks(self):
        self.assertEqual(self.ix["fields"], ["title", "body", "breadcrumbs",
                                             "body_han", "breadcrumbs_han", "title_han"])
        self.assertEqual(self.after["search_options"]["fields"],
                         {"body": {"boost": 1}, "body_han": {"boost": 1}, "title": {"boost": 2},
                          "title_han": {"boost": 2}, "breadcrumbs": {"boost": 0},
                          "breadcrumbs_han": {"boost": 0}})
        info = self.ix["documentStore"]["docInfo"]
        body = self.before["index"]["documentStore"]["docs"]["1"]["body"]
        self.assertEqual(info["1"]["body_han"], len(cjk_search.han_tokens(body)))
        self.assertEqual(info["1"]["title_han"], 3)  # 卷积, 积层, 层
        self.assertEqual(info["0"]["body_han"], 0)
        self.assertEqual(self.ix["index"]["title_han"]["root"]["卷"]["df"], 0)  # only a prefix
        self.assertEqual(self.added, len({t for d in self.before["index"]["documentStore"]["docs"].values()
                                          for f in ("title", "body", "breadcrumbs")
                                          for t in cjk_search.han_tokens(d[f])}))

    def test_everything_mdbook_wrote_is_unchanged(self):
        # The processed index without the Han fields is the index as it was.
        stripped = copy.deepcopy(self.after)
        for field in ("title", "body", "breadcrumbs"):
            del stripped["index"]["index"][field + "_han"]
            del stripped["search_options"]["fields"][field + "_han"]
            for info in stripped["index"]["documentStore"]["docInfo"].values():
                del info[field + "_han"]
        stripped["index"]["fields"] = stripped["index"]["fields"][:3]
        self.assertEqual(stripped, self.before)

    def test_quotes_and_backslashes_survive_the_javascript_string(self):
        self.assertEqual(self.ix["documentStore"]["docs"]["0"]["body"], "relu it's relu \\ done")

    def test_a_second_run_is_refused(self):
        with self.assertRaisesRegex(IndexFormatError, "already processed"):
            cjk_search.process(as_js(self.after))


class Refused(unittest.TestCase):
    def refused(self, data_or_js, message):
        js = data_or_js if isinstance(data_or_js, str) else as_js(data_or_js)
        with self.assertRaisesRegex(IndexFormatError, message):
            cjk_search.process(js)

    def changed(self, edit):
        data = sample()
        edit(data)
        return data

    def test_another_wrapper(self):
        self.refused("window.search = " + cjk_search.dump(sample()) + ";", "not `window.search = Object.assign")
        self.refused(as_js(sample()).replace("JSON.parse('", "JSON.parse(\""), "not `window.search")

    def test_an_escape_mdbook_does_not_write(self):
        self.refused(as_js(sample()).replace("ReLU", "Re\\nLU"), "an escape mdBook does not write")

    def test_json_that_does_not_parse(self):
        self.refused(as_js(sample())[:-10] + cjk_search.SUFFIX, "does not parse")

    def test_json_written_differently(self):
        js = as_js(sample())
        self.refused(js.replace('"doc_urls":', '"doc_urls": '), "not the same text")

    def test_another_elasticlunr(self):
        self.refused(self.changed(lambda d: d["index"].update(version="0.9.6")), "elasticlunr version '0.9.6'")
        self.refused(self.changed(lambda d: d["index"].update(pipeline=["trimmer", "stemmer"])), "pipeline")
        self.refused(self.changed(lambda d: d["index"].update(fields=["title", "body"])), "fields")

    def test_no_text_to_index(self):
        self.refused(self.changed(lambda d: d["index"]["documentStore"].update(save=False)), "save: true")
        self.refused(self.changed(lambda d: d["index"]["documentStore"]["docs"]["1"].pop("body")),
                     "doc '1' lacks a text field")
        self.refused(self.changed(lambda d: d["index"]["documentStore"]["docInfo"].pop("0")),
                     "docInfo of '0'")

    def test_a_trie_node_of_another_shape(self):
        self.refused(self.changed(lambda d: d["index"]["index"]["body"]["root"]["r"].update(df=5)),
                     r"at 'r': df 5 but 0 docs")
        self.refused(self.changed(lambda d: d["index"]["index"]["title"]["root"].update(re=node())),
                     "a child 're' that is not one character")

    def test_search_options_without_a_boost_per_field(self):
        self.refused(self.changed(lambda d: d["search_options"]["fields"].pop("title")), "search_options.fields")


class CommandLine(unittest.TestCase):
    def run_on(self, files):
        with tempfile.TemporaryDirectory() as tmp:
            for name, text in files.items():
                (Path(tmp) / name).write_text(text, encoding="utf-8")
            r = subprocess.run([sys.executable, str(ROOT / "scripts" / "cjk_search.py"), tmp],
                               capture_output=True, text=True, timeout=60)
            out = {p.name: p.read_text(encoding="utf-8") for p in Path(tmp).iterdir()}
        return r, out

    def test_processes_the_book_folder_in_place(self):
        r, out = self.run_on({"searchindex-12345678.js": as_js(sample())})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"searchindex-12345678\.js: \d+ Han tokens added, [\d,]+ -> [\d,]+ bytes")
        self.assertIn('"卷":{', out["searchindex-12345678.js"])

    def test_a_book_without_an_index_fails_clearly(self):
        r, _ = self.run_on({"index.html": "<html></html>"})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expected one searchindex*.js", r.stderr)

    def test_an_unexpected_index_fails_clearly_and_is_left_alone(self):
        bad = as_js(sample()).replace('"version":"0.9.5"', '"version":"1.0.0"')
        r, out = self.run_on({"searchindex.js": bad})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("search index not as expected: elasticlunr version '1.0.0'", r.stderr)
        self.assertEqual(out["searchindex.js"], bad)


class SameCharacters(unittest.TestCase):
    def test_the_browser_splits_queries_on_the_same_class(self):
        js = (ROOT / "theme" / "cjk-search.js").read_text(encoding="utf-8")
        classes = re.findall(r"\[(\\u[^\]]*)\]", js)
        self.assertTrue(classes, "no character class in theme/cjk-search.js")
        for c in classes:
            self.assertEqual(c, cjk_search.HAN_CLASS, "theme/cjk-search.js and scripts/cjk_search.py "
                             "must split Han text on the same characters")


if __name__ == "__main__":
    unittest.main()
