"""Answer history: a question's attempts over time, word-level diffs, recurring missed points."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from archprep.errors import UserError
from archprep.scheduling import aware
from archprep.store.schema import AttemptRow

NOT_COVERED = ("missed", "partial")
RECURRING_AT = 2  # a key point not covered in this many attempts is a recurring miss


@dataclass(frozen=True)
class AttemptRecord:
    """One graded answer; ``number`` counts the question's attempts from 1, oldest first."""

    id: int
    number: int
    created_at: datetime
    score: float
    mode: str
    answer: str
    key_points: tuple[tuple[str, str], ...] = ()  # (key point text, covered/partial/missed)

    def status_of(self, key_point: str) -> str | None:
        for text, status in self.key_points:
            if text == key_point:
                return status
        return None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "created_at": aware(self.created_at).isoformat(),
            "score": self.score,
            "mode": self.mode,
            "answer": self.answer,
            "key_points": [{"text": t, "status": s} for t, s in self.key_points],
        }


@dataclass(frozen=True)
class DiffPart:
    op: Literal["equal", "insert", "delete"]
    text: str


@dataclass
class AttemptDiff:
    """Word-level changes from an older attempt to a newer one."""

    old: AttemptRecord
    new: AttemptRecord
    parts: list[DiffPart]

    @property
    def words_added(self) -> int:
        return sum(len(p.text.split()) for p in self.parts if p.op == "insert")

    @property
    def words_removed(self) -> int:
        return sum(len(p.text.split()) for p in self.parts if p.op == "delete")

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": self.old.number,
            "new": self.new.number,
            "score_change": self.new.score - self.old.score,
            "words_added": self.words_added,
            "words_removed": self.words_removed,
            "parts": [{"op": p.op, "text": p.text} for p in self.parts],
        }


@dataclass
class RecurringMiss:
    """A key point the user keeps leaving out (missed or only partly made)."""

    text: str
    missed: int
    partial: int
    still_missing: bool  # not covered in the latest attempt that graded it

    @property
    def times(self) -> int:
        return self.missed + self.partial

    def as_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "missed": self.missed,
            "partial": self.partial,
            "still_missing": self.still_missing,
        }


@dataclass
class QuestionHistory:
    question_id: str
    attempts: list[AttemptRecord]
    recurring: list[RecurringMiss] = field(default_factory=list)

    @property
    def score_change(self) -> float | None:
        """Latest score minus the first: how much the answer improved."""
        if len(self.attempts) < 2:
            return None
        return self.attempts[-1].score - self.attempts[0].score

    @property
    def best(self) -> AttemptRecord | None:
        return max(self.attempts, key=lambda a: (a.score, a.number)) if self.attempts else None

    def attempt(self, number: int) -> AttemptRecord:
        """Attempt by its number (1 = oldest; 0 or negative count back from the latest)."""
        n = len(self.attempts)
        index = number - 1 if number > 0 else n - 1 + number
        if not n or not 0 <= index < n:
            raise UserError(
                f"attempt {number} does not exist for {self.question_id}; "
                f"{'choose 1-' + str(n) if n else 'answer it first with `archprep practice`'}"
            )
        return self.attempts[index]

    def as_dict(self) -> dict[str, Any]:
        return {
            "question_id": self.question_id,
            "attempts": [a.as_dict() for a in self.attempts],
            "score_change": self.score_change,
            "recurring_misses": [r.as_dict() for r in self.recurring],
        }


_TOKEN = re.compile(r"\s*\S+\s*")


def word_diff(old: str, new: str) -> list[DiffPart]:
    """Words removed from ``old``, added in ``new`` and kept, in reading order.

    Words are compared without their surrounding whitespace; each part keeps the original
    spacing (of ``new`` for kept and added words), so line breaks survive in the output.
    """
    a = _TOKEN.findall(old)
    b = _TOKEN.findall(new)
    matcher = difflib.SequenceMatcher(None, [t.strip() for t in a], [t.strip() for t in b],
                                      autojunk=False)  # fmt: skip
    parts: list[DiffPart] = []
    tail = {"old": " ", "new": " "}  # the last character of each answer rebuilt so far

    def emit(op: Literal["equal", "insert", "delete"], tokens: Sequence[str]) -> None:
        if not tokens:
            return
        text = "".join(tokens)
        sides = {"equal": ("old", "new"), "delete": ("old",), "insert": ("new",)}[op]
        if not text[0].isspace() and any(not tail[side].isspace() for side in sides):
            text = " " + text  # a word would run into the previous one: keep them apart
        for side in sides:
            tail[side] = text[-1]
        if parts and parts[-1].op == op:
            parts[-1] = DiffPart(op, parts[-1].text + text)
        else:
            parts.append(DiffPart(op, text))

    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            emit("equal", b[j1:j2])
        else:
            emit("delete", a[i1:i2])
            emit("insert", b[j1:j2])
    return parts


def diff_attempts(history: QuestionHistory, first: int, second: int) -> AttemptDiff:
    """The diff between two attempts by number, older to newer whichever order they are given."""
    a, b = history.attempt(first), history.attempt(second)
    if a.number > b.number:
        a, b = b, a
    return AttemptDiff(a, b, word_diff(a.answer, b.answer))


def recurring_misses(
    attempts: Sequence[AttemptRecord], at_least: int = RECURRING_AT
) -> list[RecurringMiss]:
    """Key points not covered in ``at_least`` attempts or more, most often missed first."""
    missed: dict[str, int] = {}
    partial: dict[str, int] = {}
    latest: dict[str, str] = {}
    order: list[str] = []
    for attempt in attempts:  # oldest first, so ``latest`` ends with the newest status
        for text, status in attempt.key_points:
            if text not in latest:
                order.append(text)
            latest[text] = status
            if status == "missed":
                missed[text] = missed.get(text, 0) + 1
            elif status == "partial":
                partial[text] = partial.get(text, 0) + 1
    out = [
        RecurringMiss(t, missed.get(t, 0), partial.get(t, 0), latest[t] in NOT_COVERED)
        for t in order
        if missed.get(t, 0) + partial.get(t, 0) >= at_least
    ]
    return sorted(out, key=lambda r: (-r.missed, -r.times, order.index(r.text)))


def build_history(question_id: str, rows: Sequence[AttemptRow]) -> QuestionHistory:
    """A question's history from its attempt rows (any order)."""
    ordered = sorted(rows, key=lambda r: (aware(r.created_at), r.id))
    attempts = [
        AttemptRecord(
            id=r.id,
            number=n,
            created_at=aware(r.created_at),
            score=float(r.score),
            mode=r.mode,
            answer=r.answer,
            key_points=_key_points(r.grade),
        )
        for n, r in enumerate(ordered, start=1)
    ]
    return QuestionHistory(question_id, attempts, recurring_misses(attempts))


def _key_points(grade: Any) -> tuple[tuple[str, str], ...]:
    """(text, status) pairs from a stored grade (the ``GradeResult`` JSON); tolerant of gaps."""
    if not isinstance(grade, dict):
        return ()
    out = []
    for kp in grade.get("key_points") or []:
        if isinstance(kp, dict) and isinstance(kp.get("text"), str):
            out.append((" ".join(kp["text"].split()), str(kp.get("status") or "missed")))
    return tuple(out)


def question_history(session: Session, user_id: int, question_id: str) -> QuestionHistory:
    """Every attempt the user made at one question, oldest first, with recurring misses."""
    rows = session.scalars(
        select(AttemptRow).where(
            AttemptRow.user_id == user_id, AttemptRow.question_id == question_id
        )
    ).all()
    return build_history(question_id, rows)
