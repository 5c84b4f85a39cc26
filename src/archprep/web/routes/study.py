"""Flashcards: one due card at a time, revealed with space and rated 1-4 (FSRS schedules)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from archprep.progress import unseen_count
from archprep.scheduling import STATE_NAMES, Grade, humanize_interval, make_scheduler, preview
from archprep.store.cards import (
    bury,
    due_queue,
    new_introduced_today,
    rated_since_shown,
    record_review,
    set_suspended,
    unbury,
)
from archprep.store.questions import get_question
from archprep.store.stats import bank_stats
from archprep.web.deps import DB, CurrentViewer, local_target, now, page, prefs_for
from archprep.web.filters import query

router = APIRouter(include_in_schema=False)

RATINGS = [(Grade.AGAIN, "Again"), (Grade.HARD, "Hard"), (Grade.GOOD, "Good"), (Grade.EASY, "Easy")]
QUEUE = 200  # cards fetched per page view


@router.get("/study", response_class=HTMLResponse)
def study(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    category: str | None = None,
    deck: str | None = None,
    last: str | None = None,
    next_in: str | None = None,
    changed: str | None = None,
    extra_new: bool = False,
) -> HTMLResponse:
    """``extra_new`` shows new cards past today's allowance: the user asked for them (a deck
    just imported, or "study them anyway" when the allowance was holding them back)."""
    moment = now(request)
    prefs = prefs_for(request, session, viewer)
    started_today = new_introduced_today(session, viewer.id, moment)

    queue = due_queue(
        session,
        viewer.id,
        moment,
        new_per_day=started_today + QUEUE if extra_new else prefs.new_cards_per_day,
        limit=QUEUE,
        category=category or None,
        deck=deck or None,
    )
    # counted as the home page counts them: a card a mock flagged is due, not new
    new_in_queue = sum(1 for c in queue if not c.scheduled)
    allowance_left = max(0, prefs.new_cards_per_day - started_today)
    held_back = 0  # new cards the used-up allowance keeps off this page
    if not extra_new and allowance_left == 0:
        held_back = unseen_count(session, viewer.id, category=category or None, deck=deck or None)
    card = queue[0] if queue else None
    buttons = []
    if card is not None:
        due_by = preview(card.memory, moment, make_scheduler(prefs.desired_retention))
        buttons = [(int(g), label, humanize_interval(moment, due_by[g])) for g, label in RATINGS]
    stats = bank_stats(session, viewer.id, moment)
    return page(
        request,
        "study.html",
        viewer,
        title="Flashcards",
        card=card,
        state_name=STATE_NAMES.get(card.memory.state, "new") if card else None,
        remaining=len(queue),
        new_in_queue=new_in_queue,
        held_back=held_back,
        extra_new=extra_new,
        over_limit=max(0, new_in_queue - allowance_left) if extra_new else 0,
        new_per_day=prefs.new_cards_per_day,
        buttons=buttons,
        stats=stats,
        category=category,
        deck=deck,
        last=last,
        next_in=next_in,
        # What the last action did to the `last` card: "rated" (undo restores the review),
        # "suspend" or "bury" (undo takes the card back), so undo never reaches another card.
        changed=changed
        if changed in ("suspend", "bury", "restored")
        else ("rated" if next_in else None),
    )


@router.post("/study")
def rate(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    question_id: Annotated[str, Form()],
    action: Annotated[str, Form()] = "rate",
    rating: Annotated[int | None, Form()] = None,
    reps: Annotated[int | None, Form()] = None,
    duration_ms: Annotated[int | None, Form()] = None,
    category: Annotated[str | None, Form()] = None,
    deck: Annotated[str | None, Form()] = None,
    back: Annotated[str | None, Form()] = None,
    extra_new: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    moment = now(request)
    if get_question(session, question_id, viewer.id) is None:
        raise HTTPException(404, f"no question {question_id!r}")
    next_in = None
    changed = None
    repeated = (
        rated_since_shown(session, viewer.id, question_id, reps)
        if action == "rate" and reps is not None
        else None
    )
    if action in ("suspend", "unsuspend"):
        set_suspended(session, viewer.id, question_id, action == "suspend", moment)
        changed = "suspend" if action == "suspend" else "restored"
    elif action == "bury":
        bury(session, viewer.id, question_id, moment)
        changed = "bury"
    elif action == "unbury":
        unbury(session, viewer.id, question_id)
        changed = "restored"
    elif repeated is not None and rating in (1, 2, 3, 4):
        # The first rating stands; say when the card is next due.
        next_in = humanize_interval(moment, repeated.due) if repeated.due is not None else None
    elif action == "rate" and rating in (1, 2, 3, 4):
        prefs = prefs_for(request, session, viewer)
        after = record_review(
            session,
            viewer.id,
            question_id,
            Grade(rating),
            moment,
            duration_ms=duration_ms if duration_ms and 0 < duration_ms < 3_600_000 else None,
            desired_retention=prefs.desired_retention,
        )
        assert after.due is not None
        next_in = humanize_interval(moment, after.due)
    else:
        raise HTTPException(422, "choose a rating from 1 (Again) to 4 (Easy)")
    session.commit()
    if back and local_target(back, "") == back:
        return RedirectResponse(query(back, scheduled=next_in), status_code=303)
    target = query("/study", category=category, deck=deck, last=question_id, next_in=next_in,
                   changed=changed, extra_new=1 if extra_new else None)  # fmt: skip
    return RedirectResponse(target, status_code=303)
