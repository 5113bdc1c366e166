"""Researcher password: scrypt hashes, constant-time checks, and the demo password for `make run`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from pathlib import Path

HASH_KEY = "researcher_password_hash"
_N, _R, _P = 2**14, 8, 1


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


def configured_hash(secrets_file: Path) -> str | None:
    """The hash from ``RESEARCHER_PASSWORD_HASH``, or ``RESEARCHER_PASSWORD`` hashed, or secrets.toml."""
    if os.environ.get("RESEARCHER_PASSWORD_HASH"):
        return os.environ["RESEARCHER_PASSWORD_HASH"]
    if os.environ.get("RESEARCHER_PASSWORD"):
        return hash_password(os.environ["RESEARCHER_PASSWORD"])
    if secrets_file.is_file():
        value = tomllib.loads(secrets_file.read_text(encoding="utf-8")).get(HASH_KEY)
        return str(value) if value else None
    return None


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
