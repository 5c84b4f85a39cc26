"""The result type, field specs and input checks every calculator shares."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from archprep.errors import UsageError, UserError
from archprep.estimates import parse_estimate, unit_family

FieldKind = Literal["number", "integer", "choice", "text", "numbers", "texts"]

# Keys of ``CalcResult.as_dict()`` that outputs may not reuse (outputs are flattened beside them).
RESERVED_KEYS = frozenset(
    {"name", "title", "inputs", "formula", "steps", "outputs", "rule_of_thumb", "notes", "warnings"}
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
    warnings: list[str] = field(default_factory=list)  # what makes a figure unreliable

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
            "warnings": self.warnings,
        }


OutputStyle = Literal["figure", "availability", "percent"]


@dataclass(frozen=True)
class Output:
    """How one output is shown: its label, its unit, and how its number is written.

    ``availability`` and ``percent`` are values close to 1 (or 100): their digits are kept up to
    3 significant figures of the gap, so 0.9995 is not rounded to 1.
    """

    label: str
    unit: str = ""
    style: OutputStyle = "figure"


@dataclass(frozen=True)
class Calculator:
    """A registry entry: the pure function, its input type and its declarative fields."""

    name: str
    title: str
    description: str
    fields: tuple[Field, ...]
    input_type: type[Any]
    compute: Callable[[Any], CalcResult]
    outputs: Mapping[str, Output] = field(default_factory=dict)

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

    def describe(self, key: str) -> Output:
        """The label and unit of an output key (every key a calculator returns is listed)."""
        return self.outputs.get(key) or Output(key.replace("_", " ").capitalize())

    def shown_outputs(self, result: CalcResult) -> list[tuple[str, str, str]]:
        """``(label, value as text, unit)`` for each output, as the CLI and the web show them."""
        rows = []
        for key, value in result.outputs.items():
            out = self.describe(key)
            rows.append((out.label, show(value, out.style), out.unit))
        return rows

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "fields": [f.as_dict() for f in self.fields],
            "outputs": [
                {"key": key, "label": out.label, "unit": out.unit}
                for key, out in self.outputs.items()
            ],
        }


def option(name: str) -> str:
    """The CLI spelling of a field name, used in error messages: ``kv_heads`` -> ``--kv-heads``."""
    return "--" + name.replace("_", "-")


# Field units whose numbers may be typed as a fraction or with a % sign.
PERCENT_UNITS = ("fraction", "proportion", "%")
# Fields measured in a time unit: a value typed in another time unit converts (minutes per unit).
TIME_UNITS = {"h": 60.0, "hours": 60.0, "ms": 1 / 60_000}
_TIME_WORDS = frozenset({"h", "hour", "hours", "s", "ms", "month"})
NUMBER_HINT = "a number such as 7e9, 7B, 8k, 1,000,000 or 0.5"


def _refused(text: str, unit: str) -> bool:
    """Whether the drills' parser refuses ``text`` as an estimate in ``unit``: it carries a unit
    word of another family (a time where GB are asked, a size where minutes are)."""

    try:
        parse_estimate(text, unit)
    except UserError:
        return True
    return False


_MULTIPLIER_WORDS = frozenset(
    {"k", "m", "mn", "b", "bn", "t", "thousand", "million", "billion", "trillion"}
)
# Words a value may carry besides its unit's own: currency, "per", and common spellings.
_WORD_ALIASES = {"parameters": "params", "parameter": "params", "param": "params",
                 "dollars": "usd", "dollar": "usd", "requests": "req", "request": "req",
                 "qps": "req", "rps": "req", "gpu": "gpus", "hours": "hour", "hr": "hour",
                 "hrs": "hour", "sequence": "sequences", "token": "tokens"}  # fmt: skip
_FREE_WORDS = frozenset({"usd", "per", "a", "an", "each"})
_LEADING_NUMBER = re.compile(r"^[~≈$\s]*[-+]?[\d,_]*(?:\.\d*)?(?:e[-+]?\d+)?", re.IGNORECASE)


def _tail_words(text: str) -> list[str]:
    """The words after the number: ``1.5M hours`` -> ``["m", "hours"]``."""
    return re.findall(r"[a-z]+", _LEADING_NUMBER.sub("", text, count=1).lower())


def _stray_word(text: str, unit: str) -> str | None:
    """The first word after the number that is neither a multiplier nor a unit the field takes.

    The drills' parser lets any word through ("40 pods"); a calculator field refuses words it
    cannot read, so ``7X`` or ``7 tokens`` for parameters is an error, not 7.
    """
    allowed = {w for w in re.split(r"[^a-z]+", unit.lower()) if w}
    allowed |= {w.rstrip("s") for w in allowed} | {_WORD_ALIASES.get(w, w) for w in allowed}
    for word in _tail_words(text):
        if word in _MULTIPLIER_WORDS or word in _FREE_WORDS:
            continue
        if _WORD_ALIASES.get(word, word) in allowed or word.rstrip("s") in allowed:
            continue
        if unit_family(word):
            continue  # a size or a time: checked against the field's unit below
        return word
    return None


def parse_value(text: str, unit: str, option: str) -> float:
    """``text`` as people type it (``7B``, ``8k``, ``$2.50``, ``1,000,000``, ``40 GB``, ``10%``).

    ``unit`` is the field's unit: a size converts to GB in a GB field, a time converts in an
    h or ms field, a % sign divides by 100 where the field takes a fraction, and a size, time
    or % where the field counts something else is refused. ``option`` names the field in errors.
    """

    try:
        return float(text)
    except ValueError:
        pass
    percent = text.endswith("%")
    if percent:
        if not any(word in unit for word in PERCENT_UNITS):
            raise UsageError(f"{option} takes {unit or 'a number'}, not a percentage ({text!r})")
        text = text[:-1].rstrip()
    unit_words = set(re.split(r"[^a-z]+", unit.lower()))
    try:
        value = parse_estimate(text)
    except UserError as exc:
        if "," in text:  # the drills' parser says how commas are read
            raise UsageError(f"{option}: {exc}") from None
        raise UsageError(f"{option} must be {NUMBER_HINT} (got {text!r})") from None
    stray = _stray_word(text, unit)
    if stray:
        raise UsageError(
            f"{option} must be {NUMBER_HINT} (got {text!r}; {stray!r} is not a multiplier or "
            f"a unit of {unit or 'it'})"
        )
    if unit.startswith("GB"):
        if _refused(text, "GB"):
            raise UsageError(f"{option} is in GB: {text!r} is not a size (e.g. 40 GB, 1.5 TB)")
        value = parse_estimate(text, "GB")
    elif _refused(text, "GB"):  # a time word such as h, min or days follows the number
        if unit in TIME_UNITS:
            # Scale by the time word alone, so the M of "1.5M hours" stays a million.
            word = next(w for w in _tail_words(text) if unit_family(w) == "minutes")
            value *= parse_estimate(f"1 {word}", "minutes") / TIME_UNITS[unit]
        elif not unit_words & _TIME_WORDS:
            raise UsageError(f"{option} takes {unit or 'a number'}, not a time ({text!r})")
    elif _refused(text, "minutes") and "gb" not in unit_words:  # a size such as GB or TB
        raise UsageError(f"{option} takes {unit or 'a number'}, not a size ({text!r})")
    if percent:
        value /= 100
    return float(f"{value:.12g}")  # 99.9% is 0.999, not 0.9990000000000001


def _parse_float(f: Field, raw: Any) -> float:
    if isinstance(raw, bool):
        raise UsageError(f"{f.option} must be a number (got {raw!r})")
    if isinstance(raw, str):
        value = parse_value(raw.strip(), f.unit, f.option)
    else:
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise UsageError(f"{f.option} must be {NUMBER_HINT} (got {raw!r})") from None
    if not math.isfinite(value):
        raise UsageError(f"{f.option} must be a finite number (got {raw!r})")
    return value


def _split_numbers(text: str) -> list[str]:
    """A list typed as ``1, 2, 3``, one per line, or ``30 20 10``; ``99.9 %`` and ``40 GB`` stay
    whole (a word or % sign belongs to the number before it). Commas separate, so no 1,000 here."""
    items: list[str] = []
    for part in re.split(r"[,;\n]", text):
        for token in part.split():
            if items and (token[0].isalpha() or token[0] == "%"):
                items[-1] += f" {token}" if token[0] != "%" else token
            else:
                items.append(token)
    return items


def _split(raw: Any, *, words: bool = False) -> list[Any]:
    if isinstance(raw, str):
        if not words:
            return _split_numbers(raw)
        return [p.strip() for p in raw.replace("\n", ",").split(",") if p.strip()]
    if isinstance(raw, Sequence):
        out: list[Any] = []
        for item in raw:
            out.extend(_split(item, words=words) if isinstance(item, str) else [item])
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
        return [str(item) for item in _split(raw, words=True)]
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


JSON_DIGITS = 6  # significant figures kept in --json: more than any input carries, no float noise
TEXT_DIGITS = 3  # significant figures of a derived figure in steps and results


def tidy(value: Any) -> Any:
    """An output rounded for JSON: 6 significant figures (``43.7999999999952`` -> ``43.8``).

    A fraction just below 1 (an availability above 0.99) keeps 6 significant figures of its gap
    to 1, so 0.9999999 stays 0.9999999.
    """
    if isinstance(value, bool) or not isinstance(value, float):
        return value
    if not math.isfinite(value) or value == 0:
        return value
    if 0.99 < value < 1:
        gap = Decimal(f"{1 - value:.{JSON_DIGITS}g}")
        return float(Decimal(1) - gap)
    return float(f"{value:.{JSON_DIGITS}g}")


def fmt(value: float) -> str:
    """An input as given, to 6 significant figures: ``14``, ``17.1799``, ``8.4e22``, ``58,979.2``."""
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


def figure(value: float, digits: int = TEXT_DIGITS) -> str:
    """A derived figure as said out loud: 3 significant figures, thousands separated.

    ``17.1799`` -> ``17.2``, ``1.46e8`` -> ``146,000,000``, ``58,979.2`` -> ``59,000``; whole
    numbers below a million are exact (``131,072``, ``$17,520``), and from 1e12 up the figure
    is scientific (``8.4e22``).
    """
    if isinstance(value, bool):
        return "yes" if value else "no"
    x = float(value)
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 1e12 or abs(x) < 1e-4:
        mantissa, _, exponent = f"{x:.{digits - 1}e}".partition("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    if x.is_integer() and abs(x) < 1e6:
        return f"{int(x):,}"
    rounded = round(x, digits - 1 - math.floor(math.log10(abs(x))))
    if abs(rounded) >= 1000:
        return f"{rounded:,.0f}"
    return f"{rounded:.{digits}g}"


def near_whole(value: float, whole: float = 1.0, digits: int = TEXT_DIGITS) -> str:
    """A value just below ``whole`` (0.9995, 99.95%): ``digits`` significant figures of the gap."""
    gap = whole - value
    if not math.isfinite(value) or value <= 0 or gap <= 0 or gap >= whole / 2:
        return figure(value, digits)
    decimals = digits - 1 - math.floor(math.log10(gap))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def show(value: Any, style: OutputStyle = "figure") -> str:
    """An output value as text: figures to 3 significant digits, yes/no, — for none."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if style == "availability":
            return near_whole(value, 1.0)
        if style == "percent":
            return near_whole(value, 100.0)
        return figure(value)
    if isinstance(value, list | tuple):
        return ", ".join(show(v, style) for v in value)
    return str(value)


def plural(count: float, word: str, many: str | None = None) -> str:
    """``1 GPU``, ``4 GPUs``, ``0.5 GPUs``: the count (as given) and the word that fits it."""
    return f"{fmt(count)} {word if count == 1 else many or word + 's'}"


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
