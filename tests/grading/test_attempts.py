"""Stored attempts and the practice picker: due cards first, then the weakest category, then new."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from archprep.scheduling import Grade
from archprep.store import open_store
from archprep.store.attempts import (
    category_scores,
    list_attempts,
    pick_practice_question,
    save_attempt,
)
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import sync_builtin
from tests.helpers import make_question

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_save_list_and_pick(sqlite_url: str) -> None:
    store = open_store(sqlite_url)
    questions = [
        make_question("rag/a", level="basic"),
        make_question("rag/b", level="advanced"),
        make_question("mlops/c", level="basic"),
        make_question("mlops/d", level="intermediate"),
    ]
    with store.session.begin() as s:
        sync_builtin(s, questions, NOW)
        user = local_user_id(s, NOW)
    with store.session.begin() as s:
        first = pick_practice_question(s, user, NOW)
        assert first is not None and first.reason == "not attempted yet"
        assert first.question.level == "basic"
        save_attempt(s, user, "rag/a", "x", {"score": 30.0}, NOW, duration_s=12.5)
        save_attempt(s, user, "mlops/c", "y", {"score": 90.0}, NOW + timedelta(minutes=1))
    with store.session() as s:
        [latest, older] = list_attempts(s, user)
        assert (latest.question_id, older.question_id) == ("mlops/c", "rag/a")
        assert older.duration_s == 12.5 and older.grade == {"score": 30.0}
        assert category_scores(s, user) == {"rag": (30.0, 1), "mlops": (90.0, 1)}
        weak = pick_practice_question(s, user, NOW)
        assert weak is not None and weak.question.id == "rag/b"  # weakest category, unseen first
        assert weak.reason.startswith("weakest category: rag")
        filtered = pick_practice_question(s, user, NOW, category="mlops")
        assert filtered is not None and filtered.question.id == "mlops/d"
        assert pick_practice_question(s, user, NOW, kind="design") is None
    with store.session.begin() as s:
        after = record_review(s, user, "mlops/c", Grade.GOOD, NOW)
    assert after.due is not None
    with store.session() as s:
        due = pick_practice_question(s, user, after.due + timedelta(minutes=1))
        assert due is not None and (due.question.id, due.reason) == ("mlops/c", "due for review")
    store.close()
