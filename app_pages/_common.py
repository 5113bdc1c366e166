"""Helpers shared by the researcher pages: the database engine, the login guard, cached analysis.

Kept Streamlit-side on purpose: everything that can be tested without Streamlit lives in
``cardsort/``. Each researcher page starts with ``require_login()``, so a page opened
directly (by URL, or run on its own in a test) shows the login form and nothing else.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from a11y import crawl
from cardsort import auth, store
from cardsort.analysis import Analysis, analyze
from cardsort.clustering import METHODS
from cardsort.comments import comments_frame
from cardsort.i18n import counted
from cardsort.loading import load_table
from cardsort.model import Sort, Study
from cardsort.table import SortTable

SESSION_FLAG = "researcher_signed_in"  # never used as a widget key, so a browser cannot set it
PASSWORD_KEY = "login_password"


# --- database ----------------------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner=False)
def _engine_for(url: str) -> Engine:
    return store.make_engine(url)


def engine() -> Engine:
    """The app's database engine (``DATABASE_URL``), one per URL for the whole server."""
    return _engine_for(store.database_url())


# --- login -------------------------------------------------------------------------------------

SESSION_TOKEN = "researcher_session_token"  # the signed token of this session (also in the browser's cookie)
SIGNED_OUT = "researcher_signed_out"  # set by "Sign out": the cookie this connection came with no longer counts
COOKIE_NAME = "cardsort_session"
log = logging.getLogger(__name__)


@st.cache_resource(max_entries=2, show_spinner=False)
def _hash_of_env_password(password: str) -> str:
    return auth.env_password_hash(password)


def _setting(env: str, key: str) -> object | None:
    """A setting from the environment, else from ``st.secrets`` (``.streamlit/secrets.toml``)."""
    if os.environ.get(env):
        return os.environ[env]
    try:
        return st.secrets.get(key)
    except FileNotFoundError:  # no secrets.toml at all
        return None


def configured_hash() -> str | None:
    """The researcher password hash: environment first, then ``st.secrets``.

    ``RESEARCHER_PASSWORD_HASH`` wins over ``RESEARCHER_PASSWORD`` (hashed once per
    server), which wins over ``researcher_password_hash`` in ``.streamlit/secrets.toml``.
    """
    if os.environ.get("RESEARCHER_PASSWORD_HASH"):
        return os.environ["RESEARCHER_PASSWORD_HASH"]
    if os.environ.get("RESEARCHER_PASSWORD"):
        return _hash_of_env_password(os.environ["RESEARCHER_PASSWORD"])
    value = _setting("RESEARCHER_PASSWORD_HASH", auth.HASH_KEY)
    return str(value) if value else None


@st.cache_resource(max_entries=1, show_spinner=False)
def _secret_of_this_process() -> str:
    log.warning("No %s is set: sign-in cookies are signed with a secret of this process only, so a restart "
                "signs researchers out and other replicas refuse them (see docs/deploy.md).", auth.COOKIE_SECRET_ENV)
    return secrets.token_urlsafe(32)


def _cookie_settings() -> tuple[str, int]:
    """The cookie secret and the sign-in lifetime in seconds; ``ValueError`` naming a bad setting."""
    secret = _setting(auth.COOKIE_SECRET_ENV, auth.COOKIE_SECRET_KEY)
    secret = auth.check_cookie_secret(str(secret)) if secret else _secret_of_this_process()
    return secret, auth.session_seconds(_setting(auth.SESSION_HOURS_ENV, auth.SESSION_HOURS_KEY))


def _token_expiry(token: str | None) -> int | None:
    """When this session token expires, or ``None`` if it is not valid now (or the settings are broken)."""
    stored = configured_hash()
    if not token or not stored:
        return None
    try:
        secret, lifetime = _cookie_settings()
    except ValueError:
        return None
    return auth.session_expiry(token, secret, stored, lifetime)


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
        st.session_state[SESSION_TOKEN] = auth.make_session_token(secret, stored, lifetime)
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


# --- audits ------------------------------------------------------------------------------------

def audit_policy() -> crawl.URLPolicy:
    """Which URLs the app may audit, shown to the researcher (public addresses only if the setting is bad)."""
    try:
        policy = crawl.URLPolicy.for_app()
    except ValueError as exc:  # a malformed A11Y_ALLOW_PRIVATE: say so, and stay with public addresses
        st.error(str(exc))
        policy = crawl.URLPolicy(crawl.allowed_hosts_from_env(), allow_private=False)
    st.info(policy.describe())  # st.caption is too pale for axe's colour contrast
    return policy


# --- the study and the clustering method, shared by every page -------------------------------------

SORT_WORDS = {"one": "sort", "other": "sorts"}
NEW_STUDY = "+new"  # never a study id (those are URL-safe base64)
STUDY_KEY = "current_study"  # the study the researcher works on, one value for all pages
METHOD_KEY = "clustering_method"  # the clustering method, one value for Results and Trust
DEFAULT_METHOD = "average"
METHOD_LABELS = {"average": "Average linkage (balanced; the usual choice)",
                 "complete": "Complete linkage (tight, small categories)",
                 "single": "Single linkage (chains; shows outliers)"}


def method_name(method: str) -> str:
    """The method as the pages name it in text: "average linkage"."""
    return METHOD_LABELS[method].split(" (")[0].lower()


def _resolve(options: list[str], *, widget_key: str, shared_key: str, param: str, default: str,
             local: frozenset[str] = frozenset()) -> str:
    """Which option a page shows, most recent intent first.

    1. The address, when it changed since the app last wrote it (a link, the back button, a reload);
    2. this page's widget, when it changed since it was last shown (the researcher picked, or the page
       set it, e.g. to a study just created); ``local`` options (the Studies page's "New study") also stay
       while the researcher is on the page;
    3. the value shared by all pages (picked on another page, and the sidebar menu's links drop the
       query parameters);
    4. ``default``.
    """
    wanted = st.query_params.get(param)
    if wanted in options and wanted not in local and wanted != st.session_state.get(f"{shared_key}:in_address"):
        return wanted
    widget = st.session_state.get(widget_key)
    if widget in options and (widget in local or widget != st.session_state.get(f"{widget_key}:shown")):
        return widget
    shared = st.session_state.get(shared_key)
    return shared if shared in options else default


def _commit(chosen: str, *, widget_key: str, shared_key: str, param: str, default: str | None = None,
            local: frozenset[str] = frozenset()) -> None:
    """Show ``chosen`` in this page's widget, share it with the other pages and put it in the address
    (``default`` is left out of the address, to keep links short)."""
    st.session_state[widget_key] = chosen
    st.session_state[f"{widget_key}:shown"] = chosen
    if chosen not in local:
        st.session_state[shared_key] = chosen
    in_address = chosen if chosen not in local and chosen != default else None
    if in_address is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != in_address:
        st.query_params[param] = in_address
    st.session_state[f"{shared_key}:in_address"] = in_address


def choose_study_id(rows: list[dict], *, new_label: str | None = None, key: str = "edit_study",
                    label: str = "Study") -> str | None:
    """A study picker over ``store.list_studies`` rows, remembered in the URL as ``?study=<id>``.

    The study follows the researcher from page to page (one session value for all pages); a URL
    with ``?study=`` wins over it. With ``new_label``, the first option creates a new study and returns
    :data:`NEW_STUDY`. Returns ``None`` when there is nothing to choose.
    """
    ids = ([NEW_STUDY] if new_label else []) + [r["id"] for r in rows]
    if not ids:
        return None
    names = {NEW_STUDY: new_label} | {
        r["id"]: f"{r['name']} ({r['status']}, {counted(r['participants'], SORT_WORDS)})" for r in rows}
    local = frozenset({NEW_STUDY})
    chosen = _resolve(ids, widget_key=key, shared_key=STUDY_KEY, param="study", local=local,
                      default=ids[min(1, len(ids) - 1) if new_label else 0])
    _commit(chosen, widget_key=key, shared_key=STUDY_KEY, param="study", local=local)
    return st.selectbox(label, ids, format_func=names.__getitem__, key=key)


def choose_study(*, key: str = "study_choice") -> Study | None:
    """Pick one existing study (see :func:`choose_study_id`); ``None``, with a hint, when there is none."""
    rows = store.list_studies(engine())
    if not rows:
        st.info("There is no study yet. Create one on the Studies page.")
        return None
    return store.get_study(engine(), choose_study_id(rows, key=key))


def current_method(*, key: str) -> str:
    """The clustering method the researcher chose (on Results or Trust), before its picker is drawn."""
    return _resolve(list(METHODS), widget_key=key, shared_key=METHOD_KEY, param="method", default=DEFAULT_METHOD)


def choose_method(where=None, *, key: str) -> str:
    """The clustering method picker, the same on Results and Trust: one shared choice, in the URL as
    ``?method=`` unless it is the default."""
    chosen = current_method(key=key)
    _commit(chosen, widget_key=key, shared_key=METHOD_KEY, param="method", default=DEFAULT_METHOD)
    return (where or st).selectbox("Clustering method", METHODS, format_func=METHOD_LABELS.__getitem__, key=key)


def participant_link(study: Study) -> str:
    """The absolute participant link when the browser's address is known, else the path."""
    url = st.context.url
    if url and url.startswith(("http://", "https://")):
        scheme, rest = url.split("://", 1)
        return f"{scheme}://{rest.split('/', 1)[0]}{study.participant_path}"
    return study.participant_path


# --- analysis ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Results:
    """What the results page shows for one study at one moment.

    ``sorts`` are the included (analysed) sorts with their times and answers but without their groups
    (the placements are in ``table``; exports read the whole sorts when asked); ``n_excluded`` counts the
    excluded ones; ``comments`` holds every submitted participant's answers
    (:func:`cardsort.comments.comments_frame`).
    """

    study: Study
    sorts: list[Sort]
    table: SortTable | None
    analysis: Analysis | None
    n_excluded: int = 0
    comments: pd.DataFrame | None = None


@st.cache_data(max_entries=32, show_spinner="Analysing the sorts…")
def _analysis(database: str, study_id: str, updated_at: datetime | None, n_sorts: int,
              excluded: tuple[str, ...], method: str, k: int | None) -> Results:
    """Cached on the database, the study, its last change, its number of sorts and the excluded participants."""
    del database, updated_at, n_sorts  # part of the cache key only
    study = store.get_study(engine(), study_id)
    every = store.load_sorts(engine(), study_id, include_excluded=True, groups=False)
    left_out = set(excluded)
    sorts = [s for s in every if s.participant_id not in left_out]
    extra = {"n_excluded": len(every) - len(sorts), "comments": comments_frame(every, left_out)}
    table = load_table(engine(), study_id, study)
    if table is None:
        return Results(study, sorts, None, None, **extra)
    return Results(study, sorts, table, analyze(table, method=method, k=k), **extra)


def results(study: Study, method: str = "average", k: int | None = None) -> Results:
    """Analysis of ``study``'s submitted sorts, recomputed only when a sort or the study changed."""
    n_sorts = store.participant_counts(engine(), study.id)["completed"]
    excluded = tuple(sorted(store.excluded_participants(engine(), study.id)))
    return _analysis(store.database_url(), study.id, study.updated_at, n_sorts, excluded, method, k)


# --- copy button -------------------------------------------------------------------------------

_COPY_HTML = """<button type="button" class="copy">Copy link</button><span class="status" role="status"></span>"""
_COPY_CSS = """
.copy { font: inherit; min-height: 2.75rem; padding: 0.4rem 1rem; border-radius: 0.5rem; cursor: pointer;
        border: 1px solid #5c5f6b; background: #ffffff; color: #1f2330; }
.copy:hover { border-color: #0b57d0; color: #0b57d0; }
.copy:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
.status { margin-inline-start: 0.75rem; color: #1f2330; }
"""
_COPY_JS = """
export default function ({ data, parentElement }) {
  const button = parentElement.querySelector("button.copy");
  const status = parentElement.querySelector(".status");
  button.onclick = async () => {
    let copied = false;
    try {
      await navigator.clipboard.writeText(data.text);
      copied = true;
    } catch (err) {  // no Clipboard API (plain http on another host): the old way
      const area = document.createElement("textarea");
      area.value = data.text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try { copied = document.execCommand("copy"); } catch (ignored) { copied = false; }
      area.remove();
      button.focus();
    }
    status.textContent = copied ? "Link copied." : "Could not copy: select the link and copy it.";
  };
}
"""
_copy_component = st.components.v2.component("copy_link", html=_COPY_HTML, css=_COPY_CSS, js=_COPY_JS)


def copy_button(text: str, *, key: str) -> None:
    """A "Copy link" button that puts ``text`` on the clipboard and says so in a status message."""
    _copy_component(data={"text": text}, key=key)


# --- upload fields -----------------------------------------------------------------------------

# Streamlit's upload drop zone is a <section role="presentation" tabindex="-1" aria-label="...">: a
# presentational element with a name and a tabindex, which axe reports (presentation-role-conflict).
# As a named group it says what it is: "<label>, group", holding the "Browse files" button.
_DROPZONE_JS = """
export default function () {
  const fix = () => document
    .querySelectorAll('[data-testid="stFileUploaderDropzone"][role="presentation"]')
    .forEach((zone) => zone.setAttribute("role", "group"));
  fix();
  if (!window.__cardsortDropzoneObserver) {
    window.__cardsortDropzoneObserver = new MutationObserver(fix);
    window.__cardsortDropzoneObserver.observe(document.body, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["role"],
    });
  }
}
"""
_dropzone_fix = st.components.v2.component("upload_dropzone_role", js=_DROPZONE_JS)


def file_uploader(label: str, **kwargs):
    """``st.file_uploader`` whose drop zone is exposed as a named group instead of a conflicting presentation."""
    upload = st.file_uploader(label, **kwargs)
    _dropzone_fix(key=f"dropzone_fix:{kwargs.get('key', label)}", height=0)
    return upload


# --- the participant's board, as a preview -----------------------------------------------------

# The board of app_pages/board/ (see app_pages/sort.py), registered under its own name: the studies
# page mounts it with a preview instance and never saves its state.
_BOARD = Path(__file__).resolve().parent / "board"
preview_board = st.components.v2.component(
    "cardsort_board_preview",
    html=(_BOARD / "board.html").read_text(encoding="utf-8"),
    css=(_BOARD / "board.css").read_text(encoding="utf-8"),
    js=(_BOARD / "board.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)
