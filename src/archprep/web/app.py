"""The FastAPI application: ``create_app(settings)`` builds it for tests and ``archprep serve``."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from archprep.bank.sync import ensure_bank
from archprep.errors import NotFound, UserError
from archprep.search import Searcher
from archprep.settings import Settings
from archprep.store import open_store
from archprep.store.cards import LOCAL_USER, local_user_id
from archprep.web import filters
from archprep.web.auth import app_secret, new_token
from archprep.web.config import WebConfig, host_patterns
from archprep.web.deps import (
    SID_COOKIE,
    LoginRequired,
    Viewer,
    WebState,
    csrf_guard,
    optional_viewer,
    page,
    wants_json,
)

WEB_DIR = Path(str(resources.files("archprep.web")))
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


def sid_cookie(value: str, secure: bool, max_age: int) -> str:
    flags = f"; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax"
    return f"{SID_COOKIE}={value}{flags}{'; Secure' if secure else ''}"


class BrowserSession:
    """Gives every browser a session cookie (HttpOnly, SameSite=Lax, Secure over https) and
    adds the security headers, including a strict Content-Security-Policy, to every response.

    The cookie is what CSRF tokens are derived from; in multi-user mode a signed-in cookie is
    also a row in ``web_sessions``. Routes rotate it by setting ``scope["state"]["set_sid"]``.
    """

    def __init__(self, app: ASGIApp, max_age: int) -> None:
        self.app = app
        self.max_age = max_age

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        current = None
        for key, value in scope["headers"]:
            if key == b"cookie":
                current = cookie_parser(value.decode("latin-1")).get(SID_COOKIE) or current
        if not current or not 20 <= len(current) <= 100:
            current = new_token()
            state["sid_new"] = True
        state["sid"] = current
        secure = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    if name.decode() not in headers:
                        headers.append(name.decode(), value.decode())
                fresh = state.get("set_sid") or (state["sid"] if state.get("sid_new") else None)
                if fresh and not scope["path"].startswith("/static/"):
                    headers.append("set-cookie", sid_cookie(fresh, secure, self.max_age))
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                scope["app"].state.archprep.caches.wrote()


class HeadAsGet:
    """Answers HEAD as GET without the body: routes are declared for GET only, and a HEAD
    (link checkers, ``curl -I``) should get the GET's status and headers, not 405."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def _asset_version() -> str:
    digest = hashlib.sha256()
    for name in ("app.css", "app.js"):
        digest.update((WEB_DIR / "static" / name).read_bytes())
    return digest.hexdigest()[:10]


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(WEB_DIR / "templates"))
    templates.env.globals.update(filters.GLOBALS)
    templates.env.filters.update(filters.FILTERS)
    templates.env.trim_blocks = True
    templates.env.lstrip_blocks = True
    return templates


def create_app(
    settings: Settings,
    config: WebConfig | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    warm: bool = True,
) -> FastAPI:
    """The web UI and JSON API over the store named by ``settings``.

    Opens (and migrates) the store, loads the built-in bank into an empty database, derives
    the CSRF key, and starts warming the search index in the background.
    """
    config = config or WebConfig()
    clock = clock or (lambda: datetime.now(UTC))
    store = open_store(settings.database_url())
    ensure_bank(store, settings, clock())
    local: Viewer | None = None
    if not config.multi_user:
        with store.session() as session:
            local = Viewer(local_user_id(session, clock()), LOCAL_USER, True, False)
            session.commit()
    st = WebState(
        settings=settings,
        config=config,
        store=store,
        searcher=Searcher(store, settings),
        templates=_templates(),
        secret=app_secret(store),
        clock=clock,
        local=local,
        asset_version=_asset_version(),
    )
    if warm:
        threading.Thread(target=st.searcher.index, daemon=True).start()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="archprep",
        summary="Interview preparation for AI/ML architect roles: questions, search, grading, "
        "flashcards and progress.",
        version="1",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads scripts from a CDN: not offline, not CSP-clean
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(csrf_guard)],
    )
    app.state.archprep = st
    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    _install_handlers(app)
    from archprep.web.routes import ROUTERS, drills, history, plan
    from archprep.web.routes.mock import router as mock_router

    for router in ROUTERS:
        app.include_router(router)
    app.include_router(mock_router)
    for router in (plan.router, drills.router, history.router):
        app.include_router(router)
    app.add_middleware(HeadAsGet)
    app.add_middleware(BrowserSession, max_age=config.session_days * 86400)
    trusted = [h.strip() for h in config.trusted_proxies.split(",") if h.strip()]
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=trusted)
    # Outermost: a request naming another host (a DNS-rebinding page) is refused before anything.
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=host_patterns(config))
    return app


def _viewer_or_none(request: Request) -> Viewer | None:
    try:
        with request.app.state.archprep.store.session() as session:
            return optional_viewer(request, session)
    except Exception:  # an error page must render even when the database is the problem
        return None


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        status = 404 if isinstance(exc, NotFound) else 400  # not there, or another user's
        if wants_json(request):
            return JSONResponse({"detail": str(exc)}, status_code=status)
        title = "Page not found" if status == 404 else "That did not work"
        return page(request, "error.html", _viewer_or_none(request), status_code=status,
                    title=title, message=str(exc))  # fmt: skip

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={filters.urlquote(target)}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if wants_json(request) or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                                headers=exc.headers)  # fmt: skip
        titles = {404: "Page not found", 403: "Not allowed", 405: "Not allowed here"}
        message = exc.detail
        if exc.status_code == 404 and message == "Not Found":
            message = "There is nothing at this address."
        return page(request, "error.html", _viewer_or_none(request),
                    status_code=exc.status_code, title=titles.get(exc.status_code, "Error"),
                    message=str(message))  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p not in ('body', 'query'))}: {e['msg']}"
            for e in exc.errors()
        ]
        if wants_json(request):
            # jsonable_encoder, as FastAPI's own handler: a validator's error is an exception object.
            return JSONResponse({"detail": jsonable_encoder(exc.errors())}, status_code=422)
        return page(request, "error.html", _viewer_or_none(request), status_code=422,
                    title="Some input was not valid", message="; ".join(problems))  # fmt: skip

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> HTMLResponse:
        return HTMLResponse("ok")


def app_from_env() -> FastAPI:
    """The app for ``uvicorn --factory`` workers: settings from ``ARCHPREP_*`` and ``ARCHPREP_WEB_*``."""
    return create_app(Settings(), WebConfig())
