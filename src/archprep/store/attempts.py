"""Typed answers and their grades: save an attempt, list a user's attempts, scores by category."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archprep.bank.model import Question
from archprep.scheduling import aware
from archprep.store.cards import due_queue
from archprep.store.questions import list_questions
from archprep.store.schema import AttemptRow, QuestionRow

MODES = ("practice", "mock", "web", "drill")


@dataclass(frozen=True)
class Attempt:
    id: int
    question_id: str
    answer: str
    score: float
    grade: dict[str, Any]
    mode: str
    duration_s: float | None
    created_at: datetime


def _attempt(row: AttemptRow) -> Attempt:
    return Attempt(
        id=row.id,
        question_id=row.question_id,
        answer=row.answer,
        score=row.score,
        grade=dict(row.grade or {}),
        mode=row.mode,
        duration_s=row.duration_s,
        created_at=aware(row.created_at),
    )


def save_attempt(
    session: Session,
    user_id: int,
    question_id: str,
    answer: str,
    grade: dict[str, Any],
    now: datetime,
    *,
    mode: str = "practice",
    duration_s: float | None = None,
    score: float | None = None,
) -> int:
    """Store one graded answer in the caller's transaction; returns the attempt's id.

    ``grade`` is the GradeResult JSON; ``score`` defaults to its ``score``. This is the one
    writer of attempts: practice, mocks, drills and the API all come through here.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)} (got {mode!r})")
    row = AttemptRow(
        user_id=user_id,
        question_id=question_id,
        answer=answer,
        score=float(grade.get("score", 0.0)) if score is None else float(score),
        grade=grade,
        mode=mode,
        duration_s=duration_s,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row.id


def list_attempts(
    session: Session,
    user_id: int,
    *,
    question_id: str | None = None,
    mode: str | None = None,
    limit: int = 50,
) -> list[Attempt]:
    """A user's attempts, newest first."""
    stmt = select(AttemptRow).where(AttemptRow.user_id == user_id)
    if question_id:
        stmt = stmt.where(AttemptRow.question_id == question_id)
    if mode:
        stmt = stmt.where(AttemptRow.mode == mode)
    stmt = stmt.order_by(AttemptRow.created_at.desc(), AttemptRow.id.desc()).limit(limit)
    return [_attempt(row) for row in session.scalars(stmt)]


def category_scores(session: Session, user_id: int) -> dict[str, tuple[float, int]]:
    """Category -> (mean attempt score, number of attempts), for picking what to practise."""
    stmt = (
        select(QuestionRow.category, func.avg(AttemptRow.score), func.count(AttemptRow.id))
        .join(QuestionRow, QuestionRow.id == AttemptRow.question_id)
        .where(AttemptRow.user_id == user_id)
        .group_by(QuestionRow.category)
    )
    return {cat: (float(mean), int(n)) for cat, mean, n in session.execute(stmt)}


def attempted_ids(session: Session, user_id: int) -> set[str]:
    stmt = select(AttemptRow.question_id).where(AttemptRow.user_id == user_id).distinct()
    return set(session.scalars(stmt))


def question_scores(session: Session, user_id: int) -> dict[str, tuple[float, datetime]]:
    """Question id -> (latest score, when), for each question the user has attempted."""
    out: dict[str, tuple[float, datetime]] = {}
    stmt = (
        select(AttemptRow.question_id, AttemptRow.score, AttemptRow.created_at)
        .where(AttemptRow.user_id == user_id)
        .order_by(AttemptRow.created_at, AttemptRow.id)
    )
    for qid, score, when in session.execute(stmt):
        out[qid] = (float(score), aware(when))
    return out


LEVEL_ORDER = {"basic": 0, "intermediate": 1, "advanced": 2}
WEAK_BELOW = 75.0  # a category whose mean attempt score is below this is worth more practice


@dataclass(frozen=True)
class PracticePick:
    question: Question
    reason: str


def pick_practice_question(
    session: Session,
    user_id: int,
    now: datetime,
    *,
    category: str | None = None,
    level: str | None = None,
    kind: str | None = None,
) -> PracticePick | None:
    """What to answer next: a due card first, then the weakest category (by mean attempt
    score), then a question never attempted, then the one with the lowest latest score."""
    candidates = list_questions(session, user_id, category=category, level=level, kind=kind)
    if not candidates:
        return None
    by_id = {q.id: q for q in candidates}
    for card in due_queue(session, user_id, now, new_per_day=0, limit=500, category=category):
        if card.question.id in by_id and not card.memory.is_new:
            return PracticePick(by_id[card.question.id], "due for review")
    latest = question_scores(session, user_id)

    def fresh_first(pool: list[Question]) -> list[Question]:
        return sorted(
            pool,
            key=lambda q: (
                q.id in latest,
                latest.get(q.id, (0.0, now))[0],
                LEVEL_ORDER.get(q.level, 1),
                q.id,
            ),
        )

    present = {q.category for q in candidates}
    weak = sorted(
        (mean, cat)
        for cat, (mean, _n) in category_scores(session, user_id).items()
        if cat in present
    )
    for mean, cat in weak:
        if mean >= WEAK_BELOW:
            break
        pool = fresh_first([q for q in candidates if q.category == cat])
        return PracticePick(pool[0], f"weakest category: {cat} (mean score {mean:.0f})")
    unseen = [q for q in candidates if q.id not in latest]
    if unseen:
        return PracticePick(fresh_first(unseen)[0], "not attempted yet")
    lowest = min(candidates, key=lambda q: (latest[q.id][0], latest[q.id][1], q.id))
    return PracticePick(lowest, f"lowest latest score ({latest[lowest.id][0]:.0f})")
