"""Answer history: word-level diffs between attempts, recurring missed key points, the store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.helpers import make_question

from archprep.errors import UserError
from archprep.history import (
    AttemptRecord,
    DiffPart,
    diff_attempts,
    question_history,
    recurring_misses,
    word_diff,
)
from archprep.store import Store
from archprep.store.cards import local_user_id
from archprep.store.questions import sync_builtin
from archprep.store.schema import AttemptRow

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
KP = ("Use hybrid retrieval", "Rerank the top candidates", "Evaluate with a golden set")


def test_word_diff_marks_added_removed_and_kept_words() -> None:
    old = "Use BM25 and dense vectors.\nThen answer."
    new = "Use BM25 and dense vectors, fused with RRF.\nThen rerank and answer."
    parts = word_diff(old, new)
    assert parts == [
        DiffPart("equal", "Use BM25 and dense "),
        DiffPart("delete", "vectors.\n"),
        DiffPart("insert", "vectors, fused with RRF.\n"),
        DiffPart("equal", "Then "),
        DiffPart("insert", "rerank and "),
        DiffPart("equal", "answer."),
    ]


WORDS = st.lists(st.sampled_from(["rag", "bm25", "dense", "rerank", "eval", "cache", "gpu"]),
                 max_size=25)  # fmt: skip


@given(a=WORDS, b=WORDS)
def test_word_diff_rebuilds_both_answers(a: list[str], b: list[str]) -> None:
    old, new = " ".join(a), " ".join(b)
    parts = word_diff(old, new)
    kept_old = "".join(p.text for p in parts if p.op != "insert").split()
    kept_new = "".join(p.text for p in parts if p.op != "delete").split()
    assert kept_old == a and kept_new == b
    assert all(parts[i].op != parts[i + 1].op for i in range(len(parts) - 1))


def attempt(
    n: int, score: float, statuses: tuple[str, str, str], answer: str = ""
) -> AttemptRecord:
    return AttemptRecord(
        id=100 + n, number=n, created_at=NOW + timedelta(days=n), score=score, mode="practice",
        answer=answer or f"answer {n}", key_points=tuple(zip(KP, statuses, strict=True)),
    )  # fmt: skip


def test_recurring_misses_across_attempts() -> None:
    attempts = [
        attempt(1, 30, ("covered", "missed", "missed")),
        attempt(2, 55, ("covered", "missed", "partial")),
        attempt(3, 70, ("partial", "missed", "covered")),
        attempt(4, 80, ("covered", "partial", "covered")),
    ]
    found = recurring_misses(attempts)
    assert [(r.text, r.missed, r.partial, r.still_missing) for r in found] == [
        ("Rerank the top candidates", 3, 1, True),
        ("Evaluate with a golden set", 1, 1, False),
    ]
    assert recurring_misses(attempts[:1]) == []
    assert [r.text for r in recurring_misses(attempts, at_least=4)] == [KP[1]]


def _seed_attempts(store: Store) -> int:
    answers = [
        ("Use dense vectors.", 35.0, ("partial", "missed", "missed")),
        ("Use BM25 and dense vectors, fused.", 60.0, ("covered", "missed", "missed")),
        ("Use BM25 and dense vectors, fused, then rerank.", 85.0, ("covered", "covered",
                                                                   "missed")),
    ]  # fmt: skip
    with store.session.begin() as s:
        sync_builtin(s, [make_question("rag/hybrid"), make_question("rag/other")], NOW)
        user = local_user_id(s, NOW)
        for i, (text, score, statuses) in enumerate(reversed(answers)):
            s.add(
                AttemptRow(
                    user_id=user, question_id="rag/hybrid", answer=text, score=score,
                    grade={"score": score, "key_points": [
                        {"text": kp, "status": st_, "evidence": None}
                        for kp, st_ in zip(KP, statuses, strict=True)]},
                    mode="practice", created_at=NOW + timedelta(days=2 - i),
                )
            )  # fmt: skip
        s.add(AttemptRow(user_id=user, question_id="rag/other", answer="x", score=10,
                         grade={}, mode="practice", created_at=NOW))  # fmt: skip
        return user


def test_question_history_from_the_store(store: Store) -> None:
    user = _seed_attempts(store)
    with store.session() as s:
        history = question_history(s, user, "rag/hybrid")
    assert [a.number for a in history.attempts] == [1, 2, 3]
    assert [a.score for a in history.attempts] == [35.0, 60.0, 85.0]  # oldest first
    assert history.score_change == 50.0
    assert history.best is not None and history.best.number == 3
    assert [r.text for r in history.recurring] == [KP[2], KP[1]]
    assert history.recurring[0].still_missing and not history.recurring[1].still_missing
    changes = diff_attempts(history, 3, 1)  # either order: older to newer
    assert (changes.old.number, changes.new.number) == (1, 3)
    assert changes.words_added == 6 and changes.words_removed == 1
    new_text = "".join(p.text for p in changes.parts if p.op != "delete")
    assert new_text == history.attempts[2].answer
    assert history.attempt(0).number == 3 and history.attempt(-1).number == 2
    with pytest.raises(UserError, match="choose 1-3"):
        history.attempt(4)
    data = history.as_dict()
    assert data["recurring_misses"][0] == {"text": KP[2], "missed": 3, "partial": 0,
                                           "still_missing": True}  # fmt: skip
    with store.session() as s:
        empty = question_history(s, user + 1, "rag/hybrid")
    assert empty.attempts == [] and empty.score_change is None
    with pytest.raises(UserError, match="answer it first"):
        empty.attempt(1)
