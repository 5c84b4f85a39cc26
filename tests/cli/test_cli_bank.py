"""The CLI contracts: list/stats JSON fields, errors and exit codes, bank sync from bad content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.bank.test_loader import FIVE_MISTAKES
from tests.helpers import make_question
from typer.testing import CliRunner

from archprep.cli import app
from archprep.store import open_store
from archprep.store.questions import sync_builtin

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


def seeded(url: str, n: int = 4) -> str:
    store = open_store(url)
    with store.session.begin() as s:
        sync_builtin(s, [make_question(f"rag/q{i}", level="basic") for i in range(n)], NOW)
    store.close()
    return url


def test_list_json_has_contract_fields(sqlite_url: str) -> None:
    result = runner.invoke(app, ["--db", seeded(sqlite_url), "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 4
    for key in (
        "id",
        "deck",
        "category",
        "level",
        "kind",
        "question",
        "answer",
        "key_points",
        "tags",
    ):
        assert key in rows[0]
    assert rows[0]["deck"] == "builtin" and rows[0]["key_points"][0] == "first point"


def test_list_filters_and_bad_filter(sqlite_url: str) -> None:
    url = seeded(sqlite_url)
    ok = runner.invoke(app, ["--db", url, "list", "--category", "agents", "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout) == []
    bad = runner.invoke(app, ["--db", url, "list", "--level", "expert"])
    assert bad.exit_code == 2  # a usage error, as when Typer refuses a value
    assert bad.stderr.strip().splitlines() == [
        "error: --level must be one of basic, intermediate, advanced (got 'expert')"
    ]


def test_stats_json_has_contract_fields(sqlite_url: str) -> None:
    result = runner.invoke(app, ["--db", seeded(sqlite_url), "stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.stdout)
    assert stats["questions"] == 4 and stats["due"] == 0 and stats["new"] == 4
    assert stats["categories"] == [
        {"category": "rag", "total": 4, "levels": {"basic": 4}, "kinds": {"concept": 4}}
    ]


def test_show_unknown_id_is_a_user_error(sqlite_url: str) -> None:
    result = runner.invoke(app, ["--db", seeded(sqlite_url), "show", "rag/nope"])
    assert result.exit_code == 1 and "no question with id 'rag/nope'" in result.stderr
    shown = runner.invoke(app, ["--db", sqlite_url, "show", "rag/q1", "--json"])
    assert json.loads(shown.stdout)["id"] == "rag/q1"


def test_usage_errors_exit_2() -> None:
    assert runner.invoke(app, ["list", "--no-such-flag"]).exit_code == 2


def test_bank_sync_with_a_bad_file_reports_all_and_leaves_store_untouched(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = seeded(sqlite_url)
    db_file = Path(url.removeprefix("sqlite:///"))
    before = db_file.read_bytes()
    extra = tmp_path / "extra"
    (extra / "rag").mkdir(parents=True)
    (extra / "rag" / "five-mistakes.md").write_text(FIVE_MISTAKES)
    monkeypatch.setenv("ARCHPREP_CONTENT_DIRS", json.dumps([str(extra)]))
    result = runner.invoke(app, ["--db", url, "bank", "sync"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    problems = [ln for ln in lines if "five-mistakes.md:" in ln]
    assert len(problems) == 5, lines
    assert lines[-1].startswith("error: ") and lines[-1].endswith("; nothing was written")
    assert db_file.read_bytes() == before


def test_study_killed_mid_session_loses_at_most_the_current_card(sqlite_url: str) -> None:
    """A real process on a real SQLite file, killed while the third card is on screen."""
    url = seeded(sqlite_url, 5)
    env = {**os.environ, "ARCHPREP_DB": url, "COLUMNS": "100"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "archprep", "study"],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    assert proc.stdin is not None
    proc.stdin.write("\n3\n\n4\n\n")  # reveal+Good, reveal+Easy, reveal the third card
    proc.stdin.flush()
    store = open_store(url)

    def reviews() -> int:
        with store.engine.connect() as conn:
            return int(conn.exec_driver_sql("SELECT count(*) FROM review_logs").scalar_one())

    from tests.conftest import wait_for

    try:
        wait_for(lambda: reviews() == 2, timeout=30)
    finally:
        proc.kill()
        proc.wait()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        states = conn.exec_driver_sql(
            "SELECT question_id, reps FROM card_states ORDER BY question_id"
        ).all()
        ratings = [r[0] for r in conn.exec_driver_sql("SELECT rating FROM review_logs ORDER BY id")]
    store.close()
    assert [tuple(s) for s in states] == [("rag/q0", 1), ("rag/q1", 1)]
    assert ratings == [3, 4]


def test_a_file_that_is_not_a_database_gets_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# my notes\n" * 50, encoding="utf-8")
    result = runner.invoke(app, ["--db", str(notes), "list"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "is not a SQLite database (file is not a database)" in result.stderr
    assert notes.read_text(encoding="utf-8") == "# my notes\n" * 50  # untouched


def test_a_read_only_database_gets_one_line_at_the_first_write(sqlite_url: str) -> None:
    # SQLite opened read-only (mode=ro) fails on the first write as a read-only file does.
    url = seeded(sqlite_url)
    path = url.removeprefix("sqlite:///")
    result = runner.invoke(
        app,
        ["--db", f"sqlite:///file:{path}?mode=ro&uri=true", "plan", "add", "--date", "2026-12-20"],
    )
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: the database is read-only (attempt to write a readonly")


def test_commands_started_together_on_a_new_database_all_work(tmp_path: Path) -> None:
    # The first to lock the new file creates the tables and the local user; the rest wait.
    db = tmp_path / "new.db"
    env = {**os.environ, "ARCHPREP_DB": str(db), "ARCHPREP_EMBEDDING_MODEL": "none"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "archprep", "stats", "--json"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]  # fmt: skip
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in outcomes), outcomes


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.startswith("archprep ")
