"""Commands over the bank: ``bank sync|check|coverage``, ``list``, ``show``, ``stats``."""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.panel import Panel
from rich.table import Table

from archprep.bank.coverage import coverage
from archprep.bank.loader import ContentError, load_questions
from archprep.bank.model import CATEGORIES, LEVELS
from archprep.bank.sync import content_roots, sync_bank
from archprep.cli.common import (
    app,
    app_context,
    check_level_and_kind,
    console,
    embedding_progress,
    err_console,
    print_json,
)
from archprep.errors import UserError
from archprep.store.questions import get_question, list_questions, question_to_json
from archprep.store.stats import bank_stats

LEVEL_HEADS = {"intermediate": "interm.", "advanced": "adv."}  # narrow level columns in `stats`

bank_app = typer.Typer(
    help="Load, check and inspect the built-in question bank.", no_args_is_help=True
)
app.add_typer(bank_app, name="bank")


def _report_problems(exc: ContentError) -> None:
    for problem in exc.problems:
        err_console.print(str(problem), markup=False, soft_wrap=True)
    raise UserError(f"{len(exc.problems)} problem(s) in content files; nothing was written")


@bank_app.command("sync")
def bank_sync(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Validate the content files and upsert them by id (removed files retire; progress is kept)."""
    actx = app_context(ctx)
    try:
        questions = load_questions(content_roots(actx.settings))
    except ContentError as exc:
        _report_problems(exc)  # before the store is opened: a bad bank changes nothing
    with embedding_progress() as progress:
        report = sync_bank(actx.store(), actx.settings, actx.now(), questions, progress)
    if json_out:
        print_json(report.as_dict())
        return
    r = report.as_dict()
    console.print(
        f"Bank synced: {r['added']} added, {r['updated']} updated, {r['retired']} retired, "
        f"{r['unchanged']} unchanged."
    )


@bank_app.command("check")
def bank_check(
    ctx: typer.Context,
    dirs: list[Path] = typer.Argument(None, help="Content folders (default: the built-in bank)."),
) -> None:
    """Validate content files and print every problem as path:line: field: message."""
    actx_dirs = dirs or content_roots(app_context(ctx).settings)
    for d in actx_dirs:
        if not d.is_dir():
            raise UserError(
                f"{d} is not a folder; pass a content folder such as src/archprep/content"
            )
    try:
        questions = load_questions(actx_dirs)
    except ContentError as exc:
        _report_problems(exc)
    console.print(f"{len(questions)} question files are valid.")


@bank_app.command("coverage")
def bank_coverage(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Counts by category x level x kind, and any TOPICS.md ground with no question."""
    try:
        questions = load_questions(content_roots(app_context(ctx).settings))
    except ContentError as exc:
        _report_problems(exc)
    cov = coverage(questions)
    if json_out:
        print_json(cov.as_dict())
    else:
        table = Table(title=f"Bank coverage: {cov.total} questions")
        table.add_column("category")
        table.add_column("total", justify="right")
        for level in LEVELS:
            table.add_column(level, justify="right")
        table.add_column("kinds")
        table.add_column("min", justify="right")
        data = cov.as_dict()["categories"]
        for cat, entry in data.items():
            short = entry["total"] < entry["minimum"]
            table.add_row(
                cat,
                f"[red]{entry['total']}[/red]" if short else str(entry["total"]),
                *(str(entry["levels"][lv]) for lv in LEVELS),
                ", ".join(f"{k} {n}" for k, n in entry["kinds"].items()),
                str(entry["minimum"]),
            )
        console.print(table)
        for cat, slugs in cov.uncovered.items():
            console.print(f"[yellow]uncovered[/yellow] {cat}: {', '.join(slugs)}")
        if cov.ok:
            console.print(
                "Every TOPICS.md ground has a question and every category meets its minimum."
            )
    if not cov.ok:
        raise typer.Exit(1)


@app.command("list")
def list_cmd(
    ctx: typer.Context,
    deck: str | None = typer.Option(None, help="Only this deck (builtin, or an imported deck)."),
    category: str | None = typer.Option(
        None, help=f"Only this category ({', '.join(CATEGORIES[:3])}, ...)."
    ),
    level: str | None = typer.Option(None, help="basic, intermediate or advanced."),
    kind: str | None = typer.Option(None, help="concept, design, troubleshooting, behavioral, ..."),
    tag: str | None = typer.Option(None, help="Only questions with this tag."),
    json_out: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """List questions, with filters."""
    check_level_and_kind(level, kind)  # imported decks may use their own categories
    actx = app_context(ctx)
    store = actx.store()
    user = actx.local_user()
    with store.session() as session:
        questions = list_questions(
            session, user, deck=deck, category=category, level=level, kind=kind, tag=tag
        )
    if json_out:
        print_json([question_to_json(q) for q in questions])
        return
    if not questions:
        console.print("No questions match these filters.")
        return
    table = Table(show_lines=False)
    for col in ("id", "level", "kind", "question"):
        table.add_column(col, overflow="fold")
    for q in questions:
        table.add_row(q.id, q.level, q.kind, q.question)
    console.print(table)
    console.print(f"{len(questions)} question(s).")


@app.command("show")
def show_cmd(
    ctx: typer.Context,
    question_id: str = typer.Argument(
        ..., metavar="ID", help="Question id, e.g. rag/hybrid-search-rrf."
    ),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Show one question with its model answer, key points and follow-ups."""
    actx = app_context(ctx)
    store = actx.store()
    user = actx.local_user()
    with store.session() as session:
        q = get_question(session, question_id, user)
    if q is None:
        raise UserError(
            f"no question with id {question_id!r}; find ids with `archprep list` or `archprep search`"
        )
    if json_out:
        print_json(question_to_json(q))
        return
    console.print(Panel(q.question, title=f"{q.id} · {q.category} · {q.level} · {q.kind}"))
    from rich.markdown import Markdown  # ~80 ms to import; only these commands need it

    console.print(Markdown(q.answer))
    console.print(
        "\n[bold]Key points[/bold]"
        + (" [dim](picked from the model answer)[/dim]" if q.key_points_derived else "")
    )
    for kp in q.key_points:
        console.print(
            f"  • {kp.text}" + (f" [dim](×{kp.weight:g})[/dim]" if kp.weight != 1 else "")
        )
    if q.follow_ups:
        console.print("\n[bold]Follow-ups[/bold]")
        for f in q.follow_ups:
            console.print(f"  ? {f}")
    if q.calculators:
        console.print(
            f"\n[bold]Calculators[/bold]: {', '.join(q.calculators)} (archprep calc NAME)"
        )


@app.command("stats")
def stats_cmd(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """Counts by category x level x kind, due and new cards, reviews and streak."""
    actx = app_context(ctx)
    store = actx.store()
    now = actx.now()
    user = actx.local_user()
    with store.session() as session:
        stats = bank_stats(session, user, now)
    if json_out:
        print_json(stats)
        return
    # Light rules and whole category names: at 80 columns the kinds column gets the room.
    table = Table(title=f"{stats['questions']} questions", box=box.SIMPLE_HEAD, padding=(0, 1))
    table.add_column("category", no_wrap=True)
    table.add_column("total", justify="right")
    for level in LEVELS:
        table.add_column(LEVEL_HEADS.get(level, level), justify="right")
    table.add_column("kinds")
    for entry in stats["categories"]:
        kinds = sorted(entry["kinds"].items(), key=lambda kv: (-kv[1], kv[0]))
        table.add_row(
            entry["category"],
            str(entry["total"]),
            *(str(entry["levels"].get(lv, 0)) for lv in LEVELS),
            ", ".join(f"{k}\u00a0{n}" for k, n in kinds),  # a kind and its count stay together
        )
    console.print(table)
    console.print(
        f"Due now: [bold]{stats['due']}[/bold] · new: {stats['new']} · reviews today: "
        f"{stats['reviews_today']} · total reviews: {stats['reviews_total']} · streak: "
        f"{stats['streak_days']} day(s)"
    )
