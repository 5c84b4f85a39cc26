"""Interview targets: add, list, remove; the cards, timings and due dates the planner works from."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from archprep.errors import UserError
from archprep.planner import (
    MAX_DAYS,
    Plan,
    PlanCard,
    Target,
    Timing,
    build_plan,
    check_weights,
    pull_in_due,
    resolve_role,
    timing_from_history,
)
from archprep.scheduling import CardMemory, aware, make_scheduler
from archprep.store.cards import memory_of, new_introduced_today
from archprep.store.questions import visible_to
from archprep.store.schema import CardState, Deck, InterviewTargetRow, QuestionRow, ReviewLogRow

TIMED_REVIEWS = 500  # the most recent logged durations the medians are taken from


def visible_categories(session: Session, user_id: int) -> list[str]:
    """The categories of the questions the user can see."""
    stmt = (
        select(QuestionRow.category)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
        .distinct()
    )
    return sorted(session.scalars(stmt))


def add_target(
    session: Session,
    user_id: int,
    *,
    interview_date: date,
    now: datetime,
    role: str | None = None,
    name: str | None = None,
    weights: Mapping[str, float] | None = None,
    target_recall: float = 0.9,
    daily_minutes: int = 45,
) -> InterviewTargetRow:
    """Store an interview to prepare for and pull in the reviews that would land after it."""
    today = aware(now).date()
    if interview_date < today:
        raise UserError(
            f"the interview date {interview_date} is in the past; give the interview's date"
        )
    if interview_date > today + timedelta(days=MAX_DAYS):
        raise UserError(f"the interview date {interview_date} is more than {MAX_DAYS} days away")
    if not 5 <= daily_minutes <= 600:
        raise UserError(f"daily minutes must be between 5 and 600 (got {daily_minutes})")
    if not 0.5 <= target_recall <= 0.99:
        raise UserError(f"the target recall must be between 0.5 and 0.99 (got {target_recall})")
    if weights:
        check_weights(weights, visible_categories(session, user_id))
    profile = resolve_role(role)
    row = InterviewTargetRow(
        user_id=user_id,
        name=(name or f"{profile.title} interview")[:120],
        interview_date=interview_date,
        role_focus=profile.slug,
        category_weights={**profile.weights, **(weights or {})},
        target_recall=target_recall,
        daily_minutes=daily_minutes,
        created_at=now,
    )
    session.add(row)
    session.flush()
    apply_deadlines(session, user_id, to_target(row), now)
    return row


def list_targets(
    session: Session, user_id: int, *, upcoming_from: date | None = None
) -> list[InterviewTargetRow]:
    """The user's targets, soonest first (only those on or after ``upcoming_from`` if given)."""
    stmt = select(InterviewTargetRow).where(InterviewTargetRow.user_id == user_id)
    if upcoming_from is not None:
        stmt = stmt.where(InterviewTargetRow.interview_date >= upcoming_from)
    return list(
        session.scalars(stmt.order_by(InterviewTargetRow.interview_date, InterviewTargetRow.id))
    )


def get_target(session: Session, user_id: int, target_id: int) -> InterviewTargetRow:
    row = session.get(InterviewTargetRow, target_id)
    if row is None or row.user_id != user_id:
        raise UserError(f"no interview target with id {target_id}; see `archprep plan list`")
    return row


def remove_target(session: Session, user_id: int, target_id: int) -> None:
    """Forget a target; reviews it pulled in stay where they are (early is never harmful)."""
    session.delete(get_target(session, user_id, target_id))
    session.flush()


def to_target(row: InterviewTargetRow) -> Target:
    return Target(
        interview_date=row.interview_date,
        weights={k: float(v) for k, v in (row.category_weights or {}).items()},
        target_recall=row.target_recall,
        daily_minutes=row.daily_minutes,
        name=row.name,
        role=row.role_focus or "general",
    )


def load_plan_cards(session: Session, user_id: int) -> list[PlanCard]:
    """Every question the user can study (suspended cards left out), with its memory."""
    rows = session.execute(
        select(QuestionRow.id, QuestionRow.category, QuestionRow.level, CardState)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .outerjoin(
            CardState, (CardState.question_id == QuestionRow.id) & (CardState.user_id == user_id)
        )
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
        .order_by(QuestionRow.id)
    )
    return [
        PlanCard(qid, category, memory_of(cs), level)
        for qid, category, level, cs in rows
        if cs is None or not cs.suspended
    ]


def review_timing(session: Session, user_id: int) -> Timing:
    """Median seconds per new card and per review from the user's recent review logs."""
    rows = session.execute(
        select(ReviewLogRow.state_before, ReviewLogRow.duration_ms)
        .where(ReviewLogRow.user_id == user_id, ReviewLogRow.duration_ms.is_not(None))
        .order_by(ReviewLogRow.id.desc())
        .limit(TIMED_REVIEWS)
    )
    new_ms: list[float] = []
    review_ms: list[float] = []
    for state_before, ms in rows:
        (new_ms if state_before == 0 else review_ms).append(float(ms or 0))
    return timing_from_history(new_ms, review_ms)


def plan_for(
    session: Session,
    user_id: int,
    target: Target,
    now: datetime,
    desired_retention: float = 0.9,
    *,
    new_per_day: int | None = None,
) -> Plan:
    """The forecast and daily plan for ``target`` from the user's cards and timings.

    With ``new_per_day`` (the user's daily allowance of new cards) the plan asks for no more
    new cards a day than flashcards will show, counting those already introduced today.
    """
    return build_plan(
        load_plan_cards(session, user_id),
        target,
        now,
        timing=review_timing(session, user_id),
        scheduler=make_scheduler(desired_retention),
        new_per_day=new_per_day,
        new_today=new_introduced_today(session, user_id, now) if new_per_day is not None else 0,
    )


def interview_due(
    session: Session, user_id: int, question_id: str, after: CardMemory, now: datetime
) -> datetime | None:
    """The due date a just-reviewed card must have to stay above target at an upcoming interview."""
    targets = list_targets(session, user_id, upcoming_from=aware(now).date())
    if not targets:
        return None
    category = session.scalar(select(QuestionRow.category).where(QuestionRow.id == question_id))
    sched = make_scheduler()
    dues = []
    for row in targets:
        target = to_target(row)
        if category is None or target.weight(category) <= 0:
            continue
        pulled = pull_in_due(after, target.interview_at, target.target_recall, sched)
        if pulled is not None:
            dues.append(pulled)
    return min(dues) if dues else None


def apply_deadlines(session: Session, user_id: int, target: Target, now: datetime) -> int:
    """Pull in the stored due dates that fall after ``target``'s interview; returns how many."""
    sched = make_scheduler()
    moved = 0
    rows = session.execute(
        select(CardState, QuestionRow.category)
        .join(QuestionRow, CardState.question_id == QuestionRow.id)
        .where(
            CardState.user_id == user_id,
            CardState.state > 0,
            CardState.due > target.interview_at,
        )
    )
    for cs, category in rows:
        if target.weight(category) <= 0:
            continue
        pulled = pull_in_due(memory_of(cs), target.interview_at, target.target_recall, sched)
        if pulled is not None:
            cs.due = pulled
            moved += 1
    session.flush()
    return moved
