"""Opening the store: engine set-up (SQLite WAL, foreign keys) and automatic migrations."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from archprep.errors import UserError

try:
    import fcntl
except ImportError:  # Windows: no flock; concurrent first runs are not serialised there
    fcntl = None  # type: ignore[assignment]

HEAD_REVISION = "0004"


@dataclass
class Store:
    """An open database: make sessions with ``store.session()``."""

    engine: Engine
    session: sessionmaker[Session]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise UserError(
            f"database URL {url!r} is not valid: {exc}; pass a file path or a SQLAlchemy URL"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            folder = Path(database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UserError(
                    f"cannot create the database folder {folder}: {exc.strerror}"
                ) from exc
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise UserError(f"unsupported database {parsed.get_backend_name()!r}: use SQLite or PostgreSQL")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option(
        "script_location", str(resources.files("archprep.store").joinpath("migrations"))
    )
    cfg.attributes["connection"] = connection
    return cfg


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
        return None if row is None else str(row[0])


@contextmanager
def sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """Hold an exclusive lock on a SQLite file while one process sets it up.

    Several commands started at once on a new database would each create the tables (and
    the local user); the first to take the lock does it and the others find it done. The lock
    is flock(2) on the database file itself, which SQLite's own fcntl locks do not see.
    """
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    # A "file:…?uri=true" database names a URI, not a path: no lock rather than a stray file.
    if not database or database == ":memory:" or engine.url.query.get("uri") or fcntl is None:
        yield
        return
    with open(database, "ab") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it already is)."""
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    with sqlite_file_lock(engine):
        if current_revision(engine) == HEAD_REVISION:  # another process got there first
            return
        with engine.begin() as conn:
            command.upgrade(_alembic_config(conn), "head")


def database_problem(exc: DBAPIError, url: Any = None) -> str | None:
    """One line for a database failure a user can act on, or None for a bug."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    lowered = reason.lower()
    where = f"the database at {url!r}" if url is not None else "the database"
    if "readonly database" in lowered or "read-only" in lowered:
        return (
            f"{where} is read-only ({reason}); make it writable, or point --db "
            "(ARCHPREP_DB) at a copy you can write"
        )
    if "file is not a database" in lowered:
        return (
            f"{where} is not a SQLite database ({reason}); point --db (ARCHPREP_DB) at an "
            "archprep database, or at a new path to start one"
        )
    if "database is locked" in lowered:
        return f"{where} is busy ({reason}); another archprep is writing: try again"
    if isinstance(exc, OperationalError):
        return f"cannot open {where}: {reason}"
    return None


def open_store(url: str, *, migrate_schema: bool = True) -> Store:
    engine = make_engine(url)
    try:
        if migrate_schema:
            migrate(engine)
    except DBAPIError as exc:
        engine.dispose()
        problem = database_problem(exc, engine.url)
        if problem is None:
            raise
        raise UserError(problem) from exc
    except OSError as exc:  # the lock file could not be opened (a folder, no permission)
        engine.dispose()
        raise UserError(
            f"cannot open the database at {engine.url!r}: {exc.strerror or exc}"
        ) from exc
    return Store(engine, sessionmaker(engine, expire_on_commit=False))
