"""Recruiting through a panel (Prolific, MTurk, a market-research panel), as pure functions.

A study's optional ``panel`` object (in its spec and its settings JSON) says:

* which URL parameter carries the participant's id (``id_param``, e.g. ``PROLIFIC_PID``) and which
  other parameters are kept as tags with the sort (``tag_params``; ``null``: every other parameter);
* where to send participants when they complete, are screened out or arrive when the study is full
  (``complete_url``, ``screenout_url``, ``quota_full_url``; ``{pid}`` is replaced by the participant's
  id, URL-encoded) and the completion code shown on the thank-you step;
* when the study closes to new participants: after ``quota`` completed, non-excluded sorts, or at
  ``closes_at`` (ISO 8601 with a timezone).

Nothing here imports Streamlit or the store.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from .keys import refuse_unknown

PANEL_FIELDS = ("id_param", "tag_params", "complete_url", "screenout_url", "quota_full_url", "completion_code",
                "quota", "closes_at")
URL_FIELDS = ("complete_url", "screenout_url", "quota_full_url")
RESERVED_PARAMS = frozenset({"study", "pid", "embed", "embed_options"})
"""URL parameters that are never tags: the participant link's own and Streamlit's."""
MAX_TAGS = 20
MAX_TAG_VALUE = 200
MAX_URL = 2000
MAX_CODE = 100
_PARAM_RE = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_PARTICIPANT_RE = re.compile(r"^[A-Za-z0-9_.@-]{1,100}$")
_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,100}$")
_UNSAFE_URL = re.compile(r"[\s\x00-\x1f\x7f<>\"'`\\]")

Outcome = Literal["complete", "screenout", "quota_full"]


@dataclass(frozen=True)
class Panel:
    """How participants arrive from, and return to, a recruitment panel; all optional.

    Parameters
    ----------
    id_param : str or None
        URL parameter holding the participant id (``PROLIFIC_PID``); ``pid`` is still read when it is absent.
    tag_params : tuple of str or None
        URL parameters kept as tags; ``None`` keeps every parameter but ``study``, ``pid`` and ``id_param``.
    complete_url, screenout_url, quota_full_url : str or None
        http(s) addresses to send the participant to; ``{pid}`` becomes their id.
    completion_code : str or None
        Shown to the participant on the thank-you step.
    quota : int or None
        Close the study to new participants after this many completed, non-excluded sorts.
    closes_at : datetime or None
        Close the study to new participants at this time (timezone-aware).
    """

    id_param: str | None = None
    tag_params: tuple[str, ...] | None = None
    complete_url: str | None = None
    screenout_url: str | None = None
    quota_full_url: str | None = None
    completion_code: str | None = None
    quota: int | None = None
    closes_at: datetime | None = None

    def any(self) -> bool:
        return self != Panel()

    def to_dict(self) -> dict[str, Any]:
        """The spec's ``panel`` object: only the fields that are set."""
        out: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if value is None:
                continue
            out[name] = value.isoformat() if isinstance(value, datetime) else \
                list(value) if isinstance(value, tuple) else value
        return out


def _param_name(value: Any, what: str) -> str:
    if not isinstance(value, str) or not _PARAM_RE.match(value.strip()):
        raise ValueError(f"{what} must be a URL parameter name of 1 to 50 letters, digits, '_', '.' or '-', "
                         f"not {value!r}")
    return value.strip()


def check_redirect_url(value: Any, what: str) -> str:
    """An http(s) address with a host, at most 2,000 characters, no spaces, quotes or angle brackets.

    ``{pid}`` may appear anywhere; it is replaced when the participant is sent there.
    """
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    url = value.strip()
    if len(url) > MAX_URL:
        raise ValueError(f"{what} is {len(url):,} characters long; at most {MAX_URL:,} are allowed")
    if _UNSAFE_URL.search(url):
        raise ValueError(f"{what} must not contain spaces, quotes, angle brackets or control characters")
    parts = urlsplit(url.replace("{pid}", "x"))
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} must be an http:// or https:// address with a host, not {url!r}")
    return url


def _time(value: Any, what: str) -> datetime:
    if isinstance(value, datetime):
        t = value
    elif isinstance(value, str) and value.strip():
        try:
            t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what} {value!r} is not an ISO 8601 date and time "
                             "(for example 2026-12-31T18:00:00+01:00)") from None
    else:
        raise ValueError(f"{what} must be an ISO 8601 date and time, not {value!r}")
    if t.tzinfo is None:
        raise ValueError(f"{what} {value!r} needs a timezone, for example 2026-12-31T18:00:00+01:00 or ...Z")
    return t


def panel_from_dict(data: Any) -> Panel:
    """Build a :class:`Panel` from the spec's optional ``panel`` object (``null`` or missing: no panel).

    Empty texts count as unset. Raises :class:`ValueError` naming the setting (``panel.complete_url`` ...)
    for an unknown key, a bad parameter name, a redirect that is not http(s), a code with other
    characters than letters, digits, ``_`` and ``-``, a quota below 1 or a time without a timezone.
    """
    if data is None:
        return Panel()
    if not isinstance(data, Mapping):
        raise ValueError(f"panel must be an object with {', '.join(PANEL_FIELDS)}")
    refuse_unknown(data, PANEL_FIELDS, "panel setting")
    values = {k: (None if isinstance(v, str) and not v.strip() else v) for k, v in data.items()}
    out: dict[str, Any] = {}
    if values.get("id_param") is not None:
        out["id_param"] = _param_name(values["id_param"], "panel.id_param")
        if out["id_param"] in RESERVED_PARAMS - {"pid"}:
            raise ValueError(f"panel.id_param cannot be {out['id_param']!r}: the app uses that parameter")
    tags = values.get("tag_params")
    if tags is not None:
        if isinstance(tags, str):
            tags = [t for t in re.split(r"[,\s]+", tags) if t]
        if not isinstance(tags, list | tuple):
            raise ValueError("panel.tag_params must be a list of URL parameter names, or null for every parameter")
        names = [_param_name(t, "each of panel.tag_params") for t in tags]
        if len(names) > MAX_TAGS:
            raise ValueError(f"panel.tag_params names {len(names)} parameters; at most {MAX_TAGS} are allowed")
        clash = sorted(set(names) & (RESERVED_PARAMS | {out.get("id_param")}))
        if clash:
            raise ValueError(f"panel.tag_params cannot include {clash[0]!r}: it is the participant link's own "
                             "or the participant id")
        out["tag_params"] = tuple(dict.fromkeys(names))
    for name in URL_FIELDS:
        if values.get(name) is not None:
            out[name] = check_redirect_url(values[name], f"panel.{name}")
    code = values.get("completion_code")
    if code is not None:
        if not isinstance(code, str) or not _CODE_RE.match(code.strip()):
            raise ValueError(f"panel.completion_code must be 1 to {MAX_CODE} letters, digits, '_' or '-', "
                             f"not {code!r}")
        out["completion_code"] = code.strip()
    quota = values.get("quota")
    if quota is not None:
        if isinstance(quota, bool) or not isinstance(quota, int) or quota < 1:
            raise ValueError(f"panel.quota must be a positive whole number or null, not {quota!r}")
        out["quota"] = quota
    if values.get("closes_at") is not None:
        out["closes_at"] = _time(values["closes_at"], "panel.closes_at")
    return Panel(**out)


# --- arrival: who the participant is, and their tags ------------------------------------------------

def validate_participant_id(participant_id: Any) -> str:
    """Return ``participant_id`` if it is 1-100 characters of letters, digits and ``_ . @ -``.

    Raises
    ------
    ValueError
        Naming the allowed characters.
    """
    if not isinstance(participant_id, str) or not _PARTICIPANT_RE.match(participant_id):
        raise ValueError(
            f"participant id {participant_id!r} is not allowed; use 1 to 100 letters, digits, "
            "'_', '.', '@' or '-'"
        )
    return participant_id


def participant_id(panel: Panel, params: Mapping[str, Any]) -> str | None:
    """The participant's id from the URL: the panel's ``id_param``, else ``pid``, the first that is valid.

    So a malformed panel id falls back to the ``pid`` the page wrote into the address, and a reload keeps
    the same participant; ``None`` when neither is valid (the page then makes one).
    """
    for name in dict.fromkeys(n for n in (panel.id_param, "pid") if n):
        try:
            return validate_participant_id(params.get(name))
        except ValueError:
            continue
    return None


def extract_tags(panel: Panel, params: Mapping[str, Any]) -> dict[str, str]:
    """The URL parameters kept as tags: ``tag_params`` (those present), or every parameter but the link's own.

    Values are stripped and cut to 200 characters; empty ones, ones with a NUL, and names that are not
    1 to 50 letters, digits, ``_ . -`` are dropped; at most 20 tags, in the URL's order.
    """
    wanted = panel.tag_params
    skip = RESERVED_PARAMS | {panel.id_param}
    tags: dict[str, str] = {}
    for name in (wanted if wanted is not None else params.keys()):
        if name in skip or not isinstance(name, str) or not _PARAM_RE.match(name):
            continue
        value = params.get(name)
        if not isinstance(value, str) or "\x00" in value or not value.strip():
            continue
        tags[name] = value.strip()[:MAX_TAG_VALUE]
        if len(tags) == MAX_TAGS:
            break
    return tags


def clean_tags(tags: Any) -> dict[str, str]:
    """Tags read back from a draft or a file: text names and values only, within the limits of :func:`extract_tags`."""
    if not isinstance(tags, Mapping):
        return {}
    return extract_tags(Panel(), {str(k): v for k, v in tags.items()})


# --- leaving: redirects with the id ---------------------------------------------------------------

def redirect_url(panel: Panel, outcome: Outcome, participant_id: str) -> str | None:
    """Where to send a participant on ``outcome``, ``{pid}`` replaced by their URL-encoded id; ``None`` if unset."""
    template = {"complete": panel.complete_url, "screenout": panel.screenout_url,
                "quota_full": panel.quota_full_url}[outcome]
    if not template:
        return None
    return template.replace("{pid}", quote(participant_id, safe=""))


# --- closing: quota and date ------------------------------------------------------------------------

def closed_reason(panel: Panel, completed: int, now: datetime) -> Literal["quota", "date"] | None:
    """Why the study takes no new participants: ``'quota'`` (``completed`` reached ``quota``), ``'date'``
    (``now`` at or after ``closes_at``), or ``None``. ``completed`` counts completed, non-excluded sorts."""
    if panel.quota is not None and completed >= panel.quota:
        return "quota"
    if panel.closes_at is not None and now >= panel.closes_at:
        return "date"
    return None


def accepts(panel: Panel, completed: int, now: datetime, *, in_progress_since: datetime | None) -> bool:
    """Whether a participant may submit: always when the study is not closed; when it is, only a participant
    already in progress (a draft started before ``closes_at``, or any draft when the quota filled), as panels do."""
    reason = closed_reason(panel, completed, now)
    if reason is None:
        return True
    if in_progress_since is None:
        return False
    return reason == "quota" or (panel.closes_at is not None and in_progress_since < panel.closes_at)


def panel_link(path: str, panel: Panel, placeholder: str = "{{%NAME%}}") -> str:
    """The participant link with the panel's parameters as placeholders, e.g.
    ``/sort?study=X&PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}`` (Prolific's syntax by default)."""
    names = [n for n in (panel.id_param, *(panel.tag_params or ())) if n]
    return path + "".join(f"&{n}={placeholder.replace('NAME', n)}" for n in names)


# --- the Results page's participants table ---------------------------------------------------------------

def participants_frame(sorts: list[Any], excluded: set[str] | frozenset[str] = frozenset()):
    """One row per submitted sort, newest first: ``participant``, ``submitted`` (``'2026-11-02 09:05'`` UTC,
    ``''`` when unknown), ``excluded`` (bool), then one column per tag name (``''`` where a sort lacks it).

    ``sorts`` are :class:`cardsort.model.Sort` objects (their groups are not read).
    """
    import pandas as pd

    names = list(dict.fromkeys(name for s in sorts for name in s.tags))
    rows = [(s.participant_id, f"{s.finished_at:%Y-%m-%d %H:%M}" if s.finished_at else "",
             s.participant_id in excluded, *(s.tags.get(n, "") for n in names)) for s in sorts]
    frame = pd.DataFrame(rows, columns=["participant", "submitted", "excluded", *names])
    return frame.sort_values("submitted", ascending=False, kind="stable").reset_index(drop=True)


__all__ = [
    "MAX_TAGS", "PANEL_FIELDS", "Panel", "accepts", "check_redirect_url", "clean_tags", "closed_reason",
    "extract_tags", "panel_from_dict", "panel_link", "participant_id", "participants_frame", "redirect_url",
    "validate_participant_id",
]
