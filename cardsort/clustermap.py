"""Cluster map: cards placed in 2-D so that cards often grouped together sit close.

Metric multidimensional scaling (scikit-learn ``MDS`` on the precomputed distance
``1 - similarity``, classical-MDS start, fixed random state), drawn with Altair: one point
per card, coloured by proposed category, with its label beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

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


SIZE = 640  # px, square: both axes share one scale so distances are not distorted
FONT = 12
CHAR_PX = 7.0  # average width of a 12 px character, generous so boxes do not touch
LINE_PX = 15.0
OFFSET_PX = 8.0


def map_domain(coords: np.ndarray) -> tuple[np.ndarray, float]:
    """Lower corner and side of the square data window (both axes one scale, 8% margin)."""
    lo, hi = coords.min(axis=0), coords.max(axis=0)
    side = float(max((hi - lo).max(), 1e-9)) * 1.16
    return (lo + hi) / 2 - side / 2, side


def place_labels(coords: np.ndarray, labels: Sequence[str], size: int = SIZE) -> tuple[np.ndarray, np.ndarray]:
    """Label positions inside the plot that do not overlap: right of each point, or left of it when the
    label would pass the plot's right edge; pushed down (or up, near the bottom) past labels in the way.

    Labels are placed top to bottom; a label whose box would overlap one already placed moves
    down by whole lines until it is clear (cards with the same position get a neat column).
    Widths are estimated at :data:`CHAR_PX` a character.

    Returns
    -------
    at : ndarray of float, shape (n_cards, 2)
        Data coordinates of each label's anchor: its left middle, or its right middle for labels
        drawn left of their point.
    left : ndarray of bool, shape (n_cards,)
        True where the label is drawn left of its point (right-aligned at ``at``).
    """
    corner, side = map_domain(coords)
    px = (coords[:, 0] - corner[0]) / side * size
    py = (1 - (coords[:, 1] - corner[1]) / side) * size  # pixels grow downwards
    placed: list[tuple[float, float, float]] = []  # x0, x1, y
    out = np.empty_like(coords, dtype=float)
    left = np.zeros(len(coords), dtype=bool)

    def clear(x0: float, x1: float, y: float, step: float) -> float:
        moved = True
        while moved:
            moved = False
            for bx0, bx1, by in placed:
                if x0 < bx1 and bx0 < x1 and abs(y - by) < LINE_PX - 1e-6:  # tolerance: y = by + LINE_PX is clear
                    y, moved = by + step, True
        return y

    for i in np.lexsort((px, py)):
        width = len(labels[i]) * CHAR_PX
        x0 = px[i] + OFFSET_PX
        if x0 + width > size and px[i] - OFFSET_PX - width >= size - x0 - width:  # more room on the left
            left[i], x0 = True, max(0.0, px[i] - OFFSET_PX - width)
        x1 = x0 + width
        y = clear(x0, x1, py[i], LINE_PX)
        if y > size - LINE_PX / 2:  # would fall below the plot: stack upwards instead, if there is room
            up = clear(x0, x1, py[i], -LINE_PX)
            y = up if up >= LINE_PX / 2 else y
        placed.append((x0, x1, y))
        anchor = px[i] - OFFSET_PX if left[i] else x0
        out[i] = [corner[0] + anchor / size * side, corner[1] + (1 - y / size) * side]
    return out, left


def cluster_map_frame(cards: Sequence[str], coords: np.ndarray, clusters: Sequence[int],
                      names: Sequence[str], size: int = SIZE) -> pd.DataFrame:
    """One row per card: ``card``, ``short`` (cut at :data:`LABEL_CHARS`), ``x``, ``y``, ``category``,
    and ``label_x``, ``label_y``, ``label_left`` (from :func:`place_labels`)."""
    cluster_ids = np.asarray(clusters)
    short = [c if len(c) <= LABEL_CHARS else c[:LABEL_CHARS - 1] + "…" for c in cards]
    at, left = place_labels(coords, short, size)
    return pd.DataFrame({"card": list(cards), "short": short, "x": coords[:, 0], "y": coords[:, 1],
                         "category": [names[c] for c in cluster_ids], "label_x": at[:, 0], "label_y": at[:, 1],
                         "label_left": left})


def cluster_map_chart(frame: pd.DataFrame, size: int = SIZE) -> alt.LayerChart:
    """Points coloured (and shaped) by category, labels (12 px) beside them without overlaps, thin leader
    lines to labels that had to move; tooltips give the full text."""
    categories = list(dict.fromkeys(frame["category"]))
    colours = [CLUSTER_COLOURS[i % len(CLUSTER_COLOURS)] for i in range(len(categories))]
    colour = alt.Color("category:N", title="Proposed category", sort=categories,
                       scale=alt.Scale(domain=categories, range=colours),
                       legend=alt.Legend(labelFontSize=12, titleFontSize=13, labelLimit=260, orient="bottom",
                                         columns=2))
    corner, side = map_domain(frame[["x", "y"]].to_numpy())
    axis = alt.Axis(title=None, labels=False, ticks=False, grid=False, domain=False)
    x_scale = alt.Scale(domain=[corner[0], corner[0] + side], nice=False, zero=False)
    y_scale = alt.Scale(domain=[corner[1], corner[1] + side], nice=False, zero=False)
    x, y = alt.X("x:Q", axis=axis, scale=x_scale), alt.Y("y:Q", axis=axis, scale=y_scale)
    tooltip = [alt.Tooltip("card:N", title="Card"), alt.Tooltip("category:N", title="Category")]
    base = alt.Chart(frame)
    moved = f"abs(datum.label_y - datum.y) > {side * 2 / size} || abs(datum.label_x - datum.x) > {side * 12 / size}"
    leaders = base.transform_filter(moved).mark_rule(color="#8a8f9c", strokeWidth=0.75).encode(
        x=x, y=y, x2="label_x:Q", y2="label_y:Q")
    points = base.mark_point(size=80, filled=True, opacity=1).encode(
        x=x, y=y, color=colour, shape=alt.Shape("category:N", title="Proposed category", sort=categories),
        tooltip=tooltip)  # colour and shape share a title, so Vega-Lite draws one legend with both
    labels = [base.transform_filter(f"{'' if left else '!'}datum.label_left").mark_text(
        align="right" if left else "left", baseline="middle", fontSize=FONT, color="#1f2330").encode(
        x=alt.X("label_x:Q", scale=x_scale, axis=axis), y=alt.Y("label_y:Q", scale=y_scale, axis=axis), text="short:N",
        tooltip=tooltip) for left in (False, True)]  # labels near the right edge sit left of their point
    # alt.layer is typed LayerChart | FacetChart; it is a FacetChart only when a layer is faceted, and none is.
    chart = cast(alt.LayerChart, alt.layer(leaders, points, *labels))
    return chart.properties(width=size, height=size, title="Cluster map: cards often grouped together sit close")
