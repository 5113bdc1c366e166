"""Store functions the participant page needs: has a participant submitted, how often was each card dealt."""

from cardsort import board, store
from cardsort.model import Group, Sort, study_from_spec


def make(engine):
    study = study_from_spec({"name": "S", "kind": "open", "cards": ["A", "B", "C", "D"],
                             "settings": {"subset": 2}}, "s1")
    return store.create_study(engine, study)


def test_has_sort(engine):
    study = make(engine)
    assert not store.has_sort(engine, study.id, "p1")
    store.submit_sort(engine, study.id, Sort("p1", (Group("G", ("c1",)),)))
    assert store.has_sort(engine, study.id, "p1")
    assert not store.has_sort(engine, study.id, "p2")


def test_count_card_exposure_adds_sorts_and_drafts(engine):
    study = make(engine)
    assert store.count_card_exposure(engine, study.id) == {}
    store.submit_sort(engine, study.id, Sort("p1", (Group("G", ("c1", "c2")),)))
    store.save_draft(engine, study.id, "p2", {"groups": [{"id": "g", "label": "", "category_id": None,
                                                          "cards": ["c2"]}], "unsorted": ["c3"],
                                              "stage": "sorting"})
    store.save_draft(engine, study.id, "p3", {"unexpected": True})
    assert store.count_card_exposure(engine, study.id) == {"c1": 1, "c2": 2, "c3": 1}
    # the next participant is dealt the least-shown cards: c4 (0) and c1 or c3 (1)
    dealt = board.cards_for_participant(study, "p4", store.count_card_exposure(engine, study.id))
    assert "c4" in dealt and "c2" not in dealt
