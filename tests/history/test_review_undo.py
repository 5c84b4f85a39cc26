"""Flashcard undo: the card's exact prior state comes back and the review's log is deleted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.helpers import make_question

from archprep.errors import UserError
from archprep.scheduling import Grade
from archprep.store import Store
from archprep.store.cards import (
    CARD_COLUMNS,
    bury,
    card_state,
    due_queue,
    last_undoable_review,
    local_user_id,
    record_review,
    undo_review,
)
from archprep.store.questions import sync_builtin
from archprep.store.schema import ReviewLogRow, ReviewUndoRow, User

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _seed(store: Store) -> int:
    with store.session.begin() as s:
        sync_builtin(s, [make_question(f"rag/q{i}") for i in range(3)], NOW)
        return local_user_id(s, NOW)


def state(store: Store, user: int, qid: str) -> dict[str, Any] | None:
    with store.session() as s:
        row = card_state(s, user, qid)
        return None if row is None else {c: getattr(row, c) for c in CARD_COLUMNS}


def logs(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(ReviewLogRow)) or 0)


def test_undo_restores_the_exact_prior_state_at_every_step(store: Store) -> None:
    user = _seed(store)
    moment = NOW
    with store.session.begin() as s:
        bury(s, user, "rag/q1", NOW - timedelta(days=3))  # a buried_until to keep exactly
    for grade in (Grade.GOOD, Grade.GOOD, Grade.AGAIN, Grade.HARD, Grade.EASY):
        before, count = state(store, user, "rag/q1"), logs(store)
        with store.session.begin() as s:
            after = record_review(s, user, "rag/q1", grade, moment)
            log_id = last_undoable_review(s, user)
        assert log_id is not None and logs(store) == count + 1
        with store.session.begin() as s:
            assert undo_review(s, user, log_id) == "rag/q1"
        assert state(store, user, "rag/q1") == before  # every column, floats bit for bit
        assert logs(store) == count
        with store.session.begin() as s:  # now really rate it, and go on
            record_review(s, user, "rag/q1", grade, moment)
        assert after.due is not None
        moment = max(after.due, moment + timedelta(minutes=1))


def test_undo_of_a_new_cards_first_review_makes_it_new_again(store: Store) -> None:
    user = _seed(store)
    with store.session() as s:
        queue_before = [c.question.id for c in due_queue(s, user, NOW, new_per_day=2)]
    with store.session.begin() as s:
        record_review(s, user, queue_before[0], Grade.AGAIN, NOW)
        log_id = last_undoable_review(s, user)
        assert log_id is not None
        undo_review(s, user, log_id)
    assert state(store, user, queue_before[0]) is None
    with store.session() as s:  # the new-card allowance is back too
        assert [c.question.id for c in due_queue(s, user, NOW, new_per_day=2)] == queue_before
        assert s.scalar(select(func.count()).select_from(ReviewUndoRow)) == 0


def test_only_a_cards_latest_review_within_a_day_can_be_undone(store: Store) -> None:
    user = _seed(store)
    with store.session.begin() as s:
        record_review(s, user, "rag/q0", Grade.AGAIN, NOW)
        first = last_undoable_review(s, user)
        record_review(s, user, "rag/q0", Grade.GOOD, NOW + timedelta(minutes=2))
        assert first is not None
    with store.session.begin() as s, pytest.raises(UserError, match="latest review"):
        undo_review(s, user, first)
    with store.session.begin() as s:
        other = User(username="someone", password_hash=None, created_at=NOW)
        s.add(other)
        s.flush()
        latest = last_undoable_review(s, user)
        assert latest is not None
        with pytest.raises(UserError, match="can no longer be undone"):
            undo_review(s, other.id, latest)
    with store.session.begin() as s:  # a review two days later prunes the old snapshots
        record_review(s, user, "rag/q2", Grade.GOOD, NOW + timedelta(days=2))
    with store.session.begin() as s, pytest.raises(UserError, match="can no longer be undone"):
        assert latest is not None
        undo_review(s, user, latest)
