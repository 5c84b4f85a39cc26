"""Browsing the bank: categories with their counts, then one category's questions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from archprep.progress import readiness
from archprep.store.questions import list_questions
from archprep.store.stats import bank_stats
from archprep.web.deps import DB, CurrentViewer, now, page, prefs_for

router = APIRouter(include_in_schema=False)


@router.get("/browse", response_class=HTMLResponse)
def categories(request: Request, session: DB, viewer: CurrentViewer) -> HTMLResponse:
    moment = now(request)
    stats = bank_stats(session, viewer.id, moment)
    prefs = prefs_for(request, session, viewer)
    ready = {r.category: r for r in readiness(session, viewer.id, moment, prefs.desired_retention)}
    return page(request, "browse.html", viewer, title="Browse", stats=stats, ready=ready)


@router.get("/browse/{category}", response_class=HTMLResponse)
def category(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    category: str,
    level: str | None = None,
    kind: str | None = None,
    deck: str | None = None,
) -> HTMLResponse:
    everything = list_questions(session, viewer.id, category=category)
    if not everything:
        raise HTTPException(404, f"no category {category!r}")
    shown = [
        q
        for q in everything
        if (not level or q.level == level)
        and (not kind or q.kind == kind)
        and (not deck or q.deck == deck)
    ]
    facets = {
        "level": sorted({q.level for q in everything}),
        "kind": sorted({q.kind for q in everything}),
        "deck": sorted({q.deck for q in everything}),
    }
    return page(
        request,
        "category.html",
        viewer,
        title=category,
        category=category,
        questions=shown,
        total=len(everything),
        facets=facets,
        selected={"level": level, "kind": kind, "deck": deck},
    )
