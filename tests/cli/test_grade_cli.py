"""``archprep grade`` (single, --id, stdin, --batch, errors) and ``archprep practice`` end to end."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from tests.helpers import make_question
from typer.testing import CliRunner

from archprep.bank.model import KeyPoint
from archprep.cli import app
from archprep.cli.grade_cmd import render
from archprep.grading.result import (
    GradeResult,
    KeyPointGrade,
    Misconception,
    Structure,
    StudyItem,
)
from archprep.store import open_store
from archprep.store.questions import sync_builtin

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
runner = CliRunner()

REFERENCE = (
    "Data drift (covariate shift) is a change in the input distribution P(X), while the "
    "relationship between inputs and labels may still hold. Concept drift is a change in "
    "P(Y|X): the same inputs now map to different outcomes. Data drift is visible immediately "
    "from the inputs; concept drift usually needs labels or proxies for them."
)
POINTS = [
    KeyPoint("Data drift is a change in the input distribution P(X)", 2),
    KeyPoint("Concept drift is a change in P(Y|X): the same inputs map to different outcomes", 2),
    KeyPoint("Data drift is visible from inputs; concept drift needs labels or proxies"),
]
ANSWER = (
    "Data drift means the distribution of the inputs P(X) changes compared with training. "
    "Concept drift is a change in P(Y|X), so the same inputs now map to different outcomes."
)
QUESTION = "What is the difference between data drift and concept drift?"


@pytest.fixture(autouse=True)
def _no_llm(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ARCHPREP_LLM_BASE_URL", "ARCHPREP_LLM_API_KEY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def db(sqlite_url: str) -> str:
    store = open_store(sqlite_url)
    with store.session.begin() as s:
        questions = [
            make_question("mlops/drift", question=QUESTION, answer=REFERENCE, key_points=POINTS),
            make_question(
                "mlops/other",
                question="Why monitor a model's input features in production?",
                answer="Monitoring input features catches pipeline bugs and drift before accuracy drops.",
                key_points=[KeyPoint("Input monitoring catches pipeline bugs and drift early")],
                level="advanced",
            ),
        ]
        sync_builtin(s, questions, NOW)
    store.close()
    return sqlite_url


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    ref, ans = tmp_path / "reference.md", tmp_path / "answer.txt"
    ref.write_text(REFERENCE)
    ans.write_text(ANSWER)
    return ref, ans


def _contract(data: dict[str, object]) -> None:
    for key in (
        "score",
        "key_points",
        "misconceptions",
        "structure",
        "study_next",
        "feedback",
        "grader",
    ):
        assert key in data, key
    assert isinstance(data["score"], float) and 0 <= data["score"] <= 100
    for kp in data["key_points"]:  # type: ignore[attr-defined]
        assert {"text", "status", "evidence", "similarity"} <= kp.keys()


def test_grade_with_a_reference_file(db: str, files: tuple[Path, Path]) -> None:
    ref, ans = files
    args = [
        "--db",
        db,
        "grade",
        "--question",
        QUESTION,
        "--reference",
        str(ref),
        "--answer",
        str(ans),
    ]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _contract(data)
    assert data["rubric_source"] == "derived" and data["score"] > 30
    human = runner.invoke(app, args)
    assert human.exit_code == 0 and "Key points" in human.stdout and "/100" in human.stdout


def test_grade_by_id_with_stdin_and_key_points(db: str) -> None:
    result = runner.invoke(
        app, ["--db", db, "grade", "--id", "mlops/drift", "--answer", "-", "--json"], input=ANSWER
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    _contract(data)
    assert data["question_id"] == "mlops/drift" and data["rubric_source"] == "authored"
    assert [kp["text"] for kp in data["key_points"]] == [p.text for p in POINTS]
    given = runner.invoke(
        app,
        ["--db", db, "grade", "--id", "mlops/drift", "--answer", "-", "--json",
         "--key-point", "Concept drift changes P(Y|X)"],
        input=ANSWER,
    )  # fmt: skip
    assert [kp["status"] for kp in json.loads(given.stdout)["key_points"]] == ["covered"]


def test_grade_batch(db: str, tmp_path: Path) -> None:
    lines = [
        json.dumps({"question": QUESTION, "reference": REFERENCE, "answer": ANSWER}),
        json.dumps(
            {"id": "mlops/drift", "answer": ANSWER, "key_points": ["Concept drift changes P(Y|X)"]}
        ),
        "{not json",
        "",
        json.dumps({"question": QUESTION, "reference": REFERENCE}),
        json.dumps({"id": "rag/nope", "answer": ANSWER}),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["--db", db, "grade", "--batch", str(batch), "--json"])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 5, 6]
    _contract(out[0])
    _contract(out[1])
    assert "not valid JSON" in out[2]["error"] and "answer" in out[3]["error"]
    assert "no question with id 'rag/nope'" in out[4]["error"]
    assert result.stderr.strip().splitlines() == [
        "error: 3 of 5 batch line(s) failed; see their error fields"
    ]


def test_an_answer_longer_than_the_grader_reads_is_refused(db: str, tmp_path: Path) -> None:
    long = tmp_path / "long.txt"
    long.write_text("Data drift changes P(X). " * 1000)  # 25,000 characters
    args = ["--db", db, "grade", "--id", "mlops/drift", "--answer", str(long)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "is 25,000 characters" in lines[0] and "up to 20,000" in lines[0]
    batch = tmp_path / "batch.jsonl"
    rows = [
        {"id": "mlops/drift", "answer": long.read_text()},
        {"id": "mlops/drift", "answer": ANSWER},
    ]
    batch.write_text("".join(json.dumps(r) + "\n" for r in rows))
    result = runner.invoke(app, ["--db", db, "grade", "--batch", str(batch), "--json"])
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.exit_code == 1 and "answer is 25,000 characters" in out[0]["error"]
    assert out[1]["score"] > 0


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (["grade", "--question", "Q?", "--reference", "ref.md"], "--answer FILE is required", 2),
        (["grade", "--question", "Q?", "--answer", "ans.txt"], "give --reference FILE or --id", 2),
        (
            ["grade", "--id", "mlops/drift", "--reference", "ref.md", "--answer", "ans.txt"],
            "not both",
            2,
        ),
        (["grade", "--id", "rag/nope", "--answer", "ans.txt"], "no question with id 'rag/nope'", 1),
        (
            ["grade", "--question", "Q?", "--reference", "ref.md", "--answer", "missing.txt"],
            "does not exist",
            1,
        ),
        (["grade", "--batch", "b.jsonl", "--id", "mlops/drift"], "--batch takes", 2),
        (["practice", "--level", "expert"], "--level must be one of", 2),
    ],
)
def test_user_errors_are_one_line(
    db: str,
    files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    message: str,
    code: int,
) -> None:
    """Exit 2 when the command line is wrong (usage), 1 when what it names is (a file, an id)."""
    monkeypatch.chdir(files[0].parent)
    files[0].rename(files[0].parent / "ref.md")
    files[1].rename(files[1].parent / "ans.txt")
    result = runner.invoke(app, ["--db", db, *args])
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_a_blank_answer_is_a_user_error_not_a_zero(db: str, tmp_path: Path) -> None:
    blank = tmp_path / "blank.txt"
    blank.write_text("  \n\n")
    result = runner.invoke(
        app, ["--db", db, "grade", "--id", "mlops/drift", "--answer", str(blank)]
    )
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.strip() == (
        f"error: answer file {blank} holds no answer; write the answer there and run again"
    )
    piped = runner.invoke(
        app, ["--db", db, "grade", "--id", "mlops/drift", "--answer", "-"], input=""
    )
    assert piped.exit_code == 1 and "stdin holds no answer" in piped.stderr


def _rows(url: str, sql: str) -> list[tuple[object, ...]]:
    store = open_store(url)
    with store.engine.connect() as conn:
        rows = [tuple(r) for r in conn.exec_driver_sql(sql)]
    store.close()
    return rows


def test_practice_stores_an_attempt_and_the_suggested_review(db: str) -> None:
    result = runner.invoke(
        app, ["--db", db, "practice", "--id", "mlops/drift"], input=ANSWER + "\nmore detail\n.\n\n"
    )
    assert result.exit_code == 0, result.output
    assert "mlops/drift" in result.stdout and "Key points" in result.stdout
    [(qid, mode, score, grade, duration)] = _rows(
        db, "SELECT question_id, mode, score, grade, duration_s FROM attempts"
    )
    assert qid == "mlops/drift" and mode == "practice" and duration is not None
    stored = json.loads(str(grade))
    assert stored["score"] == score and "more detail" not in str(stored["feedback"])
    from archprep.scheduling import suggested_grade

    [(rating,)] = _rows(db, "SELECT rating FROM review_logs")
    assert rating == int(suggested_grade(float(score)))  # type: ignore[arg-type]


def test_end_of_input_at_the_rating_keeps_the_answer_unrated(db: str) -> None:
    result = runner.invoke(
        app, ["--db", db, "practice", "--id", "mlops/drift"], input=ANSWER + "\n.\n"
    )
    assert result.exit_code == 0, result.output
    assert "Your answer is saved; the card was not rated." in result.stdout
    assert len(_rows(db, "SELECT id FROM attempts")) == 1
    assert _rows(db, "SELECT id FROM review_logs") == []


def test_practice_picks_a_question_and_accepts_an_override(db: str) -> None:
    result = runner.invoke(
        app,
        ["--db", db, "practice", "--level", "advanced"],
        input="Input monitoring catches bugs.\n.\n4\n",
    )
    assert result.exit_code == 0, result.output
    assert "mlops/other" in result.stdout and "not attempted yet" in result.stdout
    assert _rows(db, "SELECT question_id, rating FROM review_logs") == [("mlops/other", 4)]


def test_practice_with_no_answer_stores_nothing(db: str) -> None:
    result = runner.invoke(app, ["--db", db, "practice"], input=".\n")
    assert result.exit_code == 0 and "nothing was graded" in result.stdout
    assert _rows(db, "SELECT count(*) FROM attempts") == [(0,)]


def test_the_panel_quotes_the_sentence_behind_a_red_flag(sqlite_url: str, tmp_path: Path) -> None:
    store = open_store(sqlite_url)
    with store.session.begin() as s:
        story = make_question(
            "behavioral/wrong-call",
            question="Tell me about a time you were wrong.",
            kind="behavioral",
            key_points=[KeyPoint("Owns a real mistake"), KeyPoint("Says what changed after it")],
        )
        sync_builtin(s, [story], NOW)
    store.close()
    answer = tmp_path / "answer.txt"
    answer.write_text("Honestly, I can't think of a time I was wrong. I research carefully.")
    args = ["--db", sqlite_url, "grade", "--id", "behavioral/wrong-call", "--answer", str(answer)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "red flags: no failure ·" in result.stdout
    assert "I can't think of a time I was wrong." in result.stdout


def test_the_panel_clips_quotes_at_words_and_indents_wrapped_lines() -> None:
    evidence = "Replicas behind the load balancer share one prefix cache " * 6
    study = "Route requests that share a prompt prefix to the replica already holding it " * 5
    result = GradeResult(
        score=40.0,
        key_points=[
            KeyPointGrade("Prefix reuse needs cache-aware routing", "partial", evidence, 0.5)
        ],
        misconceptions=[
            Misconception("negation", evidence, "x", "Says the opposite of the model answer.")
        ],
        structure=Structure(kind="concept"),
        study_next=[StudyItem("Prefix reuse needs cache-aware routing", "partial", [study])],
        feedback="Score 40/100.",
    )
    console = Console(width=70, record=True, color_system=None)
    console.print(render(result))
    raw = console.export_text().splitlines()
    lines = [ln.strip("│ ").rstrip() for ln in raw]
    quoted = next(ln for ln in lines if ln.endswith("…”"))
    assert quoted.split()[-1] == "…”" and quoted.split()[-2].isalpha()
    # A wrapped study line starts under its text, not under the bullet.
    start = next(i for i, ln in enumerate(raw) if "• Prefix reuse" in ln)
    bullet_col = raw[start].index("•")
    for ln in raw[start + 1 : start + 5]:
        text = ln.strip("│").rstrip()
        assert len(text) - len(text.lstrip()) > bullet_col - 1


def test_a_failing_editor_is_one_line_not_a_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from archprep.cli.grade_cmd import read_answer
    from archprep.errors import UserError

    monkeypatch.setenv("EDITOR", "false")  # exits 1 at once, as a missing or broken editor does
    monkeypatch.delenv("VISUAL", raising=False)
    with pytest.raises(UserError, match=r"Editing failed; set \$EDITOR \(e\.g\. EDITOR=nano\)"):
        read_answer(editor=True)
