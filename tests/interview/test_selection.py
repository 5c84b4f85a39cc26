"""Question choice: weak and unseen first, never a repeat within a session, same seed same mock."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.helpers import make_question

from archprep.errors import UserError
from archprep.interview.plans import Pick, Plan, Round
from archprep.interview.selection import QuestionStats, question_weight, select_questions


def plan_of(*picks: Pick, rounds: int = 1) -> Plan:
    return Plan("t", "T", tuple(Round(f"R{i}", 30, 300, picks) for i in range(rounds)))


BANK = [make_question(f"rag/q{i}") for i in range(10)] + [
    make_question(f"agents/a{i}", kind="design") for i in range(4)
]


def test_never_repeats_even_when_rounds_ask_for_the_same_thing() -> None:
    plan = plan_of(Pick(3, categories=("rag",)), rounds=3)
    sel = select_questions(plan, BANK, {}, seed=7)
    assert len(sel.ids) == 9 and len(set(sel.ids)) == 9
    plan = plan_of(Pick(5, categories=("rag",)), rounds=3)
    sel = select_questions(plan, BANK, {}, seed=7)
    assert len(set(sel.ids)) == len(sel.ids) == 10
    assert sel.shortfalls and "found 0 of 5" in sel.shortfalls[-1]


def test_deterministic_for_a_seed() -> None:
    plan = plan_of(Pick(4), rounds=2)
    a = select_questions(plan, BANK, {}, seed=42)
    b = select_questions(plan, list(reversed(BANK)), {}, seed=42)
    assert a.ids == b.ids
    others = {tuple(select_questions(plan, BANK, {}, seed=s).ids) for s in range(10)}
    assert len(others) > 1


def test_filters_by_kind_and_budget_override() -> None:
    plan = Plan("t", "T", (Round("D", 45, 300, (Pick(2, kinds=("design",), seconds=1200),)),))
    sel = select_questions(plan, BANK, {}, seed=1)
    assert all(c.kind == "design" and c.budget_s == 1200 for c in sel.rounds[0])


def test_weights_rank_weak_above_unseen_above_strong() -> None:
    weak = QuestionStats(attempts=3, mean_score=20.0, retrievability=0.3)
    strong = QuestionStats(attempts=3, mean_score=95.0, retrievability=0.97)
    assert question_weight(weak) > question_weight(None) > question_weight(strong)
    assert question_weight(QuestionStats()) == question_weight(None)


def test_selection_favours_weak_and_unseen_questions() -> None:
    bank = [make_question(f"rag/q{i}") for i in range(9)]
    strong = QuestionStats(attempts=2, mean_score=96.0, retrievability=0.98)
    weak = QuestionStats(attempts=2, mean_score=20.0, retrievability=0.3)
    stats = {f"rag/q{i}": strong for i in range(3)} | {f"rag/q{i}": weak for i in range(3, 6)}
    picked: Counter[str] = Counter()
    for seed in range(300):
        sel = select_questions(plan_of(Pick(2)), bank, stats, seed=seed)
        for qid in sel.ids:
            kind = "strong" if int(qid[-1]) < 3 else "weak" if int(qid[-1]) < 6 else "unseen"
            picked[kind] += 1
    assert picked["weak"] > picked["unseen"] > picked["strong"]
    assert picked["strong"] < 0.15 * sum(picked.values())


def test_unpractised_areas_beat_strong_areas() -> None:
    bank = [make_question(f"rag/q{i}") for i in range(3)] + [
        make_question(f"mlops/m{i}") for i in range(3)
    ]
    stats = {f"rag/q{i}": QuestionStats(1, 90.0, 0.95) for i in range(3)}
    hits: Counter[str] = Counter()
    for seed in range(200):
        for qid in select_questions(plan_of(Pick(1)), bank, stats, seed=seed).ids:
            hits[qid.split("/")[0]] += 1
    assert hits["mlops"] > 4 * hits["rag"]


def test_empty_plan_is_a_user_error() -> None:
    with pytest.raises(UserError, match="matched no questions"):
        select_questions(plan_of(Pick(1, categories=("nope",))), BANK, {}, seed=1)


def test_level_filter_relaxes_before_giving_up() -> None:
    sel = select_questions(plan_of(Pick(2, levels=("advanced",))), BANK, {}, seed=3)
    assert len(sel.ids) == 2 and not sel.shortfalls
