"""Chart builders: data, encodings, order, sizes (10 to 200 cards) and the SVG export."""

import altair as alt
import numpy as np
import pandas as pd
import pytest

from cardsort import charts
from cardsort.clustering import cluster_cards, cut_tree, leaf_order

CARDS = ["A", "B", "C"]
# A-B grouped by 80 %, A-C by 20 %, B-C never: average linkage joins A+B at 0.2, then C at (0.8 + 1.0) / 2.
SIMILARITY = np.array([[1.0, 0.8, 0.2], [0.8, 1.0, 0.0], [0.2, 0.0, 1.0]])
LINKAGE = np.array([[0, 1, 0.2, 2], [2, 3, 0.9, 3]])


def random_study(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    sim = rng.random((n, n))
    sim = (sim + sim.T) / 2
    np.fill_diagonal(sim, 1.0)
    linkage = cluster_cards(sim)
    return [f"Card {i:03d} with a realistic, rather long label" for i in range(n)], sim, linkage


def test_linkage_of_the_example_is_the_hand_computed_one():
    np.testing.assert_allclose(cluster_cards(SIMILARITY, "average"), LINKAGE)


@pytest.mark.parametrize(("n", "cell"), [(1, 28), (10, 28), (26, 28), (40, 18), (51, 14), (200, 14), (500, 14)])
def test_cell_size(n, cell):
    assert charts.cell_size(n) == cell


def test_cell_size_refuses_zero_cards():
    with pytest.raises(ValueError, match="at least 1"):
        charts.cell_size(0)


def test_similarity_frame_is_row_major_in_the_given_order():
    frame = charts.similarity_frame(CARDS, SIMILARITY, order=[2, 0, 1])
    assert list(frame.columns) == ["card", "other", "similarity", "rank"]
    assert list(frame["card"]) == ["C"] * 3 + ["A"] * 3 + ["B"] * 3
    assert list(frame["other"]) == ["C", "A", "B"] * 3
    assert list(frame["similarity"]) == [1.0, 0.2, 0.0, 0.2, 1.0, 0.8, 0.0, 0.8, 1.0]
    assert list(frame["rank"]) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize("order", [[0, 1], [0, 0, 1], [0, 1, 3]])
def test_similarity_frame_refuses_an_order_that_is_not_a_permutation(order):
    with pytest.raises(ValueError, match="permutation of 0..2"):
        charts.similarity_frame(CARDS, SIMILARITY, order=order)


def test_similarity_frame_refuses_a_matrix_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"shape \(3, 3\)"):
        charts.similarity_frame(CARDS, SIMILARITY[:2, :2])


def test_heatmap_encodings_follow_the_leaf_order_and_cells_show_percentages():
    spec = charts.similarity_heatmap(CARDS, SIMILARITY, order=[2, 0, 1]).to_dict()
    rects, text = spec["layer"]
    assert rects["mark"]["type"] == "rect" and text["mark"] == {"type": "text", "fontSize": 12}
    enc = rects["encoding"]
    assert enc["x"]["field"] == "other" and enc["y"]["field"] == "card"
    assert enc["x"]["sort"] == enc["y"]["sort"] == ["C", "A", "B"]
    assert rects["encoding"]["color"]["field"] == "similarity"
    assert rects["encoding"]["color"]["scale"]["domain"] == [0, 1]
    assert text["transform"] == [{"calculate": "round(datum.similarity * 100)", "as": "percent"}]
    assert text["encoding"]["text"]["field"] == "percent"
    assert text["encoding"]["color"]["condition"] == {"test": "datum.similarity > 0.65", "value": "white"}
    assert [t["field"] for t in enc["tooltip"]] == ["card", "other", "similarity"]
    assert spec["width"] == spec["height"] == 3 * 28
    assert enc["x"]["axis"]["labelFontSize"] == 12 and enc["x"].get("title") is None
    assert rects["title"] == "How often cards were grouped together (% of participants)"


@pytest.mark.parametrize(("n", "cell", "numbers", "angle"), [(12, 28, True, -60), (32, 22, True, -60),
                                                              (40, 18, False, -90), (135, 14, False, -90)])
def test_heatmap_cells_are_square_columns_always_labelled_numbers_where_they_fit(n, cell, numbers, angle):
    cards, sim, linkage = random_study(n)
    with alt.data_transformers.disable_max_rows():
        spec = charts.similarity_heatmap(cards, sim, leaf_order(linkage)).to_dict()
    assert spec["width"] == spec["height"] == cell * n
    assert ("layer" in spec) is numbers
    x_axis = (spec["layer"][0] if numbers else spec)["encoding"]["x"]["axis"]
    assert x_axis.get("labels", True) is True and x_axis["labelOverlap"] is False
    assert x_axis["labelAngle"] == angle and x_axis["labelFontSize"] == (12 if cell >= 18 else 11)


def test_strongest_pairs_first_and_ties_in_card_order():
    sim = np.array([[1, 0.5, 0.9, 0.5], [0.5, 1, 0.1, 0.5], [0.9, 0.1, 1, 0.0], [0.5, 0.5, 0.0, 1]])
    pairs = charts.strongest_pairs(list("ABCD"), sim, n=4)
    assert pairs.values.tolist() == [["A", "C", 0.9], ["A", "B", 0.5], ["A", "D", 0.5], ["B", "D", 0.5]]
    assert len(charts.strongest_pairs(list("ABCD"), sim, n=15)) == 6


def test_cut_height_lies_between_the_merges_that_give_k_clusters():
    assert charts.cut_height(LINKAGE, 2) == pytest.approx(0.55)
    assert charts.cut_height(LINKAGE, 1) == pytest.approx(0.92)
    assert charts.cut_height(LINKAGE, 3) == pytest.approx(0.1)


@pytest.mark.parametrize("k", [0, 4])
def test_cut_height_refuses_k_out_of_range(k):
    with pytest.raises(ValueError, match=r"between 1 and the number of cards \(3\)"):
        charts.cut_height(LINKAGE, k)


def test_dendrogram_segments_by_hand():
    clusters = cut_tree(LINKAGE, 2)
    assert list(clusters) == [1, 1, 0]  # numbered in leaf order: C first
    segments, order = charts.dendrogram_segments(LINKAGE, clusters)
    assert list(order) == [2, 0, 1]
    # Leaves at y = 0.5 (C), 1.5 (A), 2.5 (B); A+B merge at x 0.2, y 2.0; the root at x 0.9, y 1.25.
    expected = pd.DataFrame([
        (0.0, 0.2, 1.5, 1.5, 1, 2, 0.8), (0.0, 0.2, 2.5, 2.5, 1, 2, 0.8), (0.2, 0.2, 1.5, 2.5, 1, 2, 0.8),
        (0.0, 0.9, 0.5, 0.5, -1, 3, 0.1), (0.2, 0.9, 2.0, 2.0, -1, 3, 0.1), (0.9, 0.9, 0.5, 2.0, -1, 3, 0.1),
    ], columns=["x", "x2", "y", "y2", "cluster", "cards", "similarity"])
    pd.testing.assert_frame_equal(segments, expected, check_dtype=False)


def test_dendrogram_segments_refuse_clusters_of_the_wrong_length():
    with pytest.raises(ValueError, match=r"one entry per card \(3\)"):
        charts.dendrogram_segments(LINKAGE, [0, 1])


def test_dendrogram_labels_in_leaf_order_coloured_by_cluster_and_a_cut_line():
    clusters = cut_tree(LINKAGE, 2)
    spec = charts.dendrogram(CARDS, LINKAGE, clusters, 2).to_dict()
    labels, rules, cut_rule, cut_text = spec["layer"]  # one layered chart: it can fit a container
    datasets = spec["datasets"]
    leaves = datasets[labels["data"]["name"]]
    assert [row["card"] for row in leaves] == ["C", "A", "B"]
    assert [row["y"] for row in leaves] == [0.5, 1.5, 2.5]
    assert [row["colour"] for row in leaves] == [charts.CLUSTER_COLOURS[0], charts.CLUSTER_COLOURS[1],
                                                  charts.CLUSTER_COLOURS[1]]
    assert labels["mark"]["align"] == "right" and labels["encoding"]["x"] == {"value": 0}  # left of the plot
    assert rules["mark"]["type"] == "rule"
    assert {rules["encoding"][c]["field"] for c in ("x", "x2", "y", "y2")} == {"x", "x2", "y", "y2"}
    assert datasets[cut_rule["data"]["name"]] == [{"x": 0.55, "label": "cut: 2 categories"}]
    assert cut_text["mark"]["type"] == "text" and cut_text["mark"]["align"] == "left"
    assert datasets[cut_text["data"]["name"]] == [{"x": 0.55, "label": "2 categories"}]
    assert labels["encoding"]["y"]["scale"]["reverse"] is True
    assert spec["width"] == 460 and spec["autosize"] == {"type": "pad"}


def test_dendrogram_fits_its_container_with_the_cut_label_inside():
    clusters = cut_tree(LINKAGE, 1)
    spec = charts.dendrogram(CARDS, LINKAGE, clusters, 1, width="container").to_dict()
    assert spec["width"] == "container" and spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    cut_text = spec["layer"][3]
    # One category: the cut sits right of every merge, so its label goes left of the line, inside the plot.
    assert spec["datasets"][cut_text["data"]["name"]][0]["label"] == "1 category"
    assert cut_text["mark"]["align"] == "right" and cut_text["mark"]["dx"] == -4
    with pytest.raises(ValueError, match="width must be 'container' or at least 50 px, not 'auto'"):
        charts.dendrogram(CARDS, LINKAGE, clusters, 1, width="auto")


def test_aam_tree_labels_rows_top_down_and_fits_its_container():
    from cardsort.aam import AgreedSet

    tree = [AgreedSet(cards=(0, 1, 2), score=2, height=0.5,
                      children=[AgreedSet(cards=(1, 2), score=3, height=0.75, children=[])])]
    spec = charts.aam_tree(CARDS, tree, width="container").to_dict()
    labels, lines = spec["layer"]
    assert [row["card"] for row in spec["datasets"][labels["data"]["name"]]] == ["B", "C", "A"]
    assert labels["encoding"]["y"]["scale"] == {"domain": [-0.5, 2.5], "reverse": True, "nice": False}
    assert lines["encoding"]["x"]["scale"] == {"domain": [0, 1]}
    assert spec["width"] == "container" and spec["autosize"]["type"] == "fit-x"
    assert spec["height"] == 3 * 28


COUNTS = pd.DataFrame([[1, 3], [4, 0], [2, 2], [0, 1]], index=pd.Index(list("abcd"), name="card"),
                      columns=["X", "Y"])
SHARES = COUNTS.div(COUNTS.sum(axis=1), axis=0)


def test_placement_frame_is_long_and_row_major():
    frame = charts.placement_frame(COUNTS, SHARES)
    assert list(frame["card"]) == ["a", "a", "b", "b", "c", "c", "d", "d"]
    assert list(frame["category"]) == ["X", "Y"] * 4
    assert list(frame["count"]) == [1, 3, 4, 0, 2, 2, 0, 1]
    assert list(frame["share"]) == [0.25, 0.75, 1.0, 0.0, 0.5, 0.5, 0.0, 1.0]


def test_placement_frame_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        charts.placement_frame(COUNTS, SHARES.iloc[:2])


def test_placement_order_groups_cards_by_their_top_category_strongest_first():
    # X: b (4 of 4), c (2 of 4, tie goes to the first category); Y: d (1 of 1), a (3 of 4).
    assert charts.placement_order(COUNTS) == ["b", "c", "d", "a"]


def test_placement_heatmap_encodings():
    spec = charts.placement_heatmap(COUNTS, SHARES).to_dict()
    rects, text = spec["layer"]
    assert rects["mark"]["type"] == "rect" and text["mark"]["type"] == "text"
    assert rects["encoding"]["y"]["sort"] == text["encoding"]["y"]["sort"] == ["b", "c", "d", "a"]
    assert rects["encoding"]["x"]["sort"] == ["X", "Y"]
    assert rects["encoding"]["color"]["field"] == "share"
    assert spec["height"] == 4 * 28 and spec["width"] == 112


def test_charts_at_200_cards_grow_instead_of_shrinking_labels():
    cards, sim, linkage = random_study(200)
    order = leaf_order(linkage)
    clusters = cut_tree(linkage, 12)
    with alt.data_transformers.disable_max_rows():
        heat = charts.similarity_heatmap(cards, sim, order).to_dict()
        tree = charts.dendrogram(cards, linkage, clusters, 12).to_dict()
        counts = pd.DataFrame(np.arange(800).reshape(200, 4) % 7, index=cards, columns=list("PQRS"))
        place = charts.placement_heatmap(counts, counts / 6).to_dict()
    assert heat["height"] == 200 * charts.MIN_CELL == 2800
    assert heat["width"] == 2800  # square 14 px cells: the page scrolls sideways, every column is named
    assert heat["encoding"]["x"]["axis"]["labelFontSize"] == 11
    assert heat["encoding"]["y"]["sort"] == [cards[i] for i in order]
    assert len(heat["datasets"][heat["data"]["name"]]) == 40_000
    assert heat["encoding"]["y"]["axis"]["labelFontSize"] == charts.MIN_FONT == 11
    assert heat["encoding"]["y"]["axis"]["labelLimit"] == charts.LABEL_WIDTH
    labels, body = tree["layer"][:2]
    assert tree["height"] == 2800
    assert labels["mark"]["fontSize"] == 11
    assert len(tree["datasets"][body["data"]["name"]]) == 3 * 199
    assert place["height"] == 2800 and place["width"] == 4 * 56


def test_svg_export_draws_the_labels():
    svg = charts.to_svg(charts.similarity_heatmap(CARDS, SIMILARITY, [2, 0, 1]))
    assert svg.lstrip().startswith("<svg")
    assert ">C</text>" in svg and ">A</text>" in svg


def test_png_export_is_a_png_twice_the_size():
    png = charts.to_png(charts.similarity_heatmap(CARDS, SIMILARITY), scale=2.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    plain = charts.to_png(charts.similarity_heatmap(CARDS, SIMILARITY), scale=1.0)
    assert width == 2 * int.from_bytes(plain[16:20], "big")
