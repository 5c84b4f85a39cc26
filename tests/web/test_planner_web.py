"""Web pages for the planner, drills, answer history and flashcard undo."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from archprep.drills import SPECS, draw
from archprep.store.schema import AttemptRow, CardState, ReviewLogRow
from tests.web.conftest import csrf_of


def _count(client: TestClient, model: type) -> int:
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_plan_page_add_forecast_api_and_remove(client: TestClient) -> None:
    empty = client.get("/plan")
    assert empty.status_code == 200 and "No interview date yet" in empty.text
    assert 'href="/plan"' in empty.text and 'href="/drills"' in empty.text  # nav links
    token = csrf_of(client, "/plan")
    refused = client.post("/plan", data={"interview_date": "2026-03-30"})
    assert refused.status_code == 403
    added = client.post(
        "/plan",
        data={"csrf_token": token, "interview_date": "2026-03-30", "role": "head-of-ai",
              "daily_minutes": "30", "target_recall": "0.9", "name": "Acme"},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303 and added.headers["location"].startswith("/plan?target=")
    page = client.get(added.headers["location"])
    assert page.status_code == 200
    assert (
        '<svg class="chart forecast"' in page.text and "Strategy &amp; leadership ×3" in page.text
    )
    assert "Acme · Monday 30 March 2026" in page.text and "Today" in page.text
    data = client.get("/api/plan").json()
    assert data["name"] == "Acme" and data["days_left"] == 28 and data["daily_minutes"] == 30
    assert data["today"]["minutes"] <= 30
    adhoc = client.get("/api/plan?date=2026-04-15").json()
    assert adhoc["days_left"] == 44
    bad = client.post("/plan", data={"csrf_token": token, "interview_date": "2020-01-01"})
    assert bad.status_code == 400 and "in the past" in bad.text
    target_id = added.headers["location"].split("=")[1]
    removed = client.post(f"/plan/{target_id}/remove", data={"csrf_token": token},
                          follow_redirects=True)  # fmt: skip
    assert "No interview date yet" in removed.text


def test_drill_estimate_score_and_rate(client: TestClient) -> None:
    listing = client.get("/drills")
    assert listing.status_code == 200 and "Population stability index" in listing.text
    assert client.get("/drills/next", follow_redirects=False).status_code == 303
    drill = draw(SPECS["psi"], 5)
    shown = client.get("/drills/psi?seed=5")
    assert drill.prompt.split(":")[0] in shown.text
    token = csrf_of(client, "/drills/psi?seed=5")
    wrong = client.post("/drills/psi", data={"csrf_token": token, "seed": "5", "estimate": "x"})
    assert wrong.status_code == 400 and "not a number" in wrong.text
    answered = client.post(
        "/drills/psi", data={"csrf_token": token, "seed": "5", "estimate": repr(drill.expected)},
        follow_redirects=False,
    )  # fmt: skip
    assert answered.status_code == 303
    result = client.get(answered.headers["location"])
    assert "Worked answer" in result.text and "suggests <strong>Easy</strong>" in result.text
    assert _count(client, AttemptRow) == 1
    # Lists of answers link to /practice/attempts/N; a drill's goes on to its own page.
    attempt_id = answered.headers["location"].rsplit("/", 1)[1]
    linked = client.get(f"/practice/attempts/{attempt_id}", follow_redirects=False)
    assert linked.headers["location"] == answered.headers["location"]
    rated = client.post("/drills/psi/rate", data={"csrf_token": token, "rating": "4"},
                        follow_redirects=True)  # fmt: skip
    assert rated.status_code == 200 and "Saved Population stability index" in rated.text
    assert _count(client, CardState) == 1 and _count(client, ReviewLogRow) == 1
    history = client.get("/questions/drills/psi/history")
    assert history.status_code == 200 and "Attempts" in history.text
    api = client.get("/api/history/drills/psi").json()
    assert api["attempts"][0]["score"] == 100.0 and api["attempts"][0]["mode"] == "drill"


def test_question_history_page_with_diff(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    qid = "rag/bm25-vs-dense-failures"
    for answer in (
        "Dense retrieval misses exact terms.",
        "Dense retrieval misses exact terms like error codes; BM25 catches them.",
    ):
        client.post("/practice", data={"csrf_token": token, "question_id": qid,
                                       "answer": answer})  # fmt: skip
    page = client.get(f"/questions/{qid}/history")
    assert page.status_code == 200
    assert "What changed: attempt 1 → 2" in page.text
    assert re.search(r"<ins>[^<]*BM25 catches them\.</ins>", page.text)
    assert "Recurring misses" in page.text
    question = client.get(f"/q/{qid}")
    assert f'href="/questions/{qid}/history"' in question.text
    assert client.get("/questions/rag/nope/history").status_code == 404


def test_flashcard_undo_restores_the_card(client: TestClient) -> None:
    token = csrf_of(client, "/study")
    assert client.post("/study/undo", data={"csrf_token": token}).status_code == 409
    study = client.get("/study")
    qid = re.search(r'name="question_id" value="([^"]+)"', study.text)
    assert qid
    rated = client.post(
        "/study", data={"csrf_token": token, "question_id": qid.group(1), "rating": "1"},
        follow_redirects=True,
    )  # fmt: skip
    assert "Undo last rating" in rated.text
    assert _count(client, CardState) == 1 and _count(client, ReviewLogRow) == 1
    undone = client.post("/study/undo", data={"csrf_token": token}, follow_redirects=True)
    assert "Rating undone" in undone.text
    assert _count(client, CardState) == 0 and _count(client, ReviewLogRow) == 0


def test_dashboard_partial_renders_the_plan(client: TestClient) -> None:
    """``plan_card.html`` is what the dashboard includes to show the forecast and today's plan."""
    from archprep.planner import Target
    from archprep.store.targets import plan_for
    from archprep.web.routes.plan import forecast_chart
    from tests.web.conftest import START

    st = client.app.state.archprep  # type: ignore[attr-defined]
    with st.store.session() as s:
        plan = plan_for(s, st.local.id, Target(START.date().replace(day=20)), START)
    html = st.templates.get_template("plan_card.html").render(plan=plan, chart=forecast_chart(plan))
    assert "18 days to go" in html and "if you stop today" in html and "<svg" in html


def _add_plan(client: TestClient, token: str, **fields: str) -> object:
    data = {"csrf_token": token, "interview_date": "2026-03-30", "role": "general",
            "daily_minutes": "600", "target_recall": "0.9", **fields}  # fmt: skip
    return client.post("/plan", data=data, follow_redirects=False)


def test_plan_keeps_to_the_new_card_allowance_and_offers_to_raise_it(client: TestClient) -> None:
    token = csrf_of(client, "/plan")
    client.post("/settings", data={"csrf_token": token, "desired_retention": "0.9",
                                   "new_cards_per_day": "3"})  # fmt: skip
    _add_plan(client, token)
    data = client.get("/api/plan").json()
    assert data["new_per_day"] == 3 and data["today"]["new"] == 3
    assert all(day["new"] <= 3 for day in data["days"])
    needed = data["new_pace_needed"]
    assert needed > 3 and data["unseen_left"] > 0
    page = client.get("/plan").text
    assert "and 3 new cards" in page  # what the flashcards page will actually show today
    assert "The plan keeps to your limit of 3 new cards a day" in page
    assert f"Raise the limit to {needed} a day" in page
    assert "and 3 new cards" in client.get("/").text  # the dashboard's plan card agrees
    back = re.search(r'name="back" value="(/plan\?target=\d+)"', page)
    assert back
    raised = client.post(
        "/settings",
        data={"csrf_token": token, "desired_retention": "0.900", "new_cards_per_day": str(needed),
              "back": back.group(1)},
        follow_redirects=False,
    )  # fmt: skip
    assert raised.status_code == 303 and raised.headers["location"].startswith("/plan?target=")
    after = client.get("/api/plan").json()
    assert after["new_per_day"] == needed and after["unseen_left"] == 0
    assert "Raise the limit" not in client.get("/plan").text


def test_settings_return_only_to_a_local_page(client: TestClient) -> None:
    token = csrf_of(client, "/settings")
    for evil in ("//evil.example", "/\\evil.example", "https://evil.example", "/\t/evil.example"):
        response = client.post(
            "/settings",
            data={"csrf_token": token, "desired_retention": "0.9", "new_cards_per_day": "20",
                  "back": evil},
            follow_redirects=False,
        )  # fmt: skip
        assert response.headers["location"] == "/settings?saved=1"


def test_a_weight_for_an_unknown_category_is_a_form_error(client: TestClient) -> None:
    token = csrf_of(client, "/plan")
    refused = _add_plan(client, token, name="Acme", weights="rag=3, notacat=2")
    assert refused.status_code == 400  # type: ignore[attr-defined]
    text = refused.text  # type: ignore[attr-defined]
    assert 'class="alert alert-error"' in text and "no category &#39;notacat&#39; to weight" in text
    assert 'value="rag=3, notacat=2"' in text and 'value="Acme"' in text  # what was typed stays
    assert client.get("/api/plan").status_code == 400  # nothing was saved
    bad = _add_plan(client, token, weights="rag")
    assert bad.status_code == 400 and "must look like category=weight" in bad.text  # type: ignore[attr-defined]
    added = _add_plan(client, token, weights="behavioral=3 rag=0")
    assert added.status_code == 303  # type: ignore[attr-defined]
    weights = {c["category"]: c["weight"] for c in client.get("/api/plan").json()["categories"]}
    assert weights["behavioral"] == 3 and weights["rag"] == 0


def test_forecast_names_sit_above_their_bars(client: TestClient) -> None:
    token = csrf_of(client, "/plan")
    _add_plan(client, token, role="llm-platform-architect")
    svg = client.get("/plan").text.split('<svg class="chart forecast"')[1].split("</svg>")[0]
    labels = re.findall(r'<text class="tick" x="0%" y="(\d+)">([^<]+)</text>', svg)
    tops = [int(y) for y in re.findall(r'<rect x="0%" y="(\d+)"', svg)]
    assert [name for _y, name in labels][:2] == [
        "LLM platform ×3",
        "Serving &amp; infrastructure ×3",
    ]
    assert labels[-1][1] == "Overall (weighted)"
    assert "llm-platform" not in svg  # display names, not slugs
    for n, (y, _name) in enumerate(labels):  # each name's baseline is above its two bars
        assert int(y) + 3 <= tops[2 * n] < tops[2 * n + 1]
