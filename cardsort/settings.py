"""Every setting the project reads, declared once as data, and the one place that reads them.

A setting comes from the environment; some may also be given in ``.streamlit/secrets.toml`` (their
``secrets_key``; ``auth.client_id`` is ``client_id`` in its ``[auth]`` table), the environment winning.
An empty (or blank) environment variable or secrets entry counts as unset. :func:`value` returns the checked
value, or the default when the setting is unset, or raises ``ValueError`` naming the setting and the problem
(``SESSION_HOURS=abc``).

Nothing else in ``cardsort/``, ``a11y/``, ``app_pages/``, ``streamlit_app.py``, ``bench/`` or
``tests/`` reads a declared setting itself (``tests/test_settings.py``), and README.md's settings table
names exactly the settings declared here. Nothing here imports Streamlit: the app passes ``st.secrets``.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

SECRETS_FILE = Path(".streamlit/secrets.toml")
MIN_SECRET_LENGTH = 32
MAX_SESSION_HOURS = 24 * 366
_ON, _OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")

Secrets = Mapping[str, object] | Path | None


def _text(setting: Setting, raw: object) -> str:
    return str(raw)


def _hours(setting: Setting, raw: object) -> float:
    try:
        hours = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        hours = math.nan
    if not 0 < hours <= MAX_SESSION_HOURS:  # also refuses NaN
        raise ValueError(f"{setting.label} must be a number of hours above 0 and at most a year, not {raw!r}")
    return hours


def _cookie_secret(setting: Setting, raw: object) -> str:
    secret = str(raw)
    if len(secret) < MIN_SECRET_LENGTH:
        raise ValueError(
            f"{setting.label} must be at least {MIN_SECRET_LENGTH} characters; it has {len(secret)}. "
            'Make one with: python -c "import secrets; print(secrets.token_urlsafe(32))"')
    return secret


def _switch(setting: Setting, raw: object) -> bool:
    value = str(raw).strip().lower()
    if value in _ON:
        return True
    if value in _OFF or not value:
        return False
    raise ValueError(f"{setting.label} must be 1 (allow local and private addresses) or 0, got {raw!r}")


def _whole(low: int, high: int) -> Callable[[Setting, object], int]:
    """A parser of a whole number from ``low`` to ``high``, the error naming the setting and the range."""
    def parse(setting: Setting, raw: object) -> int:
        try:
            number = int(str(raw).strip())
        except ValueError:
            number = low - 1
        if not low <= number <= high:
            raise ValueError(f"{setting.label} must be a whole number from {low} to {high}, not {raw!r}")
        return number
    return parse


def _on_off(setting: Setting, raw: object) -> bool:
    value = str(raw).strip().lower()
    if value in _ON or value in _OFF:
        return value in _ON
    raise ValueError(f"{setting.label} must be 1 (on) or 0 (off), got {raw!r}")


def _webdriver_url(setting: Setting, raw: object) -> str:
    url = str(raw).strip()
    if not url.startswith(("http://", "https://")) or len(url.split("://", 1)[1].strip("/")) == 0:
        raise ValueError(f"{setting.label} must be the http:// or https:// URL of a WebDriver or Selenium Grid "
                         f"(e.g. http://grid.internal:4444), got {raw!r}")
    return url


def _url(setting: Setting, raw: object) -> str:
    url = str(raw).strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{setting.label} must be an absolute http(s) URL, not {raw!r}")
    return url


def _callback_url(setting: Setting, raw: object) -> str:
    url = _url(setting, raw)
    if not urlsplit(url).path.endswith("/oauth2callback"):
        raise ValueError(f"{setting.label} must be the app's address ending in /oauth2callback "
                         f"(e.g. https://cardsort.example.org/oauth2callback), not {raw!r}")
    return url


def _hosts(setting: Setting, raw: object) -> frozenset[str] | None:
    hosts = frozenset(h.strip().lower() for h in str(raw).split(",") if h.strip())
    return hosts or None


@dataclass(frozen=True)
class Setting:
    """One setting: its environment variable, default, meaning and who reads it.

    ``default`` is the value when the setting is unset (already checked); ``parse`` turns a set
    value into what the code uses, raising ``ValueError`` that names :attr:`label`.
    """

    name: str
    default: object
    help: str
    used_by: str
    secrets_key: str | None = None
    parse: Callable[[Setting, object], object] = _text

    @property
    def label(self) -> str:
        """How errors name the setting: ``SESSION_HOURS (or session_hours in .streamlit/secrets.toml)``."""
        if self.secrets_key:
            return f"{self.name} (or {self.secrets_key} in {SECRETS_FILE})"
        return self.name


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting("DATABASE_URL", "sqlite:///data/app.db",
            "the database of studies, sorts and audits; PostgreSQL as postgresql+psycopg://user@host/db",
            "app, python -m cardsort, python -m a11y (history)", secrets_key="DATABASE_URL"),
    Setting("RESEARCHER_PASSWORD_HASH", None,
            "scrypt hash (scrypt$<salt>$<hash>) of the bootstrap password, which signs in as the built-in admin "
            "while no admin account exists; from the environment it wins over RESEARCHER_PASSWORD, which wins "
            "over researcher_password_hash in secrets.toml",
            "app sign-in (bootstrap)", secrets_key="researcher_password_hash"),
    Setting("RESEARCHER_PASSWORD", None, "the bootstrap password itself, hashed once per server",
            "app sign-in (bootstrap)"),
    Setting("COOKIE_SECRET", None,
            f"signs the sign-in cookie; at least {MIN_SECRET_LENGTH} characters, the same on every replica "
            "(unset: a secret of this process only)",
            "app sign-in, invite links, python -m cardsort researcher-password and account add --invite",
            secrets_key="cookie_secret",
            parse=_cookie_secret),
    Setting("SESSION_HOURS", 12.0, "how long a sign-in lasts, in hours", "app sign-in",
            secrets_key="session_hours", parse=_hours),
    Setting("OIDC_SERVER_METADATA_URL", None,
            "the identity provider's OpenID Connect discovery URL (…/.well-known/openid-configuration); "
            "set: the sign-in page offers signing in with it",
            "app sign-in, python -m cardsort auth-secrets", secrets_key="auth.server_metadata_url", parse=_url),
    Setting("OIDC_CLIENT_ID", None, "the app's client id at the identity provider",
            "app sign-in, python -m cardsort auth-secrets", secrets_key="auth.client_id"),
    Setting("OIDC_CLIENT_SECRET", None, "the app's client secret at the identity provider",
            "app sign-in, python -m cardsort auth-secrets", secrets_key="auth.client_secret"),
    Setting("OIDC_REDIRECT_URI", None,
            "the app's own address ending in /oauth2callback, registered at the identity provider",
            "app sign-in, python -m cardsort auth-secrets", secrets_key="auth.redirect_uri", parse=_callback_url),
    Setting("OIDC_PROVIDER_NAME", "your organisation", "the provider's name on the button: Sign in with <name>",
            "app sign-in", secrets_key="oidc_provider_name"),
    Setting("A11Y_ALLOWED_HOSTS", None,
            "comma-separated hosts audits may reach (.example.org also allows subdomains); unset: any host",
            "app audits, python -m a11y", parse=_hosts),
    Setting("A11Y_ALLOW_PRIVATE", False,
            "1: the app may audit loopback and private addresses (make run sets it); the CLI always may",
            "app audits", parse=_switch),
    Setting("A11Y_CHROMIUM", "/usr/bin/chromium", "the local Chromium binary", "a11y browsers (app, CLI, bench)"),
    Setting("A11Y_CHROMEDRIVER", "/usr/bin/chromedriver", "the local chromedriver", "a11y browsers (app, CLI, bench)"),
    Setting("A11Y_MAX_RUNNING_AUDITS", 2,
            "most audits running at once across every app replica and worker (checked when a job is claimed)",
            "app audits, python -m a11y worker", parse=_whole(1, 1000)),
    Setting("A11Y_JOB_LEASE_SECONDS", 60,
            "a running audit whose worker has not renewed its lease for this long is taken over by another "
            "worker (heartbeat every sixth of it)", "app audits, python -m a11y worker", parse=_whole(3, 3600)),
    Setting("A11Y_JOB_MAX_ATTEMPTS", 3,
            "times an audit is started before a job whose workers keep stopping is marked failed",
            "app audits, python -m a11y worker", parse=_whole(1, 100)),
    Setting("A11Y_APP_WORKER", True,
            "1: each app server also runs queued audits itself; 0: only those whose cookies, headers or typed "
            "values it holds, the rest waits for python -m a11y worker", "app audits", parse=_on_off),
    Setting("A11Y_REMOTE_URL", None,
            "a remote WebDriver or Selenium Grid (root URL or /wd/hub) every audit browser runs on; unset: "
            "the local Chromium", "app audits and preview, python -m a11y (--remote overrides), bench",
            parse=_webdriver_url),
    Setting("TEST_DATABASE_URL", None, "a PostgreSQL database for the PostgreSQL variants of tests and benchmarks",
            "tests, python -m bench load"),
)}


def _declared(name: str) -> Setting:
    try:
        return SETTINGS[name]
    except KeyError:
        raise KeyError(f"{name} is not a declared setting (cardsort/settings.py)") from None


def _from_secrets(key: str, secrets: Secrets) -> object | None:
    """``secrets[key]``; a dotted key (``auth.client_id``) looks inside a table (``[auth]``)."""
    if isinstance(secrets, Path):
        if not secrets.is_file():
            return None
        secrets = tomllib.loads(secrets.read_text(encoding="utf-8"))
    found: object | None = secrets
    try:
        for part in key.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
    except FileNotFoundError:  # Streamlit's st.secrets without a secrets.toml
        return None
    return found


def _unless_blank(given: object | None) -> object | None:
    return None if isinstance(given, str) and not given.strip() else given


def raw(name: str, *, environ: Mapping[str, str] | None = None, secrets: Secrets = None) -> object | None:
    """The setting as given, unchecked: the environment, else ``secrets`` (a mapping such as ``st.secrets``,
    or the path of a secrets.toml, read only when needed), else ``None``. Empty (or only spaces) counts as unset."""
    setting = _declared(name)
    given = _unless_blank((os.environ if environ is None else environ).get(name))
    if given is None and setting.secrets_key:
        given = _unless_blank(_from_secrets(setting.secrets_key, secrets))
    return given


def value(name: str, *, environ: Mapping[str, str] | None = None, secrets: Secrets = None) -> object:
    """The checked value of a setting (see :func:`raw` for where it is looked up), or its default when unset.

    Raises ``ValueError`` naming the setting and the problem when the value is not valid.
    """
    setting = _declared(name)
    given = raw(name, environ=environ, secrets=secrets)
    return setting.default if given is None else setting.parse(setting, given)


def text(name: str, *, environ: Mapping[str, str] | None = None, secrets: Secrets = None) -> str | None:
    """:func:`value` of a text setting (a URL, a path, a password), ``None`` when unset without a default."""
    result = value(name, environ=environ, secrets=secrets)
    return None if result is None else str(result)


def one_blas_thread() -> None:
    """Run OpenBLAS on one thread unless the environment already says how many; call before NumPy is imported.

    Not a setting of ours: ``OPENBLAS_NUM_THREADS`` is OpenBLAS's own, only given a default, here because this
    is the one module that touches the environment. The command line calls it: OpenBLAS starts a thread per
    core at NumPy's import, which then spins waiting for work that the commands' small matrix products never
    give it (importing NumPy and pyarrow took 0.205 CPU s with those threads, 0.110 s without; medians of 8,
    load 6).
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
