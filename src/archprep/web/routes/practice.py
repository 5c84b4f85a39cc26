"""Practice: answer a question in writing, against a timer, and read the graded feedback."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from archprep.bank.model import Question
from archprep.errors import UserError
from archprep.grading.engine import MAX_ANSWER_CHARS
from archprep.grading.result import GradeResult, from_json
from archprep.progress import get_attempt, next_practice_question, recent_attempts
from archprep.scheduling import Grade, humanize_interval, suggested_grade
from archprep.store.attempts import pick_practice_question, save_attempt
from archprep.store.cards import card_state, memory_of, reviewed_since
from archprep.store.questions import get_question
from archprep.web.deps import DB, CurrentViewer, now, page, state
from archprep.web.render import find_span, highlight_spans

router = APIRouter(include_in_schema=False)

# A target time per kind, shown on the timer: what an interviewer would give the question.
MINUTES = {"design": 15, "behavioral": 4, "strategy": 6, "troubleshooting": 8}
TIPS = {
    "design": ["Clarify requirements and scale first", "Sketch the high-level flow",
               "Go deep on one or two components", "Name failure modes and mitigations",
               "Put numbers on it: QPS, latency, cost, GPUs"],
    "behavioral": ["Situation: one or two sentences of context", "Task: what you owned",
                   "Action: what you did, in the first person", "Result: measured outcome, lesson"],
    "troubleshooting": ["Stabilise first, then diagnose", "Form hypotheses and check the cheapest",
                        "Find the root cause, not the symptom", "Prevent it from recurring"],
    "strategy": ["State the trade-off plainly", "Tie it to business value",
                 "Give a recommendation and how you would measure it"],
}  # fmt: skip
DEFAULT_TIPS = ["Lead with the direct answer", "Explain the why, not just the terms",
                "Give one concrete example or number", "Mention a trade-off or a failure mode"]  # fmt: skip


@router.get("/practice", response_class=HTMLResponse)
def practice(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    id: str | None = None,
    category: str | None = None,
    skip: str | None = None,
) -> HTMLResponse:
    question: Question | None = None
    reason = None
    if id:
        question = get_question(session, id, viewer.id)
        if question is None:
            raise HTTPException(404, f"no question {id!r}")
    elif skip:  # "another question": the next one in rotation after the skipped one
        question = next_practice_question(session, viewer.id, now(request),
                                          category=category or None, exclude=skip)  # fmt: skip
    else:
        pick = pick_practice_question(session, viewer.id, now(request), category=category or None)
        question, reason = (pick.question, pick.reason) if pick else (None, None)
    return page(
        request,
        "practice.html",
        viewer,
        title="Practice",
        q=question,
        reason=reason,
        category=category,
        minutes=MINUTES.get(question.kind, 3) if question else 3,
        tips=TIPS.get(question.kind, DEFAULT_TIPS) if question else DEFAULT_TIPS,
        history=recent_attempts(session, viewer.id, limit=3, question_id=question.id)
        if question
        else [],
        now=now(request),
    )


@router.post("/practice")
def submit(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    question_id: Annotated[str, Form()],
    answer: Annotated[str, Form(max_length=MAX_ANSWER_CHARS)],
    duration_s: Annotated[float | None, Form()] = None,
) -> RedirectResponse:
    """Grade the answer against the question's key points and keep it as an attempt."""
    question = get_question(session, question_id, viewer.id)
    if question is None:
        raise HTTPException(404, f"no question {question_id!r}")
    if not answer.strip():
        raise UserError("the answer is blank; write your answer, then grade it")
    result = state(request).grader().grade(question, answer)
    attempt_id = save_attempt(
        session, viewer.id, question.id, answer, result.to_json(), now(request),
        duration_s=duration_s if duration_s is not None and 0 <= duration_s < 86_400 else None,
    )  # fmt: skip
    session.commit()
    return RedirectResponse(f"/practice/attempts/{attempt_id}", status_code=303)


def evidence_marks(answer: str, result: GradeResult) -> list[tuple[int, int, str]]:
    """Character spans of the answer that earned (or contradicted) each key point."""
    spans = []
    for kp in result.key_points:
        found = find_span(answer, kp.evidence) if kp.status != "missed" else None
        if found:
            spans.append((*found, f"ev-{kp.status}"))
    for m in result.misconceptions:
        found = find_span(answer, m.statement)
        if found:
            spans.append((*found, "ev-wrong"))
    return spans


def _grade_of(stored: Any) -> GradeResult | None:
    try:
        return from_json(stored) if isinstance(stored, dict) else None
    except (ValidationError, TypeError):
        return None  # an attempt from another mode (e.g. a drill) with its own shape


@router.get("/practice/attempts/{attempt_id}", response_class=HTMLResponse, response_model=None)
def attempt(request: Request, session: DB, viewer: CurrentViewer, attempt_id: int) -> Response:
    row = get_attempt(session, viewer.id, attempt_id)
    if row is None:
        raise HTTPException(404, "no such attempt")
    question = get_question(session, row.question_id, viewer.id)
    if row.mode == "drill" and question is not None and question.extra.get("drill"):
        # Lists of answers link every attempt here; a drill's has its own page (numbers drawn,
        # the worked answer), not this written-answer feedback.
        return RedirectResponse(
            f"/drills/{question.extra['drill']}/attempts/{row.id}", status_code=303
        )
    result = _grade_of(row.grade)
    marks = evidence_marks(row.answer, result) if result else []
    suggested = suggested_grade(row.score)
    moment = now(request)
    # Once the card has been rated after this answer, the page says when it is next due instead
    # of offering the ratings again (a second click would log a second review).
    card = card_state(session, viewer.id, row.question_id)
    scheduled = None
    if card is not None and reviewed_since(session, viewer.id, row.question_id, row.created_at):
        due = memory_of(card).due
        scheduled = humanize_interval(moment, due) if due is not None and due > moment else "now"
    return page(
        request,
        "attempt.html",
        viewer,
        title="Feedback",
        row=row,
        q=question,
        result=result,
        answer_html=highlight_spans(row.answer, marks),
        suggested=suggested,
        ratings=[(int(g), g.name.title()) for g in Grade],
        groups=_checks_by_group(result),
        history=recent_attempts(session, viewer.id, limit=6, question_id=row.question_id),
        scheduled=scheduled,
        reps=card.reps if card is not None else 0,
        now=moment,
    )


def _checks_by_group(result: GradeResult | None) -> dict[str, list[Any]]:
    groups: dict[str, list[Any]] = {}
    if result is not None:
        for check in result.structure.checks:
            groups.setdefault(check.group, []).append(check)
    return groups


@router.get("/practice/history", response_class=HTMLResponse)
def history(request: Request, session: DB, viewer: CurrentViewer) -> HTMLResponse:
    return page(request, "history.html", viewer, title="Practice history",
                attempts=recent_attempts(session, viewer.id, limit=200), now=now(request))  # fmt: skip
