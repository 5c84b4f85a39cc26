"""Browser fixtures: a real ``archprep serve`` subprocess on a free port, and Debian's chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from archprep.bank.sync import ensure_bank
from archprep.settings import Settings
from archprep.store import open_store

SCREENS = Path("/tmp/archprep-screens")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def e2e_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bank with its embeddings, built once: search in the browser is the real hybrid one."""
    path = tmp_path_factory.mktemp("e2e-template") / "bank.db"
    url = f"sqlite:///{path}"
    store = open_store(url)
    ensure_bank(store, Settings(db=url), datetime.now(UTC))
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    return path


class Server:
    def __init__(self, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
        self.url = url
        self.process = process
        self.log = log


@pytest.fixture(scope="session")
def start_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Server]]:
    """Start ``archprep --db URL serve`` (extra CLI args allowed); stopped at the end."""
    started: list[Server] = []

    def start(db_url: str, *args: str, env: dict[str, str] | None = None) -> Server:
        port = free_port()
        folder = tmp_path_factory.mktemp("server")
        log = folder / "server.log"
        full_env = {**os.environ, "ARCHPREP_DATA_DIR": str(folder), **(env or {})}
        process = subprocess.Popen(
            [sys.executable, "-m", "archprep", "--db", db_url, "serve", "--port", str(port), *args],
            stdout=log.open("wb"), stderr=subprocess.STDOUT, env=full_env,
        )  # fmt: skip
        server = Server(f"http://127.0.0.1:{port}", process, log)
        started.append(server)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"server exited: {log.read_text()}")
            try:
                if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                    return server
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"server did not start: {log.read_text()}")

    yield start
    for server in started:
        server.process.terminate()
        try:
            server.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.process.kill()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    playwright = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium")
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; scripts/install-system-deps.sh installs it")
        pytest.skip("chromium not installed (apt-get install chromium)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Screenshots go here during the run, then a copy to /tmp/archprep-screens for review."""
    folder = tmp_path_factory.mktemp("screens")
    yield folder
    SCREENS.mkdir(parents=True, exist_ok=True)
    for shot in folder.glob("*.png"):
        shutil.copy(shot, SCREENS / shot.name)
