"""The ``archprep`` command line: thin commands over the core, rendered with Rich."""

from __future__ import annotations

import importlib
import sys
from typing import Any

# Which module defines each top-level command. `main` imports only the one being run, so a
# quick `archprep search` does not pay for the web server, importers or grader at start-up;
# tests/test_docs.py checks this table against the registered commands.
COMMAND_MODULES = {
    "bank": "bank_cmds",
    "list": "bank_cmds",
    "show": "bank_cmds",
    "stats": "bank_cmds",
    "calc": "calc_cmd",
    "drill": "drill_cmd",
    "grade": "grade_cmd",
    "practice": "grade_cmd",
    "history": "history_cmd",
    "import": "io_cmds",
    "export": "io_cmds",
    "restore": "io_cmds",
    "mock": "mock_cmd",
    "plan": "plan_cmd",
    "search": "search_cmd",
    "study": "study_cmd",
    "unsuspend": "study_cmd",
    "serve": "web_cmds",
    "user": "web_cmds",
}
MODULES = sorted(set(COMMAND_MODULES.values()))


def load_commands(modules: list[str] | None = None) -> None:
    """Import command modules (all by default); importing one registers its commands."""
    for name in modules if modules is not None else MODULES:
        importlib.import_module(f"archprep.cli.{name}")


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole CLI, as tests and documentation tools expect it
        load_commands()
        from archprep.cli.common import app

        return app
    if name in MODULES:
        return importlib.import_module(f"archprep.cli.{name}")
    raise AttributeError(f"module 'archprep.cli' has no attribute {name!r}")


def _command_name(argv: list[str]) -> str | None:
    """The command in ``argv``, skipping the global ``--db VALUE`` option."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--db":
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main() -> None:
    command = _command_name(sys.argv[1:])
    load_commands([COMMAND_MODULES[command]] if command in COMMAND_MODULES else None)
    from archprep.cli.common import app

    app(prog_name="archprep")
