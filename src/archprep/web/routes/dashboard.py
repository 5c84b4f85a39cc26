"""The dashboard: what is due, the streak, readiness per category and today's plan."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from archprep.progress import (
    data_version,
    overall_readiness,
    readiness,
    recent_attempts,
    today_plan,
)
from archprep.store.cards import new_introduced_today
from archprep.store.stats import bank_stats
from archprep.web.cache import cached_page
from archprep.web.deps import (
    Viewer,
    WebState,
    csrf_of,
    page,
    page_key,
    prefs_for,
    state,
    viewer_inline,
)
from archprep.web.routes.plan import current_plan, forecast_chart

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    """Cached per user until they (or the bank) change, or the minute turns."""
    st = state(request)
    viewer = viewer_inline(request)
    moment = st.clock()
    version = st.caches.version(("user", viewer.id), lambda: _version(st, viewer.id))
    key = page_key(request, viewer, version, moment)
    return await cached_page(st.caches, key, csrf_of(request),
                             lambda: _dashboard(request, viewer, moment))  # fmt: skip


def _dashboard(request: Request, viewer: Viewer, moment: datetime) -> HTMLResponse:
    with state(request).store.session() as session:
        return _render(request, session, viewer, moment)


def _version(st: WebState, user_id: int) -> tuple[Any, ...]:
    with st.store.session() as session:
        return data_version(session, user_id)


def _render(request: Request, session: Session, viewer: Viewer, moment: datetime) -> HTMLResponse:
    prefs = prefs_for(request, session, viewer)
    stats = bank_stats(session, viewer.id, moment)
    categories = readiness(session, viewer.id, moment, prefs.desired_retention)
    new_left = max(0, prefs.new_cards_per_day - new_introduced_today(session, viewer.id, moment))
    plan = today_plan(
        session,
        viewer.id,
        moment,
        due=stats["due"],
        new_available=min(new_left, stats["new"]),
        categories=categories,
    )
    interview, _targets, _chosen = current_plan(request, session, viewer)
    return page(
        request,
        "dashboard.html",
        viewer,
        title="Today",
        stats=stats,
        plan=plan,
        interview=interview,
        interview_chart=forecast_chart(interview) if interview else None,
        categories=sorted(categories, key=lambda c: (-c.readiness, c.category)),
        overall=overall_readiness(categories),
        attempts=recent_attempts(session, viewer.id, limit=5),
        now=moment,
    )
