"""Question detectors, one per page layout: numbered, Q/A, headings, expanders, tables, quotes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from archprep.importers.document import Line

QUESTION_WORDS = frozenset(
    """what why how when where which who whom whose is are was were can could should would do
    does did will have has may might shall explain describe compare contrast define design
    discuss outline list name give walk tell implement build write derive estimate calculate
    illustrate differentiate distinguish summarize summarise propose suppose imagine evaluate
    justify talk share architect debug troubleshoot diagnose identify elaborate sketch present
    recommend plan choose assess analyse analyze critique""".split()
)
# "1." numbers an item, "0.25" is a figure: a dot followed by a digit is never numbering.
NUMBERING = re.compile(
    r"^\s*(?:(?:Q(?:uestion)?\.?\s*)?\d{1,3}\s*(?:[.):\]](?!\d)|\s[-–—])\s*|Q(?:uestion)?\s*[:：.)\-–—]\s*"
    r"|\(\d{1,3}\)\s*|\d{1,3}(?=[A-Z\"“‘'(]))"
)
MARKER_GLYPHS = "▼▾▽▿⌄˅⌵▸▶►▹⊕⊞"
EXPANDER_WORDS = (
    r"(?:\(?(?:click\s+to\s+)?expand\)?|(?:show|reveal|view|see|read)\s+(?:the\s+)?(?:answer|more)"
    r"|toggle(?:\s+answer)?)"
)
EXPANDER_TAIL = re.compile(
    rf"(?:\s*[{MARKER_GLYPHS}]+|(?<=[?.)\"”])\s*(?:{EXPANDER_WORDS}|[+›−])|\s+[+›−])\s*$",
    re.IGNORECASE,
)
EXPANDER_ONLY = re.compile(rf"^\s*(?:[{MARKER_GLYPHS}+›−]+|{EXPANDER_WORDS})\s*$", re.IGNORECASE)
# Full-width colons ("Q：") are how Japanese and Chinese text writes these prefixes.
QA_QUESTION = re.compile(
    r"^\s*(?:Q|Question)\s*(?:\d{1,3})?\s*(?:[:：.)]|[-–—](?=\s))\s*(?P<q>\S.*?)"
    r"(?:\s+(?-i:A|Ans|Answer)\s*[:：]\s*(?P<a>\S.*))?$",
    re.IGNORECASE,
)
ANSWER_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:A|Ans|Answer)\s*\d{0,3}\s*[:：.)\-–—]\s*(?:\*\*)?\s*")
NUMBERED = re.compile(
    r"^(?P<indent>\s?)(?:(?P<q>Q(?:uestion)?\.?\s*)(?P<qn>\d{1,3})\s*[:.)\-–—]?\s*"
    r"|(?P<n>\d{1,3})(?P<sep>[.)]\s*|\s*[:\-–—]\s+|\s+|(?=[A-Z\"“‘'(]))"
    r"|\((?P<pn>\d{1,3})\)\s*)(?P<rest>\S.*)$"
)
INLINE = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:\d{1,3}[.)]\s*)?(?:(?P<o>[\"“‘])(?P<q>[^\"“”]{8,400}?)[\"”’]"
    r"|\*\*(?P<bq>[^*]{8,400}?)\*\*)\s*[-–—:]?\s*(?P<a>\S.*)$"
)
TABLE_ROW = re.compile(r"^\s*\|(?P<cells>.*)\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
LABELS = frozenset("q a question questions answer answers term definition prompt response".split())
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass
class Start:
    """Where a question starts: its line, its cleaned text, and where its answer begins."""

    index: int
    question: str
    body: int
    inline: str = ""
    end: int | None = None
    top: int | None = None  # where its block begins when that is above ``index`` (a table header)

    @property
    def first(self) -> int:
        return self.index if self.top is None else self.top


def clean_question(text: str) -> str:
    t = re.sub(r"\s+", " ", text).strip()
    t = re.sub(r"^(?:\*\*|__)(.*)(?:\*\*|__)$", r"\1", t).strip()
    t = NUMBERING.sub("", t, count=1).strip()
    while (m := EXPANDER_TAIL.search(t)) and m.start() > 0:
        t = t[: m.start()].rstrip()
    t = re.sub(r"^(?:\*\*|__)(.*)(?:\*\*|__):?$", r"\1", t).strip()
    if len(t) > 2 and t[0] in "\"“‘'" and t[-1] in "\"”’'":
        t = t[1:-1].strip()
    return t


def word_count(text: str) -> int:
    """Words in ``text``; Chinese and Japanese write no spaces, so two characters count as one."""
    cjk = len(CJK.findall(text))
    return max(len(text.split()), cjk // 2) if cjk else len(text.split())


def is_question_like(text: str, *, max_len: int = 600) -> bool:
    t = clean_question(text)
    if len(t) < 6 or len(t) > max_len or t.endswith((":", "：")):
        return False
    if re.search(r"[?？][\"”’')\]」』]*$", t):
        return True
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", t) if s]
    # The opening sentence needs three words ("What is X"); a closing instruction after a
    # scenario may be two ("… at 100k TPS. Design it.").
    for s, words in ((sentences[0], 3), (sentences[-1], 2 if len(sentences) > 1 else 3)):
        first = re.sub(r"^[\"“‘'(]+", "", s).split(" ", 1)[0].lower().strip(",")
        if first in QUESTION_WORDS and len(s.split()) >= words:
            return True
    return False


def is_marker_only(text: str) -> bool:
    return EXPANDER_ONLY.match(text) is not None


def _detectable(line: Line) -> bool:
    return line.kind in ("text", "bullet", "heading")


def detect_qa(lines: list[Line]) -> list[Start]:
    out: list[Start] = []
    for i, line in enumerate(lines):
        if line.kind == "text" and (m := QA_QUESTION.match(line.plain)):
            q = clean_question(m.group("q"))
            if len(q) >= 4:
                out.append(Start(i, q, i + 1, inline=m.group("a") or ""))
    return out


def _nested_runs_removed(cands: list[tuple[int, Start]]) -> list[tuple[int, Start]]:
    """Drop numbered runs that restart inside an answer and after which the outer count resumes."""
    runs: list[list[tuple[int, Start]]] = []
    for num, start in cands:
        if runs and num == runs[-1][-1][0] + 1:
            runs[-1].append((num, start))
        else:
            runs.append([(num, start)])
    changed = True
    while changed:
        changed = False
        for k in range(1, len(runs) - 1):
            if runs[k + 1][0][0] == runs[k - 1][-1][0] + 1 and runs[k][0][0] != runs[k + 1][0][0]:
                runs[k - 1] = runs[k - 1] + runs[k + 1]
                del runs[k : k + 2]
                changed = True
                break
    return [pair for run in runs for pair in run]


def detect_numbered(lines: list[Line]) -> list[Start]:
    by_style: dict[str, list[tuple[int, Start]]] = {}
    others: dict[str, list[tuple[int, Start]]] = {}  # same numbering, not phrased as questions
    for i, line in enumerate(lines):
        if line.kind not in ("text", "heading") or not (m := NUMBERED.match(line.plain)):
            continue
        if m.group("q"):
            style, num = "q", m.group("qn")
        elif m.group("pn"):
            style, num = "paren", m.group("pn")
        else:
            sep = m.group("sep")
            style = {"": "glued", ".": "dot", ")": "paren"}.get(sep.strip()[:1], "other")
            style = "space" if style == "glued" and sep else style
            num = m.group("n")
        found = (int(num), Start(i, clean_question(line.plain), i + 1))
        question = is_question_like(m.group("rest"), max_len=500)
        (by_style if question else others).setdefault(style, []).append(found)
    if not by_style:
        return []
    style = max(by_style, key=lambda k: len(by_style[k]))
    chosen = _nested_runs_removed(by_style[style])
    return [s for _, s in _fill_gaps(chosen, others.get(style, []))]


def _fill_gaps(
    chosen: list[tuple[int, Start]], spare: list[tuple[int, Start]]
) -> list[tuple[int, Start]]:
    """Take back item n-1 when question n follows but n-1 is not phrased as a question.

    "1. A bank wants fraud detection at 100k TPS. Design it." is question 1 when "2. …?"
    comes next; an answer's own "1. Load the data" is not, since no question is missing there.
    """
    out = list(chosen)
    k = 0
    while k < len(out):
        num, start = out[k]
        prev_num, prev_index = (out[k - 1][0], out[k - 1][1].index) if k else (None, -1)
        if num > 1 and prev_num != num - 1:
            found = [p for p in spare if p[0] == num - 1 and prev_index < p[1].index < start.index]
            if found:
                out.insert(k, found[-1])
                continue  # the taken-back item may have a gap before it too
        k += 1
    return out


def detect_expander(lines: list[Line]) -> list[Start]:
    out: list[Start] = []
    for i, line in enumerate(lines):
        if not _detectable(line):
            continue
        text = line.plain.strip()
        if is_marker_only(text):
            j = i - 1
            while j >= 0 and lines[j].kind == "blank":
                j -= 1
            if j >= 0 and _detectable(lines[j]) and not (out and out[-1].index == j):
                out.append(Start(j, clean_question(lines[j].plain), i + 1))
        elif (
            (m := EXPANDER_TAIL.search(text))
            and m.start() > 0
            and len(text[: m.start()].split()) >= 2
        ):
            out.append(Start(i, clean_question(text), i + 1))
    return out


def detect_headings(lines: list[Line]) -> list[Start]:
    heads = [(i, ln) for i, ln in enumerate(lines) if ln.kind == "heading"]
    return [
        Start(i, clean_question(ln.plain), i + 1) for i, ln in heads if is_question_like(ln.plain)
    ]


def detect_title_headings(lines: list[Line]) -> list[Start]:
    """Headings that are topics rather than questions (``### Bias-variance trade-off``)."""
    heads = [(i, ln) for i, ln in enumerate(lines) if ln.kind == "heading"]
    levels = [ln.level for _, ln in heads]
    deep = [lv for lv in set(levels) if levels.count(lv) >= 2]
    if not deep:
        return []
    level = max(deep)
    return [Start(i, clean_question(ln.plain), i + 1) for i, ln in heads if ln.level == level]


def detect_question_lines(lines: list[Line]) -> list[Start]:
    out: list[Start] = []
    for i, line in enumerate(lines):
        text = line.plain.strip()
        if line.kind != "text" or not text.endswith(("?", "？")) or len(text) > 300:
            continue
        if word_count(text) < 3:
            continue
        prev = lines[i - 1] if i else None
        first = text.split(" ", 1)[0].lower().strip("\"“'(")
        if first in QUESTION_WORDS or prev is None or prev.kind in ("blank", "heading"):
            out.append(Start(i, clean_question(text), i + 1))
    return out


def detect_inline(lines: list[Line]) -> list[Start]:
    out: list[Start] = []
    for i, line in enumerate(lines):
        if line.kind not in ("text", "bullet") or not (m := INLINE.match(line.text)):
            continue
        q = m.group("q") or m.group("bq") or ""
        if is_question_like(q):
            out.append(Start(i, clean_question(q), i + 1, inline=m.group("a")))
    return out


def _cells(text: str) -> list[str]:
    m = TABLE_ROW.match(text)
    return [c.strip() for c in re.split(r"(?<!\\)\|", m.group("cells"))] if m else []


def _table_blocks(lines: list[Line]) -> list[list[int]]:
    """Runs of consecutive Markdown table lines (rows and ``|---|`` rules), one run per table."""
    blocks: list[list[int]] = []
    current: list[int] = []
    for i, line in enumerate(lines):
        if line.kind == "text" and (TABLE_ROW.match(line.text) or TABLE_RULE.match(line.text)):
            current.append(i)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _heading_sections(lines: list[Line]) -> list[tuple[int, int]]:
    """The line ranges that belong to a question heading: up to the next heading as high.

    A table in there is part of that question's answer, never a list of questions of its own.
    """
    sections = []
    for s in detect_headings(lines):
        level = lines[s.index].level
        end = next(
            (j for j in range(s.index + 1, len(lines))
             if lines[j].kind == "heading" and lines[j].level <= level),
            len(lines),
        )  # fmt: skip
        sections.append((s.index, end))
    return sections


def _table_rows(lines: list[Line], *, questions: bool) -> list[Start]:
    """Two-column table rows as questions with the answer in the second cell.

    ``questions=True`` reads tables that hold questions: a header naming them ("Question |
    Answer") or first cells that mostly read as questions. ``questions=False`` reads the other
    two-column tables (terms and definitions), the weaker evidence. A table inside a question
    heading's answer is that answer's content either way.
    """
    sections = _heading_sections(lines)
    out: list[Start] = []
    for block in _table_blocks(lines):
        if any(lo < block[0] < hi for lo, hi in sections):
            continue
        rows = [i for i in block if not TABLE_RULE.match(lines[i].text)]
        if not rows:
            continue
        first = rows[0]
        header = first + 1 in block and TABLE_RULE.match(lines[first + 1].text) is not None
        head_cells = _cells(lines[first].text)
        labelled = header and bool({re.sub(r"\W", "", c.lower()) for c in head_cells} & LABELS)
        if header and (labelled or not head_cells or not is_question_like(head_cells[0])):
            rows = rows[1:]
        pairs = [(i, c) for i in rows if len(c := _cells(lines[i].text)) == 2 and c[0] and c[1]]
        asked = sum(is_question_like(c[0]) for _, c in pairs)
        if pairs and (labelled or asked * 2 >= len(pairs)) == questions:
            # The first question's block starts at the table's header, so the lines above it
            # (a section heading, say) are not left at the end of the previous answer.
            out.extend(
                Start(i, clean_question(c[0]), i + 1, inline=c[1], end=i + 1,
                      top=block[0] if k == 0 else None)
                for k, (i, c) in enumerate(pairs)
            )  # fmt: skip
    return out


def detect_table(lines: list[Line]) -> list[Start]:
    return _table_rows(lines, questions=True)


def detect_term_table(lines: list[Line]) -> list[Start]:
    return _table_rows(lines, questions=False)


def detect_headings_and_tables(lines: list[Line]) -> list[Start]:
    """Question headings, and question tables under headings of their own (a mixed page)."""
    starts = {s.index: s for s in detect_table(lines)}
    starts.update({s.index: s for s in detect_headings(lines)})
    return [starts[i] for i in sorted(starts)]


def detect_explicit(lines: list[Line]) -> list[Start]:
    """Questions the page's structure marks; an answer closed by ``</details>`` ends there."""
    out: list[Start] = []
    for i, ln in enumerate(lines):
        if ln.kind != "question":
            continue
        stop = next(
            (j for j in range(i + 1, len(lines)) if lines[j].closes or lines[j].kind == "question"),
            None,
        )
        end = stop if stop is not None and lines[stop].closes else None
        out.append(Start(i, clean_question(ln.plain), i + 1, end=end))
    return out


Detector = Callable[[list[Line]], list[Start]]
# Weights rank layouts by how unambiguous their markers are; a question line that merely ends
# with "?" is the weakest evidence, because answers ask rhetorical questions too.
DETECTORS: tuple[tuple[str, Detector, float], ...] = (
    ("qa", detect_qa, 1.0),
    ("table", detect_table, 1.0),
    ("inline", detect_inline, 1.0),
    ("expander", detect_expander, 1.0),
    ("numbered", detect_numbered, 1.0),
    ("headings", detect_headings, 0.95),
    ("headings-and-tables", detect_headings_and_tables, 0.95),
    ("question-lines", detect_question_lines, 0.6),
    ("term-table", detect_term_table, 0.5),
    ("topic-headings", detect_title_headings, 0.5),
)
# Layouts whose markers are clear enough that questions they find and the chosen layout leaves
# inside answers are worth a warning.
STRONG = 0.95
