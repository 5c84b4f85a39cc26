"""Alignment of key points with answer sentences, and the rules that keep it honest."""

from __future__ import annotations

from archprep.bank.model import KeyPoint
from archprep.grading import Grader
from archprep.grading.align import AUTHORED, align, build_spans, grade_key_points
from archprep.grading.features import QuestionContext

QUESTION = "How does hybrid search combine BM25 and dense retrieval?"
POINTS = [
    KeyPoint(
        "BM25 excels at exact terms, identifiers and rare names; dense retrieval excels at paraphrases"
    ),
    KeyPoint(
        "RRF scores each document as the sum of 1/(k + rank) over the result lists, with k about 60"
    ),
]


def _grade(grader: Grader, sentences: list[str]):  # type: ignore[no-untyped-def]
    enc = grader.encoder.encode([QUESTION, *[p.text for p in POINTS], *sentences])
    q, kps, ans = enc[0], enc[1:3], enc[3:]
    alignment = align(kps, build_spans(ans), QuestionContext.of(q))
    grades, _wrong = grade_key_points(POINTS, alignment, AUTHORED)
    return grades


def test_each_point_gets_its_own_evidence(grader: Grader) -> None:
    sentences = [
        "Reciprocal rank fusion adds up 1/(k + rank) for each document across the lists, k around 60.",
        "I like search engines.",
        "BM25 is best for exact identifiers and rare names, while embeddings handle paraphrases.",
    ]
    grades = _grade(grader, sentences)
    assert grades[0].status == "covered" and grades[1].status != "missed"
    assert grades[0].evidence == sentences[2] and grades[1].evidence == sentences[0]
    assert all(0 <= g.similarity <= 1 and g.credit > 0.4 for g in grades)


def test_a_term_list_earns_little(grader: Grader) -> None:
    grades = _grade(
        grader,
        [
            "BM25, exact terms, identifiers, dense retrieval, paraphrases, RRF, 1/(k + rank), k = 60."
        ],
    )
    assert all(g.status != "covered" and g.credit <= 0.25 for g in grades)
    assert any(g.note and "not explained" in g.note for g in grades)


def test_unrelated_answer_misses(grader: Grader) -> None:
    grades = _grade(grader, ["Kubernetes schedules containers onto nodes.", "GPUs are expensive."])
    assert [g.status for g in grades] == ["missed", "missed"] and all(
        g.evidence is None for g in grades
    )


def test_filler_glued_to_a_sentence_does_not_lift_it(grader: Grader) -> None:
    real = "Hybrid search uses BM25 for exact identifiers and embeddings for meaning."
    alone = _grade(grader, [real])
    padded = _grade(grader, ["Honestly this is such an important topic that I really love.", real])
    assert padded[0].credit <= alone[0].credit + 1e-9


def test_the_pair_model_rereads_only_the_best_spans(grader: Grader) -> None:
    if grader.pair_model is None:  # pragma: no cover - the model ships in the package
        return
    sentences = [
        "BM25 is best for exact identifiers and rare names, while embeddings handle paraphrases.",
        "I like search engines.",
        "Kubernetes schedules containers onto nodes.",
        "GPUs are expensive.",
    ]
    enc = grader.encoder.encode([QUESTION, *[p.text for p in POINTS], *sentences])
    q, kps, ans = enc[0], enc[1:3], enc[3:]
    spans = build_spans(ans)
    plain = align(kps, spans, QuestionContext.of(q))
    reread = align(kps, spans, QuestionContext.of(q), pair_model=grader.pair_model)
    assert plain.reranked == 0 and 0 < reread.reranked <= 2 * len(POINTS)
    # The sentence that states the first point stays its best evidence, and spans nobody
    # re-read cannot outscore it.
    assert int(reread.probability[0].argmax()) == 0
    assert reread.probability[0, 0] > 0.5 > reread.probability[0, 2]
