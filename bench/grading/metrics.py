"""Small statistics for the grading bench: ranks, Spearman, macro-F1, TF-IDF cosine, percentiles."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from archprep.grading.text import STOPWORDS, stem, tokens

Array = npt.NDArray[np.float64]


def ranks(values: Sequence[float]) -> Array:
    """1-based ranks with ties averaged."""
    arr = np.asarray(values, dtype=np.float64)
    order = np.argsort(arr, kind="mergesort")
    out = np.empty(len(arr))
    i = 0
    while i < len(arr):
        j = i
        while j + 1 < len(arr) and arr[order[j + 1]] == arr[order[i]]:
            j += 1
        out[order[i : j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return out


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    rx, ry = ranks(x), ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return 0.0
    return float(np.corrcoef(rx, ry)[0, 1])


def pairwise_accuracy(groups: Iterable[Sequence[tuple[float, float]]]) -> float:
    """Within each group of (level, score): share of differently-levelled pairs in the right
    order (a tie counts half)."""
    right, total = 0.0, 0
    for group in groups:
        for a in range(len(group)):
            for b in range(a + 1, len(group)):
                (la, sa), (lb, sb) = group[a], group[b]
                if la == lb:
                    continue
                total += 1
                if sa == sb:
                    right += 0.5
                elif (sa > sb) == (la > lb):
                    right += 1
    return right / total if total else float("nan")


def macro_f1(y: Sequence[bool], predicted: Sequence[bool]) -> float:
    ya, pa = np.asarray(y, dtype=bool), np.asarray(predicted, dtype=bool)
    scores = []
    for label in (False, True):
        tp = float(np.sum((pa == label) & (ya == label)))
        fp = float(np.sum((pa == label) & (ya != label)))
        fn = float(np.sum((pa != label) & (ya == label)))
        scores.append(2 * tp / max(1.0, 2 * tp + fp + fn))
    return float(np.mean(scores))


def question_bootstrap(
    y: Sequence[bool],
    predicted: Sequence[bool],
    groups: Sequence[str],
    *,
    baseline: Sequence[bool] | None = None,
    rounds: int = 2000,
    seed: int = 0,
) -> tuple[float, float]:
    """95% interval of macro-F1 when the questions are resampled with replacement (a cluster
    bootstrap): answers to one question are not independent, and a split of 15 questions
    varies far more than its 733 answers suggest. With ``baseline``, the interval of the
    difference macro-F1(predicted) - macro-F1(baseline) on the same resamples."""
    keys = sorted(set(groups))
    index = {k: i for i, k in enumerate(keys)}
    g = np.array([index[k] for k in groups])
    picks = np.random.default_rng(seed).integers(0, len(keys), size=(rounds, len(keys)))

    def resampled(pred: Sequence[bool]) -> Array:
        ya, pa = np.asarray(y, dtype=bool), np.asarray(pred, dtype=bool)
        # Per question: (predicted, actual) counts for TT, TF, FT, FF.
        counts = np.zeros((len(keys), 4))
        cells = ((True, True), (True, False), (False, True), (False, False))
        for col, (p, a) in enumerate(cells):
            np.add.at(counts[:, col], g, ((pa == p) & (ya == a)).astype(float))
        tt, tf, ft, ff = counts[picks].sum(axis=1).T
        f1_true = 2 * tt / np.maximum(1.0, 2 * tt + tf + ft)
        f1_false = 2 * ff / np.maximum(1.0, 2 * ff + ft + tf)
        return np.asarray((f1_true + f1_false) / 2)

    values = resampled(predicted)
    if baseline is not None:
        values = values - resampled(baseline)
    lo, hi = np.percentile(values, [2.5, 97.5])
    return float(lo), float(hi)


def best_threshold(scores: Sequence[float], y: Sequence[bool]) -> float:
    """The cut-off on ``scores`` that maximises macro-F1 on (training) labels."""
    arr = np.asarray(scores, dtype=np.float64)
    candidates = np.unique(np.quantile(arr, np.linspace(0.01, 0.99, 197)))
    return float(max(candidates, key=lambda t: macro_f1(y, arr >= t)))


def percentile(values: Sequence[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def _terms(text: str) -> list[str]:
    return [stem(t) for t in tokens(text) if t not in STOPWORDS]


class TfIdf:
    """Plain TF-IDF (log-scaled tf, smoothed idf) fitted on a list of documents."""

    def __init__(self, documents: Iterable[str]) -> None:
        df: Counter[str] = Counter()
        n = 0
        for doc in documents:
            df.update(set(_terms(doc)))
            n += 1
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.default = math.log(1 + n) + 1

    def vector(self, text: str) -> dict[str, float]:
        tf = Counter(_terms(text))
        vec = {t: (1 + math.log(c)) * self.idf.get(t, self.default) for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def cosine(self, a: str, b: str) -> float:
        va, vb = self.vector(a), self.vector(b)
        return sum(v * vb.get(t, 0.0) for t, v in va.items())
