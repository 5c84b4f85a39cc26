"""Aligns each key point with the answer sentence (or pair of sentences) that states it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from archprep.bank.model import KeyPoint
from archprep.grading.encoder import Encoded, join
from archprep.grading.features import QuestionContext, load_calibrations, pair_features
from archprep.grading.misconceptions import (
    evidence_contradiction,
    preference_swap,
    swapped_in_evidence,
)
from archprep.grading.numbers import numbers_agree, numbers_disagree
from archprep.grading.pairmodel import PairModel
from archprep.grading.result import KeyPointGrade, Misconception, Status
from archprep.grading.text import normalise, sentence_shape


@dataclass(frozen=True)
class Cutoffs:
    """How calibrated P(covered) maps onto a status and a share of the point's weight."""

    partial: float  # below this the point is missed and earns nothing
    covered: float  # from here the point counts as covered
    floor: float  # credit rises linearly from ``floor`` ...
    full: float  # ... to full credit at ``full``

    def credit(self, p: float) -> float:
        if p < self.partial:
            return 0.0
        return float(np.clip((p - self.floor) / (self.full - self.floor), 0.0, 1.0))

    def status(self, p: float) -> Status:
        if p >= self.covered:
            return "covered"
        return "partial" if p >= self.partial else "missed"


# Set on half of the development set by bench/grading/tune_cutoffs.py (docs/grading.md): the
# ordering of answers by quality, and how close each score comes to the share of the points
# its answer states. Derived key points are whole model-answer sentences, longer than
# authored ones, so one answer sentence matches them with a lower P.
AUTHORED = Cutoffs(partial=0.34, covered=0.48, floor=0.2, full=0.55)
DERIVED = Cutoffs(partial=0.30, covered=0.48, floor=0.15, full=0.65)
# A span that names the terms without explaining them (a bare list) earns at most this share.
LIST_CREDIT_CAP = 0.25
# A two-sentence span counts only when each sentence on its own is about the key point, so
# gluing a filler sentence to a real one cannot lift it.
WINDOW_MIN = 0.3


# The pair model re-reads the best spans the similarity model found for each key point
# (retrieve, then re-rank): reading every key point against every span would cost too much.
RERANK_TOP = 2
RERANK_FLOOR = 0.04  # spans below this P(covered) are not worth a second look
RERANK_BUDGET = 5  # pairs per answer (~5 ms each); every key point's best span is read regardless
# Stacking the two models (fitted on held-out SemEval training answers by
# bench/grading/train_pair_model.py and stored in the pair model's card, see pairmodel.Stack):
# logit of the pair model (minus its threshold) and logit of the similarity model's P, to one
# calibrated P. These weights stand in when a card has none.
DEFAULT_STACK = (1.0, 0.3, 0.0)
UNREAD = -4.0  # the pair-model logit assumed for spans it did not re-read


@dataclass(frozen=True)
class Span:
    """One candidate piece of evidence: sentence ``start`` up to (not including) ``stop``."""

    start: int
    stop: int
    encoded: Encoded
    explanatory: bool


@dataclass(frozen=True)
class Alignment:
    """P(covered) of every key point against every span, and the spans themselves."""

    spans: list[Span]
    probability: npt.NDArray[np.float64]  # (key points, spans)
    reranked: int = 0  # pairs the pair model read


def build_spans(sentences: Sequence[Encoded], *, max_window: int = 2) -> list[Span]:
    """Single sentences, plus adjacent pairs (a point is often made across two sentences)."""
    shapes = [sentence_shape(s.text).explanatory for s in sentences]
    spans = []
    for width in range(1, max_window + 1):
        for start in range(0, len(sentences) - width + 1):
            part = sentences[start : start + width]
            spans.append(Span(start, start + width, join(part), all(shapes[start : start + width])))
    return spans


def align(
    key_points: Sequence[Encoded],
    spans: Sequence[Span],
    question: QuestionContext,
    *,
    excluded: frozenset[int] = frozenset(),
    pair_model: PairModel | None = None,
    stack: tuple[float, float, float] | None = None,
    question_text: str = "",
) -> Alignment:
    """P(covered) for each key point x span; spans touching an excluded sentence score 0.

    Without a pair model P comes from the similarity model alone; with one, the best spans
    of each key point are re-read and the two models' verdicts stacked with ``stack`` (pair
    weight, similarity weight, bias), by default the card's weights for the most familiar
    questions.
    """
    models = load_calibrations()
    probability = np.zeros((len(key_points), len(spans)))
    single = {span.start: j for j, span in enumerate(spans) if span.stop - span.start == 1}
    for j, span in enumerate(spans):
        if any(i in excluded for i in range(span.start, span.stop)):
            continue
        for i, kp in enumerate(key_points):
            if span.stop - span.start > 1:
                parts = [probability[i, single[k]] for k in range(span.start, span.stop)]
                if min(parts) < WINDOW_MIN:
                    continue
            kind, feats = pair_features(kp, span.encoded, question)
            probability[i, j] = models[kind].probability(feats)
    if pair_model is None or not spans:
        return Alignment(list(spans), probability)
    if stack is None:
        stack = pair_model.stack.weights(1.0) if pair_model.stack else DEFAULT_STACK
    return rerank(key_points, spans, probability, pair_model, stack, question=question_text)


def logit(p: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """log(p / (1 - p)), clipped away from 0 and 1."""
    q = np.clip(p, 1e-4, 1 - 1e-4)
    out: npt.NDArray[np.float64] = np.log(q / (1 - q))
    return out


def rerank(
    key_points: Sequence[Encoded],
    spans: Sequence[Span],
    similarity: npt.NDArray[np.float64],
    pair_model: PairModel,
    stack: tuple[float, float, float] = DEFAULT_STACK,
    *,
    top: int = RERANK_TOP,
    budget: int = RERANK_BUDGET,
    question: str = "",
) -> Alignment:
    """Each key point's best ``top`` spans, read again by the pair model and stacked."""
    # Every key point's best span first, then runners-up (most promising first) while the
    # budget lasts: a long answer to a long rubric stays within the latency target.
    ranked = [np.argsort(-similarity[i])[:top] for i in range(len(key_points))]
    chosen: list[tuple[int, int]] = []
    for rank in range(top):
        tier = [(i, int(r[rank])) for i, r in enumerate(ranked) if rank < len(r)]
        tier = [(i, j) for i, j in tier if similarity[i, j] >= RERANK_FLOOR]
        tier.sort(key=lambda ij: -similarity[ij])
        room = max(0, budget - len(chosen)) if rank else len(tier)
        chosen += tier[:room]
    z_pair = np.full(similarity.shape, UNREAD)
    if chosen:
        pairs = [
            (pair_model.first(question, key_points[i].text), spans[j].encoded.text)
            for i, j in chosen
        ]
        logits = pair_model.logits(pairs) - pair_model.threshold
        for (i, j), z in zip(chosen, logits, strict=True):
            z_pair[i, j] = float(z)
    a, b, c = stack
    stacked = 1.0 / (1.0 + np.exp(-(a * z_pair + b * logit(similarity) + c)))
    stacked[similarity <= 0.0] = 0.0  # excluded spans stay out
    return Alignment(list(spans), stacked, len(chosen))


def grade_key_points(
    points: Sequence[KeyPoint],
    alignment: Alignment,
    cutoffs: Cutoffs = AUTHORED,
    *,
    number_factor: float = 2.0,
) -> tuple[list[KeyPointGrade], list[tuple[int, Misconception]]]:
    """Best span per key point, and the misconceptions found on the way.

    Spans are tried best first: a span that states the point wrongly (a negated or dismissed
    statement, a figure that disagrees) is skipped and reported, and a bare term list earns
    at most ``LIST_CREDIT_CAP``.
    """
    grades: list[KeyPointGrade] = []
    found: list[tuple[int, Misconception]] = []
    for i, kp in enumerate(points):
        row = alignment.probability[i] if alignment.spans else np.zeros(0)
        ranked = []
        for j, span in enumerate(alignment.spans):
            p = float(row[j])
            if p < cutoffs.partial:
                continue
            value = cutoffs.credit(p)
            value = value if span.explanatory else min(value, LIST_CREDIT_CAP)
            # One sentence is cleaner evidence than two: a pair must clearly beat it.
            bonus = 0.0 if span.stop - span.start == 1 else -0.05
            ranked.append((value + bonus, p, j))
        ranked.sort(reverse=True)
        chosen = None
        for _value, p, j in ranked:
            span = alignment.spans[j]
            wrong = evidence_contradiction(kp.text, span.encoded.text, factor=number_factor)
            if wrong is None:
                chosen = (p, j)
                break
            if wrong[0] == "wrong-number":
                culprits = _wrong_figures(points, alignment, i, j, cutoffs, number_factor)
                if not culprits:
                    continue  # the figures are another key point's, and right for it
                span = alignment.spans[culprits[0]]  # quote the sentence with the figure
            elif wrong[0] == "swapped-terms" and _about_another(points, alignment, i, j, cutoffs):
                continue  # it uses the other term for the key point that is about that term
            if not any(start == span.start for start, _m in found):
                kind, why = wrong
                found.append((span.start, Misconception(kind, span.encoded.text, kp.text, why, i)))
        best_p = float(row.max()) if row.size else 0.0
        if chosen is None:
            contradicted = any(m.key_point == i for _s, m in found)
            note = "contradicted by the answer" if contradicted else None
            grades.append(
                KeyPointGrade(kp.text, "missed", None, round(best_p, 3), kp.weight, 0.0, note)
            )
            continue
        p, j = chosen
        span = alignment.spans[j]
        status = cutoffs.status(p)
        credit = cutoffs.credit(p)
        note = None
        if not span.explanatory:
            credit = min(credit, LIST_CREDIT_CAP)
            status = "partial"
            note = "named but not explained (a list of terms, not a statement)"
        grades.append(
            KeyPointGrade(
                kp.text, status, span.encoded.text, round(p, 3), kp.weight, round(credit, 3), note
            )
        )
    return grades, found


def _wrong_figures(
    points: Sequence[KeyPoint],
    alignment: Alignment,
    i: int,
    j: int,
    cutoffs: Cutoffs,
    factor: float,
) -> list[int]:
    """The sentences of span ``j`` (as single-sentence spans) whose figures are wrong for key
    point ``i``. A sentence is excused when it matches another key point better and agrees
    with that one's figures: "16-bit LoRA needs 140 GB" is about the 16-bit point, not a
    wrong figure for "4-bit weights take 34 GB"."""
    span = alignment.spans[j]
    kp = points[i].text
    singles = {s.start: k for k, s in enumerate(alignment.spans) if s.stop - s.start == 1}

    def excused(col: int) -> bool:
        text = alignment.spans[col].encoded.text
        column = alignment.probability[:, col]
        return any(
            k != i
            and column[k] >= max(cutoffs.partial, column[i])
            and numbers_agree(other.text, text)
            for k, other in enumerate(points)
        )

    return [
        col
        for col in (singles[start] for start in range(span.start, span.stop) if start in singles)
        if numbers_disagree(kp, alignment.spans[col].encoded.text, factor) and not excused(col)
    ]


def _about_another(
    points: Sequence[KeyPoint], alignment: Alignment, i: int, j: int, cutoffs: Cutoffs
) -> bool:
    """Whether span ``j``, which uses the partner of a term of key point ``i``, matches better
    a key point that uses that partner and that it does not contradict: "for concept drift,
    get fresh labels and retrain" is about the concept-drift point, not a swap in the
    data-drift one."""
    text = alignment.spans[j].encoded.text
    swapped = swapped_in_evidence(points[i].text, text) or preference_swap(points[i].text, text)
    if swapped is None:
        return False
    partner = swapped[1]
    column = alignment.probability[:, j]
    return any(
        k != i
        and column[k] >= max(cutoffs.partial, column[i])
        and partner in normalise(other.text)
        and evidence_contradiction(other.text, text) is None
        for k, other in enumerate(points)
    )


def merge_parts(
    grades: Sequence[KeyPointGrade],
    found: list[tuple[int, Misconception]],
    count: int,
    compound: Sequence[tuple[int, Sequence[str]]],
) -> tuple[list[KeyPointGrade], list[tuple[int, Misconception]]]:
    """The first ``count`` grades (the rubric's key points), each compound one credited with the
    mean of its parts' credits when that is more than the whole earned: an answer that makes
    the parts of "enforce permissions at retrieval; never rely on the LLM to withhold content"
    in two sentences has stated the point. The parts' grades follow the key points', in the
    order of ``compound``; a misconception found against a part is charged to its key point."""
    out = list(grades[:count])
    parent: dict[int, int] = {}
    start = count
    for i, parts in compound:
        own = grades[start : start + len(parts)]
        parent.update((k, i) for k in range(start, start + len(parts)))
        start += len(parts)
        whole = out[i]
        credit = sum(g.credit for g in own) / len(own)
        if credit <= whole.credit or (whole.note or "").startswith("contradicted"):
            continue
        best = max(own, key=lambda g: g.credit)
        covered = sum(g.status == "covered" for g in own)
        status: Status = (
            "covered" if whole.status == "covered" or covered == len(own) else "partial"
        )
        out[i] = KeyPointGrade(
            whole.text,
            status,
            best.evidence,
            round(max(whole.similarity, sum(g.similarity for g in own) / len(own)), 3),
            whole.weight,
            round(credit, 3),
            f"made in parts across the answer ({covered} of {len(own)} parts covered)",
        )
    for _start, m in found:
        if m.key_point is not None and m.key_point >= count:
            m.key_point = parent[m.key_point]
    return out, found


def coverage(grades: Sequence[KeyPointGrade]) -> float:
    """Weighted share of the rubric earned, 0-1: the backbone of the score."""
    total = sum(g.weight for g in grades)
    if total <= 0:
        return 0.0
    return sum(g.weight * g.credit for g in grades) / total
