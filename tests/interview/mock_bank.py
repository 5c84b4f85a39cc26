"""Shared by the mock tests: a small real bank, a test plan, and the report recomputed from the DB."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import select

from archprep.bank.loader import builtin_content_dir, load_questions
from archprep.bank.model import Question
from archprep.store import open_store
from archprep.store.questions import sync_builtin
from archprep.store.schema import AttemptRow, MockAnswerRow, MockSessionRow

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PER_CATEGORY = {"rag": 4, "rapid-fire": 4, "behavioral": 2, "system-design": 2, "mlops": 3}

# Three one-question rounds without follow-ups: the resume test knows exactly what comes next.
QUICK_PLAN: dict[str, Any] = {
    "title": "Quick",
    "rounds": [
        {"name": "Concepts", "minutes": 10, "seconds_per_question": 120, "follow_ups": 0,
         "questions": [{"count": 2, "categories": ["rag"], "kinds": ["concept"]}]},
        {"name": "Numbers", "minutes": 5, "seconds_per_question": 60, "follow_ups": 0,
         "questions": [{"count": 2, "categories": ["rapid-fire"]}]},
    ],
}  # fmt: skip


@lru_cache(maxsize=1)
def small_bank() -> tuple[Question, ...]:
    """Real questions from the built-in content: a few per category, in id order."""
    counts: dict[str, int] = {}
    out = []
    for q in sorted(load_questions([builtin_content_dir()]), key=lambda q: q.id):
        if counts.get(q.category, 0) < PER_CATEGORY.get(q.category, 0):
            if q.category == "rag" and q.kind != "concept":
                continue
            counts[q.category] = counts.get(q.category, 0) + 1
            out.append(q)
    return tuple(out)


def seed_bank(url: str) -> str:
    store = open_store(url)
    with store.session.begin() as s:
        sync_builtin(s, list(small_bank()), NOW)
    store.close()
    return url


def db_view(url: str, session_id: int) -> dict[str, Any]:
    """The session, its answers and the attempts they link to, straight from the tables."""
    store = open_store(url)
    try:
        with store.session() as s:
            row = s.get(MockSessionRow, session_id)
            assert row is not None
            answers = list(
                s.scalars(
                    select(MockAnswerRow)
                    .where(MockAnswerRow.session_id == session_id)
                    .order_by(MockAnswerRow.id)
                )
            )
            attempts = {
                a.id: a for a in s.scalars(select(AttemptRow).where(AttemptRow.mode == "mock"))
            }
            s.expunge_all()
            return {"session": row, "answers": answers, "attempts": attempts}
    finally:
        store.close()


def recompute(url: str, session_id: int) -> dict[str, Any]:
    """Scores written out from the stored rows, independently of the report code: main score,
    a fifth from graded follow-ups, minus 10 per hint, 0 when skipped; means per round/overall."""
    data = db_view(url, session_id)
    per_q: dict[tuple[int, int], dict[str, Any]] = {}
    for a in data["answers"]:
        key = (a.round_index, a.question_index)
        if a.role == "main":
            per_q[key] = {"main": a, "fus": [], "time": a.duration_s}
        else:
            per_q[key]["fus"].append(a)
            per_q[key]["time"] += a.duration_s
    scores: dict[tuple[int, int], float] = {}
    for key, q in per_q.items():
        main = q["main"]
        hints = main.hints_used + sum(f.hints_used for f in q["fus"])
        graded = [0.0 if f.skipped else f.score for f in q["fus"] if f.score is not None]
        if main.skipped:
            scores[key] = 0.0
            continue
        base = main.score if not graded else 0.8 * main.score + 0.2 * sum(graded) / len(graded)
        scores[key] = round(max(0.0, min(100.0, base - 10 * hints)), 1)
    rounds: dict[int, list[float]] = {}
    for (r, _i), s in sorted(scores.items()):
        rounds.setdefault(r, []).append(s)
    return {
        "questions": scores,
        "rounds": {r: round(sum(v) / len(v), 1) for r, v in rounds.items()},
        "overall": round(sum(scores.values()) / len(scores), 1) if scores else None,
        "time": {k: round(q["time"], 1) for k, q in per_q.items()},
        **data,
    }
