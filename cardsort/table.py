"""Placements as integer arrays: the one input of every analysis function."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse


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

    def group_matrix(self) -> sparse.csr_matrix:
        """Binary groups x cards incidence, shape (n_groups, n_cards)."""
        ones = np.ones(len(self.card), dtype=np.float32)
        return sparse.csr_matrix((ones, (self.group, self.card)), shape=(self.n_groups, self.n_cards))

    def seen_matrix(self) -> sparse.csr_matrix:
        """Binary participants x cards: which participant placed (saw) which card."""
        ones = np.ones(len(self.card), dtype=np.float32)
        return sparse.csr_matrix((ones, (self.placement_participant, self.card)),
                                 shape=(self.n_participants, self.n_cards))

    def subset(self, participants: np.ndarray) -> "SortTable":
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
    def from_frame(cls, frame: pd.DataFrame, card_order: list[tuple[str, str]] | None = None) -> "SortTable":
        """Build from a placements frame (see :mod:`cardsort.formats`).

        Parameters
        ----------
        frame : DataFrame
            Columns ``participant``, ``card_id``, ``card_label``, ``group_key``, ``group_label``.
        card_order : list of (id, label), optional
            The study's cards, in order; cards nobody placed still get a row and column.
            By default, cards in order of first appearance.
        """
        if card_order is None:
            first = frame.drop_duplicates("card_id")
            card_order = list(zip(first["card_id"], first["card_label"]))
        card_ids = [c for c, _ in card_order]
        index = pd.Index(card_ids)
        card = index.get_indexer(frame["card_id"])
        if (card < 0).any():
            raise ValueError(f"card id {frame['card_id'][card < 0].iloc[0]!r} is not among the study's cards")
        p_codes, participants = pd.factorize(frame["participant"], sort=False)
        k_codes, _ = pd.factorize(frame["group_key"], sort=False)
        g_codes, g_uniques = pd.factorize(p_codes.astype(np.int64) * (int(k_codes.max(initial=0)) + 1) + k_codes,
                                          sort=False)
        first_rows = pd.Series(np.arange(len(frame))).groupby(g_codes).first().to_numpy()
        return cls(
            card_ids=tuple(card_ids), cards=tuple(label for _, label in card_order),
            participants=tuple(str(p) for p in participants),
            card=card.astype(np.int64), group=g_codes.astype(np.int64),
            group_participant=p_codes[first_rows].astype(np.int64),
            group_labels=tuple(frame["group_label"].to_numpy()[first_rows]),
            group_keys=tuple(frame["group_key"].to_numpy()[first_rows]),
        )
