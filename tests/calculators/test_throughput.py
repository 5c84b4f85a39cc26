"""throughput: Little's law, replicas with headroom, fan-out tails, latency budgets, errors."""

from __future__ import annotations

import pytest

from archprep.calculators import ThroughputInput, throughput
from archprep.calculators.throughput import parse_stages
from archprep.errors import UserError


def test_littles_law_and_replicas() -> None:
    # 200 RPS × 0.25 s = 50 in flight; a pod does 8 / 0.25 s = 32 RPS, 22.4 at 70%; ⌈200/22.4⌉ = 9.
    r = throughput(ThroughputInput(rps=200, latency_ms=250, concurrency_per_pod=8))
    assert r.outputs["concurrency_requests"] == pytest.approx(50)
    assert r.outputs["pod_capacity_rps"] == pytest.approx(32)
    assert r.outputs["replicas_needed"] == 9


def test_measured_pod_capacity_wins_and_exact_fit_is_not_rounded_up() -> None:
    r = throughput(ThroughputInput(rps=70, latency_ms=100, pod_rps=10, utilisation=0.7))
    assert r.outputs["pod_capacity_rps"] == 10
    assert r.outputs["replicas_needed"] == 10


def test_llm_replica_capacity_from_tokens_per_second() -> None:
    # 2,500 tokens/s / 250 tokens per request = 10 RPS; 7 at 70%; ⌈50 / 7⌉ = 8.
    r = throughput(ThroughputInput(rps=50, tokens_per_s=2500, output_tokens=250))
    assert r.outputs["pod_capacity_rps"] == pytest.approx(10)
    assert r.outputs["replicas_needed"] == 8


def test_fanout_100_calls_at_99_percent_gives_63_percent() -> None:
    r = throughput(ThroughputInput(fanout=100, fast_fraction=0.99))
    assert r.outputs["fanout_slow_probability"] == pytest.approx(1 - 0.99**100)
    assert r.outputs["fanout_slow_pct"] == pytest.approx(63.4, abs=0.05)


def test_latency_budget_slack() -> None:
    stages = ["retrieve=80", "rerank=40", "generate=900"]
    ok = throughput(ThroughputInput(stages=stages, budget_ms=1500))
    over = throughput(ThroughputInput(stages=stages, budget_ms=800))
    assert ok.outputs["stages_total_ms"] == 1020
    assert ok.outputs["slack_ms"] == 480
    assert ok.outputs["within_budget"] is True
    assert over.outputs["slack_ms"] == -220
    assert over.outputs["within_budget"] is False


def test_parse_stages() -> None:
    assert parse_stages(["a=1.5", "b:2"]) == [("a", 1.5), ("b", 2.0)]
    for bad in ("nope", "=3", "x=abc", "x=-1"):
        with pytest.raises(UserError, match="--stage"):
            parse_stages([bad])


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "nothing to compute"),
        ({"rps": 0, "latency_ms": 100}, "--rps"),
        ({"rps": 10, "latency_ms": -5}, "--latency-ms"),
        ({"rps": 10, "latency_ms": 100, "utilisation": 1.2}, "--utilisation"),
        ({"rps": 10, "latency_ms": 100, "concurrency_per_pod": 0}, "--concurrency-per-pod"),
        ({"fanout": 0}, "--fanout"),
        ({"fanout": 10, "fast_fraction": 2}, "--fast-fraction"),
        ({"rps": 10, "tokens_per_s": 100}, "--output-tokens"),
        ({"budget_ms": 100}, "--budget-ms needs the pipeline stages"),
        ({"rps": 1e12, "latency_ms": 1}, "--rps"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field):
        throughput(ThroughputInput(**kwargs))  # type: ignore[arg-type]
