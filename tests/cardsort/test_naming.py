"""Proposed category names: unique across categories, with ties and repeats said in words."""

import numpy as np

from cardsort.analysis import analyze
from cardsort.model import Group, Sort, study_from_spec
from cardsort.naming import best_groups, name_categories, naming_note
from cardsort.report import analysis_table
from cardsort.similarity import similarity_matrix

CARDS = ["Apply", "Courses", "Fees", "Timetable", "History", "Contact", "Jobs", "Press"]
STUDY = study_from_spec({"name": "University", "kind": "hybrid", "cards": CARDS,
                         "categories": ["Current students", "About us"]}, "u1")
STUDENTS, ABOUT = "k1", "k2"


def sort(pid, *groups):
    """groups: (label, category id or None, card numbers from 1)."""
    return Sort(pid, tuple(Group(label, tuple(f"c{i}" for i in cards), cat) for label, cat, cards in groups))


def hybrid_sorts():
    everything_students = ("Current students", STUDENTS, [1, 2, 3, 4])
    everything_about = ("About us", ABOUT, [5, 6, 7, 8])
    return [
        sort("p1", everything_students, everything_about),
        sort("p2", everything_students, everything_about),
        sort("p3", ("Study", None, [1, 2]), ("Money", None, [3, 4]),
             ("About us", ABOUT, [5, 6]), ("Work with us", None, [7, 8])),
        sort("p4", ("Current students", STUDENTS, [1, 2]), ("Money", None, [3, 4]), everything_about),
    ]


def categories_of(sorts, clusters):
    table = analysis_table(STUDY, sorts)
    return name_categories(table, np.array(clusters), similarity_matrix(table))


def test_a_hybrid_study_never_lists_a_name_twice():
    cats = categories_of(hybrid_sorts(), [0, 0, 1, 1, 2, 2, 3, 3])
    assert [(c.name, c.cards, c.name_share, c.alternatives) for c in cats] == [
        ("Current students", ["Apply", "Courses"], 0.75, [{"name": "Study", "share": 0.25}]),
        # Tied 2-2 with "Current students", which the first category holds with more votes: the tie goes to Money.
        ("Money", ["Fees", "Timetable"], 0.5, [{"name": "Current students", "share": 0.5}]),
        ("About us", ["History", "Contact"], 1.0, []),
        # 3 of 4 called it "About us" too, fewer than the 4 of 4 of the previous category: numbered.
        ("About us (2)", ["Jobs", "Press"], 0.75, [{"name": "Work with us", "share": 0.25}]),
    ]
    assert [(c.tied_with, c.repeats) for c in cats] == [
        ([], None), (["Current students"], None), ([], None), ([], "About us")]
    assert [naming_note(c) for c in cats] == [
        "",
        'Votes tie (50% each) with "Current students".',
        "",
        'Participants named this "About us", a name another category has with as many votes or more; '
        "next choice: Work with us (25%).",
    ]


def test_equal_claims_on_a_name_go_to_the_earlier_category():
    sorts = [sort(f"p{i}", ("About us", ABOUT, [5, 6, 7, 8]), ("Current students", STUDENTS, [1, 2, 3, 4]))
             for i in range(1, 3)]
    cats = categories_of(sorts, [0, 0, 0, 0, 1, 1, 2, 2])
    assert [c.name for c in cats] == ["Current students", "About us", "About us (2)"]
    assert naming_note(cats[2]) == ('Participants named this "About us", a name another category has with as many '
                                    "votes or more; no other name was given.")


def test_a_numbered_name_steps_over_a_label_participants_used():
    sorts = [sort("p1", ("About us", ABOUT, [5, 6, 7, 8]), ("About us (2)", None, [1, 2, 3, 4])),
             sort("p2", ("About us", ABOUT, [1, 2, 3, 4, 5, 6, 7, 8]))]
    # Cluster 0 (cards 1-4): "About us (2)" 1 vote, "About us" 1 vote (tie); clusters 1 and 2: "About us" 2 of 2.
    cats = categories_of(sorts, [0, 0, 0, 0, 1, 1, 2, 2])
    assert [c.name for c in cats] == ["About us (2)", "About us", "About us (3)"]


def test_analyze_json_names_are_unique_and_keep_the_contract_shape():
    data = analyze(analysis_table(STUDY, hybrid_sorts()), k=4).to_dict()
    names = [c["name"] for c in data["categories"]]
    assert len(set(names)) == len(names) == 4
    assert all(set(c) == {"name", "cards", "agreement", "name_share", "alternatives"} for c in data["categories"])


def test_navigation_csv_has_one_row_per_card_and_neutralises_formulas():
    import csv
    import io

    from cardsort.naming import ProposedCategory, export_navigation

    cats = categories_of(hybrid_sorts(), [0, 0, 1, 1, 2, 2, 3, 3])
    cats.append(ProposedCategory("=cmd()", ["@SUM(A1)"], 1.0, 1.0))
    rows = list(csv.reader(io.StringIO(export_navigation(cats))))
    assert rows[0] == ["category", "card", "agreement", "named_so_by", "other_names", "note"]
    assert rows[3] == ["Money", "Fees", "1.0000", "0.5000", "Current students (50%)",
                       'Votes tie (50% each) with "Current students".']
    assert rows[7][:5] == ["About us (2)", "Jobs", "1.0000", "0.7500", "Work with us (25%)"]
    assert rows[-1] == ["'=cmd()", "'@SUM(A1)", "1.0000", "1.0000", "", ""]
    assert len(rows) == 10


def test_cli_analyze_json_prints_unique_names(capsys):
    import json

    from cardsort.__main__ import main
    from tests.conftest import DATA

    assert main(["analyze", str(DATA / "cardsort" / "example.csv"), "--k", "4", "--json"]) == 0
    categories = json.loads(capsys.readouterr().out)["categories"]
    assert [c["name"] for c in categories] == ["Info", "Info (2)", "Help", "Help (2)"]
    assert categories[1]["alternatives"] == [{"name": "Misc", "share": 0.3333}]


def test_each_participant_votes_with_the_group_holding_most_of_a_cluster():
    """More cards of the cluster first, then fewer cards outside it, then the earlier group."""
    sorts = [sort("p1", ("Mixed", None, [1, 4, 5]), ("One", None, [2]), ("Other", None, [3])),
             sort("p2", ("All", None, [1, 2, 3, 4, 5]))]
    table = analysis_table(STUDY, sorts)
    participant, cluster, group, overlap = best_groups(table, np.array([0, 0, 0, 1, 1, 2, 2, 2]))
    assert participant.tolist() == [0, 0, 1, 1]
    assert cluster.tolist() == [0, 1, 0, 1]
    assert [table.group_labels[g] for g in group] == ["One", "Mixed", "All", "All"]  # "One" and "Other" tie
    assert overlap.tolist() == [1, 2, 3, 2]
