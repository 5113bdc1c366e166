"""Cluster map: cards placed in 2-D so that cards often grouped together sit close.

Metric multidimensional scaling (scikit-learn ``MDS`` on the precomputed distance
``1 - similarity``, classical-MDS start, fixed random state), drawn with Altair: one point
per card, coloured by proposed category, with its label beside it.
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from .charts import CLUSTER_COLOURS

RANDOM_STATE = 0
LABEL_CHARS = 28  # labels longer than this are cut with an ellipsis on the map (full text in the tooltip)


def map_cards(similarity: np.ndarray, random_state: int = RANDOM_STATE) -> np.ndarray:
    """2-D coordinates of the cards.

    Parameters
    ----------
    similarity : ndarray of float, shape (n_cards, n_cards)

    Returns
    -------
    ndarray of float, shape (n_cards, 2)
        Centred; rotation and sign are fixed so the first axis has the most spread and the
        card farthest along it lies to the right, so the same data always draws the same map.
    """
    from sklearn.manifold import MDS

    n = similarity.shape[0]
    if similarity.shape != (n, n):
        raise ValueError(f"similarity must be square, not {similarity.shape}")
    if n < 3:
        return np.column_stack([np.linspace(-0.5, 0.5, n), np.zeros(n)])
    distance = np.clip(1.0 - (similarity + similarity.T) / 2, 0.0, 1.0)
    np.fill_diagonal(distance, 0.0)
    coords = MDS(n_components=2, metric="precomputed", init="classical_mds", n_init=1,
                 random_state=random_state).fit_transform(distance)
    coords = coords - coords.mean(axis=0)
    _, _, axes = np.linalg.svd(coords, full_matrices=False)
    coords = coords @ axes.T
    far = np.abs(coords).argmax(axis=0)
    return coords * np.sign(coords[far, [0, 1]] + (coords[far, [0, 1]] == 0))


def cluster_map_frame(cards: Sequence[str], coords: np.ndarray, clusters: Sequence[int],
                      names: Sequence[str]) -> pd.DataFrame:
    """Columns ``card``, ``short`` (label cut at :data:`LABEL_CHARS`), ``x``, ``y``, ``category``."""
    clusters = np.asarray(clusters)
    short = [c if len(c) <= LABEL_CHARS else c[:LABEL_CHARS - 1] + "…" for c in cards]
    return pd.DataFrame({"card": list(cards), "short": short, "x": coords[:, 0], "y": coords[:, 1],
                         "category": [names[c] for c in clusters]})


def cluster_map_chart(frame: pd.DataFrame, size: int = 640) -> alt.LayerChart:
    """Points coloured by category with their labels (12 px) beside them; tooltips give full text."""
    categories = list(dict.fromkeys(frame["category"]))
    colour = alt.Color("category:N", title="Proposed category", sort=categories,
                       scale=alt.Scale(domain=categories,
                                       range=[CLUSTER_COLOURS[i % len(CLUSTER_COLOURS)]
                                              for i in range(len(categories))]),
                       legend=alt.Legend(labelFontSize=12, titleFontSize=13, labelLimit=260, orient="bottom",
                                         columns=2))
    axis = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    base = alt.Chart(frame).encode(
        x=alt.X("x:Q", axis=axis, scale=alt.Scale(zero=False, padding=30)),
        y=alt.Y("y:Q", axis=axis, scale=alt.Scale(zero=False, padding=30)),
        tooltip=[alt.Tooltip("card:N", title="Card"), alt.Tooltip("category:N", title="Category")],
    )
    points = base.mark_circle(size=90, opacity=1).encode(color=colour, shape=alt.Shape("category:N", legend=None))
    labels = base.mark_text(align="left", dx=8, dy=-6, fontSize=12, color="#1f2330").encode(text="short:N")
    return (points + labels).properties(width=size, height=size,
                                        title="Cluster map: cards often grouped together sit close")
