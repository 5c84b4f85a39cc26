"""The Typer application, its global options and the shared command context."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from sqlalchemy.exc import DBAPIError
from typer.core import TyperGroup

from archprep.errors import UsageError, UserError
from archprep.settings import Settings
from archprep.store import Store, open_store
from archprep.store.db import database_problem

if TYPE_CHECKING:
    from archprep.progress import StudyPrefs

console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False)


class ArchprepGroup(TyperGroup):
    """Turns a ``UserError`` raised anywhere below into one line on stderr and exit code 1.

    A ``UsageError`` (the command line itself is wrong) exits 2, like the usage errors Typer
    finds before a command runs.
    """

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            fail(str(exc), code=2)
        except UserError as exc:
            fail(str(exc))
        except DBAPIError as exc:  # e.g. a read-only file, found only at the first write
            problem = database_problem(exc)
            if problem is None:
                raise
            fail(problem)


def check_level_and_kind(level: str | None, kind: str | None, *, drills: bool = True) -> None:
    """Refuse a --level or --kind no question can have (categories are open: imports add some).

    Drill cards are generated in code, not content files; ``drills=False`` for commands that
    cannot use them (a written answer to a drill has no numbers to estimate).
    """
    from archprep.bank.model import KINDS, LEVELS

    if level and level not in LEVELS:
        raise UsageError(f"--level must be one of {', '.join(LEVELS)} (got {level!r})")
    kinds = (*KINDS, "drill") if drills else KINDS
    if kind and kind not in kinds:
        raise UsageError(f"--kind must be one of {', '.join(kinds)} (got {kind!r})")


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one line on stderr and exit 1: the contract for user errors (2 for usage errors)."""
    err_console.print(f"error: {message}", markup=False, soft_wrap=True)
    raise typer.Exit(code)


@dataclass
class AppContext:
    settings: Settings
    _store: Store | None = field(default=None, repr=False)

    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.settings.database_url())
        return self._store

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def prefs(self, user_id: int) -> StudyPrefs:
        """The user's retention goal and new cards a day: what the web's settings page saved,
        else the ARCHPREP_* settings, so the terminal and the browser schedule alike."""
        from archprep.progress import StudyPrefs, study_prefs

        defaults = StudyPrefs(self.settings.desired_retention, self.settings.new_cards_per_day)
        with self.store().session() as session:
            return study_prefs(session, user_id, defaults)

    def local_user(self) -> int:
        """The local user's id, with the built-in bank loaded into a fresh store first."""
        from archprep.bank.sync import ensure_bank
        from archprep.store.cards import local_user_id

        store = self.store()
        ensure_bank(store, self.settings, self.now())
        with store.session.begin() as session:
            return local_user_id(session, self.now())


app = typer.Typer(
    cls=ArchprepGroup,
    help="archprep: offline interview preparation for AI/ML architect and senior AI engineer roles.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _print_version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"archprep {version('archprep')}", markup=False)
        raise typer.Exit()


@app.callback()
def _global(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None, "--db", help="SQLite file path or SQLAlchemy URL (env ARCHPREP_DB)."
    ),
    _version: bool = typer.Option(
        False, "--version", callback=_print_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """archprep: offline interview preparation for AI/ML architect and senior AI engineer roles."""
    try:
        settings = Settings(db=db) if db else Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"setting {where}: {first['msg']}; check the ARCHPREP_* variables and --db")
    ctx.obj = AppContext(settings)
    ctx.call_on_close(lambda: ctx.obj._store.close() if ctx.obj._store else None)


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext)
    return obj


@contextmanager
def embedding_progress() -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar for long embedding runs; silent for small ones."""
    with Progress(
        TextColumn("embedding questions"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err_console, transient=True,
    ) as progress:  # fmt: skip
        task: list[Any] = []

        def update(done: int, total: int) -> None:
            if total < 100:
                return
            if not task:
                task.append(progress.add_task("embed", total=total))
            progress.update(task[0], completed=done)

        yield update


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def print_json_line(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    sys.stdout.flush()
