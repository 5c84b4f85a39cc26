"""Report aggregation: per-question, round and overall scores, time vs budget, categories,
recurring misses, the study plan and the Markdown export."""

from __future__ import annotations

from typing import Any

import pytest
from tests.helpers import make_question

from archprep.interview.report import GivenAnswer, build_report, history_trend, report_markdown

PLAN = {
    "name": "t",
    "title": "Test loop",
    "rounds": [{"name": "Concepts", "minutes": 10}, {"name": "Design", "minutes": 30}],
}
CHOSEN = [
    [{"id": "rag/a"}, {"id": "rag/b"}, {"id": "mlops/c"}],
    [{"id": "system-design/d"}],
]
BANK = {
    "rag/a": make_question("rag/a"),
    "rag/b": make_question("rag/b", calculators=["gpu-memory"]),
    "mlops/c": make_question("mlops/c", calculators=["cost"]),
    "system-design/d": make_question("system-design/d", kind="design", calculators=["cost"]),
}


def g(score: float, missed: list[str] = (), checks: list[dict[str, Any]] = ()) -> dict[str, Any]:  # type: ignore[assignment]
    return {
        "score": score,
        "feedback": f"feedback {score}",
        "key_points": [{"text": t, "status": "missed", "evidence": None} for t in missed],
        "structure": {"checks": list(checks)},
        "study_next": [{"key_point": t, "status": "missed"} for t in missed],
    }


def ans(role: str, r: int, i: int, qid: str, score: float | None, **kw: Any) -> GivenAnswer:
    fields: dict[str, Any] = {
        "prompt": "p", "answer": "a", "hints_used": 0, "skipped": False,
        "duration_s": 100.0, "budget_s": 120.0, "grade": g(score or 0),
    } | kw  # fmt: skip
    return GivenAnswer(role, r, i, qid, score=score, **fields)


NUMBERS_FAILED = {"group": "design", "name": "numbers", "passed": False}
ANSWERS = [
    ans("main", 0, 0, "rag/a", 90.0, grade=g(90, ["evaluate chunk overlap on a golden set"])),
    ans("followup", 0, 0, "rag/a", 50.0, duration_s=30.0, budget_s=60.0),
    ans("main", 0, 1, "rag/b", 60.0, hints_used=2, duration_s=150.0,
        grade=g(60, ["tune chunk size against a benchmark"], [NUMBERS_FAILED])),
    ans("main", 0, 2, "mlops/c", None, skipped=True, answer="", grade=None, duration_s=5.0),
    ans("main", 1, 0, "system-design/d", 70.0, duration_s=1500.0, budget_s=1800.0,
        grade=g(70, ["keep p99 latency under budget"], [NUMBERS_FAILED])),
    ans("followup", 1, 0, "system-design/d", None, skipped=True, duration_s=0.0, budget_s=300.0),
]  # fmt: skip


@pytest.fixture
def report() -> dict[str, Any]:
    return build_report(PLAN, CHOSEN, ANSWERS, BANK)


def test_question_scores_hints_and_follow_ups(report: dict[str, Any]) -> None:
    by_id = {a["question_id"]: a for a in report["answers"]}
    assert by_id["rag/a"]["score"] == pytest.approx(0.8 * 90 + 0.2 * 50)  # 82
    assert by_id["rag/b"]["score"] == 40 and by_id["rag/b"]["hint_penalty"] == 20
    assert by_id["mlops/c"]["score"] == 0 and by_id["mlops/c"]["skipped"]
    # an ungraded (open) follow-up does not change the score
    assert by_id["system-design/d"]["score"] == 70
    assert by_id["rag/b"]["over_budget"] and not by_id["rag/a"]["over_budget"]
    assert by_id["rag/a"]["duration_s"] == 130 and by_id["rag/a"]["followups"][0]["score"] == 50


def test_round_and_overall_aggregation(report: dict[str, Any]) -> None:
    first, second = report["rounds"]
    assert first["score"] == pytest.approx((82 + 40 + 0) / 3, abs=0.05)
    assert first["time_used_s"] == 130 + 150 + 5 and first["budget_s"] == 600
    assert (first["asked"], first["planned"], first["skipped"], first["hints"]) == (3, 3, 1, 2)
    assert second["score"] == 70 and second["budget_s"] == 1800
    o = report["overall"]
    assert o["score"] == pytest.approx((82 + 40 + 0 + 70) / 4, abs=0.05)
    assert (o["asked"], o["answered"], o["skipped"], o["hints"], o["followups"]) == (4, 3, 1, 2, 2)
    assert o["time_used_s"] == 1785 and o["budget_s"] == 2400


def test_strongest_and_weakest_categories(report: dict[str, Any]) -> None:
    cats = {c["category"]: c["score"] for c in report["categories"]}
    assert cats == {"system-design": 70, "rag": 61, "mlops": 0}
    assert report["strongest"] == ["system-design"]
    assert report["weakest"] == ["mlops"]


def test_recurring_misses_across_questions(report: dict[str, Any]) -> None:
    themes = {t["theme"]: t for t in report["recurring_misses"]}
    assert themes["evaluation and metrics"]["questions"] == ["rag/a", "rag/b"]
    assert themes["evaluation and metrics"]["points"] == [
        "evaluate chunk overlap on a golden set",
        "tune chunk size against a benchmark",
    ]
    assert themes["design: numbers"]["questions"] == ["rag/b", "system-design/d"]
    assert "latency and throughput" not in themes  # missed in one question only


def test_study_plan_lists_weak_questions_and_their_calculators(report: dict[str, Any]) -> None:
    plan = report["study_plan"]
    assert [q["id"] for q in plan["questions"]] == ["mlops/c", "rag/b"]
    assert plan["questions"][0]["reason"] == "skipped"
    assert {c["name"]: c["questions"] for c in plan["calculators"]} == {
        "cost": ["mlops/c"],
        "gpu-memory": ["rag/b"],
    }
    assert plan["pointers"] == ["tune chunk size against a benchmark"]


def test_markdown_export(report: dict[str, Any]) -> None:
    md = report_markdown(report, 7)
    assert md.startswith("# Mock interview #7: Test loop")
    assert "| Concepts | 41 | 3/3 | 4:45 | 10:00 |" in md
    assert "### rag/b — 40/100" in md and "(over budget)" in md and "hints 2 (−20)" in md
    assert "- [ ] `archprep calc cost`" in md and "## Recurring misses" in md


def test_empty_session_report() -> None:
    empty = build_report(PLAN, CHOSEN, [], BANK)
    assert empty["overall"]["score"] is None and empty["rounds"][0]["score"] is None
    md = report_markdown(empty)
    assert "Overall score:** —" in md and "Weakest: ." not in md
    assert "Nothing was answered, so there is nothing to plan from" in md
    assert "Nothing scored under 70" not in md


def test_history_trend() -> None:
    t = history_trend([{"score": 50}, {"score": None}, {"score": 60}, {"score": 70}])
    assert t["deltas"] == [None, None, 10, 10] and t["direction"] == "up" and t["best"] == 70
    assert history_trend([{"score": 80}, {"score": 60}])["direction"] == "down"
    assert history_trend([{"score": 80}])["direction"] == "flat"
