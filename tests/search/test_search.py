"""Hybrid search on a real store: paraphrases, filters, privacy, fallback and the vector cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from tests.helpers import make_question

from archprep.bank.model import KeyPoint
from archprep.search import Filters, Searcher
from archprep.search.index import refresh_embeddings
from archprep.search.text import snippet, stem, tokens
from archprep.settings import Settings
from archprep.store import Store
from archprep.store.questions import get_or_create_deck, sync_builtin, upsert_questions
from archprep.store.schema import EmbeddingRow, User

NOW = datetime(2026, 11, 1, tzinfo=UTC)

BANK = [
    make_question(
        "llm-platform/provider-fallback",
        question="How do you keep an LLM feature available when the model provider has an outage?",
        answer="Put a gateway in front of providers. Use timeouts and a circuit breaker, then fail over to a second provider.",
        key_points=[
            KeyPoint("Circuit breaker and timeouts detect failure"),
            KeyPoint("Fail over to a second provider"),
            KeyPoint("Degrade gracefully"),
        ],
        tags=["reliability", "gateway"],
        level="advanced",
    ),
    make_question(
        "mlops/psi-thresholds",
        question="What PSI values indicate a significant distribution shift?",
        answer="PSI under 0.1 means no real shift, 0.1 to 0.25 is moderate, above 0.25 is significant.",
        key_points=[
            KeyPoint("PSI below 0.1 is stable"),
            KeyPoint("0.1-0.25 is moderate"),
            KeyPoint("Above 0.25 act"),
        ],
        tags=["drift", "psi"],
        level="basic",
    ),
    make_question(
        "fine-tuning/lora",
        question="Explain how LoRA reduces the cost of fine-tuning.",
        answer="LoRA freezes the base weights and trains two low-rank matrices per adapted layer.",
        key_points=[
            KeyPoint("Base weights are frozen"),
            KeyPoint("Low-rank A and B matrices"),
            KeyPoint("Few trainable parameters"),
        ],
        tags=["peft"],
    ),
    make_question(
        "mlops/gpu-cost",
        question="How do you bring a shared GPU fleet's spend under control?",
        answer="Measure utilisation per team, right-size instances, use spot capacity for training and charge back costs.",
        key_points=[
            KeyPoint("Measure utilisation per team"),
            KeyPoint("Use spot for training"),
            KeyPoint("Chargeback"),
        ],
        tags=["cost", "gpu"],
    ),
]


@pytest.fixture
def searcher(store: Store) -> Searcher:
    with store.session.begin() as s:
        sync_builtin(s, BANK, NOW)
    return Searcher(store, Settings(db=str(store.engine.url)))


def test_paraphrase_finds_the_question_without_shared_words(searcher: Searcher) -> None:
    result = searcher.search("what should my chatbot do when the vendor goes down")
    assert result.hits[0].id == "llm-platform/provider-fallback"
    assert result.hits[0].dense_rank == 1


def test_keyword_query_ranks_and_highlights(searcher: Searcher) -> None:
    result = searcher.search("psi threshold", limit=2)
    top = result.hits[0]
    assert top.id == "mlops/psi-thresholds" and top.lexical_rank == 1
    assert "PSI" in top.matched and "PSI" in top.snippet


def test_scenario_query(searcher: Searcher) -> None:
    assert searcher.search("our gpu bill tripled this quarter").hits[0].id == "mlops/gpu-cost"


def test_a_word_match_does_not_bring_unrelated_questions_along(searcher: Searcher) -> None:
    """Only PSI's question has the word; the others are unrelated in meaning, so the list is
    that one question, not the whole bank ranked by a weak cosine."""
    hits = searcher.search("psi", limit=10).hits
    assert [h.id for h in hits] == ["mlops/psi-thresholds"]


def test_filters_restrict_hits(searcher: Searcher) -> None:
    result = searcher.search("cost", filters=Filters(category="fine-tuning"))
    assert {h.category for h in result.hits} <= {"fine-tuning"}
    assert [h.id for h in searcher.search("drift", filters=Filters(level="basic")).hits] == [
        "mlops/psi-thresholds"
    ]
    assert searcher.search("lora", filters=Filters(tag="psi")).hits == []


def test_no_results_suggests_spelling_and_categories(searcher: Searcher) -> None:
    result = searcher.search("zzqx flibber", mode="lexical")
    assert result.hits == [] and len(result.near_categories) == 3
    assert searcher.search("provder outage", mode="lexical").hits  # stems still match "outage"
    fixed = searcher.suggest("circut breakr", searcher.index())
    assert fixed == [] or "circuit" in fixed[0] or "breaker" in fixed[0]


def test_imported_questions_are_searchable_only_by_their_owner(
    store: Store, searcher: Searcher
) -> None:
    with store.session.begin() as s:
        owner, other = User(username="o", created_at=NOW), User(username="x", created_at=NOW)
        s.add_all([owner, other])
        s.flush()
        deck = get_or_create_deck(s, "notes", owner_id=owner.id, now=NOW)
        upsert_questions(
            s,
            deck,
            [make_question("import/o/1", question="What is a vectorised zebra index?")],
            NOW,
        )
        from archprep.store.questions import bump_bank_version

        bump_bank_version(s)
        ids = owner.id, other.id
    assert searcher.search("zebra index", user_id=ids[0]).hits[0].id == "import/o/1"
    assert all(h.id != "import/o/1" for h in searcher.search("zebra index", user_id=ids[1]).hits)


def test_lexical_fallback_says_so_once(store: Store) -> None:
    with store.session.begin() as s:
        sync_builtin(s, BANK, NOW)
    searcher = Searcher(store, Settings(db=str(store.engine.url), embedding_model="none"))
    result = searcher.search("psi threshold")
    assert result.mode == "lexical" and result.notice and "keyword-only" in result.notice
    assert result.hits[0].id == "mlops/psi-thresholds"


def test_vectors_are_cached_and_unchanged_questions_never_reembedded(
    store: Store, searcher: Searcher
) -> None:
    searcher.index()
    embedder = searcher.embedder
    assert embedder is not None
    assert refresh_embeddings(store, embedder) == 0
    with store.session.begin() as s:
        sync_builtin(s, [*BANK[:3], make_question("mlops/gpu-cost", question="Changed text?")], NOW)
    assert refresh_embeddings(store, embedder) == 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(EmbeddingRow)) == 5


def test_two_workers_embedding_the_same_questions_do_not_collide(
    store: Store, searcher: Searcher
) -> None:
    """A second server worker may store the same new vectors between our check and our write."""
    inner = searcher.embedder
    assert inner is not None
    with store.session.begin() as s:
        sync_builtin(s, BANK, NOW)

    class Racing:
        model_id, dim = inner.model_id, inner.dim

        def embed(self, texts):  # type: ignore[no-untyped-def]
            refresh_embeddings(store, inner)  # the other worker gets there first
            return inner.embed(texts)

    assert refresh_embeddings(store, Racing()) == len(BANK)  # type: ignore[arg-type]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(EmbeddingRow)) == len(BANK)


def test_text_helpers() -> None:
    assert stem("quantisation") == stem("quantization")
    assert tokens("The KV-cache of the model") == ["kv-cach", "model"]
    text, matched = snippet("First sentence. The PSI threshold is 0.25. Last.", {stem("psi")})
    assert text == "The PSI threshold is 0.25." and matched == ["PSI"]
