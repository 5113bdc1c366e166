"""Studies page: create, validate, edit (ids kept), open and close, duplicate, cards from CSV, the link."""

from cardsort import store
from cardsort.i18n import translate
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import open_page, texts

NEW = "form:+new"


def seed(engine, spec: dict, study_id: str = "s1"):
    return store.create_study(engine, study_from_spec(spec, study_id))


def test_create_an_open_study_from_pasted_cards(app_db):
    at = open_page("studies.py")
    assert [o for o in at.selectbox(key="edit_study").options] == ["New study"]
    at.text_input(key=f"{NEW}:name").input("Library website")
    at.text_area(key=f"{NEW}:cards").input("Opening hours | When we are open\n\nRenew a loan\nEvents")
    at.selectbox(key=f"{NEW}:language").select("fa")
    at.checkbox(key=f"{NEW}:randomize").uncheck()
    at.number_input(key=f"{NEW}:max_groups").set_value(5)
    at.button(key=f"{NEW}:save").click().run()
    assert not at.exception
    [row] = store.list_studies(app_db)
    study = store.get_study(app_db, row["id"])
    assert (study.name, study.kind, study.language, study.status) == ("Library website", "open", "fa", "draft")
    assert [(c.id, c.label, c.description) for c in study.cards] == [
        ("c1", "Opening hours", "When we are open"), ("c2", "Renew a loan", None), ("c3", "Events", None)]
    assert study.settings.randomize is False and study.settings.max_groups == 5
    assert "Created “Library website”" in texts(at)
    assert at.selectbox(key="edit_study").value == study.id  # the new study is now the one shown
    assert f"/sort?study={study.id}" in texts(at)


def test_validation_errors_are_shown_and_nothing_is_saved(app_db):
    at = open_page("studies.py")
    at.text_input(key=f"{NEW}:name").input("Shop")
    at.text_area(key=f"{NEW}:cards").input("Shoes\nBags\nShoes")
    at.button(key=f"{NEW}:save").click().run()
    assert [e.value for e in at.error] == ["Not saved: card 3: the label 'Shoes' is used twice."]
    assert store.list_studies(app_db) == []

    at.text_area(key=f"{NEW}:cards").input("Shoes\nBags")
    at.radio(key=f"{NEW}:kind").set_value("closed")
    at.button(key=f"{NEW}:save").click().run()
    assert [e.value for e in at.error] == ["Not saved: a closed sort needs at least one category."]
    assert store.list_studies(app_db) == []

    at.text_area(key=f"{NEW}:categories").input("Men\nWomen")
    at.button(key=f"{NEW}:save").click().run()
    [row] = store.list_studies(app_db)
    assert [c.label for c in store.get_study(app_db, row["id"]).categories] == ["Men", "Women"]


def test_editing_keeps_the_ids_of_unchanged_cards_and_categories(app_db):
    seed(app_db, {"name": "S", "kind": "hybrid", "status": "open", "cards": ["A", "B", "C"],
                  "categories": ["X", "Y"]})
    at = open_page("studies.py", study="s1")
    form = "form:s1"
    assert at.text_area(key=f"{form}:cards").value == "A\nB\nC"
    at.text_area(key=f"{form}:cards").input("C\nD\nA")
    at.text_area(key=f"{form}:categories").input("Y\nZ")
    at.text_input(key=f"{form}:name").input("S, second round")
    at.button(key=f"{form}:save").click().run()
    study = store.get_study(app_db, "s1")
    assert study.name == "S, second round" and study.status == "open"
    assert [(c.id, c.label) for c in study.cards] == [("c3", "C"), ("c4", "D"), ("c1", "A")]
    assert [(c.id, c.label) for c in study.categories] == [("k2", "Y"), ("k3", "Z")]
    assert "Saved “S, second round”." in texts(at)


def test_open_close_and_duplicate(app_db):
    seed(app_db, {"name": "Draft study", "kind": "open", "status": "draft", "cards": ["A", "B"],
                  "settings": {"subset": 1}})
    at = open_page("studies.py", study="s1")
    at.button(key="open:s1").click().run()
    assert store.get_study(app_db, "s1").status == "open"
    assert at.radio(key="form:s1:status").value == "open"  # the form follows
    at.button(key="close:s1").click().run()
    assert store.get_study(app_db, "s1").status == "closed"

    at.button(key="dup:s1").click().run()
    copies = [r for r in store.list_studies(app_db) if r["id"] != "s1"]
    assert [(r["name"], r["status"], r["cards"], r["participants"]) for r in copies] == [
        ("Draft study (copy)", "draft", 2, 0)]
    assert store.get_study(app_db, copies[0]["id"]).settings.subset == 1
    assert at.selectbox(key="edit_study").value == copies[0]["id"]


def test_cards_from_a_csv_file_fill_the_card_list(app_db):
    at = open_page("studies.py")
    at.file_uploader(key=f"{NEW}:upload").upload(
        "cards.csv", b"label,description\nOpening hours,When we are open\nRenew a loan,\n", "text/csv")
    at.run()
    assert at.text_area(key=f"{NEW}:cards").value == "Opening hours | When we are open\nRenew a loan"
    assert "Loaded 2 cards from cards.csv" in texts(at)


def test_a_bad_card_csv_names_the_line(app_db):
    at = open_page("studies.py")
    at.file_uploader(key=f"{NEW}:upload").upload("cards.csv", b"label\nok\n,\n x , y , z , w\n", "text/csv")
    at.run()
    assert [e.value for e in at.error] == ["Cards not loaded: cards.csv, line 4: 4 columns; expected label, "
                                           "description, image."]
    assert at.text_area(key=f"{NEW}:cards").value == ""


def test_the_list_shows_every_study_and_the_preview_speaks_the_study_language(app_db):
    seed(app_db, {"name": "Persian study", "kind": "closed", "language": "fa", "cards": ["کتاب", "قلم"],
                  "categories": ["خرید"]})
    at = open_page("studies.py", study="s1")
    table = at.table[0].value
    assert list(table.index) == ["Persian study"]
    assert list(table.loc["Persian study", ["Status", "Kind", "Language", "Cards", "Sorts"]]) == [
        "open", "closed", "fa", 2, 0]
    html = at.get("html")[0].proto.body
    assert 'lang="fa" dir="rtl"' in html
    assert "/sort?study=s1" in texts(at)


def test_another_language_takes_a_bcp47_code(app_db):
    at = open_page("studies.py")
    at.text_input(key=f"{NEW}:name").input("Umfrage")
    at.text_area(key=f"{NEW}:cards").input("Öffnungszeiten\nKontakt")
    at.selectbox(key=f"{NEW}:language").select("other").run()
    at.text_input(key=f"{NEW}:language_code").input("de CH")
    at.button(key=f"{NEW}:save").click().run()
    assert [e.value for e in at.error] == ["Not saved: language must be a BCP 47 code such as en, fa, ar-EG, "
                                           "not 'de CH'."]
    at.text_input(key=f"{NEW}:language_code").input("de-CH")
    at.button(key=f"{NEW}:save").click().run()
    [row] = store.list_studies(app_db)
    assert row["language"] == "de-CH"


# --- the form follows the study shown (A, then B, then A; after a save, a rename, a close) ---------

def seed_two(engine):
    """A, an open closed-sort study with 2 sorts, and B, a draft open sort."""
    seed(engine, {"name": "Library website", "kind": "closed", "status": "open", "language": "fa",
                  "cards": ["Opening hours", "Renew a loan"], "categories": ["Visit", "Borrow"],
                  "settings": {"max_groups": 4}}, "sa")
    seed(engine, {"name": "Shop", "kind": "open", "status": "draft", "cards": ["Shoes"]}, "sb")
    for pid in ("p1", "p2"):
        store.submit_sort(engine, "sa", Sort(pid, (Group("Visit", ("c1", "c2"), "k1"),)))


def form_values(at, study_id: str) -> tuple:
    form = f"form:{study_id}"
    return (at.text_input(key=f"{form}:name").value, at.radio(key=f"{form}:kind").value,
            at.radio(key=f"{form}:status").value, at.selectbox(key=f"{form}:language").value,
            at.text_area(key=f"{form}:cards").value, at.text_area(key=f"{form}:categories").value,
            at.number_input(key=f"{form}:max_groups").value)


A_FORM = ("Library website", "closed", "open", "fa", "Opening hours\nRenew a loan", "Visit\nBorrow", 4)


def test_a_then_b_then_a_shows_a_filled_form_each_time(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sa")
    assert form_values(at, "sa") == A_FORM
    at.selectbox(key="edit_study").select("sb").run()
    assert form_values(at, "sb") == ("Shop", "open", "draft", "en", "Shoes", "", None)
    at.selectbox(key="edit_study").select("sa").run()
    assert not at.exception
    assert form_values(at, "sa") == A_FORM
    at.selectbox(key="edit_study").select("sb").run()
    at.selectbox(key="edit_study").select("sa").run()
    at.button(key="form:sa:save").click().run()  # saving the form as shown changes nothing
    assert at.error == [] and "Saved “Library website”." in texts(at)
    assert form_values(at, "sa") == A_FORM


def test_what_was_typed_stays_while_the_same_study_is_shown(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sa")
    at.text_input(key="form:sa:name").input("Library website, round 2").run()
    at.checkbox(key="form:sa:randomize").uncheck().run()
    assert at.text_input(key="form:sa:name").value == "Library website, round 2"
    assert store.get_study(app_db, "sa").name == "Library website"


def test_a_rename_shows_in_the_picker_and_the_heading(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sb")
    at.selectbox(key="edit_study").select("sa").run()
    at.text_input(key="form:sa:name").input("Library website, round 2")
    at.radio(key="form:sa:status").set_value("closed")
    at.button(key="form:sa:save").click().run()
    picker = at.selectbox(key="edit_study")
    assert picker.value == "sa"
    assert picker.format_func("sa") == "Library website, round 2 (closed, 2 sorts)"
    assert at.header[0].value == "Library website, round 2"
    assert form_values(at, "sa")[:3] == ("Library website, round 2", "closed", "closed")


def test_closing_a_study_keeps_it_shown_with_its_form_filled(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sb")
    at.selectbox(key="edit_study").select("sa").run()
    at.button(key="close:sa").click().run()
    assert store.get_study(app_db, "sa").status == "closed"
    assert at.selectbox(key="edit_study").value == "sa"
    assert at.header[0].value == "Library website"
    assert form_values(at, "sa") == A_FORM[:2] + ("closed",) + A_FORM[3:]
    at.button(key="open:sa").click().run()
    assert form_values(at, "sa") == A_FORM


# --- what participants read ------------------------------------------------------------------------

def test_participant_texts_are_saved_and_empty_means_the_default(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sa")
    form = "form:sa"
    title = at.text_input(key=f"{form}:text_title")
    assert title.value == "" and title.placeholder == translate("fa", "page_title")  # the default, in Persian
    assert at.text_area(key=f"{form}:text_thank_you").placeholder == translate("fa", "thanks_body")
    title.input("کمک به سایت کتابخانه")
    at.text_area(key=f"{form}:text_welcome").input("سلام!")
    at.button(key=f"{form}:save").click().run()
    texts_ = store.get_study(app_db, "sa").texts
    assert (texts_.title, texts_.welcome, texts_.instructions, texts_.thank_you) == (
        "کمک به سایت کتابخانه", "سلام!", "", "")
    assert at.text_input(key=f"{form}:text_title").value == "کمک به سایت کتابخانه"
    at.text_input(key=f"{form}:text_title").input("")
    at.button(key=f"{form}:save").click().run()
    assert store.get_study(app_db, "sa").texts.title == ""


def test_texts_stop_at_their_limit_and_bad_text_is_refused_with_its_name(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sb")
    at.text_area(key="form:sb:text_welcome").input("Hello\x00there")
    at.button(key="form:sb:save").click().run()
    assert [e.value for e in at.error] == ["Not saved: texts.welcome contains a NUL character."]
    assert store.get_study(app_db, "sb").texts.welcome == ""
    at.text_area(key="form:sb:text_welcome").input("")
    assert at.text_area(key="form:sb:text_instructions").max_chars == 2000  # the browser stops there
    at.text_area(key="form:sb:text_instructions").input("x" * 2000)
    at.button(key="form:sb:save").click().run()
    assert at.error == [] and store.get_study(app_db, "sb").texts.instructions == "x" * 2000


# --- archive and delete ----------------------------------------------------------------------------

def everything(engine) -> tuple:
    return (sorted(r["id"] for r in store.list_studies(engine, include_archived=True)),
            {sid: store.participant_ids(engine, sid) for sid in ("sa", "sb")},
            {sid: store.participant_counts(engine, sid) for sid in ("sa", "sb")})


def test_deleting_a_study_asks_first_naming_it_and_what_goes(app_db):
    seed_two(app_db)
    store.save_draft(app_db, "sa", "p9", {"groups": [], "unsorted": ["c1"]})
    before = everything(app_db)
    at = open_page("studies.py", study="sa")
    at.button(key="delete:sa").click().run()
    assert [w.value for w in at.warning if "Delete" in w.value] == [
        "Delete “Library website” and its 2 sorts? This also deletes its 2 cards, 2 categories and 1 board in "
        "progress\\. This cannot be undone; export the results first if you may need them\\."]
    at.button(key="delete_no:sa").click().run()
    assert everything(app_db) == before
    assert "Cancelled: nothing was deleted." in texts(at)
    assert not [w for w in at.warning if "Delete" in w.value]

    at.button(key="delete:sa").click().run()
    at.button(key="delete_yes:sa").click().run()
    assert sorted(r["id"] for r in store.list_studies(app_db, include_archived=True)) == ["sb"]
    assert store.participant_counts(app_db, "sa") == {"completed": 0, "in_progress": 0}
    assert "Deleted “Library website” with its 2 sorts and 2 cards." in texts(at)
    assert at.selectbox(key="edit_study").value == "+new"
    assert list(at.selectbox(key="edit_study").options) == ["New study", "Shop (draft, 0 sorts)"]


def test_deleting_one_participants_sort_asks_first(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sa")
    assert at.button(key="delete_sort:sa").disabled  # no participant chosen yet
    at.selectbox(key="delete_pid:sa").select("p1").run()
    at.button(key="delete_sort:sa").click().run()
    assert [w.value for w in at.warning if "Delete" in w.value] == [
        "Delete the sort of participant “p1”? Their groups and answers go; the 1 other sort stays\\. "
        "This cannot be undone\\."]
    at.button(key="delete_sort_no:sa").click().run()
    assert store.participant_ids(app_db, "sa") == ["p1", "p2"]

    at.button(key="delete_sort:sa").click().run()
    at.button(key="delete_sort_yes:sa").click().run()
    assert store.participant_ids(app_db, "sa") == ["p2"]
    assert store.get_study(app_db, "sa").name == "Library website"
    assert "Deleted the sort of participant “p1”." in texts(at)
    assert at.selectbox(key="edit_study").value == "sa"
    # the picker's count follows (its wording, "1 sort(s)", is the picker's own, in _common.py)
    assert at.selectbox(key="edit_study").format_func("sa") == "Library website (open, 1 sort)"
    assert list(at.selectbox(key="delete_pid:sa").options) == ["p2"]


def test_archive_hides_the_study_until_archived_studies_are_shown(app_db):
    seed_two(app_db)
    at = open_page("studies.py", study="sa")
    at.button(key="archive:sa").click().run()
    study = store.get_study(app_db, "sa")
    assert (study.archived, study.status) == (True, "closed")
    assert "Archived “Library website”" in texts(at)
    assert list(at.selectbox(key="edit_study").options) == ["New study", "Shop (draft, 0 sorts)"]
    assert list(at.table[0].value.index) == ["Shop"]

    at.checkbox(key="show_archived").check().run()
    assert list(at.table[0].value["Archived"]) == ["", "archived"]
    at.selectbox(key="edit_study").select("sa").run()
    assert "This study is archived" in texts(at)
    assert form_values(at, "sa") == A_FORM[:2] + ("closed",) + A_FORM[3:]
    at.button(key="form:sa:save").click().run()  # saving an archived study keeps it archived
    assert store.get_study(app_db, "sa").archived
    at.button(key="unarchive:sa").click().run()
    assert not store.get_study(app_db, "sa").archived
    at.checkbox(key="show_archived").uncheck().run()
    assert at.selectbox(key="edit_study").value == "sa"


def test_one_card_from_a_csv_file_is_counted_in_the_singular(app_db):
    at = open_page("studies.py")
    at.file_uploader(key=f"{NEW}:upload").upload("cards.csv", b"label\nOpening hours\n", "text/csv")
    at.run()
    assert "Loaded 1 card from cards.csv. Check the list, then save." in texts(at)


def test_questions_and_screening_are_edited_as_the_spec_json(app_db):
    seed(app_db, {"name": "S", "kind": "open", "status": "open", "cards": ["A", "B"]})
    at = open_page("studies.py", study="s1")
    form = "form:s1"
    assert at.text_area(key=f"{form}:questions").value == ""
    at.text_area(key=f"{form}:questions").input('[{"id": "role", "when": "pre", "type": "single"')
    at.button(key=f"{form}:save").click().run()
    assert [e.value for e in at.error] == [
        "Not saved: the questions are not valid JSON (Expecting ',' delimiter at line 1, column 48)."]
    at.text_area(key=f"{form}:questions").input(
        '[{"id": "role", "when": "pre", "type": "single", "text": "Role?", "options": ["A", "B"], '
        '"screen_out": ["C"]}]')
    at.button(key=f"{form}:save").click().run()
    assert [e.value for e in at.error] == [
        "Not saved: question 1 ('role'): screen_out lists 'C', which is not one of its options."]
    assert store.get_study(app_db, "s1").questions == ()

    at.text_area(key=f"{form}:questions").input(
        '[{"id": "role", "when": "pre", "type": "single", "text": "Role?", "options": ["A", "B"], '
        '"screen_out": ["B"], "required": true}]')
    at.text_input(key=f"{form}:panel_screenout_url").input("https://panel.example/out")
    at.text_area(key=f"{form}:text_screen_out").input("Not this time, thank you.")
    at.button(key=f"{form}:save").click().run()
    assert not at.error
    study = store.get_study(app_db, "s1")
    assert [(q.id, q.screen_out, q.required) for q in study.questions] == [("role", ("B",), True)]
    assert study.panel.screenout_url == "https://panel.example/out"
    assert study.texts.screen_out == "Not this time, thank you."
    assert '"screen_out": [\n      "B"\n    ]' in at.text_area(key=f"{form}:questions").value  # shown as stored

    store.record_screenout(app_db, "s1", "p9", "role", {"role": "B"})
    at = open_page("studies.py", study="s1")
    assert "1 screened out by a question (never analysed)" in texts(at)
