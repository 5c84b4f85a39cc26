"""Pydantic models at the JSON API boundary (the core keeps plain dataclasses)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from archprep.bank.model import Question
from archprep.grading.engine import MAX_ANSWER_CHARS
from archprep.search import Hit, SearchResult


class KeyPointOut(BaseModel):
    text: str
    weight: float = 1.0


class QuestionOut(BaseModel):
    """One question with its model answer and rubric (the ``archprep list --json`` shape)."""

    id: str
    deck: str
    category: str
    level: str
    kind: str
    question: str
    answer: str
    key_points: list[KeyPointOut]
    tags: list[str]
    topics: list[str]
    follow_ups: list[str]
    calculators: list[str]

    @classmethod
    def of(cls, q: Question) -> QuestionOut:
        return cls(
            id=q.id, deck=q.deck, category=q.category, level=q.level, kind=q.kind,
            question=q.question, answer=q.answer,
            key_points=[KeyPointOut(text=k.text, weight=k.weight) for k in q.key_points],
            tags=q.tags, topics=q.topics, follow_ups=q.follow_ups, calculators=q.calculators,
        )  # fmt: skip


class QuestionPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[QuestionOut]


class HitOut(BaseModel):
    id: str
    question: str
    category: str
    level: str
    kind: str
    deck: str
    score: float
    snippet: str
    matched: list[str]
    url: str

    @classmethod
    def of(cls, h: Hit) -> HitOut:
        # Plain text: the page sets it with textContent, so "<s>" in a question stays "<s>".
        return cls(id=h.id, question=h.question, category=h.category, level=h.level,
                   kind=h.kind, deck=h.deck, score=h.score, snippet=h.snippet,
                   matched=h.matched,
                   url=f"/q/{h.id}")  # fmt: skip


class SearchOut(BaseModel):
    query: str
    mode: str
    hits: list[HitOut]
    notice: str | None = None
    suggestions: list[str] = Field(default_factory=list)
    near_categories: list[str] = Field(default_factory=list)

    @classmethod
    def of(cls, r: SearchResult) -> SearchOut:
        return cls(query=r.query, mode=r.mode, hits=[HitOut.of(h) for h in r.hits],
                   notice=r.notice, suggestions=r.suggestions,
                   near_categories=r.near_categories)  # fmt: skip


class ReviewIn(BaseModel):
    question_id: str
    rating: int = Field(ge=1, le=4, description="1 Again, 2 Hard, 3 Good, 4 Easy")
    duration_ms: int | None = Field(default=None, ge=0, le=3_600_000)


class ReviewOut(BaseModel):
    question_id: str
    rating: int
    state: str
    due: datetime
    interval: str
    stability: float | None
    difficulty: float | None
    reps: int
    lapses: int


class GradeIn(BaseModel):
    question_id: str = Field(description="The question answered (its key points are the rubric).")
    answer: str = Field(min_length=1, max_length=MAX_ANSWER_CHARS)
    duration_s: float | None = Field(default=None, ge=0, le=86_400)

    @field_validator("answer")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("blank: write the answer before grading it")
        return value


class AttemptOut(BaseModel):
    id: int
    question_id: str
    question: str
    category: str
    score: float
    created_at: datetime
    answer: str | None = None
    grade: dict[str, Any] | None = None


class SessionOut(BaseModel):
    username: str
    multi_user: bool
    csrf_token: str = Field(description="Send it back as the X-CSRF-Token header on POSTs.")


class CategoryReadinessOut(BaseModel):
    category: str
    total: int
    seen: int
    attempted: int
    mean_retrievability: float | None
    practice: float | None
    readiness: float


class StatsOut(BaseModel):
    questions: int
    decks: list[str]
    due: int
    new: int
    studied: int
    reviews_total: int
    reviews_today: int
    streak_days: int
    readiness: float
    categories: list[CategoryReadinessOut]
