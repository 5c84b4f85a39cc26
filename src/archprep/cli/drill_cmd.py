"""``archprep drill``: calculator drills with fresh numbers, scored by relative error, on FSRS."""

from __future__ import annotations

import sys
import time
from datetime import datetime

import typer
from rich.panel import Panel
from rich.table import Table

from archprep.calculators.base import fmt
from archprep.cli.common import AppContext, app, app_context, console, print_json
from archprep.cli.study_cmd import KEYS, read_key
from archprep.drills import (
    Drill,
    DrillSpec,
    draw,
    drill_dues,
    drill_order,
    ensure_drills,
    fresh_seed,
    save_attempt,
    score_estimate,
    specs_for,
)
from archprep.errors import UserError
from archprep.estimates import parse_estimate
from archprep.scheduling import humanize_interval
from archprep.store.cards import record_review


def read_line(prompt: str) -> str | None:
    """One line of input (``None`` at end of input)."""
    console.print(prompt, end="")
    line = sys.stdin.readline()
    if not sys.stdin.isatty():
        console.print()
    return None if line == "" else line.strip()


@app.command("drill")
def drill_cmd(
    ctx: typer.Context,
    calculator: str | None = typer.Option(
        None, help="Only drills on this calculator (gpu-memory, throughput, availability, ...)."
    ),
    count: int = typer.Option(5, min=1, max=50, help="Drills in this session."),
    seed: int | None = typer.Option(None, help="Draw reproducible numbers from this seed."),
    list_only: bool = typer.Option(False, "--list", help="List the drills and when each is due."),
    json_out: bool = typer.Option(False, "--json", help="With --list: print JSON."),
) -> None:
    """Estimate a number (GPU memory, KV cache, pods, downtime, cost, PSI), then see the worked answer."""
    actx = app_context(ctx)
    user = actx.local_user()
    now = actx.now()
    specs = specs_for(calculator)
    store = actx.store()
    with store.session.begin() as session:
        ensure_drills(session, now)
        dues = drill_dues(session, user, specs)
    queue = drill_order(specs, dues, now)
    if list_only:
        _list(queue, dues, now, json_out)
        return
    scores: list[tuple[str, float]] = []
    for n, spec in enumerate(queue[:count], start=1):
        drill = draw(spec, (seed + n if seed is not None else fresh_seed(spec.slug, now) + n))
        console.rule(f"Drill {n}/{min(count, len(queue))} · {spec.title} · {spec.category}")
        console.print(Panel(drill.prompt, title=spec.question_id, title_align="left"))
        shown = time.monotonic()
        while True:
            line = read_line(
                f"Your estimate{f' ({spec.unit})' if spec.unit else ''} · s skip · q quit: "
            )
            if line is None or line.lower() == "q":
                _summary(scores)
                return
            if line.lower() == "s":
                break
            try:
                estimate = parse_estimate(line, spec.unit)
            except UserError as exc:
                console.print(f"[yellow]{exc}[/yellow]")
                continue
            if not _answer(actx, user, drill, line, estimate, time.monotonic() - shown, scores):
                _summary(scores)
                return
            break
    _summary(scores)


def _answer(
    actx: AppContext, user: int, drill: Drill, line: str, estimate: float, seconds: float,
    scores: list[tuple[str, float]],
) -> bool:  # fmt: skip
    """Show the worked answer and score, keep the attempt, record the rating; False to stop."""
    spec = drill.spec
    scored = score_estimate(estimate, drill.expected)
    for step_no, step in enumerate(drill.result.steps, start=1):
        console.print(f"  {step_no}. {step}", markup=False)
    unit = f" {spec.unit}" if spec.unit else ""
    ratio = f" ({scored.ratio:.2f}× the answer)" if scored.ratio else ""
    style = {"full": "green", "partial": "yellow", "zero": "red"}[scored.band]
    console.print(
        f"Answer [bold]{fmt(drill.expected)}{unit}[/bold] · you said {fmt(estimate)}{ratio} · "
        f"[{style}]score {scored.score:.0f}[/{style}]"
    )
    now = actx.now()
    with actx.store().session.begin() as session:
        save_attempt(session, user, drill, line, estimate, scored, now, duration_s=seconds)
    scores.append((spec.slug, scored.score))
    suggested = scored.grade
    grade = None
    for _ in range(3):  # another key asks again rather than standing for the suggestion
        key = read_key(
            f"Suggested rating [bold]{suggested.name.title()}[/bold]: enter accepts, 1-4 "
            "overrides, q quits: "
        )
        if key == "q":
            return False
        if key in KEYS or key in ("\r", "\n", " ", ""):
            grade = KEYS.get(key, suggested)
            break
        console.print("[yellow]Press Enter, 1, 2, 3, 4 or q.[/yellow]")
    grade = grade or suggested
    retention = actx.prefs(user).desired_retention  # read before the write begins
    with actx.store().session.begin() as session:
        after = record_review(
            session, user, spec.question_id, grade, now, duration_ms=int(seconds * 1000),
            desired_retention=retention,
        )  # fmt: skip
    assert after.due is not None
    console.print(
        f"[dim]{grade.name.title()} · next drill in {humanize_interval(now, after.due)}.[/dim]"
    )
    return True


def _list(
    queue: list[DrillSpec], dues: dict[str, datetime | None], now: datetime, json_out: bool
) -> None:
    if json_out:
        print_json(
            [
                {"id": s.question_id, "title": s.title, "calculator": s.calculator,
                 "category": s.category, "level": s.level, "due": dues.get(s.question_id)}
                for s in queue
            ]
        )  # fmt: skip
        return
    table = Table()
    for col in ("id", "title", "calculator", "category", "due"):
        table.add_column(col)
    for s in queue:
        due = dues.get(s.question_id)
        when = (
            "new" if due is None else "now" if due <= now else f"in {humanize_interval(now, due)}"
        )
        table.add_row(s.question_id, s.title, s.calculator, s.category, when)
    console.print(table)


def _summary(scores: list[tuple[str, float]]) -> None:
    if not scores:
        return
    mean = sum(s for _, s in scores) / len(scores)
    console.print(f"{len(scores)} drill(s), mean score {mean:.0f}.")
