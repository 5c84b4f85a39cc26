"""The ``archprep`` command line: thin commands over the core, rendered with Rich."""

from __future__ import annotations

from archprep.cli import (
    bank_cmds,
    calc_cmd,
    drill_cmd,
    grade_cmd,
    history_cmd,
    io_cmds,
    mock_cmd,
    plan_cmd,
    search_cmd,
    study_cmd,
    web_cmds,
)
from archprep.cli.app import app

__all__ = [
    "app",
    "bank_cmds",
    "calc_cmd",
    "drill_cmd",
    "grade_cmd",
    "history_cmd",
    "io_cmds",
    "main",
    "mock_cmd",
    "plan_cmd",
    "search_cmd",
    "study_cmd",
    "web_cmds",
]


def main() -> None:
    app(prog_name="archprep")
