"""Multi-user mode in a real browser on PostgreSQL: two sign-ups, one private import, isolation."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Server
from tests.e2e.test_journey import DECK, Watch

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
PASSWORD = "a long enough passphrase"


@pytest.fixture(scope="module")
def server(pg_cluster: Any, start_server: Callable[..., Server]) -> Server:
    url = pg_cluster.url(pg_cluster.new_database())
    # Lexical search keeps the bank load quick; the journey test covers the hybrid search.
    return start_server(url, "--multi-user", env={"ARCHPREP_EMBEDDING_MODEL": "none"})


def sign_up(page: Any, username: str) -> None:
    page.goto("/")
    assert "/login" in page.url  # everything asks for a sign-in first
    page.get_by_role("link", name="Create an account").click()
    page.locator("#username").fill(username)
    page.locator("#password").fill(PASSWORD)
    page.locator("#confirm").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Create account").click()
    page.get_by_role("heading", name="What to do today").wait_for()


def test_two_users_are_isolated(
    browser: Any, server: Server, screens: Path, tmp_path: Path
) -> None:
    contexts = [browser.new_context(viewport={"width": 1280, "height": 860}, base_url=server.url)
                for _ in range(2)]  # fmt: skip
    alice, bob = (c.new_page() for c in contexts)
    watches = [Watch(alice), Watch(bob)]
    alice.goto("/login")
    alice.screenshot(path=str(screens / "20-login.png"))
    sign_up(alice, "alice")
    sign_up(bob, "bob")

    deck = tmp_path / "quokka.md"
    deck.write_text(DECK, encoding="utf-8")
    alice.goto("/import")
    alice.locator("#file").set_input_files(str(deck))
    alice.get_by_role("button", name="Preview import").click()
    alice.get_by_role("button", name=re.compile(r"Import 2 questions")).click()
    alice.get_by_text("Import complete").wait_for()
    secret = alice.locator(".link-list a").first.get_attribute("href")
    alice.goto("/search?q=Quokka+shadow+ranking")
    alice.locator("#results .hit-title", has_text="Quokka").first.wait_for()
    alice.screenshot(path=str(screens / "21-alice-search.png"), full_page=True)

    bob.goto("/search?q=Quokka+shadow+ranking")
    assert bob.locator("#results .hit-title", has_text="Quokka").count() == 0
    bob.goto(secret)
    assert bob.get_by_role("heading", name="Page not found").is_visible()
    bob.screenshot(path=str(screens / "22-bob-cannot-see.png"))
    bob.goto("/import")
    assert "quokka" not in bob.locator("main").inner_text().lower()

    alice.locator("details.menu summary").click()
    alice.get_by_role("button", name="Sign out").click()
    alice.wait_for_url(re.compile(r"/login"))
    alice.goto(secret)
    assert "/login" in alice.url  # signed out: back to the sign-in page
    for context in contexts:
        context.close()
    for watch in watches:
        errors = [e for e in watch.errors if "status of 404" not in e]  # Bob's refused page
        assert not watch.dialogs and not errors, (watch.dialogs, errors)
