"""A question's answer history (scores, word diffs, recurring misses) and flashcard undo."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from archprep.history import diff_attempts, question_history
from archprep.store.cards import last_undoable_review, undo_review
from archprep.store.questions import get_question
from archprep.web import charts
from archprep.web.deps import DB, CurrentViewer, now, page
from archprep.web.filters import query

router = APIRouter()


@router.get(
    "/questions/{question_id:path}/history", response_class=HTMLResponse, include_in_schema=False
)
def history_page(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    question_id: str,
    a: int | None = None,
    b: int | None = None,
) -> HTMLResponse:
    question = get_question(session, question_id, viewer.id)
    if question is None:
        raise HTTPException(404, f"no question {question_id!r}")
    history = question_history(session, viewer.id, question.id)
    n = len(history.attempts)
    changes = None
    if n >= 2:
        changes = diff_attempts(history, a or 1, b or n)
    chart = None
    if n >= 2:
        days = sorted({x.created_at.date() for x in history.attempts})
        best: dict[date, float] = {}
        for x in history.attempts:
            best[x.created_at.date()] = x.score / 100  # a day with several attempts shows its last
        chart = charts.lines(
            {"score": [(d, best[d]) for d in days]}, days, "Score per attempt day",
            every=max(1, len(days) // 6),
        )  # fmt: skip
    return page(
        request,
        "history_question.html",
        viewer,
        title=f"History · {question.question}",
        q=question,
        history=history,
        changes=changes,
        chart=chart,
        now=now(request),
    )


@router.get("/api/history/{question_id:path}", tags=["history"])
def history_json(
    session: DB,
    viewer: CurrentViewer,
    question_id: str,
    a: int | None = None,
    b: int | None = None,
) -> JSONResponse:
    """Every attempt at one question with recurring misses, and the diff of attempts a and b."""
    if get_question(session, question_id, viewer.id) is None:
        raise HTTPException(404, f"no question {question_id!r}")
    history = question_history(session, viewer.id, question_id)
    data = history.as_dict()
    if a is not None and b is not None:
        data["diff"] = diff_attempts(history, a, b).as_dict()
    return JSONResponse(data)


@router.post("/study/undo", include_in_schema=False)
def undo_last_rating(
    session: DB,
    viewer: CurrentViewer,
    category: Annotated[str | None, Form()] = None,
    deck: Annotated[str | None, Form()] = None,
    extra_new: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    """Undo the latest flashcard rating exactly: the card's prior state back, its log deleted."""
    log_id = last_undoable_review(session, viewer.id)
    if log_id is None:
        raise HTTPException(409, "there is no recent rating to undo")
    question_id = undo_review(session, viewer.id, log_id)
    session.commit()
    return RedirectResponse(
        query("/study", category=category, deck=deck, undone=question_id,
              extra_new=1 if extra_new else None),
        status_code=303,
    )  # fmt: skip
