"""Accounts (admins only): the team's accounts, inviting someone, changing a role, disabling an account."""

from __future__ import annotations

from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from app_pages._common import engine, require_login, requires
from app_pages._signin import INVITE_PARAM, _cookie_settings, forget_account_of_this_run
from cardsort import accounts

me = require_login("admin")
ROLE_HELP = {"admin": "admin: everything, and this page", "researcher": "researcher: reads and changes studies "
             "and audits", "viewer": "viewer: reads results and audits, changes nothing"}


def _base_url() -> str:
    """The app's address as this browser reached it (for invite links)."""
    parts = urlsplit(st.context.url or "http://localhost:8501/")
    return f"{parts.scheme}://{parts.netloc}"


def _status(row: dict) -> str:
    if row["disabled_at"] is not None:
        return f"disabled {row['disabled_at']:%Y-%m-%d}"
    return "active" if row["has_password"] else "invited (no password yet)"


@requires("admin")
def _invite() -> None:
    form = st.session_state
    password = form["acc_new_password"] or None
    form["acc_new_password"] = ""
    try:
        account = accounts.create(engine(), form["acc_new_email"], form["acc_new_role"], name=form["acc_new_name"],
                                  password=password)
    except ValueError as err:
        form["accounts_error"] = f"Not added: {err}."
        return
    form["accounts_error"] = None
    form["acc_new_email"] = form["acc_new_name"] = ""
    if password:
        form["accounts_message"] = f"Added {account.label} as {account.role}, with the password you typed."
        return
    token = accounts.invite_token(_cookie_settings()[0], account)
    form["accounts_message"] = f"Invited {account.label} as {account.role}."
    form["accounts_invite"] = f"{_base_url()}/?{INVITE_PARAM}={token}"  # home: the sign-in page when signed out


@requires("admin")
def _set_role(account_id: int, email: str) -> None:
    role = st.session_state[f"acc_role:{account_id}"]
    try:
        accounts.set_role(engine(), account_id, role)
        forget_account_of_this_run()  # perhaps the admin's own: the rest of this run uses the new role
    except ValueError as err:
        st.session_state["accounts_error"] = f"Not changed: {err}."
        return
    st.session_state["accounts_message"] = f"{email} is now {role}."


def _ask(key: str, asking: bool) -> None:
    """Ask before disabling (or stop asking): changes only what the page shows."""
    st.session_state[key] = asking


@requires("admin")
def _disable(account_id: int, email: str) -> None:
    st.session_state.pop(f"acc_disable_asked:{account_id}", None)
    try:
        accounts.disable(engine(), account_id)
        forget_account_of_this_run()
    except ValueError as err:
        st.session_state["accounts_error"] = f"Not disabled: {err}."
        return
    st.session_state["accounts_message"] = f"Disabled {email}: it can no longer sign in, and its sessions ended."


st.title("Accounts")
st.write("Who can sign in, and what each role may do: " + "; ".join(ROLE_HELP.values()) + ".")
if message := st.session_state.pop("accounts_message", None):
    st.success(message)
if link := st.session_state.pop("accounts_invite", None):
    st.write("Send this link to the person invited (it works once, for 7 days; it is shown only now):")
    st.code(link, language=None)
if error := st.session_state.pop("accounts_error", None):
    st.error(error)

rows = accounts.list_accounts(engine())
if rows:
    st.dataframe(pd.DataFrame({"Email": [r["email"] for r in rows], "Name": [r["name"] for r in rows],
                               "Role": [r["role"] for r in rows], "Status": [_status(r) for r in rows]}),
                 hide_index=True)
else:
    st.info("No accounts yet: you are signed in as the built-in admin. Add yourself as an admin first; the "
            "researcher password then stops working here.")

st.header("Invite someone", anchor=False)
with st.form("invite_account", clear_on_submit=False):
    st.text_input("Email", key="acc_new_email", autocomplete="off")
    st.text_input("Name (optional)", key="acc_new_name", autocomplete="off")
    st.selectbox("Role", accounts.ROLES, index=1, key="acc_new_role", format_func=ROLE_HELP.__getitem__)
    st.text_input("Password (optional: leave empty to get an invite link instead)", type="password",
                  key="acc_new_password", autocomplete="new-password")
    st.form_submit_button("Add the account", type="primary", on_click=_invite)

active = [r for r in rows if r["disabled_at"] is None]
if active:
    st.header("Change a role or disable an account", anchor=False)
    by_id = {r["id"]: r for r in active}
    chosen = st.selectbox("Account", list(by_id), key="acc_chosen",
                          format_func=lambda i: f"{by_id[i]['email']} ({by_id[i]['role']})")
    row = by_id[chosen]
    st.selectbox("New role", accounts.ROLES, index=accounts.ROLES.index(row["role"]), key=f"acc_role:{chosen}",
                 format_func=ROLE_HELP.__getitem__)
    left, right = st.columns(2)
    left.button("Change the role", key=f"acc_set_role:{chosen}", on_click=_set_role, args=(chosen, row["email"]))
    asked = f"acc_disable_asked:{chosen}"
    right.button(f"Disable {row['email']}…", key=f"acc_disable:{chosen}", disabled=chosen == me.id,
                 on_click=_ask, args=(asked, True),
                 help="You cannot disable your own account." if chosen == me.id else None)
    if st.session_state.get(asked) and chosen != me.id:
        st.warning(f"Disable {row['email']}? It can no longer sign in, and its sessions end at once.")
        yes, no = st.columns(2)
        yes.button(f"Yes, disable {row['email']}", type="primary", key=f"acc_disable_yes:{chosen}",
                   on_click=_disable, args=(chosen, row["email"]))
        no.button("Cancel", key=f"acc_disable_no:{chosen}", on_click=_ask, args=(asked, False))
