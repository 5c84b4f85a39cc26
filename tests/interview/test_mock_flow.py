"""``MockInterview`` over a real database (SQLite and PostgreSQL): every answer committed as
given, attempts recorded, resume from another instance, the report and its study plan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from tests.interview.mock_bank import small_bank

from archprep.bank.model import KeyPoint, Question
from archprep.interview.mock import InterviewGrading, MockInterview
from archprep.interview.plans import plan_from_spec
from archprep.interview.store import question_stats
from archprep.scheduling import Grade
from archprep.store import Store
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import sync_builtin
from archprep.store.schema import AttemptRow, CardState, MockAnswerRow

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PLAN = plan_from_spec(
    "flow",
    {
        "rounds": [
            {"name": "Concepts", "minutes": 8, "seconds_per_question": 120, "follow_ups": 1,
             "questions": [{"count": 2, "categories": ["rag"]}]},
            {"name": "Design", "minutes": 20, "seconds_per_question": 1000, "follow_ups": 2,
             "questions": [{"count": 1, "kinds": ["design"]}]},
        ]
    },
)  # fmt: skip


def fake_grade(
    question: Question, answer: str, key_points: list[KeyPoint] | None
) -> dict[str, Any]:
    """Deterministic: a point is covered when the answer contains its first word."""
    points = key_points or question.key_points
    status = [
        ("covered" if p.text.split()[0].lower() in answer.lower() else "missed") for p in points
    ]
    score = round(100 * status.count("covered") / len(points), 1)
    return {
        "score": score,
        "feedback": f"covered {status.count('covered')}",
        "key_points": [
            {"text": p.text, "status": s, "evidence": None}
            for p, s in zip(points, status, strict=True)
        ],
        "structure": {"checks": [], "numbers": []},
        "study_next": [],
    }


save_attempt = InterviewGrading.save_attempt


def setup(store: Store) -> int:
    with store.session.begin() as s:
        sync_builtin(s, list(small_bank()), T0)
        return local_user_id(s, T0)


def open_mi(store: Store, user: int, sid: int | None) -> MockInterview:
    return MockInterview.open(store, user, sid, grade=fake_grade, save_attempt=save_attempt)


def at(s: float) -> datetime:
    return T0 + timedelta(seconds=s)


def test_a_whole_mock_across_two_processes(store: Store) -> None:
    user = setup(store)
    mi = MockInterview.start(
        store, user, PLAN, T0, grade=fake_grade, save_attempt=save_attempt, seed=3
    )
    view = mi.view(T0)
    assert view.prompt is not None and view.prompt.role == "main" and view.total == 3
    first_q = view.question
    assert first_q is not None and first_q.category == "rag"
    hint = mi.hint(at(5))
    assert hint is not None and hint.startswith("Cover: ")
    kp0 = first_q.key_points[0].text.split()[0]
    out = mi.answer(f"{kp0} and more", at(90))
    assert out.record is not None and out.record.duration_s == 90 and out.record.hints_used == 1
    assert len(out.followups) == 1
    # the answer and its attempt are committed: a fresh instance (another process) sees them
    other = open_mi(store, user, None)
    other.resume()
    again = other.view(at(4000))
    assert again.prompt is not None and again.prompt.role == "followup"
    assert [a.answer for a in again.answers] == [f"{kp0} and more"]
    assert again.time is not None and again.time.elapsed_s == 0  # the break does not count
    other.answer("a follow-up answer", at(4030))
    other.skip(at(4031))  # second rag question: its follow-ups are never asked
    steps = 0
    while (v := other.view(at(5000 + steps))).prompt is not None and v.prompt.role == "step":
        other.answer(f"step {steps} with 3 numbers 10 x 20 = 200", at(5000 + steps + 1))
        steps += 1
    assert steps == 5
    v = other.view(at(6000))
    assert v.prompt is not None and v.prompt.role == "followup" and v.prompt.followup_total == 2
    other.answer("one", at(6010))
    other.skip(at(6020))
    done = other.view(at(6030))
    assert done.done and done.status == "finished"  # the last answer closed the session
    report = other.finish(at(6040))  # and finishing again keeps that report
    with store.session() as s:
        rows = list(s.scalars(select(MockAnswerRow).order_by(MockAnswerRow.id)))
        attempts = list(s.scalars(select(AttemptRow).where(AttemptRow.user_id == user)))
        cards = {c.question_id: c for c in s.scalars(select(CardState))}
    assert [r.role for r in rows] == ["main", "followup", "main", "main", "followup", "followup"]
    assert len(attempts) == 2 and {a.mode for a in attempts} == {"mock"}
    assert {r.attempt_id for r in rows if r.role == "main" and not r.skipped} == {
        a.id for a in attempts
    }
    design_main = rows[3]
    assert design_main.duration_s == 5 and design_main.answer.count("## ") == 5
    assert report["overall"]["asked"] == 3 and report["overall"]["skipped"] == 1
    for qid in report["study_plan"]["scheduled"]:
        assert cards[qid].due.replace(tzinfo=UTC) == at(6020)
    assert other.report() == report
    assert open_mi(store, user, mi.session_id).view(at(7000)).status == "finished"


def test_question_stats_blend_attempts_and_memory(store: Store) -> None:
    user = setup(store)
    qid = small_bank()[0].id
    with store.session.begin() as s:
        s.add(AttemptRow(user_id=user, question_id=qid, answer="a", score=40.0, grade={},
                         mode="practice", duration_s=None, created_at=T0))  # fmt: skip
        s.add(AttemptRow(user_id=user, question_id=qid, answer="b", score=60.0, grade={},
                         mode="practice", duration_s=None, created_at=T0))  # fmt: skip
        record_review(s, user, qid, Grade.GOOD, T0)
    with store.session() as s:
        stats = question_stats(s, user, at(86400 * 3))
    assert stats[qid].attempts == 2 and stats[qid].mean_score == 50
    assert stats[qid].retrievability is not None and 0 < stats[qid].retrievability < 1
    assert stats[qid].seen and len(stats) == 1
