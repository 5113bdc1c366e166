"""Sorts worth a second look before analysis: one pile, all singletons, unusually fast.

Thresholds
----------
* **One pile**: every card the participant placed (at least :data:`MIN_CARDS`) is in one group.
* **All singletons**: every group holds one card (at least :data:`MIN_CARDS` cards placed).
* **Too fast**: finished in under a third of the median time of the study's timed sorts
  (:data:`FAST_SHARE`; only once :data:`MIN_TIMED` sorts carry times, since a median of two
  says little), or in under :data:`SECONDS_PER_CARD` seconds per card placed, which is too little
  to read a card at all.

Flags only suggest; the UX lead decides (:func:`cardsort.store.set_exclusions`), and the
analyses read only included sorts (``store.load_sorts(..., include_excluded=False)``).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import pandas as pd

from .model import Sort

MIN_CARDS = 3
FAST_SHARE = 1 / 3
MIN_TIMED = 5
SECONDS_PER_CARD = 1.0
REASONS = {"one_pile": "one pile", "all_singletons": "every card on its own", "too_fast": "unusually fast"}

COLUMNS = ["participant", "cards", "groups", "seconds", "one_pile", "all_singletons", "too_fast", "reasons"]


def duration_seconds(sort: Sort) -> float | None:
    """Seconds from start to finish, or ``None`` without both times (or with the finish first)."""
    if sort.started_at is None or sort.finished_at is None or sort.finished_at < sort.started_at:
        return None
    return (sort.finished_at - sort.started_at).total_seconds()


def fast_threshold(sorts: Sequence[Sort]) -> float | None:
    """Seconds under which a sort counts as too fast by the median rule (``None``: too few times)."""
    times = [t for t in map(duration_seconds, sorts) if t is not None]
    if len(times) < MIN_TIMED:
        return None
    return statistics.median(times) * FAST_SHARE


def flag_sorts(sorts: Sequence[Sort]) -> pd.DataFrame:
    """One row per sort with the reasons to look at it again.

    Returns
    -------
    DataFrame
        Columns ``participant``, ``cards`` (placed), ``groups`` (non-empty), ``seconds``
        (float or NaN), ``one_pile``, ``all_singletons``, ``too_fast`` (bool) and ``reasons``
        (plain words joined by ", "; '' when none); in the order of ``sorts``.
    """
    limit = fast_threshold(sorts)
    rows = []
    for s in sorts:
        sizes = [len(g.cards) for g in s.groups if g.cards]
        n_cards, n_groups = sum(sizes), len(sizes)
        seconds = duration_seconds(s)
        flags = {
            "one_pile": n_cards >= MIN_CARDS and n_groups == 1,
            "all_singletons": n_cards >= MIN_CARDS and n_groups == n_cards,
            "too_fast": seconds is not None and n_cards > 0 and (
                seconds < SECONDS_PER_CARD * n_cards or (limit is not None and seconds < limit)),
        }
        rows.append({"participant": s.participant_id, "cards": n_cards, "groups": n_groups,
                     "seconds": float("nan") if seconds is None else seconds, **flags,
                     "reasons": ", ".join(REASONS[k] for k, v in flags.items() if v)})
    return pd.DataFrame(rows, columns=COLUMNS)


def describe_thresholds(sorts: Sequence[Sort]) -> str:
    """The rules of :func:`flag_sorts` in plain words, with this study's fast limit."""
    limit = fast_threshold(sorts)
    fast = (f"under a third of the median time ({limit:.0f} s here) or under {SECONDS_PER_CARD:g} s per card"
            if limit is not None else
            f"under {SECONDS_PER_CARD:g} s per card (the median rule needs {MIN_TIMED} timed sorts)")
    return (f"Flagged: all cards in one pile, or every card on its own (from {MIN_CARDS} cards), "
            f"or finished {fast}.")
