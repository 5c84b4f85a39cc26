"""Features of a (key point, answer span) pair and the calibrated model that turns them into P(covered)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from archprep.grading.encoder import Encoded
from archprep.grading.text import is_negation_cue, tokens

Vector = npt.NDArray[np.float64]

# Word pieces and stems the question already contains count for little: repeating the question
# is not an answer (question demotion, as in short-answer grading research).
DEMOTED = 0.3

DENSE_FEATURES = (
    "cos",
    "cos_question",
    "piece_recall",
    "piece_precision",
    "demoted_recall",
    "demoted_precision",
    "demoted_f1",
    "unmatched_share",
    "weakest_match",
    "stem_recall",
    "stem_precision",
    "demoted_stem_recall",
    "demoted_stem_precision",
    "bigram_recall",
    "negation_mismatch",
    "nothing_new",
)
LEXICAL_FEATURES = (
    "stem_recall",
    "stem_precision",
    "demoted_stem_recall",
    "demoted_stem_precision",
    "bigram_recall",
    "negation_mismatch",
    "nothing_new",
)


@dataclass(frozen=True)
class QuestionContext:
    """What the grader knows about the question when scoring one answer."""

    stems: frozenset[str]
    pieces: frozenset[str]
    vector: npt.NDArray[np.float32] | None

    @classmethod
    def of(cls, encoded: Encoded) -> QuestionContext:
        return cls(frozenset(encoded.stems), frozenset(encoded.pieces), encoded.vector)


def negation_parity(text: str) -> int:
    return sum(1 for t in tokens(text) if is_negation_cue(t)) % 2


def _bigrams(stems: tuple[str, ...]) -> set[tuple[str, str]]:
    return set(zip(stems, stems[1:], strict=False))


def lexical_features(target: Encoded, span: Encoded, question: QuestionContext) -> dict[str, float]:
    """Stem overlap, order, negation and length features (no model needed)."""
    t_set, s_set = set(target.stems), set(span.stems)
    shared = t_set & s_set
    t_new, s_new = t_set - question.stems, s_set - question.stems
    bigrams = _bigrams(target.stems)
    # No length features on purpose: a longer answer must not look more correct.
    return {
        "stem_recall": len(shared) / max(1, len(t_set)),
        "stem_precision": len(shared) / max(1, len(s_set)),
        "demoted_stem_recall": len(t_new & s_new) / max(1, len(t_new)),
        "demoted_stem_precision": len(t_new & s_new) / max(1, len(s_new)),
        "bigram_recall": len(bigrams & _bigrams(span.stems)) / max(1, len(bigrams)),
        "negation_mismatch": float(negation_parity(target.text) != negation_parity(span.text)),
        "nothing_new": float(not s_new),
    }


def dense_features(
    target: Encoded,
    span: Encoded,
    question: QuestionContext,
    sims: npt.NDArray[np.float32] | None = None,
) -> dict[str, float]:
    """Lexical features plus sentence cosine and word-piece soft alignment (BERTScore-like)."""
    out = lexical_features(target, span, question)
    assert target.vector is not None and span.vector is not None
    out["cos"] = float(target.vector @ span.vector)
    out["cos_question"] = float(question.vector @ span.vector) if question.vector is not None else 0
    if sims is None:
        sims = target.piece_vectors @ span.piece_vectors.T
    if sims.size == 0:
        for name in DENSE_FEATURES[2:9]:
            out[name] = 0.0
        return out
    recall = sims.max(axis=1)
    precision = sims.max(axis=0)
    w_t = np.array([DEMOTED if p in question.pieces else 1.0 for p in target.pieces])
    w_s = np.array([DEMOTED if p in question.pieces else 1.0 for p in span.pieces])
    # Word-piece cosines can be negative; shares below zero mean nothing matched.
    d_rec = max(0.0, float((recall * w_t).sum() / w_t.sum()))
    d_prec = max(0.0, float((precision * w_s).sum() / w_s.sum()))
    new = recall[w_t == 1.0] if (w_t == 1.0).any() else recall
    out["piece_recall"] = float(recall.mean())
    out["piece_precision"] = float(precision.mean())
    out["demoted_recall"] = d_rec
    out["demoted_precision"] = d_prec
    out["demoted_f1"] = 2 * d_rec * d_prec / max(1e-9, d_rec + d_prec)
    out["unmatched_share"] = float((new < 0.6).mean())
    out["weakest_match"] = float(new.min())
    return out


@dataclass(frozen=True)
class Calibration:
    """A logistic model over named features: standardise, dot, sigmoid."""

    features: tuple[str, ...]
    mean: Vector
    scale: Vector
    weights: Vector
    bias: float
    threshold: float

    def probability(self, feats: dict[str, float]) -> float:
        x = np.array([feats[name] for name in self.features], dtype=np.float64)
        z = float(((x - self.mean) / self.scale) @ self.weights + self.bias)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(self.features),
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "weights": [round(float(v), 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "threshold": round(self.threshold, 4),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(
            tuple(data["features"]),
            np.array(data["mean"], dtype=np.float64),
            np.array(data["scale"], dtype=np.float64),
            np.array(data["weights"], dtype=np.float64),
            float(data["bias"]),
            float(data["threshold"]),
        )


# Used when calibration.json is missing (a fresh checkout before train_calibration.py ran):
# hand-set weights of the same shape, so grading still works, only less well calibrated.
_FALLBACK = {
    "dense": {"demoted_f1": 6.0, "demoted_recall": 3.0, "cos": 2.0, "negation_mismatch": -1.0},
    "lexical": {"demoted_stem_recall": 5.0, "stem_recall": 2.0, "negation_mismatch": -1.0},
}
_FALLBACK_CENTRE = {"dense": 0.55, "lexical": 0.4}


def _fallback(kind: str) -> Calibration:
    names = DENSE_FEATURES if kind == "dense" else LEXICAL_FEATURES
    w = np.array([_FALLBACK[kind].get(n, 0.0) for n in names])
    mean = np.full(len(names), _FALLBACK_CENTRE[kind])
    return Calibration(names, mean, np.ones(len(names)), w, 0.0, 0.5)


@lru_cache(maxsize=1)
def load_calibrations() -> dict[str, Calibration]:
    """The packaged models: ``dense`` (needs word-piece vectors) and ``lexical``."""
    try:
        raw = resources.files("archprep.grading").joinpath("calibration.json").read_text("utf-8")
        data = json.loads(raw)
        return {kind: Calibration.from_dict(data["models"][kind]) for kind in ("dense", "lexical")}
    except (FileNotFoundError, KeyError, ValueError):
        return {"dense": _fallback("dense"), "lexical": _fallback("lexical")}


def pair_features(
    target: Encoded,
    span: Encoded,
    question: QuestionContext,
    sims: npt.NDArray[np.float32] | None = None,
) -> tuple[str, dict[str, float]]:
    """The model to use and its features for one pair."""
    if target.vector is not None and span.vector is not None and target.piece_vectors.size:
        return "dense", dense_features(target, span, question, sims)
    return "lexical", lexical_features(target, span, question)


def coverage_probability(
    target: Encoded,
    span: Encoded,
    question: QuestionContext,
    sims: npt.NDArray[np.float32] | None = None,
) -> float:
    """P(span states what target states), from the calibrated model."""
    kind, feats = pair_features(target, span, question, sims)
    return load_calibrations()[kind].probability(feats)
