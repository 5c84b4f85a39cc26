"""One question: its model answer, key points, follow-ups, related questions and calculators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from archprep.calculators import CALCULATORS
from archprep.progress import card_memory, data_version, recent_attempts
from archprep.scheduling import STATE_NAMES, aware, retrievability
from archprep.store.cards import card_state
from archprep.store.questions import get_question
from archprep.web.cache import cached_page, related_questions
from archprep.web.deps import Viewer, WebState, csrf_of, now, page, page_key, state, viewer_inline

router = APIRouter(include_in_schema=False)


@router.get("/q/{question_id:path}", response_class=HTMLResponse)
async def question_page(request: Request, question_id: str) -> HTMLResponse:
    """Cached per user like the dashboard (the answer's Markdown is cached per text anyway)."""
    st = state(request)
    viewer = viewer_inline(request)
    version = st.caches.version(("user", viewer.id), lambda: _version(st, viewer.id))
    # Only "recall now" and "next review" move with time here: five-minute buckets.
    key = page_key(request, viewer, version, st.clock(), minutes=5)
    return await cached_page(st.caches, key, csrf_of(request),
                             lambda: _question(request, viewer, question_id))  # fmt: skip


def _question(request: Request, viewer: Viewer, question_id: str) -> HTMLResponse:
    with state(request).store.session() as session:
        return _render(request, session, viewer, question_id)


def _version(st: WebState, user_id: int) -> tuple[Any, ...]:
    with st.store.session() as session:
        return data_version(session, user_id)


def _render(request: Request, session: Session, viewer: Viewer, question_id: str) -> HTMLResponse:
    question = get_question(session, question_id, viewer.id)
    if question is None:
        raise HTTPException(404, f"no question {question_id!r}")
    st = state(request)
    moment = now(request)
    memory = card_memory(session, viewer.id, question.id)
    card = card_state(session, viewer.id, question.id)
    return page(
        request,
        "question.html",
        viewer,
        title=question.question,
        q=question,
        related=related_questions(st.caches, st.searcher, session, question, viewer.id),
        calculators=[CALCULATORS[c] for c in question.calculators if c in CALCULATORS],
        memory=memory,
        memory_state=STATE_NAMES.get(memory.state, "new") if memory else None,
        recall=retrievability(memory, moment) if memory else None,
        suspended=bool(card and card.suspended),
        buried=bool(card and card.buried_until and aware(card.buried_until) > moment),
        attempts=recent_attempts(session, viewer.id, limit=5, question_id=question.id),
        now=moment,
    )
