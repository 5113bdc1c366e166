"""Participants' answers to the optional questions after sorting, for the Results page and the report."""

from __future__ import annotations

import pandas as pd

from .model import Sort

COLUMNS = ("participant", "submitted", "comments", "hard_cards", "excluded")


def comments_frame(sorts: list[Sort], excluded: set[str] | frozenset[str] = frozenset()) -> pd.DataFrame:
    """One row per participant who answered a question: newest first.

    Returns
    -------
    DataFrame
        Columns ``participant``, ``submitted`` (``'2026-11-02 09:05'`` UTC, ``''`` when unknown),
        ``comments`` and ``hard_cards`` (the answers, ``''`` when left empty), ``excluded`` (bool).
    """
    rows = [(s.participant_id, f"{s.finished_at:%Y-%m-%d %H:%M}" if s.finished_at else "",
             s.answers.get("comments", "").strip(), s.answers.get("hard_cards", "").strip(),
             s.participant_id in excluded)
            for s in sorts if s.answers.get("comments", "").strip() or s.answers.get("hard_cards", "").strip()]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.sort_values("submitted", ascending=False, kind="stable").reset_index(drop=True)


def export_comments(frame: pd.DataFrame) -> str:
    """:func:`comments_frame` as CSV, formula-like cells neutralised."""
    from .formats import csv_text  # the one CSV writer that neutralises cells for spreadsheets

    return csv_text(list(COLUMNS), ([r.participant, r.submitted, r.comments, r.hard_cards,
                                     "yes" if r.excluded else "no"] for r in frame.itertuples()))
