"""The shipped pair model: loads offline, reads pairs in order, and degrades when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from archprep.embeddings import ModelUnavailable
from archprep.grading import Grader
from archprep.grading.engine import resolve_pair_model
from archprep.grading.pairmodel import PairModel, load_pair_model

POINT = "Concept drift is a change in P(y|x): the same inputs now lead to different outcomes"


@pytest.fixture(scope="module")
def model() -> PairModel:
    try:
        return load_pair_model()
    except ModelUnavailable as exc:  # pragma: no cover - the model ships in the package
        pytest.skip(str(exc))


def test_stating_the_point_beats_an_unrelated_sentence(model: PairModel) -> None:
    stated = (
        "Concept drift means the relationship between inputs and labels changes, so the same "
        "inputs now map to different outcomes."
    )
    unrelated = "We deployed the service on Kubernetes with three replicas."
    logits = model.logits([(POINT, stated), (POINT, unrelated)])
    assert logits[0] > model.threshold > logits[1]


def test_results_do_not_depend_on_batching_or_the_cache(model: PairModel) -> None:
    pairs = [
        (POINT, f"Sentence number {i} says something about drift and labels.") for i in range(11)
    ]
    together = model.logits(pairs)
    alone = [float(model.logits([p])[0]) for p in pairs]
    assert together == pytest.approx(alone, abs=1e-4)
    assert model.logits([]).shape == (0,)


def test_a_missing_model_folder_is_reported_not_crashed(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="missing"):
        load_pair_model(str(tmp_path))
    assert resolve_pair_model("none") is None
    grader = Grader(None, pair_model=str(tmp_path))
    assert grader.pair_model is None
    assert any("pair model" in n for n in grader.notices)


def test_an_unreadable_model_file_degrades_with_a_notice(tmp_path: Path) -> None:
    (tmp_path / "pair-minilm-l6-int8.onnx").write_text("not a model")
    with pytest.raises(ModelUnavailable, match="not a loadable ONNX model"):
        load_pair_model(str(tmp_path))
    grader = Grader(None, pair_model=str(tmp_path))
    assert grader.pair_model is None
    assert any("not a loadable ONNX model" in n for n in grader.notices)
    assert grader.grade("What is RRF?", "It fuses ranked lists.", reference="RRF fuses ranks.")
