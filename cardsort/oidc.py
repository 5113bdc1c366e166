"""Researcher sign-in through a team's OpenID Connect provider: its settings, Streamlit's ``[auth]`` secrets
made from them, who may sign in, and the signed note that says why a sign-in was refused.

Streamlit's ``st.login`` reads its provider only from the ``[auth]`` table of its secrets file. The
``OIDC_*`` settings (cardsort/settings.py) come from the environment or from that same table; when they
come from the environment, :func:`write_auth_section` (``python -m cardsort auth-secrets``, run by
``make run`` and before every start of a deployment) writes them into the file, and
:func:`auth_section_problems` tells the app when the file and the settings differ. ``[auth]``'s
``cookie_secret``, which signs Streamlit's identity cookie, is ``COOKIE_SECRET``: the same on every replica.

Who may sign in (:func:`account_for_user`): a provider user whose email address the provider vouches for
(``email_verified`` not false) and who was invited (an account with that address). Pure: no Streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import settings

AUTH_TABLE = "auth"
# The setting behind each key Streamlit reads from [auth] (cookie_secret: COOKIE_SECRET, the app's own).
AUTH_KEYS = {"server_metadata_url": "OIDC_SERVER_METADATA_URL", "client_id": "OIDC_CLIENT_ID",
             "client_secret": "OIDC_CLIENT_SECRET", "redirect_uri": "OIDC_REDIRECT_URI",
             "cookie_secret": "COOKIE_SECRET"}
_MARK = "# Written by python -m cardsort auth-secrets from the OIDC_* settings and COOKIE_SECRET."
NOTICE_SECONDS = 300
_NOTICE_CONTEXT = b"cardsort sign-in refused v1"


@dataclass(frozen=True)
class Provider:
    """A configured identity provider: what Streamlit's ``[auth]`` holds, and its name on the button."""

    name: str
    server_metadata_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    cookie_secret: str

    def auth_section(self) -> dict[str, str]:
        """The ``[auth]`` table Streamlit's ``st.login()`` (its default provider) needs."""
        return {key: getattr(self, key) for key in AUTH_KEYS}


def provider(*, environ: Mapping[str, str] | None = None, secrets: settings.Secrets = None) -> Provider | None:
    """The identity provider the settings configure, or ``None`` when ``OIDC_SERVER_METADATA_URL`` is unset.

    Raises ``ValueError`` naming every missing setting, or the first bad one.
    """
    def text(name: str) -> str | None:
        return settings.text(name, environ=environ, secrets=secrets)

    metadata_url = text("OIDC_SERVER_METADATA_URL")
    if metadata_url is None:
        return None
    found = {key: text(name) for key, name in AUTH_KEYS.items()}
    missing = [settings.SETTINGS[name].label for key, name in AUTH_KEYS.items() if found[key] is None]
    if missing:
        raise ValueError(f"OIDC_SERVER_METADATA_URL is set, so sign-in with the identity provider also needs "
                         f"{', '.join(missing)}")
    return Provider(name=str(text("OIDC_PROVIDER_NAME")), **{k: str(v) for k, v in found.items()})


def auth_section_problems(wanted: Provider, section: Mapping[str, object] | None, where: str) -> list[str]:
    """How Streamlit's ``[auth]`` table (``section``, read from ``where``) differs from the settings
    (secrets never shown); empty when it holds what ``wanted`` needs."""
    if not section:
        return [f"{where} has no [auth] table"]
    problems = []
    for key, value in wanted.auth_section().items():
        if section.get(key) in (None, ""):
            problems.append(f"[auth] in {where} has no {key}")
        elif section.get(key) != value:
            problems.append(f"{key} in [auth] of {where} differs from {AUTH_KEYS[key]}")
    return problems


def _without_auth_tables(text: str) -> str:
    """``text`` (TOML) without its ``[auth]`` table and ``[auth.*]`` subtables."""
    kept, skipping = [], False
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            name = stripped.strip("[]").split("#")[0].strip().strip("[]").strip()
            skipping = name == AUTH_TABLE or name.startswith(AUTH_TABLE + ".")
        if not skipping and stripped != _MARK:
            kept.append(line)
    return "\n".join(kept).rstrip("\n")


def write_auth_section(path: Path, wanted: Provider) -> bool:
    """Put ``wanted``'s ``[auth]`` table into the secrets file ``path`` (created, mode 600), keeping every other
    entry; ``True`` when the file changed (not when its ``[auth]`` already holds these values). The new file is
    checked and then swapped in whole, never half-written.

    Raises ``ValueError`` naming the file and the problem when it is not valid TOML, or when its ``[auth]``
    holds entries this does not write (``client_kwargs``, ``[auth.google]``…): those are edited by hand.
    """
    old = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        existing = tomllib.loads(old).get(AUTH_TABLE)
    except tomllib.TOMLDecodeError as err:
        raise ValueError(f"{path} is not valid TOML: {err}") from None
    if existing == wanted.auth_section():
        return False
    others = sorted(set(existing or {}) - set(AUTH_KEYS)) if isinstance(existing, dict) else []
    if others:
        raise ValueError(f"the [auth] table of {path} also holds {', '.join(others)}, which this command does not "
                         "write: edit that table by hand (.streamlit/secrets.toml.example), or remove those entries")
    lines = [f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in wanted.auth_section().items()]
    kept = _without_auth_tables(old)
    new = (kept + "\n\n" if kept else "") + _MARK + "\n[auth]\n" + "\n".join(lines) + "\n"
    parsed = tomllib.loads(new)  # a JSON string is a TOML basic string; checked all the same
    assert parsed[AUTH_TABLE] == wanted.auth_section(), "the [auth] table did not round-trip"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secrets-", suffix=".toml")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(new)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


# --- who may sign in ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    """A provider sign-in that does not open the app: the address the provider gave (if any) and why."""

    email: str | None
    message: str


def account_for_user[A](user: Mapping[str, object], provider_name: str,
                        find_by_email: Callable[[str], A | None]) -> A | Refusal:
    """The invited account of the provider's user (Streamlit's ``st.user``), or why there is none.

    The email address must be given and not marked unverified (``email_verified`` false; a provider that
    does not send the claim, as Microsoft Entra ID does not, is trusted: it is the team's own directory).
    ``find_by_email`` returns the account with that address, or ``None`` (no account, or a disabled one).
    """
    email = user.get("email")
    if not isinstance(email, str) or not email.strip():
        return Refusal(None, f"{provider_name} did not give this app your email address, so it cannot tell "
                             "which account is yours. Ask an admin to check the sign-in set-up.")
    email = email.strip()
    verified = user.get("email_verified")
    if verified is not None and verified is not True and str(verified).lower() != "true":
        return Refusal(email, f"{provider_name} has not verified the email address {email}. Verify it there, "
                              "then sign in again.")
    account = find_by_email(email)
    if account is None:
        return Refusal(email, f"There is no account for {email} here: ask an admin to invite you.")
    return account


# --- the signed note of a refusal, kept across the provider's sign-out ---------------------------

def _notice_signature(secret: str, payload: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), _NOTICE_CONTEXT + b"\0" + payload.encode("ascii"), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def make_notice(secret: str, message: str, *, now: float | None = None) -> str:
    """A cookie value carrying ``message`` for :data:`NOTICE_SECONDS`, signed with ``secret``."""
    expires = int(time.time() if now is None else now) + NOTICE_SECONDS
    body = base64.urlsafe_b64encode(message.encode("utf-8")).rstrip(b"=").decode("ascii")
    payload = f"{expires}.{body}"
    return f"{payload}.{_notice_signature(secret, payload)}"


def read_notice(secret: str, notice: object, *, now: float | None = None) -> str | None:
    """The message of a notice made by :func:`make_notice` with ``secret``, or ``None`` when it is not one,
    was tampered with or has expired."""
    if not isinstance(notice, str) or len(notice) > 3000 or not notice.isascii():
        return None
    parts = notice.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return None
    payload = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(parts[2], _notice_signature(secret, payload)):
        return None
    current = time.time() if now is None else now
    if not current < int(parts[0]) <= current + NOTICE_SECONDS + 60:
        return None
    try:
        return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode("utf-8")
    except ValueError:
        return None
