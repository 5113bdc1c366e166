"""Label standardisation: suggestions across scripts, decisions, and Spencer's agreement by hand."""

import numpy as np
import pandas as pd
import pytest

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from cardsort.report import analysis_table
from cardsort.standardise import (
    LabelDecision,
    apply_decisions,
    card_named_keys,
    compatible,
    decisions_from_rows,
    label_mapping,
    standardised_categories,
    suggest_merges,
    suggestion_id,
)
from cardsort.table import SortTable


def table_of(sorts: dict[str, dict[str, str]], cards: str = "abc") -> SortTable:
    rows = [(p, c, c, f"{p}:{label}", label) for p, groups in sorts.items() for label, members in groups.items()
            for c in members]
    frame = pd.DataFrame(rows, columns=["participant", "card_id", "card_label", "group_key", "group_label"])
    return SortTable.from_frame(frame, [(c, c) for c in cards])


def test_suggestions_meet_across_case_scripts_and_inflections():
    labels = ["Help", "help", "Help & support", "Hello", "Оплата", "Оплаты", "Ödeme", "Ödemeler", "Ödemeler",
              "پرداخت", "پرداخت\u200cها", "كتاب", "کتاب", "Unique", ""]
    got = [(s.standard_label, s.keys, s.labels, s.groups, s.score) for s in suggest_merges(labels)]
    assert got == [
        # "help & support" holds every word of "help": token_set_ratio 100. "Hello" scores 67: left alone.
        ("Help", ("help", "help & support"), ("Help", "Help & support", "help"), 3, 100),
        # Turkish plural: 2 * 5 / 13 matching characters = 77 >= 75; the more used spelling leads.
        ("Ödemeler", ("ödemeler", "ödeme"), ("Ödemeler", "Ödeme"), 3, 77),
        ("Оплата", ("оплата", "оплаты"), ("Оплата", "Оплаты"), 2, 83),  # Russian: 2 * 5 / 12
        ("كتاب", ("کتاب",), ("كتاب", "کتاب"), 2, 100),  # Arabic kaf and Persian keheh meet in normalise_label
        ("پرداخت", ("پرداخت", "پرداخت ها"), ("پرداخت", "پرداخت\u200cها"), 2, 100),  # ZWNJ plural
    ]


def test_suggestions_are_stars_not_chains():
    # "shows" is close to "shops" (80) but not to the head "shop" (67): it does not join through "shops".
    got = suggest_merges(["Shop", "Shop", "Shops", "Shows"], threshold=75)
    assert [(s.keys, s.labels) for s in got] == [(("shop", "shops"), ("Shop", "Shops"))]


def test_decided_keys_are_not_suggested_again():
    decided = [LabelDecision("оплаты", "Оплата", "rejected")]
    assert suggest_merges(["Оплата", "Оплаты"], decided) == []


def test_threshold_outside_0_100_is_refused():
    with pytest.raises(ValueError, match="threshold must be between 0 and 100"):
        suggest_merges(["a"], threshold=101)


@pytest.mark.parametrize("status, name, message", [
    ("maybe", "Help", "status must be one of accepted, rejected, edited"),
    ("accepted", " ", "needs a non-empty standard label"),
])
def test_bad_decisions_are_refused(status, name, message):
    with pytest.raises(ValueError, match=message):
        LabelDecision("help", name, status)


def test_apply_decisions_maps_accepted_and_edited_keys_only():
    table = table_of({"p1": {"Help": "ab", "Info": "c"}, "p2": {"SUPPORT!": "ac"}, "p3": {"Support": "b"},
                      "p4": {"Info": "abc"}})
    decisions = [LabelDecision("support", "Help", "accepted"), LabelDecision("info", "About", "rejected")]
    assert label_mapping(decisions) == {"support": "Help"}
    assert apply_decisions(table, decisions).group_labels == ("Help", "Info", "Help", "Help", "Info")
    assert apply_decisions(table, []) is table


def test_standardised_categories_use_spencers_agreement():
    table = table_of({"p1": {"Help": "ab", "Info": "c"}, "p2": {"help": "ac"}, "p3": {"Support": "b"}})
    table = apply_decisions(table, [LabelDecision("support", "Help", "accepted")])
    got = standardised_categories(table)
    assert got.columns.tolist() == ["category", "participants", "distinct_cards", "placements", "agreement", "cards"]
    # Help: p1 {a, b}, p2 {a, c}, p3 {b}: 5 placements / (3 participants x 3 distinct cards) = 5/9.
    assert got.to_dict(orient="records") == [
        {"category": "Help", "participants": 3, "distinct_cards": 3, "placements": 5,
         "agreement": pytest.approx(5 / 9), "cards": [("a", 2), ("b", 2), ("c", 1)]},
        {"category": "Info", "participants": 1, "distinct_cards": 1, "placements": 1, "agreement": 1.0,
         "cards": [("c", 1)]},
    ]


def test_decisions_round_trip_through_the_store_and_reach_the_analysis(engine):
    study = store.create_study(engine, study_from_spec({"name": "S", "kind": "open", "cards": ["A", "B"]}, "s1"))
    store.import_sorts(engine, "s1", [Sort("p1", (Group("Help", ("c1", "c2")),)),
                                      Sort("p2", (Group("Support", ("c1", "c2")),))])
    before = store.get_study(engine, "s1").updated_at
    store.save_label_decisions(engine, "s1", [LabelDecision("support", "Help", "edited").to_row(),
                                              LabelDecision("help", "Help", "accepted").to_row()])
    rows = store.load_label_decisions(engine, "s1")
    assert rows == [{"label_key": "help", "standard_label": "Help", "status": "accepted"},
                    {"label_key": "support", "standard_label": "Help", "status": "edited"}]
    assert store.get_study(engine, "s1").updated_at >= before
    table = analysis_table(study, store.load_sorts(engine, "s1"), decisions=decisions_from_rows(rows))
    assert table.group_labels == ("Help", "Help")
    store.save_label_decisions(engine, "s1", [LabelDecision("support", "Support", "rejected").to_row()])
    store.delete_label_decisions(engine, "s1", ["help"])
    assert store.load_label_decisions(engine, "s1") == [
        {"label_key": "support", "standard_label": "Support", "status": "rejected"}]
    with pytest.raises(ValueError, match="status must be one of"):
        store.save_label_decisions(engine, "s1", [{"label_key": "x", "standard_label": "X", "status": "ok"}])
    with pytest.raises(store.NotFound):
        store.save_label_decisions(engine, "nope", [])


def test_suggestions_show_and_propose_what_participants_wrote():
    labels = ["loans", "Loans", "Loans", "Loan", "mortgages", "Mortgages", "Mortgage"]
    got = [(s.standard_label, s.keys, s.names, s.labels) for s in suggest_merges(labels)]
    assert got == [
        # Each key in its most common spelling; the proposed name is the most common spelling of all.
        ("Loans", ("loans", "loan"), ("Loans", "Loan"), ("Loans", "Loan", "loans")),
        # Three spellings once each: the more used key ("mortgages", 2 groups) gives the name, capital first.
        ("Mortgages", ("mortgages", "mortgage"), ("Mortgages", "Mortgage"), ("Mortgage", "Mortgages", "mortgages")),
    ]
    assert got[0][0] == suggest_merges(labels)[0].name_of("loans")


def test_the_proposed_name_is_the_most_common_spelling_even_of_a_less_used_key():
    # "help" is the most used key (3 groups) but participants wrote "Help & support" most often (2).
    got = suggest_merges(["help", "Help", "HELP", "Help & support", "Help & support"])
    assert [(s.standard_label, s.keys, s.names) for s in got] == [
        ("Help & support", ("help", "help & support"), ("HELP", "Help & support"))]


def test_labels_that_differ_in_a_distinguishing_word_are_not_merged():
    labels = (["Students"] * 3 + ["Future students"] * 2 + ["Current students"]
              + ["Undergraduate courses"] * 2 + ["Postgraduate courses"]
              + ["Help", "Help", "Help & support", "help and support", "Support"]
              + ["Online resources", "Online resource", "Offline resources"])
    got = [(s.standard_label, s.keys) for s in suggest_merges(labels)]
    assert got == [
        # "Current students" would join "students" (token_set_ratio 100) but differs from "future students",
        # already in the suggestion, in a word ("current"/"future", ratio 46): it stays out.
        ("Students", ("students", "future students")),
        # "&" and "and" are filler: "help & support" and "help and support" both hold every word of "help".
        ("Help", ("help", "help & support", "help and support")),
        # "resource"/"resources" is an inflection; "offline"/"online" scores 77 but they part after "o".
        ("Online resource", ("online resource", "online resources")),
    ]
    # "Undergraduate courses" and "Postgraduate courses" score 78 on token_set_ratio: not suggested.
    assert suggest_merges(["Undergraduate courses", "Postgraduate courses"]) == []
    assert suggest_merges(["Future students", "Current students"]) == []


@pytest.mark.parametrize("a, b, expected", [
    ("help", "help & support", True), ("help & support", "help and support", True), ("visit", "visit us", True),
    ("ödeme", "ödemeler", True), ("shop", "shops", True), ("about us", "about", True),
    ("future students", "current students", False), ("undergraduate courses", "postgraduate courses", False),
    ("help & support", "help & contact", False),
])
def test_compatible_judges_the_words_two_keys_do_not_share(a, b, expected):
    assert compatible(a, b) is expected
    assert compatible(b, a) is expected


def test_labels_that_are_mostly_a_cards_own_name_are_not_suggested():
    # p1 and p2 put the Alumni card alone and called the group "Alumni"; p3 wrote "alumni" over two cards.
    table = table_of({"p1": {"Alumni": ["Alumni"], "Support": ["Donate", "Contact"]},
                      "p2": {"Alumni": ["Alumni"], "Help": ["Donate", "Contact"]},
                      "p3": {"alumni": ["Alumni", "Donate"], "Help & support": ["Contact"]}},
                     cards=["Alumni", "Donate", "Contact"])
    assert card_named_keys(table) == {"alumni"}
    got = suggest_merges(table.group_labels, card_names=card_named_keys(table))
    assert [(s.standard_label, s.keys) for s in got] == [("Help", ("help", "help & support"))]
    # Without the guard "Alumni" and "alumni" are offered as a merge.
    assert ("Alumni", ("alumni",)) in [(s.standard_label, s.keys) for s in suggest_merges(table.group_labels)]


def test_a_suggestions_id_is_its_members_not_its_position():
    first, second = suggest_merges(["Help", "help", "Оплата", "Оплаты", "Оплата"])
    assert first.id == suggestion_id(["оплата", "оплаты"]) == suggestion_id(["оплаты", "оплата"])
    assert second.id == suggestion_id(["help"]) != first.id
    assert len(first.id) == 12


def test_proposed_navigation_names_use_the_most_common_spelling_not_the_key():
    from cardsort.naming import name_categories
    from cardsort.similarity import similarity_matrix

    table = table_of({"p1": {"Loans": "ab", "savings": "c"}, "p2": {"loans": "ab", "Savings": "c"},
                      "p3": {"Loans": "ab", "SAVINGS": "c"}})
    clusters = np.array([0, 0, 1])
    got = name_categories(table, clusters, similarity_matrix(table))
    # Loans: "Loans" 2, "loans" 1. Savings: three spellings once each, ties in code-point order (capitals first).
    assert [(c.name, c.name_share) for c in got] == [("Loans", 1.0), ("SAVINGS", 1.0)]
