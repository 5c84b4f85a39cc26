"""How prepared a user is: readiness per category, daily series, score trends, study preferences."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import BindParameter, Integer, bindparam, func, select
from sqlalchemy.orm import Session

from archprep.bank.model import Question
from archprep.errors import UserError
from archprep.scheduling import CardMemory, aware, make_scheduler, retrievability
from archprep.store.cards import card_state, memory_of
from archprep.store.questions import row_to_question, visible_to
from archprep.store.schema import (
    AttemptRow,
    CardState,
    Deck,
    InterviewTargetRow,
    Meta,
    QuestionRow,
    ReviewLogRow,
    StudyPrefsRow,
)

# Readiness blends memory (FSRS) and answering (graded practice) when both exist.
RECALL_WEIGHT = 0.7
PRACTICE_WEIGHT = 0.3
REVIEW_STATE = 2  # FSRS "review": the card had graduated, so rating it measures retention


@dataclass
class CategoryReadiness:
    """One category's preparation: memory of its cards and scores on its practice answers.

    ``recall`` is mean retrievability over seen cards times the share seen, so an untouched
    category starts at 0; ``practice`` is the mean of the latest score per attempted question
    (0-1). ``readiness`` is ``recall`` alone until something was practised, then
    ``0.7 * recall + 0.3 * practice``.
    """

    category: str
    total: int
    seen: int = 0
    mean_retrievability: float | None = None
    attempted: int = 0
    practice: float | None = None
    recall: float = 0.0
    readiness: float = 0.0


@dataclass(frozen=True)
class StudyPrefs:
    desired_retention: float = 0.9
    new_cards_per_day: int = 20


@dataclass
class DayReviews:
    day: date
    again: int = 0
    hard: int = 0
    good: int = 0
    easy: int = 0

    @property
    def total(self) -> int:
        return self.again + self.hard + self.good + self.easy


@dataclass
class RetentionPoint:
    day: date
    retention: float | None
    reviews: int


@dataclass
class ScorePoint:
    day: date
    score: float
    attempts: int


@dataclass
class TodayPlan:
    due: int
    new_available: int
    minutes: int
    weakest: list[CategoryReadiness] = field(default_factory=list)
    practice: Question | None = None


def _category_totals(session: Session, user_id: int) -> dict[str, int]:
    rows = session.execute(
        select(QuestionRow.category, func.count())
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
        .group_by(QuestionRow.category)
    ).all()
    return {str(cat): int(n) for cat, n in rows}


def unseen_count(
    session: Session, user_id: int, *, category: str | None = None, deck: str | None = None
) -> int:
    """Questions the user has never studied (new cards), optionally in one category or deck."""
    seen = select(CardState.question_id).where(CardState.user_id == user_id)
    stmt = (
        select(func.count())
        .select_from(QuestionRow)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id), QuestionRow.id.not_in(seen))
    )
    if category:
        stmt = stmt.where(QuestionRow.category == category)
    if deck:
        stmt = stmt.where(Deck.slug == deck)
    return int(session.scalar(stmt) or 0)


def _latest_scores(session: Session, user_id: int) -> dict[str, tuple[str, float]]:
    """question id -> (category, latest score 0-100) over the user's attempts."""
    rows = session.execute(
        select(AttemptRow.question_id, QuestionRow.category, AttemptRow.score)
        .join(QuestionRow, AttemptRow.question_id == QuestionRow.id)
        .where(AttemptRow.user_id == user_id, QuestionRow.retired.is_(False))
        .order_by(AttemptRow.created_at, AttemptRow.id)
    ).all()
    return {qid: (cat, float(score)) for qid, cat, score in rows}


def readiness(
    session: Session, user_id: int, now: datetime, desired_retention: float = 0.9
) -> list[CategoryReadiness]:
    """Readiness for every category the user can see, weakest first."""
    out = {cat: CategoryReadiness(cat, n) for cat, n in _category_totals(session, user_id).items()}
    scheduler = make_scheduler(desired_retention)
    recall_sums: dict[str, float] = defaultdict(float)
    for cat, card in session.execute(
        select(QuestionRow.category, CardState)
        .join(QuestionRow, CardState.question_id == QuestionRow.id)
        .where(CardState.user_id == user_id, CardState.state > 0, QuestionRow.retired.is_(False))
    ):
        if cat in out:
            out[cat].seen += 1
            recall_sums[cat] += retrievability(memory_of(card), now, scheduler)
    practice: dict[str, list[float]] = defaultdict(list)
    for cat, score in _latest_scores(session, user_id).values():
        practice[cat].append(score / 100)
    for cat, entry in out.items():
        if entry.seen:
            entry.mean_retrievability = recall_sums[cat] / entry.seen
            entry.recall = entry.mean_retrievability * min(1.0, entry.seen / entry.total)
        if practice.get(cat):
            entry.attempted = len(practice[cat])
            entry.practice = sum(practice[cat]) / entry.attempted
            entry.readiness = RECALL_WEIGHT * entry.recall + PRACTICE_WEIGHT * entry.practice
        else:
            entry.readiness = entry.recall
    return sorted(out.values(), key=lambda r: (r.readiness, r.category))


def overall_readiness(rows: list[CategoryReadiness]) -> float:
    """Readiness over the whole bank, each category weighted by its number of questions."""
    total = sum(r.total for r in rows)
    return sum(r.readiness * r.total for r in rows) / total if total else 0.0


def _days(now: datetime, days: int) -> list[date]:
    today = aware(now).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def reviews_per_day(
    session: Session, user_id: int, now: datetime, days: int = 30
) -> list[DayReviews]:
    """Ratings per UTC day over the last ``days`` days, oldest first, empty days included."""
    series = {d: DayReviews(d) for d in _days(now, days)}
    start = datetime.combine(min(series), datetime.min.time(), tzinfo=aware(now).tzinfo)
    for when, rating in session.execute(
        select(ReviewLogRow.reviewed_at, ReviewLogRow.rating).where(
            ReviewLogRow.user_id == user_id, ReviewLogRow.reviewed_at >= start
        )
    ):
        entry = series.get(aware(when).date())
        if entry is not None:
            name = {1: "again", 2: "hard", 3: "good", 4: "easy"}.get(rating)
            if name:
                setattr(entry, name, getattr(entry, name) + 1)
    return list(series.values())


def retention_series(
    session: Session, user_id: int, now: datetime, days: int = 30, window: int = 7
) -> list[RetentionPoint]:
    """True retention: the share of graduated-card reviews not rated Again, over a rolling window."""
    day_list = _days(now, days)
    first = day_list[0] - timedelta(days=window - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=aware(now).tzinfo)
    passed: dict[date, int] = defaultdict(int)
    total: dict[date, int] = defaultdict(int)
    for when, rating in session.execute(
        select(ReviewLogRow.reviewed_at, ReviewLogRow.rating).where(
            ReviewLogRow.user_id == user_id,
            ReviewLogRow.reviewed_at >= start,
            ReviewLogRow.state_before == REVIEW_STATE,
        )
    ):
        d = aware(when).date()
        total[d] += 1
        passed[d] += rating > 1
    out = []
    for d in day_list:
        span = [d - timedelta(days=k) for k in range(window)]
        n = sum(total[s] for s in span)
        ok = sum(passed[s] for s in span)
        out.append(RetentionPoint(d, ok / n if n else None, n))
    return out


def score_trends(
    session: Session, user_id: int, now: datetime, days: int = 90
) -> dict[str, list[ScorePoint]]:
    """Mean practice score per category per day (days with attempts only), oldest first."""
    start = aware(now) - timedelta(days=days)
    buckets: dict[str, dict[date, list[float]]] = defaultdict(lambda: defaultdict(list))
    for when, cat, score in session.execute(
        select(AttemptRow.created_at, QuestionRow.category, AttemptRow.score)
        .join(QuestionRow, AttemptRow.question_id == QuestionRow.id)
        .where(AttemptRow.user_id == user_id, AttemptRow.created_at >= start)
    ):
        buckets[cat][aware(when).date()].append(float(score))
    return {
        cat: [ScorePoint(d, sum(v) / len(v), len(v)) for d, v in sorted(by_day.items())]
        for cat, by_day in sorted(buckets.items())
    }


def next_practice_question(
    session: Session,
    user_id: int,
    now: datetime,
    *,
    category: str | None = None,
    exclude: str | None = None,
) -> Question | None:
    """A question worth answering next: never attempted first, then the longest since attempted.

    Rapid-fire and ask-them questions are for flashcards and the end of an interview, not for
    a written answer; the rotation by day keeps the suggestion fresh without randomness.
    """
    last_attempt = (
        select(AttemptRow.question_id, func.max(AttemptRow.created_at).label("last"))
        .where(AttemptRow.user_id == user_id)
        .group_by(AttemptRow.question_id)
        .subquery()
    )
    stmt = (
        select(QuestionRow, Deck.slug, last_attempt.c.last)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .outerjoin(last_attempt, last_attempt.c.question_id == QuestionRow.id)
        .where(
            QuestionRow.retired.is_(False),
            visible_to(user_id),
            QuestionRow.kind.not_in(("rapid-fire", "ask-them")),
        )
    )
    if category:
        stmt = stmt.where(QuestionRow.category == category)
    if exclude:
        stmt = stmt.where(QuestionRow.id != exclude)
    rows = session.execute(stmt).all()
    if not rows:
        return None
    never = sorted((r for r in rows if r[2] is None), key=lambda r: r[0].id)
    if never:
        pick = never[aware(now).toordinal() % len(never)]
    else:
        pick = min(rows, key=lambda r: (aware(r[2]), r[0].id))
    return row_to_question(pick[0], pick[1])


def today_plan(
    session: Session,
    user_id: int,
    now: datetime,
    *,
    due: int,
    new_available: int,
    categories: list[CategoryReadiness],
) -> TodayPlan:
    """What to do today: the due reviews, some new cards, and one answer in the weakest area."""
    weakest = [c for c in categories if c.total and c.category not in ("ask-them", "rapid-fire")]
    weakest = weakest[:3]
    practice = next_practice_question(
        session, user_id, now, category=weakest[0].category if weakest else None
    )
    minutes = round(due * 0.5 + new_available * 1.0 + (8 if practice else 0))
    return TodayPlan(due, new_available, minutes, weakest, practice)


def _data_version_query() -> Any:
    user: BindParameter[int] = bindparam("user_id", type_=Integer)
    mine, cards, attempts = (ReviewLogRow.user_id == user, CardState.user_id == user,
                             AttemptRow.user_id == user)  # fmt: skip
    return select(
        select(func.count()).select_from(ReviewLogRow).where(mine).scalar_subquery(),
        select(func.max(ReviewLogRow.id)).where(mine).scalar_subquery(),
        select(func.count()).select_from(AttemptRow).where(attempts).scalar_subquery(),
        select(func.max(AttemptRow.id)).where(attempts).scalar_subquery(),
        select(func.count()).select_from(CardState).where(cards).scalar_subquery(),
        select(func.count()).select_from(CardState)
        .where(cards, CardState.suspended.is_(True)).scalar_subquery(),
        select(func.max(CardState.buried_until)).where(cards).scalar_subquery(),
        select(StudyPrefsRow.updated_at).where(StudyPrefsRow.user_id == user).scalar_subquery(),
        select(Meta.value).where(Meta.key == "bank_version").scalar_subquery(),
        select(func.count()).select_from(InterviewTargetRow)
        .where(InterviewTargetRow.user_id == user).scalar_subquery(),
        select(func.max(InterviewTargetRow.id))
        .where(InterviewTargetRow.user_id == user).scalar_subquery(),
    )  # fmt: skip


# Built once: pages ask for it on every request, and building a statement costs more than
# running it.
DATA_VERSION = _data_version_query()


def data_version(session: Session, user_id: int) -> tuple[Any, ...]:
    """A fingerprint of everything the user's pages show, read in one query.

    It changes with any review (or undo), answer, suspended or buried card, settings change,
    interview date added or removed, and bank change (syncs and imports), whichever process or command made it; pages cached under
    it are never stale in content, only in time (callers add the minute).
    """
    return tuple(session.execute(DATA_VERSION, {"user_id": user_id}).one())


def study_prefs(session: Session, user_id: int, defaults: StudyPrefs) -> StudyPrefs:
    row = session.get(StudyPrefsRow, user_id)
    if row is None:
        return defaults
    return StudyPrefs(row.desired_retention, row.new_cards_per_day)


def save_study_prefs(session: Session, user_id: int, prefs: StudyPrefs, now: datetime) -> None:
    """Store a user's own desired retention (0.7-0.99) and new cards per day (0-500)."""
    if not 0.7 <= prefs.desired_retention <= 0.99:
        raise UserError(
            f"desired retention must be between 0.70 and 0.99 (got {prefs.desired_retention})"
        )
    if not 0 <= prefs.new_cards_per_day <= 500:
        raise UserError(
            f"new cards per day must be between 0 and 500 (got {prefs.new_cards_per_day})"
        )
    row = session.get(StudyPrefsRow, user_id)
    if row is None:
        row = StudyPrefsRow(user_id=user_id)
        session.add(row)
    row.desired_retention = prefs.desired_retention
    row.new_cards_per_day = prefs.new_cards_per_day
    row.updated_at = now


@dataclass
class AttemptSummary:
    id: int
    question_id: str
    question: str
    category: str
    score: float
    created_at: datetime


def recent_attempts(
    session: Session, user_id: int, *, limit: int = 10, question_id: str | None = None
) -> list[AttemptSummary]:
    """The user's latest graded answers, newest first (optionally for one question)."""
    stmt = (
        select(AttemptRow.id, AttemptRow.question_id, QuestionRow.question, QuestionRow.category,
               AttemptRow.score, AttemptRow.created_at)
        .join(QuestionRow, AttemptRow.question_id == QuestionRow.id)
        .where(AttemptRow.user_id == user_id)
        .order_by(AttemptRow.created_at.desc(), AttemptRow.id.desc())
        .limit(limit)
    )  # fmt: skip
    if question_id:
        stmt = stmt.where(AttemptRow.question_id == question_id)
    return [AttemptSummary(*row) for row in session.execute(stmt)]


def card_memory(session: Session, user_id: int, question_id: str) -> CardMemory | None:
    """The user's memory of one card, or None if never studied."""
    row = card_state(session, user_id, question_id)
    return None if row is None else memory_of(row)


@dataclass
class DeckSummary:
    slug: str
    name: str
    questions: int
    created_at: datetime


def imported_decks(session: Session, user_id: int) -> list[DeckSummary]:
    """The user's own decks (imports) with how many live questions each holds."""
    rows = session.execute(
        select(Deck.slug, Deck.name, func.count(QuestionRow.id), Deck.created_at)
        .outerjoin(QuestionRow, (QuestionRow.deck_id == Deck.id) & QuestionRow.retired.is_(False))
        .where(Deck.owner_id == user_id)
        .group_by(Deck.id, Deck.slug, Deck.name, Deck.created_at)
        .order_by(Deck.created_at.desc(), Deck.slug)
    )
    return [DeckSummary(slug, name, int(n), created) for slug, name, n, created in rows]


def get_attempt(session: Session, user_id: int, attempt_id: int) -> AttemptRow | None:
    """One of the user's attempts (None for another user's: attempts are private)."""
    return session.scalars(
        select(AttemptRow).where(AttemptRow.id == attempt_id, AttemptRow.user_id == user_id)
    ).first()
