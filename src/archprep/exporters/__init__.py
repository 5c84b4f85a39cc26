"""Exports: an Anki deck, the personal prep guide (Markdown or PDF), and a lossless JSON backup."""

from archprep.exporters.anki import AnkiExport, export_anki
from archprep.exporters.backup import BackupReport, dump_backup, restore_backup, write_backup
from archprep.exporters.guide import build_guide, write_guide

__all__ = [
    "AnkiExport",
    "BackupReport",
    "build_guide",
    "dump_backup",
    "export_anki",
    "restore_backup",
    "write_backup",
    "write_guide",
]
