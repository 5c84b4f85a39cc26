"""Bank sync, listing and lookup on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from tests.helpers import make_question

from archprep.scheduling import Grade
from archprep.store import Store
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import (
    bank_version,
    get_or_create_deck,
    get_question,
    list_questions,
    sync_builtin,
    upsert_questions,
)
from archprep.store.schema import CardState, User

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_sync_inserts_updates_and_retires_keeping_progress(store: Store) -> None:
    a, b = make_question("rag/a"), make_question("rag/b")
    with store.session.begin() as s:
        report = sync_builtin(s, [a, b], NOW)
    assert sorted(report.added) == ["rag/a", "rag/b"]
    with store.session.begin() as s:
        user = local_user_id(s, NOW)
        record_review(s, user, "rag/b", Grade.GOOD, NOW)

    changed = make_question("rag/a", answer="A better model answer, rewritten.")
    with store.session.begin() as s:
        report = sync_builtin(s, [changed], NOW + timedelta(hours=1))
    assert report.updated == ["rag/a"] and report.retired == ["rag/b"] and not report.added

    with store.session() as s:
        assert [q.id for q in list_questions(s, user)] == ["rag/a"]
        assert get_question(s, "rag/a", user).answer.startswith("A better")  # type: ignore[union-attr]
        # the retired question's progress survives, and comes back when the file does
        assert s.scalars(select(CardState).where(CardState.question_id == "rag/b")).one()
    with store.session.begin() as s:
        report = sync_builtin(s, [changed, b], NOW + timedelta(hours=2))
    assert report.updated == ["rag/b"] and report.unchanged == 1


def test_resync_of_unchanged_bank_writes_nothing(store: Store) -> None:
    qs = [make_question(f"mlops/q{i}") for i in range(5)]
    with store.session.begin() as s:
        sync_builtin(s, qs, NOW)
        version = bank_version(s)
    with store.session.begin() as s:
        report = sync_builtin(s, qs, NOW)
        assert bank_version(s) == version
    assert report.as_dict() == {"added": 0, "updated": 0, "retired": 0, "unchanged": 5}


def test_filters_and_tags(store: Store) -> None:
    qs = [
        make_question("rag/x", level="basic", tags=["bm25"]),
        make_question("rag/y", level="advanced", kind="design"),
        make_question("agents/z", level="basic"),
    ]
    with store.session.begin() as s:
        sync_builtin(s, qs, NOW)
    with store.session() as s:
        assert [q.id for q in list_questions(s, None, category="rag")] == ["rag/x", "rag/y"]
        assert [q.id for q in list_questions(s, None, level="basic")] == ["agents/z", "rag/x"]
        assert [q.id for q in list_questions(s, None, kind="design")] == ["rag/y"]
        assert [q.id for q in list_questions(s, None, tag="bm25")] == ["rag/x"]
        q = get_question(s, "rag/x", None)
        assert q is not None and q.key_points[2].weight == 2.0 and q.deck == "builtin"


def test_imported_decks_are_private_to_their_owner(store: Store) -> None:
    with store.session.begin() as s:
        alice = User(username="alice", created_at=NOW)
        bob = User(username="bob", created_at=NOW)
        s.add_all([alice, bob])
        s.flush()
        deck = get_or_create_deck(s, "notes", owner_id=alice.id, now=NOW)
        upsert_questions(s, deck, [make_question("import/alice/1", category="rag")], NOW)
        ids = (alice.id, bob.id)
    with store.session() as s:
        assert [q.id for q in list_questions(s, ids[0])] == ["import/alice/1"]
        assert list_questions(s, ids[1]) == []
        assert get_question(s, "import/alice/1", ids[1]) is None
