"""Card order inside groups on the researcher pages: the setting on the Studies page, the average positions
on the Results page (hand-computed, as in tests/cardsort/test_positions.py)."""

from dataclasses import replace

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import open_page, texts

SPEC = {"name": "Bank", "kind": "hybrid", "cards": ["Opening hours", "Invoices", "Refunds", "Contact"],
        "categories": ["Billing", "Help"], "settings": {"order_within_groups": True}}
SORTS = [
    Sort("p1", (Group("Billing", ("c2", "c3", "c1"), "k1"), Group("Help", ("c4",), "k2"))),
    Sort("p2", (Group("Billing", ("c3", "c2"), "k1"), Group("Help", ("c1", "c4"), "k2"))),
    Sort("p3", (Group("Mine", ("c4",)), Group("Billing", ("c2", "c1", "c3"), "k1"))),
]


def test_results_show_the_average_positions_beside_the_placement_matrix(app_db):
    store.create_study(app_db, study_from_spec(SPEC, "o1"))
    store.import_sorts(app_db, "o1", SORTS)
    at = open_page("results.py", study="o1")
    assert not at.exception
    assert "Average position inside each category" in [s.value for s in at.header]
    positions = at.table[3].value
    assert list(positions.columns) == ["Billing", "Help"]
    assert positions.to_numpy().tolist() == [
        ["2.50 (n = 2)", "1.00 (n = 1)"], ["1.33 (n = 3)", "–"], ["2.00 (n = 3)", "–"], ["–", "1.50 (n = 2)"]]
    assert "Average positions CSV" in [b.label for b in at.get("download_button")]

    store.set_exclusions(app_db, "o1", {"p2": True})
    at = open_page("results.py", study="o1")
    assert at.table[3].value.to_numpy().tolist() == [
        ["2.50 (n = 2)", "–"], ["1.00 (n = 2)", "–"], ["2.50 (n = 2)", "–"], ["–", "1.00 (n = 1)"]]


def test_the_average_positions_follow_the_segment(app_db):
    store.create_study(app_db, study_from_spec(SPEC, "o3"))
    roles = {"p1": "staff", "p2": "student", "p3": "staff"}
    store.import_sorts(app_db, "o3", [replace(s, answers={"role": roles[s.participant_id]}) for s in SORTS])
    at = open_page("results.py", study="o3", segment='{"answers": {"role": "staff"}}')
    assert not at.exception
    assert at.table[3].value.to_numpy().tolist() == [  # p1 and p3 only
        ["2.50 (n = 2)", "–"], ["1.00 (n = 2)", "–"], ["2.50 (n = 2)", "–"], ["–", "1.00 (n = 1)"]]


def test_without_the_setting_there_are_no_average_positions(app_db):
    store.create_study(app_db, study_from_spec({**SPEC, "settings": {}}, "o2"))
    store.import_sorts(app_db, "o2", SORTS)
    at = open_page("results.py", study="o2")
    assert "Average position inside each category" not in [s.value for s in at.header]
    assert "Average positions CSV" not in [b.label for b in at.get("download_button")]
    assert "average position" not in " ".join(texts(at))


def test_the_setting_is_set_and_kept_on_the_studies_page(app_db):
    at = open_page("studies.py")
    new = "form:+new"
    assert at.checkbox(key=f"{new}:order_within_groups").value is False
    at.text_input(key=f"{new}:name").input("Priorities")
    at.text_area(key=f"{new}:cards").input("Opening hours\nInvoices")
    at.checkbox(key=f"{new}:order_within_groups").check()
    at.button(key=f"{new}:save").click().run()
    assert not at.exception
    [row] = store.list_studies(app_db)
    assert store.get_study(app_db, row["id"]).settings.order_within_groups is True
    assert at.checkbox(key=f"form:{row['id']}:order_within_groups").value is True  # the stored study's form
    at.checkbox(key=f"form:{row['id']}:order_within_groups").uncheck()
    at.button(key=f"form:{row['id']}:save").click().run()
    assert store.get_study(app_db, row["id"]).settings.order_within_groups is False
