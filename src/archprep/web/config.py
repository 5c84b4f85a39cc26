"""Options of the web server itself (who may sign in, which proxies are trusted, session length)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


class WebConfig(BaseSettings):
    """``archprep serve`` flags override these; env ``ARCHPREP_WEB_*`` sets them for workers."""

    model_config = SettingsConfigDict(env_prefix="ARCHPREP_WEB_", extra="ignore")

    multi_user: bool = Field(
        default=False,
        description="Accounts, sign-in and per-user data; meant for PostgreSQL behind a proxy.",
    )
    allow_signup: bool = Field(
        default=True,
        description="In multi-user mode, let visitors create their own accounts at /signup.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1,::1",
        description=(
            "Comma-separated addresses whose X-Forwarded-For/-Proto headers are believed "
            "('*' for any). Decides the client address for rate limits and the Secure cookie flag."
        ),
    )
    allowed_hosts: str = Field(
        default="",
        description=(
            "Comma-separated host names the server answers to ('*' for any, '*.example.com' for "
            "subdomains). Empty: the loopback names (127.0.0.1, localhost, [::1]) in local mode, "
            "so a web page elsewhere cannot reach it through DNS rebinding; any in multi-user "
            "mode, where you should name your domain."
        ),
    )
    session_days: int = Field(
        default=30, ge=1, le=365, description="Days a sign-in lasts without activity."
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=100, description="Failed sign-ins allowed per username and address."
    )
    login_window_minutes: int = Field(
        default=15, ge=1, le=1440, description="The window the failure limit counts over."
    )


def host_patterns(config: WebConfig, bound: str | None = None) -> list[str]:
    """The Host header values the server accepts; ``bound`` is the address it listens on."""
    named = [h.strip().lower() for h in config.allowed_hosts.split(",") if h.strip()]
    if config.multi_user and not named:
        return ["*"]
    if "*" in named:
        return ["*"]
    # The loopback names and the address it listens on always work: a health check or an
    # admin on the machine itself reaches the server by them.
    extra = (
        []
        if bound is None or bound in ("0.0.0.0", "::")
        else [f"[{bound}]" if ":" in bound else bound]
    )
    return list(dict.fromkeys([*named, *LOOPBACK_NAMES, *extra]))
