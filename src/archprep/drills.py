"""Calculator drills: parametric cards that draw fresh realistic numbers and score the estimate.

Each drill is a real question (deck ``drills``, kind ``drill``) scheduled by FSRS like any card.
A review draws inputs from a seeded RNG within realistic ranges, the user estimates one number,
and the calculator's worked answer is the expected value. The score is by relative error:

* within 10% of the expected value (``|estimate − expected| ≤ 0.1 × expected``): 100;
* between that and a factor of 2 either way: linear in the log of the ratio, from 100 at the
  10% boundary to 0 at 2× (over) or ½× (under), i.e. ``100 × ln(2 / r) / ln(2 / 1.1)`` for
  ``r = estimate / expected > 1.1`` and ``100 × ln(r / 0.5) / ln(0.9 / 0.5)`` for ``r < 0.9``;
* a factor of 2 or more off, zero, negative or missing: 0.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from archprep.bank.model import KeyPoint, Question
from archprep.calculators import CALCULATORS, CalcResult
from archprep.calculators.base import fmt
from archprep.calculators.presets import GPUS, MODELS
from archprep.errors import UsageError, UserError
from archprep.scheduling import Grade, suggested_grade
from archprep.store import attempts
from archprep.store.cards import card_state, memory_of
from archprep.store.questions import (
    SyncReport,
    bank_version,
    bump_bank_version,
    get_or_create_deck,
    upsert_questions,
)

DRILL_DECK = "drills"
DRILL_KIND = "drill"
FULL_BAND = 0.10  # within 10%: full marks
PARTIAL_FACTOR = 2.0  # beyond 2× (or ½×): nothing

MODEL_SIZES_B = (1, 1.5, 3, 7, 8, 13, 14, 27, 32, 34, 70, 72, 123, 180, 405)
WEIGHT_PRECISIONS = ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
SERVE_PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4")
SEQ_LENS = (512, 1024, 2048, 4096, 8192, 16384, 32768, 65536, 131072)
BATCHES = (1, 2, 4, 8, 16, 32, 64)
MAX_BATCH_TOKENS = 1 << 20  # batch × context kept at or below ~1M tokens in the KV cache
SERVE_GPUS = ("a100-80gb", "h100-80gb", "h200", "l40s", "mi300x", "b200")
POD_CONCURRENCY = (1, 2, 4, 8, 16, 32, 64, 128, 256)
MAX_PODS = 500
LATENCIES_MS = (50, 100, 150, 200, 250, 300, 400, 500, 800, 1000, 1500, 2000)
UTILISATIONS = (0.6, 0.7, 0.75, 0.8)
AVAILABILITIES = (99.0, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999)  # 2 to 5 nines
COMPONENT_AVAILABILITIES = (99.0, 99.5, 99.9, 99.95, 99.99)
GPU_COUNTS = (1, 2, 4, 8, 16, 32, 64)
GPU_HOURLY_USD = (1.2, 2.0, 2.5, 3.0, 4.0, 6.0, 8.0)
API_PRICES_PER_M = (0.15, 0.5, 1.0, 2.5, 5.0, 10.0, 15.0)


@dataclass(frozen=True)
class DrillSpec:
    """One kind of drill: the question card, how to draw inputs and which output to estimate."""

    slug: str
    title: str
    category: str
    level: str
    calculator: str
    output: str  # key of the calculator's outputs
    unit: str
    summary: str
    key_points: tuple[str, ...]
    draw: Callable[[random.Random], dict[str, Any]]
    prompt: Callable[[dict[str, Any]], str]

    @property
    def question_id(self) -> str:
        return f"{DRILL_DECK}/{self.slug}"


@dataclass(frozen=True)
class Drill:
    """One drawn instance: the inputs, the prompt shown and the calculator's worked answer."""

    spec: DrillSpec
    seed: int
    inputs: dict[str, Any]
    prompt: str
    result: CalcResult

    @property
    def expected(self) -> float:
        return float(self.result.outputs[self.spec.output])


@dataclass(frozen=True)
class DrillScore:
    score: float  # 0-100
    ratio: float | None  # estimate / expected
    band: str  # "full", "partial" or "zero"

    @property
    def grade(self) -> Grade:
        """The FSRS rating the score suggests (the user may override it)."""
        return suggested_grade(self.score)


def score_estimate(estimate: float | None, expected: float) -> DrillScore:
    """Score an estimate by relative error (see the module docstring for the exact rule)."""
    if expected <= 0 or not math.isfinite(expected):
        raise ValueError(f"a drill's expected value must be positive (got {expected})")
    if estimate is None or not math.isfinite(estimate) or estimate <= 0:
        return DrillScore(0.0, None, "zero")
    ratio = estimate / expected
    if abs(ratio - 1) <= FULL_BAND + 1e-12:
        return DrillScore(100.0, ratio, "full")
    if ratio > 1:
        share = math.log(PARTIAL_FACTOR / ratio) / math.log(PARTIAL_FACTOR / (1 + FULL_BAND))
    else:
        share = math.log(ratio * PARTIAL_FACTOR) / math.log((1 - FULL_BAND) * PARTIAL_FACTOR)
    if share <= 0:
        return DrillScore(0.0, ratio, "zero")
    return DrillScore(100.0 * min(1.0, share), ratio, "partial")


def _batch_and_seq(rng: random.Random) -> tuple[int, int]:
    seq = rng.choice(SEQ_LENS)
    batch = rng.choice([b for b in BATCHES if b * seq <= MAX_BATCH_TOKENS])
    return batch, seq


def _shape(model: str) -> str:
    m = MODELS[model]
    return (
        f"{model} ({fmt(m.params / 1e9)}B parameters, {m.layers} layers, {m.kv_heads} KV heads "
        f"of dimension {m.head_dim})"
    )


def _draw_weights(rng: random.Random) -> dict[str, Any]:
    return {"params": rng.choice(MODEL_SIZES_B) * 1e9, "precision": rng.choice(WEIGHT_PRECISIONS)}


def _draw_kv(rng: random.Random) -> dict[str, Any]:
    batch, seq = _batch_and_seq(rng)
    return {
        "model": rng.choice(sorted(MODELS)),
        "kv_precision": rng.choice(("fp16", "fp8")),
        "seq_len": seq,
        "batch": batch,
    }


def _draw_serving(rng: random.Random) -> dict[str, Any]:
    batch, seq = _batch_and_seq(rng)
    return {
        "model": rng.choice(sorted(MODELS)),
        "precision": rng.choice(SERVE_PRECISIONS),
        "seq_len": seq,
        "batch": batch,
        "overhead": 0.1,
    }


def _draw_gpus(rng: random.Random) -> dict[str, Any]:
    return {**_draw_serving(rng), "gpu": rng.choice(SERVE_GPUS), "usable_fraction": 0.9}


def _round2(value: float) -> float:
    """Two significant figures, as a load figure is quoted (12,000 RPS, not 12,347)."""
    digits = 1 - int(math.floor(math.log10(value)))
    return float(round(value, digits))


def _draw_replicas(rng: random.Random) -> dict[str, Any]:
    """A load and a pod shape that need between 1 and ~500 pods, as real services do."""
    rps = min(50_000.0, max(10.0, _round2(10 ** rng.uniform(1, math.log10(50_000)))))
    latency_ms = float(rng.choice(LATENCIES_MS))
    utilisation = rng.choice(UTILISATIONS)

    def pods(concurrency: int) -> float:
        return rps / (concurrency / (latency_ms / 1000) * utilisation)

    fitting = [c for c in POD_CONCURRENCY if pods(c) <= MAX_PODS]
    concurrency = rng.choice(fitting) if fitting else POD_CONCURRENCY[-1]
    return {
        "rps": rps,
        "latency_ms": latency_ms,
        "concurrency_per_pod": concurrency,
        "utilisation": utilisation,
    }


def _draw_downtime(rng: random.Random) -> dict[str, Any]:
    return {"target": rng.choice(AVAILABILITIES)}


def _draw_series(rng: random.Random) -> dict[str, Any]:
    return {"series": [rng.choice(COMPONENT_AVAILABILITIES) for _ in range(rng.randint(2, 4))]}


def _draw_cost(rng: random.Random) -> dict[str, Any]:
    return {"gpus": float(rng.choice(GPU_COUNTS)), "gpu_hourly": rng.choice(GPU_HOURLY_USD)}


def _draw_break_even(rng: random.Random) -> dict[str, Any]:
    return {
        "gpus": float(rng.choice(GPU_COUNTS[:4])),
        "gpu_hourly": rng.choice(GPU_HOURLY_USD),
        "api_price_per_m": rng.choice(API_PRICES_PER_M),
    }


def _draw_psi(rng: random.Random) -> dict[str, Any]:
    """Four bins in percent; the shift is redrawn until PSI is 0.03-1 (worth estimating)."""
    for _ in range(100):
        expected = _percentages([rng.uniform(10, 40) for _ in range(4)])
        actual = _percentages([e * rng.uniform(0.3, 2.2) for e in expected])
        if 0.03 <= _psi(expected, actual) <= 1.0:
            return {"expected_counts": expected, "actual_counts": actual}
    return {"expected_counts": [25.0, 25.0, 25.0, 25.0], "actual_counts": [10.0, 20.0, 30.0, 40.0]}


def _percentages(weights: list[float]) -> list[float]:
    """Whole percentages summing to 100 (the largest bin absorbs rounding)."""
    total = sum(weights)
    out = [float(max(1, round(100 * w / total))) for w in weights]
    out[out.index(max(out))] += 100 - sum(out)
    return out


def _psi(expected: list[float], actual: list[float]) -> float:
    return sum((a - e) / 100 * math.log(a / e) for e, a in zip(expected, actual, strict=True))


def _pct_list(values: list[float]) -> str:
    return ", ".join(f"{fmt(v)}%" for v in values)


SPECS: dict[str, DrillSpec] = {
    s.slug: s
    for s in (
        DrillSpec(
            "gpu-weights", "Model weights in GPU memory", "serving-infra", "basic",
            "gpu-memory", "weights_gb", "GB",
            "how many GB a model's weights take at a given precision",
            ("Weights = parameters × bytes per parameter",
             "fp32 4 B, fp16/bf16 2 B, fp8/int8 1 B, int4 0.5 B",
             "Rule of thumb: 2 GB per billion parameters in 16-bit"),
            _draw_weights,
            lambda i: f"A {fmt(i['params'] / 1e9)}B-parameter model stored in {i['precision']}: "
            "how many GB do its weights take?",
        ),
        DrillSpec(
            "kv-cache", "KV cache size", "transformers-llms", "intermediate",
            "gpu-memory", "kv_cache_gb", "GB",
            "the KV cache in GB for a model, batch and context length",
            ("Per token: 2 (K and V) × layers × KV heads × head dim × bytes",
             "Multiply by tokens per sequence and by concurrent sequences",
             "GQA shrinks the cache by heads / KV heads"),
            _draw_kv,
            lambda i: f"{_shape(i['model'])}, KV cache in {i['kv_precision']}: how many GB for "
            f"{i['batch']} sequence(s) of {i['seq_len']:,} tokens?",
        ),
        DrillSpec(
            "serving-memory", "GPU memory to serve an LLM", "serving-infra", "intermediate",
            "gpu-memory", "total_gb", "GB",
            "total serving memory: weights, KV cache and overhead",
            ("Weights = parameters × bytes per parameter",
             "KV cache = 2 × layers × KV heads × head dim × bytes × tokens × sequences",
             "Add ~10% overhead on weights + KV for activations and fragmentation"),
            _draw_serving,
            lambda i: f"Serve {_shape(i['model'])} in {i['precision']} (KV cache in "
            f"{'fp16' if i['precision'] == 'int4' else i['precision']}) for {i['batch']} "
            f"sequence(s) of {i['seq_len']:,} tokens, plus 10% overhead: total GB?",
        ),
        DrillSpec(
            "gpus-needed", "How many GPUs to serve", "serving-infra", "advanced",
            "gpu-memory", "gpus_needed", "GPUs",
            "how many GPUs of a kind a serving deployment needs",
            ("Total = (weights + KV cache) × 1.1",
             "Usable per GPU = memory × 0.9",
             "GPUs = ⌈total / usable⌉, then round up to a power of two for tensor parallelism"),
            _draw_gpus,
            lambda i: f"Serve {_shape(i['model'])} in {i['precision']} (KV cache in "
            f"{'fp16' if i['precision'] == 'int4' else i['precision']}) for {i['batch']} "
            f"sequence(s) of {i['seq_len']:,} tokens, +10% overhead, on {i['gpu']} "
            f"({fmt(GPUS[i['gpu']].memory_gb)} GB, 90% usable): how many GPUs (before rounding "
            "to a power of two)?",
        ),
        DrillSpec(
            "replicas", "Pods for a target QPS", "system-design", "intermediate",
            "throughput", "replicas_needed", "pods",
            "how many pods serve a target request rate",
            ("Per-pod capacity = concurrency per pod / latency in seconds",
             "Usable capacity = capacity × target utilisation",
             "Pods = ⌈RPS / usable capacity⌉, plus N+1 for failures and deploys"),
            _draw_replicas,
            lambda i: f"{fmt(i['rps'])} requests/s, {fmt(i['latency_ms'])} ms each; a pod "
            f"handles {i['concurrency_per_pod']} request(s) at once and runs at "
            f"{fmt(i['utilisation'] * 100)}% target utilisation: how many pods?",
        ),
        DrillSpec(
            "downtime", "Downtime an SLO allows", "system-design", "basic",
            "availability", "downtime_min_per_month", "minutes/month",
            "the downtime per month an availability target allows",
            ("Downtime = (1 − availability) × period",
             "A month is 730 h = 43,800 min",
             "Each extra nine divides the downtime by 10 (99.9% ≈ 43.8 min/month)"),
            _draw_downtime,
            lambda i: f"An availability SLO of {fmt(i['target'])}%: how many minutes of "
            "downtime per month (730 h) does it allow?",
        ),
        DrillSpec(
            "series-availability", "Availability of a call chain", "llm-platform",
            "intermediate", "availability", "downtime_min_per_month", "minutes/month",
            "the downtime of components in series",
            ("In series all must be up: multiply the availabilities",
             "Downtimes roughly add: 1 − Π aᵢ ≈ Σ (1 − aᵢ)",
             "A month is 730 h = 43,800 min"),
            _draw_series,
            lambda i: f"A request passes through {len(i['series'])} components in series with "
            f"availability {_pct_list(i['series'])}: expected downtime in minutes per month?",
        ),
        DrillSpec(
            "gpu-cost", "Monthly GPU bill", "llm-platform", "basic",
            "cost", "monthly_total_usd", "USD/month",
            "the monthly cost of always-on GPUs",
            ("Monthly = GPUs × $/GPU-hour × 730 h",
             "One always-on GPU at $2.50/h ≈ $1,825/month",
             "Idle hours cost the same as busy ones"),
            _draw_cost,
            lambda i: f"{fmt(i['gpus'])} GPU(s) always on at ${fmt(i['gpu_hourly'])}/GPU-hour: "
            "monthly bill in USD (730 h/month)?",
        ),
        DrillSpec(
            "break-even", "Self-host vs API break-even", "llm-platform", "advanced",
            "cost", "break_even_tokens_per_month", "tokens/month",
            "the token volume at which self-hosting costs as much as an API",
            ("Self-host fixed cost = GPUs × $/GPU-hour × 730 h",
             "Break-even tokens = fixed cost / API $ per 1M tokens × 1M",
             "Below it the API is cheaper and carries no ops burden"),
            _draw_break_even,
            lambda i: f"{fmt(i['gpus'])} GPU(s) at ${fmt(i['gpu_hourly'])}/h always on versus "
            f"an API at ${fmt(i['api_price_per_m'])} per 1M tokens: break-even tokens per "
            "month?",
        ),
        DrillSpec(
            "psi", "Population stability index", "mlops", "advanced",
            "drift", "psi", "",
            "the PSI between two binned distributions",
            ("PSI = Σ (a − e) × ln(a / e) over bins, as proportions",
             "Each term is ≥ 0: bins that moved most dominate",
             "< 0.1 stable, 0.1–0.25 investigate, > 0.25 act"),
            _draw_psi,
            lambda i: f"Four bins of a feature: expected {_pct_list(i['expected_counts'])}, "
            f"actual {_pct_list(i['actual_counts'])}. PSI?",
        ),
    )
}  # fmt: skip


def get_spec(name: str) -> DrillSpec:
    """A drill by slug or question id (``psi`` or ``drills/psi``)."""
    slug = name.removeprefix(f"{DRILL_DECK}/")
    if slug not in SPECS:
        raise UserError(f"no drill {name!r}; use one of {', '.join(SPECS)}")
    return SPECS[slug]


def specs_for(calculator: str | None) -> list[DrillSpec]:
    """The drills that exercise one calculator (all when ``None``)."""
    if calculator is None:
        return list(SPECS.values())
    if calculator not in CALCULATORS:
        raise UsageError(
            f"--calculator must be one of {', '.join(CALCULATORS)} (got {calculator!r})"
        )
    found = [s for s in SPECS.values() if s.calculator == calculator]
    if not found:
        with_drills = sorted({s.calculator for s in SPECS.values()})
        raise UserError(f"no drills use {calculator!r}; drills exist for {', '.join(with_drills)}")
    return found


def drill_order(
    specs: list[DrillSpec], dues: dict[str, datetime | None], now: datetime
) -> list[DrillSpec]:
    """Due drills first (most overdue first), then never-practised ones, then the rest."""

    def key(spec: DrillSpec) -> tuple[int, float, str]:
        due = dues.get(spec.question_id)
        if due is None:
            return (1, 0.0, spec.slug)
        return (0 if due <= now else 2, due.timestamp(), spec.slug)

    return sorted(specs, key=key)


def fresh_seed(slug: str, now: datetime) -> int:
    """A different seed for every review: the drill's name mixed with the moment."""
    return (zlib.crc32(slug.encode()) ^ int(now.timestamp() * 1000)) & 0x7FFFFFFF


def draw(spec: DrillSpec, seed: int) -> Drill:
    """Inputs from ``random.Random(seed)`` and the calculator's worked answer for them."""
    inputs = spec.draw(random.Random(seed))
    result = CALCULATORS[spec.calculator].run(inputs)
    return Drill(spec, seed, inputs, spec.prompt(inputs), result)


def drill_question(spec: DrillSpec) -> Question:
    """The card a drill is scheduled as: the rows FSRS, history and search know it by."""
    calc = CALCULATORS[spec.calculator]
    answer = (
        f"Each review draws new numbers: estimate {spec.summary}, then compare with the worked "
        f"answer from the **{calc.title}** calculator.\n\n**Method**\n\n"
        + "\n".join(f"{n}. {kp}" for n, kp in enumerate(spec.key_points, start=1))
        + "\n\nScoring: within 10% earns full marks; up to 2× off earns partial credit; "
        "further off earns none."
    )
    return Question(
        id=spec.question_id,
        question=f"Drill: estimate {spec.summary} (fresh numbers each time).",
        answer=answer,
        category=spec.category,
        kind=DRILL_KIND,
        level=spec.level,
        tags=["drill", spec.calculator],
        key_points=[KeyPoint(k) for k in spec.key_points],
        calculators=[spec.calculator],
        extra={"drill": spec.slug},
        deck=DRILL_DECK,
        source="archprep.drills",
    )


# ---- store: the drills deck and drill attempts ---------------------------------------------


def ensure_drills(session: Session, now: datetime) -> SyncReport:
    """Create or update the built-in drills deck (in the caller's transaction)."""
    deck = get_or_create_deck(session, DRILL_DECK, owner_id=None, now=now, name="Calculator drills")
    report = upsert_questions(session, deck, [drill_question(s) for s in SPECS.values()], now)
    # Before the bank's first sync the version must stay 0, or ensure_bank would skip loading it.
    if (report.added or report.updated) and bank_version(session) > 0:
        bump_bank_version(session)
    session.flush()
    return report


def drill_dues(
    session: Session, user_id: int, specs: list[DrillSpec]
) -> dict[str, datetime | None]:
    """When each drill is next due for the user (``None``: never practised)."""
    out: dict[str, datetime | None] = {}
    for spec in specs:
        memory = memory_of(card_state(session, user_id, spec.question_id))
        out[spec.question_id] = None if memory.is_new else memory.due
    return out


def save_attempt(
    session: Session,
    user_id: int,
    drill: Drill,
    answer: str,
    estimate: float | None,
    scored: DrillScore,
    now: datetime,
    duration_s: float | None = None,
) -> int:
    """Keep the estimate as an attempt (mode ``drill``) so history shows drills over time."""
    status = {"full": "covered", "partial": "partial"}.get(scored.band, "missed")
    grade = {
        "score": scored.score,
        "key_points": [
            {"text": "Estimate within 10% of the worked answer", "status": status,
             "evidence": answer}
        ],
        "feedback": f"Expected {fmt(drill.expected)} {drill.spec.unit}".rstrip(),
        "drill": {
            "slug": drill.spec.slug, "seed": drill.seed, "inputs": drill.inputs,
            "prompt": drill.prompt, "expected": drill.expected, "estimate": estimate,
            "ratio": scored.ratio, "band": scored.band,
        },
    }  # fmt: skip
    return attempts.save_attempt(
        session, user_id, drill.spec.question_id, answer, grade, now,
        mode="drill", duration_s=duration_s, score=scored.score,
    )  # fmt: skip
