"""Interview planner: dates and role focus, the recall forecast per category, today's plan."""

from __future__ import annotations

import html
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from markupsafe import Markup
from sqlalchemy.orm import Session

from archprep.bank.model import category_title
from archprep.drills import ensure_drills
from archprep.errors import UserError
from archprep.planner import (
    MOCK_MINUTES,
    PRACTICE_MINUTES,
    ROLE_PROFILES,
    Plan,
    Target,
    parse_weights,
)
from archprep.store.schema import InterviewTargetRow
from archprep.store.targets import add_target, list_targets, plan_for, remove_target, to_target
from archprep.web.deps import DB, CurrentViewer, Viewer, now, page, prefs_for

router = APIRouter()


ROW = 44  # pixels per category in the forecast chart: a line for the name, two bars below
SPAN = 88.0  # percent of the width the bars may take; the rest holds the value at a bar's end


def forecast_chart(plan: Plan) -> Markup:
    """Two bars per category (recall on the day if you stop now, and with the plan) and the
    target as a vertical line; the house chart conventions (% across, px down, CSS colours).

    Each category's name sits on its own line above its bars, so a long name never runs into
    them on a narrow screen.
    """
    rows = [
        (category_title(c.category), c.recall_now, c.recall_with_plan, c.weight)
        for c in plan.categories
    ]
    rows.append(("Overall (weighted)", plan.recall_now, plan.recall_with_plan, 1.0))
    height = ROW * len(rows) + 22

    def x(v: float) -> str:
        return f"{SPAN * min(max(v, 0.0), 1.0):.2f}%"

    goal = plan.target.target_recall
    body = [
        f'<line class="grid" x1="{x(goal)}" x2="{x(goal)}" y1="0" y2="{height - 18}"/>',
        f'<text class="tick" x="{x(goal)}" y="{height - 4}" text-anchor="middle">'
        f"target {goal:.0%}</text>",
    ]
    for i, (name, before, after, weight) in enumerate(rows):
        y = i * ROW + 4
        tip = html.escape(f"{name}: {before:.0%} if you stop today, {after:.0%} with the plan")
        label = html.escape(name + (f" ×{weight:g}" if weight != 1 else ""))
        body.append(f"<g><title>{tip}</title>")
        body.append(f'<text class="tick" x="0%" y="{y + 12}">{label}</text>')
        for k, (value, css) in enumerate(((before, "s4"), (after, "s0"))):
            top = y + 17 + k * 12
            body.append(
                f'<g class="swatch {css}"><rect x="0%" y="{top}" height="10" rx="2" '
                f'width="{x(value)}"/></g>'
            )
        body.append(
            f'<text class="tick" x="{x(max(before, after))}" dx="6" y="{y + 38}">'
            f"{after:.0%}</text></g>"
        )
    return Markup(
        f'<svg class="chart forecast" width="100%" height="{height}" role="img" '
        f'aria-label="Predicted recall per category on the interview date" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def parse_day(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise UserError(f"the interview date must look like 2026-12-01 (got {raw!r})") from None


def plan_within_allowance(
    request: Request, session: Session, viewer: Viewer, target: Target
) -> Plan:
    """The plan for ``target``, its new cards kept within the user's daily allowance (the
    flashcards page shows no more than that, so the plan must not promise more)."""
    prefs = prefs_for(request, session, viewer)
    return plan_for(
        session,
        viewer.id,
        target,
        now(request),
        prefs.desired_retention,
        new_per_day=prefs.new_cards_per_day,
    )


def current_plan(
    request: Request, session: Session, viewer: Viewer, target_id: int | None = None
) -> tuple[Plan | None, list[InterviewTargetRow], int | None]:
    """The plan for ``target_id`` (default: the next interview), the upcoming targets, its id.

    The dashboard can show the forecast with this and the ``plan_card.html`` partial.
    """
    moment = now(request)
    targets = list_targets(session, viewer.id, upcoming_from=moment.date())
    chosen = next((t for t in targets if t.id == target_id), targets[0] if targets else None)
    if chosen is None:
        return None, targets, None
    ensure_drills(session, moment)
    plan = plan_within_allowance(request, session, viewer, to_target(chosen))
    session.commit()
    return plan, targets, chosen.id


@router.get("/plan", response_class=HTMLResponse, include_in_schema=False)
def plan_page(
    request: Request, session: DB, viewer: CurrentViewer, target: int | None = None
) -> HTMLResponse:
    return _plan_page(request, session, viewer, target)


def _plan_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    target: int | None = None,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    """The plan page; after a refused form, with the error and what was typed kept."""
    plan, targets, selected = current_plan(request, session, viewer, target)
    prefs = prefs_for(request, session, viewer)
    return page(
        request,
        "plan.html",
        viewer,
        status_code=400 if error else 200,
        title="Interview plan",
        plan=plan,
        chart=forecast_chart(plan) if plan else None,
        targets=targets,
        selected=selected,
        roles=list(ROLE_PROFILES.values()),
        min_date=now(request).date(),
        practice_minutes=PRACTICE_MINUTES,
        mock_minutes=MOCK_MINUTES,
        desired_retention=prefs.desired_retention,
        error=error,
        form=form or {},
    )


@router.post("/plan", include_in_schema=False, response_model=None)
def plan_add(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    interview_date: Annotated[str, Form()],
    role: Annotated[str, Form()] = "general",
    daily_minutes: Annotated[int, Form(ge=5, le=600)] = 45,
    target_recall: Annotated[float, Form(ge=0.5, le=0.99)] = 0.9,
    name: Annotated[str | None, Form(max_length=120)] = None,
    weights: Annotated[str, Form(max_length=2000)] = "",
) -> HTMLResponse | RedirectResponse:
    try:
        overrides = parse_weights(weights.replace(",", " ").split(), label="weight")
        row = add_target(
            session,
            viewer.id,
            interview_date=parse_day(interview_date),
            now=now(request),
            role=role,
            name=(name or "").strip() or None,
            weights=overrides,
            target_recall=target_recall,
            daily_minutes=daily_minutes,
        )
    except UserError as exc:
        session.rollback()
        typed = {"interview_date": interview_date, "role": role, "name": name or "",
                 "daily_minutes": str(daily_minutes), "target_recall": str(target_recall),
                 "weights": weights}  # fmt: skip
        return _plan_page(request, session, viewer, error=str(exc), form=typed)
    session.commit()
    return RedirectResponse(f"/plan?target={row.id}", status_code=303)


@router.post("/plan/{target_id}/remove", include_in_schema=False)
def plan_remove(
    request: Request, session: DB, viewer: CurrentViewer, target_id: int
) -> RedirectResponse:
    remove_target(session, viewer.id, target_id)
    session.commit()
    return RedirectResponse("/plan", status_code=303)


@router.get("/api/plan", tags=["planner"])
def plan_json(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    date: str | None = None,
    target: int | None = None,
) -> JSONResponse:
    """The forecast per category and the day-by-day plan, for a saved target or any ``date``."""
    if date is None:
        plan, _targets, _id = current_plan(request, session, viewer, target)
        if plan is None:
            raise UserError("no interview date set: add one on /plan or pass ?date=YYYY-MM-DD")
    else:
        ensure_drills(session, now(request))
        plan = plan_within_allowance(request, session, viewer, Target(parse_day(date)))
        session.commit()
    return JSONResponse(plan.as_dict())
