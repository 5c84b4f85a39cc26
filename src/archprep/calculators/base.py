"""The result type, field specs and input checks every calculator shares."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from archprep.errors import UsageError

FieldKind = Literal["number", "integer", "choice", "text", "numbers", "texts"]

# Keys of ``CalcResult.as_dict()`` that outputs may not reuse (outputs are flattened beside them).
RESERVED_KEYS = frozenset(
    {"name", "title", "inputs", "formula", "steps", "outputs", "rule_of_thumb", "notes"}
)


@dataclass(frozen=True)
class Field:
    """One input of a calculator, described so a CLI or a web form can be built from it.

    ``name`` is the attribute of the input dataclass and, with ``_`` as ``-``, the CLI option.
    ``kind``: number (float), integer, choice (one of ``choices``), text, numbers (list of
    floats) or texts (list of strings). ``default`` is what the calculator uses when the field
    is left empty (``None`` means "not given").
    """

    name: str
    label: str
    unit: str
    default: float | int | str | None
    help: str
    kind: FieldKind = "number"
    choices: tuple[str, ...] = ()

    @property
    def option(self) -> str:
        return option(self.name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "option": self.option,
            "label": self.label,
            "unit": self.unit,
            "default": self.default,
            "help": self.help,
            "kind": self.kind,
            "choices": list(self.choices),
        }


@dataclass
class CalcResult:
    """What every calculator returns: inputs used, formula, worked steps, outputs, rule of thumb.

    Output keys carry their unit (``weights_gb``, ``monthly_total_usd``, ``downtime_min_per_year``).
    """

    name: str
    title: str
    inputs: dict[str, Any]
    formula: str
    steps: list[str]
    outputs: dict[str, Any]
    rule_of_thumb: str
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        clash = RESERVED_KEYS & self.outputs.keys()
        if clash:
            raise ValueError(f"output keys {sorted(clash)} clash with CalcResult fields")
        self.outputs = {k: tidy(v) for k, v in self.outputs.items()}

    def as_dict(self) -> dict[str, Any]:
        """JSON shape: the outputs at the top level, and again under ``outputs``."""
        return {
            **self.outputs,
            "name": self.name,
            "title": self.title,
            "inputs": self.inputs,
            "formula": self.formula,
            "steps": self.steps,
            "outputs": self.outputs,
            "rule_of_thumb": self.rule_of_thumb,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class Calculator:
    """A registry entry: the pure function, its input type and its declarative fields."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    input_type: type[Any]
    compute: Callable[[Any], CalcResult]

    def get_field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def build_input(self, values: Mapping[str, Any]) -> Any:
        """Coerce raw values (strings from a form, or typed values) into the input dataclass."""
        known = {f.name: f for f in self.fields}
        unknown = sorted(set(values) - known.keys())
        if unknown:
            raise UsageError(
                f"{self.name}: unknown input {unknown[0]!r}; use one of {', '.join(known)}"
            )
        kwargs = {name: coerce(known[name], raw) for name, raw in values.items()}
        return self.input_type(**{k: v for k, v in kwargs.items() if v is not None})

    def run(self, values: Mapping[str, Any]) -> CalcResult:
        return self.compute(self.build_input(values))

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "fields": [f.as_dict() for f in self.fields],
        }


def option(name: str) -> str:
    """The CLI spelling of a field name, used in error messages: ``kv_heads`` -> ``--kv-heads``."""
    return "--" + name.replace("_", "-")


def _parse_float(f: Field, raw: Any) -> float:
    if isinstance(raw, bool):
        raise UsageError(f"{f.option} must be a number (got {raw!r})")
    try:
        value = float(str(raw).strip().replace("_", "")) if isinstance(raw, str) else float(raw)
    except (TypeError, ValueError):
        raise UsageError(f"{f.option} must be a number such as 7e9 or 0.5 (got {raw!r})") from None
    if not math.isfinite(value):
        raise UsageError(f"{f.option} must be a finite number (got {raw!r})")
    return value


def _split(raw: Any) -> list[Any]:
    if isinstance(raw, str):
        return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]
    if isinstance(raw, Sequence):
        out: list[Any] = []
        for item in raw:
            out.extend(_split(item) if isinstance(item, str) else [item])
        return out
    return [raw]


def coerce(f: Field, raw: Any) -> Any:
    """One raw value to the field's Python type; empty means "not given" (``None``)."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if f.kind == "number":
        return _parse_float(f, raw)
    if f.kind == "integer":
        value = _parse_float(f, raw)
        if value != int(value):
            raise UsageError(f"{f.option} must be a whole number (got {raw!r})")
        return int(value)
    if f.kind == "choice":
        text = str(raw).strip().lower()
        if text not in f.choices:
            raise UsageError(f"{f.option} must be one of {', '.join(f.choices)} (got {raw!r})")
        return text
    if f.kind == "numbers":
        return [_parse_float(f, item) for item in _split(raw)]
    if f.kind == "texts":
        return [str(item) for item in _split(raw)]
    return str(raw).strip()


def check_range(
    name: str,
    value: float,
    *,
    low: float,
    high: float,
    low_open: bool = True,
    hint: str = "",
) -> None:
    """Raise a one-line ``UsageError`` naming the option when ``value`` is outside the range."""
    opt = option(name)
    tail = f"; {hint}" if hint else ""
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{opt} must be a finite number (got {value}){tail}")
    if (value <= low) if low_open else (value < low):
        sign = ">" if low_open else "≥"
        raise UsageError(f"{opt} must be {sign} {fmt(low)} (got {fmt(value)}){tail}")
    if value > high:
        raise UsageError(f"{opt} is implausibly large (got {fmt(value)}, max {fmt(high)}){tail}")


def check_choice(name: str, value: str, choices: Sequence[str]) -> str:
    text = value.strip().lower()
    if text not in choices:
        raise UsageError(f"{option(name)} must be one of {', '.join(choices)} (got {value!r})")
    return text


def tidy(value: Any) -> Any:
    """Round away float noise (``1.4000000000000001`` -> ``1.4``); real digits are kept."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        rounded = float(f"{value:.15g}")
        if abs(rounded - value) <= 4 * math.ulp(value):
            return rounded
    return value


def fmt(value: float) -> str:
    """A number as people write it in an interview: ``14``, ``17.1799``, ``8.4e22``, ``58,979.2``."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int) and abs(value) < 1_000_000:
        return f"{value:,}"
    x = float(value)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e6 or abs(x) < 1e-4:
        mantissa, _, exponent = f"{x:.4g}".partition("e")
        return f"{mantissa}e{int(exponent)}" if exponent else mantissa
    if abs(x) >= 1000:
        return f"{x:,.2f}".rstrip("0").rstrip(".")
    return f"{x:.6g}"


def input_dict(inp: Any) -> dict[str, Any]:
    """An input dataclass as a plain dict (lists copied), for ``CalcResult.inputs``."""
    return {f.name: getattr(inp, f.name) for f in dataclasses.fields(inp)}


def number(name: str, label: str, unit: str, default: float | None, help: str) -> Field:
    return Field(name, label, unit, default, help, "number")


def integer(name: str, label: str, unit: str, default: int | None, help: str) -> Field:
    return Field(name, label, unit, default, help, "integer")


def choice(name: str, label: str, choices: Sequence[str], default: str | None, help: str) -> Field:
    return Field(name, label, "", default, help, "choice", tuple(choices))


def numbers(name: str, label: str, unit: str, help: str) -> Field:
    return Field(name, label, unit, None, help, "numbers")


def texts(name: str, label: str, unit: str, help: str) -> Field:
    return Field(name, label, unit, None, help, "texts")
