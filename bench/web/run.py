"""Web load: requests/s and latency percentiles under 50 concurrent clients, SQLite and PostgreSQL.

Serves a database holding the built-in bank (with its embeddings) and a month of one user's
history through the real ``archprep serve --workers N`` on a loopback port, then loads three
endpoints with ``wrk -c50`` (installed with apt-get when missing and run as root; otherwise a
bounded asyncio + httpx generator): the dashboard, question pages (40 rotating ids) and the
search API (40 rotating queries from bench/search/queries.jsonl). Each gets a 3 s warm-up, as a
long-running server would have, then a measured 10 s run. A fourth row, search with a unique
query on every request, shows the uncached cost of search. Targets: p95 <= 50 ms for pages and
<= 80 ms for search, no errors.

Environment: ARCHPREP_BENCH_WORKERS (default: CPU count), ARCHPREP_BENCH_SECONDS (10),
ARCHPREP_BENCH_PG_URL (an existing empty PostgreSQL database instead of a throwaway cluster).
"""

from __future__ import annotations

import asyncio
import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 50
WARMUP_S = 3
SECONDS = int(os.environ.get("ARCHPREP_BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("ARCHPREP_BENCH_WORKERS", str(os.cpu_count() or 2)))
PAGE_P95_MS = 50.0
SEARCH_P95_MS = 80.0
LUA = """
local paths = {%s}
local unique = %s
local n = 0
request = function()
  n = n + 1
  local path = paths[(n %% #paths) + 1]
  if unique then path = path .. "+w" .. n .. "t" .. math.random(1, 1000000) end
  return wrk.format("GET", path)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%.2f %%.2f %%.2f %%.2f\\n",
    summary.requests, e.connect + e.read + e.write + e.timeout, e.status, summary.duration,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.mean / 1000))
end
"""


@dataclass
class Row:
    database: str
    endpoint: str
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    target: float | None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "(info)"
        return "ok" if self.p95 <= self.target and self.errors == 0 else "MISSED"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0:
        return found
    print("installing wrk with apt-get …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, env=env,
                   capture_output=True)  # fmt: skip
    return shutil.which("wrk")


def _queries() -> list[str]:
    lines = (ROOT / "bench" / "search" / "queries.jsonl").read_text().splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()][:40]


def build_database(url: str, embeddings_from: str | None = None) -> list[str]:
    """The bank (embeddings copied from another store when given) and a month of history."""
    from sqlalchemy import select

    from archprep.bank.sync import ensure_bank
    from archprep.grading import Grader
    from archprep.scheduling import Grade
    from archprep.search.index import refresh_embeddings
    from archprep.settings import Settings
    from archprep.store import open_store
    from archprep.store.attempts import save_attempt
    from archprep.store.cards import local_user_id, record_review
    from archprep.store.questions import list_questions
    from archprep.store.schema import EmbeddingRow

    settings = Settings(db=url)
    store = open_store(url)
    if embeddings_from:
        source = open_store(embeddings_from)
        with source.session() as s:
            rows = [
                (r.content_hash, r.model_id, r.dim, r.vector)
                for r in s.scalars(select(EmbeddingRow))
            ]
        source.close()
        with store.session.begin() as s:
            s.add_all(
                EmbeddingRow(content_hash=h, model_id=m, dim=d, vector=v) for h, m, d, v in rows
            )
    now = datetime.now(UTC)
    ensure_bank(store, settings, now)
    grader = Grader.from_settings(settings, use_llm=False)
    if not embeddings_from and grader.encoder.embedder is not None:
        # The bank load leaves vectors to the first search; a long-running server has them.
        refresh_embeddings(store, grader.encoder.embedder)
    with store.session.begin() as s:
        user = local_user_id(s, now)
        questions = list_questions(s, user)
        ids = [q.id for q in questions]
        for day in range(30, 0, -1):
            when = now - timedelta(days=day)
            for k in range(10):
                qid = ids[(day * 7 + k) % 120]
                grade = Grade.AGAIN if (day + k) % 9 == 0 else Grade.GOOD
                record_review(s, user, qid, grade, when + timedelta(minutes=k))
        for q in questions[:8]:
            result = grader.grade(q, q.answer.split("\n\n")[0][:600])
            save_attempt(s, user, q.id, q.answer[:600], result.to_json(), now - timedelta(days=3))
    store.close()
    return ids


@contextmanager
def serve(url: str, folder: Path) -> Iterator[str]:
    port = free_port()
    log = folder / f"serve-{port}.log"
    env = {**os.environ, "ARCHPREP_DATA_DIR": str(folder)}
    process = subprocess.Popen(
        [sys.executable, "-m", "archprep", "--db", url, "serve", "--port", str(port),
         "--workers", str(WORKERS)],
        stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"archprep serve exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("archprep serve did not start in 180 s")
            time.sleep(0.5)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def run_wrk(wrk: str, base: str, paths: list[str], seconds: int, unique: bool, folder: Path) -> tuple[float, float, float, float, int]:  # fmt: skip
    script = folder / "paths.lua"
    listed = ", ".join(json.dumps(p) for p in paths)
    script.write_text(LUA % (listed, "true" if unique else "false"))
    out = subprocess.run(
        [wrk, "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "5s", "-s", str(script), base],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    requests, sock_err, status_err, duration_us, p50, p95, p99, _mean = line.split()[1:]
    rps = int(requests) / (int(duration_us) / 1e6)
    return rps, float(p50), float(p95), float(p99), int(sock_err) + int(status_err)


async def _generator(base: str, paths: list[str], seconds: int, unique: bool) -> tuple[float, float, float, float, int]:  # fmt: skip
    """The fallback load generator: 50 client tasks in a closed loop for ``seconds``."""
    latencies: list[float] = []
    errors = 0
    stop = time.monotonic() + seconds
    counter = iter(range(10**9))

    async def client(c: httpx.AsyncClient) -> None:
        nonlocal errors
        while time.monotonic() < stop:
            n = next(counter)
            path = paths[n % len(paths)] + (f"+w{n}" if unique else "")
            started = time.perf_counter()
            try:
                r = await c.get(path)
                errors += r.status_code >= 400
            except httpx.HTTPError:
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)

    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as c:
        began = time.monotonic()
        await asyncio.gather(*(client(c) for _ in range(CLIENTS)))
        took = time.monotonic() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))]

    return len(latencies) / took, pct(0.50), pct(0.95), pct(0.99), errors


def measure(wrk: str | None, base: str, paths: list[str], unique: bool, folder: Path) -> tuple[float, float, float, float, int]:  # fmt: skip
    if wrk:
        run_wrk(wrk, base, paths, WARMUP_S, unique, folder)
        return run_wrk(wrk, base, paths, SECONDS, unique, folder)
    asyncio.run(_generator(base, paths, WARMUP_S, unique))
    return asyncio.run(_generator(base, paths, SECONDS, unique))


def suite(name: str, url: str, ids: list[str], wrk: str | None, folder: Path) -> list[Row]:
    queries = [f"/api/search?q={quote(q)}" for q in _queries()]
    cases = [
        ("dashboard /", ["/"], False, PAGE_P95_MS),
        ("question page /q/…", [f"/q/{i}" for i in ids[::9][:40]], False, PAGE_P95_MS),
        ("search API (40 queries)", queries, False, SEARCH_P95_MS),
        ("search API, every query new", queries, True, None),
    ]
    rows = []
    with serve(url, folder) as base:
        for label, paths, unique, target in cases:
            rps, p50, p95, p99, errors = measure(wrk, base, paths, unique, folder)
            rows.append(Row(name, label, rps, p50, p95, p99, errors, target))
            print(f"  {name:<10} {label:<30} {rps:8.0f} req/s  p50 {p50:6.1f}  p95 {p95:6.1f}  "
                  f"p99 {p99:6.1f} ms  errors {errors}", flush=True)  # fmt: skip
    return rows


@contextmanager
def postgres(folder: Path) -> Iterator[str | None]:
    """A throwaway PostgreSQL cluster on a loopback port (None when PostgreSQL is missing)."""
    given = os.environ.get("ARCHPREP_BENCH_PG_URL")
    if given:
        yield given
        return
    bindirs = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    initdb = next((Path(b) / "initdb" for b in bindirs if (Path(b) / "initdb").exists()), None)
    if initdb is None and shutil.which("initdb"):
        initdb = Path(shutil.which("initdb") or "")
    if initdb is None:
        yield None
        return
    root = Path(tempfile.mkdtemp(prefix="archprep-bench-pg-"))
    as_postgres = os.geteuid() == 0
    if as_postgres:
        os.chmod(root, 0o755)
        shutil.chown(root, "postgres", "postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_postgres else []
    port = free_port()
    data = root / "data"
    pg_ctl = str(initdb.parent / "pg_ctl")
    subprocess.run([*prefix, str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres",
                    "--no-sync", "-E", "UTF8"], check=True, capture_output=True)  # fmt: skip
    opts = (f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c shared_buffers=128MB")  # fmt: skip
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", opts, "-w", "-l",
                    str(root / "log"), "start"], check=True, capture_output=True)  # fmt: skip
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "fast", "stop"],
                       check=False, capture_output=True)  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    wrk = ensure_wrk()
    print(f"load: {'wrk' if wrk else 'asyncio+httpx'} -c{CLIENTS} for {SECONDS} s after a "
          f"{WARMUP_S} s warm-up; server: archprep serve --workers {WORKERS}; "
          f"load average before: {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="archprep-bench-web-") as tmp:
        folder = Path(tmp)
        sqlite_url = f"sqlite:///{folder / 'bench.db'}"
        print("building the SQLite database (bank, embeddings, a month of history) …", flush=True)
        ids = build_database(sqlite_url)
        rows += suite("SQLite", sqlite_url, ids, wrk, folder)
        with postgres(folder) as pg_url:
            if pg_url is None:
                print("  PostgreSQL: not installed (apt-get install postgresql); skipped")
            else:
                print("building the PostgreSQL database …", flush=True)
                build_database(pg_url, embeddings_from=sqlite_url)
                rows += suite("PostgreSQL", pg_url, ids, wrk, folder)
    print()
    print(f"{'database':<11}{'endpoint':<31}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          f"{'errors':>8}  target p95")  # fmt: skip
    for r in rows:
        target = f"<= {r.target:.0f} ms {r.verdict}" if r.target else r.verdict
        print(f"{r.database:<11}{r.endpoint:<31}{r.rps:8.0f}{r.p50:9.1f}{r.p95:9.1f}{r.p99:9.1f}"
              f"{r.errors:8d}  {target}")  # fmt: skip


if __name__ == "__main__":
    main()
