"""The grader end to end: score shape, gaming resistance, derived rubrics, lexical fallback."""

from __future__ import annotations

from dataclasses import replace

import pytest

from archprep.bank.model import Question
from archprep.errors import UserError
from archprep.grading import Grader, GradeResultModel, engine
from archprep.grading.result import from_json
from archprep.scheduling import Grade, suggested_grade

FULL = (
    "Data drift, or covariate shift, means the input distribution P(X) changes while the mapping "
    "from inputs to labels may still hold. Concept drift is a change in P(Y|X): the same inputs "
    "now lead to different outcomes. Data drift shows up immediately in the inputs with PSI or a "
    "KS test, whereas concept drift usually needs labels or proxies for them. Before reacting I "
    "would first rule out an upstream pipeline bug such as a schema change, a unit change or "
    "nulls. For concept drift I collect fresh labels and retrain on a recency-weighted window."
)
THIRD = (
    "Data drift means the distribution of the inputs, P(X), shifts away from the training data "
    "while the input-to-label relationship can stay the same. Concept drift is a change in "
    "P(Y|X), so the same inputs now map to different outcomes."
)
KEYWORDS = (
    "data drift, covariate shift, P(X), concept drift, P(Y|X), PSI, KS test, labels, proxies, "
    "pipeline bug, schema, units, nulls, fresh labels, retrain, recency-weighted window"
)
FILLER = (
    " Basically, you know, this is something that comes up a lot and honestly it is sort of "
    "one of those things that really matters at the end of the day. I mean, there is a lot of "
    "stuff to say about it and things like that, so yeah."
)
WRONG = (
    "Data drift is a change in P(Y|X), so the same inputs now map to different outcomes. "
    "Concept drift is a change in the input distribution P(X) while the labels stay meaningful. "
    "Concept drift is detectable immediately from the inputs, while data drift needs labels."
)


def test_result_shape_and_json_contract(grader: Grader, drift: Question) -> None:
    result = grader.grade(drift, FULL)
    data = result.to_json()
    for key in (
        "score",
        "key_points",
        "misconceptions",
        "structure",
        "study_next",
        "feedback",
        "grader",
    ):
        assert key in data
    assert data["grader"] == "offline" and 0 <= data["score"] <= 100
    for kp in data["key_points"]:
        assert {"text", "status", "evidence", "similarity"} <= kp.keys()
    GradeResultModel.model_validate(data)
    assert from_json(data).score == result.score
    assert result.score >= 70 and len(result.covered) >= 4
    assert result.misconceptions == []


def test_keyword_list_scores_below_an_explained_third(grader: Grader, drift: Question) -> None:
    listed = grader.grade(drift, KEYWORDS)
    third = grader.grade(drift, THIRD)
    assert listed.score + 10 < third.score
    assert all(kp.status != "covered" for kp in listed.key_points)
    assert "only named" in listed.feedback


def test_padding_with_filler_does_not_raise_the_score(grader: Grader, drift: Question) -> None:
    plain = grader.grade(drift, THIRD)
    padded = grader.grade(drift, FILLER + " " + THIRD + FILLER + FILLER)
    assert padded.score <= plain.score
    assert padded.structure.filler_count > plain.structure.filler_count + 10


def test_right_terms_wrong_relations_score_low(grader: Grader, drift: Question) -> None:
    wrong = grader.grade(drift, WRONG)
    assert wrong.score < 15
    assert len(wrong.misconceptions) >= 2
    assert {m.kind for m in wrong.misconceptions} == {"swapped-terms"}
    contradicted = [kp for kp in wrong.key_points if kp.note and "contradicted" in kp.note]
    assert contradicted and all(kp.status == "missed" for kp in contradicted)


def test_study_next_points_to_the_model_answer(grader: Grader, drift: Question) -> None:
    result = grader.grade(drift, THIRD)
    assert result.study_next
    first = result.study_next[0]
    assert first.status in ("missed", "partial") and first.reference
    assert all(line in drift.answer for line in first.reference)


def test_grading_from_the_reference_alone(grader: Grader, drift: Question) -> None:
    derived = replace(drift, key_points=[])
    full, third = grader.grade(derived, FULL), grader.grade(derived, THIRD)
    assert full.rubric_source == "derived" and 3 <= len(full.key_points) <= 7
    assert full.score > third.score > grader.grade(derived, "Drift is bad. Monitor models.").score


def test_plain_question_text_with_key_points(grader: Grader) -> None:
    result = grader.grade(
        "What does a circuit breaker do for an LLM gateway?",
        "A circuit breaker stops sending calls to a failing provider after repeated errors, "
        "so requests fail fast and traffic can move to a fallback.",
        key_points=["Stops calling a failing provider after repeated errors and fails fast"],
    )
    assert result.rubric_source == "given" and result.key_points[0].status == "covered"


def test_empty_answer(grader: Grader, drift: Question) -> None:
    result = grader.grade(drift, "   ")
    assert result.score == 0 and all(kp.status == "missed" for kp in result.key_points)


def test_lexical_only_when_no_model(drift: Question) -> None:
    said: list[str] = []
    lexical = Grader(None, notice=said.append)
    assert len(said) == 1 and "lexically" in said[0]
    full, listed = lexical.grade(drift, FULL), lexical.grade(drift, KEYWORDS)
    assert full.score > listed.score and full.notices == said
    assert lexical.grade(drift, WRONG).score < full.score


def test_figures_are_checked_against_the_point_they_belong_to(grader: Grader) -> None:
    """A sentence whose figures are right for the point it makes is not a wrong figure for a
    neighbouring point; a figure far from the point it makes still is, quoted on its own."""
    points = [
        "QLoRA keeps the frozen base weights in 4-bit NF4 and dequantizes them to bf16 for each matmul",
        "The 4-bit linear weights of a 70B model take about 35 GB",
        "Plain 16-bit LoRA needs about 140 GB for the weights of a 70B model, so two 80 GB GPUs",
    ]
    question = "Why does QLoRA let you fine-tune a 70B model on one GPU?"
    right = (
        "QLoRA stores the frozen weights in 4-bit and dequantizes them to bf16 right before each "
        "matmul. With plain 16-bit LoRA, the 70B weights alone come to about 140 GB, so you "
        "need at least two 80 GB GPUs."
    )
    graded = grader.grade(question, right, key_points=points)
    assert graded.misconceptions == [], graded.misconceptions
    assert graded.key_points[2].status == "covered"
    wrong = right.replace("about 140 GB, so you need at least two 80 GB GPUs", "about 14 GB")
    found = grader.grade(question, wrong, key_points=points).misconceptions
    assert [(m.kind, m.statement) for m in found] == [("wrong-number", wrong.split(". ")[1])], found


def test_a_compound_key_point_can_be_made_in_parts(grader: Grader) -> None:
    point = (
        "Filter retrieval by the user's document permissions synced from the source ACLs; "
        "never rely on the prompt to make the model withhold restricted content"
    )
    question = "How do you keep an internal RAG assistant from leaking documents?"
    answer = (
        "Every chunk is indexed with the groups allowed to read it, synced from the source "
        "system's ACLs, and retrieval filters on the user's groups. "
        "Separately, the architecture diagram shows the ingestion workers and the vector store. "
        "I would never rely on the prompt to make the model withhold restricted content, "
        "because a prompt is not a security boundary."
    )
    graded = grader.grade(question, answer, key_points=[point])
    kp = graded.key_points[0]
    assert kp.status in ("covered", "partial") and kp.credit > 0.5, kp
    assert kp.note is not None and kp.note.startswith("made in parts"), kp
    assert kp.evidence is not None and kp.evidence in answer
    # A part that is contradicted takes the whole point with it.
    denied = answer.replace("I would never rely", "I would rely")
    result = grader.grade(question, denied, key_points=[point])
    assert result.key_points[0].credit == 0 and result.misconceptions
    assert result.misconceptions[0].key_point == 0


def test_a_complete_answer_in_note_form_earns_a_good_rating(
    grader: Grader, bank: dict[str, Question]
) -> None:
    # Every key point, stated as terse notes rather than spoken prose: a candidate who answers
    # like this knows the material, and the suggested rating must say so.
    notes = (
        "- BN: statistics per channel over the batch; LN: per sample over its features.\n"
        "- BN at inference: running averages from training, so train and eval behave "
        "differently.\n"
        "- Transformers: tiny per-GPU batches, padding and variable lengths make batch "
        "statistics noisy.\n"
        "- RMSNorm: no mean-centring and no bias, so cheaper; the default in recent LLMs.\n"
        "- Pre-LN: clean residual path, trains stably at depth; the original layout was "
        "post-LN.\n"
        "- CNN serving: fold BN into the previous convolution, free at inference."
    )
    graded = grader.grade(bank["deep-learning/batchnorm-vs-layernorm"], notes)
    assert not graded.misconceptions, graded.misconceptions
    assert suggested_grade(graded.score) >= Grade.GOOD, graded.score
    explained = [k for k in graded.key_points if k.note and k.note.startswith("named but not")]
    assert not explained, explained


def test_only_the_start_of_an_overlong_answer_or_model_answer_is_read(
    grader: Grader, drift: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The limits are lowered so the test stays fast; the behaviour is the same at 20,000.
    monkeypatch.setattr(engine, "MAX_ANSWER_CHARS", len(THIRD) + 5)
    monkeypatch.setattr(engine, "MAX_REFERENCE_CHARS", 200)
    said: list[str] = []
    monkeypatch.setattr(grader, "_notice", said.append)
    kept = list(grader.notices)
    result = grader.grade(drift, THIRD + " " + FULL)
    assert result.notices[0].startswith(f"graded the first {len(THIRD) + 5:,} characters of a")
    assert said == result.notices  # and the CLI prints it, once per answer
    assert result.score == grader.grade(drift, THIRD).score  # what followed was not read
    derived = grader.grade(replace(drift, key_points=[]), THIRD)
    assert f"of a {len(drift.answer):,}-character model answer" in derived.notices[-1]
    assert all(kp.text in drift.answer[:200] for kp in derived.key_points)
    assert grader.notices == kept  # per-answer messages are not kept as one-time notices
    said.clear()
    monkeypatch.setattr(engine, "MAX_REFERENCE_CHARS", 20_000)
    two = grader.grade(drift.question, THIRD + " " + FULL, reference=[THIRD, FULL])
    assert said == two.notices and len(said) == 1  # one note per answer, not per reference


def test_given_key_points_are_a_rubric_not_a_document(grader: Grader) -> None:
    with pytest.raises(UserError, match="31 key points given; a rubric has at most 30"):
        grader.grade("Q?", "An answer.", key_points=[f"point number {n}" for n in range(31)])
    with pytest.raises(UserError, match="key point 2 is 1,203 characters"):
        grader.grade("Q?", "An answer.", key_points=["short", "word " * 240 + "end"])


def test_an_offline_strategy_grade_says_it_is_a_floor(
    grader: Grader, drift: Question, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(grader, "_notice", said.append)
    monkeypatch.setattr(grader, "notices", [])
    strategy = replace(drift, kind="strategy")
    first, second = grader.grade(strategy, THIRD), grader.grade(strategy, WRONG)
    assert engine.STRATEGY_NOTICE in first.notices and engine.STRATEGY_NOTICE in second.notices
    assert said == [engine.STRATEGY_NOTICE]  # the CLI prints it once, not once per answer
    assert engine.STRATEGY_NOTICE not in grader.grade(drift, THIRD).notices
    assert engine.STRATEGY_NOTICE not in grader.grade(strategy, "  ").notices  # nothing graded
