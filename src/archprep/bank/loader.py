"""Reads content files into ``Question`` records and reports every problem with file, line and field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from archprep.bank.model import (
    CALCULATORS,
    DESIGN_SIGNALS,
    DESIGN_STEPS,
    KINDS,
    LEVELS,
    STAR_PARTS,
    TOPICS,
    KeyPoint,
    Question,
)

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*")
WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’.\-/]*")
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")

# Model-answer length in words, by kind (docs/content-format.md).
ANSWER_WORDS: dict[str, tuple[int, int]] = {
    "rapid-fire": (1, 80),
    "concept": (120, 350),
    "design": (300, 700),
    "troubleshooting": (300, 700),
    "strategy": (120, 450),
    "behavioral": (120, 450),
    "ask-them": (30, 200),
}
KEY_POINT_MAX_WORDS = 30


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, printed as ``path:line: field: message``."""

    path: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.field}: {self.message}"


class ContentError(Exception):
    """Raised with every problem found, so the caller can print them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in content files")
        self.problems = problems


def builtin_content_dir() -> Path:
    return Path(str(resources.files("archprep.content")))


def word_count(text: str) -> int:
    return len(WORD.findall(text))


def _split_front_matter(text: str) -> tuple[str, str, int] | None:
    """Return (yaml text, body, line number where the body starts) or None if absent."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    return None


def _field_lines(yaml_text: str) -> dict[str, int]:
    """Line (1-based, in the file) of each top-level key of the front matter."""
    try:
        node = yaml.compose(yaml_text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: k.start_mark.line + 2 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}


class _Checker:
    def __init__(self, path: str, lines: dict[str, int]) -> None:
        self.path = path
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, field: str, message: str) -> None:
        top = field.split(".")[0].split("[")[0]
        self.problems.append(Problem(self.path, self.lines.get(top, 1), field, message))

    def text(self, data: dict[str, Any], field: str, lo: int = 1, hi: int = 10_000) -> str:
        value = data.get(field)
        if value is None or value == "":
            self.add(field, "is required")
            return ""
        if not isinstance(value, str):
            self.add(field, f"must be text (found {type(value).__name__})")
            return ""
        if not lo <= len(value.strip()) <= hi:
            self.add(field, f"must be {lo}-{hi} characters (found {len(value.strip())})")
        return value.strip()

    def text_list(
        self, data: dict[str, Any], field: str, lo: int, hi: int, required: bool = True
    ) -> list[str]:
        value = data.get(field)
        if value is None:
            if required:
                self.add(field, "is required")
            return []
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.add(field, "must be a list of non-empty text items")
            return []
        if not lo <= len(value) <= hi:
            self.add(field, f"must have {lo}-{hi} items (found {len(value)})")
        return [v.strip() for v in value]


def _key_points(chk: _Checker, data: dict[str, Any]) -> list[KeyPoint]:
    value = data.get("key_points")
    if value is None:
        chk.add("key_points", "is required")
        return []
    if not isinstance(value, list):
        chk.add("key_points", "must be a list")
        return []
    if not 3 <= len(value) <= 7:
        chk.add("key_points", f"must have 3-7 items (found {len(value)})")
    points: list[KeyPoint] = []
    for i, item in enumerate(value):
        where = f"key_points[{i + 1}]"
        weight: Any = 1
        if isinstance(item, dict):
            text, weight = item.get("text"), item.get("weight", 1)
        else:
            text = item
        if not isinstance(text, str) or not text.strip():
            chk.add(where, "must be non-empty text (or {text, weight})")
            continue
        if word_count(text) >= KEY_POINT_MAX_WORDS:
            chk.add(where, f"must be under {KEY_POINT_MAX_WORDS} words (found {word_count(text)})")
        if isinstance(weight, bool) or not isinstance(weight, int | float) or not 1 <= weight <= 3:
            chk.add(where, "weight must be a number from 1 to 3")
            weight = 1
        points.append(KeyPoint(text.strip(), float(weight)))
    return points


def _kind_fields(chk: _Checker, data: dict[str, Any], kind: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if kind == "design":
        method = data.get("method")
        if not isinstance(method, dict):
            chk.add("method", f"is required for design questions, a mapping of {DESIGN_STEPS}")
        else:
            for step in DESIGN_STEPS:
                if not method.get(step):
                    chk.add(f"method.{step}", "is required")
            extra["method"] = method
        signals = data.get("signals")
        if not isinstance(signals, dict):
            chk.add("signals", f"is required for design questions, a mapping of {DESIGN_SIGNALS}")
        else:
            for sig in DESIGN_SIGNALS:
                if not signals.get(sig):
                    chk.add(f"signals.{sig}", "is required")
            extra["signals"] = signals
    elif kind == "behavioral":
        star = data.get("star")
        if not isinstance(star, dict):
            chk.add("star", f"is required for behavioral questions, a mapping of {STAR_PARTS}")
        else:
            for part in STAR_PARTS:
                if not star.get(part):
                    chk.add(f"star.{part}", "is required")
            extra["star"] = star
        signals = data.get("signals")
        if not isinstance(signals, list) or not signals:
            chk.add("signals", "is required for behavioral questions, a list of what to listen for")
        else:
            extra["signals"] = signals
    elif kind == "ask-them":
        extra["reveals"] = chk.text(data, "reveals")
        extra["good_follow_up"] = chk.text(data, "good_follow_up")
    return extra


def parse_question(
    path: Path, text: str, display: str | None = None
) -> tuple[Question | None, list[Problem]]:
    """Validate one content file's text; the category is the file's folder name."""
    shown = display or str(path)
    split = _split_front_matter(text)
    if split is None:
        return None, [Problem(shown, 1, "front matter", "must start with a '---' YAML block")]
    yaml_text, body, body_line = split
    try:
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return None, [Problem(shown, line, "front matter", f"is not valid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(shown, 2, "front matter", "must be a YAML mapping")]
    chk = _Checker(shown, _field_lines(yaml_text))

    qid = chk.text(data, "id")
    folder = path.parent.name
    if qid and not ID.fullmatch(qid):
        chk.add("id", f"must look like <category>/<slug> in lowercase (found {qid!r})")
    elif qid and qid != f"{folder}/{path.stem}":
        chk.add("id", f"must be {folder}/{path.stem} to match the file's place (found {qid!r})")
    question = chk.text(data, "question", 10, 400)
    category = chk.text(data, "category")
    if category and category not in TOPICS:
        chk.add("category", f"unknown category {category!r}; use one of topics.yaml's")
    elif category and category != folder:
        chk.add("category", f"is {category!r} but the file is in folder {folder!r}")
    kind = chk.text(data, "kind")
    if kind and kind not in KINDS:
        chk.add("kind", f"must be one of {', '.join(KINDS)} (found {kind!r})")
    level = chk.text(data, "level")
    if level and level not in LEVELS:
        chk.add("level", f"must be one of {', '.join(LEVELS)} (found {level!r})")
    tags = chk.text_list(data, "tags", 1, 8)
    for tag in tags:
        if not SLUG.fullmatch(tag):
            chk.add("tags", f"tag {tag!r} must be lowercase words joined by hyphens")
    topics = chk.text_list(data, "topics", 1, 20)
    ground = TOPICS.get(category, {})
    for topic in topics:
        if category in TOPICS and topic not in ground:
            chk.add("topics", f"{topic!r} is not a ground of {category!r} in topics.yaml")
    key_points = _key_points(chk, data)
    follow_ups = chk.text_list(data, "follow_ups", 1, 3)
    calculators = chk.text_list(data, "calculators", 0, 7, required=False)
    for calc in calculators:
        if calc not in CALCULATORS:
            chk.add(
                "calculators", f"unknown calculator {calc!r}; use one of {', '.join(CALCULATORS)}"
            )
    extra = _kind_fields(chk, data, kind)

    answer = body.strip()
    words = word_count(answer)
    if not answer:
        chk.problems.append(Problem(shown, body_line, "answer", "the body (model answer) is empty"))
    elif kind in ANSWER_WORDS:
        lo, hi = ANSWER_WORDS[kind]
        if not lo <= words <= hi:
            chk.problems.append(
                Problem(
                    shown,
                    body_line,
                    "answer",
                    f"{kind} answers need {lo}-{hi} words (found {words})",
                )
            )
        if kind == "rapid-fire" and len(SENTENCE_END.findall(answer)) > 3:
            chk.problems.append(
                Problem(shown, body_line, "answer", "rapid-fire answers are 1-3 sentences")
            )

    known = {
        "id", "question", "category", "kind", "level", "tags", "topics", "key_points",
        "follow_ups", "calculators", "method", "signals", "star", "reveals", "good_follow_up",
    }  # fmt: skip
    for unknown in sorted(set(data) - known):
        chk.add(str(unknown), "is not a known field (see docs/content-format.md)")

    if chk.problems:
        return None, chk.problems
    return (
        Question(
            id=qid,
            question=question,
            answer=answer,
            category=category,
            kind=kind,
            level=level,
            tags=tags,
            topics=topics,
            key_points=key_points,
            follow_ups=follow_ups,
            calculators=calculators,
            extra=extra,
            source=shown,
        ),
        [],
    )


def content_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for d in dirs:
        files.extend(sorted(p for p in d.rglob("*.md") if p.is_file()))
    return files


def load_questions(dirs: Iterable[Path] | None = None) -> list[Question]:
    """Load and validate every content file; raise ``ContentError`` listing all problems."""
    roots = list(dirs) if dirs is not None else [builtin_content_dir()]
    questions: list[Question] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for path in content_files(roots):
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(str(path), 1, "file", f"cannot be read as UTF-8 text: {exc}"))
            continue
        question, found = parse_question(path, text)
        problems.extend(found)
        if question is None:
            continue
        if question.id in seen:
            problems.append(
                Problem(
                    str(path), 2, "id", f"{question.id!r} is already used by {seen[question.id]}"
                )
            )
            continue
        seen[question.id] = str(path)
        questions.append(question)
    if problems:
        raise ContentError(problems)
    return questions
