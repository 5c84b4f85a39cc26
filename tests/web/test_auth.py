"""Multi-user mode: sign-up, sign-in, DB-backed sessions, rate limiting, local-mode rules, CLI."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from archprep.cli import app as cli_app
from archprep.store.schema import LoginAttemptRow, User, WebSessionRow
from archprep.web import auth
from tests.web.conftest import PASSWORD, AppFactory, Clock, csrf_of, login, signup


@pytest.fixture
def multi(make_app: AppFactory, sqlite_url_with_bank: str) -> FastAPI:
    return make_app(sqlite_url_with_bank, multi_user=True)


def test_pages_and_api_need_a_sign_in(multi: FastAPI) -> None:
    with TestClient(multi) as c:
        page = c.get("/progress?days=14", follow_redirects=False)
        assert page.status_code == 303
        assert page.headers["location"] == "/login?next=/progress%3Fdays%3D14"
        assert c.get("/api/stats").status_code == 401
        assert c.get("/login").status_code == 200 and c.get("/signup").status_code == 200


def test_sign_up_then_in_and_out(multi: FastAPI) -> None:
    with TestClient(multi) as c:
        before = c.cookies.get("archprep_sid")
        signup(c, "ada")
        assert c.cookies.get("archprep_sid") != before  # rotated at sign-in: no fixation
        assert "Signed in as <strong>ada</strong>" in c.get("/").text
        assert c.get("/api/session").json()["username"] == "ada"
        token = csrf_of(c, "/")
        out = c.post("/logout", data={"csrf_token": token}, follow_redirects=False)
        assert out.headers["location"] == "/login"
        assert c.get("/api/stats").status_code == 401
        assert login(c, "ada") == 303
        assert c.get("/api/stats").status_code == 200
        assert login(c, "ada", "wrong password") in (303, 401)


def test_passwords_are_argon2_and_sessions_live_in_the_db(multi: FastAPI) -> None:
    with TestClient(multi) as c:
        signup(c, "grace")
        with multi.state.archprep.store.session() as s:
            user = s.scalars(select(User).where(User.username == "grace")).one()
            assert user.password_hash and user.password_hash.startswith("$argon2id$")
            row = s.scalars(select(WebSessionRow)).one()
            assert row.id == auth.token_id(c.cookies["archprep_sid"])  # only the hash is stored


def test_a_session_works_on_every_process(make_app: AppFactory, sqlite_url_with_bank: str) -> None:
    first = make_app(sqlite_url_with_bank, multi_user=True)
    second = make_app(sqlite_url_with_bank, multi_user=True)  # another worker, same database
    with TestClient(first) as a, TestClient(second) as b:
        signup(a, "linus")
        b.cookies.set("archprep_sid", a.cookies["archprep_sid"])
        assert b.get("/api/session").json()["username"] == "linus"
        token = b.get("/api/session").json()["csrf_token"]
        ok = b.post("/api/reviews", json={"question_id": "rag/hybrid-search-rrf", "rating": 3},
                    headers={"X-CSRF-Token": token})  # fmt: skip
        assert ok.status_code == 201


def test_wrong_password_and_rate_limit(multi: FastAPI, clock: Clock) -> None:
    with TestClient(multi) as c:
        signup(c, "ken")
        c.post("/logout", data={"csrf_token": csrf_of(c, "/")})
        for _ in range(5):
            assert login(c, "ken", "not it at all") == 401
        blocked = c.post("/login", data={"csrf_token": csrf_of(c, "/login"), "username": "ken",
                                         "password": PASSWORD})  # fmt: skip
        assert blocked.status_code == 429 and "too many failed sign-ins" in blocked.text
        assert int(blocked.headers["retry-after"]) > 0
        assert "try again in 15 minutes" in blocked.text  # 900 s, rounded up, not 16
        assert login(c, "someone-else", "whatever1") == 401  # other usernames are not blocked
        clock.advance(minutes=16)
        assert login(c, "ken") == 303
        with multi.state.archprep.store.session() as s:
            assert s.scalar(select(func.count()).select_from(LoginAttemptRow)) >= 7


def test_rate_limit_is_per_address(make_app: AppFactory, sqlite_url_with_bank: str) -> None:
    app = make_app(sqlite_url_with_bank, multi_user=True, trusted_proxies="*")
    with TestClient(app) as c:
        signup(c, "rita")
        for _ in range(5):
            c.post("/login", headers={"X-Forwarded-For": "203.0.113.7"},
                   data={"csrf_token": csrf_of(c, "/login"), "username": "rita",
                         "password": "wrong-wrong"})  # fmt: skip
        from_attacker = c.post("/login", headers={"X-Forwarded-For": "203.0.113.7"},
                               data={"csrf_token": csrf_of(c, "/login"), "username": "rita",
                                     "password": PASSWORD})  # fmt: skip
        assert from_attacker.status_code == 429
        assert login(c, "rita") == 303  # her own address still works


def test_sign_up_rules(make_app: AppFactory, sqlite_url_with_bank: str) -> None:
    app = make_app(sqlite_url_with_bank, multi_user=True)
    with TestClient(app) as c:
        token = csrf_of(c, "/signup")
        for username, password, confirm, message in [
            ("x", PASSWORD, PASSWORD, "2-40 characters"),
            ("local", PASSWORD, PASSWORD, "reserved"),
            ("bob", "short", "short", "at least 8"),
            ("bob", PASSWORD, PASSWORD + "!", "differ"),
        ]:
            r = c.post("/signup", data={"csrf_token": token, "username": username,
                                        "password": password, "confirm": confirm})  # fmt: skip
            assert r.status_code == 400 and message in r.text, username
        signup(c, "bob")
    with TestClient(app) as other:
        token = csrf_of(other, "/signup")
        taken = other.post("/signup", data={"csrf_token": token, "username": "BOB",
                                            "password": PASSWORD, "confirm": PASSWORD})  # fmt: skip
        assert "taken" in taken.text
    closed = make_app(sqlite_url_with_bank, multi_user=True, allow_signup=False)
    with TestClient(closed) as c:
        assert c.get("/signup").status_code == 403
        assert "Create an account" not in c.get("/login").text


def test_change_password_signs_out_other_sessions(multi: FastAPI) -> None:
    with TestClient(multi) as a, TestClient(multi) as b:
        signup(a, "mary")
        assert login(b, "mary") == 303
        token = csrf_of(a, "/account")
        r = a.post("/account/password", data={"csrf_token": token, "current": PASSWORD,
                                              "password": "a new long one", "confirm": "a new long one"},
                   follow_redirects=False)  # fmt: skip
        assert r.status_code == 303
        assert b.get("/api/stats").status_code == 401  # the other browser is signed out
        assert a.get("/api/stats").status_code == 200  # this one got a fresh session


def test_guessing_the_current_password_is_limited_like_a_sign_in(multi: FastAPI) -> None:
    with TestClient(multi) as c:
        signup(c, "nia")
        token = csrf_of(c, "/account")
        guess = {"csrf_token": token, "password": "a new long one", "confirm": "a new long one"}
        for n in range(5):
            wrong = c.post("/account/password", data={**guess, "current": f"guess number {n}"})
            assert wrong.status_code == 400 and "the current password is wrong" in wrong.text
        right = c.post("/account/password", data={**guess, "current": PASSWORD})
        assert right.status_code == 429 and "too many failed sign-ins" in right.text


def test_sessions_expire(multi: FastAPI, clock: Clock) -> None:
    with TestClient(multi) as c:
        signup(c, "old")
        clock.advance(days=31)
        assert c.get("/api/stats").status_code == 401


def test_local_mode_has_no_sign_in(client: TestClient) -> None:
    assert client.get("/login").status_code == 404
    assert client.get("/signup").status_code == 404
    assert client.get("/api/session").json()["username"] == "local"


def test_next_parameter_cannot_leave_the_site(multi: FastAPI) -> None:
    with TestClient(multi) as c:
        signup(c, "eve")
        c.post("/logout", data={"csrf_token": csrf_of(c, "/")})
        token = csrf_of(c, "/login?next=//evil.example")
        r = c.post("/login", data={"csrf_token": token, "username": "eve", "password": PASSWORD,
                                   "next": "//evil.example/x"}, follow_redirects=False)  # fmt: skip
        assert r.headers["location"] == "/"


def test_cli_user_commands(sqlite_url_with_bank: str) -> None:
    runner = CliRunner()
    db = ["--db", sqlite_url_with_bank]
    added = runner.invoke(cli_app, [*db, "user", "add", "Alan", "--password-stdin"],
                          input=PASSWORD + "\n")  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli_app, [*db, "user", "list", "--json"])
    assert '"alan"' in listed.output
    dup = runner.invoke(cli_app, [*db, "user", "add", "alan", "--password-stdin"],
                        input=PASSWORD + "\n")  # fmt: skip
    assert dup.exit_code == 1 and "taken" in dup.output
    weak = runner.invoke(cli_app, [*db, "user", "reset", "alan", "--password-stdin"], input="x\n")
    assert weak.exit_code == 1 and "at least 8" in weak.output
    reset = runner.invoke(cli_app, [*db, "user", "reset", "alan", "--password-stdin"],
                          input="another password\n")  # fmt: skip
    assert reset.exit_code == 0
    removed = runner.invoke(cli_app, [*db, "user", "remove", "alan", "--yes"])
    assert removed.exit_code == 0
    gone = runner.invoke(cli_app, [*db, "user", "remove", "alan", "--yes"])
    assert gone.exit_code == 1 and "no account" in gone.output


def test_serve_refuses_a_public_address_in_local_mode(sqlite_url_with_bank: str) -> None:
    result = CliRunner().invoke(
        cli_app, ["--db", sqlite_url_with_bank, "serve", "--host", "0.0.0.0"]
    )
    assert result.exit_code == 1
    assert "refusing to listen on 0.0.0.0" in result.output and "--multi-user" in result.output
