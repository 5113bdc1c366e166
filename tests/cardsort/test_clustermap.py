"""Cluster map: MDS of 1 - similarity, deterministic, labels kept legible."""

import numpy as np
import pytest

from cardsort.clustermap import LABEL_CHARS, cluster_map_chart, cluster_map_frame, map_cards

# Two blocks of cards always grouped together, never with the other block.
BLOCKS = np.kron(np.eye(2), np.ones((3, 3)))


def test_cards_always_together_share_a_point_and_blocks_lie_apart():
    coords = map_cards(BLOCKS)
    assert coords.shape == (6, 2)
    assert np.allclose(coords[:3], coords[0], atol=1e-3) and np.allclose(coords[3:], coords[3], atol=1e-3)
    assert np.linalg.norm(coords[0] - coords[3]) == pytest.approx(1.0, abs=1e-3)  # distance 1 - 0


def test_same_data_draws_the_same_map():
    rng = np.random.default_rng(1)
    s = rng.random((8, 8))
    s = (s + s.T) / 2
    np.fill_diagonal(s, 1.0)
    assert np.array_equal(map_cards(s), map_cards(s))


def test_two_cards_and_bad_shape():
    assert map_cards(np.ones((2, 2))).tolist() == [[-0.5, 0.0], [0.5, 0.0]]
    with pytest.raises(ValueError, match="similarity must be square"):
        map_cards(np.ones((2, 3)))


def test_frame_and_chart_keep_labels_legible():
    long = "A card label that goes on far longer than anyone can read"
    frame = cluster_map_frame(["Short", long], np.array([[0.0, 1.0], [1.0, 0.0]]), [0, 1], ["Visit", "Borrow"])
    assert frame["short"].tolist() == ["Short", long[:LABEL_CHARS - 1] + "…"]
    assert frame["category"].tolist() == ["Visit", "Borrow"]
    spec = cluster_map_chart(frame).to_dict()
    text = [layer for layer in spec["layer"] if layer["mark"]["type"] == "text"][0]
    assert text["mark"]["fontSize"] == 12 and text["encoding"]["text"]["field"] == "short"
    points = [layer for layer in spec["layer"] if layer["mark"]["type"] == "point"][0]
    assert points["encoding"]["color"]["field"] == "category"
    assert {"field": "card", "type": "nominal", "title": "Card"} in points["encoding"]["tooltip"]


def test_labels_of_cards_at_one_spot_stack_without_overlapping():
    from cardsort.clustermap import LINE_PX, OFFSET_PX, place_labels

    # Three cards at (0, 0), one far away at (1, 1): side = 1.16, 640 px -> 551.7 px per unit.
    coords = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [1.0, 1.0]])
    at, left = place_labels(coords, ["Alpha", "Beta", "Gamma", "Far"], size=640)
    per_px = 1.16 / 640
    assert at[:3, 0] == pytest.approx([OFFSET_PX * per_px] * 3)
    assert sorted(at[:3, 1]) == pytest.approx([-2 * LINE_PX * per_px, -LINE_PX * per_px, 0.0])
    assert at[3].tolist() == pytest.approx([1.0 + OFFSET_PX * per_px, 1.0])
    assert left.tolist() == [False] * 4
    at, left = place_labels(coords, ["Alpha", "Beta", "Gamma", "Summer reading challenge"], size=640)
    assert at[3].tolist() == pytest.approx([1.0 - OFFSET_PX * per_px, 1.0])  # would pass the edge: left of its point
    assert left.tolist() == [False, False, False, True]


def _label_boxes(coords, labels, size=640):
    from cardsort.clustermap import CHAR_PX, map_domain, place_labels

    at, left = place_labels(coords, labels, size=size)
    corner, side = map_domain(coords)
    x = (at[:, 0] - corner[0]) / side * size
    y = (1 - (at[:, 1] - corner[1]) / side) * size
    width = np.array([len(t) for t in labels]) * CHAR_PX
    return np.where(left, x - width, x), np.where(left, x, x + width), y, left


def test_labels_stay_inside_the_plot_sideways_and_stack_upwards_at_the_bottom():
    from cardsort.clustermap import LINE_PX

    # Six cards at one spot at the bottom right, one at the top left: the column of labels goes up, to the left.
    coords = np.array([[1.0, 0.0]] * 6 + [[0.0, 1.0]])
    labels = [f"Summer reading challenge {i}" for i in range(7)]
    x0, x1, y, left = _label_boxes(coords, labels)
    assert left.tolist() == [True] * 6 + [False]
    assert x0.min() >= 0 and x1.max() <= 640
    assert y.max() <= 640 - LINE_PX / 2
    assert sorted(np.round(y[:6] - y[:6].max(), 6)) == [-5 * LINE_PX, -4 * LINE_PX, -3 * LINE_PX, -2 * LINE_PX,
                                                        -LINE_PX, 0]


def test_135_long_labels_never_pass_the_plot_sideways():
    coords = np.random.default_rng(4).normal(size=(135, 2))
    x0, x1, _, left = _label_boxes(coords, [f"Summer reading challenge {i}" for i in range(135)])
    assert left.any() and (~left).any()
    assert x0.min() >= 0 and x1.max() <= 640
