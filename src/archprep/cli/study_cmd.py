"""``archprep study``: terminal flashcards scheduled by FSRS, one committed review per card."""

from __future__ import annotations

import sys
import time
from collections import Counter

import typer
from rich.panel import Panel
from rich.table import Table

from archprep.cli.common import AppContext, app, app_context, console, print_json
from archprep.errors import UserError
from archprep.scheduling import STATE_NAMES, Grade, humanize_interval, make_scheduler, preview
from archprep.store.cards import (
    StudyCard,
    bury,
    card_state,
    due_queue,
    last_undoable_review,
    record_review,
    set_suspended,
    suspended_ids,
    undo_review,
)

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
    prefs = actx.prefs(user)
    with store.session() as session:
        queue = due_queue(
            session,
            user,
            actx.now(),
            new_per_day=prefs.new_cards_per_day,
            limit=limit,
            category=category,
            deck=deck,
        )
    drills = [c for c in queue if c.question.kind == "drill"]
    queue = [c for c in queue if c.question.kind != "drill"]
    if drills:
        console.print(f"[dim]{len(drills)} calculator drill(s) due: run `archprep drill`.[/dim]")
    if not queue:
        console.print(
            "Nothing is due. Come back later, or try `archprep practice` to answer questions."
        )
        return
    scheduler = make_scheduler(prefs.desired_retention)
    ratings: Counter[str] = Counter()
    started = time.monotonic()
    rated: list[tuple[int, int, Grade]] = []  # (queue index, review log id, grade) for undo
    index = 0
    while index < len(queue):
        card = queue[index]
        q = card.question
        status = STATE_NAMES.get(card.memory.state, "new")
        console.rule(f"Card {index + 1}/{len(queue)} · {q.category} · {q.level} · {status}")
        console.print(Panel(q.question, title=q.id, title_align="left"))
        shown_at = time.monotonic()
        key = read_key("[dim]space/enter: reveal · u: back · q: quit[/dim] ")
        if key == "u":
            index = _undo(actx, user, queue, rated, ratings, index)
            continue
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
            key = read_key(f"{labels} · s suspend · b bury · u back · q quit: ")
            if key in KEYS or key in {"q", "s", "b", "u"}:
                break
            console.print(
                "[yellow]Press 1-4 to rate, s to suspend, b to bury, u to go back or q to "
                "quit.[/yellow]"
            )
        if key == "u":
            index = _undo(actx, user, queue, rated, ratings, index)
            continue
        if key == "q":
            break
        now = actx.now()
        with store.session.begin() as session:
            if key == "s":
                set_suspended(session, user, q.id, True, now)
                ratings["suspended"] += 1
                console.print(
                    f"[dim]Suspended {q.id}: out of study until `archprep unsuspend {q.id}`.[/dim]"
                )
            elif key == "b":
                bury(session, user, q.id, now)
                ratings["buried"] += 1
                console.print(f"[dim]Buried {q.id} until tomorrow.[/dim]")
            else:
                grade = KEYS[key]
                after = record_review(
                    session,
                    user,
                    q.id,
                    grade,
                    now,
                    duration_ms=int((time.monotonic() - shown_at) * 1000),
                    desired_retention=prefs.desired_retention,
                )
                ratings[grade.name.title()] += 1
                log_id = last_undoable_review(session, user)
                assert after.due is not None and log_id is not None
                rated.append((index, log_id, grade))
                console.print(f"[dim]Next review in {humanize_interval(now, after.due)}.[/dim]")
        index += 1
    _summary(len(rated), ratings, time.monotonic() - started)
    failed = [queue[i] for i, _log, grade in rated if grade == Grade.AGAIN]
    if (
        failed
        and read_key(
            f"Re-drill the {len(failed)} card(s) you failed (not recorded)? r: yes · enter: finish "
        )
        == "r"
    ):
        cram_pass(failed, "Re-drill")


def _undo(
    actx: AppContext,
    user: int,
    queue: list[StudyCard],
    rated: list[tuple[int, int, Grade]],
    ratings: Counter[str],
    index: int,
) -> int:
    """Undo this session's last rating exactly (card state restored, log deleted); its index."""
    if not rated:
        console.print("[yellow]No rating in this session to undo.[/yellow]")
        return index
    position, log_id, grade = rated.pop()
    with actx.store().session.begin() as session:
        undo_review(session, user, log_id)
    ratings[grade.name.title()] -= 1
    console.print(f"[dim]Undid {grade.name.title()} on {queue[position].question.id}.[/dim]")
    return position


def cram_pass(cards: list[StudyCard], title: str) -> int:
    """Show cards again without touching FSRS: Again brings a card back at the end; how many shown."""
    from rich.markdown import Markdown

    pending = list(cards)
    shown = 0
    while pending:
        card = pending.pop(0)
        console.rule(f"{title} · {len(pending) + 1} left · not recorded")
        console.print(Panel(card.question.question, title=card.question.id, title_align="left"))
        if read_key("[dim]space/enter: reveal · q: quit[/dim] ") == "q":
            break
        console.print(Markdown(card.question.answer))
        shown += 1
        key = read_key("1 again (comes back) · any other key: got it · q quit: ")
        if key == "q":
            break
        if key == "1":
            pending.append(card)
    return shown


@app.command("unsuspend")
def unsuspend_cmd(
    ctx: typer.Context,
    ids: list[str] | None = typer.Argument(None, help="Question ids to bring back into study."),
    list_only: bool = typer.Option(False, "--list", help="List the suspended cards."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Bring suspended flashcards back into study (suspend them with `s` in `archprep study`)."""
    actx = app_context(ctx)
    user = actx.local_user()
    with actx.store().session.begin() as session:
        if list_only or not ids:
            found = suspended_ids(session, user)
            if json_out:
                print_json({"suspended": found})
            else:
                console.print("\n".join(found) or "No suspended cards.")
            return
        for qid in ids:
            row = card_state(session, user, qid)
            if row is None or not row.suspended:
                raise UserError(f"{qid!r} is not suspended; see `archprep unsuspend --list`")
            set_suspended(session, user, qid, False, actx.now())
    if json_out:
        print_json({"unsuspended": ids})
    else:
        console.print(f"Unsuspended {len(ids)} card(s).")


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
