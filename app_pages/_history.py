"""Who changed what: a table of recorded changes (``cardsort.changes``), newest first, in the viewer's time zone.

Shown on the Studies page (the study's changes) and on Audit history (the site's audit runs). The
newest :data:`PAGE` rows first, then "Show … more" adds as many again; the button and the number shown
are keyed by what the table is about (the study's id, the site), never by position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._clock import browser_zone, show, zone_name
from cardsort.i18n import counted

PAGE = 20
CHANGES = {"one": "change", "other": "changes"}


def history_frame(rows: list[dict[str, Any]], zone) -> pd.DataFrame:
    """The table the pages show: when (in ``zone``, as the row's header), who, what."""
    when = f"When ({zone_name(zone)})"
    return pd.DataFrame({when: [show(r["at"], zone) for r in rows], "Who": [r["actor"] for r in rows],
                         "What": [r["summary"] for r in rows]}).set_index(when)


def history_table(key: str, fetch: Callable[[int], tuple[list[dict[str, Any]], int]], *, empty: str) -> None:
    """The newest changes ``fetch(limit)`` gives (``(rows, total)``), with "Show more" when there are more.

    ``key`` names what the history is about (``study:<id>``, ``site:<url>``).
    """
    shown_key = f"history_shown:{key}"
    limit = st.session_state.get(shown_key, PAGE)
    rows, total = fetch(limit)
    if not rows:
        st.write(empty)
        return
    zone = browser_zone()
    st.write(f"Newest first: {len(rows):,} of {counted(total, CHANGES)}, each with who made it and when "
             f"({zone_name(zone)}).")
    st.table(history_frame(rows, zone))
    if total > len(rows):
        more = min(PAGE, total - len(rows))
        st.button(f"Show {counted(more, {'one': 'earlier change', 'other': 'earlier changes'})}",
                  key=f"history_more:{key}", on_click=_show_more, args=(shown_key, limit + PAGE))


def _show_more(shown_key: str, limit: int) -> None:
    st.session_state[shown_key] = limit
