"""The built-in bank itself: schema, uniqueness, near-duplicates, rubric shape, lengths, coverage."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache

import numpy as np
import pytest

from archprep.bank.coverage import coverage, minimum_for
from archprep.bank.loader import ANSWER_WORDS, KEY_POINT_MAX_WORDS, load_questions, word_count
from archprep.bank.model import LEVELS, TOPICS, Question

# Question texts closer than this (cosine of MiniLM embeddings) are near-duplicates. Measured on
# the bank: a rapid-fire definition and the deeper question on the same concept reach 0.83
# ("What is RAG?" vs "What is RAG, and when does it beat fine-tuning?"), which is by design;
# two scenarios of the same kind above 0.75 asked the same thing in other words.
SAME_KIND_LIMIT = 0.75
ANY_KIND_LIMIT = 0.85
TECHNICAL = [
    c
    for c in TOPICS
    if minimum_for(c) == 15 and c not in ("troubleshooting", "strategy-leadership")
]


@lru_cache(maxsize=1)
def bank() -> tuple[Question, ...]:
    return tuple(load_questions())


def test_bank_loads_with_unique_ids_and_at_least_340_questions() -> None:
    questions = bank()
    assert len(questions) >= 340
    assert len({q.id for q in questions}) == len(questions)


def test_every_ground_covered_and_every_category_meets_its_minimum() -> None:
    cov = coverage(list(bank()))
    assert cov.uncovered == {}
    assert cov.short == {}


def test_technical_categories_mix_levels() -> None:
    cov = coverage(list(bank()))
    for cat in TECHNICAL:
        levels = cov.counts[cat]["level"]
        total = sum(levels.values())
        for level in LEVELS:
            assert levels[level] >= max(3, total // 6), (
                f"{cat} has {levels[level]} {level} questions"
            )


def test_rubrics_and_answer_lengths() -> None:
    for q in bank():
        assert 3 <= len(q.key_points) <= 7, q.id
        assert all(word_count(k.text) < KEY_POINT_MAX_WORDS for k in q.key_points), q.id
        assert 1 <= len(q.follow_ups) <= 3, q.id
        lo, hi = ANSWER_WORDS[q.kind]
        assert lo <= word_count(q.answer) <= hi, q.id


def test_method_fields_by_kind() -> None:
    for q in bank():
        if q.kind == "design":
            assert set(q.extra["method"]) >= {
                "clarify",
                "high_level",
                "deep_dive",
                "failure_modes",
                "numbers",
            }
            assert re.search(r"\d", str(q.extra["method"]["numbers"])), (
                f"{q.id}: numbers without figures"
            )
        if q.kind == "behavioral":
            assert set(q.extra["star"]) == {"situation", "task", "action", "result"}, q.id
        if q.kind == "ask-them":
            assert q.extra["reveals"] and q.extra["good_follow_up"], q.id


def test_questions_that_need_numbers_link_calculators() -> None:
    design = [q for q in bank() if q.kind == "design"]
    linked = [q for q in design if q.calculators]
    assert len(linked) >= 0.8 * len(design)


def test_no_near_duplicate_questions() -> None:
    from archprep.embeddings import ModelUnavailable, load_embedder

    try:
        embedder = load_embedder()
    except ModelUnavailable as exc:  # pragma: no cover - the model is a dependency
        pytest.skip(str(exc))
    questions = bank()
    vectors = embedder.embed([q.question for q in questions])
    sims = vectors @ vectors.T
    offenders = []
    for i, j in itertools.combinations(range(len(questions)), 2):
        limit = SAME_KIND_LIMIT if questions[i].kind == questions[j].kind else ANY_KIND_LIMIT
        if sims[i, j] >= limit:
            offenders.append(f"{questions[i].id} ~ {questions[j].id} ({sims[i, j]:.2f})")
    assert offenders == []
    assert float(np.max(sims - np.eye(len(questions)) * 2)) < ANY_KIND_LIMIT
