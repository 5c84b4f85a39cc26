"""Sentence and word-piece vectors for grading in one model pass, cached per text in memory."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from archprep.embeddings import BATCH, Embedder
from archprep.grading.text import STOPWORDS, content_stems, tokens

Vectors = npt.NDArray[np.float32]
_EMPTY = np.zeros((0, 0), dtype=np.float32)


@dataclass(frozen=True, eq=False)
class Encoded:
    """One text as the grader sees it: stems, sentence vector and content word-piece vectors."""

    text: str
    stems: tuple[str, ...]
    n_tokens: int
    vector: Vectors | None = None  # (dim,), L2-normalised
    pieces: tuple[str, ...] = ()  # content word pieces, lower-case
    piece_vectors: Vectors = field(default_factory=lambda: _EMPTY)  # rows L2-normalised

    @property
    def dense(self) -> bool:
        return self.vector is not None


def _content_piece(piece: str) -> bool:
    return piece.startswith("##") or (piece.isalnum() and piece not in STOPWORDS)


def _normalise_rows(m: npt.NDArray[Any]) -> Vectors:
    m = m.astype(np.float32, copy=False)
    out: Vectors = m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-9)
    return out


class TextEncoder:
    """Wraps an ``Embedder``; keeps recent texts (key points, references) so each is encoded once.

    For the packaged ONNX model the word-piece states come from the same pass that makes the
    sentence vector (mean pooling). Other embedders give sentence vectors only, and with no
    embedder at all the grader works from stems alone.
    """

    def __init__(self, embedder: Embedder | None, cache_size: int = 8192) -> None:
        self.embedder = embedder
        self.model_id = embedder.model_id if embedder is not None else "lexical"
        self._cache: OrderedDict[str, Encoded] = OrderedDict()
        self._lock = threading.Lock()
        self._cache_size = cache_size
        session = getattr(embedder, "_session", None)
        tokenizer = getattr(embedder, "_tokenizer", None)
        self._onnx: tuple[Any, Any, set[str]] | None = None
        if session is not None and tokenizer is not None:
            self._onnx = (session, tokenizer, set(getattr(embedder, "_inputs", ())))

    @property
    def dense(self) -> bool:
        return self.embedder is not None

    def encode(self, texts: Sequence[str]) -> list[Encoded]:
        """Encode texts in one batch, reusing cached ones (safe to call from several threads)."""
        with self._lock:
            known = {t: self._cache[t] for t in texts if t in self._cache}
        todo = list(dict.fromkeys(t for t in texts if t not in known))
        fresh = {enc.text: enc for enc in self._run(todo)} if todo else {}
        out = [known.get(t) or fresh[t] for t in texts]
        with self._lock:
            for enc in out:
                self._cache[enc.text] = enc
                self._cache.move_to_end(enc.text)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return out

    def _run(self, texts: list[str]) -> list[Encoded]:
        lexical = [Encoded(t, tuple(content_stems(t)), len(tokens(t))) for t in texts]
        if self.embedder is None:
            return lexical
        if self._onnx is None:
            vecs = self.embedder.embed(texts)
            return [Encoded(e.text, e.stems, e.n_tokens, vecs[i]) for i, e in enumerate(lexical)]
        return self._run_onnx(lexical)

    def _run_onnx(self, lexical: list[Encoded]) -> list[Encoded]:
        assert self._onnx is not None
        session, tokenizer, inputs = self._onnx
        order = sorted(range(len(lexical)), key=lambda i: len(lexical[i].text))
        out: list[Encoded | None] = [None] * len(lexical)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            encoded = tokenizer.encode_batch([lexical[i].text or " " for i in chunk])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = session.run(None, feeds)[0]
            for row, i in enumerate(chunk):
                n = int(mask[row].sum())
                states = hidden[row, :n].astype(np.float32)
                # The sentence vector is exactly what Embedder.embed returns: a masked mean.
                vector = _normalise_rows(states.mean(axis=0, keepdims=True))[0]
                pieces = encoded[row].tokens[1 : n - 1]
                keep = [j for j, p in enumerate(pieces) if _content_piece(p)]
                if not keep:
                    keep = list(range(len(pieces)))
                piece_vectors = (
                    _normalise_rows(states[1 : n - 1][keep])
                    if keep
                    else np.zeros((0, states.shape[1]), dtype=np.float32)
                )
                lex = lexical[i]
                out[i] = Encoded(
                    lex.text,
                    lex.stems,
                    lex.n_tokens,
                    vector,
                    tuple(pieces[j] for j in keep),
                    piece_vectors,
                )
        return [e for e in out if e is not None]


def join(parts: Sequence[Encoded]) -> Encoded:
    """Several adjacent sentences as one span (vectors combined by token count)."""
    if len(parts) == 1:
        return parts[0]
    text = " ".join(p.text for p in parts)
    stems = tuple(s for p in parts for s in p.stems)
    n = sum(p.n_tokens for p in parts)
    if any(p.vector is None for p in parts):
        return Encoded(text, stems, n)
    weights = [max(1, p.n_tokens) for p in parts]
    summed = sum(w * p.vector for w, p in zip(weights, parts, strict=True) if p.vector is not None)
    vector = _normalise_rows(np.asarray(summed)[None, :])[0]
    pieces = tuple(x for p in parts for x in p.pieces)
    if any(p.piece_vectors.size for p in parts):
        piece_vectors = np.vstack([p.piece_vectors for p in parts if p.piece_vectors.size])
    else:
        piece_vectors = _EMPTY
    return Encoded(text, stems, n, vector, pieces, piece_vectors)
