"""The calibrated coverage model: packaged coefficients, feature names, sensible probabilities."""

from __future__ import annotations

import json
from importlib import resources

from archprep.grading import Grader
from archprep.grading.features import (
    DENSE_FEATURES,
    LEXICAL_FEATURES,
    QuestionContext,
    coverage_probability,
    load_calibrations,
)


def test_packaged_calibration_matches_the_features() -> None:
    raw = json.loads(resources.files("archprep.grading").joinpath("calibration.json").read_text())
    assert "CC-BY-SA" in raw["about"] and raw["train_items"] > 5000
    models = load_calibrations()
    assert models["dense"].features == DENSE_FEATURES
    assert models["lexical"].features == LEXICAL_FEATURES
    assert all(len(m.weights) == len(m.features) for m in models.values())


def test_probability_orders_paraphrase_above_unrelated(grader: Grader) -> None:
    q, kp, para, other = grader.encoder.encode(
        [
            "What does the KV cache store?",
            "The KV cache stores attention keys and values of previous tokens in every layer",
            "It keeps the keys and values computed for earlier tokens at each layer.",
            "Kubernetes schedules pods onto nodes with enough GPUs.",
        ]
    )
    ctx = QuestionContext.of(q)
    good, bad = coverage_probability(kp, para, ctx), coverage_probability(kp, other, ctx)
    assert 0 < bad < good < 1 and good > 0.5 > bad
    lexical = Grader(None).encoder.encode([kp.text, para.text])
    assert 0 < coverage_probability(lexical[0], lexical[1], ctx) < 1
