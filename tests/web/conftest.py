"""Web fixtures: a bank-loaded template database copied per test, apps and signed-in clients."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archprep.bank.sync import ensure_bank
from archprep.settings import Settings
from archprep.store import open_store
from archprep.web.app import create_app
from archprep.web.config import WebConfig

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"


@dataclass
class Clock:
    """The web app's clock, moved by tests (the app never reads the system clock in tests)."""

    now: datetime = field(default=START)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def settings_for(url: str) -> Settings:
    # Lexical search and grading: no model load, so every test starts in milliseconds.
    return Settings(db=url, embedding_model="none")


@pytest.fixture(scope="session")
def bank_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file holding the built-in bank, copied by each test."""
    path = tmp_path_factory.mktemp("web-template") / "bank.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    ensure_bank(store, settings_for(url), START)
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


@pytest.fixture(scope="session")
def pg_bank_template(pg_cluster: object) -> str:
    """A PostgreSQL database holding the built-in bank, cloned by each test."""
    cluster = pg_cluster
    name: str = cluster.new_database()  # type: ignore[attr-defined]
    url: str = cluster.url(name)  # type: ignore[attr-defined]
    store = open_store(url)
    ensure_bank(store, settings_for(url), START)
    store.close()
    return name


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def bank_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database with the bank: a SQLite file, or a PostgreSQL clone."""
    if request.param == "sqlite":
        return sqlite_bank_url(request, tmp_path)
    cluster = request.getfixturevalue("pg_cluster")
    template = request.getfixturevalue("pg_bank_template")
    url: str = cluster.url(cluster.new_database(template))
    return url


def sqlite_bank_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    template: Path = request.getfixturevalue("bank_template")
    target = tmp_path / "archprep.db"
    shutil.copy(template, target)
    return f"sqlite:///{target}"


@pytest.fixture
def sqlite_url_with_bank(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return sqlite_bank_url(request, tmp_path)


@pytest.fixture
def clock() -> Clock:
    return Clock()


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(clock: Clock) -> Iterator[AppFactory]:
    """Build apps over a URL (several may share one database, like worker processes)."""
    built: list[FastAPI] = []

    def make(url: str, **config: object) -> FastAPI:
        # TestClient's default host; a test of the host check passes allowed_hosts="" (defaults).
        config.setdefault("allowed_hosts", "testserver,127.0.0.1,localhost")
        app = create_app(settings_for(url), WebConfig(**config), clock=clock, warm=False)
        built.append(app)
        return app

    yield make
    for app in built:
        app.state.archprep.store.close()


@pytest.fixture
def app(make_app: AppFactory, sqlite_url_with_bank: str) -> FastAPI:
    return make_app(sqlite_url_with_bank)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as c:
        yield c


def csrf_of(client: TestClient, path: str = "/api/session") -> str:
    """The session's CSRF token, from the API or a page's <meta name="csrf-token">."""
    response = client.get(path)
    if path.startswith("/api/"):
        token: str = response.json()["csrf_token"]
        return token
    found = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', response.text)
    assert found, f"no CSRF meta tag on {path}"
    return found.group(1)


def signup(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_of(client, "/signup")
    response = client.post(
        "/signup",
        data={"csrf_token": token, "username": username, "password": password,
              "confirm": password},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text


def login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    token = csrf_of(client, "/login")
    response = client.post(
        "/login",
        data={"csrf_token": token, "username": username, "password": password},
        follow_redirects=False,
    )
    return response.status_code


def api_post(client: TestClient, path: str, body: dict[str, object]) -> httpx.Response:
    return client.post(path, json=body, headers={"X-CSRF-Token": csrf_of(client)})
