"""cost: monthly line items at 730 h, unit costs, self-host vs API break-even, errors."""

from __future__ import annotations

import pytest

from archprep.calculators import CostInput, cost
from archprep.calculators.cost import self_host_cost_per_million
from archprep.errors import UserError


def test_monthly_line_items() -> None:
    r = cost(
        CostInput(
            gpus=2, gpu_hourly=2, cpus=8, cpu_hourly=0.05, storage_gb=1000, egress_gb=500,
            requests_per_month=1e6, tokens_per_month=2e8,
        )
    )  # fmt: skip
    assert r.outputs["gpu_monthly_usd"] == pytest.approx(2 * 2 * 730)  # 2,920
    assert r.outputs["cpu_monthly_usd"] == pytest.approx(8 * 0.05 * 730)  # 292
    assert r.outputs["storage_monthly_usd"] == pytest.approx(23)  # 1,000 GB × $0.023
    assert r.outputs["egress_monthly_usd"] == pytest.approx(45)  # 500 GB × $0.09
    total = 2920 + 292 + 23 + 45
    assert r.outputs["monthly_total_usd"] == pytest.approx(total)
    assert r.outputs["cost_per_1k_requests_usd"] == pytest.approx(total / 1e6 * 1000)
    assert r.outputs["cost_per_million_tokens_usd"] == pytest.approx(total / 2e8 * 1e6)
    assert any("illustrative" in n for n in r.notes)


def test_break_even_on_simple_numbers() -> None:
    # One GPU at $2/h × 730 h = $1,460/month; API $10 per 1M tokens → 146M tokens/month.
    r = cost(CostInput(gpus=1, gpu_hourly=2, api_price_per_m=10))
    assert r.outputs["self_host_fixed_monthly_usd"] == pytest.approx(1460)
    assert r.outputs["break_even_tokens_per_month"] == pytest.approx(146e6)


def test_break_even_with_throughput_and_volume() -> None:
    # 1,000 tokens/s at 50% → 1.8M tokens per hour → $2 / 1.8 = $1.11 per 1M tokens.
    r = cost(
        CostInput(
            gpus=1, gpu_hourly=2, api_price_per_m=10, tokens_per_s_per_gpu=1000,
            utilisation=0.5, tokens_per_month=5e8,
        )
    )  # fmt: skip
    assert r.outputs["self_host_cost_per_million_tokens_usd"] == pytest.approx(2 / 1.8, rel=1e-5)
    assert r.outputs["self_host_capacity_tokens_per_month"] == pytest.approx(
        1000 * 0.5 * 3600 * 730
    )
    assert r.outputs["self_host_cheaper_at_scale"] is True
    assert r.outputs["api_monthly_usd"] == pytest.approx(5000)
    assert r.outputs["self_host_monthly_usd"] == pytest.approx(1460)


def test_self_host_never_breaks_even_when_slow() -> None:
    r = cost(CostInput(gpu_hourly=4, api_price_per_m=0.5, tokens_per_s_per_gpu=100))
    assert self_host_cost_per_million(4, 100, 0.5) == pytest.approx(4e6 / (50 * 3600))
    assert r.outputs["self_host_cheaper_at_scale"] is False
    assert any("never breaks even" in s for s in r.steps)


def test_never_breaking_even_prints_no_break_even_volume() -> None:
    # $8/h at 100 tokens/s is $44 per 1M against $0.50: the QA run printed 1.168e10 anyway.
    r = cost(
        CostInput(gpus=1, gpu_hourly=8, api_price_per_m=0.5, tokens_per_s_per_gpu=100)
    )  # fmt: skip
    assert "break_even_tokens_per_month" not in r.outputs
    assert not any(s.startswith("Break-even") for s in r.steps)
    assert any("never breaks even" in s for s in r.steps)


def test_unit_costs_use_enough_gpus_for_the_volume() -> None:
    # One GPU serves 1,000 × 0.5 × 3,600 × 730 = 1.314e9 tokens a month; 5e9 needs 4 GPUs, so
    # the cost per 1M is 4 × $1,460 / 5e9 × 1e6 = $1.168, not $1,460 / 5e9 × 1e6 = $0.292.
    r = cost(
        CostInput(gpus=1, gpu_hourly=2, api_price_per_m=10, tokens_per_s_per_gpu=1000,
                  tokens_per_month=5e9, requests_per_month=1e6)
    )  # fmt: skip
    assert r.outputs["monthly_total_usd"] == 1460  # the bill is still for the GPU given
    assert r.outputs["gpus_for_volume"] == 4
    assert r.outputs["monthly_total_for_volume_usd"] == 5840
    assert r.outputs["cost_per_million_tokens_usd"] == pytest.approx(1.168)
    assert r.outputs["cost_per_1k_requests_usd"] == pytest.approx(5.84)
    assert r.outputs["self_host_gpus"] == 4 and r.outputs["self_host_monthly_usd"] == 5840
    assert r.warnings == [
        "1 GPU serves at most 1,310,000,000 tokens a month, less than the 5,000,000,000 "
        "given; that volume needs 4 GPUs, and the unit costs are worked out for 4, not 1."
    ]
    assert any(s.startswith("Per 1M tokens at 4 GPUs = $5,840") for s in r.steps)


def test_a_deployment_that_carries_the_volume_keeps_its_own_unit_cost() -> None:
    r = cost(CostInput(gpus=4, gpu_hourly=2, tokens_per_s_per_gpu=1000, tokens_per_month=5e9))
    assert "gpus_for_volume" not in r.outputs and not r.warnings
    assert r.outputs["cost_per_million_tokens_usd"] == pytest.approx(5840 / 5e9 * 1e6)


def test_unchecked_assumptions_are_stated() -> None:
    r = cost(CostInput(gpus=1, gpu_hourly=2, api_price_per_m=10, tokens_per_month=5e9))
    assert any("assumes the GPUs can serve that volume" in n for n in r.notes)
    assert any("break-even assumes 1 GPU can serve 146,000,000 tokens" in n for n in r.notes)


def test_steps_read_well() -> None:
    one = cost(CostInput(gpus=1, gpu_hourly=2, api_price_per_m=10))
    assert one.steps[0] == "Monthly total = 1 GPU × $2/h × 730 h = $1,460 ($17,520 a year)"
    assert not any("GPU(s)" in s or "1 GPUs" in s or "$1,460 = $1,460" in s for s in one.steps)
    many = cost(CostInput(gpus=2, gpu_hourly=2, cpus=8, cpu_hourly=0.05))
    assert many.steps == [
        "GPUs: 2 GPUs × $2/h × 730 h = $2,920",
        "vCPUs: 8 vCPUs × $0.05/h × 730 h = $292",
        "Monthly total = $2,920 + $292 = $3,212 ($38,544 a year)",
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "nothing to cost"),
        ({"gpus": -1}, "--gpus"),
        ({"gpus": 1, "gpu_hourly": -2}, "--gpu-hourly"),
        ({"gpus": 1, "hours": 0}, "--hours"),
        ({"gpus": 1, "hours": 1000}, "--hours"),
        ({"gpus": 1, "requests_per_month": 0}, "--requests-per-month"),
        ({"api_price_per_m": 0}, "--api-price-per-m"),
        ({"api_price_per_m": 1, "utilisation": 0}, "--utilisation"),
        ({"storage_gb": 1e15}, "--storage-gb"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field):
        cost(CostInput(**kwargs))  # type: ignore[arg-type]
