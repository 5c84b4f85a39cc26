"""availability: series and parallel composition, downtime budgets, MTBF/MTTR, errors, properties."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archprep.calculators import AvailabilityInput, availability
from archprep.calculators.reliability import parallel_availability, series_availability
from archprep.errors import UserError


def test_series_of_two_three_nines() -> None:
    r = availability(AvailabilityInput(series=[0.999, 0.999]))
    assert r.outputs["series_availability"] == pytest.approx(0.998001)


def test_parallel_of_two_99s_accepting_percentages() -> None:
    r = availability(AvailabilityInput(parallel=[99, 99]))
    assert r.outputs["parallel_availability"] == pytest.approx(0.9999)


def test_series_with_a_redundant_group() -> None:
    r = availability(AvailabilityInput(series=[99.9, 99.9], parallel=[99, 99]))
    assert r.outputs["combined_availability"] == pytest.approx(0.998001 * 0.9999)


def test_three_nines_downtime() -> None:
    r = availability(AvailabilityInput(target=99.9))
    assert r.outputs["downtime_min_per_year"] == pytest.approx(525.6)
    assert r.outputs["downtime_h_per_year"] == pytest.approx(8.76)
    assert r.outputs["downtime_min_per_month"] == pytest.approx(43.8)  # 730-hour month
    assert r.outputs["downtime_min_per_week"] == pytest.approx(10.08)
    assert r.outputs["downtime_s_per_day"] == pytest.approx(86.4)
    assert r.outputs["nines"] == pytest.approx(3)
    assert any("730 h" in n for n in r.notes)


def test_nines_option_matches_target() -> None:
    by_nines = availability(AvailabilityInput(nines=4))
    assert by_nines.outputs["availability"] == pytest.approx(0.9999)
    assert by_nines.outputs["downtime_min_per_year"] == pytest.approx(52.56)


def test_mtbf_mttr() -> None:
    r = availability(AvailabilityInput(mtbf_hours=999, mttr_hours=1))
    assert r.outputs["mtbf_availability"] == pytest.approx(0.999)


def test_perfect_availability_has_no_finite_nines() -> None:
    r = availability(AvailabilityInput(parallel=[1.0, 0.9]))
    assert r.outputs["nines"] is None
    assert r.outputs["downtime_min_per_year"] == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "nothing to compute"),
        ({"series": [99.9, 100.5]}, "--series"),
        ({"parallel": [0]}, "--parallel"),
        ({"series": [-1]}, "--series"),
        ({"target": 101}, "--target"),
        ({"target": 99.9, "nines": 3}, "--nines"),
        ({"nines": 0}, "--nines"),
        ({"mtbf_hours": 100}, "--mttr-hours"),
        ({"mtbf_hours": 0, "mttr_hours": 1}, "--mtbf-hours"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field):
        availability(AvailabilityInput(**kwargs))  # type: ignore[arg-type]


parts = st.lists(st.floats(0.5, 1.0), min_size=1, max_size=8)


@settings(max_examples=100, deadline=None)
@given(parts)
def test_series_is_at_most_the_weakest_component(values: list[float]) -> None:
    assert series_availability(values) <= min(values) + 1e-12


@settings(max_examples=100, deadline=None)
@given(parts)
def test_parallel_is_at_least_the_strongest_component(values: list[float]) -> None:
    assert parallel_availability(values) >= max(values) - 1e-12
