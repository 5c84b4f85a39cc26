"""After an import: "Your decks" lists a deck's questions, and "Study this deck" shows its cards."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import csrf_of

DECK = (
    b"question,answer\n"
    b"What is a canary release?,Ship to a small share of traffic first and widen it in steps.\n"
    b"What is a feature flag?,A switch in config that turns code paths on without a deploy.\n"
    b"What is a blue-green deploy?,Two identical stacks; traffic moves from one to the other.\n"
)


def import_deck(client: TestClient, token: str, deck: str = "release-notes") -> str:
    """Upload and confirm ``DECK``; returns the confirmation page."""
    preview = client.post("/import", data={"csrf_token": token, "deck": deck},
                          files={"file": ("notes.csv", DECK, "text/csv")})  # fmt: skip
    assert preview.status_code == 200, preview.text[:300]
    draft = re.search(r'name="draft_id" value="([^"]+)"', preview.text)
    assert draft
    done = client.post("/import/confirm", data={"csrf_token": token, "draft_id": draft.group(1)})
    assert done.status_code == 200
    return done.text


def set_new_cards_per_day(client: TestClient, token: str, n: int) -> None:
    response = client.post(
        "/settings",
        data={"csrf_token": token, "desired_retention": "0.9", "new_cards_per_day": str(n)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def test_your_decks_link_lists_the_decks_questions(client: TestClient) -> None:
    token = csrf_of(client, "/import")
    import_deck(client, token)
    page = client.get("/import").text
    link = re.search(r'<li><a href="([^"]+)">release-notes</a>', page)
    assert link, "the deck is listed under Your decks"
    href = link.group(1).replace("&amp;", "&")
    assert href == "/search?deck=release-notes"  # a deck filter, no query
    listing = client.get(href).text
    assert "3 questions in deck release-notes" in listing
    for text in ("What is a canary release?", "What is a feature flag?", "blue-green deploy"):
        assert text in listing
    assert "What is BM25" not in listing  # only the deck's questions


def test_filters_without_a_query_that_match_nothing_say_so(client: TestClient) -> None:
    page = client.get("/search", params={"deck": "no-such-deck"}).text
    assert "No questions match these filters" in page


def test_study_this_deck_shows_new_cards_past_a_used_up_allowance(client: TestClient) -> None:
    token = csrf_of(client, "/import")
    set_new_cards_per_day(client, token, 0)  # today's new cards are used up
    done = import_deck(client, token)
    link = re.search(r'<a class="btn" href="([^"]+)">Study this deck</a>', done)
    assert link
    page = client.get(link.group(1).replace("&amp;", "&")).text
    assert "All caught up" not in page
    assert "3 cards left in this session (3 new)" in page
    assert re.search(r'data-question="import/release-notes/', page)
    assert "3 of these new cards go past your limit of 0 a day" in page
    # The rating form keeps the choice, so the next card is a new one from the deck too.
    assert '<input type="hidden" name="extra_new" value="1">' in page


def test_a_deck_held_back_by_the_allowance_says_why_and_offers_it(client: TestClient) -> None:
    token = csrf_of(client, "/import")
    set_new_cards_per_day(client, token, 0)
    import_deck(client, token)
    page = client.get("/study", params={"deck": "release-notes"}).text
    assert "3 new cards in this deck are held back by your limit of 0 new cards a day" in page
    anyway = re.search(r'<a class="btn btn-small" href="([^"]+)">Study them now</a>', page)
    assert anyway
    assert "3 cards left" in client.get(anyway.group(1).replace("&amp;", "&")).text


def test_rating_a_card_studied_past_the_allowance_stays_in_that_mode(client: TestClient) -> None:
    token = csrf_of(client, "/import")
    set_new_cards_per_day(client, token, 0)
    import_deck(client, token)
    page = client.get("/study", params={"deck": "release-notes", "extra_new": "1"}).text
    qid = re.search(r'name="question_id" value="([^"]+)"', page)
    assert qid
    rated = client.post(
        "/study",
        data={"csrf_token": token, "question_id": qid.group(1), "rating": "3",
              "deck": "release-notes", "extra_new": "1"},
        follow_redirects=False,
    )  # fmt: skip
    assert "extra_new=1" in rated.headers["location"]
    after = client.get(rated.headers["location"]).text
    assert "2 cards left in this session (2 new)" in after  # the rated one waits minutes
    undone = client.post(
        "/study/undo",
        data={"csrf_token": token, "deck": "release-notes", "extra_new": "1"},
        follow_redirects=False,
    )
    assert "extra_new=1" in undone.headers["location"]


def test_upload_names_in_other_scripts_keep_their_letters() -> None:
    """The file's name names its deck: letters of any script stay, path parts and marks go."""
    from archprep.web.routes.io import _safe_name

    assert _safe_name("Вопросы 日本.jsonl") == "Вопросы 日本.jsonl"
    assert _safe_name("../../etc/passwd") == "passwd"
    assert _safe_name("deck<script>.csv") == "deck_script_.csv"


def test_reimporting_an_unchanged_file_offers_nothing_to_import(client: TestClient) -> None:
    """Unchanged questions are not also counted as skipped, and there is no "Import 0" button."""
    token = csrf_of(client, "/import")
    import_deck(client, token)
    again = client.post("/import", data={"csrf_token": token, "deck": "release-notes"},
                        files={"file": ("notes.csv", DECK, "text/csv")})  # fmt: skip
    assert again.status_code == 200
    assert "0 new, 0 updated, 3 unchanged." in again.text
    assert "Nothing to import" in again.text and "Import 0" not in again.text
    assert 'href="/search?deck=release-notes"' in again.text
