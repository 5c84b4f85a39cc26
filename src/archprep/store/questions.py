"""Reading and writing questions and decks: bank sync, listing with filters, lookup by id."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from archprep.bank.model import KeyPoint, Question
from archprep.store.schema import Deck, Meta, QuestionRow

BUILTIN_DECK = "builtin"


@dataclass
class SyncReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "retired": len(self.retired),
            "unchanged": self.unchanged,
        }


def row_to_question(row: QuestionRow, deck_slug: str) -> Question:
    return Question(
        id=row.id,
        question=row.question,
        answer=row.answer,
        category=row.category,
        kind=row.kind,
        level=row.level,
        tags=list(row.tags or []),
        topics=list(row.topics or []),
        key_points=[KeyPoint(k["text"], float(k.get("weight", 1))) for k in row.key_points or []],
        follow_ups=list(row.follow_ups or []),
        calculators=list(row.calculators or []),
        extra=dict(row.extra or {}),
        deck=deck_slug,
        source=row.source,
    )


def _fill_row(row: QuestionRow, q: Question, now: datetime) -> None:
    row.question = q.question
    row.answer = q.answer
    row.category = q.category
    row.kind = q.kind
    row.level = q.level
    row.tags = list(q.tags)
    row.topics = list(q.topics)
    row.key_points = [{"text": k.text, "weight": k.weight} for k in q.key_points]
    row.follow_ups = list(q.follow_ups)
    row.calculators = list(q.calculators)
    row.extra = dict(q.extra)
    row.content_hash = q.content_hash()
    row.source = q.source
    row.retired = False
    row.updated_at = now


def get_or_create_deck(
    session: Session, slug: str, *, owner_id: int | None, now: datetime, name: str | None = None
) -> Deck:
    owner_clause = Deck.owner_id.is_(None) if owner_id is None else Deck.owner_id == owner_id
    deck = session.scalars(select(Deck).where(Deck.slug == slug, owner_clause)).first()
    if deck is None:
        source = "builtin" if owner_id is None else "import"
        deck = Deck(slug=slug, name=name or slug, owner_id=owner_id, source=source, created_at=now)
        session.add(deck)
        session.flush()
    return deck


def upsert_questions(
    session: Session, deck: Deck, questions: Iterable[Question], now: datetime
) -> SyncReport:
    """Insert new questions and update changed ones in ``deck``; unchanged rows are not touched."""
    report = SyncReport()
    incoming = list(questions)
    ids = [q.id for q in incoming]
    existing = (
        {r.id: r for r in session.scalars(select(QuestionRow).where(QuestionRow.id.in_(ids)))}
        if ids
        else {}
    )
    for q in incoming:
        row = existing.get(q.id)
        if row is None:
            row = QuestionRow(id=q.id, deck_id=deck.id, created_at=now)
            _fill_row(row, q, now)
            session.add(row)
            report.added.append(q.id)
        elif row.content_hash != q.content_hash() or row.retired or row.deck_id != deck.id:
            row.deck_id = deck.id
            _fill_row(row, q, now)
            report.updated.append(q.id)
        else:
            report.unchanged += 1
    return report


def sync_builtin(session: Session, questions: Sequence[Question], now: datetime) -> SyncReport:
    """Make the built-in deck match the content files: upsert by id, retire what was removed.

    Retired questions keep their rows, so users' reviews and attempts survive; they simply stop
    appearing in lists, search and study until a file with the same id comes back.
    """
    deck = get_or_create_deck(session, BUILTIN_DECK, owner_id=None, now=now, name="Built-in bank")
    report = upsert_questions(session, deck, questions, now)
    keep = {q.id for q in questions}
    for row in session.scalars(
        select(QuestionRow).where(QuestionRow.deck_id == deck.id, QuestionRow.retired.is_(False))
    ):
        if row.id not in keep:
            row.retired = True
            row.updated_at = now
            report.retired.append(row.id)
    if report.added or report.updated or report.retired:
        bump_bank_version(session)
    return report


def bump_bank_version(session: Session) -> None:
    """Processes that cache the bank (search matrices) reload when this number changes."""
    meta = session.get(Meta, "bank_version")
    if meta is None:
        session.add(Meta(key="bank_version", value="1"))
    else:
        meta.value = str(int(meta.value) + 1)


def bank_version(session: Session) -> int:
    meta = session.get(Meta, "bank_version")
    return 0 if meta is None else int(meta.value)


def visible_to(user_id: int | None) -> Any:
    """Built-in decks are shared; imported decks are visible only to their owner."""
    if user_id is None:
        return Deck.owner_id.is_(None)
    return or_(Deck.owner_id.is_(None), Deck.owner_id == user_id)


def question_query(
    user_id: int | None,
    *,
    deck: str | None = None,
    category: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    tag: str | None = None,
) -> Select[QuestionRow, str]:
    stmt = (
        select(QuestionRow, Deck.slug)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.retired.is_(False), visible_to(user_id))
    )
    if deck:
        stmt = stmt.where(Deck.slug == deck)
    if category:
        stmt = stmt.where(QuestionRow.category == category)
    if level:
        stmt = stmt.where(QuestionRow.level == level)
    if kind:
        stmt = stmt.where(QuestionRow.kind == kind)
    return stmt.order_by(QuestionRow.category, QuestionRow.id)


def list_questions(
    session: Session,
    user_id: int | None,
    *,
    deck: str | None = None,
    category: str | None = None,
    level: str | None = None,
    kind: str | None = None,
    tag: str | None = None,
) -> list[Question]:
    stmt = question_query(user_id, deck=deck, category=category, level=level, kind=kind)
    out = [row_to_question(row, slug) for row, slug in session.execute(stmt)]
    if tag:
        out = [q for q in out if tag in q.tags]
    return out


def get_question(session: Session, question_id: str, user_id: int | None) -> Question | None:
    stmt = (
        select(QuestionRow, Deck.slug)
        .join(Deck, QuestionRow.deck_id == Deck.id)
        .where(QuestionRow.id == question_id, visible_to(user_id))
    )
    found = session.execute(stmt).first()
    return None if found is None else row_to_question(found[0], found[1])


def question_to_json(q: Question) -> dict[str, Any]:
    """The ``archprep list --json`` contract: one object per question."""
    return {
        "id": q.id,
        "deck": q.deck,
        "category": q.category,
        "level": q.level,
        "kind": q.kind,
        "question": q.question,
        "answer": q.answer,
        "key_points": [k.text for k in q.key_points],
        "key_point_weights": [k.weight for k in q.key_points],
        "tags": q.tags,
        "topics": q.topics,
        "follow_ups": q.follow_ups,
        "calculators": q.calculators,
        **({"extra": q.extra} if q.extra else {}),
    }
