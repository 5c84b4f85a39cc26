"""A new candidate's first session in a real browser against a real ``archprep serve``.

Dashboard, a paraphrased search, three flashcards by keyboard, a graded practice answer, a
calculator, an import found by search; then the same pages on a phone and in the dark theme.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Server

pytestmark = pytest.mark.slow

DECK = """# Platform team interview notes

## How do we roll back a bad feature-store schema change at Quokka Labs?

Keep every schema version readable for a week, write with dual schemas during the migration,
and roll back by pointing readers at the previous version. Backfills run from the offline log.

## What is the Quokka Labs rule for shadow-deploying a ranking model?

A new ranker runs in shadow for seven days on full traffic, logging scores only. It ships when
offline NDCG and the shadow click proxy both beat the incumbent, and the on-call signs off.
"""
EVIL = """## What does a <script>alert('xss')</script> gateway do for <img src=x onerror=alert(1)> traffic?

A gateway <script>alert(document.cookie)</script> routes traffic between providers and applies
limits. [click me](javascript:alert(2)) <a href="javascript:alert(3)" onclick="alert(4)">here</a>
<div onmouseover="alert(5)">hover</div>
"""
WIDE = """## How would you log a fine-tuning run with MLflow, step by step?

Log parameters once and metrics every step, then the model itself:

```python
with mlflow.start_run(run_name="llama3-lora-r16-with-a-very-long-run-name-that-does-not-wrap") as run:
    mlflow.log_params({"model": "meta-llama/Meta-Llama-3-8B", "lora_r": 16, "lora_alpha": 32, "learning_rate": 2e-4})
```

| setting | value | why it matters for the run and how it changes the comparison between runs |
| --- | --- | --- |
| lora_r | 16 | a higher rank adds trainable parameters and memory, which changes the cost |

Keep every run's id: compare with `mlflow.search_runs(filter_string="metrics.eval_accuracy_at_the_end > 0.9")`.
"""
FALLBACK = {"llm-platform/design-llm-api-99-9-uptime", "system-design/llm-gateway-provider-fallback",
            "llm-platform/provider-load-balancing-fallback"}  # fmt: skip


@pytest.fixture(scope="module")
def server(
    e2e_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
    start_server: Callable[..., Server],
) -> Server:
    db = tmp_path_factory.mktemp("journey") / "archprep.db"
    shutil.copy(e2e_template, db)
    server = start_server(f"sqlite:///{db}")
    # The first search loads the embedding model and indexes the bank: do it here, so no
    # browser wait depends on how fast a busy machine gets through that.
    httpx.get(f"{server.url}/api/search", params={"q": "warm up"}, timeout=300).raise_for_status()
    return server


class Watch:
    """Console errors (CSP violations among them), page errors and dialogs: all must stay empty."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


@pytest.fixture
def page(browser: Any, server: Server) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, base_url=server.url)
    pg = context.new_page()
    pg.set_default_timeout(20_000)
    pg.watch = Watch(pg)  # type: ignore[attr-defined]
    yield pg
    watch: Watch = pg.watch  # type: ignore[attr-defined]
    context.close()
    assert not watch.dialogs, f"a dialog opened: {watch.dialogs}"
    assert not [e for e in watch.errors if "favicon" not in e], watch.errors


def shot(page: Any, screens: Path, name: str, full: bool = True) -> None:
    page.screenshot(path=str(screens / f"{name}.png"), full_page=full)


def test_dashboard(page: Any, screens: Path) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text()
    assert page.get_by_role("heading", name="What to do today").is_visible()
    assert page.locator("svg.ring").is_visible()
    shot(page, screens, "01-dashboard")


def test_search_with_a_paraphrase_and_open_the_hit(page: Any, screens: Path) -> None:
    page.goto("/search")
    page.locator("#q").fill("fallback when the hosted model API is unavailable")
    page.locator("#results .hit").first.wait_for()  # wait_for_function would need unsafe-eval
    page.wait_for_timeout(400)  # let the debounced request settle
    assert "fallback" in page.url and "q=" in page.url  # the address follows the query
    hrefs = page.locator("#results .hit-title").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert FALLBACK & {h.removeprefix("/q/") for h in hrefs[:3]}, hrefs[:5]
    assert page.locator("#results mark").count() > 0
    shot(page, screens, "02-search")
    page.locator("#results .hit-title").first.click()
    page.wait_for_url(re.compile(r"/q/"))
    assert page.get_by_role("heading", name="Key points a strong answer makes").is_visible()
    assert page.get_by_role("heading", name="Related questions").is_visible()
    shot(page, screens, "03-question")


def test_three_flashcards_by_keyboard(page: Any, screens: Path) -> None:
    page.goto("/study")
    seen = []
    for n in range(3):
        card = page.locator("[data-flashcard]")
        seen.append(card.get_attribute("data-question"))
        assert not page.locator(".rate-buttons").is_visible()
        page.keyboard.press("Space")
        page.locator(".rate-buttons").wait_for(state="visible")
        if n == 0:
            shot(page, screens, "04-flashcard-revealed")
            # A second Space or Enter is not a rating: only 1-4 rate a revealed card.
            page.keyboard.press("Space")
            page.keyboard.press("Enter")
            page.wait_for_timeout(300)
            assert "next_in=" not in page.url and page.locator(".rate-buttons").is_visible()
        with page.expect_navigation():
            page.keyboard.press(str(3 if n != 1 else 4))
            if n == 2:
                page.keyboard.press("3")  # a double press is sent once
        assert "next_in=" in page.url
    assert len(set(seen)) == 3
    assert "3 reviewed today" in page.locator("main").inner_text()
    assert page.locator(".toast").is_visible()
    shot(page, screens, "05-flashcards-after")


def test_practice_answer_and_feedback(page: Any, screens: Path) -> None:
    page.goto("/practice?id=rag/bm25-vs-dense-failures")
    page.wait_for_timeout(1100)
    assert page.locator("[data-clock]").inner_text() != "0:00"  # the timer runs
    page.locator("#answer").fill(
        "Dense embeddings compress a whole passage into one vector, so exact tokens such as "
        "error codes, SKUs and names get blurred. BM25 scores terms by IDF with term-frequency "
        "saturation and length normalisation. BM25 fails on vocabulary mismatch: synonyms and "
        "paraphrases share no words with the answer. In practice I run both and fuse them."
    )
    assert "words" in page.locator("[data-word-count]").inner_text()
    shot(page, screens, "06-practice")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert "/practice/attempts/" in page.url
    assert page.locator(".kp-covered").count() >= 1 and page.locator(".kp-missed").count() >= 1
    assert page.locator(".your-answer mark").count() >= 1  # evidence highlighted in the answer
    shot(page, screens, "07-feedback")


def test_calculator(page: Any, screens: Path) -> None:
    page.goto("/calculators")
    page.get_by_role("link", name="Availability and downtime").click()
    page.locator("#f-series").fill("99.9, 99.95, 99.99")
    page.get_by_role("button", name="Calculate").click()
    page.get_by_role("heading", name="Worked steps").wait_for()
    assert "Series" in page.locator(".calc-steps").inner_text()
    shot(page, screens, "08-calculator")


def test_import_then_find_it(page: Any, screens: Path, tmp_path: Path) -> None:
    deck = tmp_path / "quokka-notes.md"
    deck.write_text(DECK, encoding="utf-8")
    page.goto("/import")
    page.locator("#file").set_input_files(str(deck))
    page.get_by_role("button", name="Preview import").click()
    page.get_by_role("heading", name="Check before saving").wait_for()
    assert page.locator(".qitem").count() == 2
    shot(page, screens, "09-import-preview")
    page.get_by_role("button", name=re.compile(r"Import 2 questions")).click()
    page.get_by_text("Import complete").wait_for()
    shot(page, screens, "10-import-done")
    page.goto("/search")
    page.locator("#q").fill("Quokka shadow deploy ranking model")
    hit = page.locator("#results .hit-title", has_text="shadow-deploying")
    hit.wait_for()
    hit.click()
    page.wait_for_url(re.compile(r"/q/import/"))
    assert "seven days" in page.locator(".prose").inner_text()


def test_untrusted_import_cannot_run_script(page: Any, tmp_path: Path, screens: Path) -> None:
    deck = tmp_path / "evil.md"
    deck.write_text(EVIL, encoding="utf-8")
    page.goto("/import")
    page.locator("#file").set_input_files(str(deck))
    page.get_by_role("button", name="Preview import").click()
    page.get_by_role("heading", name="Check before saving").wait_for()
    page.locator(".qitem summary").first.click()
    page.get_by_role("button", name=re.compile(r"Import 1 question")).click()
    page.get_by_text("Import complete").wait_for()
    page.locator(".link-list a").first.click()
    page.wait_for_url(re.compile(r"/q/import/"))
    page.locator(".prose").hover()
    page.locator(".prose a", has_text="click me").click()  # stripped of its javascript: URL
    page.wait_for_timeout(300)
    assert page.evaluate("document.scripts.length") == 1  # only app.js
    assert page.evaluate("[...document.querySelectorAll('*')].some(e => [...e.attributes]"
                         ".some(a => a.name.startsWith('on')))") is False  # fmt: skip
    shot(page, screens, "11-untrusted-import")
    # Watch (the fixture) fails the test if any alert() ran.


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_layout(browser: Any, server: Server, screens: Path, scheme: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server.url,
                                  color_scheme=scheme, device_scale_factor=2, is_mobile=True,
                                  has_touch=True)  # fmt: skip
    pg = context.new_page()
    for name, path in [("dashboard", "/"), ("browse", "/browse/rag"), ("question", "/q/rag/hybrid-search-rrf"),
                       ("search", "/search?q=chunk+size"), ("study", "/study"), ("practice", "/practice"),
                       ("calculator", "/calculators/gpu-memory?run=1&model=llama-3-70b"),
                       ("progress", "/progress"), ("import", "/import")]:  # fmt: skip
        pg.goto(path)
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
        if name in ("dashboard", "question", "study", "calculator", "progress", "search"):
            pg.screenshot(path=str(screens / f"phone-{scheme}-{name}.png"), full_page=False)
    context.close()


def test_phone_code_blocks_and_tables_scroll_inside_their_box(
    browser: Any, server: Server, screens: Path, tmp_path: Path
) -> None:
    """At 390 px, with every answer open, a long code line or a wide table scrolls in its own
    box and the page never scrolls sideways: the import preview, browse, a question, a deck's
    list, flashcards and practice."""
    deck = tmp_path / "wide-notes.md"
    deck.write_text(WIDE, encoding="utf-8")
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=server.url)
    pg = context.new_page()
    pg.set_default_timeout(20_000)

    def check(where: str) -> None:
        pg.evaluate("document.querySelectorAll('main details').forEach(d => d.open = true)")
        overflow = pg.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{where} scrolls sideways by {overflow}px on a phone"

    pg.goto("/import")
    pg.locator("#file").set_input_files(str(deck))
    pg.get_by_role("button", name="Preview import").click()
    pg.get_by_role("heading", name="Check before saving").wait_for()
    check("the import preview")
    assert pg.evaluate("[...document.querySelectorAll('.prose pre')]"
                       ".some(p => p.scrollWidth > p.clientWidth)")  # fmt: skip
    pg.screenshot(path=str(screens / "phone-import-preview-open.png"), full_page=False)
    pg.get_by_role("button", name=re.compile(r"Import 1 question")).click()
    pg.get_by_text("Import complete").wait_for()
    [item] = httpx.get(f"{server.url}/api/questions", params={"deck": "wide-notes"}).json()["items"]
    for path in [f"/browse/{item['category']}?deck=wide-notes", f"/q/{item['id']}",
                 "/search?deck=wide-notes", "/study?deck=wide-notes&extra_new=1",
                 f"/practice?id={item['id']}"]:  # fmt: skip
        pg.goto(path)
        check(path)
    context.close()


def test_theme_toggle(page: Any, screens: Path) -> None:
    page.goto("/progress")
    page.locator("[data-theme-toggle]").click()
    assert page.evaluate("document.documentElement.dataset.theme") in ("dark", "light")
    first = page.evaluate("document.documentElement.dataset.theme")
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == first  # remembered
    if first != "dark":
        page.locator("[data-theme-toggle]").click()
    shot(page, screens, "12-progress-dark")
