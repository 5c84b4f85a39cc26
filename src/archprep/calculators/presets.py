"""Published model configurations, GPU specs and bytes per number format used by the calculators."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from archprep.calculators.base import check_range
from archprep.errors import UsageError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

GB = 1e9  # decimal gigabytes throughout, as GPU datasheets count
MAX_PARAMS = 1e13  # 10 trillion: beyond any published model
MAX_SEQ = 10_000_000  # tokens per sequence
MAX_BATCH = 1_000_000
SHAPE_FIELDS = ("params", "layers", "hidden", "heads", "kv_heads", "head_dim")
_Input = TypeVar("_Input", bound="DataclassInstance")

# Bytes per stored number. int4/nf4/fp4 pack two values per byte; quantisation scales are ignored.
PRECISION_BYTES: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "fp8": 1.0,
    "int8": 1.0,
    "int4": 0.5,
    "nf4": 0.5,
    "fp4": 0.5,
}


@dataclass(frozen=True)
class ModelPreset:
    """A decoder-only transformer's shape, from its published config (Hugging Face config.json)."""

    name: str
    params: float
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    active_params: float | None = None  # mixture-of-experts: parameters used per token
    note: str = ""


@dataclass(frozen=True)
class GpuPreset:
    """Memory (decimal GB) and peak dense 16-bit tensor TFLOPS (no 2:4 sparsity) of one GPU."""

    name: str
    memory_gb: float
    dense_tflops: float
    tflops_precision: str = "bf16"
    note: str = ""


MODELS: dict[str, ModelPreset] = {
    m.name: m
    for m in (
        ModelPreset("llama-3-8b", 8.03e9, 32, 4096, 32, 8, 128, note="Llama 3 / 3.1 8B"),
        ModelPreset("llama-3-70b", 70.6e9, 80, 8192, 64, 8, 128, note="Llama 3 / 3.1 / 3.3 70B"),
        ModelPreset("llama-3.1-405b", 405e9, 126, 16384, 128, 8, 128),
        ModelPreset(
            "llama-2-7b", 6.74e9, 32, 4096, 32, 32, 128, note="multi-head attention: no GQA"
        ),
        ModelPreset("llama-2-70b", 69.0e9, 80, 8192, 64, 8, 128),
        ModelPreset("mistral-7b", 7.24e9, 32, 4096, 32, 8, 128),
        ModelPreset(
            "mixtral-8x7b",
            46.7e9,
            32,
            4096,
            32,
            8,
            128,
            active_params=12.9e9,
            note="mixture of experts: all 46.7B parameters sit in memory, ~12.9B are used per token",
        ),
        ModelPreset("qwen2.5-7b", 7.62e9, 28, 3584, 28, 4, 128),
        ModelPreset("qwen2.5-72b", 72.7e9, 80, 8192, 64, 8, 128),
        ModelPreset(
            "gemma-2-9b",
            9.24e9,
            42,
            3584,
            16,
            8,
            256,
            note="head_dim 256 is not hidden/heads; half the layers use a 4,096-token sliding "
            "window, so the full-context KV figure is an upper bound",
        ),
        ModelPreset("phi-3-mini", 3.82e9, 32, 3072, 32, 32, 96, note="multi-head attention"),
    )
}

GPUS: dict[str, GpuPreset] = {
    g.name: g
    for g in (
        GpuPreset("a100-40gb", 40, 312),
        GpuPreset("a100-80gb", 80, 312),
        GpuPreset("h100-80gb", 80, 989, note="SXM figure; H100 PCIe is 756 dense BF16 TFLOPS"),
        GpuPreset("h100-pcie", 80, 756),
        GpuPreset("h200", 141, 989),
        GpuPreset(
            "b200", 192, 2250, note="192 GB per chip; HGX/DGX B200 systems expose 180 GB per GPU"
        ),
        GpuPreset("l4", 24, 121),
        GpuPreset("l40s", 48, 362),
        GpuPreset("a10g", 24, 70, note="AWS does not publish A10G TFLOPS; ~70 is the usual figure"),
        GpuPreset("t4", 16, 65, tflops_precision="fp16", note="no bf16: fp16 tensor cores"),
        GpuPreset("rtx-4090", 24, 165, note="bf16 with fp32 accumulate"),
        GpuPreset("mi300x", 192, 1307),
    )
}


def precision_bytes(name: str, precision: str) -> float:
    """Bytes per number for a precision name, or a ``UsageError`` naming the option."""
    key = precision.strip().lower()
    if key not in PRECISION_BYTES:
        raise UsageError(
            f"--{name.replace('_', '-')} must be one of {', '.join(PRECISION_BYTES)} "
            f"(got {precision!r})"
        )
    return PRECISION_BYTES[key]


def model_preset(name: str) -> ModelPreset:
    key = name.strip().lower()
    if key not in MODELS:
        raise UsageError(f"--model must be one of {', '.join(MODELS)} (got {name!r})")
    return MODELS[key]


def gpu_preset(name: str) -> GpuPreset:
    key = name.strip().lower()
    if key not in GPUS:
        raise UsageError(f"--gpu must be one of {', '.join(GPUS)} (got {name!r})")
    return GPUS[key]


def fill_from_model(inp: _Input) -> tuple[_Input, ModelPreset | None]:
    """Fill the shape fields left unset from the input's ``model`` preset; explicit values win."""
    name: str | None = getattr(inp, "model", None)
    if not name:
        return inp, None
    preset = model_preset(name)
    names = {f.name for f in dataclasses.fields(inp)}
    filled: dict[str, Any] = {
        field: getattr(preset, field)
        for field in SHAPE_FIELDS
        if field in names and getattr(inp, field) is None
    }
    return dataclasses.replace(inp, model=preset.name, **filled), preset


def check_shape(
    layers: int | None = None,
    hidden: int | None = None,
    heads: int | None = None,
    kv_heads: int | None = None,
    head_dim: int | None = None,
) -> None:
    """Bounds on the architecture fields, and GQA's KV heads ≤ attention heads."""
    for name, value, high in (
        ("layers", layers, 1000),
        ("hidden", hidden, 1_000_000),
        ("heads", heads, 10_000),
        ("kv_heads", kv_heads, 10_000),
        ("head_dim", head_dim, 16_384),
    ):
        if value is not None:
            check_range(name, value, low=0, high=high, hint="give the model's config value")
    if heads and kv_heads and kv_heads > heads:
        raise UsageError(
            f"--kv-heads ({kv_heads}) cannot exceed --heads ({heads}); "
            "with grouped-query attention KV heads are fewer than attention heads"
        )


def derive_head_dim(hidden: int | None, heads: int | None, head_dim: int | None) -> int | None:
    """``head_dim`` if given, else hidden / heads when both are known."""
    if head_dim is not None:
        return head_dim
    if hidden is None or heads is None:
        return None
    if hidden % heads:
        raise UsageError(f"--hidden {hidden} is not divisible by --heads {heads}; pass --head-dim")
    return hidden // heads
