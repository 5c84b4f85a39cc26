"""Grading fixtures: one grader (and embedding model) per test session, and the built-in bank."""

from __future__ import annotations

import pytest

from archprep.bank.loader import builtin_content_dir, load_questions
from archprep.bank.model import KeyPoint, Question
from archprep.embeddings import ModelUnavailable, load_embedder
from archprep.grading import Grader


@pytest.fixture(scope="session")
def grader() -> Grader:
    try:
        return Grader(load_embedder("auto", None))
    except ModelUnavailable as exc:  # pragma: no cover - the packaged model is a dependency
        pytest.skip(f"embedding model not installed: {exc}")


@pytest.fixture(scope="session")
def bank() -> dict[str, Question]:
    return {q.id: q for q in load_questions([builtin_content_dir()])}


DRIFT_POINTS = [
    KeyPoint(
        "Data (covariate) drift is a change in the input distribution P(X) while the "
        "input-to-label relationship may hold",
        2,
    ),
    KeyPoint(
        "Concept drift is a change in P(Y|X), so the same inputs now map to different outcomes", 2
    ),
    KeyPoint(
        "Data drift is detectable immediately from inputs; concept drift usually needs labels"
    ),
    KeyPoint(
        "First rule out an upstream pipeline bug (schema, units, nulls) before treating drift as real"
    ),
    KeyPoint(
        "Respond to concept drift with fresh labels and a retrain on a recency-weighted window"
    ),
]
DRIFT_REFERENCE = (
    "Data drift (covariate shift) is a change in the input distribution P(X), while the "
    "relationship between inputs and labels may still hold. Concept drift is a change in "
    "P(Y|X): the same inputs now map to different outcomes. Data drift is visible immediately "
    "from the inputs with PSI or KS tests; concept drift usually needs labels or proxies. "
    "First rule out a pipeline bug such as a schema change, a unit change or a spike in nulls. "
    "For concept drift you need fresh labels and a retrain, often on a shorter or "
    "recency-weighted window."
)


@pytest.fixture
def drift() -> Question:
    return Question(
        id="mlops/drift-test",
        question="What is the difference between data drift and concept drift, and what do you do?",
        answer=DRIFT_REFERENCE,
        category="mlops",
        kind="concept",
        key_points=list(DRIFT_POINTS),
    )
