"""`archprep study` conveniences: undo the last rating exactly, re-drill failures, unsuspend."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from tests.helpers import make_question
from typer.testing import CliRunner

from archprep.cli import app
from archprep.cli.common import AppContext
from archprep.scheduling import CardMemory, Grade, review
from archprep.store import open_store
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import sync_builtin

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture
def url(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(AppContext, "now", staticmethod(lambda: NOW))
    store = open_store(sqlite_url)
    with store.session.begin() as s:
        sync_builtin(s, [make_question(f"rag/q{i}", level="basic") for i in range(3)], NOW)
        local_user_id(s, NOW)
    store.close()
    return sqlite_url


def db(url: str, sql: str) -> list[tuple[object, ...]]:
    store = open_store(url)
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql)]
    store.close()
    return rows


def test_undo_goes_back_and_the_redrill_is_not_recorded(url: str) -> None:
    # card 1: reveal, Again; card 2: reveal, u (back to card 1); card 1: reveal, Good;
    # card 2: reveal, Again; then r re-drills card 2 (reveal, got it) without recording it
    keys = "\n1\n\nu\n\n3\n\n1\nr\n\n3\n"
    result = runner.invoke(app, ["--db", url, "study", "--limit", "2"], input=keys)
    assert result.exit_code == 0, result.output
    assert "Undid Again on rag/q0." in result.stdout
    assert "Re-drill · 1 left · not recorded" in result.stdout
    assert db(url, "SELECT question_id, rating FROM review_logs ORDER BY id") == [
        ("rag/q0", 3),
        ("rag/q1", 1),
    ]
    good = review(CardMemory(), Grade.GOOD, NOW)
    assert db(url, "SELECT reps, stability FROM card_states WHERE question_id = 'rag/q0'") == [
        (1, good.stability)
    ]


def test_undo_restores_a_reviewed_cards_exact_row(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(url)
    with store.session.begin() as s:
        user = local_user_id(s, NOW)
        record_review(s, user, "rag/q0", Grade.GOOD, NOW - timedelta(days=10))
        record_review(s, user, "rag/q0", Grade.GOOD, NOW - timedelta(days=10, minutes=-10))
    store.close()
    before = db(url, "SELECT * FROM card_states")
    logs = db(url, "SELECT * FROM review_logs")
    # the overdue card comes first: reveal, Easy; the next card: u; then quit
    result = runner.invoke(app, ["--db", url, "study", "--limit", "2"], input="\n4\nu\nq\n")
    assert result.exit_code == 0, result.output
    assert db(url, "SELECT * FROM card_states") == before
    assert db(url, "SELECT * FROM review_logs") == logs


def test_nothing_to_undo_and_unsuspend(url: str) -> None:
    result = runner.invoke(app, ["--db", url, "study", "--limit", "1"], input="u\n\ns\n")
    assert "No rating in this session to undo." in result.stdout
    listed = runner.invoke(app, ["--db", url, "unsuspend", "--list", "--json"])
    assert json.loads(listed.stdout) == {"suspended": ["rag/q0"]}
    bad = runner.invoke(app, ["--db", url, "unsuspend", "rag/q1"])
    assert bad.exit_code == 1 and "'rag/q1' is not suspended" in bad.stderr
    ok = runner.invoke(app, ["--db", url, "unsuspend", "rag/q0"])
    assert ok.exit_code == 0 and "Unsuspended 1 card(s)." in ok.stdout
    assert db(url, "SELECT suspended FROM card_states") == [(0,)]


def test_the_terminal_uses_the_allowance_saved_in_the_browser(url: str) -> None:
    """New cards a day set on the web's settings page apply to `archprep study` too."""
    from archprep.progress import StudyPrefs, save_study_prefs

    store = open_store(url)
    with store.session.begin() as s:
        save_study_prefs(s, local_user_id(s, NOW), StudyPrefs(0.9, 1), NOW)
    store.close()
    result = runner.invoke(app, ["--db", url, "study"], input="q\n")
    assert result.exit_code == 0, result.output
    assert "Card 1/1" in result.output  # three new cards, an allowance of one
