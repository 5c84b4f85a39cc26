"""Importing into the store: ids, categories, key points, re-imports, dry runs, atomic failures."""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from archprep.bank.model import DERIVED_KEY_POINTS, Question
from archprep.embeddings import Matrix, ModelUnavailable, load_embedder
from archprep.errors import UsageError, UserError
from archprep.importers import import_file
from archprep.importers.enrich import CategoryMapper, infer_kind, slugify
from archprep.search import Filters, Searcher
from archprep.settings import Settings
from archprep.store import Store
from archprep.store.cards import local_user_id
from archprep.store.questions import bank_version, list_questions, sync_builtin
from archprep.store.schema import Deck, EmbeddingRow, QuestionRow, User
from tests.helpers import make_question

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def seed(store: Store) -> int:
    """A bank that is already loaded (so imports do not sync the whole built-in bank)."""
    with store.session.begin() as session:
        sync_builtin(session, [make_question("rag/seeded")], NOW)
        return local_user_id(session, NOW)


def offline(store: Store, **overrides: object) -> Settings:
    return Settings(db=str(store.engine.url), embedding_model="none", **overrides)  # type: ignore[arg-type]


def counts(store: Store) -> tuple[int, int, int]:
    with store.session() as s:
        questions = s.scalar(select(func.count()).select_from(QuestionRow)) or 0
        decks = s.scalar(select(func.count()).select_from(Deck)) or 0
        return int(questions), int(decks), bank_version(s)


def test_import_stores_questions_with_ids_categories_and_key_points(store: Store) -> None:
    user = seed(store)
    report = import_file(
        store, user, FIXTURES / "numbered-dot.txt", now=NOW, settings=offline(store)
    )
    assert (len(report.imported), len(report.updated), report.skipped) == (5, 0, 0)
    with store.session() as s:
        questions = list_questions(s, user, deck="numbered-dot")
        deck = s.scalars(select(Deck).where(Deck.slug == "numbered-dot")).one()
    assert deck.owner_id == user and deck.source == "import"
    assert len(questions) == 5
    for q in questions:
        assert q.id.startswith("import/numbered-dot/") and len(q.id.rsplit("/", 1)[1]) == 12
        assert 1 <= len(q.key_points) <= 7 and all(k.text for k in q.key_points)
        assert q.source and q.source.startswith("numbered-dot.txt:")
        assert "imported" in q.tags
    by_text = {q.question: q for q in questions}
    assert (
        by_text["What is continuous batching and why does it raise GPU utilisation?"].category
        == "serving-infra"
    )
    assert (
        by_text["Which signals tell you that a retrieval system is degrading?"].category
        == "monitoring"
    )


def test_reimport_creates_no_duplicates_and_updates_changed_answers(
    store: Store, tmp_path: Path
) -> None:
    user = seed(store)
    path = tmp_path / "prep.txt"
    shutil.copy(FIXTURES / "q-prefixed.txt", path)
    settings = offline(store)
    first = import_file(store, user, path, now=NOW, settings=settings)
    version = counts(store)[2]
    again = import_file(store, user, path, now=NOW, settings=settings)
    assert (len(again.imported), len(again.updated), len(again.unchanged)) == (0, 0, 4)
    assert counts(store)[2] == version  # nothing changed, nothing to reload
    path.write_text(
        path.read_text().replace("keeps latency low.", "keeps latency low at a small recall cost."),
        encoding="utf-8",
    )
    # Renumbering and different spacing or case do not make it a different question.
    path.write_text(
        path.read_text().replace("Q1: What is a vector index", "Q7:   what is a  vector index")
    )
    changed = import_file(store, user, path, now=NOW, settings=settings)
    assert len(changed.updated) == 1 and len(changed.imported) == 0
    assert changed.updated[0] == first.imported[0]
    with store.session() as s:
        row = s.get(QuestionRow, first.imported[0])
        assert row is not None and row.answer.endswith("at a small recall cost.")
        total = s.scalar(
            select(func.count()).select_from(QuestionRow).where(QuestionRow.deck_id == row.deck_id)
        )
    assert total == 4
    assert counts(store)[2] == version + 1


def test_dry_run_reports_and_writes_nothing(store: Store) -> None:
    user = seed(store)
    before = counts(store)
    report = import_file(
        store, user, FIXTURES / "headings.md", dry_run=True, now=NOW, settings=offline(store)
    )
    assert report.dry_run and len(report.imported) == 4
    assert report.as_dict()["items"][0]["question"] == "What is hybrid search?"
    assert counts(store) == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty.txt: the file is empty; nothing to import"),
        ("junk.txt", bytes(range(256)) * 4, "junk.txt: this looks like a binary file"),
        ("broken.pdf", b"%PDF-1.4\ngarbage", "broken.pdf: the PDF is damaged"),
        ("cols.csv", b"prompt,notes\nq,a\n", "cols.csv: missing column(s) answer"),
        ("prose.txt", b"Nothing here looks like an interview question at all.\n", "prose.txt: found no questions"),
        ("big.txt", b"Q: What is X?\nA: " + b"y" * 5000, "big.txt: 5,017 bytes is over the 4,096-byte import limit"),
        ("mixed.txt", "Q: caf\xe9".encode("latin-1") + "naïve".encode() + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 5,
         "mixed.txt: cannot tell which text encoding"),
        ("onlyq.txt", b"Q: What is drift?\n\nQ: What is skew?\n",
         "onlyq.txt: found 2 questions but none has an answer; add the answers"),
        ("one.txt", b"Q: What is drift?\n", "one.txt: found a question but no answer to it;"),
        ("nobom.txt", "Q: What is a café?\nA: A place to sit.\n".encode("utf-16-le"),
         "nobom.txt: this looks like UTF-16 text without a byte-order mark"),
    ],
)  # fmt: skip
def test_unreadable_files_fail_cleanly_and_write_nothing(
    store: Store, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    user = seed(store)
    path = tmp_path / name
    path.write_bytes(content)
    before = counts(store)
    with pytest.raises(UserError) as err:
        import_file(store, user, path, now=NOW, settings=offline(store, max_import_bytes=4096))
    assert str(err.value).startswith(message)
    assert "\n" not in str(err.value)
    assert counts(store) == before


def test_two_users_importing_the_same_deck_stay_apart(store: Store) -> None:
    user = seed(store)
    with store.session.begin() as s:
        other = User(username="other", password_hash=None, is_admin=False, created_at=NOW)
        s.add(other)
        s.flush()
        other_id = other.id
    settings = offline(store)
    mine = import_file(store, user, FIXTURES / "table.md", now=NOW, settings=settings)
    theirs = import_file(store, other_id, FIXTURES / "table.md", now=NOW, settings=settings)
    assert len(theirs.imported) == 3 and not set(mine.imported) & set(theirs.imported)
    with store.session() as s:
        assert len(list_questions(s, user, deck="table")) == 3
        assert len(list_questions(s, other_id, deck="table")) == 3


@pytest.mark.parametrize(
    ("name", "found", "fmt"),
    [
        ("numbered-glued.txt", 5, "text"), ("q-prefixed.txt", 4, "text"), ("headings.md", 4, "markdown"),
        ("expanders.txt", 4, "text"), ("table.md", 3, "markdown"), ("quoted-inline.txt", 3, "text"),
        ("prose-bullets.txt", 3, "text"), ("mojibake.txt", 2, "text"), ("page.html", 6, "html"),
        ("deck.csv", 3, "csv"), ("deck.tsv", 2, "tsv"), ("deck.jsonl", 3, "jsonl"),
    ],
)  # fmt: skip
def test_every_fixture_imports_through_the_service(
    sqlite_url: str, name: str, found: int, fmt: str
) -> None:
    from archprep.store import open_store

    store = open_store(sqlite_url)
    try:
        user = seed(store)
        report = import_file(
            store, user, FIXTURES / name, deck="mixed", now=NOW, settings=offline(store)
        )
        assert (report.format, len(report.imported)) == (fmt, found)
        with store.session() as s:
            stored = list_questions(s, user, deck="mixed")
        assert all(q.answer and q.key_points and q.category for q in stored)
    finally:
        store.close()


def imported_csv_deck(sqlite_url: str) -> dict[str, Question]:
    """``deck.csv`` imported offline into a fresh store, by question text."""
    from archprep.store import open_store

    store = open_store(sqlite_url)
    try:
        user = seed(store)
        import_file(store, user, FIXTURES / "deck.csv", now=NOW, settings=offline(store))
        with store.session() as s:
            return {q.question: q for q in list_questions(s, user, deck="deck")}
    finally:
        store.close()


def test_tabular_fields_are_kept(sqlite_url: str) -> None:
    by_q = imported_csv_deck(sqlite_url)
    slo = by_q["What is an SLO?"]
    assert (slo.category, slo.level, slo.kind) == ("mlops", "basic", "concept")
    assert [k.text for k in slo.key_points] == [
        "Names a measurable metric",
        "Sets a target and a window",
        "Is stricter than the SLA",
    ]
    assert slo.follow_ups == ["How do you pick the window?"] and {"reliability", "slo"} <= set(
        slo.tags
    )
    assert by_q["Why shard a vector index?"].kind == "design"


def test_points_picked_at_import_are_graded_as_derived_ones(sqlite_url: str) -> None:
    """An answer imported without key points gets the ones the grader would pick from it itself,
    marked so that grading treats them as picked, not written (rubric source "derived")."""
    from archprep.grading import Grader

    by_q = imported_csv_deck(sqlite_url)
    written, picked = by_q["What is an SLO?"], by_q["How do you detect label drift?"]
    assert DERIVED_KEY_POINTS not in written.extra
    assert picked.extra[DERIVED_KEY_POINTS] is True
    grader = Grader(None)
    own = grader.rubric(picked.question, reference=picked.answer)
    assert [k.text for k in picked.key_points] == [k.text for k in own.key_points]
    answer = "Compare the label distribution over time against training with PSI."
    assert grader.grade(picked, answer).rubric_source == "derived"
    assert grader.grade(written, "A target for a reliability metric.").rubric_source == "authored"


def test_kind_inference() -> None:
    assert (
        infer_kind("Describe a time you had to say no to a stakeholder.", "I did. " * 30)
        == "behavioral"
    )
    assert (
        infer_kind("Design a feature store that serves training and inference.", "x " * 80)
        == "design"
    )
    assert infer_kind("How would you debug p99 spikes?", "x " * 80) == "troubleshooting"
    for scenario in (
        "p99 latency spikes every few minutes. How do you isolate and resolve the bottleneck?",
        "Your training job keeps crashing with OOM. What would you check first?",
        "Retrieval quality suddenly dropped after a deploy. Walk me through it.",
    ):
        assert infer_kind(scenario, "x " * 80) == "troubleshooting", scenario
    assert infer_kind("What is a bottleneck layer in a CNN?", "x " * 80) == "concept"
    assert infer_kind("What is MLOps?", "A short answer.") == "rapid-fire"
    assert infer_kind("What is MLOps?", "word " * 80) == "concept"


def _embedder_or_skip() -> object:
    try:
        return load_embedder("auto")
    except ModelUnavailable as exc:
        pytest.skip(f"no embedding model installed: {exc}")


def test_page_sections_map_to_built_in_categories_by_embedding() -> None:
    mapper = CategoryMapper(_embedder_or_skip())  # type: ignore[arg-type]
    assert mapper.section("Vector Databases") == "vector-search"
    assert mapper.section("RAG & Embeddings") == "rag"
    assert mapper.section("Leadership") == "strategy-leadership"
    assert mapper.section("Production AI Systems") == "production-ai-systems"
    assert mapper.section("Cooking Recipes") == "cooking-recipes"
    assert mapper.nearest(["How do HNSW and IVF indexes trade recall for latency?"]) == [
        "vector-search"
    ]


def test_imported_questions_are_searchable_at_once(sqlite_url: str) -> None:
    _embedder_or_skip()
    from archprep.store import open_store

    store = open_store(sqlite_url)
    try:
        user = seed(store)
        settings = Settings(db=sqlite_url, embedding_model="auto")
        searcher = Searcher(store, settings)
        assert [h.id for h in searcher.search("model answer idea", user_id=user).hits] == [
            "rag/seeded"
        ]
        report = import_file(store, user, FIXTURES / "numbered-dot.txt", now=NOW, settings=settings)
        with store.session() as s:
            vectors = s.scalar(select(func.count()).select_from(EmbeddingRow)) or 0
        assert vectors >= 6  # the seeded question and the five imports
        hits = searcher.search("continuous batching GPU utilisation", user_id=user).hits
        assert hits and hits[0].id == report.imported[0]
        dense = searcher.search("keeping accelerators busy by admitting requests mid-batch",
                                user_id=user, mode="dense", filters=Filters(deck="numbered-dot"))  # fmt: skip
        assert dense.hits and dense.hits[0].id == report.imported[0]
        shared = searcher.search("continuous batching model answer idea", user_id=None).hits
        assert [h.id for h in shared] == ["rag/seeded"]  # another user's imports stay private
    finally:
        store.close()


def test_unknown_level_or_kind_is_a_warning_not_an_error(store: Store, tmp_path: Path) -> None:
    user = seed(store)
    path = tmp_path / "odd.jsonl"
    path.write_text(
        '{"question": "What is KV cache paging?", "answer": "Fixed-size blocks for the cache, '
        'allocated on demand.", "level": "expert", "kind": "trivia"}\n',
        encoding="utf-8",
    )
    report = import_file(store, user, path, now=NOW, settings=offline(store))
    assert len(report.imported) == 1
    assert report.warnings == [
        "line 1: kind 'trivia' is not one of concept, design, troubleshooting, behavioral, "
        "strategy, rapid-fire, ask-them; using rapid-fire",
        "line 1: level 'expert' is not one of basic, intermediate, advanced; using intermediate",
    ]
    assert (report.items[0].kind, report.items[0].status) == ("rapid-fire", "new")


def test_a_folder_is_named_as_one(store: Store, tmp_path: Path) -> None:
    user = seed(store)
    with pytest.raises(UserError, match=r"is a folder, not a file; name the files in it"):
        import_file(store, user, tmp_path, now=NOW, settings=offline(store))


def test_deck_names_in_other_scripts_keep_their_letters(store: Store, tmp_path: Path) -> None:
    user = seed(store)
    settings = offline(store)
    line = '{"question": "What is DPO?", "answer": "Preference optimisation on pairs."}\n'
    russian = tmp_path / "Вопросы собеседование.jsonl"
    russian.write_text(line, encoding="utf-8")
    other = tmp_path / "notes.jsonl"
    other.write_text(line, encoding="utf-8")
    first = import_file(store, user, russian, now=NOW, settings=settings)
    named = import_file(store, user, other, deck="日本語デッキ", now=NOW, settings=settings)
    assert first.deck == "вопросы-собеседование"
    assert named.deck == "日本語デッキ" and named.imported[0].startswith("import/日本語デッキ/")
    with store.session() as s:
        assert len(list_questions(s, user, deck="日本語デッキ")) == 1
        assert len(list_questions(s, user, deck="вопросы-собеседование")) == 1


def test_a_deck_name_without_letters_is_refused_not_replaced(store: Store, tmp_path: Path) -> None:
    user = seed(store)
    path = tmp_path / "notes.jsonl"
    path.write_text('{"question": "What is DPO?", "answer": "Pairs."}\n', encoding="utf-8")
    before = counts(store)
    with pytest.raises(UsageError, match=r"^--deck '!!!' has no letters or digits"):
        import_file(store, user, path, deck="!!!", now=NOW, settings=offline(store))
    assert counts(store) == before
    unnamed = tmp_path / "???.jsonl"
    shutil.copy(path, unnamed)
    report = import_file(store, user, unnamed, dry_run=True, now=NOW, settings=offline(store))
    assert report.deck == "imported" and "pass --deck to choose one" in report.warnings[0]
    assert report.skipped == 0


def test_slugs() -> None:
    assert slugify("My Deck") == "my-deck"
    assert slugify("Café prep") == "cafe-prep"
    assert slugify("Вопросы 日本 deck") == "вопросы-日本-deck"
    assert slugify("データ・サイエンス") == "データ-サイエンス"  # kana keep their voicing marks
    assert slugify("¡¿!") == ""


def test_reimport_keeps_the_stored_category_of_an_unchanged_question(
    store: Store, tmp_path: Path
) -> None:
    user = seed(store)
    path = tmp_path / "prep.txt"
    shutil.copy(FIXTURES / "q-prefixed.txt", path)
    first = import_file(store, user, path, now=NOW, settings=offline(store))
    qid = first.imported[0]
    with store.session.begin() as s:
        stored = next(q for q in list_questions(s, user, deck="prep") if q.id == qid)
        assert stored.category != "agents"
        # Not what the words would pick, so keeping it proves nothing was picked again.
        stored.category = "agents"
        row = s.get(QuestionRow, qid)
        assert row is not None
        row.category, row.content_hash = "agents", stored.content_hash()
    again = import_file(store, user, path, now=NOW, settings=offline(store))
    assert (len(again.updated), len(again.unchanged)) == (0, 4)
    assert again.items[0].category == "agents"


class CountingEmbedder:
    """An embedder that records what it is asked to embed: vectors from two marker words."""

    model_id = "test-counting-embedder"
    dim = 2

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> Matrix:
        self.texts.extend(texts)
        rows = [[1.0, 0.0] if "index" in t else [0.0, 1.0] for t in texts]
        return np.asarray(rows, dtype=np.float32)


def test_nearest_categories_embed_each_new_text_once() -> None:
    embedder = CountingEmbedder()
    mapper = CategoryMapper(embedder)
    labels = len(mapper.labels)
    texts = ["Which index for ten million vectors?", "Which index for ten million vectors?",
             "How do you deploy it?"]  # fmt: skip
    first = mapper.nearest(texts)
    assert first[0] == first[1]
    assert embedder.texts[labels:] == ["Which index for ten million vectors?",
                                       "How do you deploy it?"]  # fmt: skip
    again = CategoryMapper(embedder).nearest(["How do you deploy it?", "Which index then?"])
    assert again[0] == first[2]
    assert embedder.texts[labels + 2 :] == ["Which index then?"]  # one call, only the new text
