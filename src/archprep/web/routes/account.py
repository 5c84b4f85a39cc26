"""Signing up, in and out (multi-user mode), and changing one's password."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from archprep.errors import UserError
from archprep.web import auth
from archprep.web.deps import (
    DB,
    CurrentViewer,
    Viewer,
    local_target,
    now,
    optional_viewer,
    page,
    sid,
    state,
)

router = APIRouter(include_in_schema=False)


def client_ip(request: Request) -> str:
    """The client address (after trusted proxies' X-Forwarded-For)."""
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request, session: DB, user_id: int, target: str) -> RedirectResponse:
    """Start a DB session and rotate the cookie to it (no session fixation)."""
    token = auth.start_session(session, user_id, now(request), state(request).config.session_days)
    session.commit()
    request.scope["state"]["set_sid"] = token
    return RedirectResponse(local_target(target), status_code=303)


def _require_multi_user(request: Request) -> None:
    if not state(request).config.multi_user:
        raise HTTPException(
            404, "this archprep runs for one local user: there is nothing to sign in to"
        )


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: DB, next: str = "/") -> Response:
    _require_multi_user(request)
    if optional_viewer(request, session) is not None:
        return RedirectResponse(local_target(next), status_code=303)
    return page(request, "login.html", None, title="Sign in", next=local_target(next), error=None,
                username="")  # fmt: skip


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    _require_multi_user(request)
    cfg = state(request).config
    limit = auth.RateLimit(cfg.login_max_failures, timedelta(minutes=cfg.login_window_minutes))
    try:
        user = auth.authenticate(session, username, password, client_ip(request), now(request),
                                 limit)  # fmt: skip
    except auth.LoginThrottled as exc:
        session.commit()
        response = page(request, "login.html", None, status_code=429, title="Sign in",
                        next=local_target(next), error=str(exc), username=username)  # fmt: skip
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except auth.LoginFailed as exc:
        session.commit()
        return page(request, "login.html", None, status_code=401, title="Sign in",
                    next=local_target(next), error=str(exc), username=username)  # fmt: skip
    return _signed_in(request, session, user.id, next)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request) -> HTMLResponse:
    _require_multi_user(request)
    if not state(request).config.allow_signup:
        raise HTTPException(403, "sign-up is closed here; ask the administrator for an account")
    return page(request, "signup.html", None, title="Create an account", error=None, username="")


@router.post("/signup", response_model=None)
def signup(
    request: Request,
    session: DB,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
) -> Response:
    _require_multi_user(request)
    if not state(request).config.allow_signup:
        raise HTTPException(403, "sign-up is closed here; ask the administrator for an account")
    try:
        if password != confirm:
            raise UserError("the two passwords differ")
        user = auth.create_user(session, username, password, now(request))
    except UserError as exc:
        session.rollback()
        return page(request, "signup.html", None, status_code=400, title="Create an account",
                    error=str(exc), username=username)  # fmt: skip
    return _signed_in(request, session, user.id, "/")


@router.post("/logout")
def logout(request: Request, session: DB) -> RedirectResponse:
    if state(request).config.multi_user:
        auth.end_session(session, sid(request))
        session.commit()
    request.scope["state"]["set_sid"] = auth.new_token()
    return RedirectResponse("/login" if state(request).config.multi_user else "/", status_code=303)


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, session: DB, viewer: CurrentViewer, saved: bool = False) -> Response:
    return _account_page(request, session, viewer, saved=saved)


def _account_page(
    request: Request, session: DB, viewer: Viewer, *, saved: bool = False,
    error: str | None = None, status_code: int = 200,
) -> HTMLResponse:  # fmt: skip
    return page(request, "account.html", viewer, status_code=status_code, title="Account",
                sessions=auth.count_sessions(session, viewer.id), saved=saved,
                error=error)  # fmt: skip


@router.post("/account/password", response_model=None)
def change_password(
    request: Request,
    session: DB,
    viewer: CurrentViewer,
    current: Annotated[str, Form()],
    password: Annotated[str, Form()],
    confirm: Annotated[str, Form()],
) -> Response:
    _require_multi_user(request)
    cfg = state(request).config
    limit = auth.RateLimit(cfg.login_max_failures, timedelta(minutes=cfg.login_window_minutes))
    try:
        # Checked as a sign-in is, failures counted and limited the same way: a stolen
        # session cookie must not let anyone guess the password at leisure.
        try:
            auth.authenticate(session, viewer.username, current, client_ip(request), now(request),
                              limit)  # fmt: skip
        except auth.LoginThrottled as exc:
            session.commit()
            response = _account_page(request, session, viewer, error=str(exc), status_code=429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except auth.LoginFailed:
            session.commit()
            raise UserError("the current password is wrong") from None
        if password != confirm:
            raise UserError("the two new passwords differ")
        auth.reset_password(session, viewer.username, password)
    except UserError as exc:
        return _account_page(request, session, viewer, error=str(exc), status_code=400)
    return _signed_in(request, session, viewer.id, "/account?saved=1")
