"""The running mock as a pure state machine: prompts, design steps, follow-ups, hints, timing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.helpers import make_question

from archprep.bank.model import KeyPoint
from archprep.interview import session as m
from archprep.interview.plans import Pick, Plan, Round

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
PLAN = Plan("t", "T", (Round("A", 10, 300, (Pick(2),)), Round("B", 40, 2000, (Pick(1),))))
CHOSEN: list[list[dict[str, Any]]] = [
    [{"id": "rag/a", "budget_s": 300}, {"id": "rag/b", "budget_s": 300}],
    [{"id": "sd/design", "budget_s": 2000}],
]
CONCEPT = make_question("rag/a", key_points=[KeyPoint("light", 1), KeyPoint("heavy", 3)])
DESIGN = make_question(
    "sd/design",
    kind="design",
    extra={
        "method": {
            "clarify": ["Who are the users"],
            "high_level": ["Gateway", "Index"],
            "deep_dive": ["Retrieval"],
            "failure_modes": ["Stale index"],
            "numbers": ["100 QPS × 2 KB = 200 KB/s"],
        }
    },
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_main_answer_timing_and_follow_ups_then_next_question() -> None:
    pos = m.mark_asked(m.start_position(), T0)
    prompt = m.current_prompt(PLAN, CHOSEN, pos, CONCEPT)
    assert prompt is not None and prompt.role == "main" and prompt.budget_s == 300
    check = m.time_check(prompt, pos, at(330))
    assert check.over and check.remaining_s == -30
    step = m.submit(PLAN, CHOSEN, pos, CONCEPT, "my answer", at(200))
    assert step.record is not None and step.record.role == "main"
    assert step.record.duration_s == 200 and step.record.budget_s == 300
    assert step.position["stage"] == "graded"
    fus = [{"prompt": "Why?", "source": "missed", "key_point": "heavy"}]
    pos = m.mark_asked(m.after_main(CHOSEN, step.position, fus), at(200))
    fu = m.current_prompt(PLAN, CHOSEN, pos, CONCEPT)
    assert fu is not None and fu.role == "followup" and fu.text == "Why?"
    assert fu.budget_s == 75  # a quarter of 300, at least a minute
    step = m.submit(PLAN, CHOSEN, pos, CONCEPT, "because", at(260))
    assert step.record is not None and step.record.role == "followup"
    assert step.record.key_point == "heavy" and step.record.duration_s == 60
    assert step.position["question"] == 1 and step.position["stage"] == "main"


def test_no_follow_ups_moves_on_and_the_end_is_done() -> None:
    pos = m.after_main(CHOSEN, {**m.start_position(), "question": 1}, [])
    assert (pos["round"], pos["question"]) == (1, 0)
    pos = m.advance(CHOSEN, pos)
    assert m.is_done(pos)
    assert m.current_prompt(PLAN, CHOSEN, pos, CONCEPT) is None


def test_design_question_walks_the_whiteboard_steps_with_checkpoints() -> None:
    pos = {**m.start_position(), "round": 1, "question": 0}
    seen = []
    clock = 0.0
    for i in range(5):
        pos = m.mark_asked(pos, at(clock))
        prompt = m.current_prompt(PLAN, CHOSEN, pos, DESIGN)
        assert prompt is not None and prompt.role == "step"
        seen.append((prompt.step, prompt.budget_s, prompt.checkpoint_s))
        clock += 100
        step = m.submit(PLAN, CHOSEN, pos, DESIGN, f"part {i}", at(clock))
        pos = step.position
        if i < 4:
            assert step.record is None and len(pos["steps"]) == i + 1
    assert [s[0] for s in seen] == list(m.STEP_SHARES)
    assert [s[1] for s in seen] == [300, 600, 600, 300, 200]
    assert [s[2] for s in seen] == [300, 900, 1500, 1800, 2000]
    assert step.record is not None and step.record.duration_s == 500
    assert "## High-level design\n\npart 1" in step.record.answer
    assert (
        DESIGN.question
        in m.current_prompt(  # first step repeats the question
            PLAN, CHOSEN, {**m.start_position(), "round": 1}, DESIGN
        ).text
    )  # type: ignore[union-attr]


def test_checkpoint_behind() -> None:
    pos = m.mark_asked({**m.start_position(), "round": 1}, T0)
    prompt = m.current_prompt(PLAN, CHOSEN, pos, DESIGN)
    assert prompt is not None
    assert not m.time_check(prompt, pos, at(299)).behind
    assert m.time_check(prompt, pos, at(301)).behind


def test_hints_cost_points_and_run_out() -> None:
    pos = m.start_position()
    first, pos = m.hint(pos, CONCEPT)
    second, pos = m.hint(pos, CONCEPT)
    third, pos = m.hint(pos, CONCEPT)
    assert first == "Cover: heavy" and second == "Cover: light" and third is None
    assert pos["hints"] == 2
    step = m.submit(PLAN, CHOSEN, pos, CONCEPT, "x", T0)
    assert step.record is not None and step.record.hints_used == 2
    assert m.question_score(80, [], 2, False) == 60
    assert m.question_score(5, [], 1, False) == 0
    assert m.question_score(80, [], 0, True) == 0


def test_design_hints_come_from_the_current_step() -> None:
    text, _ = m.hint({**m.start_position(), "round": 1}, DESIGN)
    assert text == "Clarify requirements: Who are the users"


def test_follow_up_scores_count_for_a_fifth() -> None:
    assert m.question_score(80, [30.0, 50.0], 0, False) == pytest.approx(0.8 * 80 + 0.2 * 40)


def test_skip_main_records_zero_and_moves_on() -> None:
    step = m.submit(PLAN, CHOSEN, m.start_position(), CONCEPT, "ignored", T0, skipped=True)
    assert step.record is not None and step.record.skipped and step.record.answer == ""
    assert step.position["question"] == 1


def test_skip_midway_through_a_design_keeps_the_steps_given() -> None:
    pos = {**m.start_position(), "round": 1}
    pos = m.submit(PLAN, CHOSEN, pos, DESIGN, "clarified", T0).position
    step = m.submit(PLAN, CHOSEN, pos, DESIGN, "", T0, skipped=True)
    assert step.record is not None and step.record.skipped
    assert "clarified" in step.record.answer and m.is_done(step.position)


def test_pause_stops_the_clock() -> None:
    pos = m.mark_asked(m.start_position(), T0)
    assert m.prompt_seconds(pos, at(50)) == 50
    assert m.mark_asked(pos, at(10))["asked_at"] == pos["asked_at"]
    assert m.prompt_seconds(m.pause(pos), at(500)) == 0


def test_ending_early_closes_a_design_with_the_steps_given() -> None:
    pos = m.submit(PLAN, CHOSEN, {**m.start_position(), "round": 1}, DESIGN, "clarified", T0)
    step = m.submit(PLAN, CHOSEN, pos.position, DESIGN, "sketch", T0, final=True)
    assert step.record is not None and not step.record.skipped
    assert step.record.answer.count("## ") == 2 and step.position["stage"] == "graded"


def test_drafts_are_kept_until_the_answer_is_submitted() -> None:
    pos = m.save_draft(m.start_position(), "half")
    assert pos["draft"] == "half"
    assert m.submit(PLAN, CHOSEN, pos, CONCEPT, "whole", T0).position["draft"] == ""
    assert len(m.save_draft(pos, "x" * 30_000)["draft"]) == m.MAX_DRAFT


def test_a_follow_up_hint_never_repeats_the_point_its_prompt_quotes() -> None:
    question = make_question(
        "mlops/drift",
        answer="Drift is a change in inputs. Detect drift without labels using PSI or the KS test.",
        key_points=[KeyPoint("Detect drift without labels using PSI or a KS test")],
    )
    step = m.submit(PLAN, CHOSEN, m.start_position(), question, "x", T0)
    point = "Detect drift without labels using PSI or a KS test"
    for prompt, expected in [
        ("How would you notice it?", f"Think about: {point}"),
        (f"You didn't get to this: “{point}”. How?", "From the model answer: Detect drift "
         "without labels using PSI or the KS test."),
    ]:  # fmt: skip
        fus = [{"prompt": prompt, "source": "missed", "key_point": point}]
        pos = m.after_main(CHOSEN, step.position, fus)
        text, after = m.hint(pos, question)
        assert text == expected
    bare = make_question("rag/b", answer="Unrelated words only.", key_points=[KeyPoint(point)])
    fus = [
        {"prompt": f"You didn't get to this: “{point}”.", "source": "missed", "key_point": point}
    ]
    pos = m.after_main(
        CHOSEN, m.submit(PLAN, CHOSEN, m.start_position(), bare, "x", T0).position, fus
    )
    assert m.hint(pos, bare) == (None, pos)  # nothing to add: no hint, and no points taken
