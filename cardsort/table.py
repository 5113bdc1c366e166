"""Placements as integer arrays: the one input of every analysis function.

NumPy only: pandas is imported only to read a placements frame (:meth:`SortTable.from_frame`),
so the command-line analysis of a CSV file never loads it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SortTable:
    """Many participants' sorts, factorised into arrays.

    Attributes
    ----------
    card_ids, cards : tuple of str, shape (n_cards,)
        Card ids and labels; every matrix's rows and columns follow this order.
    participants : tuple of str, shape (n_participants,)
    card, group : ndarray of int, shape (n_placements,)
        For each placement, the card's index and the global index of its group.
    group_participant : ndarray of int, shape (n_groups,)
        The participant index of each group. A group is (participant, category id).
    group_labels : tuple of str, shape (n_groups,)
        Each group's label as the participant wrote it ('' when unnamed).
    group_keys : tuple of str, shape (n_groups,)
        Each group's category id (fixed categories keep the study's id).
    """

    card_ids: tuple[str, ...]
    cards: tuple[str, ...]
    participants: tuple[str, ...]
    card: np.ndarray
    group: np.ndarray
    group_participant: np.ndarray
    group_labels: tuple[str, ...]
    group_keys: tuple[str, ...]

    @property
    def n_cards(self) -> int:
        return len(self.cards)

    @property
    def n_participants(self) -> int:
        return len(self.participants)

    @property
    def n_groups(self) -> int:
        return len(self.group_labels)

    @property
    def placement_participant(self) -> np.ndarray:
        return self.group_participant[self.group]

    def group_sizes(self) -> np.ndarray:
        """Number of cards in each group, shape (n_groups,)."""
        return np.bincount(self.group, minlength=self.n_groups)

    def subset(self, participants: np.ndarray) -> SortTable:
        """The table restricted to the participants at these indices (cards unchanged).

        Indices may repeat (bootstrap resamples): each copy counts as its own participant.
        """
        sel = np.asarray(participants, dtype=np.int64)
        pp = self.placement_participant
        order = np.argsort(pp, kind="stable")
        starts = np.searchsorted(pp[order], np.arange(self.n_participants + 1))
        counts = starts[sel + 1] - starts[sel]
        total = int(counts.sum())
        offsets = np.repeat(np.cumsum(counts) - counts, counts)
        rows = order[np.arange(total) - offsets + np.repeat(starts[sel], counts)]
        new_participant = np.repeat(np.arange(len(sel)), counts)
        keys, group = np.unique(new_participant * self.n_groups + self.group[rows], return_inverse=True)
        old_group = keys % self.n_groups
        return SortTable(
            card_ids=self.card_ids, cards=self.cards,
            participants=tuple(self.participants[p] for p in sel),
            card=self.card[rows], group=group.astype(np.int64),
            group_participant=keys // self.n_groups,
            group_labels=tuple(self.group_labels[g] for g in old_group),
            group_keys=tuple(self.group_keys[g] for g in old_group),
        )

    @classmethod
    def from_frame(cls, frame, card_order: list[tuple[str, str]] | None = None) -> SortTable:
        """Build from a placements frame (see :mod:`cardsort.formats`).

        Parameters
        ----------
        frame : DataFrame
            Columns ``participant``, ``card_id``, ``card_label``, ``group_key``,
            ``group_label``; text or categorical.
        card_order : list of (id, label), optional
            The study's cards, in order; cards nobody placed still get a row and column.
            By default, cards in order of first appearance.
        """
        columns = ("participant", "card_id", "card_label", "group_key", "group_label")
        return cls.from_codes({col: codes_of(frame[col]) for col in columns}, card_order)

    @classmethod
    def from_codes(cls, columns: Mapping[str, tuple[np.ndarray, np.ndarray]],
                   card_order: list[tuple[str, str]] | None = None) -> SortTable:
        """Build from dictionary-encoded placement columns (what the CSV reader produces).

        Parameters
        ----------
        columns : mapping of str to (codes, values)
            For ``participant``, ``card_id``, ``card_label``, ``group_key`` and
            ``group_label``: int codes, shape (n_placements,), into an array of the
            column's distinct text values. Values must be distinct within a column.
        card_order : list of (id, label), optional
            As in :meth:`from_frame`.
        """
        card_codes, card_values = columns["card_id"]
        if card_order is None:
            _, first_rows = factorize(card_codes)
            label_codes, label_values = columns["card_label"]
            card_order = [(str(card_values[card_codes[r]]), str(label_values[label_codes[r]])) for r in first_rows]
        index = {card_id: i for i, (card_id, _) in enumerate(card_order)}
        position = np.array([index.get(str(v), -1) for v in card_values], dtype=np.int64)
        card = position[card_codes]
        if (card < 0).any():
            raise ValueError(f"card id {card_values[card_codes[card < 0][0]]!r} is not among the study's cards")
        p_codes, participants = columns["participant"]
        if np.bincount(p_codes, minlength=len(participants)).all():
            used = np.arange(len(participants))
        else:  # drop participants without placements
            new_codes, first_rows = factorize(p_codes)
            p_codes, used = new_codes, p_codes[first_rows]
        k_codes, keys = columns["group_key"]
        g_codes, first_rows = factorize_pairs(p_codes, k_codes)
        l_codes, l_values = columns["group_label"]
        return cls(
            card_ids=tuple(c for c, _ in card_order), cards=tuple(label for _, label in card_order),
            participants=tuple(map(str, np.asarray(participants, dtype=object)[used])),
            card=card.astype(np.int64), group=g_codes,
            group_participant=p_codes[first_rows].astype(np.int64),
            group_labels=tuple(map(str, np.asarray(l_values, dtype=object)[l_codes[first_rows]])),
            group_keys=tuple(map(str, np.asarray(keys, dtype=object)[k_codes[first_rows]])),
        )


def _direct(span: int, n: int) -> bool:
    """Whether ``n`` keys spanning ``span`` values are numbered by indexing an array of ``span`` (linear
    time) rather than by sorting."""
    return span <= 4 * n + 1024


def _dense(keys: np.ndarray) -> tuple[np.ndarray, int]:
    """Keys renumbered into ``0..span-1`` (order kept), and ``span``.

    Keys spanning a range not much larger than their count are only shifted (linear
    time); others are compressed with :func:`numpy.unique`.
    """
    low = int(keys.min())
    span = int(keys.max()) - low + 1
    if _direct(span, len(keys)):
        return (keys - low if low else keys), span
    distinct, dense = np.unique(keys, return_inverse=True)
    return dense.reshape(-1), len(distinct)


def _first_row_mask(dense: np.ndarray, span: int) -> np.ndarray:
    """Boolean mask, shape (n,): True where a key occurs for the first time."""
    n = len(dense)
    first = np.full(span, n, dtype=np.int64)
    np.minimum.at(first, dense, np.arange(n, dtype=np.int64))
    mask = np.zeros(n, dtype=bool)
    mask[first[first < n]] = True
    return mask


def _first_rows_if_numbered(keys: np.ndarray) -> np.ndarray | None:
    """For non-empty keys already numbered 0, 1, 2, ... in order of first appearance (none negative,
    the first 0, none more than one above every key before it): the row where each first appears.
    Otherwise None."""
    if keys[0] != 0 or keys.min() < 0:
        return None
    # The running maximum rises at each new key; it ends at the number of rises exactly when every
    # rise is by one (a rise is at least one). No np.diff: it costs an int64 array as long as the keys.
    top = np.maximum.accumulate(keys)
    rises = np.flatnonzero(top[1:] != top[:-1]) + 1
    if int(top[-1]) != len(rises):
        return None
    return np.concatenate(([0], rises))


def factorize(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number integer keys in order of first appearance (like ``pandas.factorize(sort=False)``).

    Linear time for keys in a compact range (the usual case: products of codes),
    no hashing and no pandas; keys already numbered so (the codes of a pyarrow
    dictionary) are only checked and returned as they are.

    Parameters
    ----------
    keys : ndarray of int, shape (n,)

    Returns
    -------
    codes : ndarray of int64, shape (n,)
        0 for the first distinct key, 1 for the next new one, and so on.
    first_rows : ndarray of int64, shape (n_distinct,)
        The row where each code first occurs (increasing).
    """
    keys = np.asarray(keys, dtype=np.int64)
    first_rows = _first_rows_if_numbered(keys) if len(keys) else None
    if first_rows is not None:
        return keys, first_rows
    return _renumber(keys)


def _renumber(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`factorize` without the check for keys numbered already."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    dense, span = _dense(keys)
    first_rows = np.flatnonzero(_first_row_mask(dense, span))
    rank = np.empty(span, dtype=np.int64)
    rank[dense[first_rows]] = np.arange(len(first_rows))
    return rank[dense], first_rows


def factorize_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Number the distinct pairs ``(a[i], b[i])`` of two columns of codes (ints from 0) as :func:`factorize` does.

    When the pairs' combined keys would span too wide a range for :func:`factorize`'s linear path
    and one column determines the other (Kardsort numbers category ids across the whole file, so
    each names one participant's pile), the pairs are numbered as that column alone, in linear time.
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    n_b = int(b.max(initial=-1)) + 1
    if not _direct((int(a.max(initial=-1)) + 1) * n_b, len(a)):
        for finer, coarser in ((b, a), (a, b)):
            codes, first_rows = factorize(finer)
            if (coarser[first_rows][codes] == coarser).all():
                return codes, first_rows
    return _renumber(a * n_b + b)  # combined keys are seldom numbered by appearance: no check


def first_duplicate(keys: np.ndarray) -> int | None:
    """The first row whose key already occurred in an earlier row, or None."""
    keys = np.asarray(keys, dtype=np.int64)
    if len(keys) == 0:
        return None
    dense, span = _dense(keys)
    if np.bincount(dense, minlength=span).max() <= 1:
        return None
    return int(np.argmin(_first_row_mask(dense, span)))


def codes_of(col) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and distinct values of a text or categorical :class:`pandas.Series`."""
    import pandas as pd

    if isinstance(col.dtype, pd.CategoricalDtype):
        return col.cat.codes.to_numpy().astype(np.int64), np.asarray(col.cat.categories, dtype=object)
    codes, values = pd.factorize(col, sort=False)
    return codes.astype(np.int64), np.asarray(values, dtype=object)
