"""``archprep study``: terminal flashcards scheduled by FSRS, one committed review per card."""

from __future__ import annotations

import sys
import time
from collections import Counter

import typer
from rich.panel import Panel
from rich.table import Table

from archprep.cli.app import app, app_context, console
from archprep.scheduling import STATE_NAMES, Grade, humanize_interval, make_scheduler, preview
from archprep.store.cards import bury, due_queue, record_review, set_suspended

KEYS = {"1": Grade.AGAIN, "2": Grade.HARD, "3": Grade.GOOD, "4": Grade.EASY}


def read_key(prompt: str) -> str:
    """One keypress on a terminal; one line when input is piped (scripts, tests). EOF quits."""
    console.print(prompt, end="")
    if sys.stdin.isatty():
        try:
            key = typer.getchar()
        except (EOFError, KeyboardInterrupt):
            key = "q"
        console.print()
        return key.lower()
    line = sys.stdin.readline()
    console.print()
    if line == "":
        return "q"
    return (line.strip() or " ")[0].lower()


@app.command("study")
def study_cmd(
    ctx: typer.Context,
    category: str | None = typer.Option(None, help="Only cards from this category."),
    deck: str | None = typer.Option(None, help="Only cards from this deck."),
    limit: int = typer.Option(20, min=1, max=500, help="Most cards in this session."),
) -> None:
    """Flashcards: reveal the model answer, rate Again/Hard/Good/Easy, FSRS schedules the next review."""
    actx = app_context(ctx)
    store = actx.store()
    user = actx.local_user()
    with store.session() as session:
        queue = due_queue(
            session,
            user,
            actx.now(),
            new_per_day=actx.settings.new_cards_per_day,
            limit=limit,
            category=category,
            deck=deck,
        )
    if not queue:
        console.print(
            "Nothing is due. Come back later, or try `archprep practice` to answer questions."
        )
        return
    scheduler = make_scheduler(actx.settings.desired_retention)
    ratings: Counter[str] = Counter()
    started = time.monotonic()
    done = 0
    for index, card in enumerate(queue, start=1):
        q = card.question
        status = STATE_NAMES.get(card.memory.state, "new")
        console.rule(f"Card {index}/{len(queue)} · {q.category} · {q.level} · {status}")
        console.print(Panel(q.question, title=q.id, title_align="left"))
        shown_at = time.monotonic()
        key = read_key("[dim]space/enter: reveal · q: quit[/dim] ")
        if key == "q":
            break
        from rich.markdown import Markdown  # ~80 ms to import; only these commands need it

        console.print(Markdown(q.answer))
        if q.key_points:
            console.print("[bold]Key points[/bold]")
            for kp in q.key_points:
                console.print(f"  • {kp.text}")
        due_by = preview(card.memory, actx.now(), scheduler)
        labels = " ".join(
            f"[bold]{k}[/bold] {g.name.title()} ({humanize_interval(actx.now(), due_by[g])})"
            for k, g in KEYS.items()
        )
        while True:
            key = read_key(f"{labels} · s suspend · b bury · q quit: ")
            if key in KEYS or key in {"q", "s", "b"}:
                break
            console.print(
                "[yellow]Press 1-4 to rate, s to suspend, b to bury or q to quit.[/yellow]"
            )
        if key == "q":
            break
        now = actx.now()
        with store.session.begin() as session:
            if key == "s":
                set_suspended(session, user, q.id, True, now)
                ratings["suspended"] += 1
            elif key == "b":
                bury(session, user, q.id, now)
                ratings["buried"] += 1
            else:
                grade = KEYS[key]
                after = record_review(
                    session,
                    user,
                    q.id,
                    grade,
                    now,
                    duration_ms=int((time.monotonic() - shown_at) * 1000),
                    desired_retention=actx.settings.desired_retention,
                )
                ratings[grade.name.title()] += 1
                done += 1
                assert after.due is not None
                console.print(f"[dim]Next review in {humanize_interval(now, after.due)}.[/dim]")
    _summary(done, ratings, time.monotonic() - started)


def _summary(done: int, ratings: Counter[str], seconds: float) -> None:
    table = Table(title="Session summary", show_header=False)
    table.add_row("cards rated", str(done))
    for name in ("Again", "Hard", "Good", "Easy", "suspended", "buried"):
        if ratings[name]:
            table.add_row(name, str(ratings[name]))
    table.add_row("time", f"{seconds / 60:.1f} min")
    if done:
        table.add_row("recall rate", f"{100 * (done - ratings['Again']) / done:.0f}%")
    console.print(table)
