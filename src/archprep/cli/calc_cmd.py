"""``archprep calc NAME``: the back-of-envelope calculators, with inputs, formula and worked steps."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from archprep.calculators import CALCULATORS, CalcResult, Calculator, read_csv_column
from archprep.calculators.base import fmt
from archprep.cli.common import app, console, print_json
from archprep.errors import UsageError

calc_app = typer.Typer(
    help="Back-of-envelope calculators with worked steps (archprep calc NAME --help).",
    invoke_without_command=True,
)
app.add_typer(calc_app, name="calc")

JSON_HELP = "Print the result as JSON."
# Numeric options are taken as text and parsed by the calculator's field spec, so 7B, 8k,
# $2.50, 99.9% and 1,000,000 work, and a value that is not a number gets the one-line
# "error: --params ..." (exit 2) rather than Click's usage block.


def _help(calc: Calculator, name: str) -> str:
    """Option help from the calculator's field spec, so CLI and web forms say the same thing."""
    f = calc.get_field(name)
    parts = [f.help]
    if f.unit:
        parts.append(f"Unit: {f.unit}.")
    if f.default is not None:
        parts.append(
            f"Default: {f.default:g}." if isinstance(f.default, float) else f"Default: {f.default}."
        )
    if f.choices:
        parts.append(f"One of: {', '.join(f.choices)}.")
    return " ".join(parts)


def _value(value: Any) -> str:
    """An input as it was given (inputs keep their digits; outputs are rounded for reading)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return fmt(value)
    if isinstance(value, list):
        shown = ", ".join(_value(v) for v in value[:12])
        return shown + (f", … ({len(value)} values)" if len(value) > 12 else "")
    return str(value)


def render(result: CalcResult) -> Panel:
    """A Rich panel: inputs, formula, numbered worked steps, results with units, rule of thumb."""
    calc = CALCULATORS[result.name]
    labels = {f.name: (f.label, f.unit) for f in calc.fields}
    inputs = Table.grid(padding=(0, 2))
    for name, value in result.inputs.items():
        if value is None or value == []:
            continue
        label, unit = labels.get(name, (name.replace("_", " "), ""))
        inputs.add_row(Text(label, style="dim"), Text(_value(value)), Text(unit, style="dim"))
    outputs = Table.grid(padding=(0, 2))
    for label, value, unit in calc.shown_outputs(result):
        outputs.add_row(Text(label), Text(value, style="bold"), Text(unit, style="dim"))
    parts: list[Any] = []
    if result.warnings:
        parts.append(Text("Warnings", style="bold yellow"))
        parts.extend(Text(f"! {warning}", style="yellow") for warning in result.warnings)
        parts.append(Text(""))
    parts += [
        Text("Inputs", style="bold"),
        inputs,
        Text("\nFormula", style="bold"),
        Text(result.formula),
        Text("\nWorked steps", style="bold"),
        *(Text(f"{i}. {step}") for i, step in enumerate(result.steps, start=1)),
        Text("\nResult", style="bold"),
        outputs,
        Text("\nRule of thumb", style="bold"),
        Text(result.rule_of_thumb),
    ]
    if result.notes:
        parts.append(Text("\nNotes", style="bold"))
        parts.extend(Text(f"• {note}", style="dim") for note in result.notes)
    return Panel(Group(*parts), title=f"{result.title} · archprep calc {result.name}")


def _show(calc: Calculator, values: dict[str, Any], json_out: bool) -> None:
    result = calc.run({k: v for k, v in values.items() if v is not None})
    if json_out:
        print_json(result.as_dict())
    else:
        console.print(render(result))


@calc_app.callback()
def calc_list(
    ctx: typer.Context,
    json_out: bool = typer.Option(False, "--json", help="List the calculators and fields as JSON."),
) -> None:
    """List the calculators; run one with archprep calc NAME [OPTIONS]."""
    if ctx.invoked_subcommand is not None:
        return
    if json_out:
        print_json([c.as_dict() for c in CALCULATORS.values()])
        return
    table = Table(title="Calculators (archprep calc NAME --help for the options)")
    table.add_column("name", no_wrap=True)
    table.add_column("what it works out")
    for calc in CALCULATORS.values():
        table.add_row(calc.name, calc.description)
    console.print(table)


GM = CALCULATORS["gpu-memory"]


@calc_app.command("gpu-memory")
def gpu_memory_cmd(
    model: str | None = typer.Option(None, help=_help(GM, "model")),
    params: str | None = typer.Option(None, metavar="<number>", help=_help(GM, "params")),
    precision: str | None = typer.Option(None, help=_help(GM, "precision")),
    kv_precision: str | None = typer.Option(None, help=_help(GM, "kv_precision")),
    layers: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "layers")),
    hidden: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "hidden")),
    heads: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "heads")),
    kv_heads: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "kv_heads")),
    head_dim: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "head_dim")),
    seq_len: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "seq_len")),
    batch: str | None = typer.Option(None, metavar="<int>", help=_help(GM, "batch")),
    overhead: str | None = typer.Option(None, metavar="<number>", help=_help(GM, "overhead")),
    gpu: str | None = typer.Option(None, help=_help(GM, "gpu")),
    usable_fraction: str | None = typer.Option(
        None, metavar="<number>", help=_help(GM, "usable_fraction")
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """LLM serving memory: weights + KV cache (GQA-aware) + overhead, and GPUs needed."""
    values = dict(locals())  # every option is named after a field of the calculator
    del values["json_out"]
    _show(GM, values, json_out)


TM = CALCULATORS["training-memory"]


@calc_app.command("training-memory")
def training_memory_cmd(
    model: str | None = typer.Option(None, help=_help(TM, "model")),
    params: str | None = typer.Option(None, metavar="<number>", help=_help(TM, "params")),
    optimizer: str | None = typer.Option(None, help=_help(TM, "optimizer")),
    layers: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "layers")),
    hidden: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "hidden")),
    heads: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "heads")),
    seq_len: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "seq_len")),
    batch: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "batch")),
    checkpointing: str | None = typer.Option(None, help=_help(TM, "checkpointing")),
    zero_stage: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "zero_stage")),
    gpus: str | None = typer.Option(None, metavar="<int>", help=_help(TM, "gpus")),
    trainable_fraction: str | None = typer.Option(
        None, metavar="<number>", help=_help(TM, "trainable_fraction")
    ),
    base_precision: str | None = typer.Option(None, help=_help(TM, "base_precision")),
    gpu: str | None = typer.Option(None, help=_help(TM, "gpu")),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Training memory per GPU: weights, gradients, optimizer (ZeRO 0-3, LoRA), activations."""
    values = dict(locals())  # every option is named after a field of the calculator
    del values["json_out"]
    _show(TM, values, json_out)


FL = CALCULATORS["flops"]


@calc_app.command("flops")
def flops_cmd(
    model: str | None = typer.Option(None, help=_help(FL, "model")),
    params: str | None = typer.Option(None, metavar="<number>", help=_help(FL, "params")),
    tokens: str | None = typer.Option(None, metavar="<number>", help=_help(FL, "tokens")),
    mode: str | None = typer.Option(None, help=_help(FL, "mode")),
    gpu: str | None = typer.Option(None, help=_help(FL, "gpu")),
    peak_tflops: str | None = typer.Option(None, metavar="<number>", help=_help(FL, "peak_tflops")),
    mfu: str | None = typer.Option(None, metavar="<number>", help=_help(FL, "mfu")),
    gpus: str | None = typer.Option(None, metavar="<int>", help=_help(FL, "gpus")),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """FLOPs (6·N·D training, 2·N per token inference) and GPU-hours and days at an MFU."""
    values = dict(locals())  # every option is named after a field of the calculator
    del values["json_out"]
    _show(FL, values, json_out)


TP = CALCULATORS["throughput"]


@calc_app.command("throughput")
def throughput_cmd(
    rps: str | None = typer.Option(None, metavar="<number>", help=_help(TP, "rps")),
    latency_ms: str | None = typer.Option(None, metavar="<number>", help=_help(TP, "latency_ms")),
    concurrency_per_pod: str | None = typer.Option(
        None, metavar="<int>", help=_help(TP, "concurrency_per_pod")
    ),
    pod_rps: str | None = typer.Option(None, metavar="<number>", help=_help(TP, "pod_rps")),
    utilisation: str | None = typer.Option(None, metavar="<number>", help=_help(TP, "utilisation")),
    tokens_per_s: str | None = typer.Option(
        None, metavar="<number>", help=_help(TP, "tokens_per_s")
    ),
    output_tokens: str | None = typer.Option(
        None, metavar="<number>", help=_help(TP, "output_tokens")
    ),
    fanout: str | None = typer.Option(None, metavar="<int>", help=_help(TP, "fanout")),
    fast_fraction: str | None = typer.Option(
        None, metavar="<number>", help=_help(TP, "fast_fraction")
    ),
    stages: list[str] | None = typer.Option(
        None, "--stage", "--stages", help="A pipeline stage as name=ms; repeat the option."
    ),
    budget_ms: str | None = typer.Option(None, metavar="<number>", help=_help(TP, "budget_ms")),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Little's law, replicas for a target RPS, fan-out tail latency and latency-budget slack."""
    values = dict(locals())  # every option is named after a field of the calculator
    del values["json_out"]
    _show(TP, values, json_out)


AV = CALCULATORS["availability"]


@calc_app.command("availability")
def availability_cmd(
    series: list[str] | None = typer.Option(
        None, help="A component that must be up (99.9 or 0.999); repeat or comma-separate."
    ),
    parallel: list[str] | None = typer.Option(
        None, help="A redundant replica (any one up suffices); repeat or comma-separate."
    ),
    target: str | None = typer.Option(None, metavar="<number>", help=_help(AV, "target")),
    nines: str | None = typer.Option(None, metavar="<number>", help=_help(AV, "nines")),
    mtbf_hours: str | None = typer.Option(None, metavar="<number>", help=_help(AV, "mtbf_hours")),
    mttr_hours: str | None = typer.Option(None, metavar="<number>", help=_help(AV, "mttr_hours")),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Availability in series and parallel, MTBF/MTTR, and downtime per year/month/week/day."""
    values = dict(locals())  # every option is named after a field of the calculator
    del values["json_out"]
    _show(AV, values, json_out)


CO = CALCULATORS["cost"]


@calc_app.command("cost")
def cost_cmd(
    gpus: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "gpus")),
    gpu_hourly: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "gpu_hourly")),
    hours: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "hours")),
    cpus: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "cpus")),
    cpu_hourly: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "cpu_hourly")),
    storage_gb: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "storage_gb")),
    storage_price: str | None = typer.Option(
        None, metavar="<number>", help=_help(CO, "storage_price")
    ),
    egress_gb: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "egress_gb")),
    egress_price: str | None = typer.Option(
        None, metavar="<number>", help=_help(CO, "egress_price")
    ),
    requests_per_month: str | None = typer.Option(
        None, metavar="<number>", help=_help(CO, "requests_per_month")
    ),
    tokens_per_month: str | None = typer.Option(
        None, metavar="<number>", help=_help(CO, "tokens_per_month")
    ),
    api_price_per_m: str | None = typer.Option(
        None, metavar="<number>", help=_help(CO, "api_price_per_m")
    ),
    tokens_per_s_per_gpu: str | None = typer.Option(
        None, metavar="<number>", help=_help(CO, "tokens_per_s_per_gpu")
    ),
    utilisation: str | None = typer.Option(None, metavar="<number>", help=_help(CO, "utilisation")),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Monthly GPU/CPU/storage/egress cost, per 1k requests or 1M tokens, self-host break-even."""
    values = dict(locals())  # every option is named after a field of the calculator
    del values["json_out"]
    _show(CO, values, json_out)


DR = CALCULATORS["drift"]


@calc_app.command("drift")
def drift_cmd(
    expected: list[str] | None = typer.Option(
        None, help="Reference sample values; repeat or comma-separate."
    ),
    actual: list[str] | None = typer.Option(
        None, help="Current sample values; repeat or comma-separate."
    ),
    expected_counts: list[str] | None = typer.Option(
        None, help="Reference histogram: counts per bin, comma-separated."
    ),
    actual_counts: list[str] | None = typer.Option(
        None, help="Current histogram: counts per bin, same bins as --expected-counts."
    ),
    expected_csv: Path | None = typer.Option(None, help="CSV file (header row) of the reference."),
    actual_csv: Path | None = typer.Option(None, help="CSV file (header row) of the current data."),
    column: str | None = typer.Option(None, help="CSV column to compare (both files)."),
    actual_column: str | None = typer.Option(
        None, help="CSV column in --actual-csv when it differs from --column."
    ),
    bins: str | None = typer.Option(None, metavar="<int>", help=_help(DR, "bins")),
    epsilon: str | None = typer.Option(None, metavar="<number>", help=_help(DR, "epsilon")),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """PSI, KL and Jensen-Shannon between two samples (values or CSV columns) or two histograms."""
    values: dict[str, Any] = {
        "expected": expected,
        "actual": actual,
        "expected_counts": expected_counts,
        "actual_counts": actual_counts,
        "bins": bins,
        "epsilon": epsilon,
    }
    for side, path, col in (
        ("expected", expected_csv, column),
        ("actual", actual_csv, actual_column or column),
    ):
        if path is None:
            continue
        if values[side]:
            raise UsageError(f"give --{side} or --{side}-csv, not both")
        if not col:
            raise UsageError(f"--{side}-csv needs --column NAME (the CSV column to compare)")
        values[side] = read_csv_column(path, col)
    _show(DR, values, json_out)
