"""The .apkg opens as an Anki collection: decks per category, fields, tags, stable ids."""

from __future__ import annotations

import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest

from archprep.errors import UserError
from archprep.exporters.anki import FIELDS, MODEL_ID, export_anki, stable_id
from archprep.importers.anki import parse_apkg
from archprep.store import Store


def open_collection(apkg: Path, tmp_path: Path) -> sqlite3.Connection:
    with zipfile.ZipFile(apkg) as zf:
        assert "collection.anki2" in zf.namelist()
        zf.extract("collection.anki2", tmp_path)
    return sqlite3.connect(tmp_path / "collection.anki2")


def test_apkg_is_a_valid_collection(progress_store: tuple[Store, int], tmp_path: Path) -> None:
    store, user = progress_store
    out = tmp_path / "out" / "prep.apkg"
    result = export_anki(store, user, out)
    assert result.notes == 8 and result.decks["archprep::rag"] == 2
    db = open_collection(out, tmp_path)
    try:
        assert db.execute("SELECT count(*) FROM notes").fetchone()[0] == 8
        assert db.execute("SELECT count(*) FROM cards").fetchone()[0] == 8
        decks = json.loads(db.execute("SELECT decks FROM col").fetchone()[0])
        names = {d["name"] for d in decks.values()}
        assert {
            "archprep::rag",
            "archprep::mlops",
            "archprep::behavioral",
            "archprep::system-design",
        } <= names
        models = json.loads(db.execute("SELECT models FROM col").fetchone()[0])
        assert [f["name"] for f in models[str(MODEL_ID)]["flds"]] == list(FIELDS)
        rows = db.execute("SELECT flds, tags, guid FROM notes").fetchall()
        by_id = {
            flds.split("\x1f")[4]: (flds.split("\x1f"), tags, guid) for flds, tags, guid in rows
        }
        fields, tags, _ = by_id["rag/hybrid"]
        question, answer, points, category, _ = fields
        assert question == "What is hybrid search?" and category == "rag"
        assert "<strong>and</strong>" in answer and "<li>BM25</li>" in answer
        assert "<script" not in answer  # raw HTML in an answer is escaped, never rendered
        assert points == "<ul><li>first point</li><li>second point</li><li>third</li></ul>"
        assert set(tags.split()) >= {
            "archprep",
            "rag",
            "intermediate",
            "concept",
            "retrieval",
            "bm25",
        }
        card_decks = {did for (did,) in db.execute("SELECT did FROM cards")}
        assert stable_id("archprep::rag") in card_decks
    finally:
        db.close()


def test_ids_are_stable_across_exports(progress_store: tuple[Store, int], tmp_path: Path) -> None:
    store, user = progress_store
    guids = []
    for name in ("a", "b"):
        export_anki(store, user, tmp_path / f"{name}.apkg")
        db = open_collection(tmp_path / f"{name}.apkg", tmp_path / name)
        guids.append(sorted(db.execute("SELECT guid, mid FROM notes").fetchall()))
        db.close()
    assert guids[0] == guids[1]


def test_exported_deck_imports_back(progress_store: tuple[Store, int], tmp_path: Path) -> None:
    store, user = progress_store
    out = tmp_path / "round.apkg"
    export_anki(store, user, out, category="rag")
    parsed = parse_apkg(out.read_bytes(), out.name, 10_000_000)
    by_q = {i.question: i for i in parsed.items}
    assert set(by_q) == {"What is hybrid search?", "Why rerank with a cross-encoder?"}
    hybrid = by_q["What is hybrid search?"]
    assert hybrid.category == "rag" and hybrid.key_points == [
        "first point",
        "second point",
        "third",
    ]
    assert hybrid.answer.startswith("Keyword and vector search, fused.")
    assert "<script>alert(1)</script>" in hybrid.answer  # shown as text, as it was written


def test_filters_that_match_nothing(progress_store: tuple[Store, int], tmp_path: Path) -> None:
    store, user = progress_store
    with pytest.raises(UserError, match="no questions match"):
        export_anki(store, user, tmp_path / "x.apkg", category="nope")


def test_export_leaves_no_temporary_files(
    progress_store: tuple[Store, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    store, user = progress_store
    out = tmp_path / "out" / "deck.apkg"
    export_anki(store, user, out)
    assert list(scratch.iterdir()) == []  # genanki's own writer leaves its collection here
    assert [p.name for p in out.parent.iterdir()] == ["deck.apkg"]


def test_a_failed_write_keeps_the_previous_file(
    progress_store: tuple[Store, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, user = progress_store
    out = tmp_path / "out" / "deck.apkg"
    out.parent.mkdir()
    out.write_bytes(b"the previous export")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    with pytest.raises(UserError, match="cannot write .*No space left"):
        export_anki(store, user, out)
    assert out.read_bytes() == b"the previous export"
    assert [p.name for p in out.parent.iterdir()] == ["deck.apkg"]  # no partial file


def test_answers_carry_no_remote_images_or_raw_html() -> None:
    """An imported note's image would be fetched by Anki each time the card shows (a tracking
    pixel); raw HTML is text, as on the web."""
    from archprep.exporters.anki import answer_html

    out = answer_html(
        "See ![t](https://evil.example/p.png) <img src=x onerror=y> [doc](https://a.b)"
    )
    assert "<img" not in out and "evil.example" not in out
    assert "&lt;img src=x onerror=y&gt;" in out and '<a href="https://a.b"' in out
