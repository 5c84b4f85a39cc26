"""Availability: components in series and in parallel, downtime budgets, and MTBF/MTTR."""

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
    near_whole,
    number,
    numbers,
)
from archprep.errors import UsageError

HOURS = {"year": 8760.0, "month": 730.0, "week": 168.0, "day": 24.0}  # month = 8760 / 12


@dataclass(frozen=True)
class AvailabilityInput:
    series: list[float] = field(default_factory=list)
    parallel: list[float] = field(default_factory=list)
    target: float | None = None
    nines: float | None = None
    mtbf_hours: float | None = None
    mttr_hours: float | None = None


def as_fraction(name: str, value: float) -> float:
    """0.999 and 99.9 both mean 99.9%: values up to 1 are fractions, above 1 percentages."""
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"--{name} must be above 0 (got {value}); e.g. 99.9 or 0.999")
    if value > 100:
        raise UsageError(f"--{name} cannot exceed 100% (got {fmt(value)}); e.g. 99.9 or 0.999")
    return value if value <= 1 else value / 100


def series_availability(parts: list[float]) -> float:
    """All must be up: the product."""
    return math.prod(parts)


def parallel_availability(parts: list[float]) -> float:
    """Any one up is enough (independent failures): 1 − Π(1 − a)."""
    return 1 - math.prod(1 - a for a in parts)


def _pct(a: float) -> str:
    return f"{near_whole(a * 100, 100.0)}%"


def _headline(inp: AvailabilityInput, combined: float | None, steps: list[str]) -> float | None:
    if inp.target is not None and inp.nines is not None:
        raise UsageError("give --target or --nines, not both")
    if inp.target is not None:
        return as_fraction("target", inp.target)
    if inp.nines is not None:
        check_range("nines", inp.nines, low=0, high=12, hint="e.g. 3 for 99.9%")
        a = 1 - 10**-inp.nines
        steps.append(f"{fmt(inp.nines)} nines = 1 − 10^−{fmt(inp.nines)} = {_pct(a)}")
        return a
    return combined


def availability(inp: AvailabilityInput) -> CalcResult:
    """Series/parallel composition, MTBF/(MTBF+MTTR), and the downtime a given availability allows."""
    series = [as_fraction("series", v) for v in inp.series]
    parallel = [as_fraction("parallel", v) for v in inp.parallel]
    steps: list[str] = []
    outputs: dict[str, object] = {}
    notes: list[str] = []
    combined: float | None = None
    s = series_availability(series)
    if series:
        steps.append(f"Series = {' × '.join(fmt(a) for a in series)} = {near_whole(s)} = {_pct(s)}")
        outputs["series_availability"] = s
        combined = s
    if parallel:
        p = parallel_availability(parallel)
        factors = " × ".join(f"(1 − {fmt(a)})" for a in parallel)
        steps.append(f"Parallel = 1 − {factors} = {near_whole(p)} = {_pct(p)}")
        outputs["parallel_availability"] = p
        notes.append("Parallel assumes independent failures; shared dependencies break that.")
        combined = p if combined is None else combined * p
        if series:
            steps.append(
                f"Combined (the parallel group as one more component in series) = "
                f"{near_whole(s)} × {near_whole(p)} = {near_whole(combined)} = {_pct(combined)}"
            )
            outputs["combined_availability"] = combined
    if inp.mtbf_hours is not None or inp.mttr_hours is not None:
        if inp.mtbf_hours is None or inp.mttr_hours is None:
            raise UsageError("--mtbf-hours and --mttr-hours go together")
        check_range("mtbf_hours", inp.mtbf_hours, low=0, high=1e7, hint="hours between failures")
        check_range("mttr_hours", inp.mttr_hours, low=0, high=1e6, hint="hours to recover")
        m = inp.mtbf_hours / (inp.mtbf_hours + inp.mttr_hours)
        steps.append(
            f"MTBF / (MTBF + MTTR) = {fmt(inp.mtbf_hours)} / ({fmt(inp.mtbf_hours)} + "
            f"{fmt(inp.mttr_hours)}) = {near_whole(m)} = {_pct(m)}"
        )
        outputs["mtbf_availability"] = m
        combined = m if combined is None else combined
    a = _headline(inp, combined, steps)
    if a is None:
        raise UsageError(
            "nothing to compute: give --target 99.9, --nines 3, --series/--parallel values, "
            "or --mtbf-hours with --mttr-hours"
        )
    down = 1 - a
    outputs["availability"] = a
    outputs["availability_pct"] = a * 100
    outputs["nines"] = round(-math.log10(down), 6) if down > 0 else None  # 3, not 3.00000000000005
    outputs["downtime_h_per_year"] = down * HOURS["year"]
    outputs["downtime_min_per_year"] = down * HOURS["year"] * 60
    outputs["downtime_min_per_month"] = down * HOURS["month"] * 60
    outputs["downtime_min_per_week"] = down * HOURS["week"] * 60
    outputs["downtime_s_per_day"] = down * HOURS["day"] * 3600
    steps.append(
        f"Downtime at {_pct(a)}: {figure(down)} × 8,760 h = {figure(down * 8760)} h/year "
        f"= {figure(down * 8760 * 60)} min/year"
    )
    steps.append(
        f"Per month (730 h) {figure(down * 730 * 60)} min, per week (168 h) "
        f"{figure(down * 168 * 60)} min, per day {figure(down * 86400)} s"
    )
    notes.append("A year is 8,760 h (365 days); a month is 730 h (8,760 / 12).")
    return CalcResult(
        name="availability",
        title=AVAILABILITY.title,
        inputs={**input_dict(inp), "series": series, "parallel": parallel},
        formula=(
            "series = Π aᵢ; parallel = 1 − Π (1 − aᵢ); availability = MTBF / (MTBF + MTTR); "
            "downtime = (1 − a) × period (year 8,760 h, month 730 h, week 168 h, day 24 h)"
        ),
        steps=steps,
        outputs=outputs,
        rule_of_thumb=(
            "Each nine is 10× less downtime: 99% ≈ 3.65 days/year, 99.9% ≈ 8.76 h/year "
            "(43.8 min/month), 99.99% ≈ 52.6 min/year, 99.999% ≈ 5.3 min/year. Dependencies in "
            "series multiply, so a chain is worse than its weakest link; redundancy helps only "
            "when failures are independent; cutting MTTR (detection, rollback) is usually "
            "cheaper than raising MTBF."
        ),
        notes=notes,
    )


AVAILABILITY = Calculator(
    name="availability",
    title="Availability and downtime",
    description="Series and parallel availability, MTBF/MTTR, and downtime per year/month/week/day.",
    input_type=AvailabilityInput,
    compute=availability,
    outputs={
        "series_availability": Output("Series availability", "", "availability"),
        "parallel_availability": Output("Parallel availability", "", "availability"),
        "combined_availability": Output("Combined availability", "", "availability"),
        "mtbf_availability": Output("Availability from MTBF and MTTR", "", "availability"),
        "availability": Output("Availability", "", "availability"),
        "availability_pct": Output("Availability", "%", "percent"),
        "nines": Output("Nines"),
        "downtime_h_per_year": Output("Downtime per year", "h"),
        "downtime_min_per_year": Output("Downtime per year", "min"),
        "downtime_min_per_month": Output("Downtime per month", "min"),
        "downtime_min_per_week": Output("Downtime per week", "min"),
        "downtime_s_per_day": Output("Downtime per day", "s"),
    },
    fields=(
        numbers("series", "Components in series", "% or fraction", "All must be up: 99.9, 99.95."),
        numbers("parallel", "Redundant components", "% or fraction", "Any one up: 99, 99."),
        number("target", "Availability", "% or fraction", None, "Downtime for this: 99.9%."),
        number("nines", "Number of nines", "nines", None, "3 = 99.9%."),
        number("mtbf_hours", "MTBF", "hours", None, "Mean time between failures."),
        number("mttr_hours", "MTTR", "hours", None, "Mean time to recover."),
    ),
)
