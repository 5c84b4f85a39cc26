"""drift: PSI, KL and JS on hand-made histograms, quantile binning, smoothing, CSV, properties."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archprep.calculators import DriftInput, drift, read_csv_column
from archprep.calculators.drift import (
    kolmogorov_q,
    ks_two_sample,
    psi_level,
    quantile_histograms,
)
from archprep.errors import UserError


def test_psi_on_a_hand_made_histogram() -> None:
    # e = .1 .2 .3 .4, a = .4 .3 .2 .1:
    # PSI = .3 ln 4 + .1 ln 1.5 + (−.1) ln(2/3) + (−.3) ln(1/4) = .6 ln 4 + .2 ln 1.5 = 0.91287
    r = drift(DriftInput(expected_counts=[10, 20, 30, 40], actual_counts=[40, 30, 20, 10]))
    assert r.outputs["psi"] == pytest.approx(0.6 * math.log(4) + 0.2 * math.log(1.5))
    assert r.outputs["psi"] == pytest.approx(0.91287, abs=1e-5)
    assert r.outputs["psi_level"] == "significant"


def test_small_shift_is_below_0_1() -> None:
    # e = .5 .5, a = .55 .45: PSI = .05 ln 1.1 − .05 ln .9 = 0.01003
    r = drift(DriftInput(expected_counts=[50, 50], actual_counts=[55, 45]))
    assert r.outputs["psi"] == pytest.approx(0.05 * math.log(1.1) - 0.05 * math.log(0.9), rel=1e-5)
    assert r.outputs["psi_level"] == "none"


def test_psi_levels() -> None:
    assert psi_level(0.05)[0] == "none"
    assert psi_level(0.1)[0] == "moderate"
    assert psi_level(0.25)[0] == "moderate"
    assert psi_level(0.3)[0] == "significant"


def test_kl_both_ways_on_a_simple_distribution() -> None:
    # P = (.5, .5), Q = (.9, .1): KL(P‖Q) = .5 ln(.5/.9) + .5 ln(.5/.1) = 0.5108
    r = drift(DriftInput(expected_counts=[90, 10], actual_counts=[50, 50]))
    kl_pq = 0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1)
    kl_qp = 0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5)
    assert r.outputs["kl_actual_expected_nats"] == pytest.approx(kl_pq)
    assert r.outputs["kl_expected_actual_nats"] == pytest.approx(kl_qp)


def test_js_of_disjoint_distributions_is_ln_2_or_one_bit() -> None:
    r = drift(DriftInput(expected_counts=[10, 0], actual_counts=[0, 10]))
    assert r.outputs["js_divergence_nats"] == pytest.approx(math.log(2))
    assert r.outputs["js_divergence_bits"] == pytest.approx(1.0)
    assert math.isfinite(r.outputs["psi"])  # empty bins are smoothed with epsilon


def test_js_of_a_simple_pair() -> None:
    # P = (1, 0), Q = (.5, .5): M = (.75, .25); JS = ½·ln(1/.75) + ½·(.5 ln(.5/.75) + .5 ln(.5/.25))
    r = drift(DriftInput(expected_counts=[5, 5], actual_counts=[10, 0]))
    expected = 0.5 * math.log(1 / 0.75) + 0.5 * (
        0.5 * math.log(0.5 / 0.75) + 0.5 * math.log(0.5 / 0.25)
    )
    assert r.outputs["js_divergence_nats"] == pytest.approx(expected, rel=1e-5)


def test_quantile_bins_come_from_the_expected_sample() -> None:
    hist = quantile_histograms([float(i) for i in range(1000)], [-5.0, 2000.0], bins=10)
    assert list(hist.expected) == [100] * 10
    assert hist.actual[0] == 1 and hist.actual[-1] == 1  # the end bins are open-ended


def test_repeated_values_merge_bins() -> None:
    r = drift(DriftInput(expected=[1.0] * 50 + [2.0] * 50, actual=[1.0] * 30 + [2.0] * 70))
    assert r.outputs["bins_used"] == 2
    assert any("merged" in s for s in r.steps)


def test_identical_samples_have_zero_drift() -> None:
    sample = [float(i % 37) for i in range(500)]
    r = drift(DriftInput(expected=sample, actual=list(sample)))
    assert r.outputs["psi"] == 0
    assert r.outputs["js_divergence_nats"] == 0


def test_read_csv_column(tmp_path: Path) -> None:
    path = tmp_path / "scores.csv"
    path.write_text("id,score\n1,0.5\n2,\n3,1.5\n", encoding="utf-8")
    assert read_csv_column(path, "score") == [0.5, 1.5]
    with pytest.raises(UserError, match="no column 'x'"):
        read_csv_column(path, "x")
    path.write_text("id,score\n1,0.5\n2,abc\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"scores.csv:3: score"):
        read_csv_column(path, "score")
    with pytest.raises(UserError, match="no such file"):
        read_csv_column(tmp_path / "missing.csv", "score")
    path.write_bytes("score\n0.5\n".encode("utf-16"))
    with pytest.raises(UserError, match="scores.csv: not UTF-8 text; save the CSV as UTF-8"):
        read_csv_column(path, "score")


def test_counts_too_large_to_add_up_are_refused() -> None:
    with pytest.raises(UserError, match="more than a float can hold"):
        drift(DriftInput(expected_counts=[1e308, 1e308], actual_counts=[1, 1]))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "--expected"),
        ({"expected": [1.0, 2.0]}, "--actual"),
        ({"expected": [1.0], "actual": [1.0], "bins": 1}, "--bins"),
        ({"expected": [1.0], "actual": [1.0], "bins": 1000}, "--bins"),
        ({"expected": [1.0], "actual": [math.nan]}, "--actual"),
        ({"expected_counts": [1, 2], "actual_counts": [1]}, "--expected-counts"),
        ({"expected_counts": [0, 0], "actual_counts": [1, 1]}, "--expected-counts"),
        ({"expected_counts": [1, -2], "actual_counts": [1, 1]}, "--expected-counts"),
        ({"expected_counts": [1, 2], "actual_counts": [1, 2], "expected": [1.0]}, "not both"),
        ({"expected": [1.0], "actual": [1.0], "epsilon": 0}, "--epsilon"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(UserError, match=field):
        drift(DriftInput(**kwargs))  # type: ignore[arg-type]


def test_ks_statistic_and_asymptotic_p_value() -> None:
    # Q(λ) = 2 Σ (−1)^(j−1) e^(−2j²λ²): the 5% critical value of the Kolmogorov law is 1.358.
    assert kolmogorov_q(1.358) == pytest.approx(0.05, abs=5e-4)
    assert kolmogorov_q(1.0) == pytest.approx(0.27, abs=1e-3)
    assert kolmogorov_q(0.1) == 1.0
    assert ks_two_sample([1, 2, 3], [1, 2, 3]) == (0.0, 1.0)
    # 0..99 against 50..149: the CDFs are 0.5 apart from 49 to 99.
    d, p = ks_two_sample(list(range(100)), list(range(50, 150)))
    assert d == 0.5
    lam = (math.sqrt(50) + 0.12 + 0.11 / math.sqrt(50)) * 0.5
    assert p == pytest.approx(2 * math.exp(-2 * lam * lam), rel=1e-6)


def test_samples_give_ks_and_histograms_do_not() -> None:
    r = drift(DriftInput(expected=list(range(100)), actual=[x + 50.0 for x in range(100)]))
    assert r.outputs["ks_statistic"] == 0.5 and r.outputs["ks_p_value"] < 1e-10
    assert any(s.startswith("KS: D = max |F_expected(x) − F_actual(x)|") for s in r.steps)
    h = drift(DriftInput(expected_counts=[1, 2], actual_counts=[2, 1]))
    assert "ks_statistic" not in h.outputs
    assert any("KS needs the raw samples" in n for n in h.notes)


def test_small_samples_are_flagged() -> None:
    # 4 values gave "PSI 4.46 → significant; act" with no word of caution.
    r = drift(DriftInput(expected=[1, 2, 3, 4], actual=[5, 6, 7, 8]))
    assert r.warnings[0].startswith("Only 4 values in the smaller sample for 4 bins")
    assert "KS p-value is asymptotic" in r.warnings[1]
    assert str(r.outputs["interpretation"]).endswith("so this is a rough sign.")
    big = drift(DriftInput(expected=[float(i) for i in range(1000)], actual=[1.0] * 1000))
    assert not big.warnings and "rough" not in str(big.outputs["interpretation"])
    counts = drift(DriftInput(expected_counts=[1, 2], actual_counts=[2, 1]))
    assert not counts.warnings  # counts may be proportions: their size says nothing


counts = st.lists(st.integers(0, 1000), min_size=2, max_size=12)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_psi_is_non_negative_and_zero_for_identical_histograms(data: st.DataObject) -> None:
    e = data.draw(counts.filter(lambda c: sum(c) > 0))
    a = data.draw(st.lists(st.integers(0, 1000), min_size=len(e), max_size=len(e)))
    if sum(a) == 0:
        a[0] = 1
    assert drift(DriftInput(expected_counts=e, actual_counts=a)).outputs["psi"] >= 0
    assert drift(DriftInput(expected_counts=e, actual_counts=list(e))).outputs["psi"] == 0


@settings(max_examples=100, deadline=None)
@given(
    expected=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200),
    actual=st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=200),
)
def test_psi_is_non_negative_on_samples(expected: list[float], actual: list[float]) -> None:
    assert drift(DriftInput(expected=expected, actual=actual)).outputs["psi"] >= 0
    assert drift(DriftInput(expected=expected, actual=list(expected))).outputs["psi"] == 0


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_js_is_symmetric_and_at_most_ln_2(data: st.DataObject) -> None:
    p = data.draw(counts.filter(lambda c: sum(c) > 0))
    q = data.draw(
        st.lists(st.integers(0, 1000), min_size=len(p), max_size=len(p)).filter(
            lambda c: sum(c) > 0
        )
    )
    pq = drift(DriftInput(expected_counts=p, actual_counts=q)).outputs["js_divergence_nats"]
    qp = drift(DriftInput(expected_counts=q, actual_counts=p)).outputs["js_divergence_nats"]
    assert pq == pytest.approx(qp, abs=1e-12)
    assert 0 <= pq <= math.log(2) + 1e-12


def test_the_first_step_counts_values_in_good_grammar() -> None:
    one = drift(DriftInput(expected=[1.0, 2.0, 3.0], actual=[2.0]))
    assert one.steps[0].endswith("; expected 3 values, actual 1 value")
    hist = drift(DriftInput(expected_counts=[1, 2, 3], actual_counts=[2, 3, 4]))
    assert hist.steps[0] == "Bins: 3 given bins; the counts add up to 6 expected and 9 actual"
