"""The JSON API under ``/api``: the same core functions as the pages, pydantic at the boundary.

State-changing calls need the session's CSRF token in an ``X-CSRF-Token`` header: get it (and
the session cookie) from ``GET /api/session`` first.
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from archprep.calculators import CALCULATORS
from archprep.grading import GradeResultModel
from archprep.progress import (
    get_attempt,
    overall_readiness,
    readiness,
    recent_attempts,
)
from archprep.scheduling import STATE_NAMES, Grade, humanize_interval
from archprep.search import MAX_QUERY_CHARS, Filters
from archprep.store.attempts import save_attempt
from archprep.store.cards import record_review
from archprep.store.questions import get_question, list_questions
from archprep.store.stats import bank_stats
from archprep.web.auth import csrf_token
from archprep.web.cache import bank_version, cached_search
from archprep.web.deps import (
    DB,
    CurrentViewer,
    WebState,
    now,
    page,
    prefs_for,
    sid,
    state,
    viewer_inline,
)
from archprep.web.schemas import (
    AttemptOut,
    CategoryReadinessOut,
    GradeIn,
    QuestionOut,
    QuestionPage,
    ReviewIn,
    ReviewOut,
    SearchOut,
    SessionOut,
    StatsOut,
)

router = APIRouter(prefix="/api", tags=["api"])


@router.get("", response_class=HTMLResponse, include_in_schema=False)
def index(request: Request, viewer: CurrentViewer) -> HTMLResponse:
    """A readable list of the endpoints (Swagger UI needs a CDN, so it is not served)."""
    schema = request.app.openapi()
    endpoints = [
        (method.upper(), path, op.get("summary", ""), (op.get("description") or "").split("\n")[0])
        for path, ops in schema["paths"].items()
        for method, op in ops.items()
    ]
    return page(request, "api.html", viewer, title="API", endpoints=endpoints)


@router.get("/session", response_model=SessionOut)
def session_info(request: Request, viewer: CurrentViewer) -> SessionOut:
    """Who you are, and the CSRF token for this session's state-changing calls."""
    st = state(request)
    return SessionOut(username=viewer.username, multi_user=st.config.multi_user,
                      csrf_token=csrf_token(st.secret, sid(request)))  # fmt: skip


@router.get("/questions", response_model=QuestionPage)
def questions(
    session: DB,
    viewer: CurrentViewer,
    category: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    deck: str | None = None,
    tag: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> QuestionPage:
    """Questions you can see (the shared bank and your imports), filtered, in pages."""
    found = list_questions(session, viewer.id, deck=deck, category=category, level=level,
                           kind=kind, tag=tag)  # fmt: skip
    items = [QuestionOut.of(q) for q in found[offset : offset + limit]]
    return QuestionPage(total=len(found), offset=offset, limit=limit, items=items)


@router.get("/questions/{question_id:path}", response_model=QuestionOut)
def question(session: DB, viewer: CurrentViewer, question_id: str) -> QuestionOut:
    q = get_question(session, question_id, viewer.id)
    if q is None:
        raise HTTPException(404, f"no question {question_id!r}")
    return QuestionOut.of(q)


@router.get("/search", response_model=SearchOut)
async def search(
    request: Request,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    category: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    deck: str | None = None,
    tag: str | None = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SearchOut | Response:
    """Hybrid (keyword + meaning) search; with no hits, spelling suggestions and categories."""
    viewer = viewer_inline(request)
    if not q.strip():
        return SearchOut(query=q, mode="hybrid", hits=[])
    st = state(request)
    filters = Filters(deck or None, category or None, level or None, kind or None, tag or None)
    key = (st.caches.version("bank", lambda: _bank_version(st)), viewer.id, q, astuple(filters),
           limit)  # fmt: skip
    # The serialised answer is cached: typing a query repeats it, and a hit skips pydantic.
    body = st.caches.search_json.get(key)
    if body is None:

        def serialise() -> bytes:
            with st.store.session() as session:
                result = cached_search(st.caches, st.searcher, session, q, user_id=viewer.id,
                                       filters=filters, limit=limit)  # fmt: skip
            return SearchOut.of(result).model_dump_json().encode("utf-8")

        body = await run_in_threadpool(serialise)
        st.caches.search_json.put(key, body)
    return Response(body, media_type="application/json")


def _bank_version(st: WebState) -> int:
    with st.store.session() as session:
        return bank_version(session)


@router.post("/reviews", response_model=ReviewOut, status_code=201)
def review(request: Request, session: DB, viewer: CurrentViewer, body: ReviewIn) -> ReviewOut:
    """Rate a flashcard 1-4; FSRS schedules its next review."""
    if get_question(session, body.question_id, viewer.id) is None:
        raise HTTPException(404, f"no question {body.question_id!r}")
    moment = now(request)
    prefs = prefs_for(request, session, viewer)
    after = record_review(session, viewer.id, body.question_id, Grade(body.rating), moment,
                          duration_ms=body.duration_ms,
                          desired_retention=prefs.desired_retention)  # fmt: skip
    session.commit()
    assert after.due is not None
    return ReviewOut(
        question_id=body.question_id, rating=body.rating,
        state=STATE_NAMES.get(after.state, "new"), due=after.due,
        interval=humanize_interval(moment, after.due), stability=after.stability,
        difficulty=after.difficulty, reps=after.reps, lapses=after.lapses,
    )  # fmt: skip


@router.post("/grade", response_model=GradeResultModel)
def grade(request: Request, session: DB, viewer: CurrentViewer, body: GradeIn) -> GradeResultModel:
    """Grade an answer against a question's key points, without keeping it (see /api/attempts)."""
    q = get_question(session, body.question_id, viewer.id)
    if q is None:
        raise HTTPException(404, f"no question {body.question_id!r}")
    result = state(request).grader().grade(q, body.answer)
    return GradeResultModel.model_validate(result.to_json())


@router.get("/attempts", response_model=list[AttemptOut])
def attempts(
    session: DB,
    viewer: CurrentViewer,
    question_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[AttemptOut]:
    """Your graded answers, newest first (optionally for one question)."""
    return [
        AttemptOut(id=a.id, question_id=a.question_id, question=a.question, category=a.category,
                   score=a.score, created_at=a.created_at)
        for a in recent_attempts(session, viewer.id, limit=limit, question_id=question_id)
    ]  # fmt: skip


@router.get("/attempts/{attempt_id}", response_model=AttemptOut)
def attempt(session: DB, viewer: CurrentViewer, attempt_id: int) -> AttemptOut:
    """One of your graded answers with its full grade."""
    row = get_attempt(session, viewer.id, attempt_id)
    if row is None:
        raise HTTPException(404, "no such attempt")
    q = get_question(session, row.question_id, viewer.id)
    return AttemptOut(id=row.id, question_id=row.question_id, question=q.question if q else "",
                      category=q.category if q else "", score=row.score,
                      created_at=row.created_at, answer=row.answer, grade=row.grade)  # fmt: skip


@router.post("/attempts", response_model=AttemptOut, status_code=201)
def create_attempt(
    request: Request, session: DB, viewer: CurrentViewer, body: GradeIn
) -> AttemptOut:
    """Grade an answer and keep it as a practice attempt."""
    q = get_question(session, body.question_id, viewer.id)
    if q is None:
        raise HTTPException(404, f"no question {body.question_id!r}")
    result = state(request).grader().grade(q, body.answer)
    moment = now(request)
    grade_json = result.to_json()
    attempt_id = save_attempt(session, viewer.id, q.id, body.answer, grade_json, moment,
                              duration_s=body.duration_s)  # fmt: skip
    session.commit()
    return AttemptOut(id=attempt_id, question_id=q.id, question=q.question, category=q.category,
                      score=result.score, created_at=moment, answer=body.answer,
                      grade=grade_json)  # fmt: skip


@router.get("/stats", response_model=StatsOut)
def stats(request: Request, session: DB, viewer: CurrentViewer) -> StatsOut:
    """Bank make-up, due cards, streak and readiness per category."""
    moment = now(request)
    prefs = prefs_for(request, session, viewer)
    s = bank_stats(session, viewer.id, moment)
    cats = readiness(session, viewer.id, moment, prefs.desired_retention)
    return StatsOut(
        questions=s["questions"], decks=s["decks"], due=s["due"], new=s["new"],
        studied=s["studied"], reviews_total=s["reviews_total"],
        reviews_today=s["reviews_today"], streak_days=s["streak_days"],
        readiness=overall_readiness(cats),
        categories=[CategoryReadinessOut(
            category=c.category, total=c.total, seen=c.seen, attempted=c.attempted,
            mean_retrievability=c.mean_retrievability, practice=c.practice,
            readiness=c.readiness) for c in cats],
    )  # fmt: skip


@router.get("/calculators")
def calculators(viewer: CurrentViewer) -> list[dict[str, Any]]:
    """Every calculator with its input fields (name, kind, unit, default, help)."""
    return [c.as_dict() for c in CALCULATORS.values()]


@router.get("/calculators/{name}")
def calculate(request: Request, viewer: CurrentViewer, name: str) -> dict[str, Any]:
    """Run a calculator with its fields as query parameters; returns outputs and worked steps."""
    calc = CALCULATORS.get(name)
    if calc is None:
        raise HTTPException(404, f"no calculator {name!r}")
    values = {k: v for k, v in request.query_params.items() if v.strip()}
    return calc.run(values).as_dict()
