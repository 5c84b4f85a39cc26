"""Security: CSRF on every state change, cookie flags, headers (CSP), and untrusted content."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from archprep.store.schema import ReviewLogRow
from tests.web.conftest import AppFactory, csrf_of

QID = "rag/bm25-vs-dense-failures"

EVIL_DECK = [
    {
        "question": "What does a <script>alert('q')</script> gateway do "
        "<img src=x onerror=alert(1)> for LLM traffic?",
        "answer": "A gateway <script>alert(document.cookie)</script> routes traffic. "
        "[click me](javascript:alert(2)) and <a href=\"javascript:alert(3)\" onclick=\"alert(4)\">"
        "here</a> <div onmouseover=\"alert(5)\">hover</div> <svg onload=alert(9)></svg>"
        "<iframe src=\"https://evil.example\"></iframe><style>body{display:none}</style>\n\n"
        "```python\nprint('<b>code</b>')\n```",
        "category": "llm-platform",
        "key_points": ["Routes <script>alert(6)</script> traffic to providers",
                       "Applies [rate limits](javascript:alert(7)) per tenant",
                       "Logs <b onclick=alert(8)>requests</b> for audit"],
    },
    {
        "question": "How does a token bucket <a href='javascript:alert(10)'>rate limiter</a> work?",
        "answer": "Tokens refill at a fixed rate and each request spends one. "
        "<form action=\"https://evil.example\"><input name=x></form>",
        "category": "llm-platform",
    },
]  # fmt: skip


# A javascript: URL in an attribute of a real tag (escaped text has no "<" to start one).
JS_URL = re.compile(r"<[a-z][^<>]*\b(?:href|src|action)\s*=\s*[\"']?\s*javascript:", re.I)


def assert_inert(html: str) -> None:
    """Nothing executable from content: only our own script tag, no handlers, no js: URLs.

    Raw HTML in imported text is shown as text ("&lt;script&gt;alert(1)…"), which is inert:
    what must never appear is a real tag, attribute or URL made from it.
    """
    scripts = re.findall(r"<script\b[^>]*>", html, flags=re.I)
    assert all(re.fullmatch(r'<script src="/static/app\.js\?v=\w+" defer>', s) for s in scripts)
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html, flags=re.I), "event handler survived"
    assert not JS_URL.search(html), "javascript: URL survived"
    for tag in ("iframe", "img", "style", 'form action="https://evil'):
        assert f"<{tag}" not in html.lower(), tag
    assert "onload" not in "".join(re.findall(r"<svg\b[^>]*>", html, flags=re.I))


# ---------------------------------------------------------------- CSRF


def test_forms_without_the_token_are_refused(client: TestClient) -> None:
    client.get("/")  # the browser now has its session cookie
    for path, data in [
        ("/study", {"question_id": QID, "rating": "3"}),
        ("/settings", {"desired_retention": "0.8", "new_cards_per_day": "5"}),
        ("/practice", {"question_id": QID, "answer": "x"}),
        ("/theme", {"choice": "dark"}),
    ]:
        missing = client.post(path, data=data)
        assert missing.status_code == 403, path
        assert "security token" in missing.text
        wrong = client.post(path, data={**data, "csrf_token": "0" * 64})
        assert wrong.status_code == 403, path
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        assert s.scalar(select(func.count()).select_from(ReviewLogRow)) == 0


def test_api_calls_need_the_header(client: TestClient) -> None:
    body = {"question_id": QID, "rating": 3}
    assert client.post("/api/reviews", json=body).status_code == 403
    bad = client.post("/api/reviews", json=body, headers={"X-CSRF-Token": "nope"})
    assert bad.status_code == 403 and "detail" in bad.json()
    good = client.post("/api/reviews", json=body, headers={"X-CSRF-Token": csrf_of(client)})
    assert good.status_code == 201


def test_a_token_from_another_session_does_not_work(app: FastAPI) -> None:
    with TestClient(app) as alice, TestClient(app) as mallory:
        stolen = csrf_of(mallory)
        alice.get("/")
        refused = alice.post("/api/reviews", json={"question_id": QID, "rating": 3},
                             headers={"X-CSRF-Token": stolen})  # fmt: skip
        assert refused.status_code == 403


def test_cross_site_origin_is_refused_even_with_a_token(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post("/api/reviews", json={"question_id": QID, "rating": 3},
                           headers={"X-CSRF-Token": token, "Origin": "https://evil.example"})  # fmt: skip
    assert response.status_code == 403
    same = client.post("/api/reviews", json={"question_id": QID, "rating": 3},
                       headers={"X-CSRF-Token": token, "Origin": "http://testserver"})  # fmt: skip
    assert same.status_code == 201


def test_a_first_request_without_a_cookie_cannot_post(client: TestClient) -> None:
    fresh = client.post("/study", data={"question_id": QID, "rating": "3", "csrf_token": "x"})
    assert fresh.status_code == 403


# ---------------------------------------------------------------- headers and cookies


def test_security_headers_and_csp(client: TestClient) -> None:
    response = client.get("/")
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "content-security-policy" in client.get("/api/stats").headers
    assert "<script>" not in response.text and " style=" not in response.text
    assert " onclick=" not in response.text


def test_session_cookie_flags(client: TestClient) -> None:
    cookie = client.get("/").headers["set-cookie"]
    assert "archprep_sid=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback


def test_secure_cookie_behind_an_https_proxy(
    make_app: AppFactory, sqlite_url_with_bank: str
) -> None:
    app = make_app(sqlite_url_with_bank, trusted_proxies="*")
    with TestClient(app) as c:
        proxied = c.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
        assert "Secure" in proxied
    untrusted = make_app(sqlite_url_with_bank, trusted_proxies="10.9.9.9")
    with TestClient(untrusted) as c:
        direct = c.get("/", headers={"X-Forwarded-Proto": "https"}).headers["set-cookie"]
        assert "Secure" not in direct


def test_local_mode_answers_only_to_loopback_names(
    make_app: AppFactory, sqlite_url_with_bank: str
) -> None:
    # A page on another site that rebinds its own name to 127.0.0.1 sends its own Host header.
    app = make_app(sqlite_url_with_bank, allowed_hosts="")
    for base in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        with TestClient(app, base_url=base) as c:
            assert c.get("/api/stats").status_code == 200, base
    with TestClient(app, base_url="http://rebound.example:8000") as c:
        refused = c.get("/api/stats")
        assert refused.status_code == 400 and refused.text == "Invalid host header"
    shared = make_app(sqlite_url_with_bank, allowed_hosts="", multi_user=True)
    with TestClient(shared, base_url="http://prep.example.com") as c:
        assert c.get("/login").status_code == 200  # multi-user: name the domain to restrict it
    named = make_app(sqlite_url_with_bank, allowed_hosts="prep.example.com", multi_user=True)
    with TestClient(named, base_url="http://other.example.com") as c:
        assert c.get("/login").status_code == 400


def test_static_assets_are_ours_and_versioned(client: TestClient) -> None:
    page = client.get("/").text
    css = re.search(r'href="(/static/app\.css\?v=\w+)"', page)
    assert css and client.get(css.group(1)).status_code == 200
    js = client.get("/static/app.js").text
    assert "fetch(" in js and "eval(" not in js and "innerHTML" not in js
    for link in re.findall(r'(?:href|src)="([^"]+)"', page):
        assert not link.startswith(("http://", "https://", "//")), link  # nothing from a CDN


# ---------------------------------------------------------------- untrusted content


def _import(client: TestClient, tmp_path: Path) -> list[str]:
    deck = tmp_path / "evil.jsonl"
    deck.write_text("\n".join(json.dumps(d) for d in EVIL_DECK), encoding="utf-8")
    token = csrf_of(client, "/import")
    with deck.open("rb") as fh:
        preview = client.post("/import", data={"csrf_token": token, "deck": "evil"},
                              files={"file": ("evil.jsonl", fh, "application/json")})  # fmt: skip
    assert preview.status_code == 200, preview.text[:400]
    assert_inert(preview.text)
    draft = re.search(r'name="draft_id" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    done = client.post("/import/confirm", data={"csrf_token": token, "draft_id": draft})
    assert done.status_code == 200
    assert_inert(done.text)
    return re.findall(r'href="/q/([^"]+)"', done.text)


def test_imported_scripts_links_and_handlers_never_reach_the_page(
    client: TestClient, tmp_path: Path
) -> None:
    ids = _import(client, tmp_path)
    assert len(ids) == 2
    for qid in ids:
        page = client.get(f"/q/{qid}").text
        assert_inert(page)
    first = client.get(f"/q/{ids[0]}").text
    assert "routes traffic" in first and '<pre><code class="language-python">' in first
    assert "&lt;b&gt;code&lt;/b&gt;" in first  # code blocks show markup as text
    assert ">click me</a>" in first and "&gt;here&lt;/a&gt;" in first  # raw HTML is text
    for path in ("/browse/llm-platform", "/browse/llm-platform?deck=evil", "/study?deck=evil",
                 f"/practice?id={ids[0]}", "/search?q=gateway+llm+traffic&deck=evil", "/"):  # fmt: skip
        assert_inert(client.get(path).text)
    hits = client.get("/api/search", params={"q": "gateway traffic", "deck": "evil"}).json()
    # JSON carries the text as typed; the page sets it with textContent, never as HTML
    assert hits["hits"] and "<script>alert('q')</script>" in hits["hits"][0]["question"]


def test_user_answers_are_escaped_on_the_feedback_page(client: TestClient, tmp_path: Path) -> None:
    token = csrf_of(client, "/practice")
    answer = ("Dense embeddings compress a passage into one vector <script>alert(1)</script> "
              "and <img src=x onerror=alert(2)> BM25 fails on synonyms.")  # fmt: skip
    response = client.post("/practice", data={"csrf_token": token, "question_id": QID,
                                              "answer": answer})  # fmt: skip
    page = response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as the text they typed
    assert "<script>alert" not in page and "<img src=x" not in page


@pytest.mark.parametrize(
    "markdown_source", ["[x](javascript:alert(1))", "<a href=javascript:x>y</a>"]
)
def test_renderer_drops_javascript_urls(markdown_source: str) -> None:
    from archprep.web.render import markdown

    html = str(markdown(markdown_source))
    assert not JS_URL.search(html) and "<a href" not in html


@pytest.mark.parametrize("evil", ["//evil.example", "/\\evil.example", "/\t/evil.example",
                                  "https://evil.example"])  # fmt: skip
def test_back_links_never_leave_the_site(client: TestClient, evil: str) -> None:
    """Every form's "back" goes through one check (browsers turn "/\\t/x" into "//x")."""
    token = csrf_of(client, "/study")
    for path, data in [
        ("/theme", {"choice": "dark", "back": evil}),
        ("/study", {"question_id": QID, "rating": "3", "back": evil}),
        ("/settings", {"desired_retention": "0.9", "new_cards_per_day": "20", "back": evil}),
    ]:
        response = client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/"), path
        assert "evil" not in response.headers["location"], (path, response.headers["location"])
