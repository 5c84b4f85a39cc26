"""FSRS scheduling as pure functions of (card memory, rating, now), over the ``fsrs`` package."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum

from fsrs import Card, Rating, Scheduler, State


class Grade(IntEnum):
    """The four answer buttons; values match FSRS ratings."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


STATE_NAMES = {0: "new", 1: "learning", 2: "review", 3: "relearning"}


@dataclass(frozen=True)
class CardMemory:
    """What FSRS knows about one user's memory of one question. ``state`` 0 means never seen."""

    state: int = 0
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due: datetime | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0

    @property
    def is_new(self) -> bool:
        return self.state == 0


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything in archprep is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def make_scheduler(desired_retention: float = 0.9) -> Scheduler:
    # Fuzzing draws random numbers; turning it off keeps scheduling a pure function.
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False)


def _to_fsrs(card: CardMemory) -> Card:
    if card.is_new:
        return Card(card_id=1, state=State.Learning, step=0)
    return Card(
        card_id=1,
        state=State(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=aware(card.due) if card.due else None,
        last_review=aware(card.last_review) if card.last_review else None,
    )


def review(
    card: CardMemory, grade: Grade, now: datetime, scheduler: Scheduler | None = None
) -> CardMemory:
    """The card's memory after answering with ``grade`` at ``now``."""
    sched = scheduler or make_scheduler()
    updated, _log = sched.review_card(_to_fsrs(card), Rating(int(grade)), aware(now))
    lapsed = grade == Grade.AGAIN and card.state == State.Review.value
    return CardMemory(
        state=int(updated.state.value),
        step=updated.step,
        stability=updated.stability,
        difficulty=updated.difficulty,
        due=updated.due,
        last_review=updated.last_review,
        reps=card.reps + 1,
        lapses=card.lapses + (1 if lapsed else 0),
    )


def retrievability(card: CardMemory, now: datetime, scheduler: Scheduler | None = None) -> float:
    """Probability the user recalls this card at ``now`` (0 for a card never reviewed)."""
    if card.is_new or card.stability is None:
        return 0.0
    sched = scheduler or make_scheduler()
    return float(sched.get_card_retrievability(_to_fsrs(card), aware(now)))


def preview(
    card: CardMemory, now: datetime, scheduler: Scheduler | None = None
) -> dict[Grade, datetime]:
    """When the card would next be due for each grade: shown on the rating buttons."""
    out: dict[Grade, datetime] = {}
    for grade in Grade:
        after = review(card, grade, now, scheduler)
        assert after.due is not None
        out[grade] = after.due
    return out


def suggested_grade(score: float) -> Grade:
    """The rating a graded answer's score (0-100) suggests; the user may override it."""
    if score < 40:
        return Grade.AGAIN
    if score < 65:
        return Grade.HARD
    if score < 90:
        return Grade.GOOD
    return Grade.EASY


def humanize_interval(now: datetime, due: datetime) -> str:
    seconds = max(0.0, (aware(due) - aware(now)).total_seconds())
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    days = seconds / 86400
    if days < 60:
        return f"{round(days)}d"
    if days < 730:
        return f"{days / 30:.1f}mo"
    return f"{days / 365:.1f}y"


__all__ = [
    "STATE_NAMES",
    "CardMemory",
    "Grade",
    "humanize_interval",
    "make_scheduler",
    "preview",
    "retrievability",
    "review",
    "suggested_grade",
]
