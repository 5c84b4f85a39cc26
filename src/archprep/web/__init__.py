"""The web UI and JSON API: a FastAPI app built by ``create_app(settings)``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from archprep.web.app import create_app as create_app


def __getattr__(name: str) -> Any:
    # FastAPI, Jinja and friends load only when the web app is used, not for every CLI command.
    if name == "create_app":
        from archprep.web.app import create_app

        return create_app
    raise AttributeError(name)


__all__ = ["create_app"]
