"""The "Standardise names" page in AppTest: accept, edit, reject, undo; the categories table follows."""


import pytest
from streamlit.testing.v1 import AppTest

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from cardsort.standardise import suggestion_id
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


HELP = suggestion_id(["help", "help & support"])
PAY = suggestion_id(["оплата", "оплаты"])


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
    at.button(key=f"accept:s1:{HELP}").click().run()
    assert not at.exception and at.success[0].value == "Merged 2 labels as “Help”."
    assert store.load_label_decisions(db, "s1") == [
        {"label_key": "help", "standard_label": "Help", "status": "accepted"},
        {"label_key": "help & support", "standard_label": "Help", "status": "accepted"}]
    # Help: p1 {Returns}, p2 {Returns}, p3 {Invoices, Returns}: 4 / (3 x 2) = 67%.
    assert categories(at)[0] == ("Help", 3, 67.0)
    assert [s.value for s in at.header][0] == "Suggestions (1)"


def test_editing_the_name_and_members_is_stored_as_edited_then_undone(db):
    at = sign_in_on("standardise.py", study="s1")
    at.text_input(key=f"name:s1:{PAY}").input("Payment")
    at.button(key=f"accept:s1:{PAY}").click().run()
    assert store.load_label_decisions(db, "s1") == [
        {"label_key": "оплата", "standard_label": "Payment", "status": "edited"},
        {"label_key": "оплаты", "standard_label": "Payment", "status": "edited"}]
    assert ("Payment", 3, 83.0) in categories(at)  # 5 placements / (3 x 2)
    at.multiselect(key="undo:s1").select("оплата").select("оплаты").run()  # the button enables
    at.button(key="undo_button:s1").click().run()
    assert store.load_label_decisions(db, "s1") == []


def test_rejecting_keeps_labels_and_hides_the_suggestion(db):
    at = sign_in_on("standardise.py", study="s1")
    at.button(key=f"reject:s1:{PAY}").click().run()
    assert {r["status"] for r in store.load_label_decisions(db, "s1")} == {"rejected"}
    assert [t.value for t in at.text] == ["Help · Help & support · help!"]
    assert ("Оплаты", 1, 100.0) in categories(at)


# --- several suggestions: widgets belong to a suggestion, not to its position ---------------------------

@pytest.fixture
def several(db):
    """s2: three suggestions (Loans, Support, Fees) and an "Alumni" label that is mostly the card's own name."""
    store.create_study(db, study_from_spec({"name": "Bank", "kind": "open", "cards": [
        "Alumni", "Donate", "Volunteer", "Annual fee", "Car loan", "Mortgage"]}, "s2"))
    store.import_sorts(db, "s2", [
        Sort("p1", (Group("Support", ("c2", "c3")), Group("Loans", ("c5", "c6")), Group("Alumni", ("c1",)),
                    Group("Fees", ("c4",)))),
        Sort("p2", (Group("Support us", ("c2", "c3")), Group("loans", ("c5", "c6")), Group("Alumni", ("c1",)),
                    Group("Fee", ("c4",)))),
        Sort("p3", (Group("Support", ("c2", "c3")), Group("Loan", ("c5", "c6")),
                    Group("Alumni & friends", ("c1",)), Group("Costs", ("c4",)))),
    ])
    return db


def boxes(at: AppTest) -> list[tuple[str, str, list[str], list[str]]]:
    """Each suggestion as the lead sees it: its spellings line, "Standard name", and the labels to merge
    (as shown, and the keys behind them)."""
    names = [w for w in at.text_input if w.label == "Standard name"]
    merges = [w for w in at.multiselect if w.label == "Merge these labels"]
    return [(t.value, n.value, m.indices and [m.options[i] for i in m.indices] or [], list(m.value))
            for t, n, m in zip(at.text, names, merges)]


def press(at: AppTest, label: str, n: int = 0) -> AppTest:
    """Press the n-th button with this label (counted down the page), as a user would."""
    [b for b in at.button if b.label == label][n].click().run()
    assert not at.exception
    return at


LOANS = ("Loan · Loans · loans", "Loans", ["Loans", "Loan"], ["loans", "loan"])
SUPPORT = ("Support · Support us", "Support", ["Support", "Support us"], ["support", "support us"])
FEES = ("Fee · Fees", "Fee", ["Fee", "Fees"], ["fee", "fees"])


def test_suggestions_show_what_participants_wrote_and_leave_card_names_alone(several):
    at = sign_in_on("standardise.py", study="s2")
    assert at.header[0].value == "Suggestions (3)"
    assert boxes(at) == [LOANS, SUPPORT, FEES]
    assert [m.value for m in at.markdown if m.value.startswith("**")] == [
        "**1. 3 spellings, 3 groups**", "**2. 2 spellings, 3 groups**", "**3. 2 spellings, 2 groups**"]


def test_accepting_one_then_the_next_saves_each_under_its_own_name(several):
    at = sign_in_on("standardise.py", study="s2")
    press(at, "Accept merge")
    assert at.success[0].value == "Merged 2 labels as “Loans”."
    assert boxes(at) == [SUPPORT, FEES]  # the next suggestion shows its own name and labels
    press(at, "Accept merge")
    assert at.success[0].value == "Merged 2 labels as “Support”."
    assert boxes(at) == [FEES]
    at.multiselect(key=f"keys:s2:{suggestion_id(['fee', 'fees'])}").unselect("fees").run()
    press(at, "Accept merge")
    assert at.success[0].value == "Merged 1 label as “Fee”."
    assert store.load_label_decisions(several, "s2") == [
        {"label_key": "fee", "standard_label": "Fee", "status": "edited"},
        {"label_key": "loan", "standard_label": "Loans", "status": "accepted"},
        {"label_key": "loans", "standard_label": "Loans", "status": "accepted"},
        {"label_key": "support", "standard_label": "Support", "status": "accepted"},
        {"label_key": "support us", "standard_label": "Support", "status": "accepted"}]
    assert at.header[0].value == "Suggestions (0)"


def test_rejecting_one_then_accepting_the_next(several):
    at = sign_in_on("standardise.py", study="s2")
    press(at, "Reject")
    assert boxes(at) == [SUPPORT, FEES]
    press(at, "Accept merge")
    assert at.success[0].value == "Merged 2 labels as “Support”."
    assert {(r["label_key"], r["status"]) for r in store.load_label_decisions(several, "s2")} == {
        ("loans", "rejected"), ("loan", "rejected"), ("support", "accepted"), ("support us", "accepted")}
    decisions = at.dataframe[0].value  # as participants wrote the labels, not their lowercase keys
    assert list(zip(decisions["Label"], decisions["Standard name"], decisions["Decision"])) == [
        ("Loan", "(kept as written)", "rejected"), ("Loans", "(kept as written)", "rejected"),
        ("Support", "Support", "accepted"), ("Support us", "Support", "accepted")]
    assert at.multiselect(key="undo:s2").options == ["Loan", "Loans", "Support", "Support us"]
    at.multiselect(key="undo:s2").select("support us").run()
    at.button(key="undo_button:s2").click().run()
    assert at.success[0].value == "Undid 1 decision."


def test_a_typed_name_stays_with_its_suggestion_when_another_is_decided(several):
    at = sign_in_on("standardise.py", study="s2")
    at.text_input(key=f"name:s2:{suggestion_id(['fee', 'fees'])}").input("Fees & charges").run()
    press(at, "Accept merge")  # Loans
    assert boxes(at) == [SUPPORT, (FEES[0], "Fees & charges", *FEES[2:])]
    press(at, "Accept merge", 1)
    assert at.success[0].value == "Merged 2 labels as “Fees & charges”."


def test_switching_study_and_back_shows_each_studys_own_suggestions(several):
    at = sign_in_on("standardise.py", study="s2")
    assert boxes(at)[0] == LOANS
    at.selectbox(key="standardise_study").select("s1").run()
    assert [b[1] for b in boxes(at)] == ["Help", "Оплата"]
    press(at, "Accept merge")
    assert at.success[0].value == "Merged 2 labels as “Help”."
    at.selectbox(key="standardise_study").select("s2").run()
    assert boxes(at) == [LOANS, SUPPORT, FEES]
    press(at, "Accept merge")
    assert at.success[0].value == "Merged 2 labels as “Loans”."
