"""Commands that move questions and progress in and out: ``import``, ``export``, ``restore``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from sqlalchemy import select

from archprep.bank.sync import embed_changed, ensure_bank
from archprep.cli.common import (
    app,
    app_context,
    console,
    embedding_progress,
    err_console,
    print_json,
)
from archprep.errors import UsageError, UserError
from archprep.exporters import export_anki, restore_backup, write_backup, write_guide
from archprep.exporters.backup import read_backup
from archprep.importers import ImportReport, import_file, summary
from archprep.importers.detect import FORMATS, normalise_format
from archprep.store import Store
from archprep.store.cards import LOCAL_USER, local_user_id
from archprep.store.schema import User

export_app = typer.Typer(
    help="Write an Anki deck, your prep guide, or a full backup.", no_args_is_help=True
)
app.add_typer(export_app, name="export")


def _user(store: Store, now: datetime, *, create: bool = True) -> int:
    """The local user's id; a dry run only looks it up (0 when there is none yet)."""
    with store.session() as session:
        if not create:
            found = session.scalars(select(User.id).where(User.username == LOCAL_USER)).first()
            return int(found) if found is not None else 0
        user = local_user_id(session, now)
        session.commit()
        return user


def _print_report(report: ImportReport) -> None:
    verb = "would import" if report.dry_run else "imported"
    console.print(
        f"{report.file} ({report.format} → deck {report.deck}): {verb} {len(report.imported)} new, "
        f"{len(report.updated)} updated, {len(report.unchanged)} unchanged, "
        f"{report.skipped - len(report.unchanged)} skipped",  # the JSON counts unchanged as skipped
        markup=False,
    )
    if report.dry_run:
        for item in report.items[:5]:
            console.print(f"  • [{item.category}] {item.question}", markup=False)
        if len(report.items) > 5:
            console.print(f"  … and {len(report.items) - 5} more", markup=False)
    for warning in report.warnings[:10]:
        console.print(f"  warning: {warning}", style="yellow", markup=False)
    if len(report.warnings) > 10:
        console.print(f"  … {len(report.warnings) - 10} more warnings (see --json)", style="yellow")


@app.command("import")
def import_cmd(
    ctx: typer.Context,
    files: list[Path] = typer.Argument(
        ...,
        metavar="FILE...",
        help="Text, Markdown, HTML, PDF, CSV/TSV, JSONL or Anki .apkg files.",
    ),
    deck: str | None = typer.Option(
        None, "--deck", help="Deck to import into (default: each file's name)."
    ),
    fmt: str | None = typer.Option(
        None, "--format", help=f"Force a format instead of detecting it: {', '.join(FORMATS)}."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be imported without writing anything."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Import questions and answers from files; each file is its own all-or-nothing transaction."""
    if fmt:
        normalise_format(fmt)
    actx = app_context(ctx)
    store = actx.store()
    now = actx.now()
    user = _user(store, now, create=not dry_run)
    reports: list[ImportReport] = []
    errors: dict[str, str] = {}
    for path in files:
        try:
            # A large file takes a while (key points picked per answer, then vectors): say so.
            with err_console.status(f"Importing {path.name}…"):
                report = import_file(
                    store, user, path, deck=deck, fmt=fmt, dry_run=dry_run, now=now,
                    settings=actx.settings,
                )  # fmt: skip
            reports.append(report)
        except UsageError:
            raise  # a bad --deck is wrong for every file: one message, exit 2
        except UserError as exc:
            errors[str(path)] = str(exc)
    if json_out:
        print_json(summary(reports, errors))
    else:
        for report in reports:
            _print_report(report)
    for message in errors.values():
        err_console.print(f"error: {message}", markup=False, soft_wrap=True)
    if errors:
        raise typer.Exit(1)


@export_app.command("anki")
def export_anki_cmd(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The .apkg file to write."),
    deck: str | None = typer.Option(None, "--deck", help="Only this deck (builtin or an import)."),
    category: str | None = typer.Option(None, "--category", help="Only this category."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Export questions as an Anki deck: one sub-deck per category, key points on the back."""
    if out.suffix.lower() != ".apkg":
        raise UsageError(f"--out {out.name!r}: Anki imports .apkg files; give e.g. --out prep.apkg")
    actx = app_context(ctx)
    store = actx.store()
    now = actx.now()
    ensure_bank(store, actx.settings, now)
    result = export_anki(store, _user(store, now), out, deck=deck, category=category)
    if json_out:
        print_json(result.as_dict())
        return
    console.print(
        f"Wrote {result.notes} note{'' if result.notes == 1 else 's'} in {len(result.decks)} "
        f"deck{'' if len(result.decks) == 1 else 's'} to {out}.",
        markup=False,
    )


@export_app.command("guide")
def export_guide_cmd(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The .md (or .pdf) file to write."),
    pdf: bool = typer.Option(False, "--pdf", help="Also write a PDF next to the Markdown file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Export your prep guide: concepts weakest first, design practice, STAR stories, cheat sheet."""
    actx = app_context(ctx)
    store = actx.store()
    now = actx.now()
    ensure_bank(store, actx.settings, now)
    written = write_guide(store, _user(store, now), out, now, pdf=pdf)
    if json_out:
        print_json({"written": [str(p) for p in written]})
        return
    console.print("Wrote " + ", ".join(str(p) for p in written) + ".", markup=False)


@export_app.command("backup")
def export_backup_cmd(
    ctx: typer.Context,
    out: Path = typer.Option(..., "--out", help="The JSON file to write."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Back up every user-data table (users, decks, questions, reviews, attempts, …) as JSON."""
    actx = app_context(ctx)
    report = write_backup(actx.store(), out, actx.now())
    if json_out:
        print_json(report.as_dict())
        return
    rows = report.as_dict()["rows"]
    console.print(f"Backed up {rows} rows from {len(report.tables)} tables to {out}.", markup=False)


@app.command("restore")
def restore_cmd(
    ctx: typer.Context,
    file: Path = typer.Argument(
        ..., metavar="FILE", help="A backup from `archprep export backup`."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Restore a backup into a database with nothing of yours in it yet, keeping every id."""
    actx = app_context(ctx)
    read_backup(file)  # a missing or foreign file is refused before a new database is made
    report = restore_backup(actx.store(), file)
    # Search vectors are not in a backup: make them now, with a progress bar, rather than
    # leave the first search to wait half a minute in silence.
    with embedding_progress() as progress:
        embed_changed(actx.store(), actx.settings, progress=progress)
    if json_out:
        print_json(report.as_dict())
        return
    rows = report.as_dict()["rows"]
    console.print(f"Restored {rows} rows into {len(report.tables)} tables.", markup=False)
