"""Helpers shared by the researcher pages: the database engine, the login guard (from ``_signin.py``), cached analysis.

Kept Streamlit-side on purpose: everything that can be tested without Streamlit lives in
``cardsort/``. Each researcher page starts with ``require_login()``, so a page opened
directly (by URL, or run on its own in a test) shows the login form and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import streamlit as st
from sqlalchemy.engine import Engine

from a11y import crawl
from app_pages._signin import require_login as require_login  # re-exported: pages import it from here
from cardsort import store
from cardsort.analysis import Analysis, analyze
from cardsort.clustering import METHODS
from cardsort.comments import comments_frame
from cardsort.i18n import counted
from cardsort.loading import load_table
from cardsort.model import Sort, Study
from cardsort.table import SortTable

# --- database ----------------------------------------------------------------------------------

@st.cache_resource(max_entries=4, show_spinner=False)
def _engine_for(url: str) -> Engine:
    return store.make_engine(url)


def engine() -> Engine:
    """The app's database engine (``DATABASE_URL``), one per URL for the whole server."""
    return _engine_for(store.database_url())


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
    chosen = choose_study_id(rows, key=key)
    return None if chosen is None else store.get_study(engine(), chosen)


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
    extra = {"n_excluded": len(every) - len(sorts), "comments": comments_frame(every, left_out, study.questions)}
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
