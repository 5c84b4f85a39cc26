"""Per-user study state: the local user, card memories, due queues, reviews and their logs."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archprep.bank.model import Question
from archprep.errors import UserError
from archprep.scheduling import CardMemory, Grade, aware, make_scheduler, review
from archprep.store.questions import row_to_question, visible_to
from archprep.store.schema import CardState, Deck, QuestionRow, ReviewLogRow, ReviewUndoRow, User

LOCAL_USER = "local"
UNDO_WINDOW = timedelta(days=1)  # how long a review can still be undone
CARD_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps",
                "lapses", "suspended", "buried_until")  # fmt: skip


def local_user_id(session: Session, now: datetime) -> int:
    """The single implicit user of a local install, created on first use."""
    find = select(User).where(User.username == LOCAL_USER)
    user = session.scalars(find).first()
    if user is None:
        try:
            with session.begin_nested():  # another process may create it at the same moment
                user = User(username=LOCAL_USER, password_hash=None, is_admin=True, created_at=now)
                session.add(user)
        except IntegrityError:
            user = session.scalars(find).one()
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
    # Scheduled for now: a due review, or a card a mock flagged (which may be unreviewed).
    # Unscheduled cards are today's new cards, drawn from the daily allowance.
    scheduled: bool = False


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
    cards = [
        StudyCard(row_to_question(q, slug), memory_of(cs), scheduled=True)
        for q, slug, cs in due_rows
    ]
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
    snapshot = card_snapshot(row)
    after = review(before, grade, now, make_scheduler(desired_retention))
    from archprep.store.targets import interview_due  # targets reads this module's helpers

    pulled = interview_due(session, user_id, question_id, after, now)
    after = after if pulled is None else replace(after, due=pulled)
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
    log = ReviewLogRow(
        user_id=user_id,
        question_id=question_id,
        rating=int(grade),
        reviewed_at=now,
        duration_ms=duration_ms,
        state_before=before.state,
        due_after=after.due,
    )
    session.add(log)
    session.flush()
    session.execute(  # expired snapshots, and any orphan left on a reused SQLite rowid
        delete(ReviewUndoRow).where(
            (ReviewUndoRow.created_at < now - UNDO_WINDOW) & (ReviewUndoRow.user_id == user_id)
            | (ReviewUndoRow.review_log_id == log.id)
        )
    )
    session.add(
        ReviewUndoRow(review_log_id=log.id, user_id=user_id, card_before=snapshot, created_at=now)
    )
    session.flush()
    return after


def card_snapshot(row: CardState | None) -> dict[str, Any] | None:
    """Every column of a card's state as JSON, so a review can be undone exactly."""
    if row is None:
        return None
    out: dict[str, Any] = {}
    for name in CARD_COLUMNS:
        value = getattr(row, name)
        out[name] = aware(value).isoformat() if isinstance(value, datetime) else value
    return out


def last_undoable_review(session: Session, user_id: int) -> int | None:
    """The id of the user's most recent review that can still be undone."""
    found = session.scalar(
        select(ReviewLogRow.id)
        .join(ReviewUndoRow, ReviewUndoRow.review_log_id == ReviewLogRow.id)
        .where(ReviewLogRow.user_id == user_id)
        .order_by(ReviewLogRow.reviewed_at.desc(), ReviewLogRow.id.desc())
        .limit(1)
    )
    return None if found is None else int(found)


def undo_review(session: Session, user_id: int, review_log_id: int) -> str:
    """Put the card back exactly as it was before this review, delete the log; the question id.

    Only a card's latest review can be undone, within a day of making it.
    """
    log = session.get(ReviewLogRow, review_log_id)
    undo = session.get(ReviewUndoRow, review_log_id)
    if log is None or log.user_id != user_id or undo is None:
        raise UserError("that review can no longer be undone")
    latest = session.scalar(
        select(func.max(ReviewLogRow.id)).where(
            ReviewLogRow.user_id == user_id, ReviewLogRow.question_id == log.question_id
        )
    )
    if latest != log.id:
        raise UserError("only the card's latest review can be undone")
    row = card_state(session, user_id, log.question_id)
    if undo.card_before is None:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = CardState(user_id=user_id, question_id=log.question_id)
            session.add(row)
        for name, value in undo.card_before.items():
            is_time = name in ("due", "last_review", "buried_until") and value is not None
            setattr(row, name, datetime.fromisoformat(value) if is_time else value)
    question_id = log.question_id
    session.execute(delete(ReviewUndoRow).where(ReviewUndoRow.review_log_id == review_log_id))
    session.execute(delete(ReviewLogRow).where(ReviewLogRow.id == review_log_id))
    session.flush()
    return question_id


def reviewed_since(session: Session, user_id: int, question_id: str, since: datetime) -> bool:
    """Whether the user rated this card at or after ``since`` (e.g. since a practice attempt)."""
    found = session.scalar(
        select(ReviewLogRow.id)
        .where(
            ReviewLogRow.user_id == user_id,
            ReviewLogRow.question_id == question_id,
            ReviewLogRow.reviewed_at >= since,
        )
        .limit(1)
    )
    return found is not None


def set_suspended(
    session: Session, user_id: int, question_id: str, suspended: bool, now: datetime
) -> None:
    row = card_state(session, user_id, question_id)
    if row is None:
        row = CardState(user_id=user_id, question_id=question_id, state=0, due=now)
        session.add(row)
    row.suspended = suspended


def suspended_ids(session: Session, user_id: int) -> list[str]:
    """The question ids the user has suspended, sorted."""
    return list(
        session.scalars(
            select(CardState.question_id)
            .where(CardState.user_id == user_id, CardState.suspended.is_(True))
            .order_by(CardState.question_id)
        )
    )


def unbury(session: Session, user_id: int, question_id: str) -> None:
    """Bring a buried card back today (undoing ``bury``)."""
    row = card_state(session, user_id, question_id)
    if row is not None:
        row.buried_until = None


def rated_since_shown(
    session: Session, user_id: int, question_id: str, reps_shown: int
) -> CardMemory | None:
    """The card's memory when it has been reviewed since a form showed it with ``reps_shown``
    reviews (a double key press, a second click, a resent form); None when it has not."""
    row = card_state(session, user_id, question_id)
    return memory_of(row) if (row.reps if row is not None else 0) != reps_shown else None


def bury(session: Session, user_id: int, question_id: str, now: datetime) -> None:
    """Hide a card until tomorrow without changing its memory."""
    row = card_state(session, user_id, question_id)
    if row is None:
        row = CardState(user_id=user_id, question_id=question_id, state=0, due=now)
        session.add(row)
    row.buried_until = _start_of_day(now) + timedelta(days=1)
