"""Per-user study state: the local user, card memories, due queues, reviews and their logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archprep.bank.model import Question
from archprep.scheduling import CardMemory, Grade, aware, make_scheduler, review
from archprep.store.questions import row_to_question, visible_to
from archprep.store.schema import CardState, Deck, QuestionRow, ReviewLogRow, User

LOCAL_USER = "local"


def local_user_id(session: Session, now: datetime) -> int:
    """The single implicit user of a local install, created on first use."""
    user = session.scalars(select(User).where(User.username == LOCAL_USER)).first()
    if user is None:
        user = User(username=LOCAL_USER, password_hash=None, is_admin=True, created_at=now)
        session.add(user)
        session.flush()
    return user.id


def memory_of(row: CardState | None) -> CardMemory:
    if row is None:
        return CardMemory()
    return CardMemory(
        state=row.state,
        step=row.step,
        stability=row.stability,
        difficulty=row.difficulty,
        due=aware(row.due),
        last_review=aware(row.last_review) if row.last_review else None,
        reps=row.reps,
        lapses=row.lapses,
    )


def card_state(session: Session, user_id: int, question_id: str) -> CardState | None:
    return session.scalars(
        select(CardState).where(CardState.user_id == user_id, CardState.question_id == question_id)
    ).first()


@dataclass
class StudyCard:
    question: Question
    memory: CardMemory


def _start_of_day(now: datetime) -> datetime:
    return aware(now).replace(hour=0, minute=0, second=0, microsecond=0)


def new_introduced_today(session: Session, user_id: int, now: datetime) -> int:
    """Cards whose first-ever review happened today (counts against the daily new limit)."""
    first = (
        select(ReviewLogRow.question_id, func.min(ReviewLogRow.reviewed_at).label("first"))
        .where(ReviewLogRow.user_id == user_id)
        .group_by(ReviewLogRow.question_id)
        .subquery()
    )
    count = session.scalar(
        select(func.count()).select_from(first).where(first.c.first >= _start_of_day(now))
    )
    return int(count or 0)


def due_queue(
    session: Session,
    user_id: int,
    now: datetime,
    *,
    new_per_day: int = 20,
    limit: int = 50,
    category: str | None = None,
    deck: str | None = None,
) -> list[StudyCard]:
    """Due reviews first (most overdue first), then new cards up to today's new-card allowance."""
    base = (
        select(QuestionRow, Deck.slug)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
    )
    if category:
        base = base.where(QuestionRow.category == category)
    if deck:
        base = base.where(Deck.slug == deck)
    due_rows = session.execute(
        base.add_columns(CardState)
        .join(CardState, (CardState.question_id == QuestionRow.id) & (CardState.user_id == user_id))
        .where(
            CardState.due <= now,
            CardState.suspended.is_(False),
            (CardState.buried_until.is_(None)) | (CardState.buried_until <= now),
        )
        .order_by(CardState.due)
        .limit(limit)
    ).all()
    cards = [StudyCard(row_to_question(q, slug), memory_of(cs)) for q, slug, cs in due_rows]
    room = min(
        limit - len(cards), max(0, new_per_day - new_introduced_today(session, user_id, now))
    )
    if room > 0:
        seen = select(CardState.question_id).where(CardState.user_id == user_id)
        new_rows = session.execute(
            base.where(QuestionRow.id.not_in(seen))
            .order_by(QuestionRow.level != "basic", QuestionRow.category, QuestionRow.id)
            .limit(room)
        ).all()
        cards.extend(StudyCard(row_to_question(q, slug), CardMemory()) for q, slug in new_rows)
    return cards


def record_review(
    session: Session,
    user_id: int,
    question_id: str,
    grade: Grade,
    now: datetime,
    *,
    duration_ms: int | None = None,
    desired_retention: float = 0.9,
) -> CardMemory:
    """Apply one rating: update the card's memory and append the log, in the caller's transaction.

    The CLI commits after every card, so an interrupted session loses at most the card being rated.
    """
    row = card_state(session, user_id, question_id)
    before = memory_of(row)
    after = review(before, grade, now, make_scheduler(desired_retention))
    assert after.due is not None
    if row is None:
        row = CardState(user_id=user_id, question_id=question_id)
        session.add(row)
    row.state = after.state
    row.step = after.step
    row.stability = after.stability
    row.difficulty = after.difficulty
    row.due = after.due
    row.last_review = after.last_review
    row.reps = after.reps
    row.lapses = after.lapses
    session.add(
        ReviewLogRow(
            user_id=user_id,
            question_id=question_id,
            rating=int(grade),
            reviewed_at=now,
            duration_ms=duration_ms,
            state_before=before.state,
            due_after=after.due,
        )
    )
    session.flush()
    return after


def set_suspended(
    session: Session, user_id: int, question_id: str, suspended: bool, now: datetime
) -> None:
    row = card_state(session, user_id, question_id)
    if row is None:
        row = CardState(user_id=user_id, question_id=question_id, state=0, due=now)
        session.add(row)
    row.suspended = suspended


def bury(session: Session, user_id: int, question_id: str, now: datetime) -> None:
    """Hide a card until tomorrow without changing its memory."""
    row = card_state(session, user_id, question_id)
    if row is None:
        row = CardState(user_id=user_id, question_id=question_id, state=0, due=now)
        session.add(row)
    row.buried_until = _start_of_day(now) + timedelta(days=1)
