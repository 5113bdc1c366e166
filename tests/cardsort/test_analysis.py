"""Analysis outputs against small hand-computed examples."""

import numpy as np
import pandas as pd
import pytest

from cardsort.analysis import analyze
from cardsort.clustering import choose_k, cluster_cards, cut_tree, silhouette
from cardsort.formats import read_file
from cardsort.model import Category
from cardsort.naming import normalise_label
from cardsort.placement import OWN_GROUPS, placement_matrix, top_categories
from cardsort.similarity import count_pairs, similarity_matrix
from cardsort.table import SortTable
from tests.conftest import DATA


def table_of(rows, card_order=None):
    """rows: (participant, card, group key, group label)."""
    frame = pd.DataFrame(rows, columns=["participant", "card_id", "group_key", "group_label"])
    frame["card_label"] = frame["card_id"]
    return SortTable.from_frame(frame, card_order)


def example():
    # p1: {A,B} {C,D}; p2: {A,B,C} {D}; p3: {A} {B} {C,D}
    return SortTable.from_frame(read_file(DATA / "cardsort" / "example.csv").frame)


THIRD, TWO_THIRDS = 1 / 3, 2 / 3


def test_similarity_is_share_of_participants_who_grouped_the_pair():
    sim = similarity_matrix(example())
    expected = np.array([
        [1, TWO_THIRDS, THIRD, 0],
        [TWO_THIRDS, 1, THIRD, 0],
        [THIRD, THIRD, 1, TWO_THIRDS],
        [0, 0, TWO_THIRDS, 1],
    ])
    np.testing.assert_allclose(sim, expected)


def test_card_subsets_divide_by_participants_who_saw_both():
    t = example()
    rows = [("p1", "A", "1", "x"), ("p1", "B", "1", "x"), ("p1", "C", "2", "y"), ("p1", "D", "2", "y"),
            ("p2", "A", "1", "x"), ("p2", "B", "1", "x"), ("p2", "C", "1", "x"), ("p2", "D", "2", "y"),
            ("p3", "A", "1", "x"), ("p3", "B", "2", "y"), ("p3", "C", "3", "z"), ("p3", "D", "3", "z"),
            ("p4", "A", "1", "x"), ("p4", "C", "1", "x"), ("p4", "B", "2", "y")]  # p4 never saw D
    together, seen = count_pairs(table_of(rows))
    assert seen[0, 3] == 3 and seen[0, 1] == 4
    sim = similarity_matrix(table_of(rows))
    assert sim[0, 1] == pytest.approx(2 / 4)   # A-B: p1, p2 of 4
    assert sim[0, 2] == pytest.approx(2 / 4)   # A-C: p2, p4 of 4
    assert sim[2, 3] == pytest.approx(2 / 3)   # C-D: p1, p3 of the 3 who saw D
    assert t.n_participants == 3


def test_both_ways_of_counting_pairs_agree():
    """Counting each group's card pairs and the dense matrix product give the same counts."""
    from cardsort.similarity import _dense_gram, _pair_counts

    rng = np.random.default_rng(3)
    n_rows, n_cards = 300, 12
    rows = np.concatenate([np.full(size, r) for r, size in enumerate(rng.integers(0, n_cards + 1, n_rows))])
    card = np.concatenate([rng.permutation(n_cards)[:np.count_nonzero(rows == r)] for r in range(n_rows)])
    order = rng.permutation(len(rows))  # placements in no particular order
    rows, card = rows[order], card[order]
    sizes = np.bincount(rows, minlength=n_rows)
    counts = _pair_counts(rows, card, sizes, n_cards, budget=50)  # many small blocks
    assert (counts == _dense_gram(rows, card, n_rows, n_cards, chunk=64)).all()
    assert (counts == counts.T).all() and counts.trace() == len(rows)


def test_two_piles_with_the_same_label_stay_two_piles():
    t = SortTable.from_frame(read_file(DATA / "cardsort" / "same_label_piles.csv").frame)
    assert t.n_groups == 3
    sim = similarity_matrix(t)
    assert sim[0, 1] == pytest.approx(0.5)  # u1 kept them apart in two "Misc" piles, u2 together


def test_card_nobody_placed_gets_zero_similarity():
    rows = [("p1", "A", "1", "x"), ("p1", "B", "1", "x")]
    sim = similarity_matrix(table_of(rows, [("A", "A"), ("B", "B"), ("C", "C")]))
    np.testing.assert_allclose(sim, [[1, 1, 0], [1, 1, 0], [0, 0, 0]])


@pytest.mark.parametrize("method,top", [("average", 5 / 6), ("complete", 1.0), ("single", TWO_THIRDS)])
def test_linkage_methods(method, top):
    z = cluster_cards(similarity_matrix(example()), method)
    np.testing.assert_allclose(z[:, 2], [THIRD, THIRD, top])
    assert sorted(map(tuple, z[:2, :2].astype(int).tolist())) == [(0, 1), (2, 3)]
    assert z[2, 3] == 4


def test_unknown_method_names_allowed_values():
    with pytest.raises(ValueError, match="method must be one of average, complete, single, not 'ward'"):
        cluster_cards(np.eye(3), "ward")


def test_silhouette_matches_hand_computation_and_sklearn():
    sim = similarity_matrix(example())
    d = 1 - sim
    labels = np.array([0, 0, 1, 1])
    expected = (0.6 + 0.6 + 0.5 + 2 / 3) / 4
    assert silhouette(d, labels) == pytest.approx(expected)
    from sklearn.metrics import silhouette_score
    assert silhouette(d, labels) == pytest.approx(silhouette_score(d, labels, metric="precomputed"))


def test_k_is_chosen_by_best_silhouette():
    sim = similarity_matrix(example())
    assert choose_k(sim, cluster_cards(sim)) == 2


def test_proposed_categories_are_named_from_participants_labels():
    result = analyze(example())
    assert result.k == 2 and result.k_chosen_automatically
    info, help_ = result.categories
    assert (info.name, info.cards, info.name_share, info.alternatives) == ("Info", ["A", "B"], 1.0, [])
    assert info.agreement == pytest.approx(TWO_THIRDS)
    assert (help_.name, help_.cards) == ("Help", ["C", "D"])
    assert help_.name_share == pytest.approx(TWO_THIRDS)
    assert help_.alternatives == [{"name": "Support", "share": 0.3333}]
    assert help_.agreement == pytest.approx(TWO_THIRDS)


def test_k_override_and_singleton_agreement():
    result = analyze(example(), k=4)
    assert [c.cards for c in result.categories] == [["A"], ["B"], ["C"], ["D"]]
    # D was alone in p2's "Support" pile: 1 of the 3 participants who placed it
    assert result.categories[3].agreement == pytest.approx(THIRD)
    # B: p1 Info, p2 info, p3 Misc -> Info 2 of 3; A holds "Info" with 3 of 3, so B's is numbered.
    assert [c.name for c in result.categories] == ["Info", "Info (2)", "Help", "Help (2)"]


def test_json_contract_keys_and_values():
    d = analyze(example()).to_dict()
    assert list(d)[:7] == ["cards", "n_participants", "similarity", "method", "linkage", "categories", "k"]
    assert d["cards"] == ["A", "B", "C", "D"] and d["n_participants"] == 3 and d["method"] == "average"
    assert d["similarity"][0] == [1.0, 0.6667, 0.3333, 0.0]
    assert d["linkage"][2] == [4, 5, 0.833333, 4]
    assert d["categories"][1]["alternatives"] == [{"name": "Support", "share": 0.3333}]


def test_cut_tree_numbers_clusters_in_leaf_order():
    z = cluster_cards(similarity_matrix(example()))
    assert cut_tree(z, 2).tolist() == [0, 0, 1, 1]
    with pytest.raises(ValueError, match="k must be between 1 and the number of cards \\(4\\), not 5"):
        cut_tree(z, 5)


@pytest.mark.parametrize("a,b", [
    ("  Help & Support!! ", "help & support"),
    ("كتاب", "کتاب"),                      # Arabic kaf vs Persian keheh
    ("خدمات ويژه", "خدمات ویژه"),          # Arabic yeh vs Farsi yeh
    ("می\u200cخواهم", "می خواهم"),         # zero-width non-joiner vs space
    ("İLETİŞİM", "iletişim"),               # Turkish dotted capital I
    ("ПОМОЩЬ", "помощь"),
    ("ｈｅｌｐ", "help"),                    # NFKC full-width
    ("مَكتبة", "مکتبه"),                   # harakat, teh marbuta
])
def test_label_normalisation(a, b):
    assert normalise_label(a) == normalise_label(b)


def test_placement_matrix_closed_and_hybrid():
    cats = [Category("k1", "Visit"), Category("k2", "Borrow")]
    rows = [("p1", "A", "k1", "Visit"), ("p1", "B", "k1", "Visit"), ("p1", "C", "k2", "Borrow"),
            ("p2", "A", "k1", "Visit"), ("p2", "B", "k2", "Borrow"), ("p2", "C", "k2", "Borrow")]
    counts, shares = placement_matrix(table_of(rows), cats)
    assert counts.to_dict("index") == {"A": {"Visit": 2, "Borrow": 0}, "B": {"Visit": 1, "Borrow": 1},
                                       "C": {"Visit": 0, "Borrow": 2}}
    top = top_categories(counts, shares)
    assert top.loc["B"].tolist() == ["Visit", 1, 0.5] and top.loc["C"].tolist() == ["Borrow", 2, 1.0]
    hybrid = rows + [("p3", "A", "g1", "Mine"), ("p3", "C", "k2", "Borrow")]
    counts, shares = placement_matrix(table_of(hybrid), cats)
    assert list(counts.columns) == ["Visit", "Borrow", OWN_GROUPS]
    assert counts.loc["A"].tolist() == [2, 0, 1] and shares.loc["A", OWN_GROUPS] == pytest.approx(THIRD)


def test_subset_resamples_participants_with_repeats():
    t = example()
    sub = t.subset(np.array([0, 0, 2]))
    assert sub.participants == ("p1", "p1", "p3") and sub.n_groups == 2 + 2 + 3
    sim = similarity_matrix(sub)
    assert sim[0, 1] == pytest.approx(2 / 3) and sim[2, 3] == pytest.approx(1.0)


def test_no_sorts_is_a_clear_error():
    t = table_of([("p1", "A", "1", "x"), ("p1", "B", "1", "x")]).subset(np.array([], dtype=int))
    with pytest.raises(ValueError, match="no sorts to analyse"):
        analyze(t)
