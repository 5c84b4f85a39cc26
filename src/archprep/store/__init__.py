"""The store: SQLAlchemy tables and the functions that read and write them."""

from archprep.store.db import Store, open_store

__all__ = ["Store", "open_store"]
