"""The in-memory search index (BM25 + embedding matrix) and the store's embedding cache."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import bm25s
import numpy as np
from sqlalchemy import select

from archprep.embeddings import Embedder, Matrix, text_hash
from archprep.search.text import tokens
from archprep.store import Store
from archprep.store.questions import bank_version
from archprep.store.schema import Deck, EmbeddingRow, QuestionRow

EMBED_BATCH = 64


@dataclass
class Document:
    """What search needs of one question."""

    id: str
    question: str
    answer: str
    category: str
    level: str
    kind: str
    deck: str
    owner_id: int | None
    tags: tuple[str, ...]
    key_points: tuple[str, ...]

    def lexical_text(self) -> str:
        # The question counts twice: a hit on its wording is the strongest evidence.
        return " ".join(
            [self.question, self.question, " ".join(self.tags), self.category.replace("-", " "),
             " ".join(self.key_points), self.answer]
        )  # fmt: skip

    def dense_text(self) -> str:
        return f"{self.question} {' '.join(self.key_points)}"


def load_documents(store: Store) -> list[Document]:
    with store.session() as session:
        rows = session.execute(
            select(
                QuestionRow.id, QuestionRow.question, QuestionRow.answer, QuestionRow.category,
                QuestionRow.level, QuestionRow.kind, Deck.slug, Deck.owner_id, QuestionRow.tags,
                QuestionRow.key_points,
            )
            .join(Deck, QuestionRow.deck_id == Deck.id)
            .where(QuestionRow.retired.is_(False))
            .order_by(QuestionRow.id)
        ).all()  # fmt: skip
    return [
        Document(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], tuple(r[8] or ()),
                 tuple(k["text"] for k in r[9] or ()))
        for r in rows
    ]  # fmt: skip


def refresh_embeddings(
    store: Store,
    embedder: Embedder,
    documents: Sequence[Document] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed the questions whose text (by hash) has no vector for this model yet; return how many."""
    docs = list(documents) if documents is not None else load_documents(store)
    wanted = {text_hash(d.dense_text()): d.dense_text() for d in docs}
    with store.session() as session:
        have = set(
            session.scalars(
                select(EmbeddingRow.content_hash).where(EmbeddingRow.model_id == embedder.model_id)
            )
        )
    missing = [(h, t) for h, t in wanted.items() if h not in have]
    for start in range(0, len(missing), EMBED_BATCH):
        batch = missing[start : start + EMBED_BATCH]
        vectors = embedder.embed([t for _, t in batch])
        rows = [
            {"content_hash": h, "model_id": embedder.model_id, "dim": int(v.shape[0]),
             "vector": v.astype(np.float32).tobytes()}
            for (h, _), v in zip(batch, vectors, strict=True)
        ]  # fmt: skip
        with store.session.begin() as session:
            # Several server workers may embed the same new questions at once: the first
            # writer's vectors stand, the others' identical ones are skipped.
            session.execute(_insert_new(store.dialect).on_conflict_do_nothing(), rows)
        if progress is not None:
            progress(min(start + EMBED_BATCH, len(missing)), len(missing))
    return len(missing)


def _insert_new(dialect: str) -> Any:
    """INSERT INTO embeddings in the store's SQL dialect (both support ON CONFLICT)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(EmbeddingRow)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(EmbeddingRow)


def load_matrix(store: Store, model_id: str, docs: Sequence[Document], dim: int) -> Matrix:
    """The cached vectors in document order; a document without one gets a zero row."""
    with store.session() as session:
        stored = {
            h: v
            for h, v in session.execute(
                select(EmbeddingRow.content_hash, EmbeddingRow.vector).where(
                    EmbeddingRow.model_id == model_id
                )
            )
        }
    matrix = np.zeros((len(docs), dim), dtype=np.float32)
    for i, doc in enumerate(docs):
        blob = stored.get(text_hash(doc.dense_text()))
        if blob is not None and len(blob) == dim * 4:
            matrix[i] = np.frombuffer(blob, dtype=np.float32)
    return matrix


class SearchIndex:
    """BM25 over each question's text plus a normalised embedding matrix, in document order."""

    def __init__(self, docs: Sequence[Document], matrix: Matrix | None) -> None:
        self.docs = list(docs)
        self.ids = [d.id for d in self.docs]
        self.position = {d.id: i for i, d in enumerate(self.docs)}
        self.categories = np.array([d.category for d in self.docs], dtype=object)
        self.levels = np.array([d.level for d in self.docs], dtype=object)
        self.kinds = np.array([d.kind for d in self.docs], dtype=object)
        self.decks = np.array([d.deck for d in self.docs], dtype=object)
        self.owners = np.array([-1 if d.owner_id is None else d.owner_id for d in self.docs])
        self.tags = [set(d.tags) for d in self.docs]
        corpus = [tokens(d.lexical_text()) for d in self.docs]
        self.vocabulary = {t for doc in corpus for t in doc}
        self.bm25 = bm25s.BM25()
        if self.docs:
            self.bm25.index(corpus, show_progress=False)
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.docs)


class IndexCache:
    """One index per process, rebuilt when the store's bank version changes (imports, syncs)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, int] | None = None
        self._index: SearchIndex | None = None

    def get(self, store: Store, embedder_of: Callable[[], Embedder | None]) -> SearchIndex:
        """The index for the store's current bank; ``embedder_of`` may block on a model load."""
        with store.session() as session:
            version = bank_version(session)
        key = (str(store.engine.url), version)
        with self._lock:
            if self._index is None or self._key != key:
                docs = load_documents(store)
                index = SearchIndex(docs, None)  # tokenising overlaps the model load
                embedder = embedder_of()
                if embedder is not None:
                    refresh_embeddings(store, embedder, docs)
                    index.matrix = load_matrix(store, embedder.model_id, docs, embedder.dim)
                self._index, self._key = index, key
            return self._index
