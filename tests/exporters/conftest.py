"""Fixtures for export tests: a store with a bank, reviews and graded attempts."""

from __future__ import annotations

import pytest

from archprep.store import Store
from tests.exporters.progress import fill


@pytest.fixture
def progress_store(store: Store) -> tuple[Store, int]:
    """The ``store`` fixture (SQLite and PostgreSQL) with a bank, reviews, attempts and vectors."""
    return fill(store)
