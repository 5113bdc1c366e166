"""Researcher sign-in, the app's own: which password is configured, the session, the signed cookie, the form.

A session token is what the browser keeps in a cookie so that a reload or a new tab stays signed in:
``<expires>.<session id>.<signature>``, where the signature is HMAC-SHA256, keyed with the cookie
secret, over the expiry, the session id and a SHA-256 of the configured password hash. So a token
cannot be forged or extended without the secret, stops working when it expires, and every token
stops working when the password (its hash) changes. The token functions are pure (no Streamlit call).

The password hash format is ``cardsort.auth``'s (the command line writes hashes this checks); every
setting is read through ``cardsort.settings``, ``st.secrets`` standing for ``.streamlit/secrets.toml``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time

import streamlit as st

from cardsort import auth, settings

SESSION_FLAG = "researcher_signed_in"  # never used as a widget key, so a browser cannot set it
PASSWORD_KEY = "login_password"
SESSION_TOKEN = "researcher_session_token"  # the signed token of this session (also in the browser's cookie)
SIGNED_OUT = "researcher_signed_out"  # set by "Sign out": the cookie this connection came with no longer counts
COOKIE_NAME = "cardsort_session"
_TOKEN_CONTEXT = b"cardsort researcher session v1"
log = logging.getLogger(__name__)


# --- signed session tokens (pure) --------------------------------------------------------------

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


def session_seconds(hours: float) -> int:
    """The sign-in lifetime in seconds for ``SESSION_HOURS`` (at least a minute)."""
    return max(60, round(hours * 3600))


# --- the settings of sign-in -------------------------------------------------------------------

@st.cache_resource(max_entries=2, show_spinner=False)
def _hash_of_env_password(password: str) -> str:
    return auth.env_password_hash(password)


def configured_hash() -> str | None:
    """The researcher password hash: environment first, then ``st.secrets``.

    ``RESEARCHER_PASSWORD_HASH`` wins over ``RESEARCHER_PASSWORD`` (hashed once per
    server), which wins over ``researcher_password_hash`` in ``.streamlit/secrets.toml``.
    """
    from_environment = settings.text("RESEARCHER_PASSWORD_HASH")
    if from_environment:
        return from_environment
    password = settings.text("RESEARCHER_PASSWORD")
    if password:
        return _hash_of_env_password(password)
    return settings.text("RESEARCHER_PASSWORD_HASH", secrets=st.secrets)


@st.cache_resource(max_entries=1, show_spinner=False)
def _secret_of_this_process() -> str:
    log.warning("No %s is set: sign-in cookies are signed with a secret of this process only, so a restart "
                "signs researchers out and other replicas refuse them (see docs/deploy.md).", "COOKIE_SECRET")
    return secrets.token_urlsafe(32)


def _cookie_settings() -> tuple[str, int]:
    """The cookie secret and the sign-in lifetime in seconds; ``ValueError`` naming a bad setting."""
    secret = settings.text("COOKIE_SECRET", secrets=st.secrets) or _secret_of_this_process()
    hours = float(settings.value("SESSION_HOURS", secrets=st.secrets))  # type: ignore[arg-type]
    return secret, session_seconds(hours)


def _token_expiry(token: str | None) -> int | None:
    """When this session token expires, or ``None`` if it is not valid now (or the settings are broken)."""
    stored = configured_hash()
    if not token or not stored:
        return None
    try:
        secret, lifetime = _cookie_settings()
    except ValueError:
        return None
    return session_expiry(token, secret, stored, lifetime)


# --- the session and the form ------------------------------------------------------------------

def _forget_session() -> None:
    st.session_state.pop(SESSION_FLAG, None)
    st.session_state.pop(SESSION_TOKEN, None)


def signed_in() -> bool:
    """Whether a researcher is signed in: by the password in this session, or by the signed cookie of an
    earlier one (a reload, a new tab, a link), until the token expires or the password changes."""
    if st.session_state.get(SESSION_FLAG) is True:
        token = st.session_state.get(SESSION_TOKEN)
        if token is None or _token_expiry(token) is not None:
            return True
        _forget_session()  # expired, or the password changed: sign in again
        return False
    if st.session_state.get(SIGNED_OUT):
        return False  # the cookie sent when this connection opened was cleared by "Sign out"
    token = st.context.cookies.get(COOKIE_NAME)
    if _token_expiry(token) is None:
        return False
    st.session_state[SESSION_FLAG] = True
    st.session_state[SESSION_TOKEN] = token
    return True


def _check_password() -> None:
    stored = configured_hash()
    password = st.session_state.get(PASSWORD_KEY, "")
    st.session_state[PASSWORD_KEY] = ""
    if stored and password and auth.verify_password(password, stored):
        secret, lifetime = _cookie_settings()
        st.session_state[SESSION_TOKEN] = make_session_token(secret, stored, lifetime)
        st.session_state[SESSION_FLAG] = True
        st.session_state.pop(SIGNED_OUT, None)
        st.session_state.pop("login_error", None)
    else:
        # Same message. Only a typed password runs scrypt (wrong and right alike); empty is instant. Next line: no-op.
        hmac.compare_digest(b"x", b"y")
        st.session_state["login_error"] = "That password is not right. Try again."


def login_form() -> None:
    """The researcher login form (a password field and a button; Enter submits)."""
    if configured_hash() is None:
        st.error(
            "No researcher password is set up. Run `make run` (it creates one and prints it), "
            "or set RESEARCHER_PASSWORD in the environment, or add researcher_password_hash to "
            ".streamlit/secrets.toml."
        )
        return
    try:
        _cookie_settings()
    except ValueError as err:
        st.error(f"Sign-in is not set up right: {err}.")
        return
    with st.form("login", enter_to_submit=True):
        st.text_input("Researcher password", type="password", key=PASSWORD_KEY, autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", on_click=_check_password)
    if st.session_state.get("login_error"):
        st.error(st.session_state["login_error"])


def require_login() -> None:
    """Stop the page unless a researcher is signed in; show the login form instead.

    The page keeps its address and query parameters, so after signing in the same page shows
    what was asked for (a link to ``/results?study=<id>`` opens those results).
    """
    if signed_in():
        return
    st.title("Sign in")
    st.write("This page is for the researchers who run the studies. Sign in with the researcher password; "
             "this page then opens.")
    login_form()
    st.stop()


def current_actor() -> str:
    """Who the signed-in researcher is, as recorded with each change they make (:mod:`cardsort.changes`).

    With one shared researcher password every researcher is the same identity, ``"researcher"``
    (named accounts will give the account's e-mail address here).
    """
    return "researcher"


def logout_button() -> None:
    """A sign-out button in the sidebar: ends the session here and clears the sign-in cookie."""
    def _sign_out() -> None:
        _forget_session()
        st.session_state[SIGNED_OUT] = True
        st.session_state[f"{SIGNED_OUT}:now"] = True  # the entry point then opens the sign-in page

    st.sidebar.button("Sign out", on_click=_sign_out, key="sign_out")


_COOKIE_JS = """
export default function ({ data }) {
  if (!data || !data.name) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const life = data.token ? "; Expires=" + new Date(data.expires * 1000).toUTCString() : "; Max-Age=0";
  document.cookie = data.name + "=" + (data.token || "") + "; Path=/; SameSite=Strict" + life + secure;
}
"""
_cookie_component = st.components.v2.component("session_cookie", js=_COOKIE_JS)


def sync_session_cookie() -> None:
    """Keep the browser's sign-in cookie in step with this session: write the signed token while signed
    in; remove the cookie after "Sign out" or when the browser sent one that is not valid (tampered,
    expired, or from before a password change). Renders nothing visible."""
    token = st.session_state.get(SESSION_TOKEN) if signed_in() else None
    expires = _token_expiry(token)
    if token and expires:  # in the sidebar, under "Sign out": no gap above the page's title
        with st.sidebar:
            _cookie_component(data={"name": COOKIE_NAME, "token": token, "expires": expires},
                              key="session_cookie", height=0)
    elif st.session_state.get(SIGNED_OUT) or (COOKIE_NAME in st.context.cookies and not signed_in()):
        _cookie_component(data={"name": COOKIE_NAME, "token": "", "expires": 0}, key="session_cookie", height=0)
