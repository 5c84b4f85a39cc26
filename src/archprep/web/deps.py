"""Request dependencies: the app state, a DB session, the current user, CSRF and page rendering."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from archprep.progress import StudyPrefs, study_prefs
from archprep.search import Searcher
from archprep.settings import Settings
from archprep.store import Store
from archprep.web.auth import csrf_ok, csrf_token, session_user
from archprep.web.cache import Caches
from archprep.web.config import WebConfig

if TYPE_CHECKING:
    from archprep.grading import Grader

SID_COOKIE = "archprep_sid"
THEME_COOKIE = "archprep_theme"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the local user, or a signed-in account in multi-user mode."""

    id: int
    username: str
    is_admin: bool = False
    signed_in: bool = False


@dataclass
class WebState:
    """Everything a request needs that lives as long as the process."""

    settings: Settings
    config: WebConfig
    store: Store
    searcher: Searcher
    templates: Jinja2Templates
    secret: bytes
    clock: Callable[[], datetime]
    caches: Caches = field(default_factory=Caches)
    local: Viewer | None = None
    asset_version: str = "0"
    _grader: Grader | None = None
    _grader_lock: threading.Lock = field(default_factory=threading.Lock)

    def grader(self) -> Grader:
        """One grader per process: it loads the embedding model once and caches rubrics."""
        with self._grader_lock:
            if self._grader is None:
                from archprep.grading import Grader  # loaded on the first graded answer

                self._grader = Grader.from_settings(self.settings)
            return self._grader


class LoginRequired(Exception):
    """Raised by ``viewer`` in multi-user mode without a valid session."""


# A page of this site to go back to: a path with no scheme, host, backslash or control
# character (browsers drop tabs and newlines, so "/\t/evil.example" would become "//evil…").
LOCAL_PATH = re.compile(r"/(?!/)[^\s\\\x00-\x1f\x7f]*")


def local_target(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default``: every "back" and "next"
    a form or link carries goes through here, so none can redirect off the site."""
    return target if target and LOCAL_PATH.fullmatch(target) else default


def state(request: Request) -> WebState:
    st: WebState = request.app.state.archprep
    return st


def get_db(request: Request) -> Iterator[Session]:
    with state(request).store.session() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]


def sid(request: Request) -> str:
    """The browser's session cookie value (a fresh one is set by the middleware if absent)."""
    value: str = request.scope["state"]["sid"]
    return value


def now(request: Request) -> datetime:
    return state(request).clock()


def optional_viewer(request: Request, session: DB) -> Viewer | None:
    st = state(request)
    if not st.config.multi_user:
        assert st.local is not None
        return st.local
    cached = request.scope["state"].get("viewer")
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    if request.scope["state"].get("sid_new"):
        return None
    user = session_user(session, sid(request), st.clock(), st.config.session_days)
    if user is None:
        return None
    found = Viewer(user.id, user.username, user.is_admin, True)
    request.scope["state"]["viewer"] = found
    return found


def get_viewer(viewer: Annotated[Viewer | None, Depends(optional_viewer)]) -> Viewer:
    if viewer is None:
        raise LoginRequired()
    return viewer


CurrentViewer = Annotated[Viewer, Depends(get_viewer)]


def viewer_inline(request: Request) -> Viewer:
    """``CurrentViewer`` for ``async`` routes: no threadpool hop (one indexed read, if any)."""
    st = state(request)
    if not st.config.multi_user:
        assert st.local is not None
        return st.local
    with st.store.session() as session:
        return get_viewer(optional_viewer(request, session))


def prefs_for(request: Request, session: Session, viewer: Viewer) -> StudyPrefs:
    s = state(request).settings
    return study_prefs(session, viewer.id, StudyPrefs(s.desired_retention, s.new_cards_per_day))


def csrf_of(request: Request) -> str:
    return csrf_token(state(request).secret, sid(request))


def page_key(
    request: Request,
    viewer: Viewer,
    version: tuple[Any, ...],
    moment: datetime,
    minutes: int = 1,
) -> tuple[Any, ...]:
    """What a cached page depends on besides its route: user, data, theme, URL, and time in
    buckets of ``minutes`` (what is due, and how well you recall it, drift with time)."""
    theme = request.cookies.get(THEME_COOKIE, "auto")
    bucket = int(moment.timestamp()) // (60 * minutes)
    return (viewer.id, version, theme, str(request.url.path), str(request.url.query), bucket)


def _same_origin(request: Request) -> bool:
    """Browsers send Origin on cross-site POSTs; when present it must name this host."""
    origin = request.headers.get("origin") or ""
    if not origin or origin == "null":
        return origin != "null"
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def csrf_guard(request: Request) -> None:
    """Every state-changing request carries the session's token (form field or X-CSRF-Token)."""
    if request.method in SAFE_METHODS:
        return
    if not _same_origin(request):
        raise HTTPException(403, "cross-site request refused")
    presented = request.headers.get("x-csrf-token")
    if presented is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            presented = value if isinstance(value, str) else None
    st = request.scope["state"]
    cookie_sid = None if st.get("sid_new") else st.get("sid")
    if not csrf_ok(state(request).secret, cookie_sid, presented):
        raise HTTPException(
            403, "the form's security token is missing or stale; reload the page and try again"
        )


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/api"


def page(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render a template with what every page needs (user, CSRF token, theme, mode)."""
    st = state(request)
    theme = request.cookies.get(THEME_COOKIE, "auto")
    full = {
        "viewer": viewer,
        "csrf": csrf_of(request),
        "multi_user": st.config.multi_user,
        "allow_signup": st.config.allow_signup,
        "theme": theme if theme in ("light", "dark") else "auto",
        "path": request.url.path,
        "asset_version": st.asset_version,
        **context,
    }
    response: HTMLResponse = st.templates.TemplateResponse(
        request, template, full, status_code=status_code
    )
    return response
