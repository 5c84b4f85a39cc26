"""Every model answer in the bank, graded as if a candidate had given it, covers its own key
points and draws no misconception: otherwise a candidate who answers as well as the model
answer would be told they missed points, or accused of an error they did not make."""

from __future__ import annotations

import pytest

from archprep.bank.model import Question
from archprep.grading import Grader

FLOOR = 85.0  # every answer; the median is near 99 (bench/grading, `self`)


@pytest.mark.slow
def test_model_answers_cover_their_own_key_points(
    grader: Grader, bank: dict[str, Question]
) -> None:
    low, accused = [], []
    for q in bank.values():
        result = grader.grade(q, q.answer)
        if result.score < FLOOR:
            missed = [k.text for k in result.key_points if k.status != "covered"]
            low.append(f"{q.id} {result.score:.0f}: {missed}")
        if result.misconceptions:
            accused.append(f"{q.id}: {result.misconceptions[0].statement}")
    assert not low, "model answers that do not state their key points:\n" + "\n".join(low)
    assert not accused, "false misconception reports:\n" + "\n".join(accused)
