"""Drills: realistic inputs for any seed, the calculator's answer, scoring by relative error."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.helpers import make_question

from archprep.bank.model import CATEGORIES
from archprep.calculators import CALCULATORS
from archprep.calculators.presets import GPUS, MODELS
from archprep.drills import (
    DRILL_DECK,
    SPECS,
    draw,
    drill_order,
    ensure_drills,
    fresh_seed,
    score_estimate,
    specs_for,
)
from archprep.errors import UserError
from archprep.estimates import parse_estimate
from archprep.scheduling import Grade
from archprep.store import Store
from archprep.store.questions import bank_version, sync_builtin
from archprep.store.schema import Deck, QuestionRow

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
SEEDS = st.integers(min_value=0, max_value=2**31 - 1)


def nines(percent: float) -> float:
    return -math.log10(1 - percent / 100)


def check_ranges(slug: str, i: dict[str, object]) -> None:
    """The realistic ranges each drill promises."""
    if "params" in i:
        assert 1e9 <= i["params"] <= 405e9  # type: ignore[operator]
    if "model" in i:
        assert i["model"] in MODELS
        assert 1e9 <= MODELS[str(i["model"])].params <= 405e9
    if "batch" in i:
        batch, seq = int(i["batch"]), int(i["seq_len"])  # type: ignore[call-overload]
        assert 1 <= batch <= 64 and 512 <= seq <= 131072
        assert batch * seq <= 1 << 20
    if "precision" in i:
        assert i["precision"] in ("fp32", "bf16", "fp16", "fp8", "int8", "int4")
    if "kv_precision" in i:
        assert i["kv_precision"] in ("fp16", "fp8")
    if "gpu" in i:
        assert i["gpu"] in GPUS
    if slug == "replicas":
        assert 10 <= i["rps"] <= 50_000  # type: ignore[operator]
        assert 50 <= i["latency_ms"] <= 2000  # type: ignore[operator]
        assert 1 <= i["concurrency_per_pod"] <= 256  # type: ignore[operator]
        assert 0.6 <= i["utilisation"] <= 0.8  # type: ignore[operator]
    if slug == "downtime":
        assert 2 - 1e-9 <= nines(float(i["target"])) <= 5 + 1e-9  # type: ignore[arg-type]
    if slug == "series-availability":
        series = i["series"]
        assert isinstance(series, list) and 2 <= len(series) <= 4
        assert all(2 - 1e-9 <= nines(a) <= 4 + 1e-9 for a in series)
    if slug in ("gpu-cost", "break-even"):
        assert 1 <= i["gpus"] <= 64 and 1 <= i["gpu_hourly"] <= 8  # type: ignore[operator]
    if "api_price_per_m" in i:
        assert 0.1 <= i["api_price_per_m"] <= 15  # type: ignore[operator]
    if slug == "psi":
        e, a = i["expected_counts"], i["actual_counts"]
        assert isinstance(e, list) and isinstance(a, list) and len(e) == len(a) == 4
        assert sum(e) == 100 and sum(a) == 100 and min(e) >= 1 and min(a) >= 1


@given(seed=SEEDS, slug=st.sampled_from(sorted(SPECS)))
@settings(max_examples=400, deadline=None)
def test_inputs_are_realistic_and_the_answer_is_the_calculators(seed: int, slug: str) -> None:
    drill = draw(SPECS[slug], seed)
    check_ranges(slug, drill.inputs)
    spec = drill.spec
    result = CALCULATORS[spec.calculator].run(drill.inputs)
    assert drill.expected == float(result.outputs[spec.output])
    assert math.isfinite(drill.expected) and drill.expected > 0
    assert drill.result.steps == result.steps
    assert drill.prompt and "{" not in drill.prompt


def test_many_seeds_per_drill_and_reproducibility() -> None:
    for slug, spec in SPECS.items():
        inputs = [draw(spec, seed).inputs for seed in range(300)]
        for i in inputs:
            check_ranges(slug, i)
        assert draw(spec, 7).inputs == draw(spec, 7).inputs  # seeded: same numbers
        assert len({repr(i) for i in inputs}) > 5, slug  # and fresh ones across reviews
    assert fresh_seed("psi", NOW) != fresh_seed("psi", NOW.replace(second=1))


@pytest.mark.parametrize(
    ("ratio", "score"),
    [
        (1.0, 100.0),
        (1.1, 100.0),
        (0.9, 100.0),
        (1.05, 100.0),
        (0.95, 100.0),
        (2.0, 0.0),
        (0.5, 0.0),
        (3.0, 0.0),
        (0.2, 0.0),
        (1.5, 100 * math.log(2 / 1.5) / math.log(2 / 1.1)),
        (0.7, 100 * math.log(0.7 / 0.5) / math.log(0.9 / 0.5)),
    ],
)
def test_score_by_relative_error(ratio: float, score: float) -> None:
    for expected in (0.014, 3.0, 58_400_000.0):
        got = score_estimate(ratio * expected, expected)
        assert got.score == pytest.approx(score, abs=1e-9)
        assert got.band == ("full" if score == 100 else "zero" if score == 0 else "partial")


@given(a=st.floats(1.1, 2.0), b=st.floats(1.1, 2.0))
def test_partial_credit_is_linear_in_log_ratio_and_monotonic(a: float, b: float) -> None:
    over_a, over_b = score_estimate(a, 1).score, score_estimate(b, 1).score
    assert (over_a - over_b) * (a - b) <= 1e-9  # further off never scores more
    # linear in ln(ratio) between ln 1.1 and ln 2
    assert over_a == pytest.approx(100 * (math.log(2) - math.log(a)) / math.log(2 / 1.1))
    under = score_estimate(1 / (a * 10 / 11 * 1.1), 1).score
    assert 0 <= under <= 100


def test_missing_or_nonsense_estimates_score_zero() -> None:
    for estimate in (None, 0.0, -5.0, math.inf, math.nan):
        assert score_estimate(estimate, 10).score == 0
    with pytest.raises(ValueError):
        score_estimate(1, 0)


def test_score_suggests_a_rating() -> None:
    assert score_estimate(1, 1).grade == Grade.EASY
    assert score_estimate(1.3, 1).grade == Grade.GOOD
    assert score_estimate(1.7, 1).grade == Grade.AGAIN
    assert score_estimate(1.55, 1).grade == Grade.HARD


@pytest.mark.parametrize(
    ("text", "value"),
    [("1200", 1200), ("1,200", 1200), ("1.2e3", 1200), ("1.2k", 1200), ("3.5M", 3.5e6),
     ("3.5 million", 3.5e6), ("40 GB", 40), ("$1,825", 1825), ("~12", 12), ("2B", 2e9),
     (".5", 0.5), ("18.7 billion tokens", 18.7e9)],
)  # fmt: skip
def test_parse_estimate(text: str, value: float) -> None:
    assert parse_estimate(text) == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [("4.4m", "minutes/month", 4.4), ("0.073 h", "minutes/month", 4.38),
     ("90 s", "minutes/month", 1.5), ("2 days", "minutes/month", 2880),
     ("4.4 million minutes", "minutes/month", 4.4e6), ("1.5 TB", "GB", 1500),
     ("512 MB", "GB", 0.512), ("40 GiB", "GB", 42.95), ("12k", "USD/month", 12000),
     ("4.4m", "", 4.4e6)],
)  # fmt: skip
def test_a_unit_of_the_drills_kind_converts(text: str, unit: str, value: float) -> None:
    # In a minutes drill a bare "m" is minutes, not million.
    assert parse_estimate(text, unit) == pytest.approx(value, rel=1e-3)


@pytest.mark.parametrize(
    ("text", "unit", "message"),
    [("4,38", "minutes/month", "commas only group thousands (1,200); write decimals with a point, e.g. 4.38"),
     ("1,2,3", "", "e.g. 4.38"), ("40 hours", "GB", "hours is not a unit of GB; give the estimate in GB"),
     ("3 TB", "minutes/month", "TB is not a unit of minutes".lower())],
)  # fmt: skip
def test_an_ambiguous_estimate_is_refused_not_guessed(text: str, unit: str, message: str) -> None:
    with pytest.raises(UserError, match=re.escape(message)):
        parse_estimate(text, unit)


def test_parse_estimate_rejects_words() -> None:
    with pytest.raises(UserError, match="not a number"):
        parse_estimate("about forty")


def test_specs_for_calculator() -> None:
    assert {s.slug for s in specs_for("availability")} == {"downtime", "series-availability"}
    assert len(specs_for(None)) == len(SPECS)
    with pytest.raises(UserError, match="--calculator must be one of"):
        specs_for("abacus")
    with pytest.raises(UserError, match="no drills use"):
        specs_for("flops")


def test_drill_order_due_then_new_then_later() -> None:
    specs = [SPECS["psi"], SPECS["kv-cache"], SPECS["downtime"]]
    dues = {
        "drills/psi": NOW.replace(day=5),
        "drills/kv-cache": None,
        "drills/downtime": NOW.replace(hour=8),
    }
    assert [s.slug for s in drill_order(specs, dues, NOW)] == ["downtime", "kv-cache", "psi"]


def test_drill_cards_are_real_questions_created_once(store: Store) -> None:
    with store.session.begin() as s:
        ensure_drills(s, NOW)
        assert bank_version(s) == 0  # before the bank's first sync the version stays 0
        sync_builtin(s, [make_question("rag/q0")], NOW)
        version = bank_version(s)
        again = ensure_drills(s, NOW)
        assert not again.added and not again.updated and bank_version(s) == version
    with store.session() as s:
        rows = s.execute(
            select(QuestionRow, Deck.slug).join(Deck, QuestionRow.deck_id == Deck.id)
        ).all()
    drills = [q for q, deck in rows if deck == DRILL_DECK]
    assert {q.id for q in drills} == {s.question_id for s in SPECS.values()}
    assert all(q.kind == "drill" and q.category in CATEGORIES for q in drills)
    assert all(not q.retired for q in drills)  # syncing the bank does not retire them
    assert all(q.key_points and q.calculators for q in drills)
