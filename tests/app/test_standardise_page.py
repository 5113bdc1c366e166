"""The "Standardise names" page in AppTest: accept, edit, reject, undo; the categories table follows."""


import pytest
from streamlit.testing.v1 import AppTest

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import sign_in_on


@pytest.fixture
def db(app_db):
    store.create_study(app_db, study_from_spec(
        {"name": "Shop", "kind": "open", "cards": ["Cart", "Invoices", "Returns"]}, "s1"))
    store.import_sorts(app_db, "s1", [
        Sort("p1", (Group("Оплата", ("c1", "c2")), Group("Help", ("c3",)))),
        Sort("p2", (Group("Оплаты", ("c1", "c2")), Group("help!", ("c3",)))),
        Sort("p3", (Group("Оплата", ("c1",)), Group("Help & support", ("c2", "c3")))),
    ])
    return app_db




def categories(at: AppTest) -> list[tuple[str, int, float]]:
    frame = at.dataframe[-1].value
    return list(zip(frame["Category"], frame["Participants"], frame["Agreement"]))


def test_suggestions_and_the_table_before_any_decision(db):
    at = sign_in_on("standardise.py", study="s1")
    assert [s.value for s in at.header] == ["Suggestions (2)", "Decisions", "Standardised categories"]
    assert [t.value for t in at.text] == ["Help · Help & support · help!", "Оплата · Оплаты"]
    # "help" (Help, help!): p1 {Returns}, p2 {Returns}: 2 / (2 x 1) = 100%.
    # "оплата": p1 {Cart, Invoices}, p3 {Cart}: 3 / (2 x 2) = 75%.
    assert categories(at) == [("Help", 2, 100.0), ("Оплата", 2, 75.0), ("Help & support", 1, 100.0),
                              ("Оплаты", 1, 100.0)]


def test_accepting_merges_labels_in_every_analysis(db):
    at = sign_in_on("standardise.py", study="s1")
    at.button(key="accept:s1:1").click().run()
    assert not at.exception and at.success[0].value == "Merged 2 labels as “Help”."
    assert store.load_label_decisions(db, "s1") == [
        {"label_key": "help", "standard_label": "Help", "status": "accepted"},
        {"label_key": "help & support", "standard_label": "Help", "status": "accepted"}]
    # Help: p1 {Returns}, p2 {Returns}, p3 {Invoices, Returns}: 4 / (3 x 2) = 67%.
    assert categories(at)[0] == ("Help", 3, 67.0)
    assert [s.value for s in at.header][0] == "Suggestions (1)"


def test_editing_the_name_and_members_is_stored_as_edited_then_undone(db):
    at = sign_in_on("standardise.py", study="s1")
    at.text_input(key="name:s1:2").input("Payment")
    at.button(key="accept:s1:2").click().run()
    assert store.load_label_decisions(db, "s1") == [
        {"label_key": "оплата", "standard_label": "Payment", "status": "edited"},
        {"label_key": "оплаты", "standard_label": "Payment", "status": "edited"}]
    assert ("Payment", 3, 83.0) in categories(at)  # 5 placements / (3 x 2)
    at.multiselect(key="undo").select("оплата").select("оплаты").run()  # the button enables
    at.button(key="undo_button").click().run()
    assert store.load_label_decisions(db, "s1") == []


def test_rejecting_keeps_labels_and_hides_the_suggestion(db):
    at = sign_in_on("standardise.py", study="s1")
    at.button(key="reject:s1:2").click().run()
    assert {r["status"] for r in store.load_label_decisions(db, "s1")} == {"rejected"}
    assert [t.value for t in at.text] == ["Help · Help & support · help!"]
    assert ("Оплаты", 1, 100.0) in categories(at)
