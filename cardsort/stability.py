"""How far the results would move with other participants: bootstrap stability and sample size.

Every resample is a weighting of the participants (how many times each is drawn), so its
similarity matrix is ``weighted together / weighted seen`` over per-participant pair
indicators: one matrix product for all resamples instead of rebuilding tables.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .clustering import METHODS, fcluster_maxclust, linkage_matrix
from .participants import participant_card_matrix
from .table import SortTable

DEFAULT_RESAMPLES = 200
MIN_RESAMPLES = 200
TARGETS = (0.90, 0.95)


def weighted_similarity(groups: np.ndarray, weights: np.ndarray, budget: int = 8_000_000) -> np.ndarray:
    """Similarity of every card pair under many participant weightings.

    Parameters
    ----------
    groups : ndarray of int, shape (n_participants, n_cards)
        From :func:`cardsort.participants.participant_card_matrix` (-1: not placed).
    weights : ndarray of float, shape (n_weightings, n_participants)

    Returns
    -------
    ndarray of float, shape (n_weightings, n_cards * (n_cards - 1) // 2)
        Condensed (SciPy ``squareform``) order; 0 for pairs no weighted participant saw.
    """
    n, n_cards = groups.shape
    i, j = np.triu_indices(n_cards, 1)
    weights = np.asarray(weights, dtype=np.float64)
    together = np.zeros((len(weights), len(i)))
    seen = np.zeros_like(together)
    everyone_saw_all = bool((groups >= 0).all())
    step = max(1, budget // max(1, len(i)))
    for lo in range(0, n, step):
        block = groups[lo:lo + step]
        left, right = block[:, i], block[:, j]
        w = weights[:, lo:lo + step].astype(np.float32)
        together += w @ ((left == right) & (left >= 0)).astype(np.float32)
        if not everyone_saw_all:
            seen += w @ ((left >= 0) & (right >= 0)).astype(np.float32)
    if everyone_saw_all:
        seen[:] = weights.sum(axis=1, keepdims=True)
    return np.divide(together, seen, out=np.zeros_like(together), where=seen > 0)


def _labels(condensed_similarity: np.ndarray, pairs: tuple[np.ndarray, np.ndarray], method: str,
            k: int) -> np.ndarray:
    """Clusters 0..k-1 of one resample: its tree cut into k (SciPy's ``fcluster`` numbering).

    ``pairs`` are the (row, column) indices of the condensed order, ``numpy.triu_indices(n_cards, 1)``.
    """
    n_cards = int(pairs[1][-1]) + 1
    distance = np.zeros((n_cards, n_cards))
    distance[pairs] = distance[pairs[::-1]] = np.clip(1.0 - condensed_similarity, 0.0, 1.0)
    return fcluster_maxclust(linkage_matrix(distance, method), k)


@dataclass
class Stability:
    """Bootstrap stability of proposed categories and cards.

    Attributes
    ----------
    category : ndarray of float, shape (k,)
        Share of resamples in which all of a category's cards fall in one cluster.
    card : ndarray of float, shape (n_cards,)
        Share of resamples in which a card falls in the cluster that holds most of its category.
    n_resamples : int
    """

    category: np.ndarray
    card: np.ndarray
    n_resamples: int


def bootstrap_stability(table: SortTable, clusters: np.ndarray, method: str = "average",
                        n_resamples: int = DEFAULT_RESAMPLES, random_state: int = 0) -> Stability:
    """Resample participants with replacement, recluster each resample and cut it into k clusters.

    Parameters
    ----------
    table : SortTable
    clusters : ndarray of int, shape (n_cards,)
        The proposed categories 0..k-1 (from :func:`cardsort.clustering.cut_tree`).
    method : {'average', 'complete', 'single'}, default='average'
    n_resamples : int, default=200
        At least 200.
    random_state : int, default=0
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if n_resamples < MIN_RESAMPLES:
        raise ValueError(f"n_resamples must be at least {MIN_RESAMPLES}, not {n_resamples}")
    if len(clusters) != table.n_cards:
        raise ValueError(f"clusters must have one label per card ({table.n_cards}), not {len(clusters)}")
    if table.n_participants == 0 or table.n_cards < 2:
        raise ValueError("stability needs at least one sort and two cards")
    rng = np.random.default_rng(random_state)
    n = table.n_participants
    weights = rng.multinomial(n, np.full(n, 1.0 / n), size=n_resamples)
    similarities = weighted_similarity(participant_card_matrix(table), weights)
    k = int(clusters.max()) + 1
    sizes = np.bincount(clusters, minlength=k)
    together = np.zeros(k)
    card_home = np.zeros(table.n_cards)
    pairs = np.triu_indices(table.n_cards, 1)
    for sim in similarities:
        labels = _labels(sim, pairs, method, k)
        table_kk = np.bincount(clusters * k + labels, minlength=k * k).reshape(k, k)
        together += table_kk.max(axis=1) == sizes
        card_home += labels == table_kk.argmax(axis=1)[clusters]
    return Stability(category=together / n_resamples, card=card_home / n_resamples, n_resamples=n_resamples)


# --- sample size -------------------------------------------------------------------------------

def _correlations(samples: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Pearson correlation of each row of ``samples`` with ``reference`` (NaN when either is constant)."""
    a = samples - samples.mean(axis=1, keepdims=True)
    b = reference - reference.mean()
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum())
    return np.divide(a @ b, denominator, out=np.full(len(a), np.nan), where=denominator > 0)


def participants_needed(split_half_r: float, half: int, target: float) -> float:
    """Participants for an expected correlation ``target`` with a matrix from unlimited participants.

    Classical test theory: the split-half correlation ``r`` of two samples of ``half``
    participants is the reliability of a ``half``-participant matrix; by Spearman-Brown a sample
    ``f`` times larger has reliability ``f r / (1 + (f - 1) r)``, and a matrix correlates with
    the unlimited-sample one by the square root of its reliability. Solving for ``target``:
    ``n = half * t^2 (1 - r) / (r (1 - t^2))``. ``inf`` when ``r <= 0``.
    """
    if not 0 < target < 1:
        raise ValueError(f"target must be between 0 and 1, not {target}")
    if split_half_r <= 0:
        return math.inf
    reliability = target * target
    return half * reliability * (1 - split_half_r) / (split_half_r * (1 - reliability))


@dataclass
class SampleSize:
    """The sample-size curve and what it says.

    Attributes
    ----------
    curve : DataFrame
        Columns ``n``, ``r`` (mean), ``r_low``, ``r_high`` (10th and 90th percentile): correlation of the
        similarity matrix from ``n`` random participants with the one from all of them.
    split_half_r : float
        Mean correlation between the matrices of two disjoint random halves (NaN below 4 participants).
    needed : dict of float to float
        Estimated participants for each correlation target of :data:`TARGETS` (``inf``: no estimate).
    n_participants : int
    verdict : str
        Plain words for the page and the report.
    """

    curve: pd.DataFrame
    split_half_r: float
    needed: dict[float, float]
    n_participants: int
    verdict: str


def sample_size_curve(table: SortTable, n_draws: int = 20, max_points: int = 25,
                      random_state: int = 0) -> SampleSize:
    """Tullis and Wood's (2004) curve for this study, plus an estimate of the participants needed.

    Parameters
    ----------
    table : SortTable
    n_draws : int, default=20
        Random subsets per point of the curve (and split-half draws).
    max_points : int, default=25
        Sample sizes on the curve, spread from 2 to all participants.
    random_state : int, default=0
    """
    n = table.n_participants
    if n < 2 or table.n_cards < 3:
        raise ValueError("the sample-size curve needs at least 2 sorts and 3 cards")
    if n_draws < 1:
        raise ValueError(f"n_draws must be at least 1, not {n_draws}")
    rng = np.random.default_rng(random_state)
    groups = participant_card_matrix(table)
    full = weighted_similarity(groups, np.ones((1, n)))[0]
    sizes = np.unique(np.linspace(2, n, min(max_points, n - 1)).round().astype(int))
    weights = np.zeros((len(sizes) * n_draws, n), dtype=np.float32)
    for row, size in enumerate(np.repeat(sizes, n_draws)):
        weights[row, rng.choice(n, size, replace=False)] = 1.0
    r = _correlations(weighted_similarity(groups, weights), full).reshape(len(sizes), n_draws)
    curve = pd.DataFrame({"n": sizes, "r": np.nanmean(r, axis=1), "r_low": np.nanpercentile(r, 10, axis=1),
                          "r_high": np.nanpercentile(r, 90, axis=1)})
    half = n // 2
    split_r = math.nan
    if half >= 2:
        halves = np.zeros((2 * n_draws, n), dtype=np.float32)
        for d in range(n_draws):
            perm = rng.permutation(n)
            halves[2 * d, perm[:half]] = 1.0
            halves[2 * d + 1, perm[half:2 * half]] = 1.0
        sims = weighted_similarity(groups, halves)
        split = [_correlations(sims[2 * d:2 * d + 1], sims[2 * d + 1])[0] for d in range(n_draws)]
        split_r = float(np.nanmean(split)) if not np.isnan(split).all() else math.nan
    needed = {t: (participants_needed(split_r, half, t) if not math.isnan(split_r) else math.inf) for t in TARGETS}
    return SampleSize(curve=curve, split_half_r=split_r, needed=needed, n_participants=n,
                      verdict=sample_size_verdict(n, split_r, needed))


def sample_size_verdict(n: int, split_half_r: float, needed: dict[float, float]) -> str:
    """Whether more participants are needed, and about how many, in plain words."""
    if math.isnan(split_half_r):
        return (f"With {n} participants there is too little data to estimate how stable the results are. "
                "Tullis and Wood (2004) found about 15 participants give a correlation of 0.90 with a large "
                "sample, and 30 give 0.95: aim for at least 15.")
    parts = []
    for target in TARGETS:
        want = needed[target]
        if math.isinf(want):
            parts.append(f"two halves of the participants disagree completely, so no number of "
                          f"participants can be promised to reach {target:.2f}")
            continue
        want = max(2, math.ceil(want))
        if want <= n:
            parts.append(f"r ≥ {target:.2f} needs about {want} participants: you have enough")
        else:
            parts.append(f"r ≥ {target:.2f} needs about {want} participants: about {want - n} more")
    enough = all(not math.isinf(needed[t]) and math.ceil(needed[t]) <= n for t in TARGETS)
    lead = ("You have enough participants." if enough else
            "More participants would likely change the results." if needed[TARGETS[0]] > n else
            "The results are fairly stable; more participants would firm them up.")
    return (f"{lead} Two random halves of your {n} participants agree with r = {split_half_r:.2f}. "
            f"Expected agreement with a much larger sample: " + "; ".join(parts) + ".")
