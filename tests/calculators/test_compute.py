"""flops: 6·N·D training, 2·N inference, GPU time at an MFU, MoE presets and errors."""

from __future__ import annotations

import pytest

from archprep.calculators import FlopsInput, flops
from archprep.calculators.presets import GPUS
from archprep.errors import UserError


def test_training_7b_on_2t_tokens() -> None:
    r = flops(FlopsInput(params=7e9, tokens=2e12))
    assert r.outputs["total_flops"] == pytest.approx(6 * 7e9 * 2e12)
    assert r.outputs["total_flops"] == pytest.approx(8.4e22)
    # H100 SXM 989 dense bf16 TFLOPS × 40% MFU = 3.956e14 FLOP/s.
    seconds = 8.4e22 / (989e12 * 0.4)
    assert r.outputs["wall_clock_s"] == pytest.approx(seconds, rel=1e-5)
    assert r.outputs["gpu_hours"] == pytest.approx(seconds / 3600, rel=1e-5)
    assert r.outputs["tokens_per_param"] == pytest.approx(2e12 / 7e9, rel=1e-5)


def test_more_gpus_cut_wall_clock_not_gpu_hours() -> None:
    one = flops(FlopsInput(params=7e9, tokens=2e12, gpu="a100-80gb"))
    many = flops(FlopsInput(params=7e9, tokens=2e12, gpu="a100-80gb", gpus=1024))
    assert many.outputs["wall_clock_days"] == pytest.approx(one.outputs["wall_clock_days"] / 1024)
    assert many.outputs["gpu_hours"] == pytest.approx(one.outputs["gpu_hours"])


def test_inference_is_2n_per_token() -> None:
    r = flops(FlopsInput(params=7e9, tokens=1e6, mode="inference", peak_tflops=100, mfu=0.5))
    assert r.outputs["flops_per_token"] == pytest.approx(1.4e10)
    assert r.outputs["tokens_per_s_per_gpu"] == pytest.approx(100e12 * 0.5 / 1.4e10)


def test_moe_preset_uses_active_parameters() -> None:
    r = flops(FlopsInput(model="mixtral-8x7b", tokens=1e9, mode="inference"))
    assert r.outputs["flops_per_token"] == pytest.approx(2 * 12.9e9)


def test_gpu_peaks_are_dense() -> None:
    assert GPUS["a100-80gb"].dense_tflops == 312
    assert GPUS["h100-80gb"].dense_tflops == 989
    assert GPUS["l40s"].dense_tflops == 362
    assert GPUS["b200"].dense_tflops == 2250


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"tokens": 1e12}, "--params"),
        ({"params": 7e9}, "--tokens"),
        ({"params": 0, "tokens": 1}, "--params"),
        ({"params": 7e9, "tokens": -1}, "--tokens"),
        ({"params": 7e9, "tokens": 1e20}, "--tokens"),
        ({"params": 7e9, "tokens": 1e12, "mfu": 1.5}, "--mfu"),
        ({"params": 7e9, "tokens": 1e12, "mfu": 0}, "--mfu"),
        ({"params": 7e9, "tokens": 1e12, "gpus": 0}, "--gpus"),
        ({"params": 7e9, "tokens": 1e12, "mode": "serve"}, "--mode"),
        ({"params": 7e9, "tokens": 1e12, "gpu": "tpu"}, "--gpu"),
        ({"params": 7e9, "tokens": 1e12, "peak_tflops": 0}, "--peak-tflops"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field):
        flops(FlopsInput(**kwargs))  # type: ignore[arg-type]
