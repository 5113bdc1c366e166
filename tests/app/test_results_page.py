"""Results page on a small hand-computed study: progress, proposed navigation, k override, placements."""

from datetime import UTC, datetime, timedelta

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import open_page, texts

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sort(pid: str, minutes: float, *groups: tuple[str, list[str], str | None]) -> Sort:
    return Sort(pid, tuple(Group(label, tuple(cards), cat) for label, cards, cat in groups),
                started_at=T0, finished_at=T0 + timedelta(minutes=minutes))


def seed_open(engine) -> None:
    """A, B, C, D sorted by three people.

    Similarity: A-B 3/3, C-D 2/3, A-C and B-C 1/3, A-D and B-D 0. Average linkage joins A+B at 0,
    C+D at 1/3, then both at 5/6; the silhouette is 0.79 for k=2 and 0.5 for k=3, so k=2.
    """
    store.create_study(engine, study_from_spec({"name": "Groceries", "kind": "open", "cards": list("ABCD")}, "s1"))
    store.import_sorts(engine, "s1", [
        sort("p1", 5, ("Fruit", ["c1", "c2"], None), ("Veg", ["c3", "c4"], None)),
        sort("p2", 7.5, ("Fruit", ["c2", "c1"], None), ("Vegetables", ["c3", "c4"], None)),
        sort("p3", 20, ("Food", ["c1", "c2", "c3"], None), ("Vegetables", ["c4"], None)),
    ])


def navigation(at):
    table = at.table[0].value
    return [list(table[c]) for c in ("Category", "Cards", "Agreement", "Named so by", "Other names")]


def test_progress_and_the_proposed_navigation(app_db):
    seed_open(app_db)
    store.save_draft(app_db, "s1", "p4", {"groups": [], "unsorted": ["c1"]})
    at = open_page("results.py", study="s1")
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [
        ("Participants completed", "3"), ("In progress", "1"), ("Median time to complete", "7 min 30 s")]
    assert [c.value for c in at.markdown][:3] == [
        "all in the analysis", "started and not yet submitted", "from all 3 analysed participants"]
    assert at.number_input(key="k:s1:average").value == 2
    assert navigation(at) == [
        ["Fruit", "Vegetables"], ["A, B", "C, D"], ["100%", "67%"], ["67%", "67%"], ["Food (33%)", "Veg (33%)"]]
    assert [t.label for t in at.tabs] == ["Proposed navigation", "Dendrogram", "Similarity matrix", "Comments (0)",
                                          "Participants (3)", "Compare segments", "Export"]
    assert len(at.get("vega_lite_chart")) == 2
    pairs = at.table[1].value
    assert pairs.values.tolist()[:3] == [["A", "B", "100%"], ["C", "D", "67%"], ["A", "C", "33%"]]
    assert [b.label for b in at.get("download_button")] == [
        "Proposed navigation CSV", "Long CSV", "Casolysis CSV", "JSON", "Similarity matrix CSV",
        "Proposed navigation CSV", "Dendrogram as PNG", "Dendrogram as SVG", "Similarity matrix as PNG",
        "Similarity matrix as SVG"]


def test_k_override_and_method_choice(app_db):
    seed_open(app_db)
    at = open_page("results.py", study="s1")
    at.number_input(key="k:s1:average").set_value(3).run()
    # C is never alone (agreement 0), D alone for p3 (1 of 3); C's votes tie and go alphabetically to Food.
    assert navigation(at)[:3] == [["Fruit", "Food", "Vegetables"], ["A, B", "C", "D"], ["100%", "0%", "33%"]]
    assert "3 categories from the sorts of 3 participants (average linkage)" in texts(at)
    at.selectbox(key="method").select("complete").run()
    assert at.number_input(key="k:s1:complete").value == 2  # each method starts from its own automatic k
    assert "2 categories from the sorts of 3 participants (complete linkage)" in texts(at)


def test_placement_matrix_of_a_hybrid_sort(app_db):
    store.create_study(app_db, study_from_spec({"name": "Shop", "kind": "hybrid", "cards": ["Shoes", "Bags", "Hats"],
                                                "categories": ["Wear", "Carry"]}, "h1"))
    store.import_sorts(app_db, "h1", [
        sort("p1", 3, ("Wear", ["c1", "c3"], "k1"), ("Carry", ["c2"], "k2")),
        sort("p2", 4, ("Wear", ["c1"], "k1"), ("Mine", ["c2", "c3"], None)),
    ])
    at = open_page("results.py", study="h1")
    assert [t.label for t in at.tabs] == ["Proposed navigation", "Dendrogram", "Similarity matrix",
                                          "Placement matrix", "Comments (0)", "Participants (2)", "Compare segments",
                                          "Export"]
    counts = at.table[2].value
    assert list(counts.columns) == ["Wear", "Carry", "(own groups)"]
    assert counts.loc["Shoes"].tolist() == [2, 0, 0]
    assert counts.loc["Bags"].tolist() == [0, 1, 1]
    assert counts.loc["Hats"].tolist() == [1, 0, 1]
    assert "Placement matrix as SVG" in [b.label for b in at.get("download_button")]


def test_a_study_without_sorts_says_what_to_do(app_db):
    store.create_study(app_db, study_from_spec({"name": "New", "kind": "open", "cards": ["A", "B"]}, "n1"))
    at = open_page("results.py", study="n1")
    assert [(m.label, m.value) for m in at.metric] == [
        ("Participants completed", "0"), ("In progress", "0"), ("Median time to complete", "–")]
    assert [c.value for c in at.markdown][:3] == ["all in the analysis", "started and not yet submitted",
                                                  "no sorts yet"]
    assert "No sorts to analyse yet" in texts(at)
    assert len(at.tabs) == 0


def test_a_new_sort_shows_after_refresh(app_db):
    seed_open(app_db)
    at = open_page("results.py", study="s1")
    store.import_sorts(app_db, "s1", [sort("p5", 1, ("Fruit", ["c1", "c2"], None), ("Veg", ["c3", "c4"], None))])
    at.button(key="refresh").click().run()
    assert at.metric[0].value == "4"
    assert navigation(at)[2] == ["100%", "75%"]


def test_excluding_a_participant_changes_the_results_at_once(app_db):
    seed_open(app_db)
    at = open_page("results.py", study="s1")
    store.set_excluded(app_db, "s1", "p3", True)
    at.button(key="refresh").click().run()
    # Without p3, C and D were always together; "Veg" and "Vegetables" tie 1-1 and go alphabetically.
    assert navigation(at)[:3] == [["Fruit", "Veg"], ["A, B", "C, D"], ["100%", "100%"]]


def test_each_figure_says_what_it_counts(app_db):
    seed_open(app_db)
    store.import_sorts(app_db, "s1", [Sort("p4", (Group("Fruit", ("c1", "c2")), Group("Veg", ("c3", "c4"))))])
    store.set_excluded(app_db, "s1", "p3", True)
    at = open_page("results.py", study="s1")
    assert [(m.label, m.value) for m in at.metric] == [
        ("Participants completed", "4"), ("In progress", "0"), ("Median time to complete", "6 min 15 s")]
    assert [c.value for c in at.markdown][:3] == [
        "1 excluded from the analysis, 3 analysed", "started and not yet submitted",
        "from the 2 of 3 analysed participants with timing"]
    assert "2 categories from the sorts of 3 participants (average linkage)" in texts(at)


def test_one_participant_reads_in_the_singular(app_db):
    store.create_study(app_db, study_from_spec({"name": "One", "kind": "open", "cards": list("ABC")}, "o1"))
    store.import_sorts(app_db, "o1", [sort("p1", 4, ("X", ["c1", "c2"], None), ("Y", ["c3"], None))])
    at = open_page("results.py", study="o1")
    assert [c.value for c in at.markdown][2] == "from the 1 analysed participant"
    assert "from the sorts of 1 participant (average linkage)" in texts(at)


def test_comments_are_listed_with_participant_and_date(app_db):
    seed_open(app_db)
    store.import_sorts(app_db, "s1", [
        Sort("p8", (Group("All", ("c1", "c2", "c3", "c4")),), started_at=T0, finished_at=T0 + timedelta(minutes=1),
             answers={"comments": "=Too many cards", "hard_cards": ""}),
        Sort("p9", (Group("Fruit", ("c1", "c2")), Group("Veg", ("c3", "c4"))), started_at=T0,
             finished_at=T0 + timedelta(days=1, minutes=3), answers={"comments": "Veg or fruit?", "hard_cards": "C"}),
    ])
    store.set_excluded(app_db, "s1", "p8", True)
    at = open_page("results.py", study="s1")
    assert [t.label for t in at.tabs][3] == "Comments (2)"
    tab = at.tabs[3]
    assert tab.markdown[0].value == ("2 participants answered the optional questions after sorting, newest first; "
                                     "1 of them excluded from the analysis. Search or sort the table from its "
                                     "toolbar; hover a cell to read a long answer.")
    frame = tab.dataframe[0].value
    assert list(frame.columns) == ["Participant", "Submitted (UTC)", "Excluded", "Comments", "Cards hard to place"]
    assert frame.values.tolist() == [["p9", "2026-11-03 09:03", False, "Veg or fruit?", "C"],
                                     ["p8", "2026-11-02 09:01", True, "=Too many cards", "–"]]
    assert tab.get("download_button")[0].label == "Comments CSV"


def test_a_hybrid_study_names_each_category_once_and_says_why(app_db):
    from tests.cardsort.test_naming import STUDY, hybrid_sorts

    store.create_study(app_db, STUDY)
    store.import_sorts(app_db, "u1", hybrid_sorts())
    at = open_page("results.py", study="u1")
    at.number_input(key="k:u1:average").set_value(4).run()
    table = at.table[0].value
    assert list(table["Category"]) == ["About us", "About us (2)", "Current students", "Money"]
    assert list(table["Naming note"]) == [
        "–", 'Participants named this "About us", a name another category has with as many votes or more; '
        "next choice: Work with us (25%).", "–", 'Votes tie (50% each) with "Current students".']


def test_answers_to_the_study_questions_and_screened_out_participants(app_db):
    store.create_study(app_db, study_from_spec({"name": "Groceries", "kind": "open", "cards": list("ABCD"),
                                                "questions": [
        {"id": "role", "when": "pre", "type": "single", "text": "Your role?", "options": ["Cook", "Guest"],
         "screen_out": ["Guest"]},
        {"id": "ease", "type": "scale", "text": "How easy?"}]}, "s1"))
    store.import_sorts(app_db, "s1", [
        sort("p1", 5, ("Fruit", ["c1", "c2"], None), ("Veg", ["c3", "c4"], None)),
        Sort("p2", (Group("All", ("c1", "c2", "c3", "c4")),), started_at=T0, finished_at=T0 + timedelta(minutes=2),
             answers={"role": "Cook", "ease": "6"})])
    store.record_screenout(app_db, "s1", "p3", "role", {"role": "Guest"})
    at = open_page("results.py", study="s1")
    assert not at.exception
    assert at.markdown[0].value == "all in the analysis; 1 more screened out by a question, never analysed"
    assert [t.label for t in at.tabs][3] == "Answers (1)"
    frame = at.tabs[3].dataframe[0].value
    assert list(frame.columns) == ["Participant", "Submitted (UTC)", "Excluded", "answer_role", "answer_ease",
                                   "Comments", "Cards hard to place"]
    assert frame.values.tolist() == [["p2", "2026-11-02 09:02", False, "Cook", "6", "–", "–"]]
    assert at.tabs[3].get("download_button")[0].label == "Answers CSV"
