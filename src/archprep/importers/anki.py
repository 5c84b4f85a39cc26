"""Anki packages (.apkg): notes read from the collection's SQLite file, fields turned into text."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from archprep.errors import UserError
from archprep.importers.document import Parsed, RawItem
from archprep.importers.html import html_to_text

QUESTION_FIELDS = ("question", "front", "text", "prompt", "q")
ANSWER_FIELDS = ("answer", "back", "back extra", "extra", "response", "a")
CLOZE = re.compile(r"\{\{c\d+::(.*?)(?:::(.*?))?\}\}", re.DOTALL)
# Anki's own media references: the sound files are not imported, so the tags would show as text.
SOUND = re.compile(r"\[sound:[^\]]*\]")


def _collection(zf: zipfile.ZipFile, name: str, max_bytes: int) -> zipfile.ZipInfo:
    names = set(zf.namelist())
    for candidate in ("collection.anki21", "collection.anki2"):
        if candidate in names:
            info = zf.getinfo(candidate)
            if info.file_size > max_bytes:
                raise UserError(
                    f"{name}: the collection inside is {info.file_size:,} bytes unpacked, over the "
                    f"{max_bytes:,}-byte limit (ARCHPREP_MAX_IMPORT_BYTES)"
                )
            return info
    if "collection.anki21b" in names:
        raise UserError(
            f"{name}: this package uses Anki's newer compressed format; in Anki choose "
            "File > Export, tick 'Support older Anki versions', and import that file"
        )
    raise UserError(
        f"{name}: not an Anki package (no collection.anki2 inside); export the deck from Anki as .apkg"
    )


def _decks(db: sqlite3.Connection) -> dict[int, str]:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "decks" in tables:
        return {int(i): str(n) for i, n in db.execute("SELECT id, name FROM decks")}
    raw = db.execute("SELECT decks FROM col").fetchone()[0]
    return {int(i): str(d.get("name", "")) for i, d in json.loads(raw or "{}").items()}


def _models(db: sqlite3.Connection) -> dict[int, list[str]]:
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if "fields" in tables:
        out: dict[int, list[str]] = {}
        for ntid, _ord, fname in db.execute(
            "SELECT ntid, ord, name FROM fields ORDER BY ntid, ord"
        ):
            out.setdefault(int(ntid), []).append(str(fname))
        return out
    raw = db.execute("SELECT models FROM col").fetchone()[0]
    models: dict[str, Any] = json.loads(raw or "{}")
    return {
        int(mid): [str(f["name"]) for f in sorted(m.get("flds", []), key=lambda f: f.get("ord", 0))]
        for mid, m in models.items()
    }


def _pick(names: list[str], values: list[str], wanted: tuple[str, ...], default: int) -> str:
    lowered = [n.strip().lower() for n in names]
    for w in wanted:
        if w in lowered and lowered.index(w) < len(values):
            return values[lowered.index(w)]
    return values[default] if default < len(values) else ""


def _note(names: list[str], fields: list[str], deck: str, tags: str, nid: int) -> RawItem:
    question = _pick(names, fields, QUESTION_FIELDS, 0)
    answer = _pick(names, fields, ANSWER_FIELDS, 1)
    if CLOZE.search(question):
        hidden = [m.group(1) for m in CLOZE.finditer(question)]
        answer = "\n\n".join(
            filter(None, ["; ".join(html_to_text(h) for h in hidden), html_to_text(answer)])
        )
        question = CLOZE.sub(lambda m: "[…]" if not m.group(2) else f"[{m.group(2)}]", question)
    else:
        answer = html_to_text(answer)
    lowered = [n.strip().lower() for n in names]

    def extra(field: str) -> list[str]:
        if field not in lowered:
            return []
        text = (
            html_to_text(fields[lowered.index(field)]) if lowered.index(field) < len(fields) else ""
        )
        return [re.sub(r"^[-•*]\s*", "", ln).strip() for ln in text.splitlines() if ln.strip()]

    leaf = deck.split("::")[-1].strip()
    category = extra("category")
    return RawItem(
        question=re.sub(r"\s+", " ", html_to_text(question)).strip(),
        answer=answer.strip(),
        line=None,
        category=category[0]
        if category
        else (leaf if leaf and leaf.lower() != "default" else None),
        tags=[t.lower() for t in tags.split() if t.strip()],
        key_points=extra("key points") or extra("keypoints") or extra("key_points"),
    )


def parse_apkg(data: bytes, name: str, max_bytes: int) -> Parsed:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise UserError(
            f"{name}: not a valid .apkg (the zip archive is damaged); export the deck from Anki again"
        ) from None
    items: list[RawItem] = []
    warnings: list[str] = []
    unanswered = 0
    with zf, tempfile.TemporaryDirectory(prefix="archprep-apkg-") as tmp:
        info = _collection(zf, name, max_bytes)
        path = Path(tmp) / "collection.sqlite"
        try:
            path.write_bytes(zf.read(info))
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise UserError(
                f"{name}: the package cannot be unpacked ({exc}); export it from Anki again"
            ) from None
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                decks, models = _decks(db), _models(db)
                card_deck = {
                    int(n): int(d)
                    for n, d in db.execute("SELECT nid, MIN(did) FROM cards GROUP BY nid")
                }
                notes = db.execute("SELECT id, mid, tags, flds FROM notes ORDER BY id").fetchall()
            finally:
                db.close()
        except (sqlite3.Error, json.JSONDecodeError, TypeError, KeyError) as exc:
            raise UserError(
                f"{name}: not a valid Anki collection ({exc}); export the deck from Anki again"
            ) from None
    for nid, mid, tags, flds in notes:
        fields = [SOUND.sub(" ", f) for f in str(flds).split("\x1f")]
        item = _note(
            models.get(int(mid), []),
            fields,
            decks.get(card_deck.get(int(nid), 0), ""),
            str(tags),
            int(nid),
        )
        if not item.question or not item.answer:
            warnings.append(
                f"note {nid}: empty {'question' if not item.question else 'answer'}; skipped"
            )
            unanswered += bool(item.question)
            continue
        items.append(item)
    return Parsed(items, warnings, unanswered=unanswered)
