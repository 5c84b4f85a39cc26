"""A mock interview in a real browser (Playwright, Chromium) against ``archprep serve``: the
JS timer, a hint, a follow-up, the guided design steps, closing the window and resuming, and
the report's numbers checked against the database."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from archprep.cli import app
from tests.e2e.conftest import Server
from tests.interview.mock_bank import recompute, seed_bank

pytestmark = pytest.mark.slow

E2E_PLAN: dict[str, Any] = {
    "title": "Browser loop",
    "rounds": [
        {"name": "Concepts", "minutes": 6, "seconds_per_question": 240, "follow_ups": 1,
         "questions": [{"count": 1, "categories": ["rag"], "kinds": ["concept"]}]},
        {"name": "Design", "minutes": 20, "seconds_per_question": 1000, "follow_ups": 0,
         "questions": [{"count": 1, "kinds": ["design"]}]},
        {"name": "Quick", "minutes": 4, "seconds_per_question": 60, "follow_ups": 0,
         "questions": [{"count": 2, "categories": ["rapid-fire"]}]},
    ],
}  # fmt: skip


@pytest.fixture
def server(
    sqlite_url: str, tmp_path: Path, start_server: Callable[..., Server]
) -> tuple[Server, str]:
    """``archprep serve`` over a small real bank with a plan of ours (lexical grading)."""
    url = seed_bank(sqlite_url)
    spec = tmp_path / "plan.json"
    spec.write_text(json.dumps(E2E_PLAN))
    saved = CliRunner().invoke(
        app, ["--db", url, "mock", "--save-plan", "browser-loop", "--from-json", str(spec)]
    )
    assert saved.exit_code == 0, saved.output
    return start_server(url, env={"ARCHPREP_EMBEDDING_MODEL": "none"}), url


@pytest.fixture
def page(browser: Any, server: tuple[Server, str]) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=server[0].url)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not [e for e in errors if "favicon" not in e], errors  # CSP violations show here


def _answer(page: Any, text: str) -> None:
    page.fill("#answer", text)
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")


def test_mock_in_the_browser(server: tuple[Server, str], page: Any, screens: Path) -> None:
    url = server[1]
    page.goto("/mock")
    page.get_by_role("link", name="Mock").first.wait_for()
    page.click('button[data-plan="browser-loop"]')
    page.wait_for_url(re.compile(r"/mock/\d+$"))
    sid = int(page.url.rsplit("/", 1)[1])
    assert "Question 1 of 4" in page.inner_text("h1")
    timer = page.locator("[data-mock-timer]")
    assert timer.get_attribute("data-budget") == "240"
    first = page.inner_text("[data-clock]")
    page.wait_for_timeout(2200)
    assert page.inner_text("[data-clock]") != first  # the clock runs in the page

    page.fill("#answer", "Chunk by headings with overlap")
    with page.expect_navigation():
        page.click('button[value="hint"]')
    page.wait_for_selector(".mock-hints li")
    assert page.input_value("#answer") == "Chunk by headings with overlap"
    _answer(page, "Chunk by headings with overlap; evaluate recall on a golden set.")
    assert "Follow-up 1/1" in page.inner_text("h1")
    _answer(page, "Because context must survive chunk borders.")

    # the design question is walked through the whiteboard steps with a checkpoint
    assert "Step 1/5" in page.inner_text("h1")
    assert page.locator(".mock-checkpoint").count() == 1
    _answer(page, "Clarify: who runs experiments and which metric decides.")
    assert "Step 2/5" in page.inner_text("h1")

    page.screenshot(path=str(screens / "mock-01-design-step.png"), full_page=True)
    # the window closes; a new one resumes from the chooser with everything kept
    context = page.context
    page.close()
    page = context.new_page()
    page.goto("/mock")
    page.click(f"text=Resume #{sid}")
    page.wait_for_url(re.compile(rf"/mock/{sid}$"))
    assert "Step 2/5" in page.inner_text("h1")
    given = page.inner_text(".mock-given")
    assert "Chunk by headings with overlap; evaluate recall" in given
    assert "Because context must survive chunk borders." in given
    assert "who runs experiments" in page.inner_text("aside")
    for text in ("High level: assignment service.", "Deep dive: CUPED.", "Failure: SRM.",
                 "Numbers: 40M DAU x 100 = 4B events a day."):  # fmt: skip
        _answer(page, text)
    assert "Question 3 of 4" in page.inner_text("h1")
    with page.expect_navigation():
        page.click('button[value="skip"]')
    _answer(page, "Canary: a small share of traffic first, then widen.")
    page.wait_for_url(re.compile(rf"/mock/{sid}/report$"))

    db = recompute(url, sid)
    assert db["session"].status == "finished"
    shown = page.get_attribute("[data-overall-score]", "data-overall-score")
    assert shown == f"{db['overall']:.0f}"
    mains = [a for a in db["answers"] if a.role == "main"]
    assert len(mains) == 4 and mains[0].hints_used == 1 and mains[2].skipped
    assert mains[1].answer.count("## ") == 5
    for a in mains:
        score = db["questions"][(a.round_index, a.question_index)]
        cell = page.locator(f'[data-question="{a.question_id}"] [data-score]')
        assert cell.get_attribute("data-score") == f"{score:.0f}"
    assert page.locator("text=Download Markdown").count() == 1
    page.screenshot(path=str(screens / "mock-02-report.png"), full_page=True)
    page.goto("/mock/history")
    assert page.locator(f'a[href="/mock/{sid}/report"]').count() == 1
