"""Anki export: one deck per category, key points on the back, ids stable across exports."""

from __future__ import annotations

import hashlib
import html
import itertools
import os
import re
import sqlite3
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import genanki
import nh3
from markdown_it import MarkdownIt

from archprep.bank.model import DERIVED_TAG, Question
from archprep.errors import UserError
from archprep.store import Store
from archprep.store.questions import list_questions

# Fixed forever: Anki matches note types and decks by id, so a re-exported deck updates the
# cards a user already studies instead of adding a second copy.
MODEL_ID = 1_718_204_611
DECK_ROOT = "archprep"
FIELDS = ("Question", "Answer", "KeyPoints", "Category", "Id")
CSS = """
.card { font-family: -apple-system, "Segoe UI", Roboto, sans-serif; font-size: 18px;
        text-align: left; color: #1d1d1f; background: #fff; max-width: 46em; margin: auto; }
.question { font-weight: 600; }
.meta { color: #6e6e73; font-size: 13px; margin-top: .6em; }
.keypoints { background: #f3f6fb; border-left: 4px solid #3b6fd8; padding: .3em 1em; }
pre, code { font-family: Menlo, Consolas, monospace; font-size: 14px; }
pre { background: #f5f5f7; padding: .6em; overflow-x: auto; }
"""
FRONT = '<div class="question">{{Question}}</div><div class="meta">{{Category}}</div>'
BACK = (
    "{{FrontSide}}<hr id=answer>{{Answer}}"
    '<div class="keypoints"><h4>Key points</h4>{{KeyPoints}}</div>'
    '<div class="meta">{{Id}}</div>'
)
MODEL = genanki.Model(
    MODEL_ID,
    "archprep question",
    fields=[{"name": name} for name in FIELDS],
    templates=[{"name": "Answer it", "qfmt": FRONT, "afmt": BACK}],
    css=CSS,
)
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass
class AnkiExport:
    path: Path
    notes: int
    decks: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"out": str(self.path), "notes": self.notes, "decks": self.decks}


def stable_id(name: str) -> int:
    """A deck id from its name: the same every export, inside Anki's positive 63-bit range."""
    return int(hashlib.sha256(name.encode("utf-8")).hexdigest()[:15], 16) + 1


# nh3's default allow-list without images: Anki would fetch a remote image each time the card
# is shown (a tracking pixel in imported notes), and the web UI shows none either.
ANSWER_TAGS = set(nh3.ALLOWED_TAGS) - {"img"}


def answer_html(markdown: str) -> str:
    """The answer as sanitised HTML: Markdown rendered with raw HTML escaped, then cleaned."""
    return nh3.clean(
        _markdown.render(markdown), tags=ANSWER_TAGS, url_schemes={"http", "https", "mailto"}
    )


def _tag(text: str) -> str:
    return re.sub(r"\s+", "_", text.strip())


def note_for(q: Question) -> genanki.Note:
    points = "".join(f"<li>{html.escape(k.text)}</li>" for k in q.key_points)
    tags = [DECK_ROOT, q.category, q.level, q.kind, *q.tags]
    if q.key_points_derived:
        tags.append(DERIVED_TAG)  # so importing the deck back keeps them graded as picked
    return genanki.Note(
        model=MODEL,
        fields=[
            html.escape(q.question),
            answer_html(q.answer),
            f"<ul>{points}</ul>" if points else "",
            html.escape(q.category),
            html.escape(q.id),
        ],
        tags=sorted({_tag(t) for t in tags if t.strip()}),
        guid=genanki.guid_for(q.id),
    )


def export_anki(
    store: Store,
    user_id: int | None,
    out: Path,
    *,
    deck: str | None = None,
    category: str | None = None,
) -> AnkiExport:
    """Write the questions the user can see (optionally one deck or category) as an .apkg."""
    with store.session() as session:
        questions = list_questions(session, user_id, deck=deck, category=category)
    if not questions:
        raise UserError("no questions match; check --deck and --category with `archprep list`")
    decks: dict[str, genanki.Deck] = {}
    counts: dict[str, int] = {}
    for q in questions:
        name = f"{DECK_ROOT}::{q.category}"
        if name not in decks:
            decks[name] = genanki.Deck(stable_id(name), name)
        decks[name].add_note(note_for(q))
        counts[name] = counts.get(name, 0) + 1
    try:
        write_package(genanki.Package(list(decks.values())), out)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror or exc}") from None
    return AnkiExport(out, len(questions), dict(sorted(counts.items())))


def write_package(package: genanki.Package, out: Path) -> None:
    """Write `package` as an .apkg at `out`, whole or not at all.

    The same archive as genanki's `Package.write_to_file` (the collection and an empty media
    map), but that method leaves its temporary collection behind in the system temp folder on
    every call, which a long-running server would pile up, and writes `out` in place. Here the
    collection lives in a folder that is removed, and the archive is renamed into place.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with tempfile.TemporaryDirectory(prefix="archprep-apkg-") as folder:
        collection = Path(folder) / "collection.anki2"
        stamp = time.time()
        conn = sqlite3.connect(collection)
        try:
            package.write_to_db(conn.cursor(), stamp, itertools.count(int(stamp * 1000)))
            conn.commit()
        finally:
            conn.close()
        try:
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(collection, "collection.anki2")
                archive.writestr("media", "{}")
            os.replace(partial, out)
        finally:
            partial.unlink(missing_ok=True)
