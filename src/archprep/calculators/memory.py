"""GPU memory to serve an LLM: weights, grouped-query-aware KV cache, overhead and GPU count."""

from __future__ import annotations

import math
from dataclasses import dataclass

from archprep.calculators.base import (
    CalcResult,
    Calculator,
    Output,
    check_range,
    choice,
    figure,
    fmt,
    input_dict,
    integer,
    number,
    plural,
)
from archprep.calculators.presets import (
    GB,
    GPUS,
    MAX_BATCH,
    MAX_PARAMS,
    MAX_SEQ,
    MODELS,
    PRECISION_BYTES,
    check_shape,
    derive_head_dim,
    fill_from_model,
    gpu_preset,
    precision_bytes,
)
from archprep.errors import UsageError


@dataclass(frozen=True)
class GpuMemoryInput:
    params: float | None = None
    precision: str = "fp16"
    kv_precision: str | None = None
    model: str | None = None
    layers: int | None = None
    hidden: int | None = None
    heads: int | None = None
    kv_heads: int | None = None
    head_dim: int | None = None
    seq_len: int = 4096
    batch: int = 1
    overhead: float = 0.10
    gpu: str | None = None
    usable_fraction: float = 0.9


def kv_cache_bytes_per_token(
    layers: int, kv_heads: int, head_dim: int, bytes_per_value: float
) -> float:
    """2 (K and V) × layers × KV heads × head dim × bytes: one token's cache across the model."""
    return 2 * layers * kv_heads * head_dim * bytes_per_value


def gpu_memory(inp: GpuMemoryInput) -> CalcResult:
    """Memory to serve an LLM: weights, KV cache for batch × tokens, an overhead margin, GPU count."""
    inp, preset = fill_from_model(inp)
    if inp.params is None:
        raise UsageError("give --params (e.g. 7e9 or 7B) or pick a --model")
    check_range("params", inp.params, low=0, high=MAX_PARAMS, hint="give the count, e.g. 7e9")
    check_range("seq_len", inp.seq_len, low=0, high=MAX_SEQ, hint="tokens per sequence, e.g. 4096")
    check_range("batch", inp.batch, low=0, high=MAX_BATCH, hint="concurrent sequences, e.g. 8")
    check_range(
        "overhead", inp.overhead, low=0, high=2, low_open=False, hint="a fraction: 0.1 = 10%"
    )
    check_range("usable_fraction", inp.usable_fraction, low=0, high=1, hint="e.g. 0.9")
    w_bytes = precision_bytes("precision", inp.precision)
    precision = inp.precision.strip().lower()
    # int4 weight-only quantisation (GPTQ/AWQ) still computes and caches K/V in 16-bit.
    kv_precision = (inp.kv_precision or ("fp16" if w_bytes < 1 else precision)).strip().lower()
    kv_bytes = precision_bytes("kv_precision", kv_precision)
    check_shape(inp.layers, inp.hidden, inp.heads, inp.kv_heads, inp.head_dim)
    gpu = gpu_preset(inp.gpu) if inp.gpu else None

    notes = ["GB are decimal: 1 GB = 1e9 bytes (as GPU datasheets count)."]
    if preset:
        notes.append(f"The {preset.name} preset filled the shape fields left empty.")
        if preset.note:
            notes.append(f"{preset.name}: {preset.note}.")
    weights = inp.params * w_bytes
    steps = [
        f"Weights = {fmt(inp.params)} params × {fmt(w_bytes)} B ({precision}) = "
        f"{figure(weights)} B = {figure(weights / GB)} GB"
    ]
    kv_heads = inp.kv_heads if inp.kv_heads is not None else inp.heads
    head_dim = derive_head_dim(inp.hidden, inp.heads, inp.head_dim)
    per_token = 0.0
    if inp.layers is None or kv_heads is None or head_dim is None:
        steps.append(
            "KV cache = 0 GB: the architecture is not given (a model preset, or layers with "
            "KV heads or attention heads, and head dimension or hidden size)"
        )
        notes.append("KV cache not counted: give a model preset, or layers, KV heads and head dim.")
    else:
        if inp.kv_heads is None:
            notes.append("KV heads not given: taken as equal to the attention heads (no GQA).")
        if inp.kv_precision is None and kv_precision != precision:
            notes.append("int4 weights keep the KV cache in fp16 unless a KV precision is given.")
        per_token = kv_cache_bytes_per_token(inp.layers, kv_heads, head_dim, kv_bytes)
        steps.append(
            f"KV cache per token = 2 (K and V) × {inp.layers} layers × {kv_heads} KV heads × "
            f"{head_dim} head dim × {fmt(kv_bytes)} B ({kv_precision}) = {figure(per_token)} B"
        )
    kv = per_token * inp.seq_len * inp.batch
    if per_token:
        steps.append(
            f"KV cache = {figure(per_token)} B × {fmt(inp.seq_len)} tokens × "
            f"{plural(inp.batch, 'sequence')} = {figure(kv)} B = {figure(kv / GB)} GB"
        )
    overhead = inp.overhead * (weights + kv)
    total = weights + kv + overhead
    steps.append(
        f"Overhead = {fmt(inp.overhead * 100)}% × ({figure(weights / GB)} + "
        f"{figure(kv / GB)}) GB = {figure(overhead / GB)} GB (activations, CUDA context, "
        "fragmentation)"
    )
    steps.append(
        f"Total = {figure(weights / GB)} + {figure(kv / GB)} + {figure(overhead / GB)} "
        f"= {figure(total / GB)} GB"
    )
    outputs: dict[str, object] = {
        "weights_gb": weights / GB,
        "kv_cache_per_token_mb": per_token / 1e6,
        "kv_cache_gb": kv / GB,
        "overhead_gb": overhead / GB,
        "total_gb": total / GB,
    }
    if gpu:
        usable = gpu.memory_gb * inp.usable_fraction
        needed = max(1, math.ceil(total / GB / usable - 1e-9))
        steps.append(
            f"GPUs = ⌈{figure(total / GB)} GB / ({fmt(gpu.memory_gb)} GB × "
            f"{fmt(inp.usable_fraction)} usable = {figure(usable)} GB)⌉ = {needed} × {gpu.name}"
        )
        outputs.update(gpu_memory_gb=gpu.memory_gb, usable_per_gpu_gb=usable, gpus_needed=needed)
        power_of_two = 1 << (needed - 1).bit_length()
        if power_of_two != needed:
            notes.append(
                f"Tensor parallelism splits heads evenly, so deployments round to "
                f"{power_of_two} GPUs rather than {needed}."
            )
        if gpu.note:
            notes.append(f"{gpu.name}: {gpu.note}.")
    return CalcResult(
        name="gpu-memory",
        title=GPU_MEMORY.title,
        inputs={**input_dict(inp), "kv_precision": kv_precision, "head_dim": head_dim},
        formula=(
            "weights = params × bytes(precision); KV cache = 2 × layers × kv_heads × head_dim × "
            "bytes(kv_precision) × seq_len × batch; total = (weights + KV) × (1 + overhead); "
            "GPUs = ⌈total / (GPU memory × usable fraction)⌉"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "Weights ≈ 2 GB per billion parameters in fp16/bf16 (1 GB in int8/fp8, 0.5 GB in "
            "int4). KV cache per token ≈ 2 × layers × KV heads × head dim × bytes: Llama-3-8B "
            "is 128 KiB per token in fp16: 8 sequences × 4k tokens ≈ 4.3 GB, but 32 × 8k ≈ "
            "34 GB, twice its 16 GB of weights. At long context and high batch the KV cache, "
            "not the weights, sets the GPU count; GQA shrinks it by heads / KV heads (Llama-2-7B "
            "without GQA needs 512 KiB per token). Keep 10–20% headroom."
        ),
        notes=notes,
    )


PRESET_HELP = "Fills params and the shape fields from a published config."
PRECISIONS = tuple(PRECISION_BYTES)

GPU_MEMORY = Calculator(
    name="gpu-memory",
    title="GPU memory for LLM serving",
    description="Weights + KV cache + overhead for a model, batch and context, and how many GPUs.",
    input_type=GpuMemoryInput,
    compute=gpu_memory,
    outputs={
        "weights_gb": Output("Weights", "GB"),
        "kv_cache_per_token_mb": Output("KV cache per token", "MB"),
        "kv_cache_gb": Output("KV cache", "GB"),
        "overhead_gb": Output("Overhead", "GB"),
        "total_gb": Output("Total memory", "GB"),
        "gpu_memory_gb": Output("Memory per GPU", "GB"),
        "usable_per_gpu_gb": Output("Usable per GPU", "GB"),
        "gpus_needed": Output("GPUs needed", "GPUs"),
    },
    fields=(
        choice("model", "Model preset", tuple(MODELS), None, PRESET_HELP),
        number("params", "Parameters", "params", None, "Total parameter count, e.g. 7e9 or 7B."),
        choice("precision", "Weight precision", PRECISIONS, "fp16", "Weights' number format."),
        choice(
            "kv_precision",
            "KV cache precision",
            PRECISIONS,
            None,
            "Default: the weight precision, but fp16 when weights are int4.",
        ),
        integer("layers", "Layers", "layers", None, "Transformer blocks."),
        integer("hidden", "Hidden size", "", None, "Model width (d_model)."),
        integer("heads", "Attention heads", "heads", None, "Query heads."),
        integer("kv_heads", "KV heads", "heads", None, "Key/value heads; GQA has fewer."),
        integer("head_dim", "Head dimension", "", None, "Default: hidden / heads."),
        integer("seq_len", "Tokens per sequence", "tokens", 4096, "Prompt + output tokens."),
        integer("batch", "Batch", "sequences", 1, "Concurrent sequences in the KV cache."),
        number("overhead", "Overhead", "fraction", 0.10, "Margin on weights + KV (0.1 = 10%)."),
        choice("gpu", "GPU", tuple(GPUS), None, "Count how many GPUs of this kind are needed."),
        number("usable_fraction", "Usable GPU memory", "fraction", 0.9, "Share a model may use."),
    ),
)
