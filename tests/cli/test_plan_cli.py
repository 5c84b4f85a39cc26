"""`archprep plan`: the forecast JSON, saved interview dates, roles, cram leaving FSRS alone."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.helpers import make_question
from typer.testing import CliRunner

from archprep.cli import app
from archprep.cli.common import AppContext
from archprep.scheduling import Grade
from archprep.store import open_store
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import sync_builtin

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Eight questions in two categories, four of them reviewed a week ago; the clock fixed."""
    monkeypatch.setattr(AppContext, "now", staticmethod(lambda: NOW))
    store = open_store(sqlite_url)
    with store.session.begin() as s:
        cats = ("rag", "behavioral")
        sync_builtin(s, [make_question(f"{cats[i % 2]}/q{i}") for i in range(8)], NOW)
        user = local_user_id(s, NOW)
        for i in range(4):
            record_review(s, user, f"{cats[i % 2]}/q{i}", Grade.GOOD, NOW - timedelta(days=9))
            record_review(s, user, f"{cats[i % 2]}/q{i}", Grade.GOOD,
                          NOW - timedelta(days=9, minutes=-10))  # fmt: skip
    store.close()
    return sqlite_url


def test_plan_date_json_has_the_forecast_and_todays_plan(url: str) -> None:
    result = runner.invoke(app, ["--db", url, "plan", "--date", "2026-11-20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["interview_date"] == "2026-11-20" and data["days_left"] == 19
    cats = {c["category"]: c for c in data["categories"]}
    assert {"rag", "behavioral", "serving-infra", "mlops"} <= set(cats)  # drills joined in
    for c in cats.values():
        assert 0 <= c["recall_now"] <= c["recall_with_plan"] <= 1
    assert cats["rag"]["seen"] == 2 and cats["rag"]["recall_now"] > 0
    assert data["recall_with_plan"] >= 0.9
    today = data["today"]
    assert today["date"] == "2026-11-01" and today["minutes"] <= data["daily_minutes"]
    assert set(today["review_ids"]) == {"rag/q0", "behavioral/q1", "rag/q2", "behavioral/q3"}
    assert len(data["days"]) == 19


def test_add_list_show_and_remove_targets(url: str) -> None:
    added = runner.invoke(app, ["--db", url, "plan", "add", "--date", "2026-11-15", "--role",
                                "LLM platform architect", "--minutes", "30", "--name", "Acme",
                                "--weight", "behavioral=0", "--json"])  # fmt: skip
    assert added.exit_code == 0, added.output
    target = json.loads(added.stdout)
    assert target["role"] == "llm-platform-architect" and target["days_left"] == 14
    assert target["category_weights"]["behavioral"] == 0
    listed = json.loads(runner.invoke(app, ["--db", url, "plan", "list", "--json"]).stdout)
    assert [t["name"] for t in listed] == ["Acme"]
    shown = runner.invoke(app, ["--db", url, "plan", "--json"])  # the next saved interview
    data = json.loads(shown.stdout)
    assert data["name"] == "Acme" and data["daily_minutes"] == 30
    weights = {c["category"]: c["weight"] for c in data["categories"]}
    assert weights["behavioral"] == 0 and weights["rag"] == 2
    text = runner.invoke(app, ["--db", url, "plan"])
    assert text.exit_code == 0 and "Predicted recall on the interview date" in text.stdout
    assert "Today" in text.stdout
    removed = runner.invoke(app, ["--db", url, "plan", "remove", str(target["id"])])
    assert removed.exit_code == 0
    assert json.loads(runner.invoke(app, ["--db", url, "plan", "list", "--json"]).stdout) == []


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["plan"], "no interview date set", 1),
        (["plan", "--date", "20/11/2026"], "--date must be a date as YYYY-MM-DD", 2),
        (["plan", "--date", "2026-10-01"], "is in the past", 1),
        (["plan", "add", "--date", "2026-10-01"], "is in the past", 1),
        (["plan", "add", "--date", "2026-12-01", "--role", "wizard"], "--role must be one of", 2),
        (["plan", "remove", "99"], "no interview target with id 99", 1),
        (["plan", "add", "--date", "2026-12-01", "--weight", "ragg=2"], "did you mean 'rag'", 2),
    ],
)
def test_user_errors_are_one_line(url: str, args: list[str], message: str, code: int) -> None:
    """Exit 2 for a malformed option value (usage), 1 for a well-formed one that cannot be used."""
    result = runner.invoke(app, ["--db", url, *args])
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_roles_lists_the_profiles(url: str) -> None:
    roles = json.loads(runner.invoke(app, ["--db", url, "plan", "roles", "--json"]).stdout)
    assert "llm-platform-architect" in {r["role"] for r in roles}


def card_rows(url: str) -> tuple[list[tuple[object, ...]], int]:
    store = open_store(url)
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql("SELECT * FROM card_states ORDER BY id")]
        logs = int(conn.exec_driver_sql("SELECT count(*) FROM review_logs").scalar_one())
    store.close()
    return rows, logs


def test_cram_never_touches_the_fsrs_schedule(url: str) -> None:
    before = card_rows(url)
    # reveal, Again (comes back), reveal, got it, ... through all four seen cards
    result = runner.invoke(app, ["--db", url, "plan", "cram", "--limit", "4"],
                           input="\n1\n\n3\n\n3\n\n3\n\n3\n\n3\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Crammed 5 card(s); your review schedule is unchanged." in result.stdout
    assert card_rows(url) == before
