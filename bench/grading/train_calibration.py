"""Fits the grader's calibrated coverage model on the SemEval-2013 Task 7 TRAINING split only.

    python -m bench.grading.train_calibration [--zip PATH] [--out PATH]

Writes ``src/archprep/grading/calibration.json``: feature means, scales and logistic weights for
a ``dense`` model (sentence + word-piece similarity features) and a ``lexical`` one (stems only,
used when no embedding model is installed). Only these coefficients are shipped, never the data.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from archprep.embeddings import ModelUnavailable, load_embedder
from archprep.grading.encoder import TextEncoder
from archprep.grading.features import (
    DENSE_FEATURES,
    LEXICAL_FEATURES,
    Calibration,
    QuestionContext,
    dense_features,
    lexical_features,
)
from bench.grading.semeval import DEFAULT_ZIP, Item, load_split

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "src" / "archprep" / "grading" / "calibration.json"
TRAIN = ("train-sciEntsBank", "train-beetle")
L2 = 10.0  # ridge on the standardised weights (not the bias)

Matrix = npt.NDArray[np.float64]


def feature_rows(items: Sequence[Item], encoder: TextEncoder) -> tuple[Matrix, Matrix]:
    """One row per answer, against its best-matching reference (Beetle lists several)."""
    texts = sorted({t for it in items for t in (it.question, it.answer, *it.references)})
    encoded = dict(zip(texts, encoder.encode(texts), strict=True))
    dense_rows, lexical_rows = [], []
    for it in items:
        q = QuestionContext.of(encoded[it.question])
        answer = encoded[it.answer]
        dense = [dense_features(encoded[r], answer, q) for r in it.references]
        lexical = [lexical_features(encoded[r], answer, q) for r in it.references]
        best_d = max(dense, key=lambda f: f["demoted_f1"])
        best_l = max(lexical, key=lambda f: f["demoted_stem_recall"] + f["stem_precision"])
        dense_rows.append([best_d[n] for n in DENSE_FEATURES])
        lexical_rows.append([best_l[n] for n in LEXICAL_FEATURES])
    return np.array(dense_rows), np.array(lexical_rows)


def fit_logistic(
    x: Matrix, y: Matrix, l2: float = L2, iterations: int = 50
) -> tuple[Matrix, float]:
    """Ridge logistic regression by Newton's method; returns (weights, bias)."""
    n, d = x.shape
    xb = np.hstack([x, np.ones((n, 1))])
    w = np.zeros(d + 1)
    penalty = np.full(d + 1, l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        grad = xb.T @ (p - y) + penalty * w
        hess = (xb.T * (p * (1 - p))) @ xb + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1], float(w[-1])


def macro_f1(y: Matrix, predicted: Matrix) -> float:
    scores = []
    for label in (0, 1):
        tp = float(np.sum((predicted == label) & (y == label)))
        fp = float(np.sum((predicted == label) & (y != label)))
        fn = float(np.sum((predicted != label) & (y == label)))
        scores.append(2 * tp / max(1.0, 2 * tp + fp + fn))
    return float(np.mean(scores))


def best_threshold(scores: Matrix, y: Matrix) -> float:
    candidates = np.unique(np.quantile(scores, np.linspace(0.02, 0.98, 97)))
    return float(max(candidates, key=lambda t: macro_f1(y, (scores >= t).astype(float))))


def train(x: Matrix, y: Matrix, names: Sequence[str]) -> tuple[Calibration, float]:
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    weights, bias = fit_logistic((x - mean) / scale, y)
    model = Calibration(tuple(names), mean, scale, weights, bias, 0.5)
    probs = np.array([model.probability(dict(zip(names, row, strict=True))) for row in x])
    threshold = best_threshold(probs, y)
    model = Calibration(tuple(names), mean, scale, weights, bias, threshold)
    return model, macro_f1(y, (probs >= threshold).astype(float))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, default=DEFAULT_ZIP)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    if not args.zip.is_file():
        print(f"SemEval-2013 Task 7 zip not found at {args.zip}; nothing trained")
        return
    try:
        encoder = TextEncoder(load_embedder("auto", None))
    except ModelUnavailable as exc:
        sys.exit(f"the dense model needs the embedding model: {exc}")
    started = time.monotonic()
    items = [it for name in TRAIN for it in load_split(name, args.zip)]
    y = np.array([float(it.correct) for it in items])
    dense_x, lexical_x = feature_rows(items, encoder)
    dense, dense_f1 = train(dense_x, y, DENSE_FEATURES)
    lexical, lexical_f1 = train(lexical_x, y, LEXICAL_FEATURES)
    payload = {
        "about": (
            "Logistic coverage models for archprep's grader, fitted by "
            "bench/grading/train_calibration.py on the TRAINING split (SciEntsBank + Beetle, "
            "2-way labels) of SemEval-2013 Task 7 (Dzikovska et al., 2013), which is licensed "
            "CC-BY-SA 3.0. Only the learned coefficients are shipped, not the data."
        ),
        "encoder": encoder.model_id,
        "train_items": len(items),
        "train_macro_f1": {"dense": round(dense_f1, 4), "lexical": round(lexical_f1, 4)},
        "models": {"dense": dense.as_dict(), "lexical": lexical.as_dict()},
    }
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(
        f"trained on {len(items)} answers in {time.monotonic() - started:.0f} s: "
        f"train macro-F1 dense {dense_f1:.3f}, lexical {lexical_f1:.3f} -> {args.out}"
    )


if __name__ == "__main__":
    main()
