"""Mock interviews in the database: users' plans, sessions, answers, history, study scheduling."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archprep.errors import NotFound, UserError
from archprep.interview.plans import BUILTIN_PLANS, Plan, plan_from_spec
from archprep.interview.report import GivenAnswer
from archprep.interview.selection import QuestionStats, Selection
from archprep.interview.session import AnswerRecord, start_position
from archprep.scheduling import make_scheduler, retrievability
from archprep.store.cards import card_state, memory_of
from archprep.store.questions import visible_to
from archprep.store.schema import (
    AttemptRow,
    CardState,
    Deck,
    MockAnswerRow,
    MockPlanRow,
    MockSessionRow,
    QuestionRow,
)

ACTIVE = "active"
FINISHED = "finished"


# ---- plans ---------------------------------------------------------------------------------


def list_plans(session: Session, user_id: int) -> list[Plan]:
    """Built-in plans, then the user's own in name order."""
    rows = session.scalars(
        select(MockPlanRow).where(MockPlanRow.user_id == user_id).order_by(MockPlanRow.name)
    )
    return [*BUILTIN_PLANS.values(), *(plan_from_spec(r.name, r.spec) for r in rows)]


def get_plan(session: Session, user_id: int, name: str) -> Plan:
    if name in BUILTIN_PLANS:
        return BUILTIN_PLANS[name]
    row = session.scalars(
        select(MockPlanRow).where(MockPlanRow.user_id == user_id, MockPlanRow.name == name)
    ).first()
    if row is None:
        known = ", ".join(p.name for p in list_plans(session, user_id))
        raise UserError(f"no mock plan {name!r}; use one of {known} (or `archprep mock --list`)")
    return plan_from_spec(row.name, row.spec)


def save_plan(session: Session, user_id: int, plan: Plan, now: datetime) -> None:
    """Store (or replace) a user's plan; built-in names are reserved."""
    if plan.name in BUILTIN_PLANS:
        raise UserError(f"{plan.name!r} is a built-in plan; save yours under another name")
    _check_filters(session, user_id, plan)
    spec = plan.as_spec()
    row = session.scalars(
        select(MockPlanRow).where(MockPlanRow.user_id == user_id, MockPlanRow.name == plan.name)
    ).first()
    if row is None:
        session.add(MockPlanRow(user_id=user_id, name=plan.name, spec=spec, created_at=now))
    else:
        row.spec = spec
    session.flush()


def _check_filters(session: Session, user_id: int, plan: Plan) -> None:
    """Refuse a category or kind no question of the user's has: the plan could never start."""
    rows = session.execute(
        select(QuestionRow.category, QuestionRow.kind)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
    ).all()
    have = {"category": {r.category for r in rows}, "kind": {r.kind for r in rows}}
    for round_ in plan.rounds:
        for pick in round_.picks:
            for field, asked in (("category", pick.categories), ("kind", pick.kinds)):
                unknown = [v for v in asked if v not in have[field]]
                if unknown:
                    raise UserError(
                        f"round {round_.name!r}: no question has {field} {unknown[0]!r}; use one "
                        f"of {', '.join(sorted(have[field]))}"
                    )


def delete_plan(session: Session, user_id: int, name: str) -> bool:
    row = session.scalars(
        select(MockPlanRow).where(MockPlanRow.user_id == user_id, MockPlanRow.name == name)
    ).first()
    if row is None:
        return False
    session.delete(row)
    return True


# ---- what the user knows -------------------------------------------------------------------


def question_stats(
    session: Session, user_id: int, now: datetime, desired_retention: float = 0.9
) -> dict[str, QuestionStats]:
    """Per question: attempts and their mean score, and FSRS retrievability now."""
    scores: dict[str, list[float]] = defaultdict(list)
    for qid, score in session.execute(
        select(AttemptRow.question_id, AttemptRow.score).where(AttemptRow.user_id == user_id)
    ):
        scores[qid].append(float(score))
    scheduler = make_scheduler(desired_retention)
    recall: dict[str, float] = {}
    for card in session.scalars(
        select(CardState).where(CardState.user_id == user_id, CardState.state > 0)
    ):
        recall[card.question_id] = retrievability(memory_of(card), now, scheduler)
    out: dict[str, QuestionStats] = {}
    for qid in scores.keys() | recall.keys():
        s = scores.get(qid, [])
        out[qid] = QuestionStats(len(s), sum(s) / len(s) if s else None, recall.get(qid))
    return out


# ---- sessions and answers ------------------------------------------------------------------


def create_session(
    session: Session, user_id: int, plan: Plan, selection: Selection, seed: int, now: datetime
) -> MockSessionRow:
    row = MockSessionRow(
        user_id=user_id,
        plan_name=plan.name,
        plan={**plan.as_spec(), "seed": seed, "shortfalls": selection.shortfalls},
        questions=[[c.as_dict() for c in r] for r in selection.rounds],
        position=start_position(),
        status=ACTIVE,
        started_at=now,
        finished_at=None,
        report=None,
    )
    session.add(row)
    session.flush()
    return row


def get_session(
    session: Session, user_id: int, session_id: int, *, lock: bool = False
) -> MockSessionRow:
    row = session.get(MockSessionRow, session_id, with_for_update=lock or None)
    if row is None or row.user_id != user_id:
        raise NotFound(f"no mock interview #{session_id}; see `archprep mock --history`")
    return row


def latest_unfinished(session: Session, user_id: int) -> MockSessionRow | None:
    return session.scalars(
        select(MockSessionRow)
        .where(MockSessionRow.user_id == user_id, MockSessionRow.status == ACTIVE)
        .order_by(MockSessionRow.started_at.desc(), MockSessionRow.id.desc())
    ).first()


def add_answer(
    session: Session,
    session_id: int,
    record: AnswerRecord,
    *,
    score: float | None,
    grade: dict[str, Any] | None,
    attempt_id: int | None,
    now: datetime,
) -> MockAnswerRow:
    row = MockAnswerRow(
        session_id=session_id,
        round_index=record.round_index,
        question_index=record.question_index,
        question_id=record.question_id,
        role=record.role,
        prompt=record.prompt,
        answer=record.answer,
        hints_used=record.hints_used,
        skipped=record.skipped,
        duration_s=record.duration_s,
        budget_s=record.budget_s,
        score=score,
        grade=grade,
        attempt_id=attempt_id,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def answer_rows(session: Session, session_id: int) -> list[MockAnswerRow]:
    return list(
        session.scalars(
            select(MockAnswerRow)
            .where(MockAnswerRow.session_id == session_id)
            .order_by(MockAnswerRow.id)
        )
    )


def given(row: MockAnswerRow) -> GivenAnswer:
    return GivenAnswer(
        role=row.role,
        round_index=row.round_index,
        question_index=row.question_index,
        question_id=row.question_id,
        prompt=row.prompt,
        answer=row.answer,
        hints_used=row.hints_used,
        skipped=row.skipped,
        duration_s=row.duration_s,
        budget_s=row.budget_s,
        score=row.score,
        grade=row.grade,
        attempt_id=row.attempt_id,
    )


def history(session: Session, user_id: int) -> list[dict[str, Any]]:
    """Every mock of the user, oldest first, with its overall score when finished."""
    rows = session.scalars(
        select(MockSessionRow)
        .where(MockSessionRow.user_id == user_id)
        .order_by(MockSessionRow.started_at, MockSessionRow.id)
    )
    out = []
    for r in rows:
        overall = (r.report or {}).get("overall", {})
        out.append(
            {
                "id": r.id,
                "plan": r.plan_name,
                "title": r.plan.get("title", r.plan_name),
                "status": r.status,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "score": overall.get("score"),
                "asked": overall.get("asked"),
                "planned": sum(len(x) for x in r.questions),
            }
        )
    return out


def schedule_due_now(
    session: Session, user_id: int, question_ids: list[str], now: datetime
) -> list[str]:
    """Put these cards at the front of the flashcard queue: due now, unburied.

    Reviewed cards keep their memory and only move their due date; unseen cards get a new
    (state 0) card due now, so they show up as due rather than waiting for the new-card quota.
    Suspended cards stay suspended: the user chose that.
    """
    done = []
    for qid in dict.fromkeys(question_ids):
        row = card_state(session, user_id, qid)
        if row is None:
            row = CardState(user_id=user_id, question_id=qid, state=0, due=now)
            session.add(row)
        elif row.suspended:
            continue
        row.due = now
        row.buried_until = None
        done.append(qid)
    session.flush()
    return done
