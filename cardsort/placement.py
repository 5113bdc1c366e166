"""Closed and hybrid sorts: where participants put each card among the fixed categories."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import Category
from .table import SortTable

OWN_GROUPS = "(own groups)"


def placement_matrix(table: SortTable, categories: list[Category]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and shares of cards per fixed category.

    Groups whose key is not a category id (a hybrid sort's own groups) are counted
    in one extra column, :data:`OWN_GROUPS`, when there are any.

    Returns
    -------
    counts : DataFrame of int, shape (n_cards, n_categories [+ 1])
        Index: card labels; columns: category labels.
    shares : DataFrame of float, same shape
        Counts divided by the participants who placed the card.
    """
    ids = [c.id for c in categories]
    col_of_key = {cid: i for i, cid in enumerate(ids)}
    group_col = np.array([col_of_key.get(k, len(ids)) for k in table.group_keys], dtype=np.int64)
    cols = group_col[table.group]
    counts = np.zeros((table.n_cards, len(ids) + 1), dtype=np.int64)
    np.add.at(counts, (table.card, cols), 1)
    columns = [c.label for c in categories] + [OWN_GROUPS]
    if not counts[:, -1].any():
        counts, columns = counts[:, :-1], columns[:-1]
    totals = np.bincount(table.card, minlength=table.n_cards)
    shares = np.divide(counts, totals[:, None], out=np.zeros(counts.shape), where=totals[:, None] > 0)
    index = pd.Index(table.cards, name="card")
    return pd.DataFrame(counts, index=index, columns=columns), pd.DataFrame(shares, index=index, columns=columns)


def top_categories(counts: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Each card's most popular category and its share (ties: the first category).

    Returns
    -------
    DataFrame
        Index: card labels; columns ``category``, ``count``, ``share``.
    """
    best = counts.to_numpy().argmax(axis=1)
    rows = np.arange(len(counts))
    return pd.DataFrame({
        "category": np.asarray(counts.columns)[best],
        "count": counts.to_numpy()[rows, best],
        "share": shares.to_numpy()[rows, best],
    }, index=counts.index)
