"""``archprep mock``: timed mock interview loops in the terminal, their reports and history."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from archprep.bank.sync import ensure_bank
from archprep.cli.common import AppContext, app, app_context, console, err_console, print_json
from archprep.errors import UsageError, UserError
from archprep.interview import store as mock_store
from archprep.interview.mock import MockInterview, MockView, interview_grading
from archprep.interview.plans import plan_from_spec
from archprep.interview.report import history_trend, report_markdown, study_plan_note
from archprep.interview.session import HINT_PENALTY, STEP_TITLES
from archprep.store.cards import local_user_id

END = "."
COMMANDS = (
    "type your answer; end with a line `.` · /hint (−10) · /skip · /quit (resume later) · /end"
)


def mmss(seconds: float) -> str:
    sign = "-" if seconds < 0 else ""
    s = int(round(abs(seconds)))
    return f"{sign}{s // 60}:{s % 60:02d}"


def _user(actx: AppContext) -> int:
    store = actx.store()
    ensure_bank(store, actx.settings, actx.now())
    with store.session.begin() as session:
        return local_user_id(session, actx.now())


def _interview(actx: AppContext, user: int, session_id: int | None) -> MockInterview:
    grading = interview_grading(actx.settings)
    return MockInterview.open(
        actx.store(), user, session_id, grade=grading.grade, save_attempt=grading.save_attempt,
        llm=grading.llm,
    )  # fmt: skip


@app.command("mock")
def mock_cmd(
    ctx: typer.Context,
    plan: str | None = typer.Argument(
        None, help="Plan to run (see --list); with --resume, the id of the mock to resume."
    ),
    list_plans: bool = typer.Option(False, "--list", help="List the plans: rounds and minutes."),
    resume: bool = typer.Option(
        False, "--resume", help="Resume the latest unfinished mock (or the id given)."
    ),
    report: int | None = typer.Option(None, "--report", help="Show the report of mock ID."),
    markdown: Path | None = typer.Option(
        None, "--markdown", help="With --report: also write it as Markdown to this file."
    ),
    history: bool = typer.Option(False, "--history", help="Past mocks with scores and trend."),
    save_plan: str | None = typer.Option(
        None, "--save-plan", help="Save a plan of your own under this name (with --from-json)."
    ),
    from_json: Path | None = typer.Option(
        None, "--from-json", help="The plan for --save-plan, as JSON (shape: --list --json)."
    ),
    delete_plan: str | None = typer.Option(None, "--delete-plan", help="Delete a plan of yours."),
    seed: int | None = typer.Option(None, "--seed", help="Fix the question choice (repeatable)."),
    json_out: bool = typer.Option(
        False, "--json", help="Print JSON (--list, --report, --history)."
    ),
    offline: bool = typer.Option(
        False, "--offline", help="Never use the LLM judge or LLM follow-ups."
    ),
) -> None:
    """Mock interview loops: timed rounds, follow-ups on what you missed, a report and a study plan."""
    actx = app_context(ctx)
    if offline:
        actx.settings = actx.settings.model_copy(update={"llm_base_url": None})
    if list_plans:
        return _list(actx, json_out)
    if save_plan or from_json:
        return _save_plan(actx, save_plan, from_json)
    if delete_plan:
        user = _user(actx)
        with actx.store().session.begin() as session:
            if not mock_store.delete_plan(session, user, delete_plan):
                raise UserError(f"no plan of yours named {delete_plan!r}")
        console.print(f"Deleted plan {delete_plan}.")
        return None
    if report is not None:
        return _report(actx, report, json_out, markdown)
    if history:
        return _history(actx, json_out)
    if resume:
        session_id = None
        if plan is not None:
            if not plan.isdigit():
                raise UsageError(f"--resume takes a mock id (a number), not {plan!r}")
            session_id = int(plan)
        return _resume(actx, session_id)
    if plan is None:
        raise UsageError("name a plan to run (archprep mock --list shows them), or use --resume")
    return _start(actx, plan, seed)


def _list(actx: AppContext, json_out: bool) -> None:
    user = _user(actx)
    with actx.store().session() as session:
        plans = mock_store.list_plans(session, user)
    if json_out:
        print_json([{**p.summary(), "spec": p.as_spec()} for p in plans])
        return
    table = Table(title="Mock interview plans")
    for col in ("plan", "rounds", "minutes", "questions"):
        table.add_column(col)
    for p in plans:
        name = p.name + ("" if p.builtin else " (yours)")
        table.add_row(
            name, ", ".join(r.name for r in p.rounds), str(p.minutes), str(p.question_count)
        )
    console.print(table)
    console.print(
        "[dim]Run one: archprep mock PLAN · your own: --save-plan NAME --from-json FILE[/dim]"
    )


def _save_plan(actx: AppContext, name: str | None, source: Path | None) -> None:
    if not name or source is None:
        raise UsageError("--save-plan NAME and --from-json FILE go together")
    try:
        spec = json.loads(source.read_text("utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read {source}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise UserError(f"{source}:{exc.lineno}: not valid JSON ({exc.msg})") from exc
    except UnicodeDecodeError:
        raise UserError(f"{source}: not UTF-8 text; pass a JSON plan file") from None
    if isinstance(spec, dict) and isinstance(spec.get("spec"), dict):
        spec = spec["spec"]  # an entry of `--list --json` works as it is
    new_plan = plan_from_spec(name, spec)
    user = _user(actx)
    with actx.store().session.begin() as session:
        mock_store.save_plan(session, user, new_plan, actx.now())
    console.print(
        f"Saved plan {name}: {len(new_plan.rounds)} rounds, {new_plan.minutes} min, "
        f"{new_plan.question_count} questions. Run it: archprep mock {name}"
    )


# ---- running -------------------------------------------------------------------------------


def _start(actx: AppContext, plan_name: str, seed: int | None) -> None:
    user = _user(actx)
    store = actx.store()
    with store.session() as session:
        chosen = mock_store.get_plan(session, user, plan_name)
        open_one = mock_store.latest_unfinished(session, user)
    if open_one is not None:
        console.print(
            f"[dim]Mock #{open_one.id} ({open_one.plan_name}) is unfinished: "
            f"archprep mock --resume {open_one.id}[/dim]"
        )
    grading = interview_grading(actx.settings)
    mi = MockInterview.start(
        store, user, chosen, actx.now(), grade=grading.grade, save_attempt=grading.save_attempt,
        seed=seed, llm=grading.llm, desired_retention=actx.prefs(user).desired_retention,
    )  # fmt: skip
    view = mi.view(actx.now(), start_clock=False)
    console.rule(f"Mock #{mi.session_id}: {chosen.title}")
    console.print(
        f"{len(chosen.rounds)} rounds · {chosen.minutes} min · {view.total} questions. "
        "Answers are saved as you give them; `archprep mock --resume` continues after a break."
    )
    for note in view.plan_shortfalls:
        console.print(f"[yellow]{escape(note)}[/yellow]")
    _run(actx, mi)


def _resume(actx: AppContext, session_id: int | None) -> None:
    user = _user(actx)
    mi = _interview(actx, user, session_id)
    mi.resume()
    view = mi.view(actx.now(), start_clock=False)
    if view.status != mock_store.ACTIVE:
        raise UserError(f"mock #{view.id} is finished; see archprep mock --report {view.id}")
    console.rule(f"Resuming mock #{view.id}: {view.plan.title}")
    _show_given(view)
    _run(actx, mi)


def _show_given(view: MockView) -> None:
    """Every answer stored so far, and the whiteboard steps of a design in progress."""
    if not view.answers and not view.position.get("steps"):
        console.print("[dim]No answers yet.[/dim]")
    for a in view.answers:
        label = "Q" if a.role == "main" else "  follow-up"
        where = f"round {a.round_index + 1}, question {a.question_index + 1}"
        state = "skipped" if a.skipped else f"{mmss(a.duration_s)} of {mmss(a.budget_s)}"
        console.print(f"[bold]{label}[/bold] {escape(a.question_id)} · {where} · {state}")
        console.print(f"  [dim]{escape(a.prompt)}[/dim]")
        if a.answer:
            console.print(Panel(escape(a.answer), title="your answer", title_align="left"))
    for s in view.position.get("steps", []):
        title = STEP_TITLES.get(s["step"], s["step"])
        console.print(Panel(escape(s["answer"]), title=f"your {title}", title_align="left"))
    console.print(f"Continuing from question {view.number} of {view.total}.")


def read_answer() -> tuple[str, str | None]:
    """Lines up to a line with only `.` (or EOF). Returns (text, command or None); a command
    (/hint, /skip, /quit, /end) typed on a line of its own is returned at once; EOF is /eof."""
    lines: list[str] = []
    tty = sys.stdin.isatty()
    while True:
        if tty:
            console.print("> ", end="")
        line = sys.stdin.readline()
        if line == "":
            return "\n".join(lines).strip(), "/eof"
        stripped = line.strip()
        if stripped == END:
            return "\n".join(lines).strip(), None
        if stripped.lower() in ("/hint", "/skip", "/quit", "/end"):
            return "\n".join(lines).strip(), stripped.lower()
        lines.append(line.rstrip("\n"))


def _show_prompt(view: MockView, last_round: int | None) -> None:
    p = view.prompt
    assert p is not None and view.time is not None
    if last_round != p.round_index:
        spec = view.plan.rounds[p.round_index]
        console.rule(
            f"Round {p.round_index + 1}/{len(view.plan.rounds)}: {spec.name} "
            f"({spec.minutes} min, with the {spec.interviewer})"
        )
    budget = f"budget {mmss(p.budget_s)}"
    if p.role == "step":
        budget += f" · checkpoint {mmss(p.checkpoint_s or 0)} of {mmss(p.question_budget_s)}"
        if p.elapsed_s:
            budget += f" · used so far {mmss(p.elapsed_s)}"
    title = f"Q{view.number}/{view.total} · {p.title}"
    if view.question is not None and p.role != "followup":
        title += f" · {view.question.category} · {view.question.level}"
    console.print(Panel(escape(p.text), title=title, title_align="left", subtitle=budget))
    for h in view.hints_shown:
        console.print(f"[cyan]hint:[/cyan] {escape(h)}")
    console.print(f"[dim]{COMMANDS}[/dim]")


def _after(outcome_duration: float, budget: float) -> None:
    over = outcome_duration - budget
    note = f"over by {mmss(over)}" if over > 0 else f"{mmss(-over)} to spare"
    console.print(f"[dim]Saved · took {mmss(outcome_duration)} of {mmss(budget)} ({note}).[/dim]")


def _read_with_hints(actx: AppContext, mi: MockInterview) -> tuple[str, str | None]:
    """Read one answer; /hint prints the next hint and keeps what was typed so far."""
    parts: list[str] = []
    while True:
        text, command = read_answer()
        if text:
            parts.append(text)
        if command != "/hint":
            return "\n".join(parts), command
        hint = mi.hint(actx.now())
        if hint is None:
            console.print("[yellow]No more hints for this one.[/yellow]")
        else:
            console.print(f"[cyan]hint (−{HINT_PENALTY}):[/cyan] {escape(hint)}")


def _run(actx: AppContext, mi: MockInterview) -> None:
    try:
        _loop(actx, mi)
    except KeyboardInterrupt:  # Ctrl-C: what was answered is saved; say how to go on
        console.print()
        _paused(mi)
        raise typer.Exit(130) from None


def _loop(actx: AppContext, mi: MockInterview) -> None:
    last_round: int | None = None
    while True:
        view = mi.view(actx.now())
        if view.done:
            break
        assert view.prompt is not None
        _show_prompt(view, last_round)
        last_round = view.prompt.round_index
        text, command = _read_with_hints(actx, mi)
        if command == "/skip":
            mi.skip(actx.now())
            console.print("[yellow]Skipped.[/yellow]")
            continue
        if command in ("/quit", "/eof") and not text:
            _paused(mi)
            return
        if command == "/end" and not text:
            break
        prompt = view.prompt
        outcome = mi.answer(text, actx.now(), final=command == "/end")
        if outcome.record is not None:
            _after(outcome.record.duration_s, outcome.record.budget_s)
        elif outcome.elapsed_s is not None:
            mark = prompt.checkpoint_s or 0
            state = "behind" if outcome.elapsed_s > mark else "on track"
            console.print(
                f"[dim]{prompt.title} noted · {mmss(outcome.elapsed_s)} used, checkpoint "
                f"{mmss(mark)} ({state}).[/dim]"
            )
        if command in ("/quit", "/eof"):
            if mi.view(actx.now()).done:
                break  # that was the last answer: the mock is over, so show its report
            _paused(mi)
            return
        if command == "/end":
            break
    _finish(actx, mi)


def _paused(mi: MockInterview) -> None:
    mi.resume()
    console.print(
        f"Paused mock #{mi.session_id}; everything answered is saved. "
        f"Continue with: archprep mock --resume {mi.session_id}"
    )


def _finish(actx: AppContext, mi: MockInterview) -> None:
    data = mi.finish(actx.now())
    render_report(mi.session_id, data)


# ---- reports and history -------------------------------------------------------------------


def render_report(session_id: int, data: dict[str, Any]) -> None:
    o = data["overall"]
    score = "—" if o["score"] is None else f"{o['score']:.0f}/100"
    console.rule(f"Report: mock #{session_id} · {data.get('title') or data['plan']}")
    console.print(
        f"[bold]Overall {score}[/bold] · time {mmss(o['time_used_s'])} of {mmss(o['budget_s'])} · "
        f"asked {o['asked']}/{o['planned']} · skipped {o['skipped']} · hints {o['hints']}"
    )
    rounds = Table(title="Rounds")
    for col in ("round", "score", "asked", "time used", "budget"):
        rounds.add_column(col)
    for r in data["rounds"]:
        rs = "—" if r["score"] is None else f"{r['score']:.0f}"
        rounds.add_row(
            r["name"],
            rs,
            f"{r['asked']}/{r['planned']}",
            mmss(r["time_used_s"]),
            mmss(r["budget_s"]),
        )
    console.print(rounds)
    if data["categories"]:
        console.print(
            "Strongest: " + (", ".join(data["strongest"]) or "—")
            + " · weakest: " + (", ".join(data["weakest"]) or "—")
        )  # fmt: skip
    for a in data["answers"]:
        state = "skipped" if a["skipped"] else f"{a['score']:.0f}/100"
        timing = f"{mmss(a['duration_s'])} of {mmss(a['budget_s'])}"
        extra = f" · hints {a['hints']} (−{a['hint_penalty']})" if a["hints"] else ""
        console.print(f"\n[bold]{escape(a['question_id'])}[/bold] · {state} · {timing}{extra}")
        if a["feedback"]:
            console.print(escape(a["feedback"]))
        for kp in a["key_points"]:
            if kp.get("status") == "missed":
                console.print(f"  [red]missed[/red] {escape(kp['text'])}")
        for f in a["followups"]:
            fs = "skipped" if f["skipped"] else ("—" if f["score"] is None else f"{f['score']:.0f}")
            console.print(f"  follow-up ({fs}): {escape(f['prompt'])}")
    if data["recurring_misses"]:
        console.print("\n[bold]Recurring misses[/bold]")
        for t in data["recurring_misses"]:
            console.print(f"  {escape(t['theme'])}: {', '.join(t['questions'])}")
    for note in data.get("notices", []):
        err_console.print(f"[yellow]note:[/yellow] {escape(note)}")
    plan = data["study_plan"]
    console.print("\n[bold]Study plan[/bold]")
    if not plan["questions"] and not plan["calculators"]:
        console.print(f"  {study_plan_note(data)}")
    for q in plan["questions"]:
        console.print(f"  revisit {escape(q['id'])} ({q['reason']})")
    for c in plan["calculators"]:
        console.print(f"  practise `{c['command']}` (used by {', '.join(c['questions'])})")
    scheduled = plan.get("scheduled", [])
    if scheduled:
        console.print(f"  {len(scheduled)} cards are due now in `archprep study`.")
    console.print(f"[dim]Markdown: archprep mock --report {session_id} --markdown FILE[/dim]")


def _report(actx: AppContext, session_id: int, json_out: bool, markdown: Path | None) -> None:
    user = _user(actx)
    mi = _interview(actx, user, session_id)
    data = mi.report() or mi.provisional_report()
    if markdown is not None:
        try:
            markdown.write_text(report_markdown(data, session_id), "utf-8")
        except OSError as exc:
            raise UserError(f"cannot write {markdown}: {exc.strerror}") from exc
    if json_out:
        print_json({"id": session_id, **data})
    else:
        render_report(session_id, data)
        if markdown is not None:
            console.print(f"Wrote {markdown}.")


def _history(actx: AppContext, json_out: bool) -> None:
    user = _user(actx)
    with actx.store().session() as session:
        rows = mock_store.history(session, user)
    trend = history_trend(rows)
    for row, delta in zip(rows, trend["deltas"], strict=True):
        row["change"] = delta
    if json_out:
        print_json({"mocks": rows, "trend": trend["direction"], "best": trend["best"]})
        return
    if not rows:
        console.print("No mock interviews yet: archprep mock --list")
        return
    table = Table(title=f"Mock interviews (trend: {trend['direction']})")
    for col in ("id", "started", "plan", "status", "score", "change"):
        table.add_column(col)
    for r in rows:
        started: datetime = r["started_at"]
        score = "—" if r["score"] is None else f"{r['score']:.0f}"
        change = "" if r["change"] is None else f"{r['change']:+.0f}"
        table.add_row(
            str(r["id"]), started.strftime("%Y-%m-%d %H:%M"), r["plan"], r["status"], score, change
        )
    console.print(table)
