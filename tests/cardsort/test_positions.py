"""Card order inside groups (a prioritisation sort): the setting, the stored positions, the average-position table."""

from dataclasses import replace

import numpy as np
import pytest

from cardsort import board, store
from cardsort.model import Group, Sort, settings_from_dict, study_from_spec
from cardsort.placement import average_positions, average_positions_stored, position_table

SPEC = {"name": "Bank", "kind": "hybrid", "cards": ["Opening hours", "Invoices", "Refunds", "Contact"],
        "categories": [{"id": "k1", "label": "Billing"}, {"id": "k2", "label": "Help"}],
        "settings": {"randomize": False, "order_within_groups": True}}
SORTS = [
    Sort("p1", (Group("Billing", ("c2", "c3", "c1"), "k1"), Group("Help", ("c4",), "k2"))),
    Sort("p2", (Group("Billing", ("c3", "c2"), "k1"), Group("Help", ("c1", "c4"), "k2"))),
    # an own group (hybrid) counts for no category; Billing is the second group here
    Sort("p3", (Group("Mine", ("c4",)), Group("Billing", ("c2", "c1", "c3"), "k1"))),
]
# Billing: Opening hours 3, 2 -> 2.5 (n 2); Invoices 1, 2, 1 -> 4/3 (n 3); Refunds 2, 1, 3 -> 2.0 (n 3)
# Help: Opening hours 1 (n 1); Contact 1, 2 -> 1.5 (n 2)
MEANS = [[2.5, 1.0], [4 / 3, np.nan], [2.0, np.nan], [np.nan, 1.5]]
COUNTS = [[2, 1], [3, 0], [3, 0], [0, 2]]


def study():
    return study_from_spec(SPEC, "s1")


def test_the_setting_is_off_by_default_and_must_be_true_or_false():
    assert settings_from_dict({}).order_within_groups is False
    assert settings_from_dict({"order_within_groups": True}).order_within_groups is True
    assert study().to_spec()["settings"]["order_within_groups"] is True
    old = study_from_spec({k: v for k, v in SPEC.items() if k != "settings"}, "s2")  # an old spec stays valid
    assert old.settings.order_within_groups is False
    with pytest.raises(ValueError, match="settings.order_within_groups must be true or false, not 'yes'"):
        settings_from_dict({"order_within_groups": "yes"})


def test_average_positions_by_hand():
    means, counts = average_positions(study(), SORTS)
    assert means.index.tolist() == ["Opening hours", "Invoices", "Refunds", "Contact"]
    assert means.columns.tolist() == ["Billing", "Help"]
    np.testing.assert_allclose(means.to_numpy(), MEANS)
    assert counts.to_numpy().tolist() == COUNTS
    assert position_table(means, counts).to_numpy().tolist() == [
        ["2.50 (n = 2)", "1.00 (n = 1)"], ["1.33 (n = 3)", "–"], ["2.00 (n = 3)", "–"], ["–", "1.50 (n = 2)"]]


def test_a_card_no_longer_in_the_study_still_holds_its_place():
    # The participant saw "gone" first: Opening hours was second, and stays second.
    sorts = [Sort("p1", (Group("Billing", ("gone", "c1"), "k1"),)),
             Sort("p2", (Group("Billing", ("c1",), "k1"), Group("Other", ("c2",), "k9")))]
    means, counts = average_positions(study(), sorts)
    assert means.loc["Opening hours", "Billing"] == 1.5
    assert counts.to_numpy().tolist() == [[2, 0], [0, 0], [0, 0], [0, 0]]


def test_no_sorts_give_an_empty_table_of_the_right_shape():
    means, counts = average_positions(study(), [])
    assert means.shape == counts.shape == (4, 2)
    assert np.isnan(means.to_numpy()).all() and not counts.to_numpy().any()
    assert position_table(means, counts).to_numpy().tolist() == [["–", "–"]] * 4


def test_the_board_order_is_the_stored_position_and_the_stored_table_is_the_same(engine):
    s = store.create_study(engine, study())
    state = {"groups": [{"id": "k1", "label": "x", "category_id": "k1", "cards": ["c2", "c3", "c1"]},
                        {"id": "k2", "label": "Help", "category_id": "k2", "cards": ["c4"]}],
             "unsorted": []}
    assert board.validate_state(s, state)["groups"][0]["cards"] == ["c2", "c3", "c1"]
    store.submit_sort(engine, "s1", board.state_to_sort(s, state, "p1"))
    store.import_sorts(engine, "s1", SORTS[1:])
    with engine.connect() as conn:
        rows = conn.execute(store.placements.select().order_by(store.placements.c.sort_id,
                                                               store.placements.c.group_idx,
                                                               store.placements.c.position)).all()
    first = [(r.card_id, r.position) for r in rows if r.sort_id == rows[0].sort_id and r.group_idx == 0]
    assert first == [("c2", 0), ("c3", 1), ("c1", 2)]  # the participant's order, counted from 0
    means, counts = average_positions_stored(s, store.load_placements(engine, "s1"))
    np.testing.assert_allclose(means.to_numpy(), MEANS)
    assert counts.to_numpy().tolist() == COUNTS

    store.set_exclusions(engine, "s1", {"p2": True})  # excluded sorts are left out
    means, counts = average_positions_stored(s, store.load_placements(engine, "s1"))
    assert counts.to_numpy().tolist() == [[2, 0], [2, 0], [2, 0], [0, 1]]
    assert means.loc["Invoices", "Billing"] == 1.0 and means.loc["Refunds", "Billing"] == 2.5

    s = store.update_study(engine, replace(s, cards=s.cards[1:]))  # Opening hours removed: others keep their places
    means, counts = average_positions_stored(s, store.load_placements(engine, "s1"))
    assert means.index.tolist() == ["Invoices", "Refunds", "Contact"]
    assert means.loc["Refunds", "Billing"] == 2.5 and counts.loc["Refunds", "Billing"] == 2


def test_the_board_payload_says_whether_cards_are_ordered():
    payload = board.board_payload(study(), board.initial_state(study(), ["c1", "c2"]), instance="i")
    assert payload["order_within_groups"] is True
    assert payload["strings"]["live_position"] == '"{card}" moved to position {position} of {count} in "{group}".'
    off = replace(study(), settings=replace(study().settings, order_within_groups=False))
    assert board.board_payload(off, board.initial_state(off, ["c1"]), instance="i")["order_within_groups"] is False


def test_the_report_has_the_average_positions_of_the_included_sorts():
    import json

    from cardsort.report import build_report, render

    report = build_report(study(), SORTS, excluded={"p2"})
    # p1 and p3: Billing Opening hours 3, 2; Invoices 1, 1; Refunds 2, 3; Help Contact 1
    assert report.positions is not None
    assert [tuple(r) for r in report.positions.itertuples(index=False)] == [
        ("Opening hours", "Billing", 2.5, 2), ("Invoices", "Billing", 1.0, 2), ("Refunds", "Billing", 2.5, 2),
        ("Contact", "Help", 1.0, 1)]
    assert json.loads(render(report, "json"))["average_positions"][0] == {
        "card": "Opening hours", "category": "Billing", "mean_position": 2.5, "n": 2}
    html = render(report, "html")
    assert "<h2>Card order inside categories</h2>" in html
    assert "<caption>Average position of each card inside each category</caption>" in html
    assert ('<tr><th scope="row">Opening hours</th><td>Billing</td><td class="num">2.50</td>'
            '<td class="num">2</td></tr>') in html

    off = replace(study(), settings=replace(study().settings, order_within_groups=False))
    plain = build_report(off, SORTS)
    assert plain.positions is None
    assert "average_positions" not in json.loads(render(plain, "json"))
    assert "Card order inside categories" not in render(plain, "html")
