"""Searches the grader's P(covered) cut-offs on HALF of the development set's questions and
reports the other half, so the chosen values can be checked on answers they were not set on.

    python -m bench.grading.tune_cutoffs [--source authored|derived]

Prints the best few settings by Spearman rho on the tuning half, each with its rho on the
held-out half and whether the gaming checks hold (keywords < partial, wrong < vague, padding
never raises a score). Copy the chosen values into ``AUTHORED``/``DERIVED`` in
``src/archprep/grading/align.py``.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from archprep.bank.loader import builtin_content_dir, load_questions
from archprep.embeddings import load_embedder
from archprep.grading import Grader, engine
from archprep.grading.align import AUTHORED, DERIVED, Cutoffs
from bench.grading.metrics import spearman
from bench.grading.run import LEVELLED, load_devset


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

    def question(r: dict[str, object]):  # type: ignore[no-untyped-def]
        q = bank[str(r["question_id"])]
        return q if args.source == "authored" else replace(q, key_points=[])

    def evaluate(cut: Cutoffs) -> dict[str, float]:
        setattr(engine, name, cut)
        scores = [grader.grade(question(r), str(r["answer"])).score for r in rows]
        out: dict[str, float] = {}
        for half, keep in (("tune", True), ("held", False)):
            pairs = [
                (float(r["level"]), s)  # type: ignore[arg-type]
                for r, s in zip(rows, scores, strict=True)
                if r["variant"] in LEVELLED and (str(r["question_id"]) in tuning) == keep
            ]
            out[half] = spearman([p[0] for p in pairs], [p[1] for p in pairs])
        by: dict[tuple[str, str], float] = {
            (str(r["question_id"]), str(r["variant"])): s for r, s in zip(rows, scores, strict=True)
        }
        mean = {
            v: float(np.mean([s for (_q, w), s in by.items() if w == v]))
            for v in ("partial", "vague", "wrong", "keywords")
        }
        padded = [by[(q, "padded")] - by[(q, "partial")] for q, v in by if v == "padded"]
        out["ok"] = float(
            mean["keywords"] < mean["partial"]
            and mean["wrong"] < mean["vague"]
            and max(padded, default=0.0) <= 0.5
        )
        out.update(mean)
        return out

    results = []
    grid = itertools.product(
        (base.partial - 0.06, base.partial, base.partial + 0.06),
        (base.covered - 0.06, base.covered, base.covered + 0.06),
        (base.floor - 0.1, base.floor, base.floor + 0.1),
        (base.full - 0.1, base.full, base.full + 0.1),
    )
    for partial, covered, floor, full in grid:
        if not (floor < full and partial < covered and floor <= partial):
            continue
        cut = Cutoffs(round(partial, 2), round(covered, 2), round(floor, 2), round(full, 2))
        results.append((evaluate(cut), cut))
    results.sort(key=lambda x: (-x[0]["ok"], -x[0]["tune"]))
    print(f"{args.source}: current {base}")
    for res, cut in results[:8]:
        print(
            f"  {cut}: rho tune {res['tune']:.3f} held {res['held']:.3f} "
            f"checks {'ok' if res['ok'] else 'FAIL'} (wrong {res['wrong']:.1f} vague "
            f"{res['vague']:.1f} keywords {res['keywords']:.1f} partial {res['partial']:.1f})"
        )


if __name__ == "__main__":
    main()
