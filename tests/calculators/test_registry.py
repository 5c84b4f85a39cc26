"""The registry and field specs the CLI and web forms are built from, and the shared helpers."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from archprep.bank.model import CALCULATORS as BANK_CALCULATORS
from archprep.calculators import CALCULATORS, CalcResult, get_calculator, run_calculator
from archprep.calculators.base import coerce, figure, fmt, near_whole, plural, tidy
from archprep.errors import UsageError, UserError


def test_registry_has_the_seven_calculators_the_bank_refers_to() -> None:
    assert tuple(CALCULATORS) == BANK_CALCULATORS


@pytest.mark.parametrize("name", list(CALCULATORS))
def test_fields_describe_the_input_dataclass(name: str) -> None:
    calc = CALCULATORS[name]
    assert calc.title and calc.description
    dc_fields = {f.name: f for f in dataclasses.fields(calc.input_type)}
    assert {f.name for f in calc.fields} == set(dc_fields)
    for f in calc.fields:
        assert f.label and f.help, f.name
        assert f.kind in ("number", "integer", "choice", "text", "numbers", "texts")
        assert bool(f.choices) == (f.kind == "choice"), f.name
        dc = dc_fields[f.name]
        default = (
            dc.default_factory() if dc.default_factory is not dataclasses.MISSING else dc.default
        )
        if f.kind in ("numbers", "texts"):
            default = default or None  # an empty list is "not given"
        assert f.default == default, f.name
        if f.kind == "choice" and f.default is not None:
            assert f.default in f.choices
    json.dumps(calc.as_dict())


def test_run_from_form_strings() -> None:
    r = run_calculator(
        "gpu-memory", {"params": "7e9", "precision": "FP16", "batch": "", "gpu": None}
    )
    assert r.outputs["weights_gb"] == 14.0
    r = run_calculator("availability", {"series": "99.9, 99.9"})
    assert r.outputs["series_availability"] == pytest.approx(0.998001)
    r = run_calculator("throughput", {"stages": "a=1\nb=2", "budget_ms": "10"})
    assert r.outputs["slack_ms"] == 7


@pytest.mark.parametrize(
    ("name", "values", "message"),
    [
        ("gpu-memory", {"params": "seven"}, "--params must be a number"),
        ("gpu-memory", {"params": "inf"}, "--params must be a finite number"),
        ("gpu-memory", {"params": 7e9, "batch": "1.5"}, "--batch must be a whole number"),
        ("gpu-memory", {"params": 7e9, "precision": "fp12"}, "--precision must be one of"),
        ("gpu-memory", {"parameters": 7e9}, "unknown input 'parameters'"),
        ("nope", {}, "no calculator 'nope'"),
    ],
)
def test_form_errors_are_user_errors(name: str, values: dict[str, object], message: str) -> None:
    with pytest.raises(UserError, match=message):
        run_calculator(name, values)


def test_result_json_flattens_outputs_and_rejects_clashing_keys() -> None:
    result = get_calculator("flops").run({"params": 1e9, "tokens": 1e9})
    data = result.as_dict()
    assert data["total_flops"] == data["outputs"]["total_flops"] == pytest.approx(6e18)
    for key in ("name", "title", "inputs", "formula", "steps", "rule_of_thumb", "notes"):
        assert key in data
    with pytest.raises(ValueError, match="clash"):
        CalcResult("x", "X", {}, "", [], {"steps": 1}, "")


def test_tidy_and_fmt() -> None:
    assert tidy(0.1 * 14) == 1.4
    assert tidy(7e9 * 2 / 1e9) == 14.0
    assert fmt(7e9) == "7e9"
    assert fmt(8.4e22) == "8.4e22"
    assert fmt(14.0) == "14"
    assert fmt(17.179869184) == "17.1799"
    assert fmt(58982.14) == "58,982.14"
    assert fmt(131072) == "131,072"


@pytest.mark.parametrize(
    ("name", "field", "typed", "value"),
    [("gpu-memory", "params", "7B", 7e9), ("gpu-memory", "params", "70b", 70e9),
     ("gpu-memory", "params", "7 billion parameters", 7e9),
     ("gpu-memory", "params", "7,000,000,000", 7e9), ("gpu-memory", "seq_len", "8k", 8000),
     ("flops", "tokens", "2e12", 2e12), ("flops", "tokens", "1.5M", 1.5e6),
     ("availability", "target", "99.9%", 0.999), ("cost", "gpu_hourly", "$2.50", 2.5),
     ("cost", "gpu_hourly", "$2.50/h", 2.5), ("cost", "egress_price", "$0.09/GB", 0.09),
     ("cost", "requests_per_month", "1,000,000", 1e6), ("cost", "storage_gb", "40 GB", 40),
     ("cost", "storage_gb", "1.5 TB", 1500), ("gpu-memory", "overhead", "10%", 0.1),
     ("cost", "hours", "2 days", 48), ("throughput", "latency_ms", "2 s", 2000),
     ("throughput", "latency_ms", "250 ms", 250),
     ("availability", "mtbf_hours", "1.5M hours", 1.5e6), ("cost", "gpus", "4 GPUs", 4)],
)  # fmt: skip
def test_fields_read_numbers_as_people_type_them(
    name: str, field: str, typed: str, value: float
) -> None:
    got = coerce(get_calculator(name).get_field(field), typed)
    assert got == pytest.approx(value, rel=1e-12)


@pytest.mark.parametrize(
    ("field", "typed", "value"),
    [("actual_counts", "30 20 10", [30, 20, 10]), ("actual_counts", "30, 20\n10", [30, 20, 10]),
     ("expected", "1e-3 2k", [0.001, 2000])],
)  # fmt: skip
def test_lists_split_on_commas_lines_and_spaces(field: str, typed: str, value: list[float]) -> None:
    assert coerce(get_calculator("drift").get_field(field), typed) == value
    series = coerce(get_calculator("availability").get_field("series"), "99.9 %, 99.95%")
    assert series == [0.999, 0.9995]


@pytest.mark.parametrize(
    ("name", "field", "typed", "message"),
    [("gpu-memory", "params", "7X", "'x' is not a multiplier or a unit of params"),
     ("gpu-memory", "params", "7 tokens", "'tokens' is not a multiplier or a unit of params"),
     ("gpu-memory", "params", "seven", "--params must be a number such as 7e9, 7B"),
     ("gpu-memory", "params", "4,38", "commas only group thousands"),
     ("cost", "gpus", "40 GB", "--gpus takes GPUs, not a size"),
     ("cost", "gpus", "2 h", "--gpus takes GPUs, not a time"),
     ("cost", "gpus", "50%", "--gpus takes GPUs, not a percentage"),
     ("cost", "storage_gb", "3 hours", "--storage-gb is in GB: '3 hours' is not a size")],
)  # fmt: skip
def test_what_a_field_cannot_read_is_refused_not_guessed(
    name: str, field: str, typed: str, message: str
) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        coerce(get_calculator(name).get_field(field), typed)


def test_json_outputs_carry_no_float_noise() -> None:
    # (1 − 0.999) × 43,800 min is 43.7999999999952 in floating point.
    result = run_calculator("availability", {"target": "99.9"})
    assert result.outputs["downtime_min_per_month"] == 43.8
    assert result.outputs["downtime_min_per_week"] == 10.08
    assert tidy(0.9999999) == 0.9999999  # an availability keeps the digits of its gap to 1
    assert tidy(1 - 1e-12) == 0.999999999999
    assert tidy(17.179869184) == 17.1799
    assert tidy(0.000131072) == 0.000131072


def test_figures_in_text_have_three_significant_digits_and_separators() -> None:
    assert figure(17.179869184) == "17.2"
    assert figure(1.11111) == "1.11"
    assert figure(146e6) == "146,000,000"
    assert figure(58_979.2) == "59,000"
    assert figure(131_072.0) == "131,072"
    assert figure(8.4e22) == "8.4e22"
    assert figure(0.000131072) == "0.000131"
    assert figure(True) == "yes"
    assert near_whole(0.9995) == "0.9995" and near_whole(0.998001) == "0.998"
    assert near_whole(99.95, 100) == "99.95"
    assert plural(1, "GPU") == "1 GPU" and plural(4, "GPU") == "4 GPUs"


@pytest.mark.parametrize("name", list(CALCULATORS))
def test_every_output_has_a_written_label(name: str) -> None:
    calc = CALCULATORS[name]
    for values in EXAMPLE_RUNS[name]:
        result = calc.run(values)
        missing = set(result.outputs) - set(calc.outputs)
        assert not missing, f"{name}: no label for {sorted(missing)}"
        for label, shown, _unit in calc.shown_outputs(result):
            assert "_" not in label and shown


EXAMPLE_RUNS: dict[str, list[dict[str, object]]] = {
    "gpu-memory": [{"model": "llama-3-70b", "gpu": "h100-80gb", "batch": "8"}],
    "training-memory": [{"model": "llama-3-8b", "gpu": "a100-80gb", "zero_stage": "3",
                         "gpus": "8"}],
    "flops": [{"params": "7B", "tokens": "2T"}, {"model": "mixtral-8x7b", "tokens": "1e9",
                                                   "mode": "inference"}],
    "throughput": [{"rps": "200", "latency_ms": "250", "fanout": "100",
                    "stages": "a=80, b=900", "budget_ms": "1500"}],
    "availability": [{"series": "99.9, 99.95", "parallel": "99, 99"},
                     {"mtbf_hours": "1000", "mttr_hours": "1"}],
    "cost": [{"gpus": "1", "gpu_hourly": "2", "cpus": "8", "storage_gb": "100", "egress_gb": "5",
              "requests_per_month": "1e6", "tokens_per_month": "5e9", "api_price_per_m": "10",
              "tokens_per_s_per_gpu": "1000"}],
    "drift": [{"expected": "1, 2, 3, 4", "actual": "2, 3, 4, 5"},
              {"expected_counts": "1 2", "actual_counts": "2 1"}],
}  # fmt: skip
