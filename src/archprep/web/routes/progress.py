"""Progress over time: reviews per day, retention and practice scores per category, as SVG."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from archprep.bank.model import category_title
from archprep.progress import (
    overall_readiness,
    readiness,
    recent_attempts,
    retention_series,
    reviews_per_day,
    score_trends,
)
from archprep.store.stats import bank_stats
from archprep.web import charts
from archprep.web.deps import DB, CurrentViewer, now, page, prefs_for

router = APIRouter(include_in_schema=False)

RATING_CLASSES = ["r-again", "r-hard", "r-good", "r-easy"]
RATING_NAMES = ["Again", "Hard", "Good", "Easy"]


@router.get("/progress", response_class=HTMLResponse)
def progress_page(
    request: Request, session: DB, viewer: CurrentViewer, days: int = 30
) -> HTMLResponse:
    days = days if days in (14, 30, 90) else 30
    moment = now(request)
    prefs = prefs_for(request, session, viewer)
    per_day = reviews_per_day(session, viewer.id, moment, days)
    bars = charts.stacked_bars(
        [
            charts.Stack(d.day, [(c, getattr(d, n.lower()), n) for c, n in
                                 zip(RATING_CLASSES, RATING_NAMES, strict=True)])
            for d in per_day
        ],
        f"Reviews per day over the last {days} days",
        every=7 if days <= 30 else 21,
    )  # fmt: skip
    retention = retention_series(session, viewer.id, moment, days)
    day_list = [p.day for p in retention]
    retention_chart = charts.lines(
        {"Retention (7-day)": [(p.day, p.retention) for p in retention]},
        day_list,
        "True retention, rolling seven days",
        every=7 if days <= 30 else 21,
    )
    trends = score_trends(session, viewer.id, moment, days)
    scores = {category_title(c): [(p.day, p.score) for p in pts] for c, pts in trends.items()}
    score_chart = charts.lines(
        scores,
        day_list,
        "Practice score per category",
        top=100,
        fmt="{:.0f}",
        every=7 if days <= 30 else 21,
    )
    categories = readiness(session, viewer.id, moment, prefs.desired_retention)
    passed = [p.retention for p in retention if p.retention is not None]
    return page(
        request,
        "progress.html",
        viewer,
        title="Progress",
        days=days,
        stats=bank_stats(session, viewer.id, moment),
        bars=bars,
        bars_legend=charts.legend(RATING_NAMES, RATING_CLASSES),
        reviews_in_window=sum(d.total for d in per_day),
        retention_chart=retention_chart,
        retention_now=passed[-1] if passed else None,
        desired=prefs.desired_retention,
        score_chart=score_chart if trends else None,
        score_legend=charts.legend(list(scores)),
        score_values=charts.values_table(
            scores,
            "Scores as a table",
            name_header="Category",
            value_header="Mean score",
            fmt="{:.0f}",
        ),
        categories=sorted(categories, key=lambda c: (-c.readiness, c.category)),
        overall=overall_readiness(categories),
        attempts=recent_attempts(session, viewer.id, limit=20),
        now=moment,
    )
