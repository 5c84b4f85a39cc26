"""Per-user isolation in multi-user mode, through the API and the pages, on SQLite and PostgreSQL.

Alice imports a private deck, reviews, answers and changes her settings; Bob, on the same server,
can neither read nor change any of it, while both share the built-in bank.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import AppFactory, api_post, csrf_of, signup

BUILTIN = "rag/hybrid-search-rrf"
DECK = [
    {"question": "What is the Zanzibar quorum protocol in our payments platform?",
     "answer": "Zanzibar quorum needs three of five ledgers to agree before a payout settles.",
     "category": "system-design"},
    {"question": "Why did the Zanzibar ledger migration stall in 2024?",
     "answer": "The Zanzibar migration stalled because ledger snapshots were not idempotent.",
     "category": "system-design"},
]  # fmt: skip


@dataclass
class Alice:
    question_ids: list[str]
    attempt_id: int
    draft_id: str


def _alice_prepares(c: TestClient, tmp_path: Path) -> Alice:
    signup(c, "alice")
    path = tmp_path / "zanzibar.jsonl"
    path.write_text("\n".join(json.dumps(d) for d in DECK), encoding="utf-8")
    token = csrf_of(c, "/import")
    with path.open("rb") as fh:
        preview = c.post("/import", data={"csrf_token": token, "deck": "zanzibar"},
                         files={"file": ("zanzibar.jsonl", fh, "application/json")}).text  # fmt: skip
    draft = re.search(r'name="draft_id" value="([^"]+)"', preview).group(1)  # type: ignore[union-attr]
    done = c.post("/import/confirm", data={"csrf_token": token, "draft_id": draft}).text
    ids = sorted(set(re.findall(r'href="/q/([^"]+)"', done)))
    assert len(ids) == 2
    with path.open("rb") as fh:  # a second draft, left pending
        pending = c.post("/import", data={"csrf_token": token, "deck": "zanzibar-2"},
                         files={"file": ("zanzibar.jsonl", fh, "application/json")}).text  # fmt: skip
    pending_id = re.search(r'name="draft_id" value="([^"]+)"', pending).group(1)  # type: ignore[union-attr]
    assert api_post(c, "/api/reviews", {"question_id": ids[0], "rating": 3}).status_code == 201
    assert api_post(c, "/api/reviews", {"question_id": BUILTIN, "rating": 4}).status_code == 201
    attempt = api_post(c, "/api/attempts", {"question_id": ids[0],
                                           "answer": "Three of five ledgers must agree."})  # fmt: skip
    c.post("/settings", data={"csrf_token": token, "desired_retention": "0.8",
                              "new_cards_per_day": "7"})  # fmt: skip
    return Alice(ids, attempt.json()["id"], pending_id)


def test_isolation_through_api_and_pages(
    make_app: AppFactory, bank_url: str, tmp_path: Path
) -> None:
    app = make_app(bank_url, multi_user=True)
    with TestClient(app) as alice_c, TestClient(app) as bob:
        alice = _alice_prepares(alice_c, tmp_path)
        signup(bob, "bob")
        secret = alice.question_ids[0]

        # --- the API
        assert bob.get("/api/questions", params={"deck": "zanzibar"}).json()["total"] == 0
        assert bob.get(f"/api/questions/{secret}").status_code == 404
        hits = bob.get("/api/search", params={"q": "Zanzibar quorum ledgers"}).json()["hits"]
        assert all(not h["id"].startswith(secret.split("/")[0] + "/zanzibar") for h in hits)
        assert secret not in {h["id"] for h in hits}
        # Spelling suggestions come from what Bob may see, not from Alice's decks.
        typo = bob.get("/api/search", params={"q": "zanzibr"}).json()
        assert typo["hits"] == [] and "zanzibar" not in " ".join(typo.get("suggestions", []))
        assert "zanzibar" in " ".join(
            alice_c.get("/api/search", params={"q": "zanzibr"}).json().get("suggestions", [])
        )
        assert bob.get("/api/attempts").json() == []
        assert bob.get(f"/api/attempts/{alice.attempt_id}").status_code == 404
        stats = bob.get("/api/stats").json()
        assert stats["reviews_total"] == 0 and stats["decks"] == ["builtin"]
        assert (
            api_post(bob, "/api/reviews", {"question_id": secret, "rating": 1}).status_code == 404
        )
        assert (
            api_post(bob, "/api/attempts", {"question_id": secret, "answer": "x"}).status_code
            == 404
        )
        assert (
            api_post(bob, "/api/grade", {"question_id": secret, "answer": "x"}).status_code == 404
        )
        assert bob.get("/api/questions", params={"category": "rag", "limit": 1}).json()["total"] > 0

        # --- the pages
        token = csrf_of(bob, "/")
        for path in (f"/q/{secret}", f"/practice/attempts/{alice.attempt_id}",
                     f"/practice?id={secret}"):  # fmt: skip
            assert bob.get(path).status_code == 404, path
        for path in ("/", "/browse/system-design", "/browse/system-design?deck=zanzibar",
                     "/search?q=quorum+of+ledgers+before+a+payout", "/study?deck=zanzibar",
                     "/import", "/export", "/progress", "/practice/history"):  # fmt: skip
            text = bob.get(path).text
            assert "quorum protocol" not in text and "ledger migration" not in text, path
            assert "three of five ledgers" not in text.lower(), path
        assert 'value="0.90"' in bob.get("/settings").text
        stolen = bob.post("/import/confirm", data={"csrf_token": token, "draft_id": alice.draft_id})
        assert stolen.status_code == 404
        discard = bob.post(
            "/import/discard", data={"csrf_token": token, "draft_id": alice.draft_id}
        )
        assert discard.status_code == 404
        rate = bob.post("/study", data={"csrf_token": token, "question_id": secret, "rating": "1"})
        assert rate.status_code == 404
        anki = bob.get("/export/anki", params={"deck": "zanzibar"})
        assert anki.status_code == 400 and "no questions match" in anki.text
        assert "Zanzibar" not in bob.get("/export/guide").text
        assert bob.get("/export/backup").status_code == 403  # a backup would hold everyone

        # --- Alice still has all of it
        assert alice_c.get(f"/q/{secret}").status_code == 200
        assert alice_c.get("/api/stats").json()["reviews_total"] == 2
        assert [a["id"] for a in alice_c.get("/api/attempts").json()] == [alice.attempt_id]
        assert 'value="0.80"' in alice_c.get("/settings").text
        confirmed = alice_c.post("/import/confirm", data={"csrf_token": csrf_of(alice_c, "/"),
                                                          "draft_id": alice.draft_id})  # fmt: skip
        assert confirmed.status_code == 200


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_search_cache_is_per_user(make_app: AppFactory, sqlite_url_with_bank: str,
                                  tmp_path: Path, who: str) -> None:  # fmt: skip
    app = make_app(sqlite_url_with_bank, multi_user=True)
    with TestClient(app) as alice_c, TestClient(app) as bob:
        _alice_prepares(alice_c, tmp_path)
        signup(bob, "bob")
        first, second = (alice_c, bob) if who == "alice" else (bob, alice_c)
        q = {"q": "Zanzibar quorum ledgers"}
        first.get("/api/search", params=q)
        second.get("/api/search", params=q)  # the same query, now cached for the first user
        alice_hits = {h["id"] for h in alice_c.get("/api/search", params=q).json()["hits"]}
        bob_hits = {h["id"] for h in bob.get("/api/search", params=q).json()["hits"]}
        assert any("zanzibar" in h for h in alice_hits)
        assert not any("zanzibar" in h for h in bob_hits)
