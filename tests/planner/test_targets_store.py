"""Interview targets in the store: CRUD, pulled-in due dates on real reviews, timings, the plan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.helpers import make_question

from archprep.errors import UserError
from archprep.planner import Target, Timing, build_plan
from archprep.scheduling import Grade, aware, retrievability
from archprep.store import Store
from archprep.store.cards import memory_of, record_review, set_suspended
from archprep.store.questions import sync_builtin
from archprep.store.schema import CardState
from archprep.store.targets import (
    add_target,
    get_target,
    list_targets,
    load_plan_cards,
    plan_for,
    remove_target,
    review_timing,
    to_target,
)

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
GRADES = (Grade.GOOD, Grade.EASY, Grade.GOOD, Grade.HARD, Grade.GOOD, Grade.AGAIN, Grade.GOOD)


def _seed(store: Store, n: int = 12) -> int:
    from archprep.store.cards import local_user_id

    cats = ("rag", "agents", "behavioral")
    with store.session.begin() as s:
        sync_builtin(s, [make_question(f"{cats[i % 3]}/q{i}") for i in range(n)], NOW)
        return local_user_id(s, NOW)


def test_targets_crud_and_validation(store: Store) -> None:
    user = _seed(store, 2)
    with store.session.begin() as s:
        far = add_target(s, user, interview_date=date(2026, 12, 20), now=NOW,
                         role="LLM platform architect", daily_minutes=30)  # fmt: skip
        near = add_target(s, user, interview_date=date(2026, 11, 20), now=NOW, name="Acme",
                          weights={"rag": 5}, target_recall=0.95)  # fmt: skip
        far_id, near_id = far.id, near.id
    with store.session() as s:
        rows = list_targets(s, user)
        assert [r.id for r in rows] == [near_id, far_id]
        assert rows[1].role_focus == "llm-platform-architect" and rows[1].daily_minutes == 30
        assert rows[1].name == "LLM platform architect interview"
        target = to_target(rows[0])
        assert target.name == "Acme" and target.weight("rag") == 5 and target.weight("x") == 1
        assert target.target_recall == 0.95
        assert list_targets(s, user, upcoming_from=date(2026, 11, 21))[0].id == far_id
    for kwargs, message in (
        ({"interview_date": date(2026, 10, 1)}, "in the past"),
        ({"interview_date": date(2028, 1, 1)}, "more than 365 days"),
        ({"interview_date": date(2026, 12, 1), "daily_minutes": 2}, "daily minutes must be"),
        ({"interview_date": date(2026, 12, 1), "target_recall": 1.0}, "target recall must be"),
        ({"interview_date": date(2026, 12, 1), "role": "pilot"}, "--role"),
    ):
        with store.session.begin() as s, pytest.raises(UserError, match=message):
            add_target(s, user, now=NOW, **kwargs)  # type: ignore[arg-type]
    with store.session.begin() as s:
        remove_target(s, user, near_id)
    with store.session() as s, pytest.raises(UserError, match="no interview target"):
        get_target(s, user, near_id)


def test_real_reviews_never_land_after_the_interview_below_target(store: Store) -> None:
    """Reviews recorded through the store respect every upcoming interview's target."""
    user = _seed(store)
    interview = date(2026, 11, 25)
    goal = 0.95
    with store.session.begin() as s:
        add_target(s, user, interview_date=interview, now=NOW, target_recall=goal)
    at = Target(interview).interview_at
    day_before = datetime(2026, 11, 24, tzinfo=UTC)
    moments = {f"{c}/q{i}": NOW + timedelta(hours=i) for i, c in
               enumerate(("rag", "agents", "behavioral") * 4)}  # fmt: skip
    pulled = 0
    for step in range(8):
        for i, (qid, moment) in enumerate(sorted(moments.items())):
            if moment >= day_before:
                continue
            with store.session.begin() as s:
                after = record_review(s, user, qid, GRADES[(i + step) % len(GRADES)], moment)
            with store.session() as s:
                row = s.scalars(select(CardState).where(CardState.question_id == qid)).one()
                stored = memory_of(row)
            assert stored.due == after.due
            assert after.due is not None
            if after.due > at:
                assert retrievability(after, at) >= goal
            elif after.due >= moment + timedelta(days=1):
                pulled += after.due.hour == 0  # pulled-in dates fall on the day before
            moments[qid] = max(after.due, moment + timedelta(minutes=1))
    assert pulled >= 1


def test_adding_a_target_pulls_in_existing_due_dates(store: Store) -> None:
    user = _seed(store, 3)
    with store.session.begin() as s:
        for i, c in enumerate(("rag", "agents", "behavioral")):
            record_review(s, user, f"{c}/q{i}", Grade.EASY, NOW)
    with store.session() as s:
        before = {r.question_id: aware(r.due) for r in s.scalars(select(CardState))}
    interview = date(2026, 11, 7)
    with store.session.begin() as s:
        add_target(s, user, interview_date=interview, now=NOW, target_recall=0.97,
                   weights={"behavioral": 0})  # fmt: skip
    with store.session() as s:
        after = {r.question_id: aware(r.due) for r in s.scalars(select(CardState))}
    at = Target(interview).interview_at
    assert all(due > at for due in before.values())  # Easy on a new card: ~8 days and more
    assert after["behavioral/q2"] == before["behavioral/q2"]  # weight 0: left alone
    for qid in ("rag/q0", "agents/q1"):
        assert after[qid] < before[qid] and after[qid] < at


def test_timing_cards_and_plan_from_the_store(store: Store) -> None:
    user = _seed(store, 12)
    with store.session.begin() as s:
        for i in range(6):
            qid = f"{('rag', 'agents', 'behavioral')[i % 3]}/q{i}"
            record_review(s, user, qid, Grade.GOOD, NOW, duration_ms=30_000 + i)
            record_review(s, user, qid, Grade.GOOD, NOW + timedelta(minutes=10),
                          duration_ms=8_000)  # fmt: skip
        set_suspended(s, user, "rag/q9", True, NOW)
    later = NOW + timedelta(hours=1)
    with store.session() as s:
        timing = review_timing(s, user)
        cards = load_plan_cards(s, user)
        plan = plan_for(s, user, Target(date(2026, 11, 20)), later)
    assert timing == Timing(30.0025, 8.0)
    assert len(cards) == 11 and "rag/q9" not in {c.question_id for c in cards}
    assert sum(1 for c in cards if not c.memory.is_new) == 6
    direct = build_plan(cards, Target(date(2026, 11, 20)), later, timing=timing)
    assert plan.as_dict() == direct.as_dict()
