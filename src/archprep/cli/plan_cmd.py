"""``archprep plan``: interview dates, the recall forecast per category, and today's plan."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import typer
from rich import box
from rich.table import Table
from rich.text import Text

from archprep.cli.common import AppContext, app, app_context, console, print_json
from archprep.cli.study_cmd import cram_pass
from archprep.drills import ensure_drills
from archprep.errors import UsageError, UserError
from archprep.planner import (
    MOCK_MINUTES,
    PRACTICE_MINUTES,
    ROLE_PROFILES,
    Plan,
    Target,
    cram_queue,
    parse_weights,
    resolve_role,
)
from archprep.scheduling import CardMemory
from archprep.store.cards import StudyCard
from archprep.store.questions import get_question
from archprep.store.schema import InterviewTargetRow
from archprep.store.targets import (
    add_target,
    list_targets,
    load_plan_cards,
    plan_for,
    remove_target,
    to_target,
)

plan_app = typer.Typer(
    help="Plan for an interview date: recall forecast per category and today's work.",
    invoke_without_command=True,
)
app.add_typer(plan_app, name="plan")

JSON_HELP = "Print the result as JSON."
BAR = 12  # characters in a forecast bar


def parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise UsageError(f"--date must be a date as YYYY-MM-DD (got {raw!r})") from None


def target_json(row: InterviewTargetRow, today: date) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "interview_date": row.interview_date.isoformat(),
        "days_left": (row.interview_date - today).days,
        "role": row.role_focus,
        "category_weights": row.category_weights,
        "target_recall": row.target_recall,
        "daily_minutes": row.daily_minutes,
    }


def _user(actx: AppContext) -> int:
    user = actx.local_user()
    with actx.store().session.begin() as session:
        ensure_drills(session, actx.now())
    return user


def _choose_target(
    actx: AppContext,
    user: int,
    when: str | None,
    role: str | None,
    minutes: int | None,
    goal: float | None,
) -> Target:
    """The saved target for ``--date`` (or the next one), with any options overriding it."""
    today = actx.now().date()
    with actx.store().session() as session:
        upcoming = list_targets(session, user, upcoming_from=today)
    if when is not None:
        day = parse_date(when)
        saved = [r for r in upcoming if r.interview_date == day]
        target = to_target(saved[0]) if saved else Target(day)
    elif upcoming:
        target = to_target(upcoming[0])
    else:
        raise UserError(
            "no interview date set: run `archprep plan add --date YYYY-MM-DD --role ROLE "
            "--minutes N`, or pass --date"
        )
    if role is not None:
        profile = resolve_role(role)
        target = replace(target, role=profile.slug, weights=dict(profile.weights))
    if minutes is not None:
        target = replace(target, daily_minutes=minutes)
    if goal is not None:
        target = replace(target, target_recall=goal)
    return target


@plan_app.callback()
def plan_cmd(
    ctx: typer.Context,
    when: str | None = typer.Option(
        None, "--date", help="Interview date YYYY-MM-DD (default: your next saved interview)."
    ),
    role: str | None = typer.Option(None, help="Role profile weighting the categories."),
    minutes: int | None = typer.Option(None, min=5, max=600, help="Daily time budget, minutes."),
    goal: float | None = typer.Option(
        None, "--target", min=0.5, max=0.99, help="Recall to reach on the day (default 0.9)."
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Forecast per category (recall on the interview date now and with the plan) and today's plan."""
    if ctx.invoked_subcommand is not None:
        return
    actx = app_context(ctx)
    user = _user(actx)
    target = _choose_target(actx, user, when, role, minutes, goal)
    prefs = actx.prefs(user)
    with actx.store().session() as session:
        plan = plan_for(
            session,
            user,
            target,
            actx.now(),
            prefs.desired_retention,
            new_per_day=prefs.new_cards_per_day,  # what `archprep study` shows a day
        )
    if json_out:
        print_json(plan.as_dict())
        return
    render_plan(plan)


def _bar(value: float, target: float) -> Text:
    filled = round(value * BAR)
    style = "green" if value >= target else "yellow" if value >= target - 0.2 else "red"
    bar = Text("█" * filled, style=style)
    bar.append("░" * (BAR - filled), style="dim")
    bar.append(f" {value * 100:3.0f}%")
    return bar


def render_plan(plan: Plan) -> None:
    """The forecast as a bar chart per category, then today's plan and the week ahead."""
    t = plan.target
    goal = t.target_recall
    console.rule(f"{t.name} · {t.interview_date:%a %d %b %Y} · {plan.days_left} day(s) left")
    console.print(
        f"Role focus [bold]{t.role}[/bold] · target {goal:.0%} recall · {t.daily_minutes} min/day "
        f"· {plan.timing.new_s:.0f} s per new card, {plan.timing.review_s:.0f} s per review"
    )
    table = Table(
        title="Predicted recall on the interview date", title_justify="left", box=box.SIMPLE_HEAD
    )
    table.add_column("category")
    table.add_column("weight", justify="right")
    table.add_column("seen", justify="right")
    table.add_column("if you stop today")
    table.add_column("with the plan")
    for c in plan.categories:
        table.add_row(
            c.category if c.weight else Text(c.category, style="dim"),
            f"{c.weight:g}",
            f"{c.seen}/{c.cards}",
            _bar(c.recall_now, goal),
            _bar(c.recall_with_plan, goal),
        )
    table.add_row(
        Text("overall (weighted)", style="bold"), "", "", _bar(plan.recall_now, goal),
        _bar(plan.recall_with_plan, goal),
    )  # fmt: skip
    console.print(table)
    short = [c.category for c in plan.categories if c.weight and not c.meets_target]
    if short:
        console.print(
            f"[yellow]Below {goal:.0%} even with the plan: {', '.join(short)}.[/yellow] "
            "More minutes per day or an earlier start closes the gap."
        )
    if plan.unseen_left:
        console.print(f"[yellow]{plan.unseen_left} card(s) will not fit before the day.[/yellow]")
    today = plan.today
    if today is None:
        console.print("The interview is today: good luck! Skim your weakest answers, no cramming.")
        return
    console.print(f"[bold]Today[/bold] ({today.minutes:.0f} of {t.daily_minutes} min):")
    overdue = f" ({today.overdue} overdue)" if today.overdue else ""
    console.print(f"  • {len(today.reviews)} review(s){overdue} and {len(today.new)} new card(s): ")
    console.print(f"    `archprep study --limit {len(today.reviews) + len(today.new) or 1}`")
    if today.mock:
        console.print(f"  • a {MOCK_MINUTES}-minute mock interview: `archprep mock`")
    if today.practice:
        console.print(
            f"  • {today.practice} written answer(s), ~{PRACTICE_MINUTES} min each: "
            "`archprep practice`"
        )
    if today.carried_over:
        console.print(f"  • {today.carried_over} due review(s) wait for the coming days")
    week = Table(title="The days ahead", title_justify="left", box=box.SIMPLE_HEAD)
    for name in ("day", "reviews", "new", "sessions", "minutes"):
        week.add_column(name, justify="left" if name == "day" else "right")
    for d in plan.days[:7]:
        sessions = ", ".join(
            part
            for part in ("mock" if d.mock else "", f"{d.practice} practice" if d.practice else "")
            if part
        )
        week.add_row(
            f"{d.day:%a %d %b}", str(len(d.reviews)), str(len(d.new)), sessions, f"{d.minutes:.0f}"
        )
    console.print(week)


@plan_app.command("add")
def plan_add(
    ctx: typer.Context,
    when: str = typer.Option(..., "--date", help="The interview date, YYYY-MM-DD."),
    role: str = typer.Option(
        "general", help=f"Role profile: {', '.join(ROLE_PROFILES)} (or its title)."
    ),
    minutes: int = typer.Option(45, min=5, max=600, help="Daily time budget, minutes."),
    goal: float = typer.Option(
        0.9, "--target", min=0.5, max=0.99, help="Recall to reach on the day."
    ),
    name: str | None = typer.Option(None, help="A name, e.g. the company."),
    weight: list[str] = typer.Option(
        [], "--weight", help="Override a category's weight: CATEGORY=W (0 leaves it out)."
    ),
    json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Save an interview date; reviews that would land after it with low recall are pulled in."""
    actx = app_context(ctx)
    user = _user(actx)
    with actx.store().session.begin() as session:
        row = add_target(
            session,
            user,
            interview_date=parse_date(when),
            now=actx.now(),
            role=role,
            name=name,
            weights=parse_weights(weight),
            target_recall=goal,
            daily_minutes=minutes,
        )
        data = target_json(row, actx.now().date())
    if json_out:
        print_json(data)
    else:
        console.print(
            f"Saved #{data['id']}: {data['name']} on {data['interview_date']} "
            f"({data['days_left']} days). Run `archprep plan` for the forecast."
        )


@plan_app.command("list")
def plan_list(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help=JSON_HELP)
) -> None:
    """Your interview dates, soonest first."""
    actx = app_context(ctx)
    user = actx.local_user()
    today = actx.now().date()
    with actx.store().session() as session:
        rows = [target_json(r, today) for r in list_targets(session, user)]
    if json_out:
        print_json(rows)
        return
    if not rows:
        console.print("No interview dates yet: `archprep plan add --date YYYY-MM-DD`.")
        return
    table = Table()
    for col in ("id", "name", "date", "days left", "role", "min/day", "target"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            str(r["id"]), r["name"], r["interview_date"], str(r["days_left"]), r["role"] or "",
            str(r["daily_minutes"]), f"{r['target_recall']:.0%}",
        )  # fmt: skip
    console.print(table)


@plan_app.command("remove")
def plan_remove(
    ctx: typer.Context,
    target_id: int = typer.Argument(..., help="The id shown by `archprep plan list`."),
) -> None:
    """Forget an interview date."""
    actx = app_context(ctx)
    user = actx.local_user()
    with actx.store().session.begin() as session:
        remove_target(session, user, target_id)
    console.print(f"Removed #{target_id}.")


@plan_app.command("roles")
def plan_roles(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help=JSON_HELP)
) -> None:
    """The built-in role profiles and the categories each weights most."""
    if json_out:
        print_json(
            [{"role": p.slug, "title": p.title, "weights": dict(p.weights)}
             for p in ROLE_PROFILES.values()]
        )  # fmt: skip
        return
    table = Table()
    table.add_column("role")
    table.add_column("title")
    table.add_column("focus (weight ≥ 2)")
    for p in ROLE_PROFILES.values():
        focus = [f"{c} ×{w:g}" for c, w in sorted(p.weights.items(), key=lambda i: -i[1]) if w >= 2]
        table.add_row(p.slug, p.title, ", ".join(focus) or "all categories equally")
    console.print(table)


@plan_app.command("cram")
def plan_cram(
    ctx: typer.Context,
    category: str | None = typer.Option(None, help="Only cards from this category."),
    limit: int = typer.Option(20, min=1, max=500, help="Most cards in this session."),
) -> None:
    """Extra practice on the cards most at risk on the interview date; FSRS is not touched."""
    actx = app_context(ctx)
    user = _user(actx)
    now = actx.now()
    with actx.store().session() as session:
        upcoming = list_targets(session, user, upcoming_from=now.date())
        target = to_target(upcoming[0]) if upcoming else None
        cards = [
            c
            for c in load_plan_cards(session, user)
            if (category is None or c.category == category)
        ]
        at = target.interview_at if target else now
        ids = cram_queue(
            cards, at, weight=target.weight if target else (lambda _c: 1.0), limit=limit
        )
        memories = {c.question_id: c.memory for c in cards}
        study = []
        for qid in ids:
            q = get_question(session, qid, user)
            if q is not None and q.kind != "drill":
                study.append(StudyCard(q, memories.get(qid, CardMemory())))
    if not study:
        console.print("Nothing to cram yet: study some cards first (`archprep study`).")
        return
    shown = cram_pass(study, "Cram")
    console.print(f"Crammed {shown} card(s); your review schedule is unchanged.")
