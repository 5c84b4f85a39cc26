"""Hybrid search over the bank: BM25 and dense cosine, fused by reciprocal rank, with filters."""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from archprep.bank.model import TOPICS
from archprep.embeddings import Embedder, ModelUnavailable, load_embedder
from archprep.search.index import IndexCache, SearchIndex
from archprep.search.text import snippet, tokens, words
from archprep.settings import Settings
from archprep.store import Store

Mode = Literal["hybrid", "lexical", "dense"]
# Reciprocal rank fusion: score = sum over lists of weight / (RRF_K + rank). Tuned on the
# 103-query set in bench/search (k in 20/60, dense weight 0.8-1.6): a smaller k and a heavier
# dense list lift paraphrase and scenario queries without costing keyword ones.
RRF_K = 20
# A query is a few words or a scenario, not a document (a 1.6 MB one took 12 s or more).
MAX_QUERY_CHARS = 500
DEPTH = 100
# Below this cosine a match on meaning alone is noise: a document needs a lexical hit instead.
MIN_DENSE = 0.30
DENSE_WEIGHT = 1.5


@dataclass
class Filters:
    deck: str | None = None
    category: str | None = None
    level: str | None = None
    kind: str | None = None
    tag: str | None = None


@dataclass
class Hit:
    id: str
    question: str
    category: str
    level: str
    kind: str
    deck: str
    score: float
    snippet: str
    matched: list[str]
    lexical_rank: int | None
    dense_rank: int | None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items()}


@dataclass
class SearchResult:
    query: str
    hits: list[Hit]
    mode: str
    notice: str | None = None
    suggestions: list[str] = field(default_factory=list)
    near_categories: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"query": self.query, "mode": self.mode,
                               "hits": [h.as_dict() for h in self.hits]}  # fmt: skip
        if self.notice:
            out["notice"] = self.notice
        if not self.hits:
            out["suggestions"] = self.suggestions
            out["near_categories"] = self.near_categories
        return out


def _ranked(
    scores: npt.NDArray[np.float32], mask: npt.NDArray[np.bool_], floor: float
) -> list[int]:
    """Positions allowed by ``mask`` with score above ``floor``, best first, at most DEPTH."""
    masked = np.where(mask & (scores > floor), scores, -np.inf)
    k = min(DEPTH, int(np.count_nonzero(np.isfinite(masked))))
    if k == 0:
        return []
    top = np.argpartition(-masked, k - 1)[:k]
    return [int(i) for i in top[np.argsort(-masked[top], kind="stable")]]


class Searcher:
    """Answers queries against the store's bank; one per process, cheap to call repeatedly."""

    def __init__(
        self, store: Store | None, settings: Settings, index: SearchIndex | None = None
    ) -> None:
        self.store = store
        self.notice: str | None = None
        self._embedder: Embedder | None = None
        self._cache = IndexCache()
        self._fixed = index  # benchmarks search a synthetic index without a store
        # Loading the model (~0.3 s) overlaps with reading and tokenising the bank.
        self._loader = threading.Thread(target=self._load_embedder, args=(settings,), daemon=True)
        self._loader.start()

    def _load_embedder(self, settings: Settings) -> None:
        try:
            self._embedder = load_embedder(
                settings.embedding_model, str(settings.model_dir) if settings.model_dir else None
            )
        except ModelUnavailable as exc:
            self.notice = f"dense search is off ({exc}); results are keyword-only"

    @property
    def embedder(self) -> Embedder | None:
        self._loader.join()
        return self._embedder

    def index(self) -> SearchIndex:
        if self._fixed is not None:
            return self._fixed
        assert self.store is not None
        return self._cache.get(self.store, lambda: self.embedder)

    def _mask(self, index: SearchIndex, user_id: int | None, f: Filters) -> npt.NDArray[np.bool_]:
        mask = index.owners == -1
        if user_id is not None:
            mask |= index.owners == user_id
        for column, value in ((index.decks, f.deck), (index.categories, f.category),
                              (index.levels, f.level), (index.kinds, f.kind)):  # fmt: skip
            if value:
                mask &= column == value
        if f.tag:
            mask &= np.array([f.tag in t for t in index.tags], dtype=bool)
        return np.asarray(mask, dtype=bool)

    def search(
        self,
        query: str,
        *,
        user_id: int | None = None,
        filters: Filters | None = None,
        limit: int = 10,
        mode: Mode = "hybrid",
        query_vector: npt.NDArray[np.float32] | None = None,
    ) -> SearchResult:
        query = query[:MAX_QUERY_CHARS]  # callers refuse longer queries; this bounds the rest
        index = self.index()
        mask = self._mask(index, user_id, filters or Filters())
        if mode != "lexical" and self.embedder is None:
            mode = "lexical"
        q_tokens = tokens(query)
        lexical: list[int] = []
        if mode != "dense" and q_tokens and len(index):
            scores = np.asarray(index.bm25.get_scores(q_tokens), dtype=np.float32)
            lexical = _ranked(scores, mask, 0.0)
        dense: list[int] = []
        cosine: npt.NDArray[np.float32] | None = None
        if mode != "lexical" and index.matrix is not None and len(index) and query.strip():
            if query_vector is None:
                assert self.embedder is not None
                query_vector = self.embedder.embed([query])[0]
            cosine = index.matrix @ query_vector
            # A match on meaning alone must clear MIN_DENSE even when other documents matched
            # words: below it the list filled up with unrelated questions ("zebrafish" found
            # its two questions and 18 others). Bench MRR: 0.917 without the floor, 0.919 with.
            dense = _ranked(cosine, mask, MIN_DENSE)
        fused: dict[int, float] = {}
        for rank, pos in enumerate(lexical):
            fused[pos] = fused.get(pos, 0.0) + 1.0 / (RRF_K + rank + 1)
        for rank, pos in enumerate(dense):
            fused[pos] = fused.get(pos, 0.0) + DENSE_WEIGHT / (RRF_K + rank + 1)
        order = sorted(fused, key=lambda p: -fused[p])[:limit]
        lex_rank = {p: r + 1 for r, p in enumerate(lexical)}
        dense_rank = {p: r + 1 for r, p in enumerate(dense)}
        stems = set(q_tokens)
        hits = []
        for pos in order:
            doc = index.docs[pos]
            text, matched = snippet(doc.answer, stems)
            hits.append(
                Hit(doc.id, doc.question, doc.category, doc.level, doc.kind, doc.deck,
                    round(fused[pos], 6), text, matched, lex_rank.get(pos), dense_rank.get(pos))
            )  # fmt: skip
        result = SearchResult(query, hits, mode, self.notice)
        if not hits:
            result.suggestions = self.suggest(query, index, user_id)
            result.near_categories = self.near_categories(query, index)
        return result

    def suggest(self, query: str, index: SearchIndex, user_id: int | None = None) -> list[str]:
        """Spelling corrections, word by word, from the words of the questions this user may
        see (the built-in bank and their own decks: never another user's imports)."""
        visible = (index.owners == -1) | (index.owners == user_id if user_id is not None else False)
        vocab_words = sorted(
            {
                w
                for d, seen in zip(index.docs, visible, strict=True)
                if seen
                for w in words(d.question)
            }
            | set(TOPICS)
        )
        fixed: list[str] = []
        changed = False
        for w in words(query):
            if w in vocab_words or len(w) < 3:
                fixed.append(w)
                continue
            close = difflib.get_close_matches(w, vocab_words, n=1, cutoff=0.75)
            if close:
                fixed.append(close[0])
                changed = True
            else:
                fixed.append(w)
        return [" ".join(fixed)] if changed else []

    def near_categories(self, query: str, index: SearchIndex, n: int = 3) -> list[str]:
        """Categories whose topic descriptions sit closest to the query."""
        labels = {
            cat: " ".join([cat.replace("-", " "), *ground.values()])
            for cat, ground in TOPICS.items()
        }
        if self.embedder is not None:
            vectors = self.embedder.embed([query, *labels.values()])
            sims = vectors[1:] @ vectors[0]
            return [list(labels)[i] for i in np.argsort(-sims)[:n]]
        q = set(tokens(query))
        scored = sorted(labels, key=lambda c: -len(q & set(tokens(labels[c]))))
        return scored[:n]
