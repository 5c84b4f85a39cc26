"""training-memory: 16 bytes per parameter, ZeRO sharding, LoRA, activations and errors."""

from __future__ import annotations

import pytest

from archprep.calculators import TrainingMemoryInput, training_memory
from archprep.calculators.training import activation_bytes
from archprep.errors import UserError


def test_7b_mixed_precision_adam_is_112_gb_of_model_states() -> None:
    # 2 (bf16 weights) + 2 (grads) + 4 (fp32 master) + 4 + 4 (Adam moments) = 16 B × 7e9.
    r = training_memory(TrainingMemoryInput(params=7e9))
    assert r.outputs["weights_gb"] == pytest.approx(14)
    assert r.outputs["gradients_gb"] == pytest.approx(14)
    assert r.outputs["optimizer_gb"] == pytest.approx(84)
    assert r.outputs["model_states_gb"] == pytest.approx(112)
    assert r.outputs["total_per_gpu_gb"] == pytest.approx(112)  # no architecture: no activations


def test_fp32_adam_is_also_16_bytes_and_8bit_adam_is_10() -> None:
    fp32 = training_memory(TrainingMemoryInput(params=1e9, optimizer="adam-fp32"))
    eight = training_memory(TrainingMemoryInput(params=1e9, optimizer="adam-8bit"))
    assert fp32.outputs["model_states_gb"] == pytest.approx(16)
    assert fp32.outputs["weights_gb"] == pytest.approx(4)
    assert eight.outputs["model_states_gb"] == pytest.approx(10)


@pytest.mark.parametrize(
    ("stage", "per_gpu"),
    [
        (0, 112),
        (1, 14 + 14 + 84 / 8),  # optimizer states sharded
        (2, 14 + (14 + 84) / 8),  # and gradients
        (3, 112 / 8),  # and weights
    ],
)
def test_zero_stages_on_8_gpus(stage: int, per_gpu: float) -> None:
    r = training_memory(TrainingMemoryInput(params=7e9, zero_stage=stage, gpus=8))
    assert r.outputs["model_states_per_gpu_gb"] == pytest.approx(per_gpu)
    assert r.outputs["model_states_gb"] == pytest.approx(112)


def test_zero_3_on_8_gpus_divides_112_gb_by_8() -> None:
    r = training_memory(TrainingMemoryInput(params=7e9, zero_stage=3, gpus=8))
    assert r.outputs["total_per_gpu_gb"] == pytest.approx(14)


def test_lora_keeps_the_frozen_base_and_trains_the_adapters() -> None:
    # Base 7e9 × 2 B = 14 GB; adapters 1% = 7e7 params × 16 B = 1.12 GB.
    r = training_memory(TrainingMemoryInput(params=7e9, trainable_fraction=0.01))
    assert r.outputs["trainable_params"] == pytest.approx(7e7)
    assert r.outputs["model_states_gb"] == pytest.approx(14 + 7e7 * 16 / 1e9)
    qlora = training_memory(
        TrainingMemoryInput(params=7e9, trainable_fraction=0.01, base_precision="nf4")
    )
    assert qlora.outputs["model_states_gb"] == pytest.approx(3.5 + 7e7 * 16 / 1e9)


def test_activations_korthikanti_and_checkpointing() -> None:
    s, b, h, a, n = 2048, 1, 4096, 32, 32
    none = activation_bytes(s, b, h, a, n, "none")
    assert none == pytest.approx(s * b * h * n * (34 + 5 * a * s / h))
    assert activation_bytes(s, b, h, a, n, "selective") == pytest.approx(34 * s * b * h * n)
    assert activation_bytes(s, b, h, a, n, "full") == pytest.approx(2 * s * b * h * n)
    r = training_memory(TrainingMemoryInput(model="llama-3-8b", checkpointing="full"))
    assert r.outputs["activations_per_gpu_gb"] == pytest.approx(2 * 2048 * 4096 * 32 / 1e9)


def test_fits_on_gpu_flag() -> None:
    small = training_memory(TrainingMemoryInput(params=1e9, gpu="a100-80gb"))
    big = training_memory(TrainingMemoryInput(params=7e9, gpu="a100-80gb"))
    assert small.outputs["fits_on_gpu"] is True
    assert big.outputs["fits_on_gpu"] is False


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"params": 0}, "--params"),
        ({"params": -1}, "--params"),
        ({"params": 1e16}, "--params"),
        ({"params": 7e9, "batch": 0}, "--batch"),
        ({"params": 7e9, "zero_stage": 4}, "--zero-stage"),
        ({"params": 7e9, "gpus": 0}, "--gpus"),
        ({"params": 7e9, "optimizer": "lion"}, "--optimizer"),
        ({"params": 7e9, "checkpointing": "some"}, "--checkpointing"),
        ({"params": 7e9, "trainable_fraction": 1.5}, "--trainable-fraction"),
        ({"params": 7e9, "seq_len": 10**9}, "--seq-len"),
        ({"params": 7e9, "base_precision": "int2"}, "--base-precision"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field):
        training_memory(TrainingMemoryInput(**kwargs))  # type: ignore[arg-type]


def test_zero3_step_names_each_share_in_the_order_of_its_numbers() -> None:
    r = training_memory(TrainingMemoryInput(params=7e9, zero_stage=3, gpus=8))
    assert (
        "ZeRO-3 over 8 GPUs shards the weights, gradients and optimizer states: weights 1.75 + "
        "gradients 1.75 + optimizer 10.5 = 14 GB per GPU"
    ) in r.steps
    one = training_memory(TrainingMemoryInput(params=7e9, zero_stage=1))
    assert any(s.startswith("ZeRO-1 over 1 GPU shards the optimizer states") for s in one.steps)
