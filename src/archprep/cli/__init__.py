"""The ``archprep`` command line: thin commands over the core, rendered with Rich."""

from __future__ import annotations

from archprep.cli import bank_cmds, calc_cmd, search_cmd, study_cmd
from archprep.cli.app import app

__all__ = ["app", "bank_cmds", "calc_cmd", "main", "search_cmd", "study_cmd"]


def main() -> None:
    app(prog_name="archprep")
