"""Distribution drift between a reference and a current sample: PSI, KL and Jensen-Shannon."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from archprep.calculators.base import (
    CalcResult,
    Calculator,
    check_range,
    fmt,
    input_dict,
    integer,
    number,
    numbers,
)
from archprep.errors import UsageError, UserError

Vector = npt.NDArray[np.float64]
MAX_VALUES = 5_000_000
SHOWN_BINS = 20


@dataclass(frozen=True)
class DriftInput:
    expected: list[float] = field(default_factory=list)
    actual: list[float] = field(default_factory=list)
    expected_counts: list[float] = field(default_factory=list)
    actual_counts: list[float] = field(default_factory=list)
    bins: int = 10
    epsilon: float = 1e-4


@dataclass(frozen=True)
class Histograms:
    labels: list[str]
    expected: Vector  # counts per bin
    actual: Vector


def quantile_histograms(expected: list[float], actual: list[float], bins: int) -> Histograms:
    """Bins at the reference sample's quantiles, right-closed; the end bins are open-ended."""
    ref = np.asarray(expected, dtype=np.float64)
    cur = np.asarray(actual, dtype=np.float64)
    # Edges are reference values (inverted CDF), so discrete data gets no empty in-between bins;
    # an edge at the reference maximum would leave an empty top bin, so it is dropped.
    edges = np.unique(np.quantile(ref, np.arange(1, bins) / bins, method="inverted_cdf"))
    below_max = edges[edges < ref.max()]
    inner = below_max if len(below_max) else edges
    n = len(inner) + 1
    e_counts = np.bincount(np.searchsorted(inner, ref, side="left"), minlength=n)
    a_counts = np.bincount(np.searchsorted(inner, cur, side="left"), minlength=n)
    labels = [f"≤ {fmt(float(inner[0]))}"] if len(inner) else ["all"]
    labels += [f"({fmt(float(lo))}, {fmt(float(hi))}]" for lo, hi in pairwise(inner)]
    if len(inner):
        labels.append(f"> {fmt(float(inner[-1]))}")
    return Histograms(labels, e_counts.astype(np.float64), a_counts.astype(np.float64))


def smooth(proportions: Vector, epsilon: float) -> Vector:
    """Floor each bin at ``epsilon`` so ln(a/e) stays finite, then re-normalise to sum to 1."""
    floored = np.maximum(proportions, epsilon)
    out: Vector = floored / floored.sum()
    return out


def psi(actual: Vector, expected: Vector) -> float:
    """Σ (a − e) ln(a / e) over smoothed proportions; every term is ≥ 0."""
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def kl(p: Vector, q: Vector) -> float:
    """KL(P‖Q) = Σ p ln(p / q) in nats, with 0 · ln 0 = 0."""
    mask = p > 0
    return float(np.sum(p[mask] * np.log(p[mask] / q[mask])))


def js(p: Vector, q: Vector) -> float:
    """Jensen-Shannon divergence in nats: ½ KL(P‖M) + ½ KL(Q‖M), M = (P + Q) / 2; ≤ ln 2."""
    m = (p + q) / 2
    return min(math.log(2), max(0.0, 0.5 * kl(p, m) + 0.5 * kl(q, m)))


def psi_level(value: float) -> tuple[str, str]:
    if value < 0.1:
        return "none", "PSI < 0.1: no significant shift; keep monitoring."
    if value <= 0.25:
        return "moderate", "PSI 0.1–0.25: moderate shift; investigate the feature and its source."
    return "significant", "PSI > 0.25: significant shift; act: find the cause, consider retraining."


def _check_values(name: str, values: list[float], *, counts: bool) -> None:
    if len(values) > MAX_VALUES:
        raise UsageError(f"--{name.replace('_', '-')} has {len(values):,} values; the limit is 5M")
    for v in values:
        if not math.isfinite(v):
            raise UsageError(f"--{name.replace('_', '-')} contains {v}; give finite numbers")
        if counts and v < 0:
            raise UsageError(f"--{name.replace('_', '-')} counts must be ≥ 0 (got {fmt(v)})")


def _histograms(inp: DriftInput) -> tuple[Histograms, str]:
    for name in ("expected", "actual", "expected_counts", "actual_counts"):
        _check_values(name, getattr(inp, name), counts=name.endswith("counts"))
    if inp.expected_counts or inp.actual_counts:
        if inp.expected or inp.actual:
            raise UsageError(
                "give samples (--expected/--actual) or histograms (--*-counts), not both"
            )
        e, a = inp.expected_counts, inp.actual_counts
        if len(e) != len(a) or len(e) < 2:
            raise UsageError(
                f"--expected-counts and --actual-counts need the same number of bins, at least 2 "
                f"(got {len(e)} and {len(a)})"
            )
        if sum(e) <= 0 or sum(a) <= 0:  # each count is finite and ≥ 0 (checked above)
            raise UsageError("--expected-counts and --actual-counts must each have a count above 0")
        if not math.isfinite(sum(e)) or not math.isfinite(sum(a)):
            raise UsageError(
                "the counts add up to more than a float can hold; scale them down (only the "
                "proportions matter)"
            )
        labels = [f"bin {i + 1}" for i in range(len(e))]
        hist = Histograms(labels, np.asarray(e, np.float64), np.asarray(a, np.float64))
        return hist, f"{len(e)} given bins"
    if not inp.expected:
        raise UsageError("--expected is empty: give the reference sample (or --expected-csv)")
    if not inp.actual:
        raise UsageError("--actual is empty: give the current sample (or --actual-csv)")
    check_range("bins", inp.bins, low=2, high=100, low_open=False, hint="10 is usual")
    hist = quantile_histograms(inp.expected, inp.actual, inp.bins)
    how = f"{len(hist.labels)} quantile bins of the expected sample"
    if len(hist.labels) < inp.bins:
        how += f" (asked for {inp.bins}; repeated values merged some edges)"
    return hist, how


def drift(inp: DriftInput) -> CalcResult:
    """PSI, KL both ways and JS between the expected (reference) and actual (current) data."""
    check_range("epsilon", inp.epsilon, low=0, high=0.01, hint="1e-4 is usual")
    hist, how = _histograms(inp)
    e_raw = hist.expected / hist.expected.sum()
    a_raw = hist.actual / hist.actual.sum()
    e, a = smooth(e_raw, inp.epsilon), smooth(a_raw, inp.epsilon)
    terms = (a - e) * np.log(a / e)
    value = psi(a, e)
    kl_ae, kl_ea = kl(a, e), kl(e, a)
    js_nats = js(a_raw, e_raw)
    level, meaning = psi_level(value)
    steps = [
        f"Bins: {how}; {fmt(float(hist.expected.sum()))} expected and "
        f"{fmt(float(hist.actual.sum()))} actual values",
        f"Proportions floored at ε = {fmt(inp.epsilon)} and re-normalised (empty bins would "
        "make ln(a/e) infinite)",
    ]
    order = list(range(len(terms)))
    if len(order) > SHOWN_BINS:
        order = sorted(order, key=lambda i: -terms[i])[:10]
        steps.append(f"The 10 bins contributing most to PSI (of {len(terms)}):")
    for i in order:
        steps.append(
            f"{hist.labels[i]}: expected {fmt(100 * float(e[i]))}%, actual "
            f"{fmt(100 * float(a[i]))}%, (a − e) ln(a/e) = {fmt(float(terms[i]))}"
        )
    steps += [
        f"PSI = Σ (a − e) ln(a/e) = {fmt(value)} → {level}",
        f"KL(actual‖expected) = Σ a ln(a/e) = {fmt(kl_ae)} nats; "
        f"KL(expected‖actual) = {fmt(kl_ea)} nats",
        f"JS = ½ KL(a‖m) + ½ KL(e‖m), m = (a + e)/2 = {fmt(js_nats)} nats "
        f"= {fmt(js_nats / math.log(2))} bits (0–1 scale; ln 2 = 0.6931 nats is the maximum)",
    ]
    inputs = input_dict(inp)
    for name in ("expected", "actual"):
        if len(inputs[name]) > 100:
            inputs[name] = f"{len(inputs[name]):,} values"
    return CalcResult(
        name="drift",
        title=DRIFT.title,
        inputs=inputs,
        formula=(
            "PSI = Σ (a − e) ln(a/e); KL(P‖Q) = Σ p ln(p/q); JS = ½ KL(P‖M) + ½ KL(Q‖M) with "
            "M = (P + Q)/2; e, a = bin proportions of expected and actual, bins at the expected "
            "sample's quantiles"
        ),
        steps=steps,
        outputs={
            "psi": value,
            "psi_level": level,
            "interpretation": meaning,
            "kl_actual_expected_nats": kl_ae,
            "kl_expected_actual_nats": kl_ea,
            "js_divergence_nats": js_nats,
            "js_divergence_bits": js_nats / math.log(2),
            "js_distance": math.sqrt(js_nats / math.log(2)),
            "bins_used": len(hist.labels),
        },
        rule_of_thumb=(
            "PSI < 0.1: no significant shift; 0.1–0.25: moderate, investigate; > 0.25: "
            "significant, act. KL is asymmetric and blows up on empty bins; JS is symmetric "
            "and bounded (≤ ln 2 nats, ≤ 1 bit). Use 10 quantile bins of the reference, enough "
            "samples per bin (hundreds+), and alert on sustained drift, not one window."
        ),
        notes=[
            f"PSI and KL use proportions floored at ε = {fmt(inp.epsilon)} and re-normalised; JS "
            "uses the raw proportions (it is finite with empty bins).",
            "With samples, the bins come from the expected sample, so swapping the two samples "
            "changes the bins as well as the direction.",
        ],
    )


def read_csv_column(path: Path, column: str) -> list[float]:
    """Numbers from one column of a CSV with a header row; blank cells are skipped."""
    if not path.is_file():
        raise UserError(f"{path}: no such file; pass a CSV file with a header row")
    try:
        return _read_column(path, column)
    except UnicodeDecodeError:
        raise UserError(f"{path}: not UTF-8 text; save the CSV as UTF-8 and try again") from None
    except csv.Error as exc:
        raise UserError(f"{path}: not a readable CSV ({exc})") from None


def _read_column(path: Path, column: str) -> list[float]:
    values: list[float] = []
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or column not in reader.fieldnames:
            found = ", ".join(reader.fieldnames or []) or "no header"
            raise UserError(f"{path}: no column {column!r} (columns: {found}); pass --column")
        for line, row in enumerate(reader, start=2):
            cell = (row.get(column) or "").strip()
            if not cell:
                continue
            try:
                values.append(float(cell))
            except ValueError:
                raise UserError(f"{path}:{line}: {column} is {cell!r}, not a number") from None
            if len(values) > MAX_VALUES:
                raise UserError(f"{path}: more than 5M values in {column!r}; sample it first")
    if not values:
        raise UserError(f"{path}: column {column!r} has no numbers")
    return values


DRIFT = Calculator(
    name="drift",
    title="Distribution drift (PSI, KL, JS)",
    description="PSI, KL and Jensen-Shannon between a reference and a current sample or histogram.",
    input_type=DriftInput,
    compute=drift,
    fields=(
        numbers("expected", "Expected (reference) sample", "values", "e.g. training data."),
        numbers("actual", "Actual (current) sample", "values", "e.g. last week's traffic."),
        numbers("expected_counts", "Expected counts per bin", "counts", "Instead of samples."),
        numbers("actual_counts", "Actual counts per bin", "counts", "Same bins as expected."),
        integer("bins", "Quantile bins", "bins", 10, "Bins from the expected sample."),
        number("epsilon", "Empty-bin floor", "proportion", 1e-4, "Smoothing for PSI and KL."),
    ),
)
