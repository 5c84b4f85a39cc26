"""Deriving key points from a model answer."""

from __future__ import annotations

from archprep.bank.model import Question
from archprep.grading import Grader
from archprep.grading.rubric import derive_key_points, reference_sentences


def test_short_reference_is_one_key_point() -> None:
    points = derive_key_points("The water evaporated, leaving the salt.")
    assert [p.text for p in points] == ["The water evaporated, leaving the salt."]


def test_long_reference_gives_three_to_seven_distinct_points(
    grader: Grader, bank: dict[str, Question]
) -> None:
    for qid in ("mlops/data-vs-concept-drift", "rag/hybrid-search-rrf"):
        q = bank[qid]
        points = derive_key_points(q.answer, question=q.question, encoder=grader.encoder)
        assert 3 <= len(points) <= 7, qid
        texts = [p.text for p in points]
        assert len(set(texts)) == len(texts)
        sentences = " ".join(reference_sentences(q.answer))
        assert all(t[:20] in sentences for t in texts)  # taken from the reference, in order


def test_near_duplicates_are_dropped() -> None:
    reference = " ".join(
        [
            "Caching stores the results of expensive calls so repeated requests return fast.",
            "Caching stores results of expensive calls so that repeated requests return fast.",
            "Invalidation is the hard part: stale entries must expire or be purged on writes.",
            "Measure the hit rate, because a cache that rarely hits only adds latency and cost.",
            "Size the cache from the working set, not from the total data volume.",
        ]
    )
    texts = [p.text for p in derive_key_points(reference)]
    assert len(texts) == 3 and len(set(texts)) == 3
    assert sum(t.startswith("Caching stores") for t in texts) == 1


def test_code_is_never_a_key_point() -> None:
    """Imported answers carry code blocks; a point to grade against is a statement in prose."""
    reference = "\n".join(
        [
            "Experiment tracking records each run's parameters, metrics and artifacts.",
            "",
            "```python",
            "with mlflow.start_run(run_name='lora-r16') as run:",
            "    # Log hyperparameters for this run",
            "    mlflow.log_params({'lr': 1e-4, 'epochs': 3})",
            "```",
            "",
            "A model registry versions trained models and manages their promotion to production.",
            "import numpy as np",
            "It lets serving load a model by alias instead of by a file path.",
        ]
    )
    sentences = reference_sentences(reference)
    assert not any("mlflow." in s or "numpy" in s or "hyperparameters" in s for s in sentences)
    assert len(sentences) == 3
    assert all("mlflow." not in p.text for p in derive_key_points(reference))
