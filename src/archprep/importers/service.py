"""Importing one file into a user's deck: limits, parsing, enrichment, one transaction, search."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from archprep.bank.model import (
    CATEGORIES,
    DERIVED_KEY_POINTS,
    DERIVED_TAG,
    KINDS,
    LEVELS,
    KeyPoint,
    Question,
)
from archprep.embeddings import Embedder, ModelUnavailable, load_embedder
from archprep.errors import UsageError, UserError
from archprep.importers.detect import decode, detect_format, looks_binary, utf16_without_bom
from archprep.importers.document import Parsed, RawItem
from archprep.importers.enrich import (
    CategoryMapper,
    infer_kind,
    normalise_question,
    question_id,
    slugify,
)
from archprep.settings import Settings
from archprep.store import Store
from archprep.store.questions import (
    BUILTIN_DECK,
    bump_bank_version,
    get_or_create_deck,
    upsert_questions,
)
from archprep.store.schema import Deck, QuestionRow

PREVIEW = 5
# An .apkg is a zip: its collection may unpack to this many times the file-size limit.
APKG_UNPACK_FACTOR = 5
MAX_TAGS = 8
COPY_RATIO = 0.9  # answers this alike (first 400 normalised characters) are the same answer


@dataclass
class ImportedItem:
    """One question as it was (or would be) stored, for previews and reports."""

    id: str
    question: str
    category: str
    kind: str
    status: str  # new, updated or unchanged
    answer: str
    key_points: list[str]

    def as_dict(self) -> dict[str, Any]:
        preview = self.answer if len(self.answer) <= 240 else self.answer[:239] + "…"
        return {"id": self.id, "question": self.question, "category": self.category,
                "kind": self.kind, "status": self.status, "answer": preview,
                "key_points": self.key_points}  # fmt: skip


@dataclass
class ImportReport:
    """What importing one file did (or, with ``dry_run``, would do)."""

    file: str
    format: str
    deck: str
    dry_run: bool = False
    imported: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: int = 0
    warnings: list[str] = field(default_factory=list)
    items: list[ImportedItem] = field(default_factory=list)

    def as_dict(self, preview: int = PREVIEW) -> dict[str, Any]:
        return {
            "file": self.file, "format": self.format, "deck": self.deck, "dry_run": self.dry_run,
            "found": len(self.items), "imported": len(self.imported),
            "updated": len(self.updated), "unchanged": len(self.unchanged),
            "skipped": self.skipped, "warnings": self.warnings,
            "items": [i.as_dict() for i in self.items[:preview]],
        }  # fmt: skip


def read_checked(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, after the checks every format shares: exists, not empty, not too big."""
    name = path.name
    if path.is_dir():
        raise UserError(f"{path}: is a folder, not a file; name the files in it (e.g. {path}/*.md)")
    if not path.is_file():
        raise UserError(f"{path}: no such file; check the path")
    size = path.stat().st_size
    if size > max_bytes:
        raise UserError(
            f"{name}: {size:,} bytes is over the {max_bytes:,}-byte import limit; split the file "
            "or raise ARCHPREP_MAX_IMPORT_BYTES"
        )
    if size == 0:
        raise UserError(f"{name}: the file is empty; nothing to import")
    return path.read_bytes()


def parse_file(data: bytes, name: str, fmt: str, max_bytes: int) -> Parsed:
    """Questions and answers from a file's bytes in a known format; ``UserError`` if unreadable."""
    from archprep.importers import anki, html, pdf, tabular, text

    if fmt == "pdf":
        return pdf.parse_pdf(data, name)
    if fmt == "anki":
        return anki.parse_apkg(data, name, max_bytes * APKG_UNPACK_FACTOR)
    if utf16_without_bom(data):
        raise UserError(
            f"{name}: this looks like UTF-16 text without a byte-order mark, which cannot be read "
            "reliably; save it as UTF-8 and import again"
        )
    if looks_binary(data):
        raise UserError(
            f"{name}: this looks like a binary file, not {fmt}; import text, Markdown, HTML, "
            "PDF, CSV/TSV, JSONL or .apkg files (or pass --format)"
        )
    content = decode(data, name)
    if not content.strip():
        raise UserError(f"{name}: the file has no text; nothing to import")
    if fmt == "html":
        return html.parse_html(content)
    if fmt in ("csv", "tsv"):
        first = content.lstrip().split("\n", 1)[0]
        delimiter = "\t" if fmt == "tsv" else ";" if first.count(";") > first.count(",") else ","
        return tabular.parse_delimited(content, name, delimiter)
    if fmt == "jsonl":
        return tabular.parse_jsonl(content, name)
    return text.parse_text(content, markdown=fmt == "markdown")


def _embedder(settings: Settings) -> Embedder | None:
    try:
        model_dir = str(settings.model_dir) if settings.model_dir else None
        return load_embedder(settings.embedding_model, model_dir)
    except ModelUnavailable:
        return None


def _tags(raw: list[str]) -> list[str]:
    tags: list[str] = []
    for t in [*raw, "imported"]:
        slug = slugify(t, 40)
        if slug and slug not in tags:
            tags.append(slug)
    return tags[:MAX_TAGS]


def _where(item: RawItem) -> str:
    return f"line {item.line}: " if item.line else ""


# Decks archprep fills itself: an import must not mix into them (their ids and sync are ours).
RESERVED_DECKS = ("builtin", "drills")


def build_questions(
    parsed: Parsed,
    deck_slug: str,
    name: str,
    settings: Settings,
    report: ImportReport,
    stored: dict[tuple[str, str], str] | None = None,
) -> list[Question]:
    """Found items as ``Question`` records: kind, level, category and key points filled in.

    Items without key points get ones picked from their answer by the grader's rubric builder,
    from words alone (the embedding model would read every sentence: docs/import-export.md),
    and are marked so the grader treats them as derived points. Ids are provisional
    (``import/<deck>/<hash>``); ``_assign_ids`` settles them against the store.

    ``stored`` maps (normalised question, answer) of the deck's stored questions to their
    category: an item found there unchanged keeps it, so a re-import embeds nothing new.
    """
    stored = stored or {}
    from archprep.grading.rubric import derive_key_points  # the grader's own rubric builder

    mapper = CategoryMapper(_embedder(settings))
    seen: dict[str, str] = {}
    kept: list[RawItem] = []
    for item in parsed.items:
        key = normalise_question(item.question)
        where = _where(item)
        if not key:
            report.warnings.append(f"{where}a question with no words was skipped")
            report.skipped += 1
        elif key in seen:
            report.warnings.append(f"{where}duplicate of {seen[key]!r}; skipped")
            report.skipped += 1
        else:
            seen[key] = item.question[:60]
            kept.append(item)
    sections = {
        c: (c if c in CATEGORIES else mapper.section(c))
        for c in {i.category for i in kept if i.category}
    }
    kinds: list[str] = []
    for item in kept:
        kind = item.kind if item.kind in KINDS else infer_kind(item.question, item.answer)
        if item.kind and item.kind not in KINDS:
            report.warnings.append(
                f"{_where(item)}kind {item.kind!r} is not one of {', '.join(KINDS)}; using {kind}"
            )
        kinds.append(kind)
    guessed: dict[int, str] = {}
    loose: list[int] = []
    for i, item in enumerate(kept):
        if item.category or kinds[i] == "behavioral":
            continue
        known = stored.get((normalise_question(item.question), item.answer))
        if known is not None:
            guessed[i] = known
        else:
            loose.append(i)
    # The question and the answer's opening: enough to place it, cheap to embed.
    nearest = mapper.nearest([f"{kept[i].question} {kept[i].answer[:160]}" for i in loose])
    guessed.update(zip(loose, nearest, strict=True))
    questions = []
    for i, item in enumerate(kept):
        level = item.level if item.level in LEVELS else "intermediate"
        if item.level and item.level not in LEVELS:
            report.warnings.append(
                f"{_where(item)}level {item.level!r} is not one of {', '.join(LEVELS)}; using {level}"
            )
        category = sections[item.category] if item.category else guessed.get(i, "behavioral")
        points = item.key_points[:7] or [
            k.text for k in derive_key_points(item.answer, question=item.question)
        ]
        picked = not item.key_points or DERIVED_TAG in item.tags  # ours, from an Anki export
        extra = {DERIVED_KEY_POINTS: True} if points and picked else {}
        questions.append(
            Question(
                id=question_id(deck_slug, item.question),
                question=item.question,
                answer=item.answer,
                category=category,
                kind=kinds[i],
                level=level,
                tags=_tags([t for t in item.tags if t != DERIVED_TAG]),
                key_points=[KeyPoint(p) for p in points],
                follow_ups=item.follow_ups[:3],
                extra=extra,
                deck=deck_slug,
                source=f"{name}:{item.line}" if item.line else name,
            )
        )
    return questions


def _assign_ids(
    session: Session, deck: Deck | None, questions: list[Question], user_id: int
) -> None:
    """Re-imports find their earlier rows by normalised question text within the user's deck."""
    existing: dict[str, str] = {}
    if deck is not None:
        for rid, text in session.execute(
            select(QuestionRow.id, QuestionRow.question).where(QuestionRow.deck_id == deck.id)
        ):
            existing.setdefault(normalise_question(text), rid)
    for q in questions:
        found = existing.get(normalise_question(q.question))
        if found:
            q.id = found
            continue
        taken = session.get(QuestionRow, q.id)
        if taken is not None:  # the same deck name and question belong to another user
            q.id = question_id(q.deck, q.question, salt=f"user-{user_id}:")


def _plan(session: Session, deck_slug: str, questions: list[Question], user_id: int) -> list[str]:
    """Settle ids against the store and say what each question would be: new/updated/unchanged."""
    deck = session.scalars(
        select(Deck).where(Deck.slug == deck_slug, Deck.owner_id == user_id)
    ).first()
    _assign_ids(session, deck, questions, user_id)
    return [_status(session, q) for q in questions]


def _stored_categories(store: Store, user_id: int, deck_slug: str) -> dict[tuple[str, str], str]:
    """The categories of the questions already in the user's deck, by question and answer."""
    with store.session() as session:
        deck = session.scalars(
            select(Deck).where(Deck.slug == deck_slug, Deck.owner_id == user_id)
        ).first()
        if deck is None:
            return {}
        rows = session.execute(
            select(QuestionRow.question, QuestionRow.answer, QuestionRow.category).where(
                QuestionRow.deck_id == deck.id
            )
        )
        return {(normalise_question(q), a): c for q, a, c in rows}


def _same_answer(ours: str, theirs: str) -> bool:
    """Whether an imported answer is the built-in one (a copy: an export of the bank)."""
    a, b = normalise_question(ours)[:400], normalise_question(theirs)[:400]
    return bool(a) and SequenceMatcher(None, a, b, autojunk=False).ratio() >= COPY_RATIO


def _without_builtin_copies(
    session: Session, questions: list[Question], report: ImportReport
) -> list[Question]:
    """Drop copies of built-in questions (re-importing an Anki export of the bank, say).

    A copy asks the same question with the same answer; the same question with the user's own
    answer is theirs and is imported.
    """
    builtin = {
        normalise_question(text): (qid, answer)
        for qid, text, answer in session.execute(
            select(QuestionRow.id, QuestionRow.question, QuestionRow.answer)
            .join(Deck, QuestionRow.deck_id == Deck.id)
            .where(
                Deck.slug == BUILTIN_DECK, Deck.owner_id.is_(None), QuestionRow.retired.is_(False)
            )
        )
    }
    kept = []
    for q in questions:
        same = builtin.get(normalise_question(q.question))
        if same is None or not _same_answer(q.answer, same[1]):
            kept.append(q)
            continue
        report.warnings.append(f"{q.question[:60]!r} is a copy of the built-in {same[0]}; skipped")
        report.skipped += 1
    return kept


def _status(session: Session, q: Question) -> str:
    row = session.get(QuestionRow, q.id)
    if row is None:
        return "new"
    return "unchanged" if row.content_hash == q.content_hash() and not row.retired else "updated"


def import_file(
    store: Store,
    user_id: int,
    path: Path,
    *,
    deck: str | None = None,
    fmt: str | None = None,
    dry_run: bool = False,
    now: datetime,
    settings: Settings,
) -> ImportReport:
    """Import one file into the user's deck ``deck`` (default: the file's name) in one transaction.

    Raises ``UserError`` naming the file when it cannot be read or holds no questions; nothing
    is written then. With ``dry_run`` nothing is written at all. After a real import the new
    questions are embedded, so search finds them at once.
    """
    from archprep.bank.sync import embed_changed, ensure_bank

    if deck is not None and slugify(deck.strip()) in RESERVED_DECKS:
        raise UsageError(
            f"--deck {deck!r} names one of archprep's own decks ({', '.join(RESERVED_DECKS)}); "
            "give your deck another name"
        )
    if deck is not None and not slugify(deck.strip()):
        raise UsageError(
            f"--deck {deck!r} has no letters or digits to name a deck by; give it a name with some"
        )
    data = read_checked(path, settings.max_import_bytes)
    form = detect_format(path, data, fmt)
    parsed = parse_file(data, path.name, form, settings.max_import_bytes)
    if not parsed.items and parsed.unanswered:
        found = (
            f"{parsed.unanswered} questions but none has an answer"
            if parsed.unanswered > 1
            else "a question but no answer to it"
        )
        raise UserError(
            f"{path.name}: found {found}; add the answers (see docs/import-export.md for the "
            "layouts archprep reads)"
        )
    if not parsed.items:
        raise UserError(
            f"{path.name}: found no questions in this {form} file; see docs/import-export.md for "
            "the layouts archprep reads, or force another with --format"
        )
    deck_name = (deck or path.stem).strip() or "imported"
    deck_slug = slugify(deck_name)
    notices = list(parsed.notices)
    if not deck_slug:
        deck_name = deck_slug = "imported"
        notices.append(
            "the file's name has no letters or digits to name a deck by, so it goes into the deck "
            "'imported'; pass --deck to choose one"
        )
    if deck_slug in RESERVED_DECKS:
        deck_slug = f"{deck_slug}-imported"  # a file named builtin.csv keeps its questions apart
    report = ImportReport(
        path.name, form, deck_slug, dry_run, warnings=[*parsed.warnings, *notices]
    )
    report.skipped = len(parsed.warnings)
    stored = _stored_categories(store, user_id, deck_slug)
    questions = build_questions(parsed, deck_slug, path.name, settings, report, stored)
    if dry_run:
        with store.session() as session:
            questions = _without_builtin_copies(session, questions, report)
            statuses = _plan(session, deck_slug, questions, user_id)
            session.rollback()
    else:
        ensure_bank(store, settings, now)  # the built-in bank first, or it would never load
        with store.session.begin() as session:
            questions = _without_builtin_copies(session, questions, report)
            statuses = _plan(session, deck_slug, questions, user_id)
            deck_row = get_or_create_deck(
                session, deck_slug, owner_id=user_id, now=now, name=deck_name
            )
            sync = upsert_questions(session, deck_row, questions, now)
            if sync.added or sync.updated:
                bump_bank_version(session)
    for q, status in zip(questions, statuses, strict=True):
        {"new": report.imported, "updated": report.updated, "unchanged": report.unchanged}[
            status
        ].append(q.id)
        report.items.append(ImportedItem(q.id, q.question, q.category, q.kind, status, q.answer,
                                         [k.text for k in q.key_points]))  # fmt: skip
    report.skipped += len(report.unchanged)
    if not dry_run and (report.imported or report.updated):
        embed_changed(store, settings)
    return report


def summary(reports: list[ImportReport], errors: dict[str, str]) -> dict[str, Any]:
    """The ``archprep import --json`` contract, totals first, then one entry per file."""
    return {
        "imported": sum(len(r.imported) for r in reports),
        "updated": sum(len(r.updated) for r in reports),
        "skipped": sum(r.skipped for r in reports),
        "warnings": [f"{r.file}: {w}" for r in reports for w in r.warnings],
        "errors": list(errors.values()),
        "dry_run": any(r.dry_run for r in reports),
        "files": [r.as_dict() for r in reports]
        + [{"file": f, "error": e} for f, e in errors.items()],
    }
