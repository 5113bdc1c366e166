"""Closed and hybrid sorts: where participants put each card among the fixed categories,
and (for a prioritisation sort) how high they ranked it inside each category."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .model import Category, Sort, Study
from .table import SortTable

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only when stored placements are read
    from .store import StoredPlacements

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


def average_positions(study: Study, sorts: Iterable[Sort]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each card's average position inside each of the study's categories (a prioritisation sort).

    A card's position is its place in the participant's group, counted from 1 (the order the
    participant left the group in; see the setting ``order_within_groups``). Only groups that are
    one of the study's categories count; a hybrid sort's own groups and cards no longer in the
    study are left out.

    Returns
    -------
    means : DataFrame of float, shape (n_cards, n_categories)
        Index: card labels (the study's order); columns: category labels. NaN where no
        participant put the card into that category.
    counts : DataFrame of int, same shape
        How many participants put the card into that category (the n of each mean).
    """
    cards = {c.id: i for i, c in enumerate(study.cards)}
    categories = {c.id: i for i, c in enumerate(study.categories)}
    rows = [(cards[card], categories[g.category_id], place)
            for s in sorts for g in s.groups if g.category_id in categories
            for place, card in enumerate(g.cards, start=1) if card in cards]
    card, category, position = (np.array(col, dtype=np.int64) for col in zip(*rows)) if rows else \
        (np.zeros(0, dtype=np.int64),) * 3
    return _position_frames(study, card, category, position)


def average_positions_stored(study: Study, stored: StoredPlacements) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`average_positions` of placements read by :func:`cardsort.store.load_placements` (same result).

    The stored placements come sorted by sort, group and position, each group's counted from 0
    without gaps (as :func:`cardsort.store.submit_sort` writes them), so a placement's position
    is its distance from its group's first placement.
    """
    cards = {c.id: i for i, c in enumerate(study.cards)}
    categories = {c.id: i for i, c in enumerate(study.categories)}
    card_of_id = np.array([cards.get(c, -1) for c in stored.card_ids], dtype=np.int64)
    category_of_group = np.array([categories.get(c, -1) if c is not None else -1
                                  for c in stored.group_category_ids], dtype=np.int64)
    if len(stored.card) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return _position_frames(study, empty, empty, empty)
    card = card_of_id[stored.card]
    category = category_of_group[stored.group]
    first = np.flatnonzero(np.r_[True, stored.group[1:] != stored.group[:-1]])  # each group's first placement
    position = np.arange(len(stored.card)) - first[stored.group] + 1
    keep = (card >= 0) & (category >= 0)
    return _position_frames(study, card[keep], category[keep], position[keep])


def _position_frames(study: Study, card: np.ndarray, category: np.ndarray,
                     position: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    shape = (len(study.cards), len(study.categories))
    counts = np.zeros(shape, dtype=np.int64)
    totals = np.zeros(shape, dtype=np.int64)
    np.add.at(counts, (card, category), 1)
    np.add.at(totals, (card, category), position)
    means = np.divide(totals, counts, out=np.full(shape, np.nan), where=counts > 0)
    index = pd.Index([c.label for c in study.cards], name="card")
    columns = [c.label for c in study.categories]
    return pd.DataFrame(means, index=index, columns=columns), pd.DataFrame(counts, index=index, columns=columns)


def position_table(means: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The average positions as text for people: ``"1.50 (n = 4)"`` per cell, ``"–"`` where n is 0."""
    text = [[f"{m:.2f} (n = {n:,})" if n else "–" for m, n in zip(mrow, nrow)]
            for mrow, nrow in zip(means.to_numpy(), counts.to_numpy())]
    return pd.DataFrame(text, index=means.index, columns=means.columns)


def positions_long(means: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The average positions one row per card and category someone put it in.

    Returns
    -------
    DataFrame
        Columns ``card``, ``category``, ``mean_position`` (float), ``n`` (int); cards in the study's
        order, then categories in the study's order.
    """
    c = counts.to_numpy()
    rows, cols = np.nonzero(c)
    return pd.DataFrame({
        "card": np.asarray(means.index, dtype=object)[rows],
        "category": np.asarray(means.columns, dtype=object)[cols],
        "mean_position": means.to_numpy()[rows, cols],
        "n": c[rows, cols],
    })
