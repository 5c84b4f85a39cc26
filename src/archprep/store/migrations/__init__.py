"""Alembic migrations for the archprep store, applied automatically on first use."""
