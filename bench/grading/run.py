"""Grading bench: SemEval-2013 Task 7 2-way macro-F1, the own dev set, and grading latency.

``python -m bench grading``; ``BENCH_GRADING=dev,flags,self,semeval,latency`` picks parts
(default: all). ``flags`` counts misconception reports on SemEval training answers by their
label; ``self`` grades the bank's model answers against their own key points.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from archprep.bank.loader import builtin_content_dir, load_questions
from archprep.bank.model import Question
from archprep.embeddings import ModelUnavailable, load_embedder
from archprep.grading import Grader
from archprep.grading.misconceptions import Target, evidence_contradiction, find_misconceptions
from archprep.grading.pairmodel import CARD_FILE, load_pair_model
from archprep.grading.rubric import reference_sentences
from archprep.grading.text import split_sentences
from bench.grading.metrics import (
    TfIdf,
    best_threshold,
    macro_f1,
    pairwise_accuracy,
    percentile,
    question_bootstrap,
    spearman,
)
from bench.grading.semeval import DEFAULT_ZIP, TEST_SPLITS, Item, load_split
from bench.grading.train_pair_model import HOLDOUT, split_by_question

HERE = Path(__file__).resolve().parent
DEVSET = HERE / "devset.jsonl"
LEVELLED = ("full", "most", "partial", "vague", "wrong")
GAMING = ("keywords", "padded", "negated")


def _grader() -> Grader:
    """The grader as shipped; ARCHPREP_PAIR_MODEL (as in docs/configuration.md) benches
    another pair model folder, or none, without replacing the shipped one."""
    pair_model = os.environ.get("ARCHPREP_PAIR_MODEL", "auto")
    try:
        return Grader(load_embedder("auto", None), pair_model=pair_model)
    except ModelUnavailable as exc:
        print(f"  (no embedding model: {exc}; lexical grading only)")
        return Grader(None, pair_model=pair_model)


# ---- dev set -------------------------------------------------------------------------------


def load_devset(path: Path = DEVSET) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def _dev_scores(
    rows: Sequence[dict[str, object]], score: Callable[[dict[str, object]], float]
) -> dict[str, object]:
    scores = [score(r) for r in rows]
    levelled = [(r, s) for r, s in zip(rows, scores, strict=True) if r["variant"] in LEVELLED]
    levels = [float(r["level"]) for r, _s in levelled]  # type: ignore[arg-type]
    groups: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for r, s in levelled:
        groups[str(r["question_id"])].append((float(r["level"]), s))  # type: ignore[arg-type]
    by_variant: dict[str, list[float]] = defaultdict(list)
    for r, s in zip(rows, scores, strict=True):
        by_variant[str(r["variant"])].append(s)
    by_pair = {
        (str(r["question_id"]), str(r["variant"])): s for r, s in zip(rows, scores, strict=True)
    }
    paired = {}
    for variant, base in (("keywords", "partial"), ("padded", "partial"), ("negated", "full")):
        deltas = [
            by_pair[(q, variant)] - by_pair[(q, base)]
            for q, v in by_pair
            if v == variant and (q, base) in by_pair
        ]
        if deltas:
            paired[f"{variant}-{base}"] = (float(np.mean(deltas)), float(np.max(deltas)))
    return {
        "rho": spearman(levels, [s for _r, s in levelled]),
        "pairwise": pairwise_accuracy(groups.values()),
        "means": {v: float(np.mean(by_variant[v])) for v in (*LEVELLED, *GAMING) if by_variant[v]},
        "paired": paired,
    }


def bench_devset(grader: Grader) -> None:
    if not DEVSET.is_file():
        print(f"dev set: {DEVSET} is missing; skipped")
        return
    bank = {q.id: q for q in load_questions([builtin_content_dir()])}
    rows = [r for r in load_devset() if r.get("question_id") in bank]
    skipped = len(load_devset()) - len(rows)
    tfidf = TfIdf(q.answer for q in bank.values())

    def authored(r: dict[str, object]) -> float:
        return grader.grade(bank[str(r["question_id"])], str(r["answer"])).score

    def derived(r: dict[str, object]) -> float:
        q = replace(bank[str(r["question_id"])], key_points=[])
        return grader.grade(q, str(r["answer"])).score

    def baseline(r: dict[str, object]) -> float:
        return 100 * tfidf.cosine(str(r["answer"]), bank[str(r["question_id"])].answer)

    questions = len({r["question_id"] for r in rows})
    print(
        f"dev set: {len(rows)} answers to {questions} questions"
        + (f" ({skipped} rows skipped: question not in the bank)" if skipped else "")
    )
    header = (
        "  "
        + f"{'grader':28s}{'rho':>6s}{'pairs':>7s}"
        + "".join(f"{v:>9s}" for v in (*LEVELLED, *GAMING))
    )
    print(header)
    paired_lines = []
    for name, fn in (
        ("authored key points", authored),
        ("reference only (derived)", derived),
        ("TF-IDF cosine baseline", baseline),
    ):
        res = _dev_scores(rows, fn)
        means, paired = res["means"], res["paired"]
        assert isinstance(means, dict) and isinstance(paired, dict)
        print(
            f"  {name:28s}{res['rho']:6.3f}{res['pairwise']:7.3f}"
            + "".join(f"{means.get(v, float('nan')):9.1f}" for v in (*LEVELLED, *GAMING))
        )
        paired_lines.append(
            f"  {name:28s}"
            + "  ".join(f"{k} {m:+.1f} (max {x:+.1f})" for k, (m, x) in paired.items())
        )
    print("  paired on the same questions, mean (max) score difference:")
    for line in paired_lines:
        print(line)


# ---- SemEval-2013 Task 7 -------------------------------------------------------------------


def _grader_score(grader: Grader, it: Item) -> float:
    return grader.grade(it.question, it.answer, reference=list(it.references)).score


def _card_cutoffs(grader: Grader) -> tuple[dict[str, float], int]:
    """The per-corpus score cut-offs a cross-fitted pair model's card records, and how many
    training answers they were fitted on; nothing for other models."""
    if grader.pair_model is None:
        return {}, 0
    card_file = grader.pair_model.model_file.parent / CARD_FILE
    card = json.loads(card_file.read_text("utf-8")) if card_file.is_file() else {}
    cutoffs = card.get("semeval_cutoffs") or {}
    if not cutoffs:
        return {}, 0
    return {k: float(v) for k, v in cutoffs.items()}, int(card["cross_fitted"]["answers"])


def bench_semeval(grader: Grader, zip_path: Path = DEFAULT_ZIP) -> None:
    if not zip_path.is_file():
        print(f"SemEval-2013 Task 7: {zip_path} not found; skipped")
        return
    started = time.monotonic()
    train = load_split("train-sciEntsBank", zip_path) + load_split("train-beetle", zip_path)
    # The grader's threshold is tuned on training answers its pair model did not see, where its
    # verdicts are not overconfident: a cross-fitted model's card carries cut-offs fitted on
    # every training answer (each judged by a fold model without its question); otherwise they
    # are tuned here on the sixth of the questions train_pair_model.py held out.
    cutoffs, fitted_on = _card_cutoffs(grader)
    _fitted, sample = split_by_question(train, HOLDOUT)
    tfidf = TfIdf(t for it in train for t in (it.answer, *it.references))
    embedder = grader.encoder.embedder

    def tfidf_score(it: Item) -> float:
        return max(tfidf.cosine(it.answer, r) for r in it.references)

    def cosine_score(it: Item) -> float:
        assert embedder is not None
        m = embedder.embed([it.answer, *it.references])
        return float((m[1:] @ m[0]).max())

    scorers: dict[str, Callable[[Item], float]] = {
        "grader": lambda it: _grader_score(grader, it),
        "TF-IDF cosine": tfidf_score,
    }
    if embedder is not None:
        scorers["MiniLM cosine"] = cosine_score
    # One threshold per corpus, as SemEval systems were trained per corpus: SciEntsBank and
    # Beetle score their answers on different scales. Each is tuned on that corpus's
    # training answers only (the grader's on its held-out training questions).
    corpora = {"sciEntsBank": "train-sciEntsBank", "beetle": "train-beetle"}
    in_corpus = {c: {it.qid for it in load_split(split, zip_path)} for c, split in corpora.items()}
    thresholds: dict[tuple[str, str], float] = {}
    for name, fn in scorers.items():
        for corpus, qids in in_corpus.items():
            if name == "grader" and corpus in cutoffs:
                thresholds[(name, corpus)] = cutoffs[corpus]
                continue
            items = [it for it in (sample if name == "grader" else train) if it.qid in qids]
            scores = [fn(it) for it in items]
            thresholds[(name, corpus)] = best_threshold(scores, [it.correct for it in items])
    tuned_on = (
        f"the grader's cross-fitted on {fitted_on} training answers, each scored "
        "by a pair model that never saw its question"
        if cutoffs
        else f"the grader's on its {len(sample)} held-out training answers"
    )
    print(
        "SemEval-2013 Task 7, 2-way macro-F1 (thresholds tuned per corpus on the training "
        f"split only; {tuned_on})"
    )
    print(
        "  "
        + f"{'split':30s}{'n':>6s}{'questions':>10s}"
        + "".join(f"{n:>15s}" for n in scorers)
        + f"{'grader 95% CI':>17s}{'minus TF-IDF':>17s}"
    )
    for split in TEST_SPLITS:
        corpus = split.split("-")[0]
        items = load_split(split, zip_path)
        y = [it.correct for it in items]
        clusters = [it.qid for it in items]
        predicted = {
            name: [fn(it) >= thresholds[(name, corpus)] for it in items]
            for name, fn in scorers.items()
        }
        alone = question_bootstrap(y, predicted["grader"], clusters)
        gain = question_bootstrap(
            y, predicted["grader"], clusters, baseline=predicted["TF-IDF cosine"]
        )
        print(
            f"  {split:30s}{len(items):6d}{len(set(clusters)):10d}"
            + "".join(f"{macro_f1(y, p):15.3f}" for p in predicted.values())
            + f"{alone[0]:11.3f}-{alone[1]:.3f}{gain[0]:+11.3f}-{gain[1]:+.3f}"
        )
    print(
        "  (95% CIs: the grader's macro-F1, and its margin over TF-IDF, with the split's "
        "questions resampled, 2000 rounds; "
        f"{time.monotonic() - started:.0f} s)"
    )


# ---- latency -------------------------------------------------------------------------------


def bench_latency(grader: Grader) -> None:
    # A fresh grader (the embedding model itself stays loaded): nothing graded earlier is
    # cached, neither encodings nor pair-model logits, so each question's first answer also
    # pays for encoding its rubric, as in real use.
    load_pair_model.cache_clear()
    grader = Grader(grader.encoder.embedder)
    bank = {q.id: q for q in load_questions([builtin_content_dir()])}
    rows = [r for r in load_devset() if r.get("question_id") in bank] if DEVSET.is_file() else []
    if not rows:
        rows = [{"question_id": q.id, "answer": q.answer} for q in list(bank.values())[:40]]
    for r in rows[:3]:  # warm up the model's first runs
        grader.grade(bank[str(r["question_id"])], str(r["answer"]))
    timings = []
    for r in rows[3:]:
        q: Question = bank[str(r["question_id"])]
        started = time.perf_counter()
        grader.grade(q, str(r["answer"]))
        timings.append((time.perf_counter() - started) * 1000)
    words = np.median([len(str(r["answer"]).split()) for r in rows[3:]])
    print(
        f"latency, warm ({len(timings)} answers, median {words:.0f} words): median "
        f"{percentile(timings, 50):.0f} ms, p95 {percentile(timings, 95):.0f} ms"
    )
    cold = _cold_start(bank)
    if cold:
        print(
            f"cold `archprep grade` (process start to printed grade, median of {len(cold)}): "
            f"{percentile(cold, 50):.2f} s"
        )


def _cold_start(bank: dict[str, Question]) -> list[float]:
    q = bank.get("mlops/data-vs-concept-drift") or next(iter(bank.values()))
    with tempfile.TemporaryDirectory() as tmp:
        ref, ans = Path(tmp, "ref.md"), Path(tmp, "answer.txt")
        ref.write_text(q.answer)
        ans.write_text(q.answer.split("\n\n")[0])
        exe = Path(sys.executable).with_name("archprep")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "archprep"]
        cmd += ["--db", str(Path(tmp, "x.db")), "grade", "--question", q.question]
        cmd += ["--reference", str(ref), "--answer", str(ans), "--json"]
        times = []
        for _ in range(5):
            started = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            times.append(time.perf_counter() - started)
            if done.returncode != 0:
                print(f"  cold start failed: {done.stderr.strip()[:200]}")
                return []
        return times


# ---- misconception flags on SemEval training answers --------------------------------------


def _flagged(it: Item) -> str | None:
    """The misconception the offline checks report against every reference of an answer
    (the grade keeps the best reference, so one clean reading clears it), or None.

    The rubric checks run on each answer sentence, and the evidence checks on every
    sentence rather than only the one alignment would pick, so this counts a little more
    than a grade would report."""
    sentences = split_sentences(it.answer)
    kinds: list[str] = []
    for ref in it.references:
        targets = [Target(ref, 0), *(Target(t) for t in reference_sentences(ref))]
        found = [m.kind for _i, m in find_misconceptions(sentences, targets, question=it.question)]
        if not found:
            found = [c[0] for s in sentences if (c := evidence_contradiction(ref, s, factor=4.0))]
        if not found:
            return None
        kinds.append(found[0])
    return kinds[0] if kinds else None


def bench_flags(zip_path: Path = DEFAULT_ZIP) -> None:
    """How often a misconception is reported on answers the SemEval annotators marked
    correct: every such report is a false accusation in the feedback."""
    if not zip_path.is_file():
        print(f"misconception flags: {zip_path} not found; skipped")
        return
    print("misconception flags on SemEval training answers (lexical checks, every reference)")
    print(f"  {'corpus':20s}{'answers':>9s}{'correct':>9s}{'flagged':>9s}"
          f"{'of them correct':>17s}   by kind (correct/incorrect)")  # fmt: skip
    for split in ("train-sciEntsBank", "train-beetle"):
        items = load_split(split, zip_path)
        by_kind: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for it in items:
            kind = _flagged(it)
            if kind is not None:
                by_kind[kind][0 if it.correct else 1] += 1
        right = sum(v[0] for v in by_kind.values())
        flagged = right + sum(v[1] for v in by_kind.values())
        share = sum(it.correct for it in items) / len(items)
        kinds = "  ".join(f"{k} {v[0]}/{v[1]}" for k, v in sorted(by_kind.items()))
        print(f"  {split[6:]:20s}{len(items):9d}{share:9.1%}{flagged:9d}{right:17d}   {kinds}")


def bench_self(grader: Grader) -> None:
    """Each bank question's own model answer graded against its own key points: an answer
    the rubric was written from should score high and draw no misconception, so every
    report here is a false accusation a candidate who answers that well would see."""
    questions = load_questions([builtin_content_dir()])
    scores: list[float] = []
    reported: dict[str, int] = defaultdict(int)
    flagged = 0
    started = time.perf_counter()
    for q in questions:
        result = grader.grade(q, q.answer)
        scores.append(result.score)
        flagged += bool(result.misconceptions)
        for m in result.misconceptions:
            reported[m.kind] += 1
    kinds = "  ".join(f"{k} {n}" for k, n in sorted(reported.items())) or "none"
    total = sum(reported.values())
    print(
        f"model answers graded against their own key points ({len(questions)} questions, "
        f"{time.perf_counter() - started:.0f} s)\n"
        f"  score median {np.median(scores):.1f}, 10th percentile {np.percentile(scores, 10):.1f}; "
        f"{flagged} drew a misconception report "
        f"({total} report{'' if total == 1 else 's'}: {kinds})"
    )


def main() -> None:
    parts = os.environ.get("BENCH_GRADING", "dev,flags,self,semeval,latency").split(",")
    grader = _grader()
    if "dev" in parts:
        bench_devset(grader)
    if "flags" in parts:
        bench_flags()
    if "self" in parts:
        bench_self(grader)
    if "semeval" in parts:
        bench_semeval(grader)
    if "latency" in parts:
        bench_latency(grader)


if __name__ == "__main__":
    main()
