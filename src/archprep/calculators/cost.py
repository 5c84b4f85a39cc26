"""Monthly cloud cost (GPU, CPU, storage, egress), unit costs, and self-host vs API break-even."""

from __future__ import annotations

import math
from dataclasses import dataclass

from archprep.calculators.base import CalcResult, Calculator, check_range, fmt, input_dict, number
from archprep.errors import UsageError

HOURS_PER_MONTH = 730.0  # 8,760 h / 12


@dataclass(frozen=True)
class CostInput:
    gpus: float = 0
    gpu_hourly: float = 2.50
    hours: float = HOURS_PER_MONTH
    cpus: float = 0
    cpu_hourly: float = 0.04
    storage_gb: float = 0
    storage_price: float = 0.023
    egress_gb: float = 0
    egress_price: float = 0.09
    requests_per_month: float | None = None
    tokens_per_month: float | None = None
    api_price_per_m: float | None = None
    tokens_per_s_per_gpu: float | None = None
    utilisation: float = 0.5


def _validate(inp: CostInput) -> None:
    for name, value, high in (
        ("gpus", inp.gpus, 1e6),
        ("gpu_hourly", inp.gpu_hourly, 1000),
        ("cpus", inp.cpus, 1e7),
        ("cpu_hourly", inp.cpu_hourly, 100),
        ("storage_gb", inp.storage_gb, 1e12),
        ("storage_price", inp.storage_price, 100),
        ("egress_gb", inp.egress_gb, 1e12),
        ("egress_price", inp.egress_price, 100),
    ):
        check_range(name, value, low=0, high=high, low_open=False)
    check_range("hours", inp.hours, low=0, high=744, hint="hours per month, at most 744 (31 days)")
    check_range("utilisation", inp.utilisation, low=0, high=1, hint="a fraction: 0.5 = 50%")
    for name, opt_value, high in (
        ("requests_per_month", inp.requests_per_month, 1e15),
        ("tokens_per_month", inp.tokens_per_month, 1e18),
        ("api_price_per_m", inp.api_price_per_m, 10_000),
        ("tokens_per_s_per_gpu", inp.tokens_per_s_per_gpu, 1e7),
    ):
        if opt_value is not None:
            check_range(name, opt_value, low=0, high=high)


def self_host_cost_per_million(gpu_hourly: float, tokens_per_s: float, utilisation: float) -> float:
    """Dollars per million tokens for one GPU busy ``utilisation`` of the time at ``tokens_per_s``."""
    return gpu_hourly * 1e6 / (tokens_per_s * utilisation * 3600)


def _break_even(inp: CostInput, steps: list[str], outputs: dict[str, object]) -> None:
    assert inp.api_price_per_m is not None
    n = max(1, math.ceil(inp.gpus))
    fixed = n * inp.gpu_hourly * inp.hours
    tokens = fixed / inp.api_price_per_m * 1e6
    steps.append(
        f"Break-even: self-host {n} GPU(s) × ${fmt(inp.gpu_hourly)}/h × {fmt(inp.hours)} h = "
        f"${fmt(fixed)}/month; ÷ ${fmt(inp.api_price_per_m)} per 1M API tokens = "
        f"{fmt(tokens)} tokens/month"
    )
    outputs["self_host_fixed_monthly_usd"] = fixed
    outputs["break_even_tokens_per_month"] = tokens
    if inp.tokens_per_s_per_gpu is None:
        return
    tps, util = inp.tokens_per_s_per_gpu, inp.utilisation
    capacity = tps * util * 3600 * inp.hours * n
    per_m = self_host_cost_per_million(inp.gpu_hourly, tps, util)
    steps.append(
        f"Self-host capacity = {fmt(tps)} tokens/s × {fmt(util * 100)}% × 3,600 × "
        f"{fmt(inp.hours)} h × {n} GPU(s) = {fmt(capacity)} tokens/month; cost per 1M = "
        f"${fmt(inp.gpu_hourly)} × 1e6 / ({fmt(tps)} × {fmt(util)} × 3,600) = ${fmt(per_m)}"
    )
    outputs["self_host_capacity_tokens_per_month"] = capacity
    outputs["self_host_cost_per_million_tokens_usd"] = per_m
    outputs["self_host_cheaper_at_scale"] = per_m < inp.api_price_per_m
    if per_m >= inp.api_price_per_m:
        steps.append(
            f"${fmt(per_m)} per 1M self-hosted ≥ ${fmt(inp.api_price_per_m)} API: "
            "self-hosting never breaks even at this throughput and utilisation"
        )
    elif tokens > capacity:
        steps.append(
            f"The break-even volume exceeds {n} GPU(s)' capacity: add GPUs; at scale self-hosting "
            f"costs ${fmt(per_m)} vs ${fmt(inp.api_price_per_m)} per 1M tokens"
        )
    if inp.tokens_per_month is not None:
        per_gpu = tps * util * 3600 * inp.hours
        gpus_needed = max(n, math.ceil(inp.tokens_per_month / per_gpu - 1e-9))
        self_host = gpus_needed * inp.gpu_hourly * inp.hours
        api = inp.tokens_per_month / 1e6 * inp.api_price_per_m
        steps.append(
            f"At {fmt(inp.tokens_per_month)} tokens/month: API ${fmt(api)} vs self-host "
            f"{gpus_needed} GPU(s) ${fmt(self_host)} → {'self-host' if self_host < api else 'API'} "
            "is cheaper"
        )
        outputs.update(
            api_monthly_usd=api, self_host_monthly_usd=self_host, self_host_gpus=gpus_needed
        )


def cost(inp: CostInput) -> CalcResult:
    """Monthly bill by line item, cost per 1k requests / 1M tokens, and the self-host break-even."""
    _validate(inp)
    gpu = inp.gpus * inp.gpu_hourly * inp.hours
    cpu = inp.cpus * inp.cpu_hourly * inp.hours
    storage = inp.storage_gb * inp.storage_price
    egress = inp.egress_gb * inp.egress_price
    total = gpu + cpu + storage + egress
    if total == 0 and inp.api_price_per_m is None:
        raise UsageError(
            "nothing to cost: give --gpus, --cpus, --storage-gb or --egress-gb, "
            "or --api-price-per-m for the self-host break-even"
        )
    steps: list[str] = []
    outputs: dict[str, object] = {}
    if total:
        items = [
            (gpu, f"GPU = {fmt(inp.gpus)} × ${fmt(inp.gpu_hourly)}/h × {fmt(inp.hours)} h"),
            (cpu, f"CPU = {fmt(inp.cpus)} vCPU × ${fmt(inp.cpu_hourly)}/h × {fmt(inp.hours)} h"),
            (storage, f"Storage = {fmt(inp.storage_gb)} GB × ${fmt(inp.storage_price)}/GB-month"),
            (egress, f"Egress = {fmt(inp.egress_gb)} GB × ${fmt(inp.egress_price)}/GB"),
        ]
        steps += [f"{text} = ${fmt(amount)}" for amount, text in items if amount]
        steps.append(
            f"Monthly total = {' + '.join(f'${fmt(amount)}' for amount, _ in items if amount)} "
            f"= ${fmt(total)} (${fmt(total * 12)}/year)"
        )
        outputs.update(
            gpu_monthly_usd=gpu,
            cpu_monthly_usd=cpu,
            storage_monthly_usd=storage,
            egress_monthly_usd=egress,
            monthly_total_usd=total,
            yearly_total_usd=total * 12,
        )
        if inp.requests_per_month:
            per_k = total / inp.requests_per_month * 1000
            steps.append(
                f"Per 1,000 requests = ${fmt(total)} / {fmt(inp.requests_per_month)} × 1,000 "
                f"= ${fmt(per_k)}"
            )
            outputs["cost_per_1k_requests_usd"] = per_k
        if inp.tokens_per_month:
            per_m = total / inp.tokens_per_month * 1e6
            steps.append(
                f"Per 1M tokens = ${fmt(total)} / {fmt(inp.tokens_per_month)} × 1e6 = ${fmt(per_m)}"
            )
            outputs["cost_per_million_tokens_usd"] = per_m
    if inp.api_price_per_m is not None:
        _break_even(inp, steps, outputs)
    return CalcResult(
        name="cost",
        title=COST.title,
        inputs=input_dict(inp),
        formula=(
            "monthly = GPUs × $/GPU-h × hours + vCPUs × $/vCPU-h × hours + GB stored × "
            "$/GB-month + GB egress × $/GB (730 h per month); break-even tokens/month = "
            "self-host monthly GPU cost ÷ API $ per 1M tokens × 1e6"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "One always-on GPU is ~730 h/month: at $2.50/h that is ~$1,825/month before anyone "
            "uses it. Self-hosting wins only with steady high volume and high utilisation; "
            "below the break-even an API (pay per token) is cheaper and carries no ops burden. "
            "Quote cost per 1,000 requests or per 1M tokens, and remember egress and idle time."
        ),
        notes=[
            "Default prices are illustrative, not quotes: $2.50 per GPU-hour, $0.04 per "
            "vCPU-hour, $0.023 per GB-month of storage, $0.09 per GB of egress; pass your own.",
            "A month is 730 h (8,760 / 12).",
        ],
    )


COST = Calculator(
    name="cost",
    title="Cloud cost and self-host break-even",
    description="Monthly GPU/CPU/storage/egress cost, per-request and per-token cost, API break-even.",
    input_type=CostInput,
    compute=cost,
    fields=(
        number("gpus", "GPUs", "GPUs", 0, "GPUs running (also the self-host deployment size)."),
        number("gpu_hourly", "GPU price", "USD/GPU-hour", 2.50, "Illustrative default."),
        number("hours", "Hours per month", "h", HOURS_PER_MONTH, "730 = always on."),
        number("cpus", "vCPUs", "vCPUs", 0, "vCPUs running."),
        number("cpu_hourly", "vCPU price", "USD/vCPU-hour", 0.04, "Illustrative default."),
        number("storage_gb", "Storage", "GB", 0, "Data stored."),
        number("storage_price", "Storage price", "USD/GB-month", 0.023, "Object storage."),
        number("egress_gb", "Egress", "GB/month", 0, "Data sent out of the cloud."),
        number("egress_price", "Egress price", "USD/GB", 0.09, "Internet egress."),
        number("requests_per_month", "Requests", "req/month", None, "For cost per 1k requests."),
        number("tokens_per_month", "Tokens", "tokens/month", None, "For cost per 1M tokens."),
        number("api_price_per_m", "API price", "USD/1M tokens", None, "Blended API price."),
        number("tokens_per_s_per_gpu", "Self-host throughput", "tokens/s/GPU", None, "Measured."),
        number("utilisation", "Self-host utilisation", "fraction", 0.5, "Share of hours busy."),
    ),
)
