"""SQLAlchemy 2 tables: users, decks, questions, card state, review logs, attempts, embeddings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Deck(Base):
    """A set of questions: the shared built-in bank (owner None) or a user's import."""

    __tablename__ = "decks"
    __table_args__ = (UniqueConstraint("owner_id", "slug"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(20), default="builtin")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_deck_category", "deck_id", "category"),)
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(20))
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)
    topics: Mapped[list[Any]] = mapped_column(JSON, default=list)
    key_points: Mapped[list[Any]] = mapped_column(JSON, default=list)
    follow_ups: Mapped[list[Any]] = mapped_column(JSON, default=list)
    calculators: Mapped[list[Any]] = mapped_column(JSON, default=list)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str | None] = mapped_column(Text)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class CardState(Base):
    """One user's FSRS memory state for one question."""

    __tablename__ = "card_states"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_card_states_user_due", "user_id", "due"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    state: Mapped[int] = mapped_column(Integer)
    step: Mapped[int | None] = mapped_column(Integer)
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    due: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_review: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reps: Mapped[int] = mapped_column(Integer, default=0)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    buried_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class ReviewLogRow(Base):
    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_logs_user_time", "user_id", "reviewed_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    state_before: Mapped[int] = mapped_column(Integer)
    due_after: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AttemptRow(Base):
    """A typed answer to a question with its grade, from practice or a mock interview."""

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_user_question", "user_id", "question_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    answer: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    grade: Mapped[dict[str, Any]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(20), default="practice")
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class EmbeddingRow(Base):
    """A cached text embedding, keyed by the text's content hash and the model that made it."""

    __tablename__ = "embeddings"
    content_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    model_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Meta(Base):
    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class StudyPrefsRow(Base):
    """One user's study settings from the web UI; absent rows fall back to ``Settings``."""

    __tablename__ = "study_prefs"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    desired_retention: Mapped[float] = mapped_column(Float)
    new_cards_per_day: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class WebSessionRow(Base):
    """A signed-in browser: keyed by the SHA-256 of its cookie token, so a DB leak is not a login."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_user", "user_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginAttemptRow(Base):
    """One sign-in attempt, for rate limiting failures per username and client address."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_who_when", "username", "ip", "attempted_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    ip: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)


class ImportDraftRow(Base):
    """An uploaded file held between its dry-run preview and the user's confirmation."""

    __tablename__ = "import_drafts"
    __table_args__ = (Index("ix_import_drafts_user", "user_id"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    deck: Mapped[str | None] = mapped_column(String(120))
    format: Mapped[str | None] = mapped_column(String(20))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MockPlanRow(Base):
    """A user's own mock-interview plan (built-in plans live in code, not here)."""

    __tablename__ = "mock_plans"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class MockSessionRow(Base):
    """One run of a mock interview; ``position`` says where to resume after an interruption."""

    __tablename__ = "mock_sessions"
    __table_args__ = (Index("ix_mock_sessions_user_started", "user_id", "started_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    plan_name: Mapped[str] = mapped_column(String(120))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    questions: Mapped[list[Any]] = mapped_column(JSON)
    position: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class MockAnswerRow(Base):
    """One answer given in a mock: to a main question or to a follow-up, committed as given."""

    __tablename__ = "mock_answers"
    __table_args__ = (Index("ix_mock_answers_session", "session_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mock_sessions.id", ondelete="CASCADE"))
    round_index: Mapped[int] = mapped_column(Integer)
    question_index: Mapped[int] = mapped_column(Integer)
    question_id: Mapped[str] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20))
    prompt: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text)
    hints_used: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    duration_s: Mapped[float] = mapped_column(Float)
    budget_s: Mapped[float] = mapped_column(Float)
    score: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class InterviewTargetRow(Base):
    """An interview date the user prepares for, with the role's focus and the daily budget."""

    __tablename__ = "interview_targets"
    __table_args__ = (Index("ix_interview_targets_user", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    interview_date: Mapped[date] = mapped_column(Date)
    role_focus: Mapped[str | None] = mapped_column(String(80))
    category_weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    target_recall: Mapped[float] = mapped_column(Float, default=0.9)
    daily_minutes: Mapped[int] = mapped_column(Integer, default=45)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReviewUndoRow(Base):
    """A card's state just before one review, so that review can be undone exactly."""

    __tablename__ = "review_undo"
    __table_args__ = (Index("ix_review_undo_user_created", "user_id", "created_at"),)
    review_log_id: Mapped[int] = mapped_column(
        ForeignKey("review_logs.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_before: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # None: no card_states row
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
