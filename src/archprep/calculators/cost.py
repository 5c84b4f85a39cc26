"""Monthly cloud cost (GPU, CPU, storage, egress), unit costs, and self-host vs API break-even."""

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
    number,
    plural,
)
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


@dataclass(frozen=True)
class Volume:
    """What the monthly token volume asks of self-hosted GPUs, when their throughput is known."""

    tokens: float  # tokens a month
    per_gpu: float  # tokens a month one GPU serves at the stated throughput and utilisation
    needed: int  # GPUs that carry the volume


@dataclass
class Parts:
    """A result being built: each part of the calculation adds steps, outputs and notes."""

    steps: list[str] = field(default_factory=list)
    outputs: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _gpus(count: float) -> str:
    return plural(count, "GPU")


def usd(amount: float) -> str:
    """Dollars as a bill shows them: whole from $100 up (so line items add up), else 3 figures."""
    return f"${round(amount):,}" if abs(amount) >= 100 else f"${figure(amount)}"


def _volume(inp: CostInput) -> Volume | None:
    if inp.tokens_per_month is None or inp.tokens_per_s_per_gpu is None:
        return None
    per_gpu = inp.tokens_per_s_per_gpu * inp.utilisation * 3600 * inp.hours
    needed = max(1, math.ceil(inp.tokens_per_month / per_gpu - 1e-9))
    return Volume(inp.tokens_per_month, per_gpu, needed)


def _capacity_step(inp: CostInput, gpus: float) -> str:
    assert inp.tokens_per_s_per_gpu is not None
    per_gpu = inp.tokens_per_s_per_gpu * inp.utilisation * 3600 * inp.hours
    step = (
        f"Self-host capacity = {fmt(inp.tokens_per_s_per_gpu)} tokens/s × "
        f"{fmt(inp.utilisation * 100)}% busy × 3,600 s × {fmt(inp.hours)} h = "
        f"{figure(per_gpu)} tokens a month per GPU"
    )
    return step if gpus == 1 else f"{step}, {figure(per_gpu * gpus)} for {_gpus(gpus)}"


def _bill(inp: CostInput, parts: Parts) -> float:
    """The monthly bill of the deployment as given, line by line."""
    items = [
        (inp.gpus * inp.gpu_hourly * inp.hours, "GPUs",
         f"{_gpus(inp.gpus)} × ${fmt(inp.gpu_hourly)}/h × {fmt(inp.hours)} h"),
        (inp.cpus * inp.cpu_hourly * inp.hours, "vCPUs",
         f"{plural(inp.cpus, 'vCPU')} × ${fmt(inp.cpu_hourly)}/h × {fmt(inp.hours)} h"),
        (inp.storage_gb * inp.storage_price, "Storage",
         f"{fmt(inp.storage_gb)} GB × ${fmt(inp.storage_price)}/GB-month"),
        (inp.egress_gb * inp.egress_price, "Egress",
         f"{fmt(inp.egress_gb)} GB × ${fmt(inp.egress_price)}/GB"),
    ]  # fmt: skip
    total = sum(amount for amount, _, _ in items)
    if not total:
        return 0.0
    shown = [item for item in items if item[0]]
    year = f"({usd(total * 12)} a year)"
    if len(shown) == 1:  # no "$1,460 = $1,460": the one line item is the total
        parts.steps.append(f"Monthly total = {shown[0][2]} = {usd(total)} {year}")
    else:
        parts.steps += [f"{what}: {text} = {usd(amount)}" for amount, what, text in shown]
        parts.steps.append(
            f"Monthly total = {' + '.join(usd(amount) for amount, _, _ in shown)} "
            f"= {usd(total)} {year}"
        )
    gpu, cpu, storage, egress = (amount for amount, _, _ in items)
    parts.outputs.update(
        gpu_monthly_usd=gpu,
        cpu_monthly_usd=cpu,
        storage_monthly_usd=storage,
        egress_monthly_usd=egress,
        monthly_total_usd=total,
        yearly_total_usd=total * 12,
    )
    return total


def _unit_costs(inp: CostInput, total: float, volume: Volume | None, parts: Parts) -> None:
    """Cost per 1,000 requests and per 1M tokens, on a deployment that can carry the volume."""
    basis, where = total, ""
    if volume and inp.gpus > 0:
        parts.steps.append(_capacity_step(inp, inp.gpus))
        if volume.needed > inp.gpus:
            basis = total + (volume.needed - inp.gpus) * inp.gpu_hourly * inp.hours
            where = f" at {_gpus(volume.needed)}"
            parts.warnings.append(
                f"{_gpus(inp.gpus)} {'serves' if inp.gpus == 1 else 'serve'} at most "
                f"{figure(volume.per_gpu * inp.gpus)} tokens a "
                f"month, less than the {figure(volume.tokens)} given; that volume needs "
                f"{_gpus(volume.needed)}, and the unit costs are worked out for "
                f"{volume.needed}, not {fmt(inp.gpus)}."
            )
            parts.steps.append(
                f"{figure(volume.tokens)} tokens a month need ⌈{figure(volume.tokens)} / "
                f"{figure(volume.per_gpu)}⌉ = {_gpus(volume.needed)}: the monthly total with "
                f"{volume.needed} is {usd(basis)}"
            )
            parts.outputs["gpus_for_volume"] = volume.needed
            parts.outputs["monthly_total_for_volume_usd"] = basis
    elif inp.gpus > 0 and inp.tokens_per_month:
        parts.notes.append(
            "The cost per 1M tokens assumes the GPUs can serve that volume; give the "
            "self-host throughput per GPU to check it."
        )
    if inp.requests_per_month:
        per_k = basis / inp.requests_per_month * 1000
        parts.steps.append(
            f"Per 1,000 requests{where} = {usd(basis)} / {figure(inp.requests_per_month)} × "
            f"1,000 = {usd(per_k)}"
        )
        parts.outputs["cost_per_1k_requests_usd"] = per_k
    if inp.tokens_per_month:
        per_m = basis / inp.tokens_per_month * 1e6
        parts.steps.append(
            f"Per 1M tokens{where} = {usd(basis)} / {figure(inp.tokens_per_month)} × 1e6 = "
            f"{usd(per_m)}"
        )
        parts.outputs["cost_per_million_tokens_usd"] = per_m


def _break_even(inp: CostInput, volume: Volume | None, parts: Parts) -> None:
    """Self-hosting on the given GPUs (at least 1) against an API priced per 1M tokens."""
    assert inp.api_price_per_m is not None
    api_price = inp.api_price_per_m
    n = max(1, math.ceil(inp.gpus))
    fixed = n * inp.gpu_hourly * inp.hours
    tokens = fixed / api_price * 1e6
    parts.steps.append(
        f"Self-host {_gpus(n)} × ${fmt(inp.gpu_hourly)}/h × {fmt(inp.hours)} h = "
        f"{usd(fixed)} a month, busy or idle"
    )
    parts.outputs["self_host_fixed_monthly_usd"] = fixed
    breaks_even = True
    if inp.tokens_per_s_per_gpu is not None:
        tps, util = inp.tokens_per_s_per_gpu, inp.utilisation
        per_m = self_host_cost_per_million(inp.gpu_hourly, tps, util)
        if not (volume and inp.gpus > 0):  # otherwise the unit costs showed it already
            parts.steps.append(_capacity_step(inp, n))
        parts.steps.append(
            f"Self-host per 1M tokens with the GPUs fully used = ${fmt(inp.gpu_hourly)} × 1e6 / "
            f"({fmt(tps)} × {fmt(util)} × 3,600) = {usd(per_m)}, against "
            f"${fmt(api_price)} for the API"
        )
        parts.outputs["self_host_capacity_tokens_per_month"] = tps * util * 3600 * inp.hours * n
        parts.outputs["self_host_cost_per_million_tokens_usd"] = per_m
        breaks_even = per_m < api_price
        parts.outputs["self_host_cheaper_at_scale"] = breaks_even
        if not breaks_even:
            parts.steps.append(
                "Self-hosting never breaks even at this throughput and utilisation: even fully "
                "used, a GPU costs more per token than the API"
            )
    else:
        parts.notes.append(
            f"The break-even assumes {_gpus(n)} can serve {figure(tokens)} tokens a month; "
            "give the self-host throughput per GPU to check it."
        )
    if breaks_even:
        # Self-hosting per token is cheaper than the API, so this volume is within n GPUs' reach.
        parts.steps.append(
            f"Break-even = {usd(fixed)} / ${fmt(api_price)} per 1M tokens × 1e6 = "
            f"{figure(tokens)} tokens a month"
        )
        parts.outputs["break_even_tokens_per_month"] = tokens
    if inp.tokens_per_month is not None:
        gpus = max(n, volume.needed) if volume else n
        self_host = gpus * inp.gpu_hourly * inp.hours
        api = inp.tokens_per_month / 1e6 * api_price
        cheaper = "self-hosting" if self_host < api else "the API"
        parts.steps.append(
            f"At {figure(inp.tokens_per_month)} tokens a month: API {usd(api)} against "
            f"self-host {_gpus(gpus)} {usd(self_host)}, so {cheaper} is cheaper"
        )
        parts.outputs.update(
            api_monthly_usd=api, self_host_monthly_usd=self_host, self_host_gpus=gpus
        )


def cost(inp: CostInput) -> CalcResult:
    """Monthly bill by line item, cost per 1k requests / 1M tokens, and the self-host break-even.

    Every figure that depends on the token volume is worked out on enough GPUs to serve it
    (when the self-host throughput is given); the bill itself is for the GPUs as given.
    """
    _validate(inp)
    parts = Parts()
    total = _bill(inp, parts)
    if total == 0 and inp.api_price_per_m is None:
        raise UsageError(
            "nothing to cost: give --gpus, --cpus, --storage-gb or --egress-gb, "
            "or --api-price-per-m for the self-host break-even"
        )
    volume = _volume(inp)
    if total:
        _unit_costs(inp, total, volume, parts)
    if inp.api_price_per_m is not None:
        _break_even(inp, volume, parts)
    return CalcResult(
        name="cost",
        title=COST.title,
        inputs=input_dict(inp),
        formula=(
            "monthly = GPUs × $/GPU-h × hours + vCPUs × $/vCPU-h × hours + GB stored × "
            "$/GB-month + GB egress × $/GB (730 h per month); unit cost = monthly ÷ volume, "
            "with enough GPUs for the volume; break-even tokens/month = self-host monthly GPU "
            "cost ÷ API $ per 1M tokens × 1e6"
        ),
        steps=parts.steps,
        outputs=parts.outputs,
        rule_of_thumb=(
            "One always-on GPU is ~730 h/month: at $2.50/h that is ~$1,825/month before anyone "
            "uses it. Self-hosting wins only with steady high volume and high utilisation; "
            "below the break-even an API (pay per token) is cheaper and carries no ops burden. "
            "Quote cost per 1,000 requests or per 1M tokens, and remember egress and idle time."
        ),
        notes=[
            *parts.notes,
            "Default prices are illustrative, not quotes: $2.50 per GPU-hour, $0.04 per "
            "vCPU-hour, $0.023 per GB-month of storage, $0.09 per GB of egress; give your own.",
            "A month is 730 h (8,760 / 12).",
        ],
        warnings=parts.warnings,
    )


COST = Calculator(
    name="cost",
    title="Cloud cost and self-host break-even",
    description="Monthly GPU/CPU/storage/egress cost, per-request and per-token cost, API break-even.",
    input_type=CostInput,
    compute=cost,
    outputs={
        "gpu_monthly_usd": Output("GPUs per month", "USD"),
        "cpu_monthly_usd": Output("vCPUs per month", "USD"),
        "storage_monthly_usd": Output("Storage per month", "USD"),
        "egress_monthly_usd": Output("Egress per month", "USD"),
        "monthly_total_usd": Output("Total per month", "USD"),
        "yearly_total_usd": Output("Total per year", "USD"),
        "gpus_for_volume": Output("GPUs the token volume needs", "GPUs"),
        "monthly_total_for_volume_usd": Output("Total per month on those GPUs", "USD"),
        "cost_per_1k_requests_usd": Output("Cost per 1,000 requests", "USD"),
        "cost_per_million_tokens_usd": Output("Cost per 1M tokens", "USD"),
        "self_host_fixed_monthly_usd": Output("Self-host GPUs per month", "USD"),
        "self_host_capacity_tokens_per_month": Output("Self-host capacity", "tokens/month"),
        "self_host_cost_per_million_tokens_usd": Output(
            "Self-host per 1M tokens, fully used", "USD"
        ),
        "self_host_cheaper_at_scale": Output("Self-hosting can beat the API"),
        "break_even_tokens_per_month": Output("Break-even volume", "tokens/month"),
        "api_monthly_usd": Output("API at the token volume", "USD/month"),
        "self_host_monthly_usd": Output("Self-host at the token volume", "USD/month"),
        "self_host_gpus": Output("Self-host GPUs for the volume", "GPUs"),
    },
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
