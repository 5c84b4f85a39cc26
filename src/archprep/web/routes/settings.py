"""Per-user study settings (desired retention, new cards per day) and the theme choice."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from archprep.errors import UserError
from archprep.progress import StudyPrefs, save_study_prefs
from archprep.web.deps import DB, THEME_COOKIE, CurrentViewer, local_target, now, page, prefs_for

router = APIRouter(include_in_schema=False)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(
    request: Request, session: DB, viewer: CurrentViewer, saved: bool = False
) -> HTMLResponse:
    prefs = prefs_for(request, session, viewer)
    return page(request, "settings.html", viewer, title="Settings", prefs=prefs, saved=saved,
                error=None)  # fmt: skip


@router.post("/settings", response_model=None)
def save(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    desired_retention: Annotated[float, Form()],
    new_cards_per_day: Annotated[int, Form()],
    back: Annotated[str, Form()] = "",
) -> Response:
    prefs = StudyPrefs(round(desired_retention, 3), new_cards_per_day)
    try:
        save_study_prefs(session, viewer.id, prefs, now(request))
    except UserError as exc:
        return page(request, "settings.html", viewer, status_code=400, title="Settings",
                    prefs=prefs, saved=False, error=str(exc))  # fmt: skip
    session.commit()
    # The plan's "raise the limit" button returns to the plan; a local path only.
    return RedirectResponse(local_target(back, "/settings?saved=1"), status_code=303)


@router.post("/theme")
def theme(
    request: Request, choice: Annotated[str, Form()], back: Annotated[str, Form()] = "/"
) -> RedirectResponse:
    """The no-script fallback of the theme toggle (app.js sets the same cookie itself)."""
    response = RedirectResponse(local_target(back), status_code=303)
    if choice in ("light", "dark"):
        response.set_cookie(THEME_COOKIE, choice, max_age=365 * 86400, samesite="lax")
    else:
        response.delete_cookie(THEME_COOKIE)
    return response
