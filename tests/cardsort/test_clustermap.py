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
    points = [layer for layer in spec["layer"] if layer["mark"]["type"] == "circle"][0]
    assert points["encoding"]["color"]["field"] == "category"
    assert {"field": "card", "type": "nominal", "title": "Card"} in points["encoding"]["tooltip"]
