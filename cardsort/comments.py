"""Participants' answers: the study's questions (before and after sorting) and the two optional built-in
questions after sorting, for the Results page's participants table, its CSV and the report."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from .model import Sort
from .questions import Question

COLUMNS = ("participant", "submitted", "comments", "hard_cards", "excluded")
"""The columns every answers table has; one ``answer_<question id>`` column per study question follows."""


def answer_column(question: Question) -> str:
    """The column of a question's answers in the answers table, its CSV and the long CSV export."""
    return f"answer_{question.id}"


def comments_frame(sorts: list[Sort], excluded: set[str] | frozenset[str] = frozenset(),
                   questions: Sequence[Question] = ()) -> pd.DataFrame:
    """One row per participant who answered a question: newest first.

    Returns
    -------
    DataFrame
        Columns ``participant``, ``submitted`` (``'2026-11-02 09:05'`` UTC, ``''`` when unknown),
        ``comments`` and ``hard_cards`` (the answers, ``''`` when left empty), ``excluded`` (bool),
        then ``answer_<id>`` per question of ``questions`` (the stored text form of
        :mod:`cardsort.questions`, ``''`` when unanswered).
    """
    rows = []
    for s in sorts:
        comments, hard = s.answers.get("comments", "").strip(), s.answers.get("hard_cards", "").strip()
        given = [s.answers.get(q.id, "") for q in questions]
        if comments or hard or any(given):
            rows.append((s.participant_id, f"{s.finished_at:%Y-%m-%d %H:%M}" if s.finished_at else "",
                         comments, hard, s.participant_id in excluded, *given))
    frame = pd.DataFrame(rows, columns=[*COLUMNS, *(answer_column(q) for q in questions)])
    return frame.sort_values("submitted", ascending=False, kind="stable").reset_index(drop=True)


def export_comments(frame: pd.DataFrame) -> str:
    """:func:`comments_frame` as CSV (its columns, ``excluded`` as yes/no), formula-like cells neutralised."""
    from .formats import csv_text  # the one CSV writer that neutralises cells for spreadsheets

    extra = [c for c in frame.columns if c not in COLUMNS]
    return csv_text([*COLUMNS, *extra], ([r["participant"], r["submitted"], r["comments"], r["hard_cards"],
                                          "yes" if r["excluded"] else "no", *(r[c] for c in extra)]
                                         for r in frame.to_dict(orient="records")))
