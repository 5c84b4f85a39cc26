"""``archprep mock`` end to end in the terminal: CliRunner with typed input, a subprocess over
piped stdin, and a kill -9 in the middle followed by ``--resume``. Report numbers are checked
against scores recomputed from the stored answers and attempts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.interview.mock_bank import QUICK_PLAN, db_view, recompute, seed_bank
from typer.testing import CliRunner

from archprep.cli import app
from archprep.store import open_store
from archprep.store.schema import CardState, MockAnswerRow, MockSessionRow

runner = CliRunner()
ENV = {"COLUMNS": "200"}

LOOP_PLAN: dict[str, Any] = {
    "title": "CLI loop",
    "rounds": [
        {"name": "Concepts", "minutes": 10, "seconds_per_question": 240, "follow_ups": 1,
         "questions": [{"count": 2, "categories": ["rag"], "kinds": ["concept"]}]},
        {"name": "Design", "minutes": 30, "seconds_per_question": 1500, "follow_ups": 2,
         "interviewer": "principal architect",
         "questions": [{"count": 1, "kinds": ["design"]}]},
        {"name": "HM", "minutes": 10, "seconds_per_question": 300, "follow_ups": 1,
         "interviewer": "hiring manager", "questions": [{"count": 1, "kinds": ["behavioral"]}]},
    ],
}  # fmt: skip

RAG_ANSWER = (
    "Split documents into chunks of a few hundred tokens with some overlap, keep headings as "
    "metadata, and evaluate retrieval recall on a golden set before tuning chunk size."
)
DESIGN_STEPS = [
    "Clarify: who runs experiments, the randomisation unit and the decision metric.",
    "High level: an assignment service hashing user ids, exposure logging, a metrics pipeline.",
    "Deep dive: CUPED variance reduction and sequential testing so peeking is safe.",
    "Failure modes: sample ratio mismatch checks, bot traffic, novelty effects.",
    "Numbers: 40M DAU times 100 events is 4B events a day, about 46k events per second.",
]
STAR = (
    "Situation: our team had no on-call process. Task: I owned fixing it. Action: I wrote "
    "runbooks and set up a rotation. Result: incidents resolved 40% faster."
)


def loop_input() -> str:
    lines = ["/hint", RAG_ANSWER, ".", "It keeps context across chunk borders.", ".", "/skip"]
    for step in DESIGN_STEPS:
        lines += [step, "."]
    lines += ["We would alert on SRM with a chi-square test.", ".", "Guardrail metrics.", "."]
    lines += [STAR, ".", "/skip"]
    return "\n".join(lines) + "\n"


def save_plan(url: str, tmp_path: Path, name: str, spec: dict[str, Any]) -> None:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(spec))
    result = runner.invoke(
        app, ["--db", url, "mock", "--save-plan", name, "--from-json", str(path)]
    )
    assert result.exit_code == 0, result.output


def only_session(url: str) -> int:
    store = open_store(url)
    with store.session() as s:
        ids = list(s.scalars(select(MockSessionRow.id)))
    store.close()
    assert len(ids) == 1
    return ids[0]


def test_list_plans_json_and_table(sqlite_url: str) -> None:
    url = seed_bank(sqlite_url)
    result = runner.invoke(app, ["--db", url, "mock", "--list", "--json"])
    assert result.exit_code == 0, result.output
    plans = {p["name"]: p for p in json.loads(result.stdout)}
    assert plans["phone-screen"]["minutes"] == 30 and plans["full-onsite"]["builtin"]
    assert plans["behavioral-hm"]["rounds"] == ["Behavioral with the hiring manager"]
    table = runner.invoke(app, ["--db", url, "mock", "--list"], env=ENV)
    assert "ai-system-design" in table.stdout and "225" in table.stdout


def test_save_plan_then_list_and_errors(sqlite_url: str, tmp_path: Path) -> None:
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "quick", QUICK_PLAN)
    listed = json.loads(runner.invoke(app, ["--db", url, "mock", "--list", "--json"]).stdout)
    mine = next(p for p in listed if p["name"] == "quick")
    assert not mine["builtin"] and mine["minutes"] == 15 and mine["questions"] == 4
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"rounds": [{"name": "x", "minutes": 5, "questions": []}]}))
    result = runner.invoke(
        app, ["--db", url, "mock", "--save-plan", "bad", "--from-json", str(bad)]
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("error: plan 'bad': rounds[0].seconds_per_question")
    result = runner.invoke(
        app, ["--db", url, "mock", "--save-plan", "phone-screen", "--from-json", str(bad)]
    )
    assert result.exit_code == 1
    binary = tmp_path / "plan.bin"
    binary.write_bytes(b"\xff\xfe\x00junk")
    result = runner.invoke(
        app, ["--db", url, "mock", "--save-plan", "bin", "--from-json", str(binary)]
    )
    assert result.exit_code == 1 and "plan.bin: not UTF-8 text" in result.stderr
    nocat = tmp_path / "nocat.json"
    nocat.write_text(json.dumps({"rounds": [{"name": "x", "minutes": 5, "seconds_per_question": 60,
                                             "questions": [{"count": 1, "categories": ["cooking"]}]}]}))  # fmt: skip
    result = runner.invoke(
        app, ["--db", url, "mock", "--save-plan", "nocat", "--from-json", str(nocat)]
    )
    assert result.exit_code == 1 and "no question has category 'cooking'" in result.stderr
    unknown = runner.invoke(app, ["--db", url, "mock", "no-such-plan"])
    assert unknown.exit_code == 1 and "no mock plan 'no-such-plan'" in unknown.stderr
    nothing = runner.invoke(app, ["--db", url, "mock", "--resume"])
    assert nothing.exit_code == 1 and "no unfinished mock" in nothing.stderr


def test_full_mock_in_the_terminal_matches_the_database(sqlite_url: str, tmp_path: Path) -> None:
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "cli-loop", LOOP_PLAN)
    result = runner.invoke(
        app, ["--db", url, "mock", "cli-loop", "--seed", "5"], input=loop_input(), env=ENV
    )
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "budget 4:00" in out and "Saved · took" in out and "hint (−10):" in out
    assert "Step 1/5 · Clarify requirements" in out and "checkpoint 3:45 of 25:00" in out
    assert "Follow-up 1/1" in out and "Skipped." in out and "Report: mock #" in out
    sid = only_session(url)
    db = recompute(url, sid)
    assert db["session"].status == "finished"
    mains = [a for a in db["answers"] if a.role == "main"]
    assert len(mains) == 4 and sum(a.skipped for a in mains) == 1
    assert mains[0].hints_used == 1 and mains[0].answer == RAG_ANSWER
    design = mains[2]
    assert design.answer.startswith("## Clarify requirements\n\nClarify: who runs")
    assert "## Numbers\n\nNumbers: 40M DAU" in design.answer
    # every answered main question is also an attempt (mode "mock") with the same grade
    for a in mains:
        if a.skipped:
            assert a.attempt_id is None
            continue
        attempt = db["attempts"][a.attempt_id]
        assert (attempt.answer, attempt.score, attempt.mode) == (a.answer, a.score, "mock")
        assert attempt.question_id == a.question_id and attempt.grade == a.grade

    report = json.loads(
        runner.invoke(app, ["--db", url, "mock", "--report", str(sid), "--json"]).stdout
    )
    assert report["id"] == sid
    assert report["overall"]["score"] == pytest.approx(db["overall"], abs=0.051)
    for r in report["rounds"]:
        assert r["score"] == pytest.approx(db["rounds"][r["index"]], abs=0.051)
    for a in report["answers"]:
        key = (a["round"], a["index"])
        assert a["score"] == db["questions"][key]
        assert a["duration_s"] == pytest.approx(db["time"][key], abs=0.051)
    assert report["overall"]["hints"] == 1 and report["overall"]["skipped"] == 1
    assert report["overall"]["asked"] == 4 and report["overall"]["budget_s"] == 50 * 60
    fu_count = sum(1 for a in db["answers"] if a.role == "followup")
    assert report["overall"]["followups"] == fu_count == 4
    # the study plan's questions are due now in the flashcards
    due = set(report["study_plan"]["scheduled"])
    assert {q["id"] for q in report["study_plan"]["questions"]} == due and due
    store = open_store(url)
    with store.session() as s:
        cards = {c.question_id: c for c in s.scalars(select(CardState))}
    store.close()
    assert due <= set(cards)

    md_path = tmp_path / "report.md"
    md = runner.invoke(app, ["--db", url, "mock", "--report", str(sid), "--markdown", str(md_path)])
    assert md.exit_code == 0 and md_path.read_text().startswith(
        f"# Mock interview #{sid}: CLI loop"
    )
    hist = json.loads(runner.invoke(app, ["--db", url, "mock", "--history", "--json"]).stdout)
    assert hist["mocks"][0]["id"] == sid and hist["mocks"][0]["score"] == report["overall"]["score"]


def test_quit_then_resume_in_process(sqlite_url: str, tmp_path: Path) -> None:
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "quick", QUICK_PLAN)
    first = runner.invoke(
        app, ["--db", url, "mock", "quick", "--seed", "2"], input="alpha answer\n.\n/quit\n"
    )
    assert first.exit_code == 0 and "Paused mock #1" in first.stdout
    again = runner.invoke(app, ["--db", url, "mock", "--resume"], input="beta\n.\n/end\n", env=ENV)
    assert again.exit_code == 0, again.output
    assert "alpha answer" in again.stdout and "Continuing from question 2 of 4" in again.stdout
    db = db_view(url, 1)
    assert [a.answer for a in db["answers"]] == ["alpha answer", "beta"]
    assert db["session"].status == "finished"
    finished = runner.invoke(app, ["--db", url, "mock", "--resume", "1"])
    assert finished.exit_code == 1 and "is finished" in finished.stderr


def _cli(url: str) -> list[str]:
    return [sys.executable, "-m", "archprep", "--db", url, "mock"]


def test_subprocess_full_run_over_piped_stdin(sqlite_url: str, tmp_path: Path) -> None:
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "quick", QUICK_PLAN)
    answers = "".join(f"answer number {i}\n.\n" for i in range(4))
    proc = subprocess.run(
        [*_cli(url), "quick", "--seed", "9"], input=answers, capture_output=True, text=True,
        timeout=120, env={**os.environ, **ENV},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Report: mock #1" in proc.stdout and "Overall" in proc.stdout
    db = recompute(url, 1)
    assert db["session"].status == "finished" and len(db["answers"]) == 4
    assert all(a.attempt_id in db["attempts"] for a in db["answers"])


@pytest.mark.slow
def test_killed_mid_mock_resumes_with_every_answer(sqlite_url: str, tmp_path: Path) -> None:
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "quick", QUICK_PLAN)
    env = {**os.environ, **ENV, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [*_cli(url), "quick", "--seed", "4"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdin is not None
    given = ["First answer: chunk by headings with overlap.", "Second answer: rerank top 50."]
    try:
        for text in given:
            proc.stdin.write(f"{text}\n.\n")
            proc.stdin.flush()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            rows = db_view(url, 1)["answers"] if _has_session(url) else []
            if len(rows) == 2:
                break
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.1)
        else:
            pytest.fail("the two answers never reached the database")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    before = db_view(url, 1)
    assert before["session"].status == "active"
    assert [a.answer for a in before["answers"]] == given
    questions = before["session"].questions
    third = questions[1][0]["id"]  # round 2, question 1: the next one

    resumed = subprocess.run(
        [*_cli(url), "--resume"], input="Third answer.\n.\n/quit\n", capture_output=True,
        text=True, timeout=120, env=env,
    )  # fmt: skip
    assert resumed.returncode == 0, resumed.stderr
    out = resumed.stdout
    for text in given:
        assert text in out
    assert "Continuing from question 3 of 4" in out
    store = open_store(url)
    with store.session() as s:
        from archprep.store.questions import get_question

        q3 = get_question(s, third, None)
        rows = list(s.scalars(select(MockAnswerRow).order_by(MockAnswerRow.id)))
    store.close()
    assert q3 is not None and q3.question.split()[0] in out
    assert "Q3/4" in out
    assert [r.answer for r in rows] == [*given, "Third answer."]
    assert rows[2].question_id == third and (rows[2].round_index, rows[2].question_index) == (1, 0)


def _has_session(url: str) -> bool:
    store = open_store(url)
    try:
        with store.session() as s:
            return s.get(MockSessionRow, 1) is not None
    finally:
        store.close()


# One question, no follow-ups: the first answer is the last.
ONE_QUESTION = {"rounds": [{"name": "One", "minutes": 5, "seconds_per_question": 120,
                            "follow_ups": 0, "questions": [{"count": 1, "categories": ["rag"]}]}]}  # fmt: skip


def test_end_of_input_after_the_last_answer_shows_the_report(
    sqlite_url: str, tmp_path: Path
) -> None:
    # Ctrl-D right after the last answer ends the mock: no "Paused", the report instead.
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "one", ONE_QUESTION)
    result = runner.invoke(
        app, ["--db", url, "mock", "one", "--seed", "1"], input=RAG_ANSWER, env=ENV
    )
    assert result.exit_code == 0, result.output
    assert "Paused" not in result.stdout and "Report: mock #1" in result.stdout
    assert db_view(url, 1)["session"].status == "finished"


def test_ctrl_c_pauses_and_says_how_to_resume(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from archprep.cli import mock_cmd

    def interrupted() -> tuple[str, str | None]:
        raise KeyboardInterrupt

    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "quick", QUICK_PLAN)
    monkeypatch.setattr(mock_cmd, "read_answer", interrupted)
    result = runner.invoke(app, ["--db", url, "mock", "quick", "--seed", "2"], env=ENV)
    assert result.exit_code == 130
    assert "Paused mock #1" in result.stdout and "archprep mock --resume 1" in result.stdout
    assert db_view(url, 1)["session"].status == "active"


def test_a_judge_that_fails_is_named_in_the_report_and_offline_skips_it(
    sqlite_url: str, tmp_path: Path
) -> None:
    url = seed_bank(sqlite_url)
    save_plan(url, tmp_path, "one", ONE_QUESTION)
    dead = {**ENV, "ARCHPREP_LLM_BASE_URL": "http://127.0.0.1:9/v1", "ARCHPREP_LLM_TIMEOUT": "2"}
    judged = runner.invoke(
        app, ["--db", url, "mock", "one", "--seed", "1"], input=RAG_ANSWER, env=dead
    )
    assert judged.exit_code == 0, judged.output
    assert "note: the LLM judge failed (cannot reach" in judged.stderr
    report = json.loads(runner.invoke(app, ["--db", url, "mock", "--report", "1", "--json"]).stdout)
    assert report["answers"][0]["grader"] == "offline" and report["notices"]
    offline = runner.invoke(
        app, ["--db", url, "mock", "one", "--seed", "2", "--offline"], input=RAG_ANSWER, env=dead
    )
    assert offline.exit_code == 0 and "LLM judge" not in offline.stderr
