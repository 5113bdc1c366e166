"""Import page: detect, check and preview first; store all sorts or none; errors name file and line."""

from cardsort import store
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


def test_one_transaction_a_known_participant_stops_the_whole_import(app_db):
    seed(app_db)
    at = upload(open_page("import_data.py", study="s1"), "kardsort.csv", CASOLYSIS)
    at.button(key="import_confirm").click().run()
    again = CASOLYSIS.replace(b",u1\n", b",u9\n")  # u9 is new, u2 is already there
    at.file_uploader(key="import_file:1").upload("again.csv", again, "text/csv")
    at.run()
    at.button(key="import_confirm").click().run()
    assert [e.value for e in at.error] == [
        "Nothing was imported: participant 'u2' already has a sort in this study."]
    assert [s.participant_id for s in store.load_sorts(app_db, "s1")] == ["u1", "u2"]


def test_a_file_whose_card_ids_name_other_cards_is_refused(app_db):
    seed(app_db)  # c1 Shoes, c2 Bags, c3 Hats
    data = (b"card_id,card_label,category_id,category_label,user_id\n"
            b"c1,Shoes,g1,Wear,u1\nc2,Hats,g1,Wear,u1\n")
    at = upload(open_page("import_data.py", study="s1"), "other-study.csv", data)
    assert [e.value for e in at.error] == [
        "This file cannot be imported. other-study.csv, line 3: card id 'c2' is 'Hats' in the file but 'Bags' in "
        "this study. Import into the study the file came from, or a duplicate of it."]
    assert store.load_sorts(app_db, "s1") == []
