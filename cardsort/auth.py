"""Passwords as the accounts and the command line need them: scrypt hashes, and the cookie secret of `make run`.

The hash format (:func:`hash_password`, :func:`verify_password`, :func:`env_password_hash`) lives here,
without Streamlit: ``cardsort.accounts`` stores these hashes, and the bootstrap password
(``RESEARCHER_PASSWORD`` or its hash) is checked with them. Signing in (the session, the signed cookie)
is the app's: ``app_pages/_signin.py``. Settings are read through ``cardsort.settings``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from pathlib import Path

from . import settings

HASH_KEY = str(settings.SETTINGS["RESEARCHER_PASSWORD_HASH"].secrets_key)
COOKIE_SECRET_KEY = str(settings.SETTINGS["COOKIE_SECRET"].secrets_key)
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


def env_password_hash(password: str) -> str:
    """The hash of a password given in the environment (``RESEARCHER_PASSWORD``).

    Its salt is derived from the password, so every process and replica computes the same hash and a
    session token signed by one is accepted by the others. It is only ever kept in memory.
    """
    return hash_password(password, salt=hashlib.sha256(b"cardsort env password\0" + password.encode()).digest()[:16])


def ensure_cookie_secret(secrets_file: Path) -> bool:
    """Make sure a cookie secret exists for local use; ``True`` if one was generated into ``secrets_file``.

    ``COOKIE_SECRET`` in the environment or ``cookie_secret`` in the file already set: nothing changes.
    """
    if settings.raw("COOKIE_SECRET", secrets=secrets_file) is not None:
        return False
    secrets_file.parent.mkdir(parents=True, exist_ok=True)
    existing = secrets_file.read_text(encoding="utf-8") if secrets_file.is_file() else ""
    # At the top: a key after a [table] header would belong to that table.
    secrets_file.write_text(f'{COOKIE_SECRET_KEY} = "{secrets.token_urlsafe(32)}"\n' + existing, encoding="utf-8")
    secrets_file.chmod(0o600)
    return True
