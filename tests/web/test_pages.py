"""Every page renders, and the forms behind them (flashcards, practice, settings) do their job."""

from __future__ import annotations

import re
import tempfile
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from archprep.store.schema import AttemptRow, CardState, ReviewLogRow, StudyPrefsRow
from tests.web.conftest import Clock, csrf_of

QID = "rag/bm25-vs-dense-failures"


@pytest.mark.parametrize(
    ("path", "expect"),
    [
        ("/", "What to do today"),
        ("/browse", "Browse the bank"),
        ("/browse/rag", "RAG"),
        ("/browse/rag?level=basic&kind=concept", "question"),
        (f"/q/{QID}", "Key points a strong answer makes"),
        ("/search", "Search"),
        ("/search?q=gpu+memory+for+serving", "result"),
        ("/study", "Show answer"),
        ("/practice", "Grade my answer"),
        (f"/practice?id={QID}", "Grade my answer"),
        ("/practice/history", "Practice history"),
        ("/calculators", "GPU memory for LLM serving"),
        ("/calculators/availability", "Fill in what you know"),
        ("/progress", "Reviews per day"),
        ("/progress?days=90", "Reviews per day"),
        ("/import", "Import questions"),
        ("/export", "Anki deck"),
        ("/settings", "Desired retention"),
        ("/account", "one local user"),
        ("/api", "openapi"),
    ],
)
def test_page_renders(client: TestClient, path: str, expect: str) -> None:
    response = client.get(path)
    assert response.status_code == 200, response.text[:500]
    assert expect.lower() in response.text.lower()
    if "text/html" in response.headers["content-type"]:
        assert '<html lang="en"' in response.text


@pytest.mark.parametrize(
    "path", ["/q/no/such-question", "/browse/no-such-category", "/calculators/nope", "/nowhere"]
)
def test_missing_pages_are_404_pages(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Back to today" in response.text


def test_question_page_shows_answer_follow_ups_related_and_calculators(client: TestClient) -> None:
    page = client.get("/q/serving-infra/gpu-memory-estimation").text
    assert "<details" in page and "Model answer" in page
    assert "Follow-ups an interviewer may ask" in page
    assert "Related questions" in page
    assert 'href="/calculators/gpu-memory"' in page


def test_category_page_has_expandable_answers_with_code_blocks(client: TestClient) -> None:
    page = client.get("/browse/serving-infra").text
    assert page.count('<details class="qitem"') >= 10
    assert "<table>" in page or "<pre><code" in page


def test_search_page_highlights_matches_and_helps_with_no_results(client: TestClient) -> None:
    page = client.get("/search", params={"q": "reciprocal rank fusion"}).text
    assert "<mark>" in page
    empty = client.get("/search", params={"q": "qwertyuiop zxcvbnm"}).text
    assert "No questions match" in empty
    assert "Closest categories" in empty


def test_rating_a_flashcard_records_a_review(client: TestClient, clock: Clock) -> None:
    page = client.get("/study").text
    qid = re.search(r'name="question_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    token = csrf_of(client, "/study")
    response = client.post(
        "/study",
        data={"csrf_token": token, "question_id": qid, "rating": "3", "duration_ms": "4200"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "next_in=" in response.headers["location"]
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        log = s.scalars(select(ReviewLogRow)).one()
        assert (log.question_id, log.rating, log.duration_ms) == (qid, 3, 4200)
    after = client.get(response.headers["location"]).text
    assert "Saved" in after and qid not in re.findall(r'name="question_id" value="([^"]+)"', after)


def test_a_repeated_rating_of_the_same_card_is_logged_once(client: TestClient) -> None:
    # A double key press or a second click sends the form twice; the reps the card had when the
    # form was shown tell the second one apart from a real new review.
    page = client.get("/study").text
    qid = re.search(r'name="question_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    reps = re.search(r'name="reps" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    token = csrf_of(client, "/study")
    form = {"csrf_token": token, "question_id": qid, "rating": "3", "reps": reps}
    first = client.post("/study", data=form, follow_redirects=False)
    second = client.post("/study", data={**form, "rating": "4"}, follow_redirects=False)
    assert "next_in=" in first.headers["location"] and "next_in=" in second.headers["location"]
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        assert [log.rating for log in s.scalars(select(ReviewLogRow))] == [3]


def test_undo_after_a_suspend_brings_that_card_back(client: TestClient) -> None:
    token = csrf_of(client, "/study")
    page = client.get("/study").text
    rated = re.search(r'name="question_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/study", data={"csrf_token": token, "question_id": rated, "rating": "3"})
    page = client.get("/study").text
    qid = re.search(r'name="question_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    after = client.post(
        "/study", data={"csrf_token": token, "question_id": qid, "action": "suspend"}
    ).text
    assert "Card suspended" in after and "Undo last rating" not in after
    undo = re.search(r'<form method="post" action="/study" data-undo-form>(.*?)</form>', after)
    assert undo and f'name="question_id" value="{qid}"' in undo.group(1)
    assert 'name="action" value="unsuspend"' in undo.group(1)
    back = client.post(
        "/study", data={"csrf_token": token, "question_id": qid, "action": "unsuspend"}
    ).text
    assert "The card is back in your flashcards" in back
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        assert s.scalar(select(func.count()).select_from(ReviewLogRow)) == 1  # the rating stays
        assert not s.scalars(select(CardState).where(CardState.question_id == qid)).one().suspended


def test_a_suspended_card_can_be_brought_back_from_its_question_page(client: TestClient) -> None:
    token = csrf_of(client, "/study")
    client.post("/study", data={"csrf_token": token, "question_id": QID, "action": "suspend"})
    page = client.get(f"/q/{QID}").text
    assert (
        "Suspended: kept out of your flashcards" in page
        and "Not in your flashcards yet" not in page
    )
    response = client.post(
        "/study",
        data={"csrf_token": token, "question_id": QID, "action": "unsuspend", "back": f"/q/{QID}"},
        follow_redirects=False,
    )
    assert response.headers["location"] == f"/q/{QID}"
    assert "Not in your flashcards yet" in client.get(f"/q/{QID}").text


def test_bury_and_suspend_take_a_card_out_of_the_queue(client: TestClient) -> None:
    token = csrf_of(client, "/study")
    for action in ("bury", "suspend"):
        page = client.get("/study").text
        qid = re.search(r'name="question_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        client.post("/study", data={"csrf_token": token, "question_id": qid, "action": action})
        assert f'value="{qid}"' not in client.get("/study").text
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        assert s.scalar(select(func.count()).select_from(CardState)) == 2


def _graded_page(client: TestClient, token: str, qid: str, answer: str, seconds: int) -> str:
    """Submit a practice answer and follow the redirect to its feedback page."""
    response = client.post(
        "/practice",
        data={"csrf_token": token, "question_id": qid, "answer": answer,
              "duration_s": str(seconds)},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    return client.get(response.headers["location"]).text


def test_practice_grades_and_shows_feedback_with_evidence(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    answer = (
        "Dense embeddings compress a passage into one vector, so exact tokens such as error "
        "codes get blurred. BM25 fails on vocabulary mismatch, like synonyms and paraphrases."
    )
    page = _graded_page(client, token, QID, answer, 120)
    assert "Key points" in page and "covered" in page and "missed" in page
    assert '<mark class="ev-covered">' in page or '<mark class="ev-partial">' in page
    assert "Schedule this as a flashcard" in page
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        row = s.scalars(select(AttemptRow)).one()
        assert row.duration_s == 120 and 0 < row.score <= 100
    assert "practice/attempts/" in client.get("/").text  # the dashboard lists it


def test_feedback_shows_the_notes_on_its_grade(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    answer = (
        "I would build the platform team first, then embed one engineer per product team so "
        "the shared tooling stays close to what the products need."
    )
    page = _graded_page(client, token, "strategy-leadership/ai-org-team-structure", answer, 200)
    assert 'aria-label="Notes on this grade"' in page
    assert "Strategy answers are under-credited offline" in page


def test_a_blank_practice_answer_is_refused_and_not_stored(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    response = client.post("/practice", data={"csrf_token": token, "question_id": QID,
                                              "answer": "  \n "})  # fmt: skip
    assert response.status_code == 400 and "the answer is blank" in response.text
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        assert s.scalars(select(AttemptRow)).all() == []


def test_scheduling_from_feedback_returns_to_the_feedback(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    client.post("/practice", data={"csrf_token": token, "question_id": QID, "answer": "BM25."})
    response = client.post(
        "/study",
        data={"csrf_token": token, "question_id": QID, "rating": "1",
              "back": "/practice/attempts/1"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"].startswith("/practice/attempts/1?scheduled=")
    page = client.get(response.headers["location"]).text
    assert "Scheduled · next review in" in page and 'name="rating"' not in page


def test_calculator_runs_from_its_form_and_shows_steps(client: TestClient) -> None:
    page = client.get(
        "/calculators/gpu-memory", params={"run": "1", "model": "llama-3-70b", "gpu": "h100-80gb"}
    ).text
    assert "Worked steps" in page and "Weights" in page
    bad = client.get("/calculators/gpu-memory", params={"run": "1", "params": "lots"}).text
    assert "Check the inputs" in bad and "“Parameters”" in bad and "--params" not in bad


def test_settings_are_saved_per_user_and_used(client: TestClient) -> None:
    token = csrf_of(client, "/settings")
    response = client.post(
        "/settings",
        data={"csrf_token": token, "desired_retention": "0.85", "new_cards_per_day": "3"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert 'value="0.85"' in client.get("/settings").text
    with client.app.state.archprep.store.session() as s:  # type: ignore[attr-defined]
        assert s.scalars(select(StudyPrefsRow)).one().new_cards_per_day == 3
    assert "3 cards left" in client.get("/study").text
    bad = client.post(
        "/settings", data={"csrf_token": token, "desired_retention": "2", "new_cards_per_day": "3"}
    )
    assert bad.status_code == 400 and "between 0.70 and 0.99" in bad.text


def test_theme_toggle_without_script_sets_a_cookie(client: TestClient) -> None:
    token = csrf_of(client, "/")
    response = client.post(
        "/theme", data={"csrf_token": token, "choice": "dark", "back": "/browse"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/browse"
    assert 'data-theme="dark"' in client.get("/").text
    evil = client.post(
        "/theme", data={"csrf_token": token, "choice": "light", "back": "//evil.example"},
        follow_redirects=False,
    )  # fmt: skip
    assert evil.headers["location"] == "/"


def test_progress_shows_charts_after_reviews(client: TestClient, clock: Clock) -> None:
    token = csrf_of(client, "/study")
    for _day in range(3):
        for _ in range(2):
            page = client.get("/study").text
            found = re.search(r'name="question_id" value="([^"]+)"', page)
            if found:
                client.post("/study", data={"csrf_token": token, "question_id": found.group(1),
                                            "rating": "3"})  # fmt: skip
        clock.advance(days=1)
    page = client.get("/progress").text
    assert page.count('<rect class="r-good"') >= 3
    assert 'role="img"' in page and "<script" not in page.split("</head>")[1]


def test_exports_download(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    failed = client.get("/export/anki", params={"deck": "no-such-deck"})
    assert failed.status_code == 400 and "no questions match" in failed.text
    assert list(scratch.iterdir()) == []  # a failed export leaves no temporary folder
    anki = client.get("/export/anki", params={"category": "rag"})
    assert anki.status_code == 200 and anki.content[:2] == b"PK"
    assert "attachment" in anki.headers["content-disposition"]
    guide = client.get("/export/guide")
    assert guide.status_code == 200 and guide.text.startswith("# Interview prep guide")
    backup = client.get("/export/backup")
    assert backup.status_code == 200 and backup.json()["format"] == "archprep-backup"
    assert list(scratch.iterdir()) == []  # the download's folder goes once it is sent


def test_cached_pages_follow_every_change(client: TestClient, clock: Clock) -> None:
    from archprep.scheduling import Grade
    from archprep.store.cards import record_review

    assert "Reviewed today</dt><dd>0<" in client.get("/").text.replace("\n", "")
    token = csrf_of(client)
    client.post("/api/reviews", json={"question_id": QID, "rating": 3},
                headers={"X-CSRF-Token": token})  # fmt: skip
    assert "Reviewed today</dt><dd>1<" in client.get("/").text.replace("\n", "")
    # another process (the CLI, another worker) writes straight to the database: this process
    # notices once it re-reads the user's data version (after caches.ttl seconds)
    st = client.app.state.archprep  # type: ignore[attr-defined]
    st.caches.ttl = 0.05
    with st.store.session.begin() as s:
        record_review(s, st.local.id, "rag/graphrag", Grade.GOOD, clock.now)
    time.sleep(0.06)
    assert "Reviewed today</dt><dd>2<" in client.get("/").text.replace("\n", "")
    page = client.get(f"/q/{QID}").text
    assert "Recall now" in page and csrf_of(client, f"/q/{QID}") == token


def test_import_preview_can_be_cancelled(client: TestClient) -> None:
    token = csrf_of(client, "/import")
    deck = b"question,answer\nWhat is a canary release?,Ship to a small share of traffic first.\n"
    preview = client.post("/import", data={"csrf_token": token, "deck": "ops"},
                          files={"file": ("ops.csv", deck, "text/csv")})  # fmt: skip
    assert preview.status_code == 200 and "canary release" in preview.text
    draft = re.search(r'name="draft_id" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    gone = client.post("/import/discard", data={"csrf_token": token, "draft_id": draft},
                       follow_redirects=False)  # fmt: skip
    assert gone.headers["location"] == "/import"
    assert (
        client.post("/import/confirm", data={"csrf_token": token, "draft_id": draft}).status_code
        == 404
    )
    assert client.get("/api/questions", params={"deck": "ops"}).json()["total"] == 0
    bad = client.post("/import", data={"csrf_token": token},
                      files={"file": ("empty.txt", b"", "text/plain")})  # fmt: skip
    assert bad.status_code == 400 and "empty" in bad.text


def test_an_imported_answer_shows_that_its_key_points_were_picked(client: TestClient) -> None:
    # The bank asks this question too; with the user's own answer it is theirs and imported.
    token = csrf_of(client, "/import")
    deck = (
        b"question,answer\nWhat is a canary release?,Ship the new version to a small share of "
        b"traffic first. Compare its error rate and latency with the old one. Widen the share in "
        b"steps and roll back automatically when a guardrail metric degrades.\n"
    )
    preview = client.post("/import", data={"csrf_token": token, "deck": "ops"},
                          files={"file": ("ops.csv", deck, "text/csv")})  # fmt: skip
    draft = re.search(r'name="draft_id" value="([^"]+)"', preview.text).group(1)  # type: ignore[union-attr]
    done = client.post("/import/confirm", data={"csrf_token": token, "draft_id": draft})
    assert done.status_code == 200
    [item] = client.get("/api/questions", params={"deck": "ops"}).json()["items"]
    page = client.get(f"/q/{item['id']}").text
    assert "Picked from the model answer when it was imported" in page
    assert "Picked from the model answer" not in client.get(f"/q/{QID}").text


def test_feedback_names_a_red_flag_with_its_sentence(client: TestClient) -> None:
    token = csrf_of(client, "/practice")
    answer = (
        "It turned out to be human error by a junior engineer, so I made clear who was "
        "responsible. The rollback took two hours."
    )
    page = _graded_page(client, token, "behavioral/led-production-incident", answer, 90)
    assert "Red flags" in page
    assert "blames others instead of owning the outcome: “It turned out to be human error" in page


@pytest.mark.parametrize("path", ["/", f"/q/{QID}", "/browse/rag", "/search?q=drift", "/api/stats"])
def test_head_answers_like_get_without_a_body(client: TestClient, path: str) -> None:
    got = client.get(path)
    head = client.head(path)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert "content-security-policy" in head.headers


def test_head_of_a_missing_page_is_a_404(client: TestClient) -> None:
    head = client.head("/q/no/such-question")
    assert head.status_code == 404 and head.content == b""
