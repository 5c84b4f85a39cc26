"""Distribution drift between a reference and a current sample: PSI, KL, Jensen-Shannon and KS."""

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
    Output,
    check_range,
    figure,
    fmt,
    input_dict,
    integer,
    number,
    numbers,
    plural,
)
from archprep.errors import UsageError, UserError

Vector = npt.NDArray[np.float64]
MAX_VALUES = 5_000_000
SHOWN_BINS = 20
PER_BIN_FEW = 100  # values per bin below which PSI swings with sampling noise


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


def ks_two_sample(expected: list[float], actual: list[float]) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov: D = max |F_e(x) − F_a(x)|, and its asymptotic p-value.

    p = Q(λ) = 2 Σ_{j≥1} (−1)^(j−1) e^(−2 j² λ²), λ = (√n_e + 0.12 + 0.11 / √n_e) × D with
    n_e = n·m / (n + m) (Stephens' correction, as in Numerical Recipes): good once n_e ≥ 4.
    """
    e = np.sort(np.asarray(expected, dtype=np.float64))
    a = np.sort(np.asarray(actual, dtype=np.float64))
    pooled = np.concatenate([e, a])
    cdf_e = np.searchsorted(e, pooled, side="right") / len(e)
    cdf_a = np.searchsorted(a, pooled, side="right") / len(a)
    d = float(np.max(np.abs(cdf_e - cdf_a)))
    n_eff = len(e) * len(a) / (len(e) + len(a))
    root = math.sqrt(n_eff)
    lam = (root + 0.12 + 0.11 / root) * d
    return d, kolmogorov_q(lam)


def kolmogorov_q(lam: float) -> float:
    """P(K > λ) for the Kolmogorov distribution: 2 Σ (−1)^(j−1) e^(−2 j² λ²), clipped to [0, 1]."""
    if lam < 0.2:  # the series converges slowly here, and the sum is 1 to many decimals
        return 1.0
    total = sum((1.0 if j % 2 else -1.0) * math.exp(-2 * j * j * lam * lam) for j in range(1, 101))
    return min(1.0, max(0.0, 2 * total))


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
            raise UsageError(f"--{name.replace('_', '-')} counts must be 0 or more (got {fmt(v)})")


def _histograms(inp: DriftInput) -> tuple[Histograms, str]:
    for name in ("expected", "actual", "expected_counts", "actual_counts"):
        _check_values(name, getattr(inp, name), counts=name.endswith("counts"))
    if inp.expected_counts or inp.actual_counts:
        if inp.expected or inp.actual:
            raise UsageError(
                "give samples (--expected and --actual) or counts per bin (--expected-counts "
                "and --actual-counts), not both"
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
        raise UsageError("--expected is empty: give the reference sample (values or a CSV column)")
    if not inp.actual:
        raise UsageError("--actual is empty: give the current sample (values or a CSV column)")
    check_range("bins", inp.bins, low=2, high=100, low_open=False, hint="10 is usual")
    hist = quantile_histograms(inp.expected, inp.actual, inp.bins)
    how = f"{len(hist.labels)} quantile bins of the expected sample"
    if len(hist.labels) < inp.bins:
        how += f" (asked for {inp.bins}; repeated values merged some edges)"
    return hist, how


def _small_sample(inp: DriftInput, bins: int) -> str | None:
    """A warning when the samples are too small for the bins to give a stable PSI."""
    if inp.expected_counts or inp.actual_counts:
        return None  # counts may be proportions, so their size says nothing
    smaller = min(len(inp.expected), len(inp.actual))
    if smaller >= PER_BIN_FEW * bins:
        return None
    return (
        f"Only {plural(smaller, 'value')} in the smaller sample for {plural(bins, 'bin')} "
        f"(about {figure(smaller / bins)} a bin): PSI, KL and JS swing with sampling noise "
        f"below ~{PER_BIN_FEW} a bin, so treat the level as a rough sign; use fewer bins or "
        "more data."
    )


def drift(inp: DriftInput) -> CalcResult:
    """PSI, KL both ways and JS between the expected (reference) and actual (current) data;
    the two-sample KS statistic too when samples are given."""
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
    n_e, n_a = float(hist.expected.sum()), float(hist.actual.sum())
    if inp.expected_counts:
        sizes = f"the counts add up to {figure(n_e)} expected and {figure(n_a)} actual"
    else:
        sizes = f"expected {plural(n_e, 'value')}, actual {plural(n_a, 'value')}"
    steps = [
        f"Bins: {how}; {sizes}",
        f"Proportions floored at ε = {fmt(inp.epsilon)} and re-normalised (empty bins would "
        "make ln(a/e) infinite)",
    ]
    order = list(range(len(terms)))
    if len(order) > SHOWN_BINS:
        order = sorted(order, key=lambda i: -terms[i])[:10]
        steps.append(f"The 10 bins contributing most to PSI (of {len(terms)}):")
    for i in order:
        steps.append(
            f"{hist.labels[i]}: expected {figure(100 * float(e[i]))}%, actual "
            f"{figure(100 * float(a[i]))}%, (a − e) ln(a/e) = {figure(float(terms[i]))}"
        )
    steps += [
        f"PSI = Σ (a − e) ln(a/e) = {figure(value)} → {level}",
        f"KL(actual‖expected) = Σ a ln(a/e) = {figure(kl_ae)} nats; "
        f"KL(expected‖actual) = {figure(kl_ea)} nats",
        f"JS = ½ KL(a‖m) + ½ KL(e‖m), m = (a + e)/2 = {figure(js_nats)} nats "
        f"= {figure(js_nats / math.log(2))} bits (0–1 scale; ln 2 = 0.693 nats is the maximum)",
    ]
    outputs: dict[str, object] = {
        "psi": value,
        "psi_level": level,
        "interpretation": meaning,
        "kl_actual_expected_nats": kl_ae,
        "kl_expected_actual_nats": kl_ea,
        "js_divergence_nats": js_nats,
        "js_divergence_bits": js_nats / math.log(2),
        "js_distance": math.sqrt(js_nats / math.log(2)),
        "bins_used": len(hist.labels),
    }
    notes = [
        f"PSI and KL use proportions floored at ε = {fmt(inp.epsilon)} and re-normalised; JS "
        "uses the raw proportions (it is finite with empty bins).",
    ]
    warnings: list[str] = []
    if inp.expected:
        d, p_value = ks_two_sample(inp.expected, inp.actual)
        n_eff = len(inp.expected) * len(inp.actual) / (len(inp.expected) + len(inp.actual))
        steps.append(
            f"KS: D = max |F_expected(x) − F_actual(x)| over the raw values = {figure(d)}; "
            f"p ≈ {figure(p_value)} (asymptotic, n_e = n·m/(n + m) = {figure(n_eff)})"
        )
        outputs["ks_statistic"] = d
        outputs["ks_p_value"] = p_value
        if n_eff < 4:
            warnings.append(
                f"The KS p-value is asymptotic and needs n·m/(n + m) ≥ 4 (here {figure(n_eff)}): "
                "with samples this small it is not reliable."
            )
        notes.append(
            "KS compares the raw samples, without bins. With large samples its p-value is tiny "
            "even for shifts too small to matter: read D as the size of the shift."
        )
        notes.append(
            "With samples, the bins come from the expected sample, so swapping the two samples "
            "changes the bins as well as the direction."
        )
    else:
        notes.append("KS needs the raw samples, so it is not worked out from counts per bin.")
    small = _small_sample(inp, len(hist.labels))
    if small:
        warnings.insert(0, small)
        outputs["interpretation"] = f"{meaning} The samples are small, so this is a rough sign."
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
            "sample's quantiles; KS D = max |F_e(x) − F_a(x)| over the raw samples"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "PSI < 0.1: no significant shift; 0.1–0.25: moderate, investigate; > 0.25: "
            "significant, act. KL is asymmetric and blows up on empty bins; JS is symmetric "
            "and bounded (≤ ln 2 nats, ≤ 1 bit). KS needs no bins, but its p-value flags tiny "
            "shifts in big samples. Use 10 quantile bins of the reference, enough samples per "
            "bin (hundreds+), and alert on sustained drift, not one window."
        ),
        notes=notes,
        warnings=warnings,
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
    title="Distribution drift (PSI, KL, JS, KS)",
    description="PSI, KL, Jensen-Shannon and KS between a reference and a current sample or histogram.",
    input_type=DriftInput,
    compute=drift,
    outputs={
        "psi": Output("PSI"),
        "psi_level": Output("PSI level"),
        "interpretation": Output("What it means"),
        "kl_actual_expected_nats": Output("KL(actual‖expected)", "nats"),
        "kl_expected_actual_nats": Output("KL(expected‖actual)", "nats"),
        "js_divergence_nats": Output("Jensen-Shannon divergence", "nats"),
        "js_divergence_bits": Output("Jensen-Shannon divergence", "bits"),
        "js_distance": Output("Jensen-Shannon distance"),
        "bins_used": Output("Bins used", "bins"),
        "ks_statistic": Output("KS statistic D"),
        "ks_p_value": Output("KS p-value"),
    },
    fields=(
        numbers("expected", "Expected (reference) sample", "values", "e.g. training data."),
        numbers("actual", "Actual (current) sample", "values", "e.g. last week's traffic."),
        numbers("expected_counts", "Expected counts per bin", "counts", "Instead of samples."),
        numbers("actual_counts", "Actual counts per bin", "counts", "Same bins as expected."),
        integer("bins", "Quantile bins", "bins", 10, "Bins from the expected sample."),
        number("epsilon", "Empty-bin floor", "proportion", 1e-4, "Smoothing for PSI and KL."),
    ),
)
