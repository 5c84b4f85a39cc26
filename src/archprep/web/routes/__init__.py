"""One router per area of the web UI, plus ``api`` for the JSON API under ``/api``."""

from __future__ import annotations

from fastapi import APIRouter

from archprep.web.routes import (
    account,
    api,
    browse,
    calculators,
    dashboard,
    io,
    practice,
    progress,
    questions,
    search,
    settings,
    study,
)

ROUTERS: list[APIRouter] = [
    dashboard.router,
    browse.router,
    questions.router,
    search.router,
    study.router,
    practice.router,
    calculators.router,
    progress.router,
    io.router,
    settings.router,
    account.router,
    api.router,
]
