"""Altair charts of a card sort's results, and their PNG/SVG export.

Pure functions: arrays and frames in, :class:`altair.Chart` objects out; nothing here
imports Streamlit. Every chart grows with the number of cards (one row per card, at
least :data:`MIN_CELL` pixels high, labels never below :data:`MIN_FONT` px) so that a
200-card study stays legible: the page scrolls instead of the labels shrinking.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from .clustering import leaf_order
from .i18n import counted

MIN_CELL = 14  # px per card row at 200 cards: 11 px labels with room to breathe
MAX_CELL = 28
MIN_FONT = 11
LABEL_WIDTH = 230  # px for card labels before they are cut with an ellipsis
MAX_PLOT_WIDTH = 560  # px: with labels and legend, a chart fits a 1280 px screen beside the sidebar
GREY = "#6b6b6b"
CATEGORIES = {"one": "category", "other": "categories"}
# Grow the chart around its cells (labels, legend): never squeeze the cells to fit a container.
_GROW = alt.AutoSizeParams(type="pad")
# Okabe-Ito-like categorical palette with every colour at >= 3:1 contrast on white.
CLUSTER_COLOURS = ("#0064b0", "#c75a00", "#007a5a", "#b8297a", "#5b4fa3", "#8a6d00", "#00738a", "#a63c2c",
                   "#3f7d20", "#7a4f9a")


def cell_size(n_cards: int) -> int:
    """Pixels per card row: 28 for small studies, shrinking to :data:`MIN_CELL` (reached at ~51 cards).

    >>> cell_size(10), cell_size(40), cell_size(200)
    (28, 18, 14)
    """
    if n_cards < 1:
        raise ValueError(f"n_cards must be at least 1, not {n_cards}")
    return int(np.clip(round(720 / n_cards), MIN_CELL, MAX_CELL))


def _font(n_cards: int) -> int:
    return MIN_FONT if cell_size(n_cards) < 18 else 12


def _order(n: int, order: Sequence[int] | np.ndarray | None) -> np.ndarray:
    idx = np.arange(n) if order is None else np.asarray(order, dtype=np.int64)
    if sorted(idx.tolist()) != list(range(n)):
        raise ValueError(f"order must be a permutation of 0..{n - 1}")
    return idx


# --- similarity ------------------------------------------------------------------------------

def similarity_frame(cards: Sequence[str], similarity: np.ndarray,
                     order: Sequence[int] | np.ndarray | None = None) -> pd.DataFrame:
    """Long form of the similarity matrix, rows in ``order``.

    Returns
    -------
    DataFrame, shape (n_cards ** 2, 4)
        Columns ``card``, ``other`` (labels), ``similarity`` (float 0-1) and ``rank``
        (position of ``card`` in ``order``); row-major in ``order``.
    """
    similarity = np.asarray(similarity, dtype=float)
    n = len(cards)
    if similarity.shape != (n, n):
        raise ValueError(f"similarity must have shape ({n}, {n}), not {similarity.shape}")
    idx = _order(n, order)
    labels = np.asarray(cards, dtype=object)
    rows, cols = np.meshgrid(idx, idx, indexing="ij")
    return pd.DataFrame({
        "card": labels[rows.ravel()],
        "other": labels[cols.ravel()],
        "similarity": similarity[rows, cols].ravel().round(4),
        "rank": np.repeat(np.arange(n), n),
    })


TEXT_CELL = 22  # px: from this cell size up, each cell of the similarity heatmap shows its percentage


def similarity_heatmap(cards: Sequence[str], similarity: np.ndarray,
                       order: Sequence[int] | np.ndarray | None = None) -> alt.Chart | alt.LayerChart:
    """Heatmap of the similarity matrix, rows and columns in ``order`` (the dendrogram's leaf order).

    Cells are square, :func:`cell_size` on each side, so the chart grows with the cards in
    both directions (the page scrolls rather than the labels shrinking). Rows and columns are
    always labelled (column labels on top, turned upright once cells are narrower than
    :data:`TEXT_CELL`); from :data:`TEXT_CELL` px up each cell also shows its percentage as a
    number (``80``; a ``%`` sign would not fit), in white on dark cells. Every cell's cards and value are
    in its tooltip.

    Parameters
    ----------
    cards : sequence of str, length n_cards
    similarity : ndarray of float, shape (n_cards, n_cards)
    order : sequence of int, optional
        Permutation of card indices; by default the cards' own order.
    """
    n = len(cards)
    frame = similarity_frame(cards, similarity, order)
    sort = list(frame["card"].iloc[::n])
    cell = cell_size(n)
    font = _font(n)
    x_axis = alt.Axis(orient="top", labelAngle=-60 if cell >= TEXT_CELL else -90, labelLimit=LABEL_WIDTH,
                      labelFontSize=font, labelOverlap=False)
    title = "How often cards were grouped together" + (" (% of participants)" if cell >= TEXT_CELL else "")
    base = alt.Chart(frame, title=title).encode(
        x=alt.X("other:N", sort=sort, axis=x_axis, title=None),
        y=alt.Y("card:N", sort=sort, title=None,
                axis=alt.Axis(labelLimit=LABEL_WIDTH, labelFontSize=font, labelOverlap=False)),
        tooltip=[alt.Tooltip("card:N", title="Card"), alt.Tooltip("other:N", title="With"),
                 alt.Tooltip("similarity:Q", title="Grouped together", format=".0%")],
    )
    rects = base.mark_rect().encode(
        color=alt.Color("similarity:Q", scale=alt.Scale(domain=[0, 1], scheme="blues"),
                        legend=alt.Legend(title="Grouped together", format=".0%")))
    size = {"width": cell * n, "height": cell * n, "autosize": _GROW}
    if cell < TEXT_CELL:
        return rects.properties(**size)
    text = base.mark_text(fontSize=font).transform_calculate(percent="round(datum.similarity * 100)").encode(
        text=alt.Text("percent:Q"),
        color=alt.condition("datum.similarity > 0.65", alt.value("white"), alt.value("black")))
    return (rects + text).properties(**size)


def strongest_pairs(cards: Sequence[str], similarity: np.ndarray, n: int = 15) -> pd.DataFrame:
    """The ``n`` pairs of cards most often grouped together: the heatmap's text alternative.

    Ties keep the cards' order (the pair with the smaller first index, then second index, first).

    Returns
    -------
    DataFrame, shape (min(n, n_pairs), 3)
        Columns ``Card``, ``Other card`` and ``Grouped together`` (float 0-1), strongest first.
    """
    similarity = np.asarray(similarity, dtype=float)
    i, j = np.triu_indices(len(cards), 1)
    values = similarity[i, j]
    top = np.lexsort((j, i, -values))[:n]
    return pd.DataFrame({"Card": [cards[k] for k in i[top]], "Other card": [cards[k] for k in j[top]],
                         "Grouped together": values[top]})


# --- dendrogram ------------------------------------------------------------------------------

def cut_height(linkage: np.ndarray, k: int) -> float:
    """Distance at which the tree falls into ``k`` clusters: halfway between two merges.

    Parameters
    ----------
    linkage : ndarray of float, shape (n_cards - 1, 4)
    k : int
        1 to n_cards. For k = 1 the line sits a little above the last merge, for
        k = n_cards halfway below the first.
    """
    heights = np.sort(np.asarray(linkage, dtype=float)[:, 2])
    n = len(heights) + 1
    if not 1 <= k <= n:
        raise ValueError(f"k must be between 1 and the number of cards ({n}), not {k}")
    if k == 1:
        return float(heights[-1] + 0.02)
    if k == n:
        return float(heights[0] / 2)
    return float((heights[n - k - 1] + heights[n - k]) / 2)


def dendrogram_segments(linkage: np.ndarray, clusters: Sequence[int] | np.ndarray) -> tuple[pd.DataFrame, np.ndarray]:
    """Line segments of a horizontal dendrogram (leaves on the left, merges to the right).

    Leaf ``i`` of the leaf order sits at ``y = i + 0.5``; a merge sits at ``x`` = its
    distance and ``y`` = the mean of its two children. Each merge is drawn as three
    segments: an arm from each child to the merge height and the bar joining them.

    Parameters
    ----------
    linkage : ndarray of float, shape (n_cards - 1, 4)
    clusters : sequence of int, length n_cards
        Cluster of each card (see :func:`cardsort.clustering.cut_tree`).

    Returns
    -------
    segments : DataFrame, shape (3 * (n_cards - 1), 7)
        Columns ``x``, ``x2``, ``y``, ``y2`` (floats), ``cluster`` (int; -1 when the merge
        joins two clusters, i.e. lies above the cut), ``cards`` (cards under the merge) and
        ``similarity`` (1 - distance of the merge).
    order : ndarray of int, shape (n_cards,)
        Card indices from top to bottom.
    """
    linkage = np.asarray(linkage, dtype=float)
    n = linkage.shape[0] + 1
    clusters = np.asarray(clusters, dtype=np.int64)
    if clusters.shape != (n,):
        raise ValueError(f"clusters must have one entry per card ({n}), not {clusters.shape[0]}")
    order = leaf_order(linkage)
    y = np.empty(2 * n - 1)
    y[order] = np.arange(n) + 0.5
    x = np.zeros(2 * n - 1)
    cluster = np.empty(2 * n - 1, dtype=np.int64)
    cluster[:n] = clusters
    rows = []
    for i, (a, b, height, size) in enumerate(linkage):
        a, b, node = int(a), int(b), n + i
        x[node], y[node] = height, (y[a] + y[b]) / 2
        cluster[node] = cluster[a] if cluster[a] == cluster[b] else -1
        common = (int(cluster[node]), int(size), round(1.0 - float(height), 4))
        rows.append((x[a], height, y[a], y[a], *common))
        rows.append((x[b], height, y[b], y[b], *common))
        rows.append((height, height, y[a], y[b], *common))
    segments = pd.DataFrame(rows, columns=["x", "x2", "y", "y2", "cluster", "cards", "similarity"])
    return segments, order


def _cluster_colour(cluster: int) -> str:
    return GREY if cluster < 0 else CLUSTER_COLOURS[cluster % len(CLUSTER_COLOURS)]


def _plot_size(width: int | str) -> tuple[int | str, alt.AutoSizeParams]:
    """``width`` and autosize of a chart with labels left of its plot: a fixed plot width grows the chart
    around it; ``"container"`` fits the whole chart, labels included, into its container's width."""
    if width == "container":
        return width, alt.AutoSizeParams(type="fit-x", contains="padding")
    if not isinstance(width, int) or width < 50:
        raise ValueError(f"width must be 'container' or at least 50 px, not {width!r}")
    return width, _GROW


def _leaf_labels(leaves: pd.DataFrame, y_scale: alt.Scale, n: int, **encoding) -> alt.Chart:
    """Card labels right-aligned just left of the plot (x = 0 px), one per row of ``leaves`` at ``y``."""
    return alt.Chart(leaves).mark_text(align="right", baseline="middle", dx=-6, limit=LABEL_WIDTH - 10,
                                       fontSize=_font(n)).encode(
        x=alt.value(0), y=alt.Y("y:Q", scale=y_scale, axis=None), text="card:N", **encoding)


def _cut_label(x: float, right: float, text: str, colour: str) -> alt.Chart:
    """``text`` at the top of the cut line ``x``, on the side of the line with more room (never past the plot)."""
    inward = x > 0.6 * right
    return alt.Chart(pd.DataFrame({"x": [x], "label": [text]})).mark_text(
        align="right" if inward else "left", baseline="top", dx=-4 if inward else 4, dy=4, color=colour,
        fontSize=12).encode(x="x:Q", y=alt.value(0), text="label:N")


def dendrogram(cards: Sequence[str], linkage: np.ndarray, clusters: Sequence[int] | np.ndarray, k: int,
               width: int | str = 460) -> alt.LayerChart | alt.FacetChart:
    """Horizontal dendrogram with the card labels on the left and a dashed cut line at ``k`` clusters.

    Branches below the cut take their cluster's colour, branches above it are grey;
    the labels are coloured by cluster too. Tooltips give each merge's similarity and size.
    One layered chart, so ``width="container"`` makes it fit its container, labels included.

    Parameters
    ----------
    cards : sequence of str, length n_cards
    linkage : ndarray of float, shape (n_cards - 1, 4)
    clusters : sequence of int, length n_cards
    k : int
        The number of clusters the cut line shows.
    width : int or "container", default=460
        Pixels of the tree beside the labels, or ``"container"``: the whole chart as wide as its container.
    """
    n = len(cards)
    width, autosize = _plot_size(width)
    segments, order = dendrogram_segments(linkage, clusters)
    segments["colour"] = [_cluster_colour(c) for c in segments["cluster"]]
    height = cell_size(n) * n
    top = float(max(np.asarray(linkage)[:, 2].max(initial=0.0), cut_height(linkage, k)))
    y_scale = alt.Scale(domain=[0, n], reverse=True, nice=False)
    right = max(1.0, top * 1.05)
    x_scale = alt.Scale(domain=[0, right], nice=False)
    clusters = np.asarray(clusters)
    leaves = pd.DataFrame({
        "card": [cards[i] for i in order],
        "y": np.arange(n) + 0.5,
        "group": [f"Category {clusters[i] + 1}" for i in order],
        "colour": [_cluster_colour(int(clusters[i])) for i in order],
    })
    labels = _leaf_labels(leaves, y_scale, n, color=alt.Color("colour:N", scale=None),
                          tooltip=[alt.Tooltip("card:N", title="Card"),
                                   alt.Tooltip("group:N", title="Proposed category")])
    tree = alt.Chart(segments).mark_rule(strokeWidth=2).encode(
        x=alt.X("x:Q", scale=x_scale, title="Distance (1 − share grouped together)"),
        x2="x2:Q",
        y=alt.Y("y:Q", scale=y_scale, axis=None),
        y2="y2:Q",
        color=alt.Color("colour:N", scale=None),
        tooltip=[alt.Tooltip("similarity:Q", title="Grouped together", format=".0%"),
                 alt.Tooltip("cards:Q", title="Cards under this branch")],
    )
    cut = cut_height(linkage, k)
    cut_rule = alt.Chart(pd.DataFrame({"x": [cut], "label": [f"cut: {counted(k, CATEGORIES)}"]})).mark_rule(
        color="#b00020", strokeDash=[6, 4], strokeWidth=2).encode(
        x="x:Q", tooltip=alt.Tooltip("label:N", title="Cut line"))
    cut_text = _cut_label(cut, right, counted(k, CATEGORIES), "#b00020")
    return alt.layer(labels, tree, cut_rule, cut_text, title="Dendrogram of the cards").properties(
        width=width, height=height, autosize=autosize)


def aam_tree(cards: Sequence[str], tree: Sequence, width: int | str = 360) -> alt.LayerChart:
    """The Actual Agreement Method tree drawn like the dendrogram: a set's line at 1 - the share of
    participants who made it; card labels on the left (see :func:`cardsort.aam.tree_layout`).

    Parameters
    ----------
    cards : sequence of str, length n_cards
    tree : list of :class:`cardsort.aam.AgreedSet`
    width : int or "container", default=360
        Pixels of the tree beside the labels, or ``"container"``: the whole chart as wide as its container.
    """
    from .aam import tree_layout

    n = len(cards)
    width, autosize = _plot_size(width)
    order, segments = tree_layout(list(tree), n)
    y_scale = alt.Scale(domain=[-0.5, n - 0.5], reverse=True, nice=False)  # the first row at the top
    leaves = pd.DataFrame({"card": [cards[i] for i in order], "y": np.arange(n, dtype=float)})
    labels = _leaf_labels(leaves, y_scale, n, color=alt.value("#1f2330"))
    lines = alt.Chart(segments.assign(share=segments["height"])).mark_rule(color="#1f2330", strokeWidth=1.5).encode(
        x=alt.X("x:Q", title="1 − share of participants who made the set", scale=alt.Scale(domain=[0, 1])),
        x2="x2:Q", y=alt.Y("y:Q", scale=y_scale, axis=None), y2="y2:Q",
        tooltip=[alt.Tooltip("share:Q", title="Share of participants", format=".0%")],
    )
    return alt.layer(labels, lines).properties(width=width, height=max(MIN_CELL, cell_size(n)) * n,
                                               autosize=autosize).configure_view(stroke=None)


# --- placement matrix ------------------------------------------------------------------------

def placement_frame(counts: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Long form of :func:`cardsort.placement.placement_matrix`.

    Returns
    -------
    DataFrame, shape (n_cards * n_categories, 4)
        Columns ``card``, ``category``, ``count`` (int), ``share`` (float 0-1), row-major
        in the order of ``counts``'s index and columns.
    """
    if counts.shape != shares.shape:
        raise ValueError(f"counts {counts.shape} and shares {shares.shape} must have the same shape")
    n_rows, n_cols = counts.shape
    return pd.DataFrame({
        "card": np.repeat(np.asarray(counts.index, dtype=object), n_cols),
        "category": np.tile(np.asarray(counts.columns, dtype=object), n_rows),
        "count": counts.to_numpy().ravel().astype(int),
        "share": shares.to_numpy().ravel().round(4),
    })


def placement_order(counts: pd.DataFrame) -> list[str]:
    """Cards grouped by their most popular category (in column order), strongest first."""
    values = counts.to_numpy()
    best = values.argmax(axis=1)
    totals = np.maximum(values.sum(axis=1), 1)
    strength = values[np.arange(len(values)), best] / totals
    keys = sorted(range(len(values)), key=lambda i: (best[i], -strength[i], i))
    return [counts.index[i] for i in keys]


def placement_heatmap(counts: pd.DataFrame, shares: pd.DataFrame) -> alt.LayerChart:
    """Cards (rows) by fixed categories (columns): colour is the share, text the count.

    Rows follow :func:`placement_order`, so cards that belong together sit together.
    """
    frame = placement_frame(counts, shares)
    n = len(counts)
    order = placement_order(counts)
    cell = cell_size(n)
    font = _font(n)
    base = alt.Chart(frame, title="Where participants placed each card").encode(
        x=alt.X("category:N", sort=list(counts.columns), title=None,
                axis=alt.Axis(orient="top", labelAngle=-30, labelLimit=160, labelFontSize=font)),
        y=alt.Y("card:N", sort=order, title=None, axis=alt.Axis(labelLimit=LABEL_WIDTH, labelFontSize=font)),
        tooltip=[alt.Tooltip("card:N", title="Card"), alt.Tooltip("category:N", title="Category"),
                 alt.Tooltip("count:Q", title="Participants"), alt.Tooltip("share:Q", title="Share", format=".0%")],
    )
    rects = base.mark_rect().encode(
        color=alt.Color("share:Q", scale=alt.Scale(domain=[0, 1], scheme="greens"),
                        legend=alt.Legend(title="Share of participants", format=".0%")))
    text = base.mark_text(fontSize=font).encode(
        text=alt.condition("datum.count > 0", alt.Text("count:Q"), alt.value("")),
        color=alt.condition("datum.share > 0.55", alt.value("white"), alt.value("black")))
    return (rects + text).properties(width=max(70, 56 * counts.shape[1]), height=cell * n, autosize=_GROW)


# --- export ----------------------------------------------------------------------------------

def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as an SVG document (rendered by vl-convert, no browser)."""
    buffer = io.StringIO()
    with alt.data_transformers.disable_max_rows():
        chart.save(buffer, format="svg")
    return buffer.getvalue()


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as a PNG image, ``scale`` times its size in pixels (2 for sharp print)."""
    buffer = io.BytesIO()
    with alt.data_transformers.disable_max_rows():
        chart.save(buffer, format="png", scale_factor=scale)
    return buffer.getvalue()
