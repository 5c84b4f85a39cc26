"""Counts for ``archprep stats`` and the dashboard: bank make-up, due cards, reviews, streak."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archprep.scheduling import aware
from archprep.store.questions import visible_to
from archprep.store.schema import CardState, Deck, QuestionRow, ReviewLogRow


def _streak(days: set[date], today: date) -> int:
    """Consecutive days with reviews ending today (or yesterday, if today has none yet)."""
    day = today if today in days else today - timedelta(days=1)
    streak = 0
    while day in days:
        streak += 1
        day -= timedelta(days=1)
    return streak


def bank_stats(session: Session, user_id: int | None, now: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(QuestionRow.category, QuestionRow.level, QuestionRow.kind, Deck.slug)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
    ).all()
    by_cat: dict[str, dict[str, Any]] = {}
    for category, level, kind, _deck in rows:
        entry = by_cat.setdefault(category, {"total": 0, "levels": Counter(), "kinds": Counter()})
        entry["total"] += 1
        entry["levels"][level] += 1
        entry["kinds"][kind] += 1
    matrix = [
        {
            "category": cat,
            "total": e["total"],
            "levels": dict(sorted(e["levels"].items())),
            "kinds": dict(sorted(e["kinds"].items())),
        }
        for cat, e in sorted(by_cat.items())
    ]
    result: dict[str, Any] = {
        "questions": len(rows),
        "decks": sorted({r[3] for r in rows}),
        "categories": matrix,
    }
    if user_id is None:
        return result
    due = session.scalar(
        select(func.count())
        .select_from(CardState)
        .join(QuestionRow, CardState.question_id == QuestionRow.id)
        .where(
            CardState.user_id == user_id,
            CardState.due <= now,
            CardState.suspended.is_(False),
            QuestionRow.retired.is_(False),
        )
    )
    seen = session.scalar(
        select(func.count()).select_from(CardState).where(CardState.user_id == user_id)
    )
    review_times = session.scalars(
        select(ReviewLogRow.reviewed_at).where(ReviewLogRow.user_id == user_id)
    ).all()
    days = {aware(t).date() for t in review_times}
    today = aware(now).date()
    result.update(
        {
            "due": int(due or 0),
            "new": max(0, len(rows) - int(seen or 0)),
            "studied": int(seen or 0),
            "reviews_total": len(review_times),
            "reviews_today": sum(1 for t in review_times if aware(t).date() == today),
            "streak_days": _streak(days, today),
        }
    )
    return result
