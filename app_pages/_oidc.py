"""Researcher sign-in through the team's identity provider (OpenID Connect, Streamlit's ``st.login``).

The provider is configured by the ``OIDC_*`` settings (``cardsort.oidc``: Streamlit reads them from the
``[auth]`` table of its secrets file, which ``python -m cardsort auth-secrets`` writes). After the provider's
callback Streamlit keeps the person's identity in its own signed cookie (``st.user``, surviving reloads and
new tabs; signed with ``COOKIE_SECRET``, so every replica reads it). :func:`provider_account` maps that
identity to an invited account on every run (``cardsort.accounts.find_by_email``): a disabled account stops
at once. An identity with no account is refused: the reason is kept in a short-lived signed cookie, the
person is signed out of the provider (``st.logout()``), and the sign-in page then says why.
"""

from __future__ import annotations

import logging
import re

import streamlit as st

from cardsort import accounts, oidc, settings
from cardsort.accounts import Account

NOTICE_COOKIE = "cardsort_signin_refused"
REFUSAL = "oidc_refusal"  # this session's refused identity (never a widget key)
log = logging.getLogger(__name__)


def _markdown_text(text: str) -> str:
    """``text`` shown literally by Streamlit's Markdown (an email with ``_`` or ``*`` stays as typed)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!<>|~$])", r"\\\1", text)


def provider() -> oidc.Provider | None:
    """The configured identity provider, or ``None``; ``ValueError`` naming a missing or bad setting."""
    return oidc.provider(secrets=st.secrets)


def setup_problem() -> str | None:
    """Why the configured provider cannot be used (a missing setting, or Streamlit's ``[auth]`` table not
    written from the settings), or ``None`` when it can (or none is configured)."""
    try:
        wanted = provider()
    except ValueError as err:
        return str(err)
    if wanted is None:
        return None
    try:
        section = st.secrets.get(oidc.AUTH_TABLE)
    except FileNotFoundError:
        section = None
    problems = oidc.auth_section_problems(wanted, section, "Streamlit's secrets file")
    if problems:
        return "; ".join(problems) + ". Run `python -m cardsort auth-secrets` before starting the app"
    return None


def _usable() -> oidc.Provider | None:
    if setup_problem() is not None:
        return None
    return provider()


def offered() -> bool:
    """Whether the sign-in page offers the identity provider (configured, and Streamlit's ``[auth]`` matches)."""
    return _usable() is not None


def provider_account(engine) -> Account | None:
    """The invited account of the person signed in at the provider (``st.user``), or ``None``: nobody is, or
    the identity is refused (the refusal is kept for :func:`sign_in_section`)."""
    if not st.user.get("is_logged_in"):
        return None
    wanted = _usable()
    if wanted is None:
        return None
    found = oidc.account_for_user(st.user, wanted.name, lambda email: accounts.find_by_email(engine, email))
    if isinstance(found, oidc.Refusal):
        st.session_state[REFUSAL] = found
        return None
    st.session_state.pop(REFUSAL, None)
    return found


def signed_in_at_provider() -> bool:
    return bool(st.user.get("is_logged_in"))


def sign_out() -> None:
    """Sign out of the provider too (``st.logout()``: Streamlit's cookie, then the provider's own sign-out)."""
    if signed_in_at_provider():
        st.logout()


_NOTICE_JS = """
export default function ({ data, setTriggerValue }) {
  if (!data || !data.name) return;
  const secure = window.location.protocol === "https:" ? "; Secure" : "";
  const life = data.value ? "; Max-Age=" + data.seconds : "; Max-Age=0";
  document.cookie = data.name + "=" + (data.value || "") + "; Path=/; SameSite=Lax" + life + secure;
  if (data.value) setTriggerValue("written", true);
}
"""
_notice_component = st.components.v2.component("signin_refused_notice", js=_NOTICE_JS)


def _cookie_secret() -> str:
    return str(settings.text("COOKIE_SECRET", secrets=st.secrets))


def sign_in_section() -> None:
    """On the sign-in form: why the last provider sign-in was refused, and the "Sign in with …" button.

    A refused identity of this session is signed out of the provider: the reason is written to a signed
    cookie first (it must outlive this session), then ``st.logout()`` runs.
    """
    try:
        wanted = provider()
    except ValueError:
        wanted = None
    problem = setup_problem()
    if wanted is None and problem is None:
        return
    if problem is not None:
        st.error(f"Sign-in through the identity provider is not set up right: {problem}.")
        return
    assert wanted is not None
    refusal = st.session_state.get(REFUSAL)
    if isinstance(refusal, oidc.Refusal) and signed_in_at_provider():
        st.error(_markdown_text(refusal.message))
        st.write(f"Signing you out of {wanted.name}…")
        log.info("Sign-in through %s refused for %s", wanted.name, refusal.email or "an identity without email")
        _notice_component(data={"name": NOTICE_COOKIE, "value": oidc.make_notice(_cookie_secret(), refusal.message),
                                "seconds": oidc.NOTICE_SECONDS},
                          key="signin_refused_notice", height=0, on_written_change=sign_out)
        return
    notice = oidc.read_notice(_cookie_secret(), st.context.cookies.get(NOTICE_COOKIE))
    if notice:
        st.error(_markdown_text(notice))
    if NOTICE_COOKIE in st.context.cookies:  # shown once: the next visit starts clean
        _notice_component(data={"name": NOTICE_COOKIE, "value": "", "seconds": 0},
                          key="signin_refused_notice", height=0)
    st.button(f"Sign in with {wanted.name}", key="oidc_sign_in", type="primary", on_click=st.login)
