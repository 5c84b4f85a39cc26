"""The core progress helpers behind the dashboard and progress pages (``archprep.progress``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from archprep.errors import UserError
from archprep.progress import (
    StudyPrefs,
    next_practice_question,
    overall_readiness,
    readiness,
    retention_series,
    reviews_per_day,
    save_study_prefs,
    score_trends,
    study_prefs,
    today_plan,
)
from archprep.scheduling import Grade
from archprep.store import open_store
from archprep.store.attempts import save_attempt
from archprep.store.cards import local_user_id, record_review
from tests.web.conftest import START


@pytest.fixture
def session(sqlite_url_with_bank: str) -> Session:
    store = open_store(sqlite_url_with_bank)
    with store.session() as s:
        yield s  # type: ignore[misc]
    store.close()


def test_untouched_bank_is_zero_ready(session: Session) -> None:
    user = local_user_id(session, START)
    rows = readiness(session, user, START)
    assert rows and all(r.readiness == 0 and r.seen == 0 for r in rows)
    assert overall_readiness(rows) == 0


def test_reviews_and_practice_raise_readiness(session: Session) -> None:
    user = local_user_id(session, START)
    record_review(session, user, "rag/hybrid-search-rrf", Grade.GOOD, START)
    rows = {r.category: r for r in readiness(session, user, START + timedelta(minutes=5))}
    rag = rows["rag"]
    assert (
        rag.seen == 1
        and rag.mean_retrievability
        and rag.recall == pytest.approx(rag.mean_retrievability / rag.total)
    )
    save_attempt(session, user, "rag/hybrid-search-rrf", "x", {}, START, score=80.0)
    rag = {r.category: r for r in readiness(session, user, START)}["rag"]
    assert rag.practice == pytest.approx(0.8) and rag.readiness > rag.recall
    assert readiness(session, user, START)[0].readiness <= rag.readiness  # weakest first


def test_daily_series(session: Session) -> None:
    user = local_user_id(session, START)
    for day in range(3):
        record_review(
            session, user, "rag/hybrid-search-rrf", Grade.GOOD, START + timedelta(days=day)
        )
    record_review(session, user, "rag/graphrag", Grade.AGAIN, START + timedelta(days=2))
    now = START + timedelta(days=2, hours=1)
    days = reviews_per_day(session, user, now, days=7)
    assert len(days) == 7 and days[-1].day == now.date()
    assert [d.total for d in days[-3:]] == [1, 1, 2] and days[-1].again == 1
    retention = retention_series(session, user, now, days=7)
    assert len(retention) == 7 and retention[-1].retention in (None, 1.0, 0.5)
    save_attempt(session, user, "rag/graphrag", "y", {}, START, score=40.0)
    save_attempt(session, user, "rag/graphrag", "y", {}, START + timedelta(days=1), score=60.0)
    trend = score_trends(session, user, now)
    assert [p.score for p in trend["rag"]] == [40.0, 60.0]


def test_practice_suggestion_rotates_and_skips(session: Session) -> None:
    user = local_user_id(session, START)
    first = next_practice_question(session, user, START, category="rag")
    assert first is not None and first.category == "rag" and first.kind not in ("rapid-fire",)
    other = next_practice_question(session, user, START, category="rag", exclude=first.id)
    assert other is not None and other.id != first.id
    rows = readiness(session, user, START)
    plan = today_plan(session, user, START, due=3, new_available=10, categories=rows)
    assert plan.practice is not None and len(plan.weakest) == 3 and plan.minutes > 10


def test_study_prefs_round_trip_and_bounds(session: Session) -> None:
    user = local_user_id(session, START)
    defaults = StudyPrefs(0.9, 20)
    assert study_prefs(session, user, defaults) == defaults
    save_study_prefs(session, user, StudyPrefs(0.85, 5), START)
    assert study_prefs(session, user, defaults) == StudyPrefs(0.85, 5)
    with pytest.raises(UserError, match="desired retention"):
        save_study_prefs(session, user, StudyPrefs(0.5, 5), START)
    with pytest.raises(UserError, match="new cards per day"):
        save_study_prefs(session, user, StudyPrefs(0.9, 501), START)
