"""Researcher sign-in: scrypt password hashes, signed expiring session tokens, and the local set-up of `make run`.

A session token is what the browser keeps in a cookie so that a reload or a new tab stays signed in:
``<expires>.<session id>.<signature>``, where the signature is HMAC-SHA256, keyed with the cookie
secret, over the expiry, the session id and a SHA-256 of the configured password hash. So a token
cannot be forged or extended without the secret, stops working when it expires, and every token
stops working when the password (its hash) changes. Nothing here imports Streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
import tomllib
from pathlib import Path

HASH_KEY = "researcher_password_hash"
COOKIE_SECRET_ENV, COOKIE_SECRET_KEY = "COOKIE_SECRET", "cookie_secret"
SESSION_HOURS_ENV, SESSION_HOURS_KEY = "SESSION_HOURS", "session_hours"
DEFAULT_SESSION_HOURS = 12.0
MIN_SECRET_LENGTH = 32
_N, _R, _P = 2**14, 8, 1
_TOKEN_CONTEXT = b"cardsort researcher session v1"


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$<salt>$<hash>``, both base64."""
    if not password:
        raise ValueError("the password is empty")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def verify_password(password: str, stored_hash: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (constant-time comparison)."""
    try:
        scheme, salt, digest = stored_hash.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt),
                             n=_N, r=_R, p=_P, dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


def env_password_hash(password: str) -> str:
    """The hash of a password given in the environment (``RESEARCHER_PASSWORD``).

    Its salt is derived from the password, so every process and replica computes the same hash and a
    session token signed by one is accepted by the others. It is only ever kept in memory.
    """
    return hash_password(password, salt=hashlib.sha256(b"cardsort env password\0" + password.encode()).digest()[:16])


def _secrets_value(secrets_file: Path, key: str) -> object | None:
    if secrets_file.is_file():
        return tomllib.loads(secrets_file.read_text(encoding="utf-8")).get(key)
    return None


def configured_hash(secrets_file: Path) -> str | None:
    """The hash from ``RESEARCHER_PASSWORD_HASH``, or ``RESEARCHER_PASSWORD`` hashed, or secrets.toml."""
    if os.environ.get("RESEARCHER_PASSWORD_HASH"):
        return os.environ["RESEARCHER_PASSWORD_HASH"]
    if os.environ.get("RESEARCHER_PASSWORD"):
        return env_password_hash(os.environ["RESEARCHER_PASSWORD"])
    value = _secrets_value(secrets_file, HASH_KEY)
    return str(value) if value else None


def ensure_demo_password(secrets_file: Path, password_file: Path) -> str | None:
    """Make sure a researcher password exists; return the demo password to print, if we made it.

    When none is configured, a random one is generated, its hash appended to
    ``secrets_file`` and the password kept (mode 600) in ``password_file`` so later
    runs can print it again. A password set by the user is never printed.
    """
    if password_file.is_file() and configured_hash(secrets_file):
        return password_file.read_text(encoding="utf-8").strip()
    if configured_hash(secrets_file):
        return None
    password = secrets.token_urlsafe(12)
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    existing = secrets_file.read_text(encoding="utf-8") if secrets_file.is_file() else ""
    secrets_file.write_text(existing + f'\n{HASH_KEY} = "{hash_password(password)}"\n', encoding="utf-8")
    password_file.parent.mkdir(parents=True, exist_ok=True)
    password_file.write_text(password + "\n", encoding="utf-8")
    password_file.chmod(0o600)
    return password


# --- signed session tokens (the sign-in cookie) ------------------------------------------------

def check_cookie_secret(secret: str) -> str:
    """``secret`` if it is long enough to sign session tokens, else a ``ValueError`` that says how to make one."""
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{COOKIE_SECRET_ENV} (or {COOKIE_SECRET_KEY} in .streamlit/secrets.toml) must be at least "
            f"{MIN_SECRET_LENGTH} characters; it has {len(secret)}. Make one with: "
            'python -c "import secrets; print(secrets.token_urlsafe(32))"')
    return secret


def session_seconds(value: object | None) -> int:
    """The sign-in lifetime in seconds from a number of hours (``SESSION_HOURS``); 12 hours when unset."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return int(DEFAULT_SESSION_HOURS * 3600)
    try:
        hours = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        hours = float("nan")
    if not 0 < hours <= 24 * 366:  # also refuses NaN
        raise ValueError(f"{SESSION_HOURS_ENV} (or {SESSION_HOURS_KEY} in .streamlit/secrets.toml) must be a "
                         f"number of hours above 0 and at most a year, not {value!r}")
    return max(60, round(hours * 3600))


def _signature(secret: str, password_hash: str, payload: str) -> str:
    bound = hashlib.sha256(password_hash.encode("utf-8")).digest()
    mac = hmac.new(secret.encode("utf-8"), _TOKEN_CONTEXT + b"\0" + payload.encode("ascii") + b"\0" + bound,
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def make_session_token(secret: str, password_hash: str, lifetime: int, *, now: float | None = None) -> str:
    """A new signed token for a researcher session of ``lifetime`` seconds from ``now``."""
    expires = int(time.time() if now is None else now) + int(lifetime)
    payload = f"{expires}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_signature(secret, password_hash, payload)}"


def session_expiry(token: str, secret: str, password_hash: str, lifetime: int, *,
                   now: float | None = None) -> int | None:
    """When ``token`` expires (Unix seconds), or ``None`` if it is not one we signed with this secret and this
    password hash, is malformed, has expired, or claims to last longer than ``lifetime`` from ``now``.

    The signature is compared in constant time (``hmac.compare_digest``).
    """
    if not isinstance(token, str) or len(token) > 200 or not token.isascii():
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12 or not parts[1]:
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2].encode("ascii"), _signature(secret, password_hash, payload).encode("ascii")):
        return None
    expires, current = int(parts[0]), time.time() if now is None else now
    if expires <= current or expires > current + lifetime + 60:  # 60 s: clocks of two replicas
        return None
    return expires


def ensure_cookie_secret(secrets_file: Path) -> bool:
    """Make sure a cookie secret exists for local use; ``True`` if one was generated into ``secrets_file``.

    ``COOKIE_SECRET`` in the environment or ``cookie_secret`` in the file already set: nothing changes.
    """
    if os.environ.get(COOKIE_SECRET_ENV) or _secrets_value(secrets_file, COOKIE_SECRET_KEY):
        return False
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    existing = secrets_file.read_text(encoding="utf-8") if secrets_file.is_file() else ""
    # At the top: a key after a [table] header would belong to that table.
    secrets_file.write_text(f'{COOKIE_SECRET_KEY} = "{secrets.token_urlsafe(32)}"\n' + existing, encoding="utf-8")
    secrets_file.chmod(0o600)
    return True
