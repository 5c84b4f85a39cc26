"""Search quality (MRR@10, recall@1/5 per method and query type) and latency at 340/10k/100k."""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from archprep.bank.sync import sync_bank
from archprep.search import Searcher
from archprep.search.index import Document, SearchIndex, load_documents, refresh_embeddings
from archprep.settings import Settings
from archprep.store import open_store

HERE = Path(__file__).parent
METHODS = ("lexical", "dense", "hybrid")


def load_queries() -> list[dict[str, object]]:
    with open(HERE / "queries.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def quality(
    searcher: Searcher, queries: list[dict[str, object]]
) -> dict[str, dict[str, dict[str, float]]]:
    table: dict[str, dict[str, dict[str, float]]] = {}
    for method in METHODS:
        per_type: dict[str, list[tuple[float, float, float]]] = {}
        for q in queries:
            relevant = set(q["relevant"])  # type: ignore[arg-type]
            hits = [h.id for h in searcher.search(str(q["query"]), limit=10, mode=method).hits]  # type: ignore[arg-type]
            rank = next((i + 1 for i, h in enumerate(hits) if h in relevant), None)
            row = (
                1.0 / rank if rank else 0.0,
                float(rank == 1),
                float(rank is not None and rank <= 5),
            )
            per_type.setdefault(str(q["type"]), []).append(row)
            per_type.setdefault("all", []).append(row)
        table[method] = {
            t: {
                "mrr@10": statistics.fmean(r[0] for r in rows),
                "recall@1": statistics.fmean(r[1] for r in rows),
                "recall@5": statistics.fmean(r[2] for r in rows),
                "n": float(len(rows)),
            }
            for t, rows in per_type.items()
        }
    return table


def synthetic_index(base: list[Document], size: int, dim: int, seed: int = 7) -> SearchIndex:
    """Questions recombined from the bank's own words, with random unit vectors.

    Query latency depends on the corpus size and vocabulary, not on the vector values, so random
    vectors stand in for 100k real embeddings (which would take ~8 minutes to compute here).
    """
    rng = random.Random(seed)
    vocab = [w for d in base for w in d.question.split()]
    docs = []
    for i in range(size):
        src = base[i % len(base)]
        words = rng.sample(vocab, 12)
        docs.append(
            Document(
                f"synthetic/{i}", " ".join(words) + "?", " ".join(rng.sample(vocab, 60)),
                src.category, src.level, src.kind, "builtin", None, src.tags, src.key_points,
            )
        )  # fmt: skip
    vectors = np.random.default_rng(seed).standard_normal((size, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return SearchIndex(docs, vectors)


def latency(searcher: Searcher, queries: list[str], rounds: int = 3) -> tuple[float, float]:
    times = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            searcher.search(q, limit=10)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def cold_start(db: str, query: str, runs: int = 5) -> float:
    env = {**os.environ, "ARCHPREP_DB": db}
    cmd = [sys.executable, "-m", "archprep", "search", query, "--json", "--limit", "5"]
    subprocess.run(cmd, env=env, check=True, capture_output=True)  # file cache warm, as a user's
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    queries = load_queries()
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "bench.db")
        settings = Settings(db=db)
        store = open_store(settings.database_url())
        first = sync_bank(store, settings, datetime.now(UTC))
        searcher = Searcher(store, settings)
        embedder = searcher.embedder
        assert embedder is not None, "bench/search needs the embedding model installed"
        again = sync_bank(store, settings, datetime.now(UTC))
        reembedded = refresh_embeddings(store, embedder)
        print(f"bank: {len(first.added)} questions; re-sync of the unchanged bank: "
              f"{again.as_dict()['updated']} updated, {reembedded} re-embedded")  # fmt: skip

        table = quality(searcher, queries)
        print(f"\nquality over {len(queries)} queries (MRR@10 / recall@1 / recall@5)")
        print(
            f"{'method':<8} "
            + " ".join(f"{t:>26}" for t in ("all", "keyword", "paraphrase", "scenario"))
        )
        for method in METHODS:
            cells = [
                "{:.3f} / {:.3f} / {:.3f}".format(
                    table[method][t]["mrr@10"],
                    table[method][t]["recall@1"],
                    table[method][t]["recall@5"],
                )
                for t in ("all", "keyword", "paraphrase", "scenario")
            ]
            print(f"{method:<8} " + " ".join(f"{c:>26}" for c in cells))

        texts = [str(q["query"]) for q in queries]
        base = load_documents(store)
        print("\nwarm latency per query (ms), hybrid, including the query embedding")
        p50, p95 = latency(searcher, texts)
        print(f"  {len(base):>7} questions: p50 {p50:6.1f}  p95 {p95:6.1f}")
        for size in (10_000, 100_000):
            index = synthetic_index(base, size, embedder.dim)
            synthetic = Searcher(None, settings, index=index)
            synthetic._embedder = embedder
            synthetic._loader.join()
            p50, p95 = latency(synthetic, texts, rounds=1 if size > 10_000 else 3)
            print(f"  {size:>7} questions: p50 {p50:6.1f}  p95 {p95:6.1f}")
        store.close()
        cold = cold_start(db, "what should my chatbot do when the provider goes down")
        print(f"\ncold `archprep search` (new process to first result, {len(base)} questions): "
              f"median {cold:.2f} s over 5 runs")  # fmt: skip


if __name__ == "__main__":
    main()
