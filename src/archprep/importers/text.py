"""Q&A extraction from plain text and Markdown: pick the page's layout, cut answers, find sections."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from archprep.importers.document import Line, Parsed, RawItem, lines_from_text, render_answer
from archprep.importers.layouts import (
    ANSWER_PREFIX,
    DETECTORS,
    Start,
    detect_explicit,
    is_marker_only,
    is_question_like,
)

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


def _merge(explicit: list[Start], found: list[Start]) -> list[Start]:
    by_index = {s.index: s for s in found}
    by_index.update({s.index: s for s in explicit})
    return [by_index[i] for i in sorted(by_index)]


def _region(lines: list[Line], starts: list[Start], k: int) -> tuple[int, int]:
    start = starts[k]
    if start.end is not None:
        return start.body, start.end
    end = starts[k + 1].index if k + 1 < len(starts) else len(lines)
    return min(start.body, end), end


def _has_answer(lines: list[Line], starts: list[Start], k: int) -> bool:
    if starts[k].inline.strip():
        return True
    lo, hi = _region(lines, starts, k)
    return any(ln.kind != "blank" and not is_marker_only(ln.plain) for ln in lines[lo:hi])


def choose_layout(lines: list[Line]) -> Layout:
    """Run every detector and keep the one that finds the most answered questions.

    Questions marked by page structure (``<summary>``, Q/A tables) count in every layout.
    """
    explicit = detect_explicit(lines)
    best = Layout("explicit" if explicit else "none", explicit, float(len(explicit)))
    for name, detector, weight in DETECTORS:
        starts = _merge(explicit, detector(lines))
        answered = sum(_has_answer(lines, starts, k) for k in range(len(starts)))
        score = weight * answered - 0.5 * (len(starts) - answered)
        if score > best.score:
            best = Layout(name, starts, score)
    return best


def _extend_wrapped(lines: list[Line], starts: list[Start]) -> None:
    """A question wrapped over two or three lines (PDFs do this) runs on to the line ending in '?'."""
    for k, s in enumerate(starts):
        if s.inline or s.end is not None or re.search(r"[?.!:)\"”]$", s.question):
            continue
        limit = starts[k + 1].index if k + 1 < len(starts) else len(lines)
        added: list[str] = []
        for j in range(s.body, min(s.body + 2, limit)):
            nxt = lines[j]
            if nxt.kind != "text" or len(nxt.plain) > 300:
                break
            added.append(nxt.plain.strip())
            if nxt.plain.rstrip().endswith("?"):
                s.question = " ".join([s.question, *added])
                s.body = j + 1
                break


def _title_like(line: Line) -> bool:
    t = line.plain.strip().rstrip(":").strip()
    if line.kind != "text" or not t or len(t) > 60 or not 1 <= len(t.split()) <= 8:
        return False
    if re.search(r"[.,;!?]$|[()=_{}\[\]<>$\\]", t) or is_question_like(t) or is_marker_only(t):
        return False
    return not t[0].isalpha() or t[0].isupper()


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
    first_q = starts[0].index if starts else len(lines)
    for k, s in enumerate(starts):
        floor = starts[k - 1].body if k else 0
        j = s.index - 1
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
            caps = line.plain.upper() == line.plain and any(c.isalpha() for c in line.plain)
            found.append((k, [j, *used], line.plain, counted or caps))
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
        return Parsed([])
    _extend_wrapped(lines, starts)
    categories, consumed = page_categories(lines, starts)
    items: list[RawItem] = []
    warnings: list[str] = []
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
            continue
        items.append(RawItem(question, answer, line=number, category=categories.get(k)))
    return Parsed(items, warnings)


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
