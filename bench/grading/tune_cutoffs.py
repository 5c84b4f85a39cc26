"""Searches the grader's P(covered) cut-offs on HALF of the development set's questions and
reports the other half, so the chosen values can be checked on answers they were not set on.

    python -m bench.grading.tune_cutoffs [--source authored|derived]

Two things are measured for each setting, on each half:

- **ordering**: Spearman rho between score and quality level;
- **level error**: the root-mean-square gap between each answer's score and the share of the
  key points its level states (``NOMINAL``: a full answer states them all, so 100; a partial
  one a third to a half, so 40). Rho cannot see a scale that is squeezed: full answers at 70
  order as well as at 90, but a candidate who answered fully is told "Hard".

A setting qualifies when the gaming checks hold on the whole set (keywords < partial, wrong <
vague, padding raises no score by more than ``PAD_TOLERANCE``, every negated answer scores at
least ``NEGATED_GAP`` below its full answer) and its tuning-half rho is within ``RHO_SLACK`` of
the best; qualifying settings are listed by tuning-half level error. Copy the chosen values
into ``AUTHORED``/``DERIVED`` in ``src/archprep/grading/align.py``.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from archprep.bank.loader import builtin_content_dir, load_questions
from archprep.bank.model import Question
from archprep.embeddings import load_embedder
from archprep.grading import Grader, engine
from archprep.grading.align import AUTHORED, DERIVED, Cutoffs
from bench.grading.metrics import spearman
from bench.grading.run import LEVELLED, load_devset

# The score an answer at each level would earn if the grader read it exactly: 100 times the
# share of the key points that level states (bench/grading/README.md defines the levels).
NOMINAL = {"full": 100.0, "most": 75.0, "partial": 40.0, "vague": 0.0, "wrong": 0.0}
PAD_TOLERANCE = 1.0  # score points: padding may move a score within rounding, never lift it
NEGATED_GAP = 5.0  # score points every negated answer must stay below its full answer
RHO_SLACK = 0.005


def _covered_at(floor: float, full: float) -> float:
    """A point reads "covered" once it earns four fifths of its credit."""
    return round(floor + 0.8 * (full - floor), 2)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", choices=("authored", "derived"), default="authored")
    args = parser.parse_args(argv)
    bank = {q.id: q for q in load_questions([builtin_content_dir()])}
    rows = [r for r in load_devset() if r.get("question_id") in bank]
    qids = sorted({str(r["question_id"]) for r in rows})
    tuning = set(qids[::2])
    grader = Grader(load_embedder("auto", None))
    name = "AUTHORED" if args.source == "authored" else "DERIVED"
    base = AUTHORED if args.source == "authored" else DERIVED

    def question(r: dict[str, Any]) -> Question:
        q = bank[str(r["question_id"])]
        return q if args.source == "authored" else replace(q, key_points=[])

    def evaluate(cut: Cutoffs) -> dict[str, float]:
        setattr(engine, name, cut)
        try:
            scores = [grader.grade(question(r), str(r["answer"])).score for r in rows]
        finally:
            setattr(engine, name, base)
        out: dict[str, float] = {}
        for half, keep in (("tune", True), ("held", False)):
            picked = [
                (str(r["variant"]), float(str(r["level"])), s)
                for r, s in zip(rows, scores, strict=True)
                if r["variant"] in LEVELLED and (str(r["question_id"]) in tuning) == keep
            ]
            out[half] = spearman([p[1] for p in picked], [p[2] for p in picked])
            gaps = [(s - NOMINAL[v]) ** 2 for v, _level, s in picked]
            out[f"{half}_error"] = float(np.sqrt(np.mean(gaps)))
        by: dict[tuple[str, str], float] = {
            (str(r["question_id"]), str(r["variant"])): s for r, s in zip(rows, scores, strict=True)
        }
        mean = {
            v: float(np.mean([s for (_q, w), s in by.items() if w == v]))
            for v in (*LEVELLED, "keywords", "negated")
        }
        padded = [by[(q, "padded")] - by[(q, "partial")] for q, v in by if v == "padded"]
        negated = [by[(q, "negated")] - by[(q, "full")] for q, v in by if v == "negated"]
        out["ok"] = float(
            mean["keywords"] < mean["partial"]
            and mean["wrong"] < mean["vague"]
            and max(padded, default=0.0) <= PAD_TOLERANCE
            and max(negated, default=-NEGATED_GAP) <= -NEGATED_GAP
        )
        out["negated_gap"] = -max(negated, default=0.0)
        out.update(mean)
        return out

    def line(res: dict[str, float], cut: Cutoffs) -> str:
        return (
            f"  {cut}:\n    rho tune {res['tune']:.3f} held {res['held']:.3f}; level error "
            f"tune {res['tune_error']:.1f} held {res['held_error']:.1f}; checks "
            f"{'ok' if res['ok'] else 'FAIL'} (negated at least {res['negated_gap']:.1f} below "
            "full)\n    means: "
            + " ".join(f"{v} {res[v]:.1f}" for v in (*LEVELLED, "keywords", "negated"))
        )

    results = []
    # Floor and full credit on fixed grids, so a rerun searches the same settings whatever the
    # current ones are; the no-credit cut around the current one.
    grid = itertools.product(
        (base.partial - 0.04, base.partial, base.partial + 0.04),
        (0.1, 0.15, 0.2, 0.25, 0.3),
        (0.45, 0.5, 0.55, 0.6, 0.65),
    )
    for partial, floor, full in grid:
        if not (floor <= partial < full):
            continue
        cut = Cutoffs(round(partial, 2), _covered_at(floor, full), round(floor, 2), full)
        results.append((evaluate(cut), cut))
    best_rho = max(res["tune"] for res, _cut in results)
    qualified = [
        (res, cut) for res, cut in results if res["ok"] and res["tune"] >= best_rho - RHO_SLACK
    ]
    qualified.sort(key=lambda x: x[0]["tune_error"])
    print(f"{args.source}: current\n{line(evaluate(base), base)}")
    print(
        f"qualifying settings ({len(qualified)} of {len(results)}; best tuning-half rho "
        f"{best_rho:.3f}), by tuning-half level error:"
    )
    for res, cut in qualified[:6]:
        print(line(res, cut))


if __name__ == "__main__":
    main()
