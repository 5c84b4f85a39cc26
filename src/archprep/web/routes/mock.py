"""Mock interviews in the browser: choose a plan, run it against the clock, read the report."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from archprep.errors import UserError
from archprep.grading.engine import MAX_ANSWER_CHARS
from archprep.interview import store as mock_store
from archprep.interview.mock import MockInterview, interview_grading
from archprep.interview.plans import BUILTIN_PLANS, plan_from_spec
from archprep.interview.report import history_trend, report_markdown, study_plan_note
from archprep.interview.session import HINT_PENALTY, STEP_TITLES
from archprep.scheduling import aware
from archprep.web import charts
from archprep.web.deps import DB, CurrentViewer, Viewer, now, page, state

router = APIRouter(include_in_schema=False)

MAX_PLAN = 20_000
EXAMPLE_PLAN = {
    "title": "RAG deep dive",
    "rounds": [
        {
            "name": "RAG concepts",
            "minutes": 20,
            "seconds_per_question": 300,
            "follow_ups": 2,
            "questions": [{"count": 3, "categories": ["rag", "vector-search"]}],
        },
        {
            "name": "Design",
            "minutes": 25,
            "seconds_per_question": 1500,
            "interviewer": "principal architect",
            "questions": [
                {"count": 1, "kinds": ["design"], "categories": ["rag", "system-design"]}
            ],
        },
    ],
}


def _mock(request: Request, viewer: Viewer, session_id: int | None) -> MockInterview:
    st = state(request)
    grading = interview_grading(st.settings, st.grader())
    return MockInterview.open(
        st.store, viewer.id, session_id, grade=grading.grade, save_attempt=grading.save_attempt,
        llm=grading.llm,
    )  # fmt: skip


def _to(session_id: int, where: str = "") -> RedirectResponse:
    return RedirectResponse(f"/mock/{session_id}{where}", status_code=303)


@router.get("/mock", response_class=HTMLResponse)
def plans(request: Request, session: DB, viewer: CurrentViewer) -> HTMLResponse:
    return _plans_page(request, session, viewer)


def _plans_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    name: str = "",
    spec: str | None = None,
    error: str | None = None,
) -> HTMLResponse:
    """The plans page; after a refused plan, the form keeps what was typed, with the reason."""
    mocks = mock_store.history(session, viewer.id)
    return page(
        request,
        "mock_plans.html",
        viewer,
        title="Mock interviews",
        plans=mock_store.list_plans(session, viewer.id),
        unfinished=[m for m in reversed(mocks) if m["status"] == mock_store.ACTIVE],
        recent=[m for m in reversed(mocks) if m["status"] != mock_store.ACTIVE][:5],
        example=spec if spec is not None else json.dumps(EXAMPLE_PLAN, indent=2),
        plan_name=name,
        plan_error=error,
        now=now(request),
        status_code=400 if error else 200,
    )


@router.post("/mock/start")
def start(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    plan: Annotated[str, Form(max_length=120)],
    seed: Annotated[int | None, Form()] = None,
) -> RedirectResponse:
    st = state(request)
    chosen = mock_store.get_plan(session, viewer.id, plan)
    session.rollback()  # the interview opens its own transactions
    grading = interview_grading(st.settings, st.grader())
    mi = MockInterview.start(
        st.store, viewer.id, chosen, now(request), grade=grading.grade,
        save_attempt=grading.save_attempt, seed=seed, llm=grading.llm,
        desired_retention=st.settings.desired_retention,
    )  # fmt: skip
    return _to(mi.session_id)


@router.post("/mock/plans", response_model=None)
def save_plan(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    name: Annotated[str, Form(max_length=60)],
    spec: Annotated[str, Form(max_length=MAX_PLAN)],
) -> Response:
    try:
        try:
            data = json.loads(spec)
        except json.JSONDecodeError as exc:
            raise UserError(f"plan JSON, line {exc.lineno}: {exc.msg}") from exc
        plan = plan_from_spec(name.strip(), data)
        mock_store.save_plan(session, viewer.id, plan, now(request))
    except UserError as exc:
        session.rollback()
        return _plans_page(request, session, viewer, name=name, spec=spec, error=str(exc))
    session.commit()
    return RedirectResponse("/mock#plan-" + plan.name, status_code=303)


@router.post("/mock/plans/{name}/delete")
def delete_plan(session: DB, viewer: CurrentViewer, name: str) -> RedirectResponse:
    if name in BUILTIN_PLANS or not mock_store.delete_plan(session, viewer.id, name):
        raise HTTPException(404, f"no plan of yours named {name!r}")
    session.commit()
    return RedirectResponse("/mock", status_code=303)


@router.get("/mock/history", response_class=HTMLResponse)
def history(request: Request, session: DB, viewer: CurrentViewer) -> HTMLResponse:
    rows = mock_store.history(session, viewer.id)
    trend = history_trend(rows)
    for row, delta in zip(rows, trend["deltas"], strict=True):
        row["change"] = delta
    scored = [(aware(r["started_at"]).date(), r["score"]) for r in rows if r["score"] is not None]
    chart = None
    if len(scored) >= 2:
        first, last = scored[0][0], scored[-1][0]
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        chart = charts.lines(
            {"Mock score": _last_per_day(scored)}, days, "Mock interview scores over time",
            top=100, fmt="{:.0f}", every=max(1, len(days) // 6),
        )  # fmt: skip
    return page(
        request, "mock_history.html", viewer, title="Mock history", mocks=list(reversed(rows)),
        trend=trend, chart=chart, now=now(request),
    )  # fmt: skip


def _last_per_day(points: list[tuple[date, float]]) -> list[tuple[date, float | None]]:
    by_day: dict[date, float] = {}
    for d, score in points:
        by_day[d] = score
    return list(by_day.items())


@router.get("/mock/{session_id:int}", response_class=HTMLResponse)
def run(request: Request, viewer: CurrentViewer, session_id: int) -> Response:
    mi = _mock(request, viewer, session_id)
    view = mi.view(now(request))
    if view.done:
        return _to(session_id, "/report")
    p = view.prompt
    assert p is not None and view.time is not None
    spec = view.plan.rounds[p.round_index]
    return page(
        request, "mock_run.html", viewer, title=f"Mock #{session_id}", view=view, p=p,
        q=view.question, spec=spec, time=view.time, draft=view.position.get("draft", ""),
        step_titles=STEP_TITLES, penalty=HINT_PENALTY,
        steps_given=view.position.get("steps", []),
    )  # fmt: skip


@router.post("/mock/{session_id:int}/answer")
def answer(
    request: Request,
    viewer: CurrentViewer,
    session_id: int,
    answer: Annotated[str, Form(max_length=MAX_ANSWER_CHARS)] = "",
    action: Annotated[str, Form()] = "answer",
) -> RedirectResponse:
    """One form, several buttons: answer, hint (keeps the draft), skip, or end the mock."""
    mi = _mock(request, viewer, session_id)
    moment = now(request)
    if action == "hint":
        mi.hint(moment, draft=answer)
    elif action == "skip":
        mi.skip(moment)
    elif action == "end":
        if answer.strip():
            mi.answer(answer, moment, final=True)
        mi.finish(moment)
        return _to(session_id, "/report")
    elif action == "answer":
        if not answer.strip():
            mi.save_draft("")
            raise UserError("write an answer first, or use Skip")
        mi.answer(answer, moment)
    else:
        raise HTTPException(422, f"unknown action {action!r}")
    return _to(session_id)


@router.post("/mock/{session_id:int}/draft")
def draft(
    request: Request,
    viewer: CurrentViewer,
    session_id: int,
    answer: Annotated[str, Form(max_length=MAX_ANSWER_CHARS)] = "",
) -> JSONResponse:
    """Autosave of the answer being typed (app.js posts it every few seconds)."""
    return JSONResponse({"saved": _mock(request, viewer, session_id).save_draft(answer)})


@router.post("/mock/{session_id:int}/resume")
def resume(request: Request, viewer: CurrentViewer, session_id: int) -> RedirectResponse:
    """Back after a break: the time away does not count against the question."""
    _mock(request, viewer, session_id).resume()
    return _to(session_id)


@router.post("/mock/{session_id:int}/finish")
def finish(request: Request, viewer: CurrentViewer, session_id: int) -> RedirectResponse:
    _mock(request, viewer, session_id).finish(now(request))
    return _to(session_id, "/report")


def _report(request: Request, viewer: Viewer, session_id: int) -> tuple[dict[str, Any], bool]:
    mi = _mock(request, viewer, session_id)
    stored = mi.report()
    return (stored, False) if stored is not None else (mi.provisional_report(), True)


@router.get("/mock/{session_id:int}/report", response_class=HTMLResponse)
def report(request: Request, viewer: CurrentViewer, session_id: int) -> HTMLResponse:
    data, provisional = _report(request, viewer, session_id)
    return page(
        request, "mock_report.html", viewer, title=f"Mock #{session_id} report", r=data,
        session_id=session_id, provisional=provisional, now=now(request),
        plan_note=study_plan_note(data),
    )  # fmt: skip


@router.get("/mock/{session_id:int}/report.md")
def report_md(request: Request, viewer: CurrentViewer, session_id: int) -> Response:
    data, _ = _report(request, viewer, session_id)
    return Response(
        report_markdown(data, session_id),
        media_type="text/markdown; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="mock-{session_id}.md"'},
    )
