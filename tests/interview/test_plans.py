"""Built-in plans and users' own: shape, validation messages that name the field, round trips."""

from __future__ import annotations

import pytest

from archprep.errors import UserError
from archprep.interview.plans import BUILTIN_PLANS, plan_from_spec, question_budget

EXPECTED = {
    "phone-screen",
    "ml-concepts",
    "ai-system-design",
    "mlops-production",
    "behavioral-hm",
    "full-onsite",
}


def test_builtin_plans_cover_the_loop() -> None:
    assert EXPECTED <= set(BUILTIN_PLANS)
    assert BUILTIN_PLANS["phone-screen"].minutes == 30
    onsite = BUILTIN_PLANS["full-onsite"]
    assert 4 <= len(onsite.rounds) <= 6
    interviewers = {r.interviewer for r in onsite.rounds}
    assert "hiring manager" in interviewers
    design = BUILTIN_PLANS["ai-system-design"].rounds[0]
    assert design.picks[0].kinds == ("design",)


def test_every_builtin_plan_fits_its_time() -> None:
    for plan in BUILTIN_PLANS.values():
        for r in plan.rounds:
            planned = sum(question_budget(r, p) * p.count for p in r.picks)
            assert planned <= r.minutes * 60, (plan.name, r.name, planned)


def test_spec_round_trip() -> None:
    for plan in BUILTIN_PLANS.values():
        again = plan_from_spec(plan.name, plan.as_spec())
        assert again == plan


def test_user_plan_validation_names_the_field() -> None:
    spec = {
        "title": "Mine",
        "rounds": [
            {
                "name": "RAG",
                "minutes": 20,
                "seconds_per_question": 300,
                "questions": [{"count": 2, "categories": ["rag"], "levels": ["expert"]}],
            }
        ],
    }
    with pytest.raises(UserError, match=r"rounds\[0\]\.questions\[0\]\.levels: 'expert'"):
        plan_from_spec("mine", spec)
    spec["rounds"][0]["questions"][0]["levels"] = ["advanced"]  # type: ignore[index]
    plan = plan_from_spec("mine", spec)
    assert plan.title == "Mine" and plan.rounds[0].question_count == 2
    with pytest.raises(UserError, match="lower-case"):
        plan_from_spec("Bad Name", spec)
    with pytest.raises(UserError, match="rounds: must be a list"):
        plan_from_spec("mine", {"rounds": []})
    with pytest.raises(UserError, match=r"minutes: must be a whole number"):
        plan_from_spec("mine", {"rounds": [{"name": "x", "minutes": 0, "seconds_per_question": 60,
                                            "questions": [{"count": 1}]}]})  # fmt: skip
