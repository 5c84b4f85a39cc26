"""The registry and field specs the CLI and web forms are built from, and the shared helpers."""

from __future__ import annotations

import dataclasses
import json

import pytest

from archprep.bank.model import CALCULATORS as BANK_CALCULATORS
from archprep.calculators import CALCULATORS, CalcResult, get_calculator, run_calculator
from archprep.calculators.base import fmt, tidy
from archprep.errors import UserError


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
    assert tidy(0.6931471805599453) == pytest.approx(0.6931471805599453, rel=1e-15)
    assert tidy(7e9 * 2 / 1e9) == 14.0
    assert fmt(7e9) == "7e9"
    assert fmt(8.4e22) == "8.4e22"
    assert fmt(14.0) == "14"
    assert fmt(17.179869184) == "17.1799"
    assert fmt(58982.14) == "58,982.14"
    assert fmt(131072) == "131,072"
