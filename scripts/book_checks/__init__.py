"""The checks scripts/check-book.py runs besides its per-page ones: the
search box (search.py), each chapter's questions (quiz.py), the size of
figures' SVG text (svg_text.py), links and anchors (links.py), and the
Chinese book's language and fonts (language.py)."""

import re

# Chinese characters: CJK punctuation, ideographs and full-width forms.
HAN = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
