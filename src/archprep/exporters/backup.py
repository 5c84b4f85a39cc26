"""Lossless JSON backup of every user-data table, and restoring one into an empty database."""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    func,
    select,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from archprep.errors import UserError
from archprep.store import Store
from archprep.store.cards import LOCAL_USER
from archprep.store.db import HEAD_REVISION, current_revision
from archprep.store.schema import Base

FORMAT = "archprep-backup"
FORMAT_VERSION = 1
# Derivable caches and migration bookkeeping; everything else in the schema is user data and is
# backed up, including tables added after this module was written.
# Derivable or transient: vectors are recomputed, and sign-in sessions, login attempts, upload
# drafts and one-day undo snapshots must not travel in a file a user may share.
EXCLUDED = frozenset(
    {
        "embeddings",
        "alembic_version",
        "web_sessions",
        "login_attempts",
        "import_drafts",
        "review_undo",
    }
)


# Rows no backup carries: the key web forms' CSRF tokens are derived from (a restored server
# makes a new one; a backup a user shares must not let anyone forge a form for them).
SECRET_ROWS = {"meta": ("key", frozenset({"web_secret"}))}


@dataclass
class BackupReport:
    path: Path | None
    tables: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.path) if self.path else None, "tables": self.tables,
                "rows": sum(self.tables.values())}  # fmt: skip


def backup_tables() -> list[Table]:
    """The tables a backup holds, parents before children (foreign keys restore in order)."""
    return [t for t in Base.metadata.sorted_tables if t.name not in EXCLUDED]


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored as UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _dump_value(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, DateTime) and isinstance(value, datetime):
        return _utc(value).isoformat()
    if isinstance(column_type, Date) and isinstance(value, date):
        return value.isoformat()
    if isinstance(column_type, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _load_value(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        return _utc(datetime.fromisoformat(value))
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    if isinstance(column_type, LargeBinary):
        return base64.b64decode(value)
    if isinstance(column_type, Boolean):
        return bool(value)
    if isinstance(column_type, Integer) and not isinstance(value, bool):
        return int(value)
    if isinstance(column_type, Float):
        return float(value)
    return value


# Column types the two functions above carry through JSON; a test holds the schema to them, so a
# column of any other type fails there rather than in a user's backup.
SUPPORTED_TYPES = (DateTime, Date, LargeBinary, Boolean, Integer, Float, String, JSON)


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, "") if value is None else (1, value)


def dump_backup(store: Store, now: datetime) -> dict[str, Any]:
    """Every row of every backed-up table, in primary-key order, with a format and schema header."""
    tables: dict[str, Any] = {}
    with store.engine.connect() as conn:
        for table in backup_tables():
            columns = [c.name for c in table.columns]
            keys = [columns.index(c.name) for c in table.primary_key.columns] or list(
                range(len(columns))
            )
            # Sorted here, not by the database: string collations differ between SQLite and
            # PostgreSQL, and the same data must give the same file.
            query = select(table)
            if table.name in SECRET_ROWS:
                column, keys_left_out = SECRET_ROWS[table.name]
                query = query.where(table.c[column].not_in(keys_left_out))
            rows = sorted(
                conn.execute(query).all(),
                key=lambda r: tuple(_sort_key(r[i]) for i in keys),
            )
            tables[table.name] = {
                "columns": columns,
                "rows": [[_dump_value(table.c[name].type, v) for name, v in zip(columns, row, strict=True)]
                         for row in rows],
            }  # fmt: skip
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "schema_revision": current_revision(store.engine) or HEAD_REVISION,
        "created_at": _utc(now).isoformat(),
        "tables": tables,
    }


def backup_json(data: dict[str, Any]) -> str:
    """Deterministic text: the same database gives the same bytes."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def write_backup(store: Store, out: Path, now: datetime) -> BackupReport:
    """Write the backup to ``out`` (readable by its owner only: it holds password hashes)."""
    data = dump_backup(store, now)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(out.name + ".part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(backup_json(data))
        os.replace(tmp, out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    return BackupReport(out, {name: len(t["rows"]) for name, t in data["tables"].items()})


def read_backup(path: Path) -> dict[str, Any]:
    name = path.name
    if not path.is_file():
        raise UserError(f"{path}: no such file; pass the JSON file `archprep export backup` wrote")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UserError(
            f"{name}: not a JSON backup ({exc}); pass a file `archprep export backup` wrote"
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("format") != FORMAT
        or not isinstance(data.get("tables"), dict)
    ):
        raise UserError(
            f"{name}: not an archprep backup; to add questions from a file use `archprep import`"
        )
    if int(data.get("format_version", 0)) > FORMAT_VERSION:
        raise UserError(
            f"{name}: made by a newer archprep (backup format {data['format_version']}); upgrade archprep"
        )
    return data


def _nonempty_tables(conn: Connection) -> dict[str, int]:
    found = {}
    for table in backup_tables():
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        if count:
            found[table.name] = int(count)
    return found


# What any command puts into a new database on its own: the built-in bank, the local user and
# bookkeeping. A database holding only these has nothing of the user's to lose.
AUTOMATIC_TABLES = frozenset({"meta", "users", "decks", "questions"})
SESSION_TABLES = ("web_sessions", "login_attempts")


def _only_automatic(conn: Connection, busy: dict[str, int]) -> bool:
    """True when the database holds nothing but what archprep loads by itself."""
    if not set(busy) <= AUTOMATIC_TABLES:
        return False
    tables = Base.metadata.tables
    users, decks = tables["users"], tables["decks"]
    people = conn.execute(select(users.c.username, users.c.password_hash)).all()
    if any(name != LOCAL_USER or password is not None for name, password in people):
        return False
    owned = conn.execute(
        select(func.count()).select_from(decks).where(decks.c.owner_id.isnot(None))
    )
    if owned.scalar_one():
        return False
    for name in ("import_drafts", "review_undo"):  # left out of backups, but the user's doing
        if conn.execute(select(func.count()).select_from(tables[name])).scalar_one():
            return False
    return True


def _clear_automatic(conn: Connection) -> None:
    """Empty the bank, the local user and bookkeeping (children first), so a backup can load.

    Cached embeddings stay: they are keyed by text, so the restored bank reuses them.
    """
    tables = Base.metadata.tables
    for name in (*SESSION_TABLES, "questions", "decks", "users", "meta"):
        conn.execute(tables[name].delete())


def _reset_sequences(conn: Connection, table: Table) -> None:
    """PostgreSQL serial columns must continue after the restored ids."""
    pk = list(table.primary_key.columns)
    if conn.dialect.name != "postgresql" or len(pk) != 1 or not isinstance(pk[0].type, Integer):
        return
    seq = conn.execute(
        text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": table.name, "c": pk[0].name}
    ).scalar()
    if seq:
        conn.execute(
            text(
                f"SELECT setval(:s, COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false)"
            ),
            {"s": seq},
        )


def restore_backup(store: Store, path: Path) -> BackupReport:
    """Load a backup into an empty database in one transaction, keeping every id."""
    data = read_backup(path)
    revision = current_revision(store.engine) or HEAD_REVISION
    if data.get("schema_revision") != revision:
        raise UserError(
            f"{path.name}: backup is from schema revision {data.get('schema_revision')}, this "
            f"database is at {revision}; restore it with the archprep version that wrote it"
        )
    known = {t.name: t for t in backup_tables()}
    unknown = sorted(set(data["tables"]) - set(known))
    if unknown:
        raise UserError(
            f"{path.name}: backup has tables this archprep does not know ({', '.join(unknown)})"
        )
    try:
        return BackupReport(path, _restore_rows(store, data, path.name))
    except (SQLAlchemyError, ValueError, TypeError, KeyError, IndexError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise UserError(
            f"{path.name}: the backup is inconsistent ({reason}); nothing was restored"
        ) from None


def _restore_rows(store: Store, data: dict[str, Any], name: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with store.engine.begin() as conn:
        busy = _nonempty_tables(conn)
        if busy and _only_automatic(conn, busy):
            _clear_automatic(conn)  # e.g. the default database, which every command fills
            busy = {}
        if busy:
            detail = ", ".join(f"{n} has {c} rows" for n, c in busy.items())
            raise UserError(
                f"the database is not empty ({detail}); restore needs an empty one: "
                "pass --db with a new file or database"
            )
        for table in backup_tables():
            payload = data["tables"].get(table.name)
            if not payload:
                continue
            columns = payload["columns"]
            missing = [c for c in columns if c not in table.c]
            if missing:
                raise UserError(f"{name}: table {table.name} has unknown columns {missing}")
            rows = [
                {c: _load_value(table.c[c].type, v) for c, v in zip(columns, row, strict=True)}
                for row in payload["rows"]
            ]
            if rows:
                conn.execute(table.insert(), rows)
                _reset_sequences(conn, table)
            counts[table.name] = len(rows)
    return counts
