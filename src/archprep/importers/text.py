"""Q&A extraction from plain text and Markdown: pick the page's layout, cut answers, find sections."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from archprep.importers.document import Line, Parsed, RawItem, lines_from_text, render_answer
from archprep.importers.layouts import (
    ANSWER_PREFIX,
    DETECTORS,
    STRONG,
    Start,
    detect_explicit,
    is_marker_only,
    is_question_like,
)

# "A: …" answers a question; a lettered section title ("A. Basics") does not look like this.
ANSWER_LINE = re.compile(r"^\s*(?:A|Ans|Answer)\s*[:：]", re.IGNORECASE)
COUNT_LINE = re.compile(r"^\s*\d+\s+(?:questions?|qs|q&as?|items|cards|topics)\s*$", re.IGNORECASE)
MAX_QUESTION = 1000


def parse_text(text: str, *, markdown: bool) -> Parsed:
    """Questions and answers in plain text (``markdown=False``) or Markdown.

    A file that opens with a YAML front-matter block holding ``question`` is one question in
    the bank's own format (docs/content-format.md): its fields are read as they are, the body
    is the answer. Any other front matter (a notes app's title, tags, dates) is set aside so
    its lines are not taken for questions.
    """
    front = _front_matter(text)
    if front is not None:
        data, body = front
        if isinstance(data.get("question"), str) and data["question"].strip():
            return Parsed([_bank_item(data, body)])
        text = body
    return extract(lines_from_text(text, markdown=markdown))


def _front_matter(text: str) -> tuple[dict[str, Any], str] | None:
    lines = text.lstrip("\ufeff").split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return None
    try:
        data = yaml.safe_load("\n".join(lines[1:end]))
    except yaml.YAMLError:
        return None  # not front matter after all: read the page as it is
    return (data, "\n".join(lines[end + 1 :])) if isinstance(data, dict) else None


def _strings(value: Any) -> list[str]:
    """A YAML list of strings (or of ``{text: ...}`` mappings, as key points are) as strings."""
    items = value if isinstance(value, list) else [value] if value else []
    out = []
    for item in items:
        text = item.get("text") if isinstance(item, dict) else item
        if isinstance(text, str | int | float) and str(text).strip():
            out.append(str(text).strip())
    return out


def _bank_item(data: dict[str, Any], body: str) -> RawItem:
    def field(name: str) -> str | None:
        value = data.get(name)
        return value.strip() if isinstance(value, str) and value.strip() else None

    return RawItem(
        question=str(data["question"]).strip()[:MAX_QUESTION],
        answer=body.strip(),
        line=1,
        category=field("category"),
        kind=field("kind"),
        level=field("level"),
        tags=_strings(data.get("tags")),
        key_points=_strings(data.get("key_points")),
        follow_ups=_strings(data.get("follow_ups")),
    )


@dataclass
class Layout:
    name: str
    starts: list[Start]
    score: float
    # Answered questions that another clear layout found and this one leaves inside answers.
    passed_over: list[tuple[str, Start]] = field(default_factory=list)
    # With no layout finding answered questions: the most questions a clear layout found.
    unanswered: int = 0


def _merge(explicit: list[Start], found: list[Start]) -> list[Start]:
    by_index = {s.index: s for s in found}
    by_index.update({s.index: s for s in explicit})
    return [by_index[i] for i in sorted(by_index)]


def _region(lines: list[Line], starts: list[Start], k: int) -> tuple[int, int]:
    start = starts[k]
    end = starts[k + 1].first if k + 1 < len(starts) else len(lines)
    if start.end is not None:
        end = min(start.end, end)
    return min(start.body, end), end


def _has_answer(lines: list[Line], starts: list[Start], k: int) -> bool:
    if starts[k].inline.strip():
        return True
    lo, hi = _region(lines, starts, k)
    return any(ln.kind != "blank" and not is_marker_only(ln.plain) for ln in lines[lo:hi])


def choose_layout(lines: list[Line]) -> Layout:
    """Run every detector and keep the one that finds the most answered questions.

    Questions marked by page structure (``<summary>``, Q/A tables) count in every layout.
    Answered questions that another clear layout finds and the chosen one leaves inside
    answers are listed in ``passed_over`` so the import can say so.
    """
    explicit = detect_explicit(lines)
    best = Layout("explicit" if explicit else "none", explicit, float(len(explicit)))
    found: list[tuple[str, float, list[Start], list[bool]]] = []
    for name, detector, weight in DETECTORS:
        starts = _merge(explicit, detector(lines))
        answered = [_has_answer(lines, starts, k) for k in range(len(starts))]
        found.append((name, weight, starts, answered))
        score = weight * sum(answered) - 0.5 * (len(starts) - sum(answered))
        if score > best.score:
            best = Layout(name, starts, score)
    if not best.starts:
        best.unanswered = max((len(st) for _, w, st, _ in found if w >= STRONG), default=0)
    chosen = {s.index for s in best.starts}
    for name, weight, starts, answered in found:
        if weight < STRONG or name == best.name:
            continue
        for k, (s, ok) in enumerate(zip(starts, answered, strict=True)):
            if not ok or s.index in chosen or not is_question_like(s.question):
                continue
            if name == "qa" and not _answer_marked(lines, starts, k):
                continue  # "Question: …" quoted inside an answer (a ReAct trace), not a Q/A pair
            chosen.add(s.index)  # report each line once, under the first layout that saw it
            best.passed_over.append((name, s))
    return best


def _answer_marked(lines: list[Line], starts: list[Start], k: int) -> bool:
    """Whether a Q: line's answer is there and marked as one (``A: …``)."""
    if starts[k].inline.strip():
        return True
    lo, hi = _region(lines, starts, k)
    first = next((ln for ln in lines[lo:hi] if ln.kind != "blank"), None)
    return first is not None and ANSWER_PREFIX.match(first.text) is not None


# The longest tail of a wrapped question that is taken for one: about a printed line.
WRAPPED_TAIL = 160


def _extend_wrapped(lines: list[Line], starts: list[Start]) -> None:
    """A question wrapped over two or three lines (PDFs do this) is joined up again.

    It runs on to the line ending in '?'. A statement ("… orchestrating complex" /
    "workflows.") runs on while the next lines continue its sentence: they start in lower
    case, and the line that ends it with a full stop comes before the answer does.
    """
    for k, s in enumerate(starts):
        if s.inline or s.end is not None or re.search(r"[?.!:)\"”。？！]$", s.question):
            continue
        limit = starts[k + 1].first if k + 1 < len(starts) else len(lines)
        if not _extend_question(lines, s, limit):
            _extend_statement(lines, s, limit)


def _extend_question(lines: list[Line], s: Start, limit: int) -> bool:
    added: list[str] = []
    for j in range(s.body, min(s.body + 2, limit)):
        nxt = lines[j]
        if nxt.kind != "text" or len(nxt.plain) > 300:
            return False
        added.append(nxt.plain.strip())
        if nxt.plain.rstrip().endswith(("?", "？")):
            s.question = " ".join([s.question, *added])
            s.body = j + 1
            return True
    return False


def _extend_statement(lines: list[Line], s: Start, limit: int) -> None:
    added: list[str] = []
    for j in range(s.body, min(s.body + 2, limit)):
        text = lines[j].plain.strip()
        if lines[j].kind != "text" or len(text) > WRAPPED_TAIL or not text[:1].islower():
            return  # a line that starts a sentence of its own starts the answer
        added.append(text)
        if re.search(r"[.!?)\"”]$", text):
            answer_follows = any(ln.kind != "blank" for ln in lines[j + 1 : limit])
            if answer_follows:
                s.question = " ".join([s.question, *added])
                s.body = j + 1
            return


def _title_like(line: Line) -> bool:
    t = line.plain.strip().rstrip(":：").strip()
    if line.kind != "text" or not t or len(t) > 60 or not 1 <= len(t.split()) <= 8:
        return False
    if (
        re.search(r"[.,;!?。、！？]$|[()=_{}\[\]<>$\\]", t)
        or is_question_like(t)
        or is_marker_only(t)
    ):
        return False
    if ANSWER_LINE.match(line.plain):
        return False  # "A: …" is an answer, whatever script it is written in
    return not t[0].isalpha() or t[0].isupper()


def _capitals(text: str) -> bool:
    """A line in capitals (``SERVING``); scripts without case (Japanese, Chinese) never are."""
    cased = [c for c in text if c.isalpha() and c.lower() != c.upper()]
    return (
        bool(cased)
        and all(c.isupper() for c in cased)
        and len(cased) * 2 >= len([c for c in text if c.isalpha()])
    )


def _section_title(t: str) -> str:
    t = re.sub(r"[\s:·|—–-]+$", "", t.strip())
    t = re.sub(r"^[^\w(]+", "", t)
    return t.strip()


def page_categories(lines: list[Line], starts: list[Start]) -> tuple[dict[int, str], set[int]]:
    """Section headers that sit right before a question: category per start, lines they use.

    A Markdown/HTML heading counts; a plain-text title line counts when a count line
    ("12 questions") follows it, when it is in capitals, or when the page has two or more.
    A lone level-1 heading before the first question is the page's title, not a section.
    """
    found: list[tuple[int, list[int], str, bool]] = []  # start k, lines used, title, strong
    heading_levels = [ln.level for ln in lines if ln.kind == "heading"]
    first_q = starts[0].first if starts else len(lines)
    for k, s in enumerate(starts):
        floor = starts[k - 1].body if k else 0
        j = s.first - 1
        used: list[int] = []
        counted = False
        while j >= floor and (lines[j].kind == "blank" or COUNT_LINE.match(lines[j].plain)):
            if lines[j].kind != "blank":
                used.append(j)
                counted = True
            j -= 1
        if j < floor:
            continue
        line = lines[j]
        if line.kind == "heading" and not is_question_like(line.plain):
            title_page = (
                line.level == 1 and j < first_q and heading_levels.count(1) == 1 and not counted
            )
            if not title_page:
                found.append((k, [j, *used], line.plain, True))
        elif _title_like(line):
            found.append((k, [j, *used], line.plain, counted or _capitals(line.plain)))
    # A page marks its sections one way: when some titles are certain, the uncertain ones are
    # more likely the last line of an answer.
    weak_ok = len(found) >= 2 and not any(strong for *_, strong in found)
    category: dict[int, str] = {}
    consumed: set[int] = set()
    for k, used, title, strong in found:
        if strong or weak_ok:
            category[k] = _section_title(title)
            consumed.update(used)
    current: str | None = None
    per_start: dict[int, str] = {}
    for k in range(len(starts)):
        current = category.get(k, current)
        if current:
            per_start[k] = current
    return per_start, consumed


def extract(lines: list[Line]) -> Parsed:
    layout = choose_layout(lines)
    starts = layout.starts
    if not starts:
        return Parsed([], unanswered=layout.unanswered)
    _extend_wrapped(lines, starts)
    categories, consumed = page_categories(lines, starts)
    items: list[RawItem] = []
    warnings: list[str] = []
    unanswered = 0
    for k, s in enumerate(starts):
        lo, hi = _region(lines, starts, k)
        body = [lines[i] for i in range(lo, hi) if i not in consumed]
        while body and (body[0].kind == "blank" or is_marker_only(body[0].plain)):
            body.pop(0)
        if s.inline:
            body.insert(0, Line(s.inline))
        if body and body[0].kind in ("text", "bullet"):
            first = body[0]
            stripped = ANSWER_PREFIX.sub("", first.text, count=1)
            if stripped != first.text:
                body[0] = Line(stripped, first.kind, number=first.number)
        answer = render_answer(_dedent(body))
        number = lines[s.index].number or None
        where = f"line {number}: " if number else ""
        question = s.question.strip()
        if not question or len(question) > MAX_QUESTION:
            warnings.append(f"{where}a question of {len(question)} characters was skipped")
            continue
        if not answer.strip():
            warnings.append(f"{where}{_short(question)!r} has no answer; skipped")
            unanswered += 1
            continue
        items.append(RawItem(question, answer, line=number, category=categories.get(k)))
    return Parsed(items, warnings, _passed_over(lines, layout), unanswered)


LAYOUT_NAMES = {
    "qa": "Q:/A: lines", "table": "table rows", "inline": "quoted or bold questions",
    "expander": "expandable questions", "numbered": "numbered questions", "headings": "headings",
    "headings-and-tables": "headings and tables", "explicit": "<details> questions",
}  # fmt: skip


def _passed_over(lines: list[Line], layout: Layout) -> list[str]:
    """One warning when questions in another layout than the page's main one were not imported."""
    if not layout.passed_over:
        return []
    kinds = sorted({LAYOUT_NAMES.get(name, name) for name, _ in layout.passed_over})
    first = layout.passed_over[0][1]
    number = lines[first.index].number
    where = f"line {number}: " if number else ""
    more = len(layout.passed_over) - 1
    if more:
        subject = f"{_short(first.question)!r} and {more} more look like questions"
        kept, fix = "they were", "write them in that layout to import them as questions"
    else:
        subject = f"{_short(first.question)!r} looks like a question"
        kept, fix = "it was", "write it in that layout to import it as a question"
    main = LAYOUT_NAMES.get(layout.name, layout.name)
    return [
        f"{where}{subject} ({', '.join(kinds)}), but the page's main layout is {main}, so "
        f"{kept} kept as answer text; {fix}"
    ]


def _dedent(body: list[Line]) -> list[Line]:
    """Remove indentation every prose line shares (an answer that was a nested list)."""
    prose = [ln for ln in body if ln.kind in ("text", "bullet")]
    indent = min((len(ln.text) - len(ln.text.lstrip()) for ln in prose), default=0)
    if indent == 0:
        return body
    keep = {id(ln) for ln in prose}
    return [
        Line(ln.text[indent:], ln.kind, ln.level, ln.number) if id(ln) in keep else ln
        for ln in body
    ]


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
