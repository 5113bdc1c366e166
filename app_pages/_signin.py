"""Researcher sign-in, the app's own: named accounts, the session, the signed cookie, the forms, roles.

Researchers sign in with their account's email and password (``cardsort.accounts``: roles, rate limiting,
invitations). A session token is what the browser keeps in a cookie so that a reload or a new tab stays
signed in: ``<expires>.<account id>.<session id>.<signature>``, where the signature is HMAC-SHA256, keyed
with the cookie secret, over the expiry, the account id, the session id and a SHA-256 of the account's
password hash. So a token cannot be forged or extended without the secret, stops working when it expires,
and every token of an account stops working when its password changes or it is disabled (its row is read
on every run). The token functions are pure (no Streamlit call).

The bootstrap: while no active admin account exists, the configured researcher password
(``RESEARCHER_PASSWORD_HASH``, ``RESEARCHER_PASSWORD`` or ``researcher_password_hash`` in secrets.toml)
signs in as the built-in admin ``admin`` (account id 0), whose only use is to add the first accounts.
Every setting is read through ``cardsort.settings``, ``st.secrets`` standing for ``.streamlit/secrets.toml``.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import ipaddress
import logging
import secrets
import time
from collections.abc import Callable
from typing import ParamSpec

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_pages import _oidc
from app_pages._db import engine
from cardsort import accounts, auth, settings
from cardsort.accounts import Account

SESSION_ACCOUNT = "researcher_account"  # the signed-in account's id; never a widget key, so a browser cannot set it
EMAIL_KEY = "login_email"
PASSWORD_KEY = "login_password"
SESSION_TOKEN = "researcher_session_token"  # the signed token of this session (also in the browser's cookie)
SIGNED_OUT = "researcher_signed_out"  # set by "Sign out": the cookie this connection came with no longer counts
COOKIE_NAME = "cardsort_session"
INVITE_PARAM = "invite"
BOOTSTRAP = Account(id=0, email="admin", name="Built-in admin", role="admin")
_TOKEN_CONTEXT = b"cardsort researcher session v2"
ACTION_WORDS = {"read": "shows results", "edit": "changes studies, results or audits",
                "admin": "manages the team's accounts"}
log = logging.getLogger(__name__)


# --- signed session tokens (pure) --------------------------------------------------------------

def _signature(secret: str, binding: str, payload: str) -> str:
    bound = hashlib.sha256(binding.encode("utf-8")).digest()
    mac = hmac.new(secret.encode("utf-8"), _TOKEN_CONTEXT + b"\0" + payload.encode("ascii") + b"\0" + bound,
                   hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def make_session_token(secret: str, account_id: int, binding: str, lifetime: int, *,
                       now: float | None = None) -> str:
    """A new signed token for a session of account ``account_id`` of ``lifetime`` seconds from ``now``;
    ``binding`` is the account's password hash (the token dies when it changes)."""
    expires = int(time.time() if now is None else now) + int(lifetime)
    payload = f"{expires}.{int(account_id)}.{secrets.token_urlsafe(16)}"
    return f"{payload}.{_signature(secret, binding, payload)}"


def token_account(token: str | None) -> int | None:
    """The account id a token claims (not yet checked: :func:`session_expiry` checks it), or ``None``."""
    if not isinstance(token, str) or len(token) > 200 or not token.isascii():
        return None
    parts = token.split(".")
    if len(parts) != 4 or not parts[1].isdigit() or len(parts[1]) > 12:
        return None
    return int(parts[1])


def session_expiry(token: str, secret: str, binding: str, lifetime: int, *,
                   now: float | None = None) -> int | None:
    """When ``token`` expires (Unix seconds), or ``None`` if it is not one we signed with this secret and this
    binding (the password hash of the account it names), is malformed, has expired, or claims to last longer
    than ``lifetime`` from ``now``.

    The signature is compared in constant time (``hmac.compare_digest``).
    """
    if token_account(token) is None:
        return None
    parts = token.split(".")
    if not parts[0].isdigit() or len(parts[0]) > 12 or not parts[2]:
        return None
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(parts[3].encode("ascii"), _signature(secret, binding, payload).encode("ascii")):
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
    """The bootstrap researcher password hash: environment first, then ``st.secrets``.

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


def _engine():
    return accounts.ensure_tables(engine())


def bootstrap_hash() -> str | None:
    """The configured password of the built-in admin while no active admin account exists, else ``None``."""
    stored = configured_hash()
    if stored is None or accounts.has_admin(_engine()):
        return None
    return stored


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


_RUN_MEMO = "researcher_account_of_this_run"  # (the run's cursors, account id, binding); never a widget key


def _lookup(account_id: int) -> tuple[Account, str] | None:
    if account_id == BOOTSTRAP.id:
        stored = bootstrap_hash()
        return None if stored is None else (BOOTSTRAP, stored)
    return accounts.session_binding(_engine(), account_id)


def _binding(account_id: int | None) -> tuple[Account, str] | None:
    """The active account with this id and its session binding (see ``accounts.session_binding``).

    Read from the database once per script run (the entry point, the page and its guards all ask), never
    across runs: a password change or a disabled account counts from the next run on, in every session.
    """
    if account_id is None:
        return None
    run = getattr(get_script_run_ctx(suppress_warning=True), "cursors", None)  # a new dict at the start of every run
    memo = st.session_state.get(_RUN_MEMO)
    if run is not None and memo is not None and memo[0] is run and memo[1] == account_id:
        return memo[2]
    bound = _lookup(account_id)
    if run is not None:
        st.session_state[_RUN_MEMO] = (run, account_id, bound)
    return bound


def forget_account_of_this_run() -> None:
    """After changing an account in this run (its role, its password): read it again."""
    st.session_state.pop(_RUN_MEMO, None)


def _token_expiry(token: str | None, binding: str) -> int | None:
    """When this session token expires, or ``None`` if it is not valid now (or the settings are broken)."""
    if not token:
        return None
    try:
        secret, lifetime = _cookie_settings()
    except ValueError:
        return None
    return session_expiry(token, secret, binding, lifetime)


def pick_address(address: str | None, forwarded: str | None) -> str | None:
    """Whose failed sign-ins to count: the connection's ``address``; when that is unknown (a local connection) or
    a loopback or private address (a proxy in front), the last ``X-Forwarded-For`` entry, the one that proxy added
    (a client can forge the entries before it, not that one)."""
    entries = [a.strip() for a in (forwarded or "").split(",") if a.strip()]
    try:
        behind_proxy = address is None or ipaddress.ip_address(address).is_private
    except ValueError:
        behind_proxy = False
    return entries[-1] if entries and behind_proxy else address


def client_address() -> str | None:
    """The browser's address, for counting failed sign-ins (:func:`pick_address`)."""
    return pick_address(st.context.ip_address, st.context.headers.get("X-Forwarded-For"))


# --- the session, roles and the forms -----------------------------------------------------------

def _forget_session() -> None:
    st.session_state.pop(SESSION_ACCOUNT, None)
    st.session_state.pop(SESSION_TOKEN, None)


def current_account() -> Account | None:
    """The signed-in account: from this session, or from the signed cookie of an earlier one (a reload, a new
    tab, a link), until the token expires, the account's password changes or the account is disabled."""
    account_id = st.session_state.get(SESSION_ACCOUNT)
    if account_id is not None:
        bound = _binding(account_id)
        token = st.session_state.get(SESSION_TOKEN)
        if bound is not None and (token is None or _token_expiry(token, bound[1]) is not None):
            return bound[0]
        _forget_session()  # expired, disabled, or the password changed: sign in again
        return None
    if st.session_state.get(SIGNED_OUT):
        return None  # the cookie sent when this connection opened was cleared by "Sign out"
    token = st.context.cookies.get(COOKIE_NAME)
    bound = _binding(token_account(token))
    if bound is None or _token_expiry(token, bound[1]) is None:
        return _oidc.provider_account(_engine())  # signed in at the identity provider (st.user), if invited
    st.session_state[SESSION_ACCOUNT] = bound[0].id
    st.session_state[SESSION_TOKEN] = token
    return bound[0]


def signed_in() -> bool:
    """Whether someone is signed in (see :func:`current_account`)."""
    return current_account() is not None


def current_actor() -> str:
    """Who is acting, for the record of changes: the signed-in account's email ("anonymous" when none)."""
    account = current_account()
    return account.email if account else "anonymous"


def can(action: str) -> bool:
    """Whether the signed-in account may do ``action`` ("read", "edit", "admin"); ``False`` when signed out."""
    account = current_account()
    return account is not None and account.can(action)


def _start_session(account: Account, binding: str) -> None:
    forget_account_of_this_run()
    secret, lifetime = _cookie_settings()
    st.session_state[SESSION_TOKEN] = make_session_token(secret, account.id, binding, lifetime)
    st.session_state[SESSION_ACCOUNT] = account.id
    st.session_state.pop(SIGNED_OUT, None)
    st.session_state.pop("login_error", None)


def sign_in_as(account: Account) -> bool:
    """Start a session of ``account`` signed in some other way (single sign-on): ``False`` if it is not active."""
    bound = _binding(account.id)
    if bound is None:
        return False
    _start_session(*bound)
    return True


def _check_password() -> None:
    email = str(st.session_state.get(EMAIL_KEY, "")).strip()
    password = st.session_state.get(PASSWORD_KEY, "")
    st.session_state[PASSWORD_KEY] = ""
    if not email or not password:
        st.session_state["login_error"] = "Type your email address and your password."
        return
    stored = bootstrap_hash()
    try:
        account = accounts.sign_in(_engine(), email, password, client_address(),
                                   fallback=None if stored is None else (BOOTSTRAP, stored))
    except accounts.TooManyAttempts as err:
        st.session_state["login_error"] = str(err)
        return
    if account is None:  # the same words whether the email has an account or not
        st.session_state["login_error"] = "That email and password do not match an account. Try again."
        return
    bound = _binding(account.id)
    if bound is not None:
        _start_session(*bound)


def _no_way_in() -> bool:
    """Whether nobody can sign in: no bootstrap password and no account with a password."""
    return configured_hash() is None and not any(a["has_password"] and a["disabled_at"] is None
                                                 for a in accounts.list_accounts(_engine()))


def login_form() -> None:
    """The sign-in form (email, password, a button; Enter submits), under the identity provider's button
    when one is set up (``_oidc.sign_in_section``)."""
    _oidc.sign_in_section()
    if _no_way_in():
        if _oidc.offered():
            return  # invited accounts sign in through the provider; no password form without passwords
        st.error(
            "No account is set up. Run `make run` (it creates an admin account for this computer and prints how "
            "to sign in), or add one with `python -m cardsort account add EMAIL --role admin`, or set "
            "RESEARCHER_PASSWORD to sign in once as the built-in admin `admin` and add accounts on the Accounts page."
        )
        return
    try:
        _cookie_settings()
    except ValueError as err:
        st.error(f"Sign-in is not set up right: {err}.")
        return
    if bootstrap_hash() is not None:
        st.info("No admin account exists yet: sign in with the email `admin` and the researcher password "
                "(RESEARCHER_PASSWORD), then add your team on the Accounts page.")
    with st.form("login", enter_to_submit=True):
        st.text_input("Email", key=EMAIL_KEY, autocomplete="username")
        st.text_input("Password", type="password", key=PASSWORD_KEY, autocomplete="current-password")
        st.form_submit_button("Sign in", type="primary", on_click=_check_password)
    if st.session_state.get("login_error"):
        st.error(st.session_state["login_error"])


def _accept_invite(token: str) -> None:
    first, second = st.session_state.get("invite_password", ""), st.session_state.get("invite_again", "")
    st.session_state["invite_password"] = st.session_state["invite_again"] = ""
    if first != second:
        st.session_state["invite_error"] = "The two passwords differ. Type the same password twice."
        return
    try:
        secret, _ = _cookie_settings()
        account = accounts.accept_invite(_engine(), secret, token, first)
    except ValueError as err:
        st.session_state["invite_error"] = f"{str(err)[:1].upper()}{str(err)[1:]}."
        return
    st.session_state.pop("invite_error", None)
    bound = _binding(account.id)
    if bound is not None:
        _start_session(*bound)


def invite_form(token: str) -> bool:
    """The "choose your password" form of an invite link; ``False`` if the link is not valid."""
    try:
        secret, _ = _cookie_settings()
    except ValueError:
        return False
    account = accounts.invited_account(_engine(), secret, token)
    if account is None:
        return False
    st.write(f"You are invited as {account.label}, {account.role}. Choose your password (at least "
             f"{accounts.MIN_PASSWORD} characters).")
    with st.form("invite", enter_to_submit=True):
        st.text_input("New password", type="password", key="invite_password", autocomplete="new-password")
        st.text_input("The same password again", type="password", key="invite_again", autocomplete="new-password")
        st.form_submit_button("Set my password and sign in", type="primary", on_click=_accept_invite, args=(token,))
    if st.session_state.get("invite_error"):
        st.error(st.session_state["invite_error"])
    return True


def require_login(action: str = "read") -> Account:
    """Stop the page unless someone is signed in whose role may do ``action``; show the sign-in form (signed out)
    or say what the role may not do (signed in). Returns the account.

    The page keeps its address and query parameters, so after signing in the same page shows
    what was asked for (a link to ``/results?study=<id>`` opens those results).
    """
    account = current_account()
    if account is None:
        st.title("Sign in")
        st.write("This page is for the researchers who run the studies. Sign in with your account; "
                 "this page then opens.")
        login_form()
        st.stop()
    if not account.can(action):
        st.title("Not for your role")
        st.error(f"This page {ACTION_WORDS[action]}. Your account ({account.email}) is a {account.role}, "
                 "so it cannot. An admin can change your role on the Accounts page.")
        st.stop()
    return account


def refuse_unless(action: str) -> bool:
    """For the code that writes: ``True`` if the signed-in role may do ``action``; otherwise shows an error and
    returns ``False``. Widgets a role may not use are not shown to it; this refuses the write itself as well."""
    if can(action):
        return True
    st.error(f"Your role cannot do this: it {ACTION_WORDS[action]}.")
    return False


P = ParamSpec("P")


def requires(action: str) -> Callable[[Callable[P, object]], Callable[P, None]]:
    """Decorate a widget callback that writes: it runs only if the signed-in role may do ``action`` (a role changed
    meanwhile, or a click on a widget the page no longer shows, is refused with an error)."""
    def wrap(callback: Callable[P, object]) -> Callable[P, None]:
        @functools.wraps(callback)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> None:
            if refuse_unless(action):
                callback(*args, **kwargs)
        guarded.required_action = action  # type: ignore[attr-defined]  # read by tests/app/test_roles.py
        return guarded
    return wrap


def logout_button() -> None:
    """Who is signed in, and a sign-out button, in the sidebar: ends the session here and clears the cookie."""
    def _sign_out() -> None:
        _forget_session()
        st.session_state[SIGNED_OUT] = True
        st.session_state[f"{SIGNED_OUT}:now"] = True  # the entry point then opens the sign-in page
        _oidc.sign_out()

    account = current_account()
    if account is not None:
        st.sidebar.text(f"Signed in as {account.label}, {account.role}")  # text: a name is never markup
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
    expired, from before a password change, or of a disabled account). Renders nothing visible."""
    account = current_account()
    token = st.session_state.get(SESSION_TOKEN) if account else None
    bound = _binding(account.id) if account else None
    expires = _token_expiry(token, bound[1]) if bound else None
    if token and expires:  # in the sidebar, under "Sign out": no gap above the page's title
        with st.sidebar:
            _cookie_component(data={"name": COOKIE_NAME, "token": token, "expires": expires},
                              key="session_cookie", height=0)
    elif st.session_state.get(SIGNED_OUT) or (COOKIE_NAME in st.context.cookies and not signed_in()):
        _cookie_component(data={"name": COOKIE_NAME, "token": "", "expires": 0}, key="session_cookie", height=0)
