"""Helpers shared by the researcher pages: the database engine, the login guard (from ``_signin.py``), cached analysis.

Kept Streamlit-side on purpose: everything that can be tested without Streamlit lives in
``cardsort/``. Each researcher page starts with ``require_login()``, so a page opened
directly (by URL, or run on its own in a test) shows the login form and nothing else.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st

from a11y import crawl
from app_pages._db import engine as engine  # the database engine, re-exported: pages import it from here
from app_pages._signin import can as can  # re-exported: pages import these from here
from app_pages._signin import current_account as current_account
from app_pages._signin import current_actor as current_actor
from app_pages._signin import refuse_unless as refuse_unless
from app_pages._signin import require_login as require_login
from app_pages._signin import requires as requires
from cardsort import store
from cardsort.analysis import Analysis, analyze
from cardsort.clustering import METHODS
from cardsort.comments import comments_frame
from cardsort.i18n import counted
from cardsort.loading import load_table
from cardsort.model import Sort, Study
from cardsort.panel import participants_frame
from cardsort.segments import EVERYONE, Segment, compare_pairs, options, overlap, segment_from_json
from cardsort.table import SortTable

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


NO_SUCH_STUDY = "There is no study with this id that you can open."


def studies_to_choose(*, include_archived: bool = False) -> list[dict]:
    """The studies the signed-in account may see (``store.visible_studies``), for the pickers."""
    return store.visible_studies(engine(), current_account(), include_archived=include_archived)


def owner_id() -> int | None:
    """Who owns a study made now: the signed-in account's id; ``None`` (a team study) for the built-in admin
    of ``RESEARCHER_PASSWORD``, which is no account of the database."""
    account = current_account()
    return account.id if account is not None and account.id else None


def choose_study_id(rows: list[dict], *, new_label: str | None = None, key: str = "edit_study",
                    label: str = "Study") -> str | None:
    """A study picker over ``store.visible_studies`` rows (:func:`studies_to_choose`), remembered in the URL as
    ``?study=<id>``.

    The study follows the researcher from page to page (one session value for all pages); a URL
    with ``?study=`` wins over it. A link to a study the account may not see (or to none) says so, in the same
    words either way, and the picker shows another. With ``new_label``, the first option creates a new study
    and returns :data:`NEW_STUDY`. Returns ``None`` when there is nothing to choose.
    """
    ids = ([NEW_STUDY] if new_label else []) + [r["id"] for r in rows]
    wanted = st.query_params.get("study")
    if (wanted and wanted not in ids and wanted != st.session_state.get(f"{STUDY_KEY}:in_address")
            and not store.can_see(engine(), current_account(), wanted)):
        st.error(NO_SUCH_STUDY)
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
    rows = studies_to_choose()
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
    """What the results page shows for one study, one segment, at one moment.

    ``sorts`` are the included (analysed) sorts of the segment with their times and answers but without their
    groups (the placements are in ``table``; exports read the whole sorts when asked); ``n_excluded`` counts the
    segment's excluded ones; ``comments`` holds every submitted participant's answers in the segment
    (:func:`cardsort.comments.comments_frame`); ``participants`` every submitted sort of the segment with its
    URL tags (:func:`cardsort.panel.participants_frame`).
    """

    study: Study
    sorts: list[Sort]
    table: SortTable | None
    analysis: Analysis | None
    n_excluded: int = 0
    comments: pd.DataFrame | None = None
    participants: pd.DataFrame | None = None
    segment: Segment = EVERYONE


@st.cache_data(max_entries=32, show_spinner="Analysing the sorts…")
def _analysis(database: str, study_id: str, updated_at: datetime | None, n_sorts: int,
              excluded: tuple[str, ...], method: str, k: int | None, segment_json: str = "{}") -> Results:
    """Cached on the database, the study, its last change, its number of sorts, the excluded participants and
    the segment (its canonical JSON)."""
    del database, updated_at, n_sorts  # part of the cache key only
    segment = segment_from_json(segment_json)
    study = store.get_study(engine(), study_id)
    every = [s for s in store.load_sorts(engine(), study_id, include_excluded=True, groups=False)
             if segment.matches(s)]
    left_out = set(excluded)
    sorts = [s for s in every if s.participant_id not in left_out]
    extra = {"n_excluded": len(every) - len(sorts), "comments": comments_frame(every, left_out, study.questions),
             "participants": participants_frame(every, left_out), "segment": segment}
    table = load_table(engine(), study_id, study, segment, sorts=sorts)
    if table is None:
        return Results(study, sorts, None, None, **extra)
    return Results(study, sorts, table, analyze(table, method=method, k=k), **extra)


def _cache_key(study: Study) -> tuple[str, str, datetime | None, int, tuple[str, ...]]:
    n_sorts = store.participant_counts(engine(), study.id)["completed"]
    excluded = tuple(sorted(store.excluded_participants(engine(), study.id)))
    return store.database_url(), study.id, study.updated_at, n_sorts, excluded


def results(study: Study, method: str = "average", k: int | None = None, segment: Segment = EVERYONE) -> Results:
    """Analysis of ``study``'s submitted sorts (those ``segment`` keeps), recomputed only when a sort or the
    study changed."""
    return _analysis(*_cache_key(study), method, k, segment.to_json())


# --- segments ----------------------------------------------------------------------------------

SEGMENT_PARAM = "segment"  # ?segment=<compact JSON> (cardsort.segments.Segment.to_json)
COMPARE_PARAM = "compare"  # the segment compared with it; absent: everyone else


@dataclass(frozen=True)
class SegmentChoices:
    """What a segment can filter on: each question's and tag's values with their counts (included sorts)."""

    answers: dict[str, list[tuple[str, int]]]
    tags: dict[str, list[tuple[str, int]]]
    n_sorts: int


@st.cache_data(max_entries=16, show_spinner=False)
def _choices(database: str, study_id: str, updated_at: datetime | None, n_sorts: int,
             excluded: tuple[str, ...]) -> SegmentChoices:
    del database, updated_at, n_sorts  # part of the cache key only
    sorts = [s for s in store.load_sorts(engine(), study_id, include_excluded=True, groups=False)
             if s.participant_id not in set(excluded)]
    return SegmentChoices(options(sorts, "answers"), options(sorts, "tags"), len(sorts))


def segment_choices(study: Study) -> SegmentChoices:
    return _choices(*_cache_key(study))


def _widget_keys(study_id: str, prefix: str, choices: SegmentChoices) -> dict[str, str]:
    keys = {f"answer:{q}": f"{prefix}:{study_id}:answer:{q}" for q in choices.answers}
    keys |= {f"tag:{t}": f"{prefix}:{study_id}:tag:{t}" for t in choices.tags}
    return keys | {name: f"{prefix}:{study_id}:{name}" for name in ("from", "until", "min", "max")}


def _seed(segment: Segment, keys: dict[str, str]) -> None:
    """Show ``segment`` in the filter's widgets (before they are drawn); times of day a link carries are kept
    while their day is chosen (the widgets show days)."""
    st.session_state[keys["from"] + ":exact"] = segment.finished_from
    st.session_state[keys["until"] + ":exact"] = segment.finished_until
    chosen = {f"answer:{q}": list(v) for q, v in segment.answers} | {f"tag:{t}": list(v) for t, v in segment.tags}
    for name, key in keys.items():
        if name.startswith(("answer:", "tag:")):
            st.session_state[key] = chosen.get(name, [])
    st.session_state[keys["from"]] = segment.finished_from.date() if segment.finished_from else None
    until = segment.finished_until
    st.session_state[keys["until"]] = (until - timedelta(microseconds=1)).date() if until else None
    st.session_state[keys["min"]] = None if segment.min_seconds is None else segment.min_seconds / 60
    st.session_state[keys["max"]] = None if segment.max_seconds is None else segment.max_seconds / 60


def _from_address(param: str) -> tuple[Segment, str | None]:
    text = st.query_params.get(param, "")
    try:
        return segment_from_json(text), None
    except ValueError as err:
        return EVERYONE, f"The segment in the address was left out: {err}."


def segment_filter(study: Study, choices: SegmentChoices, *, param: str = SEGMENT_PARAM,
                   prefix: str = "segment") -> Segment:
    """Widgets choosing a segment of ``study``'s participants, kept in the address as ``?<param>=<JSON>``.

    The address wins when it changed since the app last wrote it (a link, a reload, the back button), unless it
    lost the parameter on the way from another page (the sidebar's links drop it): then the segment last chosen
    for the study on any page (Results, Trust) stays; otherwise the widgets, keyed by the study id and the
    question or tag they filter on. Dates are whole days in UTC (a link's time of day is kept while its day is);
    times taken are minutes. Problems (a range the wrong way round, a bad address) are said, and that condition
    left out.
    """
    written, shared = f"{param}:in_address", f"{param}:shared:{study.id}"
    extra = f"{prefix}:{study.id}:linked_values"
    _add_values(choices, st.session_state.get(extra, {}))
    keys = _widget_keys(study.id, prefix, choices)
    address = st.query_params.get(param, "")
    if address != st.session_state.get(written) or keys["from"] not in st.session_state:
        if param in st.query_params or shared not in st.session_state:
            wanted, problem = _from_address(param)
        else:  # the sidebar's links drop the address: the segment chosen for this study on another page
            wanted, problem = segment_from_json(st.session_state[shared]), None
        if problem:
            st.error(problem)
        st.session_state[extra] = {"answers": dict(wanted.answers), "tags": dict(wanted.tags)}
        _add_values(choices, st.session_state[extra])
        keys = _widget_keys(study.id, prefix, choices)
        _seed(wanted, keys)
        st.session_state[f"{prefix}:{study.id}:invert"] = wanted.invert  # no widget: only a link sets it
    picked: dict[str, list[tuple[str, tuple[str, ...]]]] = {"answers": [], "tags": []}
    for name, facets in (("answers", choices.answers), ("tags", choices.tags)):
        for q, counts in facets.items():
            label = f"Answer to “{q}”" if name == "answers" else f"Address tag “{q}”"
            chosen = st.multiselect(label, [v for v, _ in counts], key=keys[f"{name[:-1]}:{q}"], placeholder="Any",
                                    format_func=functools.partial(_with_count, dict(counts)))
            if chosen:
                picked[name].append((q, tuple(sorted(chosen))))
    when = st.columns(2)
    start = when[0].date_input("Completed on or after (UTC)", value=None, key=keys["from"])
    end = when[1].date_input("Completed on or before (UTC)", value=None, key=keys["until"])
    took = st.columns(2)
    low = took[0].number_input("Took at least (minutes)", min_value=0.0, value=None, step=1.0, key=keys["min"])
    high = took[1].number_input("Took at most (minutes)", min_value=0.0, value=None, step=1.0, key=keys["max"])
    if start and end and start > end:
        st.error("The completion dates are the wrong way round (the first is after the second): "
                 "the date filter is left out.")
        start = end = None
    if low is not None and high is not None and low > high:
        st.error("The times taken are the wrong way round (at least more than at most): the time filter is left out.")
        low = high = None
    exact_from, exact_until = (st.session_state.get(keys[k] + ":exact") for k in ("from", "until"))
    finished_from = exact_from if start and exact_from and exact_from.date() == start else _midnight(start)
    finished_until = (exact_until if end and exact_until and (exact_until - timedelta(microseconds=1)).date() == end
                      else _midnight(end + timedelta(days=1)) if end else None)
    segment = Segment(answers=tuple(picked["answers"]), tags=tuple(picked["tags"]), finished_from=finished_from,
                      finished_until=finished_until, min_seconds=None if low is None else round(low * 60, 3),
                      max_seconds=None if high is None else round(high * 60, 3),
                      invert=bool(st.session_state.get(f"{prefix}:{study.id}:invert", False)))
    in_address = segment.to_json() if segment else ""
    if in_address:
        if st.query_params.get(param) != in_address:
            st.query_params[param] = in_address
    elif param in st.query_params:
        del st.query_params[param]
    st.session_state[written] = st.session_state[shared] = in_address
    return segment


def _add_values(choices: SegmentChoices, linked: dict[str, dict[str, tuple[str, ...]]]) -> None:
    """Values a link chose stay choosable, and shown, even when no included sort has them (any more)."""
    for name, facets in (("answers", choices.answers), ("tags", choices.tags)):
        for q, values in linked.get(name, {}).items():
            counts = facets.setdefault(q, [])
            counts += [(v, 0) for v in values if v not in dict(counts)]


def _with_count(counts: dict[str, int], value: str) -> str:
    return f"{value} ({counts.get(value, 0):,})"


def _midnight(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day, time(0), UTC)


@st.cache_data(max_entries=16, show_spinner="Comparing the segments…")
def _comparison(database: str, study_id: str, updated_at: datetime | None, n_sorts: int, excluded: tuple[str, ...],
                method: str, first: str, second: str):
    """Both segments' analyses (automatic k) and their pair-by-pair differences; ``None`` for a segment without
    sorts to analyse."""
    key = (database, study_id, updated_at, n_sorts, excluded, method)
    a, b = _analysis(*key, None, first), _analysis(*key, None, second)
    if a.table is None or b.table is None:
        return a, b, None
    both = overlap(a.sorts, segment_from_json(first), segment_from_json(second))
    return a, b, compare_pairs(a.table, b.table, both)


def comparison(study: Study, method: str, first: Segment, second: Segment):
    return _comparison(*_cache_key(study), method, first.to_json(), second.to_json())


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
