"""`archprep drill`: estimate, worked answer, score, attempt kept, review scheduled by FSRS."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from tests.helpers import make_question
from typer.testing import CliRunner

from archprep.cli import app
from archprep.cli.common import AppContext
from archprep.drills import SPECS, draw, drill_order, specs_for
from archprep.store import open_store
from archprep.store.cards import local_user_id
from archprep.store.questions import sync_builtin

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(AppContext, "now", staticmethod(lambda: NOW))
    store = open_store(sqlite_url)
    with store.session.begin() as s:
        sync_builtin(s, [make_question("rag/q0")], NOW)
        local_user_id(s, NOW)
    store.close()
    return sqlite_url


def db(url: str, sql: str) -> list[tuple[object, ...]]:
    store = open_store(url)
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql)]
    store.close()
    return rows


def test_a_drill_session_scores_keeps_the_attempt_and_schedules(url: str) -> None:
    first, second = drill_order(specs_for("availability"), {}, NOW)[:2]
    exact = draw(first, 100 + 1).expected  # --seed 100: drill n draws seed 100 + n
    off = draw(second, 100 + 2).expected * 1.5
    # The first: accept the suggestion; the second: a stray key is asked again, then Hard.
    keys = f"{exact!r}\n\n{off!r}\n9\n2\n"
    result = runner.invoke(
        app, ["--db", url, "drill", "--calculator", "availability", "--seed", "100", "--count",
              "2"], input=keys,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "score 100" in result.stdout and "2 drill(s), mean score" in result.stdout
    assert "Press Enter, 1, 2, 3, 4 or q." in result.stdout
    attempts = db(url, "SELECT question_id, mode, score FROM attempts ORDER BY id")
    assert attempts[0] == (first.question_id, "drill", 100.0)
    assert attempts[1][0] == second.question_id and 40 < float(attempts[1][2]) < 60  # type: ignore[arg-type]
    ratings = db(url, "SELECT question_id, rating FROM review_logs ORDER BY id")
    assert ratings == [(first.question_id, 4), (second.question_id, 2)]
    grade = json.loads(str(db(url, "SELECT grade FROM attempts ORDER BY id")[0][0]))
    assert grade["drill"]["seed"] == 101 and grade["drill"]["expected"] == exact
    assert grade["key_points"][0]["status"] == "covered"


def test_bad_estimates_are_asked_again_and_q_quits(url: str) -> None:
    result = runner.invoke(app, ["--db", url, "drill", "--seed", "1"], input="lots\nq\n")
    assert result.exit_code == 0
    assert "'lots' is not a number" in result.stdout
    assert db(url, "SELECT count(*) FROM attempts") == [(0,)]


def test_list_json_and_unknown_calculator(url: str) -> None:
    listed = runner.invoke(app, ["--db", url, "drill", "--list", "--json"])
    rows = json.loads(listed.stdout)
    assert {r["id"] for r in rows} == {s.question_id for s in SPECS.values()}
    assert all(r["due"] is None for r in rows)
    bad = runner.invoke(app, ["--db", url, "drill", "--calculator", "abacus"])
    assert bad.exit_code == 2 and "--calculator must be one of" in bad.stderr
