"""``archprep serve`` (the web UI and JSON API) and ``archprep user add|remove|reset|list``."""

from __future__ import annotations

import ipaddress
import os
import sys

import typer

from archprep.bank.sync import ensure_bank
from archprep.cli.common import app, app_context, console, err_console
from archprep.errors import UserError

user_app = typer.Typer(help="Manage accounts for multi-user mode (`archprep serve --multi-user`).",
                       no_args_is_help=True)  # fmt: skip
app.add_typer(user_app, name="user")


def is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    ctx: typer.Context,
    host: str = typer.Option(
        "127.0.0.1", help="Address to listen on (loopback unless --multi-user)."
    ),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port."),
    multi_user: bool = typer.Option(
        False, "--multi-user", help="Accounts and sign-in, for a shared server (PostgreSQL)."
    ),
    signup: bool = typer.Option(
        True, "--signup/--no-signup", help="In multi-user mode, allow self sign-up at /signup."
    ),
    workers: int = typer.Option(
        1, min=1, max=64, help="Worker processes (several need a database all of them share)."
    ),
    trusted_proxies: str = typer.Option(
        "127.0.0.1,::1",
        help="Addresses whose X-Forwarded-For/-Proto headers are trusted ('*': any).",
    ),
    allowed_hosts: str = typer.Option(
        "",
        help="Host names the server answers to, comma-separated ('*': any). Default: loopback "
        "names locally, any in --multi-user (name your domain there).",
    ),
) -> None:
    """Start the web UI and the JSON API (http://127.0.0.1:8000 by default)."""
    if not multi_user and not is_loopback(host):
        raise UserError(
            f"refusing to listen on {host}: local mode has no sign-in, so it serves loopback only; "
            "use --host 127.0.0.1, or --multi-user for a shared server"
        )
    import uvicorn

    from archprep.web.app import create_app
    from archprep.web.config import WebConfig, host_patterns

    actx = app_context(ctx)
    settings = actx.settings
    store = actx.store()
    with console.status("Loading the question bank…"):
        ensure_bank(store, settings, actx.now())
    config = WebConfig(multi_user=multi_user, allow_signup=signup, trusted_proxies=trusted_proxies,
                       allowed_hosts=allowed_hosts)  # fmt: skip
    # The address given to --host is a name the browser will use too.
    config.allowed_hosts = ",".join(host_patterns(config, host))
    shown = f"[{host}]" if ":" in host else host
    mode = "multi-user" if multi_user else "local"
    console.print(f"archprep ({mode}) is running at http://{shown}:{port}  ·  Ctrl+C stops it")
    common = {"host": host, "port": port, "proxy_headers": False, "log_level": "warning",
              "timeout_graceful_shutdown": 5}  # fmt: skip
    if workers == 1:
        uvicorn.run(create_app(settings, config), **common)  # type: ignore[arg-type]
        return
    if settings.database_url().startswith("sqlite") and multi_user:
        err_console.print(
            "note: several workers on SQLite work, but PostgreSQL suits a shared server"
        )
    os.environ["ARCHPREP_DB"] = settings.database_url()
    os.environ["ARCHPREP_WEB_MULTI_USER"] = "1" if multi_user else "0"
    os.environ["ARCHPREP_WEB_ALLOW_SIGNUP"] = "1" if signup else "0"
    os.environ["ARCHPREP_WEB_TRUSTED_PROXIES"] = trusted_proxies
    os.environ["ARCHPREP_WEB_ALLOWED_HOSTS"] = config.allowed_hosts
    uvicorn.run("archprep.web.app:app_from_env", factory=True, workers=workers, **common)  # type: ignore[arg-type]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UserError('no password on stdin; pipe one line, e.g. `echo "$PW" | ...`')
        return line.rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@user_app.command("add")
def user_add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="2-40 lowercase letters, digits, '.', '_' or '-'."),
    admin: bool = typer.Option(False, "--admin", help="Mark the account as an administrator."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the password from the first line of stdin."
    ),
) -> None:
    """Create an account (asks for the password unless --password-stdin)."""
    from archprep.web import auth

    name = auth.check_username(username)
    password = auth.check_password(_read_password(password_stdin))
    actx = app_context(ctx)
    with actx.store().session.begin() as session:
        auth.create_user(session, name, password, actx.now(), is_admin=admin)
    console.print(f"Account {name!r} created.")


@user_app.command("remove")
def user_remove(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The account to delete."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
) -> None:
    """Delete an account and everything it owns (reviews, answers, imported decks)."""
    from archprep.web import auth

    if not yes and not typer.confirm(
        f"Delete {username!r} with all its reviews, answers and imports?"
    ):
        console.print("Nothing was removed.")
        raise typer.Exit(1)  # not done, so not a success for a script either
    actx = app_context(ctx)
    with actx.store().session.begin() as session:
        auth.remove_user(session, username)
    console.print(f"Account {auth.normalise_username(username)!r} removed.")


@user_app.command("reset")
def user_reset(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="The account whose password to replace."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read the new password from the first line of stdin."
    ),
) -> None:
    """Set a new password for an account and sign it out everywhere."""
    from archprep.web import auth

    password = auth.check_password(_read_password(password_stdin))
    actx = app_context(ctx)
    with actx.store().session.begin() as session:
        auth.reset_password(session, username, password)
    console.print(f"Password for {auth.normalise_username(username)!r} reset; its sessions ended.")


@user_app.command("list")
def user_list(
    ctx: typer.Context, json_out: bool = typer.Option(False, "--json", help="Print JSON.")
) -> None:
    """List the accounts (not the implicit local user)."""
    from sqlalchemy import select

    from archprep.cli.common import print_json
    from archprep.store.cards import LOCAL_USER
    from archprep.store.schema import User

    with app_context(ctx).store().session() as session:
        users = session.scalars(
            select(User).where(User.username != LOCAL_USER).order_by(User.username)
        ).all()
        rows = [{"username": u.username, "admin": u.is_admin,
                 "created_at": u.created_at.isoformat()} for u in users]  # fmt: skip
    if json_out:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['username']}{'  (admin)' if r['admin'] else ''}", markup=False)
    if not rows:
        console.print("No accounts yet: add one with `archprep user add NAME`.")
