"""Calculator drills: estimate a number from fresh inputs, see the worked answer, rate it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from archprep.calculators import CALCULATORS
from archprep.drills import (
    SPECS,
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
from archprep.progress import get_attempt
from archprep.scheduling import Grade, humanize_interval
from archprep.store.cards import record_review
from archprep.web.deps import DB, CurrentViewer, now, page, prefs_for

router = APIRouter(include_in_schema=False)

RATINGS = [(Grade.AGAIN, "Again"), (Grade.HARD, "Hard"), (Grade.GOOD, "Good"), (Grade.EASY, "Easy")]


def _spec(slug: str) -> DrillSpec:
    if slug not in SPECS:
        raise HTTPException(404, f"no drill {slug!r}")
    return SPECS[slug]


@router.get("/drills", response_class=HTMLResponse)
def drills_page(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    calculator: str | None = None,
    rated: str | None = None,
    next_in: str | None = None,
) -> HTMLResponse:
    moment = now(request)
    ensure_drills(session, moment)
    session.commit()
    specs = specs_for(calculator or None)
    dues = drill_dues(session, viewer.id, specs)
    return page(
        request,
        "drills.html",
        viewer,
        title="Calculator drills",
        drills=drill_order(specs, dues, moment),
        dues=dues,
        calculator=calculator,
        calculators=sorted({s.calculator for s in SPECS.values()}),
        calc_titles={name: c.title for name, c in CALCULATORS.items()},
        rated=SPECS.get(rated or ""),
        next_in=next_in,
        now=moment,
    )


@router.get("/drills/next")
def next_drill(
    request: Request, session: DB, viewer: CurrentViewer, calculator: str | None = None
) -> RedirectResponse:
    specs = specs_for(calculator or None)
    queue = drill_order(specs, drill_dues(session, viewer.id, specs), now(request))
    return RedirectResponse(f"/drills/{queue[0].slug}", status_code=303)


@router.get("/drills/{slug}", response_class=HTMLResponse)
def drill_page(
    request: Request, viewer: CurrentViewer, slug: str, seed: int | None = None
) -> HTMLResponse:
    spec = _spec(slug)
    drill = draw(spec, seed if seed is not None else fresh_seed(slug, now(request)))
    return page(request, "drill.html", viewer, title=spec.title, drill=drill, spec=spec)


@router.post("/drills/{slug}")
def answer(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    slug: str,
    seed: Annotated[int, Form()],
    estimate: Annotated[str, Form(max_length=100)],
    duration_s: Annotated[float | None, Form()] = None,
) -> Any:
    spec = _spec(slug)
    drill = draw(spec, seed)
    moment = now(request)
    try:
        value = parse_estimate(estimate, spec.unit)
    except UserError as exc:
        return page(request, "drill.html", viewer, title=spec.title, drill=drill, spec=spec,
                    error=str(exc), estimate=estimate, status_code=400)  # fmt: skip
    ensure_drills(session, moment)
    scored = score_estimate(value, drill.expected)
    attempt_id = save_attempt(
        session, viewer.id, drill, estimate.strip(), value, scored, moment,
        duration_s=duration_s if duration_s and 0 < duration_s < 36_000 else None,
    )  # fmt: skip
    session.commit()
    return RedirectResponse(f"/drills/{slug}/attempts/{attempt_id}", status_code=303)


@router.get("/drills/{slug}/attempts/{attempt_id}", response_class=HTMLResponse)
def result(
    request: Request, session: DB, viewer: CurrentViewer, slug: str, attempt_id: int
) -> HTMLResponse:
    spec = _spec(slug)
    row = get_attempt(session, viewer.id, attempt_id)
    stored = (row.grade or {}).get("drill") if row is not None else None
    if row is None or row.question_id != spec.question_id or not isinstance(stored, dict):
        raise HTTPException(404, f"no drill attempt {attempt_id}")
    drill = draw(spec, int(stored["seed"]))
    scored = score_estimate(stored.get("estimate"), drill.expected)
    return page(
        request,
        "drill.html",
        viewer,
        title=spec.title,
        drill=drill,
        spec=spec,
        attempt=row,
        scored=scored,
        ratings=RATINGS,
    )


@router.post("/drills/{slug}/rate")
def rate(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    slug: str,
    rating: Annotated[int, Form(ge=1, le=4)],
) -> RedirectResponse:
    spec = _spec(slug)
    moment = now(request)
    ensure_drills(session, moment)
    prefs = prefs_for(request, session, viewer)
    after = record_review(session, viewer.id, spec.question_id, Grade(rating), moment,
                          desired_retention=prefs.desired_retention)  # fmt: skip
    session.commit()
    assert after.due is not None
    return RedirectResponse(
        f"/drills?rated={slug}&next_in={humanize_interval(moment, after.due)}", status_code=303
    )
