"""Training and inference FLOPs (6·N·D and 2·N per token) and the GPU time they take at a given MFU."""

from __future__ import annotations

from dataclasses import dataclass

from archprep.calculators.base import (
    CalcResult,
    Calculator,
    Output,
    check_choice,
    check_range,
    choice,
    figure,
    fmt,
    input_dict,
    integer,
    number,
    plural,
)
from archprep.calculators.presets import GPUS, MAX_PARAMS, MODELS, gpu_preset, model_preset
from archprep.errors import UsageError

MODES = ("training", "inference")
FLOPS_PER_PARAM = {"training": 6, "inference": 2}
MAX_TOKENS = 1e15


@dataclass(frozen=True)
class FlopsInput:
    params: float | None = None
    tokens: float | None = None
    mode: str = "training"
    model: str | None = None
    gpu: str = "h100-80gb"
    peak_tflops: float | None = None
    mfu: float = 0.4
    gpus: int = 1


def flops(inp: FlopsInput) -> CalcResult:
    """FLOPs for a training run or an inference workload, and the GPU time at a stated MFU."""
    notes: list[str] = []
    params = inp.params
    if inp.model:
        preset = model_preset(inp.model)
        if params is None:
            params = preset.active_params or preset.params
            notes.append(f"The {preset.name} preset: {fmt(params)} parameters used per token.")
            if preset.active_params:
                notes.append(
                    f"{preset.name} is a mixture of experts: FLOPs follow the active "
                    f"{fmt(preset.active_params)} parameters, memory the total {fmt(preset.params)}."
                )
    if params is None:
        raise UsageError("give --params (e.g. 7e9 or 7B) or pick a --model")
    if inp.tokens is None:
        raise UsageError("give --tokens: training tokens (e.g. 2e12) or tokens to serve")
    check_range("params", params, low=0, high=MAX_PARAMS, hint="give the count, e.g. 7e9")
    check_range("tokens", inp.tokens, low=0, high=MAX_TOKENS, hint="e.g. 2e12 training tokens")
    check_range("mfu", inp.mfu, low=0, high=1, hint="a fraction: 0.4 = 40% utilisation")
    check_range("gpus", inp.gpus, low=0, high=1_000_000, hint="e.g. 8")
    mode = check_choice("mode", inp.mode, MODES)
    gpu = gpu_preset(inp.gpu)
    if inp.peak_tflops is not None:
        check_range("peak_tflops", inp.peak_tflops, low=0, high=100_000, hint="dense TFLOPS")
        peak = inp.peak_tflops
        peak_text = f"{fmt(peak)} TFLOPS (peak given)"
    else:
        peak = gpu.dense_tflops
        peak_text = f"{fmt(peak)} dense {gpu.tflops_precision} TFLOPS ({gpu.name})"
        if gpu.note:
            notes.append(f"{gpu.name}: {gpu.note}.")

    k = FLOPS_PER_PARAM[mode]
    per_token = k * params
    total = per_token * inp.tokens
    what = "forward + backward" if mode == "training" else "forward pass"
    steps = [
        f"FLOPs per token = {k} × {fmt(params)} params = {figure(per_token)} ({what})",
        f"Total FLOPs = {figure(per_token)} × {fmt(inp.tokens)} tokens = {figure(total)}",
    ]
    rate_per_gpu = peak * 1e12 * inp.mfu
    steps.append(
        f"Sustained per GPU = {peak_text} × {fmt(inp.mfu * 100)}% MFU = "
        f"{figure(rate_per_gpu)} FLOP/s"
    )
    seconds = total / (rate_per_gpu * inp.gpus)
    gpu_hours = seconds * inp.gpus / 3600
    steps.append(
        f"Time = {figure(total)} / ({figure(rate_per_gpu)} × {plural(inp.gpus, 'GPU')}) = "
        f"{figure(seconds)} s = {figure(seconds / 3600)} h = {figure(seconds / 86400)} days"
    )
    steps.append(
        f"GPU-hours = {figure(seconds / 3600)} h × {plural(inp.gpus, 'GPU')} = {figure(gpu_hours)}"
    )
    tokens_per_s_per_gpu = rate_per_gpu / per_token
    outputs: dict[str, object] = {
        "flops_per_token": per_token,
        "total_flops": total,
        "sustained_flops_per_s_per_gpu": rate_per_gpu,
        "wall_clock_s": seconds,
        "wall_clock_hours": seconds / 3600,
        "wall_clock_days": seconds / 86400,
        "gpu_hours": gpu_hours,
        "tokens_per_s_per_gpu": tokens_per_s_per_gpu,
    }
    if mode == "training":
        outputs["tokens_per_param"] = inp.tokens / params
        steps.append(
            f"Tokens per parameter = {fmt(inp.tokens)} / {fmt(params)} = "
            f"{figure(inp.tokens / params)} (Chinchilla-optimal ≈ 20)"
        )
    else:
        notes.append(
            "This is the compute-bound ceiling. Decoding at small batch is memory-bandwidth "
            "bound: tokens/s per sequence ≈ memory bandwidth / bytes of weights read per token."
        )
    notes.append(
        "Peak TFLOPS are dense 16-bit tensor-core figures; datasheets often quote 2:4 sparse "
        "figures, twice as high. 2·N and 6·N ignore attention FLOPs (≈ 2·layers·seq·d_model per "
        "token), small below a few thousand tokens of context."
    )
    return CalcResult(
        name="flops",
        title=FLOPS.title,
        inputs={**input_dict(inp), "params": params, "peak_tflops": peak, "mode": mode},
        formula=(
            "training FLOPs ≈ 6 × params × tokens; inference FLOPs ≈ 2 × params per token; "
            "time = FLOPs / (GPUs × peak FLOP/s × MFU); GPU-hours = time × GPUs"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "Training costs 6·N·D FLOPs (2 forward + 4 backward per parameter per token); "
            "inference 2·N per token. Real runs reach 30–50% MFU, so plan with 40%. "
            "Compute-optimal training uses ~20 tokens per parameter (Chinchilla); today's small "
            "models are trained far past that to be cheaper to serve."
        ),
        notes=notes,
    )


FLOPS = Calculator(
    name="flops",
    title="FLOPs and GPU time",
    description="6·N·D training or 2·N per-token inference FLOPs, and GPU-hours and days at an MFU.",
    input_type=FlopsInput,
    compute=flops,
    outputs={
        "flops_per_token": Output("FLOPs per token", "FLOPs"),
        "total_flops": Output("Total FLOPs", "FLOPs"),
        "sustained_flops_per_s_per_gpu": Output("Sustained per GPU", "FLOP/s"),
        "wall_clock_s": Output("Wall-clock time", "s"),
        "wall_clock_hours": Output("Wall-clock time", "h"),
        "wall_clock_days": Output("Wall-clock time", "days"),
        "gpu_hours": Output("GPU-hours", "GPU-h"),
        "tokens_per_s_per_gpu": Output("Throughput per GPU", "tokens/s"),
        "tokens_per_param": Output("Tokens per parameter", "tokens"),
    },
    fields=(
        choice("model", "Model preset", tuple(MODELS), None, "Fills params (active, for MoE)."),
        number("params", "Parameters", "params", None, "Used per token, e.g. 7e9 or 7B."),
        number("tokens", "Tokens", "tokens", None, "Training tokens, or tokens to serve."),
        choice("mode", "Mode", MODES, "training", "training = 6·N·D, inference = 2·N per token."),
        choice("gpu", "GPU", tuple(GPUS), "h100-80gb", "Its peak dense 16-bit TFLOPS."),
        number("peak_tflops", "Peak TFLOPS", "TFLOPS", None, "Overrides the GPU's dense peak."),
        number("mfu", "Model FLOPs utilisation", "fraction", 0.4, "Share of peak achieved."),
        integer("gpus", "GPUs", "GPUs", 1, "GPUs working in parallel."),
    ),
)
