"""Backup and restore: every user-data table, lossless, into an empty database only."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from archprep.errors import UserError
from archprep.exporters.backup import (
    SUPPORTED_TYPES,
    backup_json,
    backup_tables,
    dump_backup,
    restore_backup,
    write_backup,
)
from archprep.scheduling import Grade
from archprep.store import Store, open_store
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import sync_builtin
from archprep.store.schema import Base, EmbeddingRow, InterviewTargetRow, ReviewLogRow
from archprep.store.targets import add_target
from tests.exporters.progress import NOW
from tests.helpers import make_question


def empty_database(db_url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A second fresh, migrated database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored.db'}"
    cluster = request.getfixturevalue("pg_cluster")
    return str(cluster.url(cluster.new_database(request.getfixturevalue("pg_template"))))


def test_backup_holds_every_table_but_derived_ones(progress_store: tuple[Store, int]) -> None:
    store, _ = progress_store
    data = dump_backup(store, NOW)
    transient = {"embeddings", "web_sessions", "login_attempts", "import_drafts", "review_undo"}
    expected = {t.name for t in Base.metadata.sorted_tables} - transient
    assert set(data["tables"]) == expected == {t.name for t in backup_tables()}
    assert data["format"] == "archprep-backup" and data["format_version"] == 1
    assert data["schema_revision"]
    assert len(data["tables"]["attempts"]["rows"]) == 6
    assert len(data["tables"]["review_logs"]["rows"]) == 4


def test_the_web_secret_stays_out_of_a_backup(progress_store: tuple[Store, int]) -> None:
    from archprep.web.auth import app_secret

    store, _ = progress_store
    secret = app_secret(store).hex()
    text = backup_json(dump_backup(store, NOW))
    assert secret not in text and "web_secret" not in text
    assert '"bank_version"' in text  # the rest of the table is kept


def test_round_trip_is_byte_for_byte_identical(
    progress_store: tuple[Store, int], db_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store, user = progress_store
    path = tmp_path / "backup.json"
    report = write_backup(store, path, NOW)
    assert report.tables["questions"] == 8 and path.stat().st_mode & 0o077 == 0
    original = path.read_text("utf-8")
    target = open_store(empty_database(db_url, request, tmp_path))
    try:
        restored = restore_backup(target, path)
        assert restored.tables == report.tables
        again = backup_json(dump_backup(target, NOW))
        assert again == original
        with target.session() as s:
            assert s.scalar(select(func.count()).select_from(EmbeddingRow)) == 0
        # Ids continue after the restored ones (PostgreSQL sequences are moved on).
        with target.session.begin() as s:
            record_review(s, user, "rag/rerank", Grade.GOOD, NOW + timedelta(days=1))
        with target.session() as s:
            ids = s.scalars(select(ReviewLogRow.id).order_by(ReviewLogRow.id)).all()
        assert ids == [1, 2, 3, 4, 5]
    finally:
        target.close()


def test_every_backed_up_column_has_a_type_the_backup_carries() -> None:
    odd = [f"{t.name}.{c.name} ({c.type})" for t in backup_tables() for c in t.columns
           if not isinstance(c.type, SUPPORTED_TYPES)]  # fmt: skip
    assert odd == []


def test_an_interview_date_survives_the_round_trip(
    progress_store: tuple[Store, int], db_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    # A calendar date, not a timestamp: the one Date column once made every backup fail.
    store, user = progress_store
    with store.session.begin() as s:
        add_target(s, user, interview_date=date(2026, 6, 1), now=NOW, name="Onsite")
    path = tmp_path / "backup.json"
    write_backup(store, path, NOW)
    target = open_store(empty_database(db_url, request, tmp_path))
    try:
        restore_backup(target, path)
        with target.session() as s:
            row = s.scalars(select(InterviewTargetRow)).one()
        assert (row.name, row.interview_date) == ("Onsite", date(2026, 6, 1))
        assert backup_json(dump_backup(target, NOW)) == path.read_text("utf-8")
    finally:
        target.close()


def test_restore_refuses_a_database_that_is_not_empty(
    progress_store: tuple[Store, int], tmp_path: Path
) -> None:
    store, _ = progress_store
    path = tmp_path / "b.json"
    write_backup(store, path, NOW)
    before = backup_json(dump_backup(store, NOW))
    with pytest.raises(
        UserError,
        match=r"^the database is not empty \(.*questions has 8 rows.*\); restore needs an empty one",
    ):
        restore_backup(store, path)
    assert backup_json(dump_backup(store, NOW)) == before


def test_restore_into_a_database_holding_only_the_built_in_bank(
    progress_store: tuple[Store, int], db_url: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Every command loads the bank into a new database, so the default one is never empty:
    with nothing of the user's in it, restore replaces what archprep loaded by itself."""
    store, _ = progress_store
    path = tmp_path / "backup.json"
    write_backup(store, path, NOW)
    original = path.read_text("utf-8")
    target = open_store(empty_database(db_url, request, tmp_path))
    try:
        with target.session.begin() as s:
            sync_builtin(s, [make_question("rag/only-here")], NOW)
            local_user_id(s, NOW)
        restore_backup(target, path)
        assert backup_json(dump_backup(target, NOW)) == original
        # one review of the user's own makes it theirs again: refused, nothing changed
        with target.session.begin() as s:
            record_review(s, 1, "rag/rerank", Grade.GOOD, NOW + timedelta(days=1))
        with pytest.raises(UserError, match="the database is not empty"):
            restore_backup(target, path)
    finally:
        target.close()


def test_restore_is_all_or_nothing(progress_store: tuple[Store, int], tmp_path: Path) -> None:
    store, _ = progress_store
    data = dump_backup(store, NOW)
    data["tables"]["attempts"]["rows"][-1][0] = data["tables"]["attempts"]["rows"][0][
        0
    ]  # duplicate id
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    target = open_store(f"sqlite:///{tmp_path / 'target.db'}")
    try:
        with pytest.raises(
            UserError, match=r"^bad.json: the backup is inconsistent \(.*\); nothing was restored$"
        ):
            restore_backup(target, path)
        assert all(not t["rows"] for t in dump_backup(target, NOW)["tables"].values())
    finally:
        target.close()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not a JSON backup"),
        ('{"question": "x"}', "not an archprep backup; to add questions from a file use `archprep import`"),
        ('{"format": "archprep-backup", "format_version": 99, "tables": {}}', "made by a newer archprep"),
        ('{"format": "archprep-backup", "format_version": 1, "schema_revision": "0000", "tables": {}}',
         "backup is from schema revision 0000"),
        ('{"format": "archprep-backup", "format_version": 1, "schema_revision": "REV", "tables": {"nope": {}}}',
         "tables this archprep does not know (nope)"),
    ],
)  # fmt: skip
def test_restore_rejects_files_that_are_not_usable_backups(
    sqlite_url: str, tmp_path: Path, content: str, message: str
) -> None:
    target = open_store(sqlite_url)
    try:
        revision = dump_backup(target, NOW)["schema_revision"]
        path = tmp_path / "x.json"
        path.write_text(content.replace("REV", revision), encoding="utf-8")
        with pytest.raises(UserError, match=re.escape(message)):
            restore_backup(target, path)
    finally:
        target.close()
