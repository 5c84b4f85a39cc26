"""Mock interviews in the web UI: plans, a full run against the app's clock, hints, drafts,
resume, the report checked against the database, Markdown, history, CSRF and privacy."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from archprep.interview.plans import BUILTIN_PLANS
from tests.interview.mock_bank import recompute
from tests.web.conftest import AppFactory, Clock, csrf_of, login, signup


@pytest.fixture
def web(make_app: AppFactory, sqlite_url_with_bank: str) -> Iterator[tuple[TestClient, str]]:
    app: FastAPI = make_app(sqlite_url_with_bank)
    with TestClient(app, base_url="http://testserver") as c:
        yield c, sqlite_url_with_bank


def post(client: TestClient, path: str, **data: object) -> object:
    token = csrf_of(client, "/mock")
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def start(client: TestClient, plan: str, seed: int = 1) -> int:
    response = post(client, "/mock/start", plan=plan, seed=seed)
    assert response.status_code == 303, response.text  # type: ignore[attr-defined]
    found = re.fullmatch(r"/mock/(\d+)", response.headers["location"])  # type: ignore[attr-defined]
    assert found
    return int(found.group(1))


def test_plans_page_lists_every_builtin_plan(web: tuple[TestClient, str]) -> None:
    client, _ = web
    page = client.get("/mock")
    assert page.status_code == 200
    assert '<a href="/mock" aria-current="page">Mock</a>' in page.text
    for name in BUILTIN_PLANS:
        assert f'data-plan="{name}"' in page.text
    assert "Behavioral with the hiring manager" in page.text


def test_a_full_mock_in_the_browser_matches_the_database(
    web: tuple[TestClient, str], clock: Clock
) -> None:
    client, url = web
    sid = start(client, "phone-screen", seed=3)
    first = client.get(f"/mock/{sid}")
    assert first.status_code == 200
    assert 'data-budget="300"' in first.text and "Question 1 of 5" in first.text
    clock.advance(seconds=40)
    post(client, f"/mock/{sid}/answer", action="hint", answer="my draft so far")
    again = client.get(f"/mock/{sid}")
    assert "my draft so far</textarea>" in again.text and 'class="mock-hints"' in again.text
    assert 'data-elapsed="40.0"' in again.text  # reloading keeps the clock running
    answers = 0
    for _ in range(30):
        page = client.get(f"/mock/{sid}", follow_redirects=False)
        if page.status_code == 303:
            break
        clock.advance(seconds=70)
        if "Follow-up" in page.text and answers % 2:
            post(client, f"/mock/{sid}/answer", action="skip")
        else:
            text = f"Answer {answers}: latency, cost and evaluation matter; 200 QPS at 50 ms."
            post(client, f"/mock/{sid}/answer", action="answer", answer=text)
        answers += 1
    else:
        pytest.fail("the mock never finished")
    assert page.headers["location"] == f"/mock/{sid}/report"
    db = recompute(url, sid)
    mains = [a for a in db["answers"] if a.role == "main"]
    assert len(mains) == 5 and mains[0].hints_used == 1 and mains[0].duration_s == 110
    assert all(a.attempt_id in db["attempts"] for a in mains)
    report = client.get(f"/mock/{sid}/report")
    assert report.status_code == 200
    assert f'data-overall-score="{db["overall"]:.0f}"' in report.text
    for (r, i), score in db["questions"].items():
        qid = next(a.question_id for a in mains if (a.round_index, a.question_index) == (r, i))
        block = report.text.split(f'data-question="{qid}"', 1)[1]
        assert f'data-score="{score:.0f}"' in block.split("</summary>", 1)[0]
    md = client.get(f"/mock/{sid}/report.md")
    assert md.headers["content-type"].startswith("text/markdown")
    assert md.text.startswith(f"# Mock interview #{sid}: Phone screen")
    history = client.get("/mock/history")
    assert f'href="/mock/{sid}/report"' in history.text


def test_end_early_hint_penalty_and_resume(web: tuple[TestClient, str], clock: Clock) -> None:
    client, url = web
    sid = start(client, "ml-concepts", seed=2)
    client.get(f"/mock/{sid}")
    clock.advance(seconds=30)
    post(client, f"/mock/{sid}/answer", action="hint", answer="")
    post(client, f"/mock/{sid}/answer", action="hint", answer="")
    clock.advance(seconds=30)
    post(client, f"/mock/{sid}/answer", action="answer", answer="Short answer about the topic.")
    # the window closes for an hour; resuming does not count the break
    clock.advance(hours=1)
    assert post(client, f"/mock/{sid}/resume").status_code == 303  # type: ignore[attr-defined]
    page = client.get(f"/mock/{sid}")
    assert 'data-elapsed="0.0"' in page.text and "Short answer about the topic." in page.text
    clock.advance(seconds=20)
    post(client, f"/mock/{sid}/answer", action="end", answer="A follow-up answer.")
    db = recompute(url, sid)
    main = db["answers"][0]
    assert main.hints_used == 2 and main.duration_s == 60
    assert db["answers"][1].duration_s == 20 and db["session"].status == "finished"
    assert db["questions"][(0, 0)] <= max(0.0, main.score - 20 + 0.2 * 100)
    report = client.get(f"/mock/{sid}/report").text
    assert "2 hints −20" in report and "Asked</dt><dd>1 of 6" in report


def test_draft_autosave_and_csrf(web: tuple[TestClient, str]) -> None:
    client, url = web
    sid = start(client, "behavioral-hm")
    client.get(f"/mock/{sid}")
    token = csrf_of(client, "/mock")
    saved = client.post(f"/mock/{sid}/draft", data={"answer": "half a story"},
                        headers={"X-CSRF-Token": token})  # fmt: skip
    assert saved.json() == {"saved": True}
    assert "half a story</textarea>" in client.get(f"/mock/{sid}").text
    refused = client.post(f"/mock/{sid}/draft", data={"answer": "x"})
    assert refused.status_code == 403
    empty = post(client, f"/mock/{sid}/answer", action="answer", answer="  ")
    assert empty.status_code == 400  # type: ignore[attr-defined]


def test_compose_a_plan_and_run_it(web: tuple[TestClient, str]) -> None:
    client, _ = web
    spec = {"title": "Two RAG", "rounds": [{"name": "RAG", "minutes": 10,
            "seconds_per_question": 300, "questions": [{"count": 2, "categories": ["rag"]}]}]}  # fmt: skip
    saved = post(client, "/mock/plans", name="two-rag", spec=json.dumps(spec))
    assert saved.status_code == 303  # type: ignore[attr-defined]
    page = client.get("/mock").text
    assert 'data-plan="two-rag"' in page and "Two RAG" in page
    sid = start(client, "two-rag")
    assert "Question 1 of 2" in client.get(f"/mock/{sid}").text
    bad = post(client, "/mock/plans", name="bad", spec="{not json")
    assert bad.status_code == 400 and "plan JSON, line 1" in bad.text  # type: ignore[attr-defined]
    # The form comes back with what was typed, so a long plan is not lost to a typo.
    assert "{not json</textarea>" in bad.text and 'value="bad"' in bad.text  # type: ignore[attr-defined]
    nocat = {"rounds": [{"name": "x", "minutes": 5, "seconds_per_question": 60,
                         "questions": [{"count": 1, "categories": ["cooking"]}]}]}  # fmt: skip
    bad = post(client, "/mock/plans", name="bad", spec=json.dumps(nocat))
    assert bad.status_code == 400  # type: ignore[attr-defined]
    assert "round &#39;x&#39;: no question has category &#39;cooking&#39;; use one of" in bad.text  # type: ignore[attr-defined]
    bad = post(client, "/mock/plans", name="bad", spec=json.dumps({"rounds": [{"name": "x"}]}))
    assert bad.status_code == 400 and "rounds[0].minutes" in bad.text  # type: ignore[attr-defined]
    gone = post(client, "/mock/plans/two-rag/delete")
    assert gone.status_code == 303  # type: ignore[attr-defined]
    assert 'data-plan="two-rag"' not in client.get("/mock").text


def test_history_shows_trend(web: tuple[TestClient, str], clock: Clock) -> None:
    client, _ = web
    texts = [
        "A tiny answer.",
        "Retrieval recall, chunking and evaluation on a golden set: 200 QPS.",
    ]
    for day, text in enumerate(texts):
        clock.advance(days=day)
        sid = start(client, "ai-system-design", seed=day)
        client.get(f"/mock/{sid}")
        post(client, f"/mock/{sid}/answer", action="end", answer=text)
    page = client.get("/mock/history").text
    assert 'data-trend="' in page and '<svg class="chart lines"' in page
    assert page.count("score-pill") == 2


def test_mocks_are_private(make_app: AppFactory, sqlite_url_with_bank: str) -> None:
    app = make_app(sqlite_url_with_bank, multi_user=True, allow_signup=True)
    with (
        TestClient(app, base_url="http://testserver") as alice,
        TestClient(app, base_url="http://testserver") as bob,
    ):
        signup(alice, "alice")
        assert login(alice, "alice") == 303
        sid = start(alice, "phone-screen")
        signup(bob, "bob")
        assert login(bob, "bob") == 303
        assert bob.get(f"/mock/{sid}").status_code == 404
        assert bob.get(f"/mock/{sid}/report").status_code == 404
        assert post(bob, f"/mock/{sid}/answer", action="skip").status_code == 404  # type: ignore[attr-defined]
        anonymous = TestClient(app, base_url="http://testserver")
        assert anonymous.get("/mock", follow_redirects=False).status_code == 303
