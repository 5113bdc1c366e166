"""The analysis table of a stored study: one SQL query into arrays, the same table as from the sorts."""

from dataclasses import replace

import numpy as np
import pytest

from cardsort import store
from cardsort.loading import analysis_table, load_table
from cardsort.model import Group, Sort, study_from_spec
from cardsort.standardise import decisions_from_rows

SPEC = {"name": "Library", "kind": "hybrid", "cards": ["Hours", "Map", "Loans", "Fines", "Events"],
        "categories": [{"id": "k1", "label": "Visit"}]}
SORTS = [
    Sort("p1", (Group("Visit", ("c2", "c1"), "k1"), Group("money", ("c4", "c5", "c3")))),
    Sort("p2", (Group("All", ("c1", "c2", "c3", "c4")),)),  # excluded below
    Sort("p3", (Group("Money!", ("c3",)), Group("", ("c4", "c1"), "k1"), Group("Other", ("c2",)))),
    Sort("p4", (Group("Gone", ("c5",)),)),  # only the card removed below: nothing left to analyse
]
DECISION = {"label_key": "money", "standard_label": "Payments", "status": "accepted"}


def fields(table):
    """A table's attributes as plain lists, to compare with ``==``."""
    return {name: (value.tolist() if isinstance(value, np.ndarray) else value)
            for name, value in vars(table).items()}


def stored_study(engine):
    """The study above, stored: sorts imported, p2 excluded, "money" merged into "Payments", card c5 removed."""
    study = store.create_study(engine, study_from_spec(SPEC, "s1"))
    store.import_sorts(engine, "s1", SORTS)
    store.set_exclusions(engine, "s1", {"p2": True})
    store.save_label_decisions(engine, "s1", [DECISION])
    return store.update_study(engine, replace(study, cards=study.cards[:4]))


def test_the_stored_table_is_the_hand_built_one(engine):
    stored_study(engine)
    table = load_table(engine, "s1")
    assert fields(table) == {
        "card_ids": ("c1", "c2", "c3", "c4"), "cards": ("Hours", "Map", "Loans", "Fines"),
        "participants": ("p1", "p3"),  # p2 excluded, p4 placed only the removed card
        # p1: Visit [Map, Hours], money [Fines, (Events skipped), Loans];
        # p3: Money! [Loans], k1 [Fines, Hours], Other [Map]
        "card": [1, 0, 3, 2, 2, 3, 0, 1],
        "group": [0, 0, 1, 1, 2, 3, 3, 4],
        "group_participant": [0, 0, 1, 1, 1],
        # the decision renames both spellings of "money"; p3's unnamed k1 pile takes the category's label
        "group_labels": ("Visit", "Payments", "Payments", "Visit", "Other"),
        # fixed categories keep their id; own piles are g1, g2, ... by their place in the sort
        "group_keys": ("k1", "g2", "g1", "k1", "g3"),
    }


def test_the_stored_table_is_the_table_of_the_stored_sorts(engine):
    study = stored_study(engine)
    old = analysis_table(study, store.load_sorts(engine, "s1"), store.excluded_participants(engine, "s1"),
                         decisions_from_rows(store.load_label_decisions(engine, "s1")))
    assert fields(load_table(engine, "s1", study)) == fields(old)


def test_random_studies_give_the_same_table_both_ways(engine):
    rng = np.random.default_rng(12)
    cards = [f"Card {i}" for i in range(12)]
    spec = {"name": "R", "kind": "hybrid", "cards": cards, "categories": [{"id": "g2", "label": "Clash"}, "Fixed"]}
    study = store.create_study(engine, study_from_spec(spec, "s1"))
    categories = [c.id for c in study.categories]
    sorts = []
    for p in range(40):
        dealt = rng.permutation(12)[:rng.integers(1, 13)]
        piles = rng.integers(0, 5, size=len(dealt))
        groups = []
        for pile in np.unique(piles):
            category = categories[pile] if pile < 2 and rng.random() < 0.5 else None  # "g2" may meet own pile 2
            label = "" if rng.random() < 0.2 else ["Help", "help!", "Visit", "Money"][rng.integers(4)]
            groups.append(Group(label, tuple(f"c{i + 1}" for i in dealt[piles == pile]), category))
        sorts.append(Sort(f"p{p:02d}", tuple(groups)))
    store.import_sorts(engine, "s1", sorts)
    store.set_exclusions(engine, "s1", {"p03": True, "p17": True})
    store.save_label_decisions(engine, "s1", [{"label_key": "help", "standard_label": "Support",
                                               "status": "accepted"}])
    study = store.update_study(engine, replace(study, cards=study.cards[1:]))  # c1's placements are skipped
    expected = analysis_table(study, store.load_sorts(engine, "s1"), {"p03", "p17"},
                              decisions_from_rows(store.load_label_decisions(engine, "s1")))
    assert expected.n_participants >= 35 and "Support" in expected.group_labels
    assert fields(load_table(engine, "s1")) == fields(expected)


def test_nothing_to_analyse_is_none_and_an_unknown_study_is_named(engine):
    study = store.create_study(engine, study_from_spec(SPEC, "s1"))
    assert load_table(engine, "s1") is None  # no sorts
    store.import_sorts(engine, "s1", SORTS[1:2])
    store.set_exclusions(engine, "s1", {"p2": True})
    assert load_table(engine, "s1") is None  # only an excluded sort
    store.update_study(engine, replace(study, cards=study.cards[:1]))
    store.set_exclusions(engine, "s1", {"p2": False})
    assert load_table(engine, "s1") is None  # one card is too few
    with pytest.raises(store.NotFound, match="no study with id 'nope'"):
        load_table(engine, "nope")


def test_placements_come_as_arrays_in_the_order_of_the_sorts(engine):
    stored_study(engine)
    placed = store.load_placements(engine, "s1")
    assert placed.participants == ("p1", "p3", "p4")
    assert [placed.card_ids[c] for c in placed.card] == ["c2", "c1", "c4", "c5", "c3", "c3", "c4", "c1", "c2", "c5"]
    assert placed.group.tolist() == [0, 0, 1, 1, 1, 2, 3, 3, 4, 5]
    assert placed.group_participant.tolist() == [0, 0, 1, 1, 1, 2]
    assert placed.group_index.tolist() == [0, 1, 0, 1, 2, 0]
    assert placed.group_labels == ("Visit", "money", "Money!", "", "Other", "Gone")
    assert placed.group_category_ids == ("k1", None, None, "k1", None, None)
    assert store.load_placements(engine, "s1", include_excluded=True).participants == ("p1", "p2", "p3", "p4")


def test_sorts_without_groups_keep_their_times_and_answers(engine):
    from datetime import UTC, datetime

    store.create_study(engine, study_from_spec(SPEC, "s1"))
    t0, t1 = datetime(2026, 3, 1, 9, tzinfo=UTC), datetime(2026, 3, 1, 9, 5, tzinfo=UTC)
    store.import_sorts(engine, "s1", [replace(SORTS[0], started_at=t0, finished_at=t1, answers={"comments": "Ok"}),
                                      SORTS[1]])
    store.set_exclusions(engine, "s1", {"p2": True})
    assert store.load_sorts(engine, "s1", groups=False) == [
        Sort("p1", (), started_at=t0, finished_at=t1, answers={"comments": "Ok"}), Sort("p2", ())]
    assert store.load_sorts(engine, "s1", include_excluded=False, groups=False) == [
        Sort("p1", (), started_at=t0, finished_at=t1, answers={"comments": "Ok"})]
