"""The import/export/restore commands: JSON contract, per-file results, one-line errors, no partial writes."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.helpers import make_question
from tests.importers.builders import make_apkg, make_pdf
from typer.testing import CliRunner

from archprep.cli import app
from archprep.store import open_store
from archprep.store.questions import sync_builtin
from archprep.store.schema import QuestionRow

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
NOW = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
runner = CliRunner()


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARCHPREP_EMBEDDING_MODEL", "none")


def seeded(url: str) -> str:
    store = open_store(url)
    with store.session.begin() as s:
        sync_builtin(s, [make_question("rag/q1"), make_question("mlops/q2")], NOW)
    store.close()
    return url


def question_count(url: str) -> int:
    store = open_store(url)
    try:
        with store.session() as s:
            return int(s.scalar(select(func.count()).select_from(QuestionRow)) or 0)
    finally:
        store.close()


def test_import_json_summary_contract(sqlite_url: str) -> None:
    url = seeded(sqlite_url)
    result = runner.invoke(app, ["--db", url, "import", str(FIXTURES / "numbered-dot.txt"),
                                 str(FIXTURES / "deck.jsonl"), "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["imported"], summary["updated"], summary["skipped"]) == (8, 0, 0)
    assert summary["warnings"] == [] and summary["errors"] == []
    files = {f["file"]: f for f in summary["files"]}
    assert (
        files["numbered-dot.txt"]["format"] == "text" and files["numbered-dot.txt"]["imported"] == 5
    )
    assert (
        files["deck.jsonl"]["deck"] == "deck"
        and files["deck.jsonl"]["items"][0]["question"] == "What is LoRA?"
    )
    again = json.loads(
        runner.invoke(app, ["--db", url, "import", str(FIXTURES / "deck.jsonl"), "--json"]).stdout
    )
    assert (again["imported"], again["skipped"]) == (0, 3)
    listed = json.loads(
        runner.invoke(app, ["--db", url, "list", "--deck", "deck", "--json"]).stdout
    )
    assert len(listed) == 3 and all(q["key_points"] for q in listed)


def test_dry_run_shows_items_and_writes_nothing(sqlite_url: str) -> None:
    url = seeded(sqlite_url)
    result = runner.invoke(app, ["--db", url, "import", str(FIXTURES / "headings.md"), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would import 4 new" in result.stdout and "What is hybrid search?" in result.stdout
    assert question_count(url) == 2


def test_deck_and_forced_format(sqlite_url: str, tmp_path: Path) -> None:
    url = seeded(sqlite_url)
    notes = tmp_path / "notes.txt"
    notes.write_text(
        "## What is RRF?\n\nFusing ranked lists by reciprocal rank.\n\n## What is BM25?\n\nA term-weighting ranking function.\n"
    )
    result = runner.invoke(
        app, ["--db", url, "import", str(notes), "--deck", "My Deck", "--format", "md", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["files"][0]["format"] == "markdown" and summary["files"][0]["deck"] == "my-deck"
    mixed = runner.invoke(app, ["--db", url, "import", str(notes), "--deck", "Builtin"])
    assert (
        mixed.exit_code == 2
        and "--deck 'Builtin' names one of archprep's own decks" in mixed.stderr
    )
    bad = runner.invoke(app, ["--db", url, "import", str(notes), "--format", "docx"])
    assert bad.exit_code == 2
    assert bad.stderr.strip().splitlines() == [
        "error: --format must be one of text, markdown, html, pdf, csv, tsv, jsonl, anki (got 'docx')"
    ]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("big.txt", b"Q: What is X?\nA: " + b"y" * 3000, "big.txt: 3,017 bytes is over the 2,048-byte import limit"),
        ("junk.bin", bytes(range(256)) * 8, "junk.bin: this looks like a binary file"),
        ("broken.pdf", b"%PDF-1.7\n%%EOF garbage", "broken.pdf: the PDF is damaged"),
        ("empty.md", b"", "empty.md: the file is empty; nothing to import"),
        ("cols.csv", b"Prompt;Notes\nq;a\n", "cols.csv: missing column(s) answer"),
        ("latin.txt", "Q: caf\xe9".encode("latin-1") + "naïve".encode() + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 5,
         "latin.txt: cannot tell which text encoding this file uses; save it as UTF-8"),
        ("bad.apkg", b"PK\x03\x04broken", "bad.apkg: not a valid .apkg"),
    ],
)  # fmt: skip
def test_unreadable_files_exit_1_with_one_line_and_write_nothing(
    sqlite_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    content: bytes,
    message: str,
) -> None:
    url = seeded(sqlite_url)
    monkeypatch.setenv("ARCHPREP_MAX_IMPORT_BYTES", "2048")
    path = tmp_path / name
    path.write_bytes(content)
    result = runner.invoke(app, ["--db", url, "import", str(path)])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {message}"), result.stderr
    assert "Traceback" not in result.output
    assert question_count(url) == 2


def test_each_file_is_its_own_transaction(sqlite_url: str, tmp_path: Path) -> None:
    url = seeded(sqlite_url)
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing")
    result = runner.invoke(app, ["--db", url, "import", str(FIXTURES / "table.md"), str(broken),
                                 str(FIXTURES / "missing-columns.csv"), "--json"])  # fmt: skip
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["imported"] == 3 and len(summary["errors"]) == 2
    assert [f.get("error", "")[:20] for f in summary["files"]][1:] == [
        "broken.pdf: the PDF ",
        "missing-columns.csv:",
    ]
    assert len(result.stderr.strip().splitlines()) == 2
    assert question_count(url) == 5


def test_pdf_and_apkg_import(sqlite_url: str, tmp_path: Path) -> None:
    url = seeded(sqlite_url)
    pdf = tmp_path / "notes.pdf"
    pdf.write_bytes(make_pdf(["Q: What is a feature store?\nA: A system that serves consistent features.\n"
                              "Q: What is drift?\nA: A change in the data a model sees."]))  # fmt: skip
    apkg = tmp_path / "cards.apkg"
    make_apkg(apkg, [("What is RRF?", "Reciprocal rank fusion.", ["rag"])])
    result = runner.invoke(app, ["--db", url, "import", str(pdf), str(apkg), "--json"])
    assert result.exit_code == 0, result.output
    files = {f["file"]: f for f in json.loads(result.stdout)["files"]}
    assert (files["notes.pdf"]["format"], files["notes.pdf"]["imported"]) == ("pdf", 2)
    assert (files["cards.apkg"]["format"], files["cards.apkg"]["imported"]) == ("anki", 1)


def test_html_import_is_stored_as_plain_text(sqlite_url: str) -> None:
    url = seeded(sqlite_url)
    assert runner.invoke(app, ["--db", url, "import", str(FIXTURES / "page.html")]).exit_code == 0
    listed = json.loads(
        runner.invoke(app, ["--db", url, "list", "--deck", "page", "--json"]).stdout
    )
    assert len(listed) == 6
    blob = json.dumps(listed)
    for payload in ("<script", "javascript:", "onclick", "onerror", "alert(", "<img", "<a "):
        assert payload not in blob


def test_exports_and_restore(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = seeded(sqlite_url)
    runner.invoke(app, ["--db", url, "import", str(FIXTURES / "q-prefixed.txt")])
    anki = runner.invoke(
        app, ["--db", url, "export", "anki", "--out", str(tmp_path / "d.apkg"), "--json"]
    )
    assert anki.exit_code == 0, anki.output
    assert json.loads(anki.stdout)["notes"] == 6
    wrong = runner.invoke(app, ["--db", url, "export", "anki", "--out", str(tmp_path / "d.txt")])
    assert wrong.exit_code == 2 and "Anki imports .apkg files" in wrong.stderr
    assert not (tmp_path / "d.txt").exists()
    # Importing that export back skips what the built-in bank already asks.
    again = runner.invoke(
        app, ["--db", url, "import", str(tmp_path / "d.apkg"), "--dry-run", "--json"]
    )
    copies = [w for w in json.loads(again.stdout)["warnings"] if "a copy of the built-in" in w]
    assert len(copies) == 2 and "a copy of the built-in rag/q1; skipped" in " ".join(copies)
    guide = runner.invoke(
        app, ["--db", url, "export", "guide", "--out", str(tmp_path / "g.md"), "--pdf"]
    )
    assert guide.exit_code == 0, guide.output
    assert (tmp_path / "g.md").read_text().startswith("# Interview prep guide")
    assert (tmp_path / "g.pdf").read_bytes().startswith(b"%PDF-")
    backup = runner.invoke(
        app, ["--db", url, "export", "backup", "--out", str(tmp_path / "b.json"), "--json"]
    )
    assert backup.exit_code == 0, backup.output
    assert json.loads(backup.stdout)["tables"]["questions"] == 6
    fresh = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("ARCHPREP_EMBEDDING_MODEL", "auto")  # restore makes the search vectors
    restored = runner.invoke(app, ["--db", fresh, "restore", str(tmp_path / "b.json"), "--json"])
    monkeypatch.setenv("ARCHPREP_EMBEDDING_MODEL", "none")
    assert restored.exit_code == 0, restored.output
    assert json.loads(restored.stdout)["tables"]["questions"] == 6
    with sqlite3.connect(tmp_path / "fresh.db") as con:  # search vectors made by restore
        assert con.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 6
    again = runner.invoke(
        app, ["--db", fresh, "export", "backup", "--out", str(tmp_path / "c.json")]
    )
    assert again.exit_code == 0
    first, second = (json.loads((tmp_path / n).read_text()) for n in ("b.json", "c.json"))
    first.pop("created_at"), second.pop("created_at")
    assert first == second
    refused = runner.invoke(app, ["--db", url, "restore", str(tmp_path / "b.json")])
    assert refused.exit_code == 1
    assert refused.stderr.strip().splitlines()[0].startswith("error: the database is not empty")
    assert len(refused.stderr.strip().splitlines()) == 1
    never = tmp_path / "never.db"  # a missing backup leaves no new, empty database behind
    missing = runner.invoke(app, ["--db", str(never), "restore", str(tmp_path / "nope.json")])
    assert missing.exit_code == 1 and "no such file" in missing.stderr and not never.exists()


def test_picked_key_points_stay_picked_through_an_anki_round_trip(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Key points picked from an imported answer are graded as picked ones; exporting the deck
    to Anki and importing it back must not turn them into written ones."""
    from archprep.store import open_store
    from archprep.store.questions import list_questions

    url = seeded(sqlite_url)
    runner.invoke(app, ["--db", url, "import", str(FIXTURES / "q-prefixed.txt"), "--deck", "n"])
    apkg = tmp_path / "n.apkg"
    assert (
        runner.invoke(
            app, ["--db", url, "export", "anki", "--out", str(apkg), "--deck", "n"]
        ).exit_code
        == 0
    )
    back = runner.invoke(app, ["--db", url, "import", str(apkg), "--deck", "back"])
    assert back.exit_code == 0, back.output
    store = open_store(url)
    try:
        with store.session() as s:
            before = list_questions(s, 1, deck="n")
            after = list_questions(s, 1, deck="back")
    finally:
        store.close()
    assert before and all(q.key_points_derived for q in before)
    assert len(after) == len(before) and all(q.key_points_derived for q in after)
    assert not any("derived" in t for q in after for t in q.tags)
