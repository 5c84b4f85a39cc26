"""Capacity planning: Little's law, replicas for a target RPS, fan-out tail latency, latency budgets."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from archprep.calculators.base import (
    CalcResult,
    Calculator,
    Output,
    check_range,
    figure,
    fmt,
    input_dict,
    integer,
    number,
    parse_value,
    plural,
    texts,
)
from archprep.errors import UsageError, UserError

MAX_MS = 1e7  # ~2.8 hours: longer is not a request latency


@dataclass(frozen=True)
class ThroughputInput:
    rps: float | None = None
    latency_ms: float | None = None
    concurrency_per_pod: int = 1
    pod_rps: float | None = None
    utilisation: float = 0.7
    tokens_per_s: float | None = None
    output_tokens: float | None = None
    fanout: int | None = None
    fast_fraction: float = 0.99
    stages: list[str] = field(default_factory=list)
    budget_ms: float | None = None


def parse_stages(items: list[str]) -> list[tuple[str, float]]:
    """``["retrieve=80", "generate=1.2 s"]`` -> ``[("retrieve", 80.0), ("generate", 1200.0)]``."""
    out: list[tuple[str, float]] = []
    for item in items:
        name, sep, ms = item.replace(":", "=").partition("=")
        try:
            value = parse_value(ms.strip(), "ms", "--stage") if ms.strip() else math.nan
        except UserError:
            value = math.nan
        if not sep or not name.strip() or not math.isfinite(value):
            raise UsageError(f"--stage {item!r}: write each stage as name=ms, e.g. retrieve=80")
        check_range("stage", value, low=0, high=MAX_MS, low_open=False, hint=f"in {item!r}")
        out.append((name.strip(), value))
    return out


def _validate(inp: ThroughputInput) -> None:
    for name, value, high in (
        ("rps", inp.rps, 1e9),
        ("latency_ms", inp.latency_ms, MAX_MS),
        ("pod_rps", inp.pod_rps, 1e9),
        ("tokens_per_s", inp.tokens_per_s, 1e9),
        ("output_tokens", inp.output_tokens, 1e7),
        ("budget_ms", inp.budget_ms, MAX_MS),
        ("fanout", inp.fanout, 1e6),
    ):
        if value is not None:
            check_range(name, value, low=0, high=high)
    check_range("concurrency_per_pod", inp.concurrency_per_pod, low=0, high=1e6)
    check_range("utilisation", inp.utilisation, low=0, high=1, hint="a fraction: 0.7 = 70%")
    check_range("fast_fraction", inp.fast_fraction, low=0, high=1, hint="0.99 = each call p99")
    if (inp.tokens_per_s is None) != (inp.output_tokens is None):
        raise UsageError("--tokens-per-s and --output-tokens go together (LLM replica capacity)")
    if inp.budget_ms is not None and not inp.stages:
        raise UsageError("--budget-ms needs the pipeline stages, e.g. retrieve=80, generate=900")


def _pod_capacity(inp: ThroughputInput, steps: list[str]) -> float | None:
    if inp.pod_rps is not None:
        steps.append(f"Per-pod capacity = {fmt(inp.pod_rps)} RPS (measured)")
        return inp.pod_rps
    if inp.tokens_per_s is not None and inp.output_tokens is not None:
        cap = inp.tokens_per_s / inp.output_tokens
        steps.append(
            f"Per-replica capacity = {fmt(inp.tokens_per_s)} tokens/s / "
            f"{fmt(inp.output_tokens)} output tokens per request = {figure(cap)} RPS"
        )
        return cap
    if inp.latency_ms is not None:
        cap = inp.concurrency_per_pod / (inp.latency_ms / 1000)
        steps.append(
            f"Per-pod capacity = {inp.concurrency_per_pod} concurrent / "
            f"{fmt(inp.latency_ms / 1000)} s = {figure(cap)} RPS"
        )
        return cap
    return None


def throughput(inp: ThroughputInput) -> CalcResult:
    """Whichever parts the inputs allow: concurrency, replicas, fan-out tail, latency budget."""
    _validate(inp)
    stages = parse_stages(inp.stages)
    steps: list[str] = []
    outputs: dict[str, object] = {}
    notes: list[str] = []
    if inp.rps is not None and inp.latency_ms is not None:
        in_flight = inp.rps * inp.latency_ms / 1000
        steps.append(
            f"Little's law: in flight = {fmt(inp.rps)} req/s × {fmt(inp.latency_ms / 1000)} s "
            f"= {figure(in_flight)} concurrent requests"
        )
        outputs["concurrency_requests"] = in_flight
    capacity = _pod_capacity(inp, steps)
    if capacity is not None:
        outputs["pod_capacity_rps"] = capacity
    if capacity is not None and inp.rps is not None:
        usable = capacity * inp.utilisation
        replicas = max(1, math.ceil(inp.rps / usable - 1e-9))
        steps.append(
            f"Replicas = ⌈{fmt(inp.rps)} RPS / ({figure(capacity)} × "
            f"{fmt(inp.utilisation * 100)}% target utilisation = {figure(usable)} RPS)⌉ "
            f"= {replicas}"
        )
        outputs["replicas_needed"] = replicas
        notes.append("Add N+1 (or a zone's worth) on top so a failure or a deploy keeps the SLO.")
    if inp.fanout is not None:
        p_slow = 1 - inp.fast_fraction**inp.fanout
        steps.append(
            f"Fan-out: P(at least one of {plural(inp.fanout, 'call')} slow) = 1 − "
            f"{fmt(inp.fast_fraction)}^{inp.fanout} = {figure(p_slow)} = "
            f"{figure(p_slow * 100)}% of requests"
        )
        outputs["fanout_slow_probability"] = p_slow
        outputs["fanout_slow_pct"] = p_slow * 100
    if stages:
        total = sum(ms for _, ms in stages)
        parts = " + ".join(f"{name} {fmt(ms)}" for name, ms in stages)
        steps.append(f"Pipeline latency = {parts} = {figure(total)} ms")
        outputs["stages_total_ms"] = total
        if inp.budget_ms is not None:
            slack = inp.budget_ms - total
            verdict = "within budget" if slack >= 0 else "OVER budget"
            steps.append(
                f"Slack = {fmt(inp.budget_ms)} ms budget − {figure(total)} ms = "
                f"{figure(slack)} ms ({verdict})"
            )
            outputs["budget_ms"] = inp.budget_ms
            outputs["slack_ms"] = slack
            outputs["within_budget"] = slack >= 0
            name, worst = max(stages, key=lambda s: s[1])
            notes.append(
                f"Largest stage: {name} at {fmt(worst)} ms ({figure(100 * worst / inp.budget_ms)}%"
                " of the budget); budget percentiles, not means: p99s do not add up to the p99."
            )
    if not steps:
        raise UsageError(
            "nothing to compute: give --rps with --latency-ms (or --pod-rps, or --tokens-per-s "
            "and --output-tokens), --fanout, or pipeline stages as name=ms"
        )
    return CalcResult(
        name="throughput",
        title=THROUGHPUT.title,
        inputs=input_dict(inp),
        formula=(
            "concurrency = arrival rate × latency (Little's law); replicas = ⌈RPS / (per-pod "
            "capacity × target utilisation)⌉, capacity = concurrency per pod / latency or "
            "tokens/s ÷ output tokens; P(slow) = 1 − p^N for N fanned-out calls; "
            "slack = budget − Σ stages"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "Little's law: in-flight requests = RPS × latency (200 RPS at 250 ms = 50 in "
            "flight). Run pods at ~60–70% utilisation so queues stay short and one pod can fail. "
            "Fan-out amplifies tails: 100 calls each 99% fast → 63% of requests see a p99 "
            "event, so hedge requests or cut fan-out. Split the latency budget per stage and "
            "keep slack for retries."
        ),
        notes=notes,
    )


THROUGHPUT = Calculator(
    name="throughput",
    title="Throughput, replicas and latency budgets",
    description="Little's law, replicas for a target RPS, fan-out tail latency, latency budget slack.",
    input_type=ThroughputInput,
    compute=throughput,
    outputs={
        "concurrency_requests": Output("Requests in flight", "requests"),
        "pod_capacity_rps": Output("Capacity per pod", "req/s"),
        "replicas_needed": Output("Replicas needed", "pods"),
        "fanout_slow_probability": Output("Requests that meet a slow call", "fraction"),
        "fanout_slow_pct": Output("Requests that meet a slow call", "%"),
        "stages_total_ms": Output("Pipeline latency", "ms"),
        "budget_ms": Output("Latency budget", "ms"),
        "slack_ms": Output("Slack", "ms"),
        "within_budget": Output("Within budget"),
    },
    fields=(
        number("rps", "Target load", "req/s", None, "Arrival rate to serve."),
        number(
            "latency_ms", "Latency per request", "ms", None, "Mean time a request is in flight."
        ),
        integer("concurrency_per_pod", "Concurrency per pod", "requests", 1, "In flight per pod."),
        number("pod_rps", "Per-pod capacity", "req/s", None, "Measured; overrides the estimate."),
        number("utilisation", "Target utilisation", "fraction", 0.7, "Headroom: 0.7 = 70% busy."),
        number("tokens_per_s", "LLM tokens/s per replica", "tokens/s", None, "Aggregate decode."),
        number("output_tokens", "Output tokens per request", "tokens", None, "Average."),
        integer("fanout", "Fan-out calls", "calls", None, "Backend calls per request."),
        number("fast_fraction", "Each call fast", "fraction", 0.99, "0.99 = under its p99."),
        texts("stages", "Pipeline stages", "name=ms", "e.g. retrieve=80, rerank=40."),
        number("budget_ms", "Latency budget", "ms", None, "End-to-end target to compare against."),
    ),
)
