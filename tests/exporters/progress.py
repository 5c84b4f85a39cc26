"""A small store with progress in it: built-in questions of every kind, reviews and attempts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from archprep.bank.model import KeyPoint, Question
from archprep.scheduling import Grade
from archprep.store import Store
from archprep.store.cards import local_user_id, record_review
from archprep.store.questions import sync_builtin
from archprep.store.schema import AttemptRow, EmbeddingRow
from tests.helpers import make_question

NOW = datetime(2026, 5, 4, 18, 30, 15, 123456, tzinfo=UTC)


def bank() -> list[Question]:
    return [
        make_question("rag/hybrid", question="What is hybrid search?", tags=["retrieval", "bm25"],
                      answer="Keyword **and** vector search, fused.\n\n- BM25\n- dense\n\n<script>alert(1)</script>"),
        make_question("rag/rerank", question="Why rerank with a cross-encoder?"),
        make_question("mlops/drift", question="How do you detect drift?", kind="troubleshooting"),
        make_question("serving-infra/vllm", question="When would you choose vLLM over Triton?"),
        make_question(
            "system-design/cache", question="Design a semantic cache.", kind="design",
            extra={"method": {"clarify": ["Share of repeated questions"], "high_level": ["Hash, then ANN"],
                              "deep_dive": ["Threshold tuning"], "failure_modes": ["False hits"],
                              "numbers": ["2M × $0.0135 = $27k/day"]}},
        ),
        make_question(
            "behavioral/process", question="Tell me about a time you fixed a team process.",
            kind="behavioral", category="behavioral",
            extra={"star": {"situation": "The broken process in numbers", "task": "Your goal",
                            "action": "What you changed with the team", "result": "Before and after"}},
        ),
        make_question(
            "ask-them/regret", question="What would you rebuild from scratch?", kind="ask-them",
            extra={"reveals": "How the team sees its debt", "good_follow_up": "Would it be my job?"},
        ),
        make_question("strategy-leadership/roi", question="How do you measure platform ROI?", kind="strategy",
                      key_points=[KeyPoint("Tie it to a business metric"), KeyPoint("Count costs honestly", 2.0)]),
    ]  # fmt: skip


def _grade(missed: list[str], covered: list[str]) -> dict[str, object]:
    points = [{"text": t, "status": "missed", "evidence": None} for t in missed]
    points += [{"text": t, "status": "covered", "evidence": "…"} for t in covered]
    return {"score": 0, "key_points": points, "feedback": "keep going"}


def fill(store: Store) -> tuple[Store, int]:
    """Give ``store`` a bank, reviews, attempts and a cached vector; return it and the user id."""
    with store.session.begin() as s:
        sync_builtin(s, bank(), NOW - timedelta(days=30))
        user = local_user_id(s, NOW - timedelta(days=30))
    with store.session.begin() as s:
        for day, (qid, grade) in enumerate([("rag/hybrid", Grade.GOOD), ("rag/rerank", Grade.AGAIN),
                                            ("rag/hybrid", Grade.HARD), ("mlops/drift", Grade.EASY)]):  # fmt: skip
            record_review(s, user, qid, grade, NOW - timedelta(days=10 - day, microseconds=day))
        attempts = [
            ("rag/rerank", 35.5, "It sorts things.", ["first point", "second point"], []),
            ("rag/hybrid", 40.0, "BM25 plus vectors.", ["second point"], ["first point"]),
            ("rag/hybrid", 72.25, "BM25 and dense, fused with RRF.", ["second point", "third"], ["first point"]),
            ("mlops/drift", 90.0, "PSI on features.", [], ["first point"]),
            ("behavioral/process", 64.0, "Our on-call paged two people.\n\nI rebuilt the rota.", [], []),
            ("behavioral/process", 81.0, "Situation: 25 pages a week.\nAction: rota and runbooks.\nResult: 6 pages.", [], []),
        ]  # fmt: skip
        for n, (qid, score, answer, missed, covered) in enumerate(attempts):
            s.add(AttemptRow(user_id=user, question_id=qid, answer=answer, score=score,
                             grade=_grade(missed, covered), mode="practice", duration_s=12.5 + n,
                             created_at=NOW - timedelta(days=6 - n)))  # fmt: skip
        s.add(EmbeddingRow(content_hash="abc", model_id="m", dim=2, vector=b"\x00" * 8))
    return store, user
