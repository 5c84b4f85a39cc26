"""Docs that cannot go stale: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

from typer.main import get_command

from archprep.cli import app
from archprep.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_has_help_and_is_documented() -> None:
    doc = (ROOT / "docs" / "configuration.md").read_text()
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 20, name
        assert f"ARCHPREP_{name.upper()}" in doc, f"{name} missing from docs/configuration.md"


def _commands(group: object, prefix: str = "") -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for name, cmd in getattr(group, "commands", {}).items():
        out.append((f"{prefix}{name}", cmd))
        out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


def test_every_command_has_help_and_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    commands = _commands(get_command(app))
    assert len(commands) >= 6
    for name, cmd in commands:
        assert (getattr(cmd, "help", None) or "").strip(), f"`archprep {name}` has no help"
        top = name.split()[0]
        assert f"archprep {top}" in readme, f"`archprep {top}` is not in README.md"


def test_command_module_table_matches_the_registered_commands() -> None:
    from archprep.cli import COMMAND_MODULES

    registered = {name for name, _ in _commands(get_command(app)) if " " not in name}
    assert set(COMMAND_MODULES) == registered
