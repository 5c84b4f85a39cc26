"""Importing question decks from text, Markdown, HTML, PDF, CSV/TSV, JSON Lines and Anki files."""

from archprep.importers.service import ImportedItem, ImportReport, import_file, summary

__all__ = ["ImportReport", "ImportedItem", "import_file", "summary"]
