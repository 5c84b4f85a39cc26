"""Accounts, argon2 password hashing, DB-backed sessions, login rate limiting and CSRF tokens."""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archprep.errors import UserError
from archprep.scheduling import aware
from archprep.store import Store
from archprep.store.cards import LOCAL_USER
from archprep.store.schema import LoginAttemptRow, Meta, User, WebSessionRow

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,39}$")
PASSWORD_MIN = 8
PASSWORD_MAX = 1024
RESERVED = frozenset({LOCAL_USER, "admin", "root", "api", "static"})
# Refresh a session's expiry at most this often, so most requests only read.
TOUCH_EVERY = timedelta(hours=1)

# argon2id with OWASP's recommended floor (19 MiB, 2 passes, 1 lane): ~0.1 s per sign-in on a
# small server; hashes made with other parameters still verify.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# Verifying against this when the user does not exist keeps both paths equally slow.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class LoginFailed(UserError):
    """Wrong username or password (deliberately not saying which)."""


class LoginThrottled(UserError):
    """Too many recent failures for this username from this address."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RateLimit:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.match(name):
        raise UserError(
            "username must be 2-40 characters: lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if name in RESERVED:
        raise UserError(f"the username {name!r} is reserved; choose another")
    return name


def check_password(password: str) -> str:
    if len(password) < PASSWORD_MIN:
        raise UserError(f"password must be at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise UserError(f"password must be at most {PASSWORD_MAX} characters")
    return password


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def find_user(session: Session, username: str) -> User | None:
    return session.scalars(
        select(User).where(User.username == normalise_username(username))
    ).first()


def create_user(
    session: Session, username: str, password: str, now: datetime, *, is_admin: bool = False
) -> User:
    """A new account; raises ``UserError`` for a taken or malformed name or a weak password."""
    name = check_username(username)
    check_password(password)
    if find_user(session, name) is not None:
        raise UserError(f"the username {name!r} is taken")
    user = User(username=name, password_hash=hash_password(password), is_admin=is_admin,
                created_at=now)  # fmt: skip
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise UserError(f"the username {name!r} is taken") from None
    return user


def remove_user(session: Session, username: str) -> None:
    """Delete an account with everything it owns (decks, reviews, attempts, sessions)."""
    user = find_user(session, username)
    if user is None or user.username == LOCAL_USER:
        raise UserError(f"no account named {normalise_username(username)!r}")
    session.delete(user)
    session.flush()


def reset_password(session: Session, username: str, password: str) -> None:
    """Set a new password and sign the account out everywhere."""
    user = find_user(session, username)
    if user is None or user.username == LOCAL_USER:
        raise UserError(f"no account named {normalise_username(username)!r}")
    user.password_hash = hash_password(check_password(password))
    end_user_sessions(session, user.id)


def recent_failures(
    session: Session, username: str, ip: str, now: datetime, limit: RateLimit
) -> list[datetime]:
    return [
        aware(t)
        for t in session.scalars(
            select(LoginAttemptRow.attempted_at)
            .where(
                LoginAttemptRow.username == normalise_username(username)[:80],
                LoginAttemptRow.ip == ip[:64],
                LoginAttemptRow.succeeded.is_(False),
                LoginAttemptRow.attempted_at > now - limit.window,
            )
            .order_by(LoginAttemptRow.attempted_at)
        )
    ]


def authenticate(
    session: Session,
    username: str,
    password: str,
    ip: str,
    now: datetime,
    limit: RateLimit | None = None,
) -> User:
    """The account for these credentials; every attempt is logged for rate limiting.

    Raises ``LoginThrottled`` before checking anything once the (username, address) pair has
    ``max_failures`` failures inside the window, and ``LoginFailed`` on a wrong password.
    """
    limit = limit or RateLimit()
    failures = recent_failures(session, username, ip, now, limit)
    if len(failures) >= limit.max_failures:
        left = (failures[-limit.max_failures] + limit.window - now).total_seconds()
        retry = int(left) + 1
        minutes = max(1, math.ceil(left / 60))  # 900 s is 15 minutes, not 16
        raise LoginThrottled(
            f"too many failed sign-ins; try again in {minutes} minute{'s' if minutes != 1 else ''}",
            max(1, retry),
        )
    user = find_user(session, username)
    ok = verify_password(user.password_hash if user else None, password)
    session.add(LoginAttemptRow(username=normalise_username(username)[:80], ip=ip[:64],
                                attempted_at=now, succeeded=ok))  # fmt: skip
    session.execute(
        delete(LoginAttemptRow).where(LoginAttemptRow.attempted_at < now - 4 * limit.window)
    )
    if not ok or user is None:
        raise LoginFailed("wrong username or password")
    return user


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_id(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(session: Session, user_id: int, now: datetime, days: int = 30) -> str:
    """A new signed-in session; returns the cookie token (only its hash is stored)."""
    token = new_token()
    session.add(
        WebSessionRow(id=token_id(token), user_id=user_id, created_at=now, last_seen_at=now,
                      expires_at=now + timedelta(days=days))
    )  # fmt: skip
    return token


def session_user(session: Session, token: str, now: datetime, days: int = 30) -> User | None:
    """The user a cookie token belongs to, or None when unknown or expired (sliding expiry)."""
    if not token or len(token) > 200:
        return None
    found = session.execute(
        select(WebSessionRow, User)
        .join(User, WebSessionRow.user_id == User.id)
        .where(WebSessionRow.id == token_id(token))
    ).first()
    if found is None:
        return None
    row, user = found
    if aware(row.expires_at) <= now:
        session.delete(row)
        session.commit()
        return None
    if now - aware(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
        row.expires_at = now + timedelta(days=days)
        session.commit()
    return user


def end_session(session: Session, token: str) -> None:
    session.execute(delete(WebSessionRow).where(WebSessionRow.id == token_id(token)))


def end_user_sessions(session: Session, user_id: int) -> None:
    session.execute(delete(WebSessionRow).where(WebSessionRow.user_id == user_id))


def count_sessions(session: Session, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count()).select_from(WebSessionRow).where(WebSessionRow.user_id == user_id)
        )
        or 0
    )


def app_secret(store: Store) -> bytes:
    """The key CSRF tokens are derived from, kept in the store so every process agrees on it."""
    with store.session() as session:
        meta = session.get(Meta, "web_secret")
        if meta is not None:
            return bytes.fromhex(meta.value)
        session.add(Meta(key="web_secret", value=secrets.token_hex(32)))
        try:
            session.commit()
        except IntegrityError:  # another process won the race; use its key
            session.rollback()
        meta = session.get(Meta, "web_secret")
        assert meta is not None
        return bytes.fromhex(meta.value)


def csrf_token(secret: bytes, sid: str) -> str:
    """The per-session CSRF token: an HMAC of the session cookie, so it changes at sign-in."""
    return hmac.new(secret, b"csrf:" + sid.encode("utf-8"), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, sid: str | None, presented: str | None) -> bool:
    if not sid or not presented:
        return False
    return hmac.compare_digest(csrf_token(secret, sid), presented)
