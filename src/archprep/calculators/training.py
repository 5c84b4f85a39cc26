"""GPU memory to train: weights, gradients, optimizer states (ZeRO, LoRA) and activations."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
from archprep.calculators.memory import PRECISIONS, PRESET_HELP
from archprep.calculators.presets import (
    GB,
    GPUS,
    MAX_BATCH,
    MAX_PARAMS,
    MAX_SEQ,
    MODELS,
    check_shape,
    fill_from_model,
    gpu_preset,
    precision_bytes,
)
from archprep.errors import UsageError

OPTIMIZERS: dict[str, tuple[float, float, float, str]] = {
    # name: (weight bytes, gradient bytes, optimizer bytes, what the optimizer bytes hold)
    "adam-mixed": (2, 2, 12, "4 fp32 master weights + 4 momentum + 4 variance"),
    "adam-fp32": (4, 4, 8, "4 momentum + 4 variance"),
    "adam-8bit": (2, 2, 6, "4 fp32 master weights + 1 momentum + 1 variance, 8-bit"),
}
CHECKPOINTING = ("none", "selective", "full")
SHARDED = (
    "nothing",
    "the optimizer states",
    "the gradients and optimizer states",
    "the weights, gradients and optimizer states",
)


@dataclass(frozen=True)
class TrainingMemoryInput:
    params: float | None = None
    model: str | None = None
    optimizer: str = "adam-mixed"
    layers: int | None = None
    hidden: int | None = None
    heads: int | None = None
    seq_len: int = 2048
    batch: int = 1
    checkpointing: str = "none"
    zero_stage: int = 0
    gpus: int = 1
    trainable_fraction: float = 1.0
    base_precision: str = "bf16"
    gpu: str | None = None


def activation_bytes(
    seq_len: int, batch: int, hidden: int, heads: int, layers: int, checkpointing: str
) -> float:
    """Korthikanti et al. (2022), 16-bit activations, no tensor or sequence parallelism."""
    s, b, h = seq_len, batch, hidden
    if checkpointing == "full":
        per_layer = 2.0 * s * b * h  # only each layer's input is kept
    elif checkpointing == "selective":
        per_layer = 34.0 * s * b * h  # attention scores recomputed (FlashAttention does this)
    else:
        per_layer = s * b * h * (34 + 5 * heads * s / h)
    return per_layer * layers


def _activation_step(inp: TrainingMemoryInput, acts: float) -> str:
    s, b, h, a = fmt(inp.seq_len), inp.batch, inp.hidden, inp.heads
    per_layer = {
        "full": f"2 × {s} seq × {b} batch × {h} hidden",
        "selective": f"34 × {s} seq × {b} batch × {h} hidden",
        "none": f"{s} seq × {b} batch × {h} hidden × (34 + 5 × {a} heads × {s} / {h})",
    }[inp.checkpointing]
    return (
        f"Activations = {inp.layers} layers × {per_layer} B = {figure(acts / GB)} GB "
        f"(checkpointing: {inp.checkpointing})"
    )


def _validate(inp: TrainingMemoryInput) -> TrainingMemoryInput:
    if inp.params is None:
        raise UsageError("give --params (e.g. 7e9 or 7B) or pick a --model")
    check_range("params", inp.params, low=0, high=MAX_PARAMS, hint="give the count, e.g. 7e9")
    check_range("seq_len", inp.seq_len, low=0, high=MAX_SEQ, hint="tokens per sequence, e.g. 2048")
    check_range("batch", inp.batch, low=0, high=MAX_BATCH, hint="micro-batch per GPU, e.g. 4")
    check_range("gpus", inp.gpus, low=0, high=1_000_000, hint="data-parallel GPUs, e.g. 8")
    check_range(
        "trainable_fraction", inp.trainable_fraction, low=0, high=1, hint="1 = full, LoRA ≈ 0.01"
    )
    if inp.zero_stage not in (0, 1, 2, 3):
        raise UsageError(f"--zero-stage must be 0, 1, 2 or 3 (got {inp.zero_stage})")
    check_shape(inp.layers, inp.hidden, inp.heads)
    precision_bytes("base_precision", inp.base_precision)
    return replace(
        inp,
        optimizer=check_choice("optimizer", inp.optimizer, tuple(OPTIMIZERS)),
        checkpointing=check_choice("checkpointing", inp.checkpointing, CHECKPOINTING),
        base_precision=inp.base_precision.strip().lower(),
    )


def training_memory(inp: TrainingMemoryInput) -> CalcResult:
    """Per-GPU memory to train: model states sharded by ZeRO stage, plus activations."""
    inp, preset = fill_from_model(inp)
    inp = _validate(inp)
    assert inp.params is not None
    gpu = gpu_preset(inp.gpu) if inp.gpu else None
    w_b, g_b, o_b, o_text = OPTIMIZERS[inp.optimizer]
    notes = ["GB are decimal: 1 GB = 1e9 bytes."]
    if preset:
        notes.append(f"The {preset.name} preset filled the parameters and shape left empty.")
    steps: list[str] = []
    if inp.trainable_fraction < 1:
        base_b = precision_bytes("base_precision", inp.base_precision)
        trainable = inp.params * inp.trainable_fraction
        frozen = inp.params * base_b
        weights = frozen + trainable * w_b
        steps.append(
            f"LoRA: frozen base = {fmt(inp.params)} × {fmt(base_b)} B ({inp.base_precision}) "
            f"= {figure(frozen / GB)} GB; adapters = {fmt(inp.trainable_fraction)} × params "
            f"= {figure(trainable)} trainable params"
        )
        steps.append(
            f"Weights = {figure(frozen / GB)} GB + {figure(trainable)} × {fmt(w_b)} B "
            f"= {figure(weights / GB)} GB"
        )
    else:
        trainable = inp.params
        weights = inp.params * w_b
        steps.append(f"Weights = {fmt(inp.params)} × {fmt(w_b)} B = {figure(weights / GB)} GB")
    grads = trainable * g_b
    optim = trainable * o_b
    states = weights + grads + optim
    steps.append(f"Gradients = {figure(trainable)} × {fmt(g_b)} B = {figure(grads / GB)} GB")
    steps.append(
        f"Optimizer = {figure(trainable)} × {fmt(o_b)} B ({o_text}) = {figure(optim / GB)} GB"
    )
    steps.append(
        f"Model states = weights {figure(weights / GB)} + gradients {figure(grads / GB)} + "
        f"optimizer {figure(optim / GB)} = {figure(states / GB)} GB "
        f"({fmt(w_b + g_b + o_b)} B per trained parameter)"
    )
    n, stage = inp.gpus, inp.zero_stage
    w_gpu = weights / n if stage >= 3 else weights
    g_gpu = grads / n if stage >= 2 else grads
    o_gpu = optim / n if stage >= 1 else optim
    states_gpu = w_gpu + g_gpu + o_gpu
    steps.append(
        f"ZeRO-{stage} over {plural(n, 'GPU')} shards {SHARDED[stage]}: weights "
        f"{figure(w_gpu / GB)} + gradients {figure(g_gpu / GB)} + optimizer "
        f"{figure(o_gpu / GB)} = {figure(states_gpu / GB)} GB per GPU"
    )
    if stage and n == 1:
        notes.append("ZeRO only saves memory with more than one data-parallel GPU.")
    if inp.layers and inp.hidden and inp.heads:
        acts = activation_bytes(
            inp.seq_len, inp.batch, inp.hidden, inp.heads, inp.layers, inp.checkpointing
        )
        steps.append(_activation_step(inp, acts))
    else:
        acts = 0.0
        steps.append(
            "Activations = 0 GB: the architecture is not given (a model preset, or layers, "
            "hidden size and attention heads)"
        )
        notes.append("Activations not counted: the architecture was not given.")
    total = states_gpu + acts
    steps.append(
        f"Per GPU = model states {figure(states_gpu / GB)} + activations {figure(acts / GB)} "
        f"= {figure(total / GB)} GB"
    )
    outputs: dict[str, object] = {
        "weights_gb": weights / GB,
        "gradients_gb": grads / GB,
        "optimizer_gb": optim / GB,
        "model_states_gb": states / GB,
        "model_states_per_gpu_gb": states_gpu / GB,
        "activations_per_gpu_gb": acts / GB,
        "total_per_gpu_gb": total / GB,
        "trainable_params": trainable,
    }
    if gpu:
        fits = total / GB <= gpu.memory_gb * 0.9
        steps.append(
            f"{gpu.name}: {figure(total / GB)} GB {'fits within' if fits else 'exceeds'} "
            f"90% of {fmt(gpu.memory_gb)} GB"
        )
        outputs.update(gpu_memory_gb=gpu.memory_gb, fits_on_gpu=fits)
    notes.append(
        "Activations follow Korthikanti et al. (2022), 16-bit, no tensor parallelism: per layer "
        "s·b·h·(34 + 5·a·s/h) bytes; selective recomputation drops the 5·a·s/h attention term "
        "(as FlashAttention does); full checkpointing keeps 2·s·b·h per layer and recomputes "
        "the forward pass (~33% more compute). Temporary buffers and fragmentation are extra."
    )
    return CalcResult(
        name="training-memory",
        title=TRAINING_MEMORY.title,
        inputs=input_dict(inp),
        formula=(
            "model states = params × (weight + gradient + optimizer bytes), 16 B/param for Adam "
            "in mixed precision (2 + 2 + 12); ZeRO-1/2/3 divide optimizer / +gradients / "
            "+weights by the GPU count; activations per layer = s·b·h·(34 + 5·a·s/h) bytes "
            "(2·s·b·h with full checkpointing)"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "Full fine-tuning with Adam in mixed precision needs 16 bytes per parameter before "
            "activations (7B → 112 GB), so it does not fit one 80 GB GPU; ZeRO-3/FSDP divides "
            "that by the GPU count. LoRA trains ~0.1–1% of the parameters, so the frozen base "
            "(2 B/param, 0.5 B with QLoRA's 4-bit) dominates. Gradient checkpointing trades "
            "~33% more compute for much smaller activations."
        ),
        notes=notes,
    )


TRAINING_MEMORY = Calculator(
    name="training-memory",
    title="GPU memory for training",
    description="Weights, gradients, optimizer states (ZeRO 0–3, LoRA) and activations per GPU.",
    input_type=TrainingMemoryInput,
    compute=training_memory,
    outputs={
        "weights_gb": Output("Weights", "GB"),
        "gradients_gb": Output("Gradients", "GB"),
        "optimizer_gb": Output("Optimizer states", "GB"),
        "model_states_gb": Output("Model states, all GPUs", "GB"),
        "model_states_per_gpu_gb": Output("Model states per GPU", "GB"),
        "activations_per_gpu_gb": Output("Activations per GPU", "GB"),
        "total_per_gpu_gb": Output("Total per GPU", "GB"),
        "trainable_params": Output("Trainable parameters", "params"),
        "gpu_memory_gb": Output("GPU memory", "GB"),
        "fits_on_gpu": Output("Fits in 90% of the GPU"),
    },
    fields=(
        choice("model", "Model preset", tuple(MODELS), None, PRESET_HELP),
        number("params", "Parameters", "params", None, "Total parameter count, e.g. 7e9 or 7B."),
        choice(
            "optimizer",
            "Optimizer",
            tuple(OPTIMIZERS),
            "adam-mixed",
            "Bytes per parameter: adam-mixed 16, adam-fp32 16, adam-8bit 10.",
        ),
        integer("layers", "Layers", "layers", None, "Transformer blocks."),
        integer("hidden", "Hidden size", "", None, "Model width (d_model)."),
        integer("heads", "Attention heads", "heads", None, "Query heads."),
        integer("seq_len", "Sequence length", "tokens", 2048, "Tokens per training sequence."),
        integer("batch", "Micro-batch per GPU", "sequences", 1, "Sequences per GPU per step."),
        choice(
            "checkpointing",
            "Activation checkpointing",
            CHECKPOINTING,
            "none",
            "none keeps every activation; selective recomputes attention; full keeps layer inputs.",
        ),
        integer("zero_stage", "ZeRO stage", "", 0, "0 none, 1 optimizer, 2 +grads, 3 +weights."),
        integer("gpus", "Data-parallel GPUs", "GPUs", 1, "GPUs the model states shard over."),
        number(
            "trainable_fraction",
            "Trainable fraction",
            "fraction",
            1.0,
            "1 = full fine-tune; LoRA ≈ 0.001–0.01 of the parameters.",
        ),
        choice(
            "base_precision",
            "Frozen base precision",
            PRECISIONS,
            "bf16",
            "LoRA's frozen base weights; int4/nf4 = QLoRA.",
        ),
        choice("gpu", "GPU", tuple(GPUS), None, "Check the per-GPU total fits this GPU."),
    ),
)
