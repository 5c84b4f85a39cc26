"""Loading the built-in bank (and configured content folders) into the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from archprep.bank.loader import ContentError, builtin_content_dir, load_questions
from archprep.bank.model import Question
from archprep.errors import UserError
from archprep.settings import Settings
from archprep.store import Store
from archprep.store.questions import SyncReport, bank_version, sync_builtin


def content_roots(settings: Settings) -> list[Path]:
    return [builtin_content_dir(), *settings.content_dirs]


def sync_bank(
    store: Store,
    settings: Settings,
    now: datetime,
    questions: list[Question] | None = None,
    progress: Callable[[int, int], None] | None = None,
    *,
    embed: bool = True,
) -> SyncReport:
    """Upsert validated questions (default: load every content file) in one transaction."""
    if questions is None:
        questions = load_questions(content_roots(settings))
    with store.session.begin() as session:
        report = sync_builtin(session, questions, now)
    if embed:
        embed_changed(store, settings, progress)
    return report


def embed_changed(
    store: Store, settings: Settings, progress: Callable[[int, int], None] | None = None
) -> int:
    """Embed questions whose text has no cached vector yet (none, when nothing changed)."""
    from archprep.embeddings import ModelUnavailable, load_embedder
    from archprep.search.index import refresh_embeddings

    try:
        embedder = load_embedder(
            settings.embedding_model, str(settings.model_dir) if settings.model_dir else None
        )
    except ModelUnavailable:
        return 0  # search says so when it runs; the bank itself is usable without vectors
    return refresh_embeddings(store, embedder, progress=progress)


def ensure_bank(store: Store, settings: Settings, now: datetime) -> None:
    """A fresh database gets the built-in bank on first use, so no command starts empty.

    Vectors are not computed here: most commands never use them, and search embeds whatever
    is missing when it first builds its index.
    """
    with store.session() as session:
        if bank_version(session) > 0:
            return
    try:
        sync_bank(store, settings, now, embed=False)
    except ContentError as exc:
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        raise UserError(
            f"the question bank has errors: {exc.problems[0]}{more}; run `archprep bank check`"
        ) from None
