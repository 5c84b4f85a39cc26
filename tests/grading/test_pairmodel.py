"""The shipped pair model: loads offline, reads pairs in order, and degrades when missing."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from archprep.embeddings import ModelUnavailable
from archprep.grading import Grader
from archprep.grading.engine import resolve_pair_model
from archprep.grading.pairmodel import PairModel, Stack, familiarity_text, load_pair_model

POINT = "Concept drift is a change in P(y|x): the same inputs now lead to different outcomes"
SHIPPED = Path(str(resources.files("archprep.grading").joinpath("models")))
# The card names the ONNX file, which says which base model was fine-tuned.
MODEL_NAME = json.loads((SHIPPED / "pair-model.json").read_text("utf-8"))["model"]


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


CIRCUIT = (
    "Why does the second bulb go dark when the first bulb in a series circuit burns out?",
    "Because the broken bulb opens the circuit, so no current flows to the other bulb.",
    "The burned-out bulb leaves a gap, so the circuit is no longer closed.",
)


def test_an_unreadable_model_file_degrades_with_a_notice_when_first_needed(
    tmp_path: Path, grader: Grader
) -> None:
    for name in ("pair-model.json", "pair-familiarity.npy", "tokenizer.json"):
        if (SHIPPED / name).is_file():
            shutil.copy(SHIPPED / name, tmp_path)
    (tmp_path / MODEL_NAME).write_text("not a model")
    broken = load_pair_model(str(tmp_path))  # the session is only opened on first use
    with pytest.raises(ModelUnavailable, match="not a loadable ONNX model"):
        broken.load()
    local = Grader(grader.encoder.embedder, pair_model=str(tmp_path))
    interview = local.grade("What is RRF?", "It fuses ranked lists.", reference="RRF fuses ranks.")
    assert interview.score >= 0 and not local.notices, "an interview question never opens it"
    question, answer, reference = CIRCUIT
    assert local.grade(question, answer, reference=reference).score > 0
    assert local.pair_model is None
    assert any("not a loadable ONNX model" in n for n in local.notices)


def test_a_broken_card_degrades_with_a_notice(tmp_path: Path) -> None:
    shutil.copy(SHIPPED / MODEL_NAME, tmp_path)
    for card in (json.dumps({"model": MODEL_NAME, "stack": {"pair": [1.0]}}), "{not json"):
        (tmp_path / "pair-model.json").write_text(card)
        with pytest.raises(ModelUnavailable, match="pair model card .* is unreadable"):
            load_pair_model(str(tmp_path))
    grader = Grader(None, pair_model=str(tmp_path))
    assert grader.pair_model is None
    assert any("card" in n and "make train-grader" in n for n in grader.notices)


def test_stacking_weights_follow_familiarity_within_the_fitted_range() -> None:
    gated = Stack.from_card(
        {"pair": [-0.1, 0.8], "similarity": [1.2, -1.2], "bias": 0.2, "familiarity": [0.2, 0.9]}
    )
    assert gated is not None
    assert gated.weights(0.5) == pytest.approx((0.3, 0.6, 0.2))
    # Outside the range it was fitted on the weights stay at its ends; unknown is least familiar.
    assert gated.weights(0.0) == gated.weights(None) == pytest.approx((0.06, 0.96, 0.2))
    assert gated.weights(5.0) == pytest.approx(gated.weights(0.9))
    older = Stack.from_card([0.3, 0.5, 0.1])  # a card from before familiarity
    assert older is not None and older.weights(None) == older.weights(1.0) == (0.3, 0.5, 0.1)
    assert Stack.from_card(None) is None


def test_familiarity_ranks_its_own_kind_of_question_above_interview_questions(
    model: PairModel, grader: Grader
) -> None:
    embedder = grader.encoder.embedder
    if embedder is None or model.familiarity_embedder != embedder.model_id:
        pytest.skip("the familiarity index belongs to the packaged embedding model")

    def familiarity(question: str, reference: str) -> float | None:
        text = familiarity_text(question, reference)
        return model.familiarity(grader.encoder.encode([text])[0].vector, embedder.model_id)

    circuit = familiarity(
        "Why does the second bulb go dark when the first bulb in a series circuit burns out?",
        "The burned-out bulb leaves a gap, so the circuit is no longer closed.",
    )
    interview = familiarity(
        "How would you design a feature store for real-time fraud scoring?",
        "Keep one feature definition for training and serving, with point-in-time joins.",
    )
    assert circuit is not None and interview is not None and circuit > interview
    # Vectors from another embedder are not comparable with the index.
    vector = grader.encoder.encode(["anything"])[0].vector
    assert model.familiarity(vector, "some-other-embedder") is None
    assert model.familiarity(None, embedder.model_id) is None


def test_interview_questions_are_graded_without_consulting_the_pair_model(
    model: PairModel, grader: Grader, monkeypatch: pytest.MonkeyPatch
) -> None:
    if grader.encoder.embedder is None or model.stack is None:
        pytest.skip("needs the packaged embedding model and a stacked pair model")
    calls: list[int] = []
    original = PairModel.logits

    def counting(self: PairModel, pairs):  # type: ignore[no-untyped-def]
        calls.append(len(pairs))
        return original(self, pairs)

    monkeypatch.setattr(PairModel, "logits", counting)
    local = Grader(grader.encoder.embedder, pair_model=model)
    result = local.grade(
        "How would you design a feature store for real-time fraud scoring?",
        "One feature definition serves training and inference, and point-in-time joins stop "
        "label leakage.",
        reference="Define each feature once for training and serving; join point-in-time.",
    )
    assert result.score > 0 and calls == []
    question, answer, reference = CIRCUIT
    local.grade(question, answer, reference=reference)
    assert calls, "a question like its training questions is re-read by the pair model"


def test_a_model_trained_with_the_question_reads_it_first(
    model: PairModel, grader: Grader, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if grader.encoder.embedder is None or model.stack is None:
        pytest.skip("needs the packaged embedding model and a stacked pair model")
    shipped = Path(model.model_file).parent
    for name in (MODEL_NAME, "pair-familiarity.npy", "tokenizer.json"):
        if (shipped / name).is_file():
            shutil.copy(shipped / name, tmp_path)
    card = json.loads((shipped / "pair-model.json").read_text("utf-8"))
    (tmp_path / "pair-model.json").write_text(json.dumps({**card, "question_context": True}))
    asking = load_pair_model(str(tmp_path))
    assert asking.first("Why?", POINT) == f"Why? [SEP] {POINT}"
    assert model.first("Why?", POINT) == POINT  # the shipped card reads the point alone
    seen: list[tuple[str, str]] = []
    original = PairModel.logits

    def recording(self: PairModel, pairs):  # type: ignore[no-untyped-def]
        seen.extend(pairs)
        return original(self, pairs)

    monkeypatch.setattr(PairModel, "logits", recording)
    question, answer, reference = CIRCUIT
    Grader(grader.encoder.embedder, pair_model=asking).grade(question, answer, reference=reference)
    assert seen and all(first.startswith(f"{question} [SEP] ") for first, _span in seen)


def test_a_graph_without_token_types_is_fed_only_the_inputs_it_declares(tmp_path: Path) -> None:
    """Bases such as MPNet take no token types: the runtime must not feed them."""
    import onnx
    from onnx import TensorProto, helper

    def ids(name: str) -> Any:
        return helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "length"])

    # The "logit" is the pair's token count, read from the attention mask alone.
    graph = helper.make_graph(
        [
            helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
            helper.make_node("ReduceSum", ["mask", "axis"], ["logits"], keepdims=1),
        ],
        "no-token-types",
        [ids("input_ids"), ids("attention_mask")],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 1])],
        initializer=[helper.make_tensor("axis", TensorProto.INT64, [1], [1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / "pair-mpnet-int8.onnx"))
    (tmp_path / "pair-model.json").write_text(json.dumps({"model": "pair-mpnet-int8.onnx"}))
    pair = load_pair_model(str(tmp_path))
    short, long = pair.logits([("a point", "yes"), ("a longer key point", "a longer answer here")])
    assert 4 <= short < long  # [CLS] a point [SEP] yes [SEP] at least
