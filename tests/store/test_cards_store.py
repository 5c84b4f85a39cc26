"""FSRS card state, due queues and review logs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from tests.helpers import make_question

from archprep.scheduling import CardMemory, Grade, make_scheduler, review
from archprep.store import Store
from archprep.store.cards import bury, due_queue, local_user_id, record_review, set_suspended
from archprep.store.questions import sync_builtin
from archprep.store.schema import CardState, ReviewLogRow
from archprep.store.stats import bank_stats

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _seed(store: Store, n: int = 6) -> int:
    with store.session.begin() as s:
        sync_builtin(s, [make_question(f"rag/q{i}") for i in range(n)], NOW)
        return local_user_id(s, NOW)


def test_new_cards_respect_daily_limit_then_reviews_come_due(store: Store) -> None:
    user = _seed(store)
    with store.session() as s:
        queue = due_queue(s, user, NOW, new_per_day=3)
    assert [c.question.id for c in queue] == ["rag/q0", "rag/q1", "rag/q2"]
    with store.session.begin() as s:
        for card in queue:
            record_review(s, user, card.question.id, Grade.GOOD, NOW)
    with store.session() as s:
        assert due_queue(s, user, NOW + timedelta(minutes=1), new_per_day=3) == []
        later = due_queue(s, user, NOW + timedelta(days=2), new_per_day=3)
    # three reviews are due again and tomorrow's three new cards are offered
    assert [c.question.id for c in later] == [
        "rag/q0",
        "rag/q1",
        "rag/q2",
        "rag/q3",
        "rag/q4",
        "rag/q5",
    ]
    assert later[0].memory.reps == 1


def test_a_card_a_mock_flagged_counts_as_due_in_the_queue_and_the_stats(store: Store) -> None:
    """A flagged card is never reviewed (state new) but scheduled for now: the study page and
    the home page must both count it as due, not as one of today's new cards."""
    user = _seed(store, 3)
    with store.session.begin() as s:
        s.add(CardState(user_id=user, question_id="rag/q2", state=0, due=NOW))
    with store.session() as s:
        queue = due_queue(s, user, NOW, new_per_day=5)
        stats = bank_stats(s, user, NOW)
    assert [(c.question.id, c.scheduled) for c in queue] == [
        ("rag/q2", True),
        ("rag/q0", False),
        ("rag/q1", False),
    ]
    assert queue[0].memory.is_new
    assert stats["due"] == sum(c.scheduled for c in queue) == 1
    assert stats["new"] == sum(not c.scheduled for c in queue) == 2


def test_stored_state_matches_pure_fsrs(store: Store) -> None:
    user = _seed(store, 1)
    expected = CardMemory()
    moment = NOW
    for grade in (Grade.GOOD, Grade.GOOD, Grade.HARD, Grade.AGAIN, Grade.EASY):
        with store.session.begin() as s:
            stored = record_review(s, user, "rag/q0", grade, moment)
        expected = review(expected, grade, moment, make_scheduler())
        assert stored.stability == expected.stability and stored.due == expected.due
        assert expected.due is not None
        moment = expected.due
    assert stored.lapses == 1 and stored.reps == 5
    with store.session() as s:
        logs = s.scalar(select(func.count()).select_from(ReviewLogRow))
    assert logs == 5


def test_suspend_and_bury_hide_cards(store: Store) -> None:
    user = _seed(store, 2)
    with store.session.begin() as s:
        set_suspended(s, user, "rag/q0", True, NOW)
        bury(s, user, "rag/q1", NOW)
    with store.session() as s:
        assert due_queue(s, user, NOW) == []
        tomorrow = due_queue(s, user, NOW + timedelta(days=1))
    assert [c.question.id for c in tomorrow] == ["rag/q1"]


def test_stats_counts_due_and_streak(store: Store) -> None:
    user = _seed(store, 4)
    for day in range(3):
        with store.session.begin() as s:
            record_review(s, user, f"rag/q{day}", Grade.AGAIN, NOW + timedelta(days=day))
    with store.session() as s:
        stats = bank_stats(s, user, NOW + timedelta(days=2, hours=1))
    assert stats["questions"] == 4 and stats["streak_days"] == 3
    assert stats["studied"] == 3 and stats["new"] == 1
    assert stats["due"] >= 2
    assert stats["categories"][0]["category"] == "rag"
