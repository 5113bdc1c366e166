"""Import page: detect, check and preview first; store all sorts or none; errors name file and line."""

from cardsort import formats, store
from cardsort.model import study_from_spec
from tests.app._researcher import open_page, texts

CASOLYSIS = (b"card_id,card_label,category_id,category_label,user_id\n"
             b"1,Shoes,10,Wear,u1\n2,Bags,11,Carry,u1\n3,Hats,10,Wear,u1\n"
             b"1,Shoes,20,Clothes,u2\n3,Hats,20,Clothes,u2\n2,Bags,21,Bags,u2\n")


def seed(engine):
    store.create_study(engine, study_from_spec({"name": "Shop", "kind": "open", "cards": ["Shoes", "Bags", "Hats"]},
                                               "s1"))


def upload(at, name: str, data: bytes):
    at.file_uploader(key="import_file:0").upload(name, data, "text/csv")
    return at.run()


def test_casolysis_file_is_previewed_then_imported(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "kardsort.csv", CASOLYSIS)
    assert not at.exception
    assert "**Format:** Casolysis CSV (Kardsort). **Sorts:** 2 participants, 6 cards placed, into “Shop”." \
        in texts(at)
    preview = at.table[0].value
    assert list(preview.index) == ["u1", "u2"]
    assert preview["Groups"].tolist() == [2, 2]
    assert preview["Group names"].tolist() == ["Wear; Carry", "Clothes; Bags"]
    assert store.load_sorts(app_db, "s1") == []  # nothing before confirming

    at.button(key="import_confirm").click().run()
    stored = store.load_sorts(app_db, "s1")
    assert [(s.participant_id, [(g.label, list(g.cards)) for g in s.groups]) for s in stored] == [
        ("u1", [("Wear", ["c1", "c3"]), ("Carry", ["c2"])]),
        ("u2", [("Clothes", ["c1", "c3"]), ("Bags", ["c2"])]),
    ]
    assert [s.value for s in at.success] == ["Imported 2 sorts from kardsort.csv."]
    assert at.file_uploader(key="import_file:1").value is None  # a fresh upload field


def test_a_bad_file_names_the_file_the_line_and_the_problem(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "long.csv",
                b"participant,card,category\np1,Shoes,Wear\np1,Socks,Wear\n")
    assert [e.value for e in at.error] == [
        "This file cannot be imported. long.csv, line 3: unknown card 'Socks': not a card of study 'Shop'."]
    assert [b.key for b in at.button] == ["sign_out"]  # no import button
    assert store.load_sorts(app_db, "s1") == []


def stored(engine) -> list[tuple[str, list[tuple[str, list[str]]]]]:
    return [(s.participant_id, [(g.label, list(g.cards)) for g in s.groups]) for s in store.load_sorts(engine, "s1")]


def test_the_same_file_twice_is_previewed_as_already_imported_and_nothing_is_duplicated(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "kardsort.csv", CASOLYSIS)
    at.button(key="import_confirm").click().run()
    before = stored(app_db)
    at.file_uploader(key="import_file:1").upload("kardsort.csv", CASOLYSIS, "text/csv")
    at.run()
    assert not at.exception
    assert [i.value for i in at.info] == ["Nothing new to import: all 2 participants already have sorts."]
    assert at.table[0].value["Already has a sort"].tolist() == ["yes", "yes"]
    assert [b.key for b in at.button] == ["sign_out"]  # no import button
    assert stored(app_db) == before


def test_participants_who_already_have_sorts_are_named_and_skipped(app_db):
    seed(app_db)
    store.import_sorts(app_db, "s1", formats.sorts_for_study(formats.read_bytes(CASOLYSIS), store.get_study(
        app_db, "s1")))  # u1 and u2
    before = stored(app_db)
    again = CASOLYSIS + b"1,Shoes,30,Feet,u3\n2,Bags,31,Hands,u3\n3,Hats,32,Head,u3\n"
    at = upload(open_page("import_data.py", study="s1"), "again.csv", again)
    assert not at.exception
    assert [w.value for w in at.warning] == ["2 of 3 participants in this file already have sorts: u1, u2."]
    (skip,) = at.checkbox
    assert skip.label == "Skip them and import the other 1" and skip.value is True
    assert at.table[0].value["Already has a sort"].tolist() == ["yes", "yes", "no"]
    assert at.button(key="import_confirm").label == "Import 1 sort"

    skip.uncheck().run()  # without skipping: refused before Import
    assert [e.value for e in at.error] == [
        "This file cannot be imported as it is: a participant can have only one sort in a study, and 2 participants "
        "here already have one. Skip them, or remove them from the file."]
    assert [b.key for b in at.button] == ["sign_out"]
    assert stored(app_db) == before

    at.checkbox[0].check().run()
    at.button(key="import_confirm").click().run()
    assert [s.value for s in at.success] == [
        "Imported 1 sort from again.csv; skipped 2 participants who already had sorts."]
    assert stored(app_db) == [*before, ("u3", [("Feet", ["c1"]), ("Hands", ["c2"]), ("Head", ["c3"])])]

    at.file_uploader(key="import_file:1").upload("again.csv", again, "text/csv")
    at.run()
    assert [i.value for i in at.info] == ["Nothing new to import: all 3 participants already have sorts."]
    assert len(store.load_sorts(app_db, "s1")) == 3


def test_one_participant_already_there_is_named_in_the_singular(app_db):
    seed(app_db)
    store.import_sorts(app_db, "s1", formats.sorts_for_study(formats.read_bytes(CASOLYSIS), store.get_study(
        app_db, "s1"))[1:])  # u2
    at = upload(open_page("import_data.py", study="s1"), "kardsort.csv", CASOLYSIS)
    assert [w.value for w in at.warning] == ["1 of 2 participants in this file already has a sort: u2."]
    at.button(key="import_confirm").click().run()
    assert [s.value for s in at.success] == [
        "Imported 1 sort from kardsort.csv; skipped 1 participant who already had sorts."]
    assert [s.participant_id for s in store.load_sorts(app_db, "s1")] == ["u2", "u1"]


def test_a_file_without_the_category_column_names_it_and_the_columns_found(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "long.csv",
                b"participant,card,group\np1,Shoes,Wear\n")
    assert [e.value for e in at.error] == [
        "This file cannot be imported. long.csv, line 1: the file has no 'category' column (found: participant, "
        "card, group). A long CSV needs participant, card, category."]
    assert [b.key for b in at.button] == ["sign_out"]


def test_a_semicolon_file_as_excel_saves_it_is_read_and_the_preview_says_so(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "excel.csv",
                "\ufeffparticipant;card;category\np1;Shoes;Wear\np1;Hats;Wear\np1;Bags;Carry\n".encode())
    assert not at.exception and not at.error
    assert "**Format:** Long CSV (participant, card, category), columns separated by ';' (read like commas). " \
        "**Sorts:** 1 participant, 3 cards placed, into “Shop”." in texts(at)
    at.button(key="import_confirm").click().run()
    assert stored(app_db) == [("p1", [("Wear", ["c1", "c3"]), ("Carry", ["c2"])])]
    assert [s.value for s in at.success] == ["Imported 1 sort from excel.csv."]


def test_a_semicolon_file_missing_a_column_names_the_delimiter(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "excel.csv", b"participant;card;group\np1;Shoes;Wear\n")
    assert [e.value for e in at.error] == [
        "This file cannot be imported. excel.csv, line 1: the file has no 'category' column (found: participant, "
        "card, group; columns separated by ';'). A long CSV needs participant, card, category."]


def test_a_file_whose_card_ids_name_other_cards_is_refused(app_db):
    seed(app_db)  # c1 Shoes, c2 Bags, c3 Hats
    data = (b"card_id,card_label,category_id,category_label,user_id\n"
            b"c1,Shoes,g1,Wear,u1\nc2,Hats,g1,Wear,u1\n")
    at = upload(open_page("import_data.py", study="s1"), "other-study.csv", data)
    assert [e.value for e in at.error] == [
        "This file cannot be imported. other-study.csv, line 3: card id 'c2' is 'Hats' in the file but 'Bags' in "
        "this study. Import into the study the file came from, or a duplicate of it."]
    assert store.load_sorts(app_db, "s1") == []
