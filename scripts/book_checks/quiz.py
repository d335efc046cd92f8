"""Each chapter's "Check your understanding" (scripts/check-book.py runs it on
QUIZ_CHAPTERS in both books), and the broken copies its self-test must catch."""

import base64
import re

from book_checks import HAN

# ------------------------------------------------- check your understanding

# Chapters 1-7, 2.1 and 6.1 end in a section "Check your understanding" (its heading's id
# below, the same in both books): 4 to 8 questions, each a <details
# class="quiz"> whose <summary> is the question and whose other children are
# the answer, which the browser keeps hidden until the reader opens it.
QUIZ_CHAPTERS = {"fully-connected.html", "convolution.html", "convolution-stride.html", "pooling-relu.html", "gradient-checks.html",
                 "lenet-by-hand.html", "training-lenet.html", "training-well.html", "mirror-images.html",
                 "your-turn.html"}
QUIZ_ID = "check-your-understanding"
QUIZ_MIN, QUIZ_MAX = 4, 8

# The section's questions: the details.quiz after its heading and before the
# next heading of the same or a higher level.
SECTION_JS = r"""
const heading = document.getElementById(arguments[0]);
const all = Array.from(document.querySelectorAll('main details.quiz'));
let inside = [];
if (heading) {
  const level = Number(heading.tagName.slice(1)) || 2;
  const follows = (a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
  const next = Array.from(document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6'))
    .find(h => follows(heading, h) && Number(h.tagName.slice(1)) <= level);
  inside = all.filter(d => follows(heading, d) && !(next && follows(next, d)));
}
"""
# Each question's text, and whether its answer (every child but the <summary>)
# shows: the details open, and some answer element rendered, with its text.
QUIZ_JS = SECTION_JS + r"""
const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
return {heading: !!heading, outside: all.length - inside.length, questions: inside.map(d => {
  const summary = d.querySelector(':scope > summary');
  const answer = Array.from(d.children).filter(c => c !== summary);
  return {open: d.open,
          question: summary && shown(summary) ? summary.innerText.trim() : '',
          answerShown: answer.filter(shown).map(c => c.innerText).join(' ').trim(),
          answerText: answer.map(c => c.textContent).join(' ').trim()};
})};
"""
SUMMARY_JS = SECTION_JS + "return inside[arguments[1]].querySelector(':scope > summary');"
# The section's box in the page, scrolled to the top first: the menu bar and
# the sidebar are fixed to the window, so they stay up there, out of the box.
BOX_JS = SECTION_JS + r"""
window.scrollTo(0, 0);
const column = (document.querySelector('main') || document.body).getBoundingClientRect();
const top = heading.getBoundingClientRect().top + window.scrollY;
const bottom = inside.length ? inside[inside.length - 1].getBoundingClientRect().bottom + window.scrollY : top;
return [column.left, top, column.width, bottom - top];
"""


def check_quiz(driver, chinese, shot=None):
    """(problems, number of questions) of the "Check your understanding"
    section of the page the browser shows: 4 to 8 questions, each answer
    hidden until the reader clicks its question and then shown with text; in
    the Chinese book, questions and answers in Chinese. The answers are left
    open, and with `shot` the section is photographed so."""
    from widget_checks import WidgetError, poll

    info = driver.execute_script(QUIZ_JS, QUIZ_ID)
    if not info["heading"]:
        return [f"no section #{QUIZ_ID} (\"Check your understanding\") at the end of the chapter"], 0
    problems = []
    questions = info["questions"]
    if not QUIZ_MIN <= len(questions) <= QUIZ_MAX:
        problems.append(f"#{QUIZ_ID} has {len(questions)} questions (details.quiz), expected {QUIZ_MIN} to {QUIZ_MAX}")
    if info["outside"]:
        problems.append(f"{info['outside']} questions (details.quiz) outside the section #{QUIZ_ID}")
    for i, q in enumerate(questions, 1):
        if not q["question"]:
            problems.append(f"question {i}: no visible question (its <summary>)")
        if q["open"] or q["answerShown"]:
            problems.append(f"question {i}: the answer is visible before the reader clicks: {q['answerShown'][:60]!r}")
        if not q["answerText"]:
            problems.append(f"question {i}: no answer")
        if chinese and not (HAN.search(q["question"]) and HAN.search(q["answerText"])):
            problems.append(f"question {i}: no Chinese in the question or the answer of the Chinese book: "
                            f"{q['question'][:40]!r} / {q['answerText'][:40]!r}")
    for i, q in enumerate(questions):
        if not q["question"] or q["open"]:
            continue  # reported above; a click would close an open one
        summary = driver.execute_script(SUMMARY_JS, QUIZ_ID, i)
        # The reader's click, with the question in the middle of the window (clear of the menu bar).
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", summary)
        summary.click()

        def revealed(i=i):
            s = driver.execute_script(QUIZ_JS, QUIZ_ID)["questions"][i]
            return bool(s["open"] and s["answerShown"]), s
        try:
            poll(lambda last, i=i: f"question {i + 1}: the answer is not shown after a click on the question "
                                   f"(last seen: {last})", revealed, timeout=5)
        except WidgetError as e:
            problems.append(str(e))
    if shot is not None and questions:
        x, y, width, height = driver.execute_script(BOX_JS, QUIZ_ID)
        margin = 20
        data = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True, "fromSurface": True,
            "clip": {"x": max(0, x - margin), "y": max(0, y - margin), "width": width + 2 * margin,
                     "height": height + 2 * margin, "scale": 1}})
        shot.write_bytes(base64.b64decode(data["data"]))
    return problems, len(questions)


QUIZ_SELF_TEST_PAGE = "fully-connected.html"


def _quiz_keep(page, n):
    """The page with only its first n questions (the others no longer details.quiz)."""
    count = iter(range(10 ** 6))
    return re.sub(r'<details class="quiz">',
                  lambda m: m.group(0) if next(count) < n else '<details class="no-quiz">', page)


QUIZ_DEFECTS = [
    ("a chapter without the quiz section",
     lambda page: re.sub(r'<h2 id="check-your-understanding".*?</main>', "</main>", page, flags=re.S),
     False, r"^no section #check-your-understanding"),
    ("a quiz of 3 questions", lambda page: _quiz_keep(page, 3), False,
     r"^#check-your-understanding has 3 questions"),
    ("an answer visible before the click",
     lambda page: page.replace('<details class="quiz">', '<details class="quiz" open>', 1), False,
     r"^question 1: the answer is visible before the reader clicks"),
    ("an answer that a click does not show",
     lambda page: page.replace("</head>", "<style>details.quiz > p { display: none; }</style></head>", 1),
     False, r"^question 1: the answer is not shown after a click"),
    ("an English quiz in the Chinese book", lambda page: page, True,
     r"^question 1: no Chinese in the question or the answer"),
]
