"""`archprep history ID`: attempts over time, `--diff A B`, recurring misses, JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.helpers import make_question
from typer.testing import CliRunner

from archprep.cli import app
from archprep.store import open_store
from archprep.store.cards import local_user_id
from archprep.store.questions import sync_builtin
from archprep.store.schema import AttemptRow

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()


def seeded(url: str) -> str:
    store = open_store(url)
    answers = [
        ("Caching helps.", 20.0, ("missed", "missed", "partial")),
        ("Cache prompts and answers.", 50.0, ("covered", "missed", "missed")),
        ("Cache prompts and answers; invalidate on model change.", 80.0,
         ("covered", "partial", "covered")),
    ]  # fmt: skip
    with store.session.begin() as s:
        q = make_question("llm-platform/caching")
        sync_builtin(s, [q], NOW)
        user = local_user_id(s, NOW)
        for i, (text, score, statuses) in enumerate(answers):
            s.add(
                AttemptRow(
                    user_id=user, question_id=q.id, answer=text, score=score, mode="practice",
                    grade={"key_points": [{"text": k.text, "status": st}
                                          for k, st in zip(q.key_points, statuses, strict=True)]},
                    created_at=NOW + timedelta(days=i),
                )
            )  # fmt: skip
    store.close()
    return url


def test_history_json_with_diff(sqlite_url: str) -> None:
    url = seeded(sqlite_url)
    args = ["--db", url, "history", "llm-platform/caching", "--diff", "1", "3", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [a["score"] for a in data["attempts"]] == [20.0, 50.0, 80.0]
    assert data["score_change"] == 60.0
    assert data["recurring_misses"][0] == {
        "text": "second point",
        "missed": 2,
        "partial": 1,
        "still_missing": True,
    }
    diff = data["diff"]
    assert (diff["old"], diff["new"]) == (1, 3)
    assert {"op": "delete", "text": "Caching helps."} in diff["parts"]
    assert "".join(p["text"] for p in diff["parts"] if p["op"] != "delete").endswith(
        "invalidate on model change."
    )


def test_history_text_and_errors(sqlite_url: str) -> None:
    url = seeded(sqlite_url)
    text = runner.invoke(app, ["--db", url, "history", "llm-platform/caching", "--diff", "2", "0"])
    assert text.exit_code == 0, text.output
    assert "Attempts at llm-platform/caching" in text.stdout
    assert "Recurring misses" in text.stdout and "still missing" in text.stdout
    assert "Attempt 2 → 3" in text.stdout
    # Piped output has no colour, so the changes carry word-diff marks.
    assert "Cache prompts and [-answers.-]{+answers; invalidate on model change.+}" in text.stdout
    missing = runner.invoke(app, ["--db", url, "history", "rag/nope"])
    assert missing.exit_code == 1 and "no question with id 'rag/nope'" in missing.stderr
    bad = runner.invoke(app, ["--db", url, "history", "llm-platform/caching", "--diff", "1", "9"])
    assert bad.exit_code == 1 and "attempt 9 does not exist" in bad.stderr
