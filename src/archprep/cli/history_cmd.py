"""``archprep history ID``: every attempt at a question, word-level diffs, recurring misses."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from archprep.cli.common import app, app_context, console, print_json
from archprep.errors import UserError
from archprep.history import AttemptDiff, QuestionHistory, diff_attempts, question_history
from archprep.store.questions import get_question


@app.command("history")
def history_cmd(
    ctx: typer.Context,
    question_id: str = typer.Argument(..., help="The question's id, e.g. rag/hybrid-search."),
    diff: tuple[int, int] | None = typer.Option(
        None,
        "--diff",
        metavar="A B",
        help="Word-level diff between attempts A and B (numbers from the table; 0 = latest).",
    ),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Your attempts at one question over time, with scores, diffs and recurring missed points."""
    actx = app_context(ctx)
    user = actx.local_user()
    with actx.store().session() as session:
        if get_question(session, question_id, user) is None:
            raise UserError(f"no question with id {question_id!r}; see `archprep list`")
        history = question_history(session, user, question_id)
    changes = diff_attempts(history, *diff) if diff else None
    if json_out:
        data = history.as_dict()
        if changes is not None:
            data["diff"] = changes.as_dict()
        print_json(data)
        return
    render_history(history)
    if changes is not None:
        render_diff(changes)
    elif len(history.attempts) >= 2:
        console.print(
            f"[dim]Compare two answers: archprep history {question_id} --diff 1 "
            f"{len(history.attempts)}[/dim]"
        )


def render_history(history: QuestionHistory) -> None:
    if not history.attempts:
        console.print(
            f"No attempts at {history.question_id} yet: answer it with `archprep practice`."
        )
        return
    table = Table(title=f"Attempts at {history.question_id}", title_justify="left")
    for name in ("#", "when", "mode", "score", "change", "key points"):
        table.add_column(name, justify="right" if name in ("#", "score", "change") else "left")
    previous: float | None = None
    for a in history.attempts:
        change = "" if previous is None else f"{a.score - previous:+.0f}"
        covered = sum(1 for _t, s in a.key_points if s == "covered")
        points = f"{covered}/{len(a.key_points)} covered" if a.key_points else ""
        table.add_row(
            str(a.number), f"{a.created_at:%Y-%m-%d %H:%M}", a.mode, f"{a.score:.0f}", change,
            points,
        )  # fmt: skip
        previous = a.score
    console.print(table)
    if history.score_change is not None:
        console.print(f"Score since the first attempt: {history.score_change:+.0f}")
    if history.recurring:
        console.print("[bold]Recurring misses[/bold] (not covered in 2+ attempts):")
        for r in history.recurring:
            line = Text("  • ")
            line.append(r.text, style="bold red" if r.still_missing else "green")
            tail = f"  missed {r.missed}×" + (f", partial {r.partial}×" if r.partial else "")
            tail += ", still missing in the latest attempt" if r.still_missing else ", fixed since"
            line.append(tail, style="dim")
            console.print(line)


def render_diff(changes: AttemptDiff) -> None:
    old, new = changes.old, changes.new
    console.rule(
        f"Attempt {old.number} → {new.number}: score {old.score:.0f} → {new.score:.0f} · "
        f"+{changes.words_added} / −{changes.words_removed} words"
    )
    # Without colour (piped, NO_COLOR) the changes are marked the way `git diff --word-diff`
    # marks them, [-removed-] and {+added+}; with colour, struck red and bold green.
    marks = console.no_color or console.color_system is None
    text = Text()
    for part in changes.parts:
        style = {"insert": "bold green", "delete": "red strike", "equal": ""}[part.op]
        body = part.text
        if marks and part.op != "equal":
            words = body.rstrip()
            opened, closed = ("[-", "-]") if part.op == "delete" else ("{+", "+}")
            body = f"{opened}{words}{closed}{body[len(words) :]}"
        text.append(body, style=style)
    console.print(text)
