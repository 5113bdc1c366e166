"""Exclusion flags with their stated thresholds, and exclusions reaching the stored analysis."""

from datetime import UTC, datetime, timedelta

import pytest

from cardsort import store
from cardsort.exclusions import describe_thresholds, fast_threshold, flag_sorts
from cardsort.model import Group, Sort, study_from_spec
from cardsort.report import analysis_table

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def sort(pid, groups, seconds=None):
    return Sort(pid, tuple(Group(f"G{i}", tuple(cards)) for i, cards in enumerate(groups)),
                started_at=T0 if seconds is not None else None,
                finished_at=T0 + timedelta(seconds=seconds) if seconds is not None else None)


NORMAL = [["c1", "c2"], ["c3", "c4"]]


def test_flags_one_pile_singletons_and_fast_sorts():
    sorts = [sort("p1", NORMAL, 300), sort("p2", NORMAL, 240), sort("p3", NORMAL, 360),
             sort("pile", [["c1", "c2", "c3", "c4"]], 600), sort("single", [["c1"], ["c2"], ["c3"], ["c4"]], 300),
             sort("quick", NORMAL, 90), sort("blink", NORMAL, 3), sort("untimed", NORMAL)]
    # Timed: 300, 240, 360, 600, 300, 90, 3 -> median 300; a third of it is 100 s.
    assert fast_threshold(sorts) == 100
    flags = flag_sorts(sorts)
    assert flags["reasons"].tolist() == ["", "", "", "one pile", "every card on its own", "unusually fast",
                                         "unusually fast", ""]
    # 3 s for 4 cards is also under the floor of 1 s per card.
    assert flags.loc[6, ["cards", "groups", "seconds", "too_fast"]].tolist() == [4, 2, 3.0, True]
    assert "100 s here" in describe_thresholds(sorts)


def test_two_cards_are_too_few_to_call_a_pile_and_few_times_use_only_the_floor():
    sorts = [sort("two", [["c1", "c2"]], 10), sort("a", NORMAL, 3), sort("b", NORMAL, 5)]
    assert fast_threshold(sorts) is None  # 3 timed sorts < 5
    assert flag_sorts(sorts)["reasons"].tolist() == ["", "unusually fast", ""]
    assert "the median rule needs 5 timed sorts" in describe_thresholds(sorts)


def test_exclusions_are_stored_and_every_analysis_leaves_them_out(engine):
    study = store.create_study(engine, study_from_spec(
        {"name": "S", "kind": "open", "cards": ["A", "B", "C", "D"]}, "s1"))
    store.import_sorts(engine, "s1", [sort("p1", NORMAL, 300), sort("pile", [["c1", "c2", "c3", "c4"]], 300)])
    store.set_exclusions(engine, "s1", {"pile": True})
    assert store.excluded_participants(engine, "s1") == {"pile"}
    assert [s.participant_id for s in store.load_sorts(engine, "s1", include_excluded=False)] == ["p1"]
    table = analysis_table(study, store.load_sorts(engine, "s1"), store.excluded_participants(engine, "s1"))
    assert table.participants == ("p1",)
    store.set_exclusions(engine, "s1", {"pile": False})
    assert store.excluded_participants(engine, "s1") == set()
    with pytest.raises(store.NotFound, match="no sort by participant 'ghost'"):
        store.set_exclusions(engine, "s1", {"pile": True, "ghost": True})
    assert store.excluded_participants(engine, "s1") == set()  # one transaction: nothing changed
