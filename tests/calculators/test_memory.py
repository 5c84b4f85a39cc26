"""gpu-memory: hand-worked weights and KV cache figures, GQA, presets, errors and monotonicity."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archprep.calculators import GpuMemoryInput, gpu_memory
from archprep.calculators.presets import GPUS, MODELS, PRECISION_BYTES
from archprep.errors import UserError


def test_7b_fp16_weights_are_14_gb() -> None:
    r = gpu_memory(GpuMemoryInput(params=7e9, precision="fp16"))
    assert r.outputs["weights_gb"] == 14.0
    assert r.outputs["kv_cache_gb"] == 0.0  # no architecture given
    assert any("KV cache not counted" in n for n in r.notes)
    assert r.outputs["total_gb"] == pytest.approx(14.0 * 1.1)
    assert r.steps and r.formula and r.rule_of_thumb


def test_70b_int4_weights_are_35_gb() -> None:
    r = gpu_memory(GpuMemoryInput(params=70e9, precision="int4"))
    assert r.outputs["weights_gb"] == pytest.approx(35.0)


def test_llama_3_8b_kv_cache_batch_8_seq_4096_fp16() -> None:
    # 2 (K,V) × 32 layers × 8 KV heads × 128 head dim × 2 bytes = 131,072 B per token;
    # × 4,096 tokens × 8 sequences = 4,294,967,296 B = 4.295 GB (decimal).
    expected_bytes = 2 * 32 * 8 * 128 * 2 * 4096 * 8
    assert expected_bytes == 4_294_967_296
    r = gpu_memory(GpuMemoryInput(model="llama-3-8b", batch=8, seq_len=4096, precision="fp16"))
    assert r.outputs["kv_cache_gb"] == pytest.approx(expected_bytes / 1e9)
    assert r.outputs["kv_cache_per_token_mb"] == pytest.approx(0.131072)
    assert r.outputs["weights_gb"] == pytest.approx(16.06)


def test_without_gqa_the_same_shape_needs_4x_the_kv_cache() -> None:
    # 32 KV heads (multi-head attention, as in Llama-2-7B): 2×32×32×128×2×4096×8 B = 17.18 GB.
    r = gpu_memory(
        GpuMemoryInput(params=7e9, layers=32, heads=32, hidden=4096, batch=8, seq_len=4096)
    )
    assert r.outputs["kv_cache_gb"] == pytest.approx(
        2 * 32 * 32 * 128 * 2 * 4096 * 8 / 1e9, rel=1e-5
    )
    assert r.outputs["kv_cache_gb"] == pytest.approx(17.18, abs=0.01)
    assert any("KV heads not given: taken as equal to the attention heads" in n for n in r.notes)


def test_head_dim_defaults_to_hidden_over_heads_and_explicit_values_win() -> None:
    derived = gpu_memory(GpuMemoryInput(params=1e9, layers=2, hidden=1024, heads=8, kv_heads=2))
    explicit = gpu_memory(
        GpuMemoryInput(params=1e9, layers=2, heads=8, kv_heads=2, head_dim=128, hidden=9999)
    )
    assert derived.inputs["head_dim"] == 128
    assert derived.outputs["kv_cache_gb"] == explicit.outputs["kv_cache_gb"]


def test_model_preset_can_be_overridden_by_options() -> None:
    r = gpu_memory(GpuMemoryInput(model="llama-3-8b", params=1e9))
    assert r.outputs["weights_gb"] == pytest.approx(2.0)
    assert r.inputs["layers"] == 32


def test_kv_precision_defaults() -> None:
    int4 = gpu_memory(GpuMemoryInput(model="llama-3-8b", precision="int4"))
    fp8 = gpu_memory(GpuMemoryInput(model="llama-3-8b", precision="fp8"))
    fp8_kv = gpu_memory(GpuMemoryInput(model="llama-3-8b", precision="fp16", kv_precision="fp8"))
    assert int4.inputs["kv_precision"] == "fp16"
    assert fp8.inputs["kv_precision"] == "fp8"
    per_token = 2 * 32 * 8 * 128
    assert int4.outputs["kv_cache_per_token_mb"] == pytest.approx(per_token * 2 / 1e6)
    assert fp8_kv.outputs["kv_cache_per_token_mb"] == pytest.approx(per_token / 1e6)


def test_gpus_needed_rounds_up_against_usable_memory() -> None:
    # 70.6e9 × 2 B = 141.2 GB; × 1.1 = 155.32 GB; / (80 × 0.9 = 72) = 2.16 → 3 GPUs.
    r = gpu_memory(GpuMemoryInput(model="llama-3-70b", seq_len=1, gpu="h100-80gb"))
    assert r.outputs["usable_per_gpu_gb"] == 72.0
    assert r.outputs["gpus_needed"] == 3
    assert any("4 GPUs" in n for n in r.notes)


def test_exact_fit_is_not_rounded_up() -> None:
    # 72 GB exactly on one 80 GB GPU at 90% usable.
    r = gpu_memory(GpuMemoryInput(params=36e9, overhead=0, gpu="a100-80gb"))
    assert r.outputs["gpus_needed"] == 1


def test_presets_match_published_configs() -> None:
    l8, l70, l405 = MODELS["llama-3-8b"], MODELS["llama-3-70b"], MODELS["llama-3.1-405b"]
    assert (l8.layers, l8.hidden, l8.heads, l8.kv_heads, l8.head_dim) == (32, 4096, 32, 8, 128)
    assert (l70.layers, l70.hidden, l70.heads, l70.kv_heads) == (80, 8192, 64, 8)
    assert (l405.layers, l405.hidden, l405.heads, l405.kv_heads) == (126, 16384, 128, 8)
    assert MODELS["mixtral-8x7b"].params == 46.7e9
    for m in MODELS.values():
        assert m.kv_heads <= m.heads and m.heads % m.kv_heads == 0, m.name
    assert GPUS["h200"].memory_gb == 141 and GPUS["mi300x"].memory_gb == 192
    assert GPUS["l4"].memory_gb == 24 and GPUS["t4"].memory_gb == 16


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"params": 0}, "--params"),
        ({"params": -7e9}, "--params"),
        ({"params": 1e16}, "--params"),
        ({}, "--params"),
        ({"params": 7e9, "batch": 0}, "--batch"),
        ({"params": 7e9, "seq_len": 1_000_000_000}, "--seq-len"),
        ({"params": 7e9, "precision": "fp12"}, "--precision"),
        ({"params": 7e9, "kv_precision": "int3"}, "--kv-precision"),
        ({"model": "gpt-5"}, "--model"),
        ({"params": 7e9, "gpu": "h900"}, "--gpu"),
        ({"params": 7e9, "overhead": 10}, "--overhead"),
        ({"params": 7e9, "usable_fraction": 0}, "--usable-fraction"),
        ({"params": 7e9, "layers": 32, "heads": 8, "kv_heads": 16}, "--kv-heads"),
        ({"params": 7e9, "layers": 32, "heads": 48, "hidden": 4000}, "--head-dim"),
        ({"params": 7e9, "layers": 0}, "--layers"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field) as exc:
        gpu_memory(GpuMemoryInput(**kwargs))
    assert "\n" not in str(exc.value)


SHAPE = {"params": 8e9, "layers": 32, "heads": 32, "kv_heads": 8, "head_dim": 128}
by_bytes = sorted(PRECISION_BYTES, key=PRECISION_BYTES.__getitem__)


@settings(max_examples=100, deadline=None)
@given(
    batch=st.integers(1, 512),
    extra=st.integers(0, 512),
    seq=st.integers(1, 200_000),
)
def test_total_is_monotonic_in_batch(batch: int, extra: int, seq: int) -> None:
    small = gpu_memory(GpuMemoryInput(**SHAPE, batch=batch, seq_len=seq))
    big = gpu_memory(GpuMemoryInput(**SHAPE, batch=batch + extra, seq_len=seq))
    assert big.outputs["total_gb"] >= small.outputs["total_gb"]


@settings(max_examples=100, deadline=None)
@given(seq=st.integers(1, 1_000_000), extra=st.integers(0, 1_000_000), batch=st.integers(1, 64))
def test_total_is_monotonic_in_sequence_length(seq: int, extra: int, batch: int) -> None:
    short = gpu_memory(GpuMemoryInput(**SHAPE, batch=batch, seq_len=seq))
    long = gpu_memory(GpuMemoryInput(**SHAPE, batch=batch, seq_len=seq + extra))
    assert long.outputs["total_gb"] >= short.outputs["total_gb"]


@settings(max_examples=100, deadline=None)
@given(
    i=st.integers(0, len(by_bytes) - 1),
    j=st.integers(0, len(by_bytes) - 1),
    kv=st.sampled_from(by_bytes),
    seq=st.integers(1, 100_000),
)
def test_total_is_monotonic_in_precision_bytes(i: int, j: int, kv: str, seq: int) -> None:
    lo, hi = sorted((i, j))
    cheap = gpu_memory(
        GpuMemoryInput(**SHAPE, precision=by_bytes[lo], kv_precision=kv, seq_len=seq)
    )
    dear = gpu_memory(GpuMemoryInput(**SHAPE, precision=by_bytes[hi], kv_precision=kv, seq_len=seq))
    assert dear.outputs["total_gb"] >= cheap.outputs["total_gb"]
    kv_cheap = gpu_memory(
        GpuMemoryInput(**SHAPE, precision=kv, kv_precision=by_bytes[lo], seq_len=seq)
    )
    kv_dear = gpu_memory(
        GpuMemoryInput(**SHAPE, precision=kv, kv_precision=by_bytes[hi], seq_len=seq)
    )
    assert kv_dear.outputs["total_gb"] >= kv_cheap.outputs["total_gb"]
