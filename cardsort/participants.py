"""Participant-centric analysis: edit distance between sorts and the most representative sorts.

The edit distance between two sorts is the minimum number of cards to move to turn one into
the other (Deibel, Anderson and Anderson, 2005). With ``O[a, b]`` the number of cards in
group ``a`` of the first sort and group ``b`` of the second, it is ``n - M`` where ``n`` is the
number of cards both placed and ``M`` the largest total overlap of a one-to-one matching of
groups (:func:`scipy.optimize.linear_sum_assignment`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from .table import SortTable

MAX_PARTICIPANTS = 1000  # pairwise distances grow with the square: larger studies use a random sample


def sample_participants(table: SortTable, max_participants: int = MAX_PARTICIPANTS,
                        random_state: int = 0) -> SortTable:
    """``table`` itself when it has at most ``max_participants``, else a seeded random sample of them.

    The sample keeps the table's participant order, so results read the same way.
    """
    if max_participants < 2:
        raise ValueError(f"max_participants must be at least 2, not {max_participants}")
    if table.n_participants <= max_participants:
        return table
    rng = np.random.default_rng(random_state)
    return table.subset(np.sort(rng.choice(table.n_participants, max_participants, replace=False)))


def participant_card_matrix(table: SortTable) -> np.ndarray:
    """Each participant's group for each card, numbered 0, 1, ... within the participant.

    Returns
    -------
    ndarray of int, shape (n_participants, n_cards)
        -1 where the participant did not place the card.
    """
    gp = table.group_participant
    order = np.lexsort((np.arange(table.n_groups), gp))
    first = np.searchsorted(gp[order], gp[order])  # first position of each group's participant
    local = np.empty(table.n_groups, dtype=np.int64)
    local[order] = np.arange(table.n_groups) - first
    matrix = np.full((table.n_participants, table.n_cards), -1, dtype=np.int64)
    matrix[table.placement_participant, table.card] = local[table.group]
    return matrix


def edit_distance(a: np.ndarray, b: np.ndarray) -> int:
    """Cards to move to turn sort ``a`` into sort ``b`` (over the cards both placed).

    Parameters
    ----------
    a, b : ndarray of int, shape (n_cards,)
        Group of each card (any integers), -1 for cards not placed.
    """
    both = (a >= 0) & (b >= 0)
    ga, ia = np.unique(a[both], return_inverse=True)
    gb, ib = np.unique(b[both], return_inverse=True)
    overlap = np.zeros((len(ga), len(gb)), dtype=np.int64)
    np.add.at(overlap, (ia, ib), 1)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return int(both.sum() - overlap[rows, cols].sum())


def edit_distances(table: SortTable, budget: int = 4_000_000) -> np.ndarray:
    """Edit distance between every two participants' sorts.

    Overlap matrices are built for many pairs at once; a pair needs the assignment solver only
    when matching each group to its best partner does not already reach the upper bound
    ``min(sum of row maxima, sum of column maxima)`` with distinct partners.

    Returns
    -------
    ndarray of int, shape (n_participants, n_participants)
        Symmetric, 0 on the diagonal.
    """
    groups = participant_card_matrix(table)
    n, n_cards = groups.shape
    g = int(groups.max()) + 1 if groups.size else 0
    out = np.zeros((n, n), dtype=np.int64)
    if n < 2 or g == 0:
        return out
    step = max(1, budget // max(1, g * g + n_cards))
    for i in range(n - 1):
        for lo in range(i + 1, n, step):
            others = groups[lo:lo + step]
            out[i, lo:lo + len(others)] = _distances_to(groups[i], others, g)
    return out + out.T


def _distances_to(mine: np.ndarray, others: np.ndarray, g: int) -> np.ndarray:
    m = len(others)
    both = (mine >= 0) & (others >= 0)
    pair, card = np.nonzero(both)
    keys = (pair * g + mine[card]) * g + others[pair, card]
    overlap = np.bincount(keys, minlength=m * g * g).reshape(m, g, g)
    n_common = both.sum(axis=1)
    # Greedy: every non-empty row takes its best column. When those columns are distinct the
    # greedy total is the sum of row maxima, which no matching can beat; likewise for columns.
    best = np.full(m, -1, dtype=np.int64)
    for axis in (2, 1):
        top = overlap.max(axis=axis)
        partner = np.where(top > 0, overlap.argmax(axis=axis), g + np.arange(g))  # empty lines never clash
        ordered = np.sort(partner, axis=1)
        distinct = (ordered[:, 1:] != ordered[:, :-1]).all(axis=1)
        best = np.where((best < 0) & distinct, top.sum(axis=1), best)
    hard = np.flatnonzero(best < 0)
    if len(hard):
        # The solver per pair, on square g x g costs (its rows come back as 0..g-1); the matched
        # overlaps are summed for all pairs at once afterwards, outside the Python loop.
        cost = -overlap[hard]
        cols = np.empty((len(hard), g), dtype=np.int64)
        for q, matrix in enumerate(cost):
            cols[q] = linear_sum_assignment(matrix)[1]
        best[hard] = np.take_along_axis(overlap[hard], cols[:, :, None], axis=2)[:, :, 0].sum(axis=1)
    return n_common - best


@dataclass
class RepresentativeSort:
    """A participant's sort proposed as a candidate structure.

    Attributes
    ----------
    participant : str
    index : int
        Row of the participant in the table.
    neighbours : int
        Other participants whose sort lies within the chosen distance of this one.
    mean_distance : float
        Mean edit distance to the other participants.
    groups : list of (str, list of str)
        The sort: group label and card labels, largest group first.
    max_distance : int
        The distance ``neighbours`` counts within.
    """

    participant: str
    index: int
    neighbours: int
    mean_distance: float
    groups: list[tuple[str, list[str]]]
    max_distance: int


def default_max_distance(table: SortTable) -> int:
    """A fifth of the median number of cards a participant placed (at least 1)."""
    placed = np.bincount(table.placement_participant, minlength=table.n_participants)
    return max(1, round(float(np.median(placed)) / 5)) if len(placed) else 1


def representative_sorts(table: SortTable, distances: np.ndarray, max_distance: int | None = None,
                         n: int = 3) -> list[RepresentativeSort]:
    """Up to ``n`` sorts that stand for the most other sorts, each a different structure.

    Participants are ranked by how many others lie within ``max_distance`` cards of them
    (ties: smaller mean distance, then table order). After one is chosen, participants
    within ``max_distance`` of it are passed over, so the next is a different structure.
    Fewer than ``n`` come back when fewer different structures exist.

    Parameters
    ----------
    table : SortTable
    distances : ndarray of int, shape (n_participants, n_participants)
        From :func:`edit_distances`.
    max_distance : int, optional
        Default :func:`default_max_distance`.
    n : int, default=3
    """
    size = table.n_participants
    if distances.shape != (size, size):
        raise ValueError(f"distances must have shape ({size}, {size}), not {distances.shape}")
    if max_distance is None:
        max_distance = default_max_distance(table)
    if max_distance < 0:
        raise ValueError(f"max_distance must be 0 or more, not {max_distance}")
    near = distances <= max_distance
    neighbours = near.sum(axis=1) - 1
    mean = distances.sum(axis=1) / max(1, size - 1)
    ranking = np.lexsort((np.arange(size), mean, -neighbours))
    chosen: list[int] = []
    covered = np.zeros(size, dtype=bool)
    for p in ranking:
        if len(chosen) == n:
            break
        if not covered[p]:
            chosen.append(int(p))
            covered |= near[p]
    return [RepresentativeSort(table.participants[p], p, int(neighbours[p]), float(mean[p]),
                               _groups_of(table, p), int(max_distance)) for p in chosen]


def _groups_of(table: SortTable, participant: int) -> list[tuple[str, list[str]]]:
    mine = np.flatnonzero(table.placement_participant == participant)
    out: dict[int, list[str]] = {}
    for row in mine:
        out.setdefault(int(table.group[row]), []).append(table.cards[table.card[row]])
    return sorted(((table.group_labels[g] or "(unnamed)", cards) for g, cards in out.items()),
                  key=lambda gc: (-len(gc[1]), gc[0]))
