"""Paper sorts page: the printable cards download, and a paper sort typed in, checked, saved and analysed."""

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from cardsort.paper import is_paper
from tests.app._researcher import open_page, texts


def seed(engine, kind="open", categories=None):
    spec = {"name": "Shop", "kind": kind, "cards": ["Shoes", "Bags", "Hats", "Socks"]}
    if categories:
        spec["categories"] = categories
    store.create_study(engine, study_from_spec(spec, "s1"))
    closed = kind == "closed"
    store.import_sorts(engine, "s1", [Sort("online", (Group("Wear", ("c1", "c3", "c4"), "k1" if closed else None),
                                                      Group("Carry", ("c2",), "k2" if closed else None)))])


def fill(at, pid: str, *groups: tuple[str, str]):
    at.text_input(key="paper:s1:0:pid").input(pid)
    for i, (label, numbers) in enumerate(groups, start=1):
        at.text_input(key=f"paper:s1:0:g{i}:label").input(label)
        at.text_input(key=f"paper:s1:0:g{i}:cards").input(numbers)
    return at


def test_the_page_offers_the_cards_and_an_empty_form(app_db):
    seed(app_db)
    at = open_page("paper.py", study="s1")
    assert not at.exception
    assert [t.value for t in at.title] == ["Paper sorts"]
    (download,) = at.get("download_button")
    assert download.proto.label == "Download the printable cards (HTML)"
    assert at.table[0].value["Card"].tolist() == ["Shoes", "Bags", "Hats", "Socks"]
    assert list(at.table[0].value.index) == [1, 2, 3, 4]
    assert "This study has 1 sort, 0 of them on paper." in texts(at)
    assert [t.label for t in at.text_input] == [
        "Participant id", "Group 1 name", "Group 1 card numbers", "Group 2 name", "Group 2 card numbers",
        "Group 3 name", "Group 3 card numbers"]
    at.button(key="paper_add:s1").click().run()
    assert len(at.text_input) == 1 + 2 * 6


def test_a_paper_sort_is_saved_and_counted_on_results(app_db):
    seed(app_db)
    results = open_page("results.py", study="s1")
    assert [(m.label, m.value) for m in results.metric][0] == ("Participants completed", "1")

    at = fill(open_page("paper.py", study="s1"), "paper-01", ("Clothes", "1, 3-4"), ("Luggage", "2"))
    at.button(key="paper_save:s1").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        "Saved the paper sort of participant “paper\\-01”: 2 groups, 4 cards\\. It is analysed with the others on "
        "the Results page\\."]
    stored = store.load_sorts(app_db, "s1")
    assert [(s.participant_id, is_paper(s), [(g.label, list(g.cards)) for g in s.groups]) for s in stored] == [
        ("online", False, [("Wear", ["c1", "c3", "c4"]), ("Carry", ["c2"])]),
        ("paper-01", True, [("Clothes", ["c1", "c3", "c4"]), ("Luggage", ["c2"])])]
    assert at.text_input(key="paper:s1:1:pid").value == ""  # a fresh, empty form for the next sort
    assert "This study has 2 sorts, 1 of them on paper." in texts(at)

    results = open_page("results.py", study="s1")
    assert [(m.label, m.value) for m in results.metric][0] == ("Participants completed", "2")
    assert "from the sorts of 2 participants" in texts(results)


def test_every_problem_is_listed_and_nothing_is_saved(app_db):
    seed(app_db)
    at = fill(open_page("paper.py", study="s1"), "online", ("Clothes", "1, 3, 9"), ("Clothes_2", "3, x"))
    at.button(key="paper_save:s1").click().run()
    assert [e.value for e in at.error] == [
        "This paper sort was not saved:\n"
        "- participant 'online' already has a sort in this study\n"
        "- group 1 \\('Clothes'\\): there is no card 9 \\(the cards are numbered 1\\-4\\)\n"
        "- group 2 \\('Clothes\\_2'\\): 'x' is not a card number \\(write numbers such as 3, 7, 12\\-15\\)"]
    assert len(store.load_sorts(app_db, "s1")) == 1
    assert at.text_input(key="paper:s1:0:g1:cards").value == "1, 3, 9"  # kept, to correct


def test_a_closed_study_offers_its_categories(app_db):
    seed(app_db, "closed", ["Wear", "Carry"])
    at = open_page("paper.py", study="s1")
    assert [s.label for s in at.selectbox][1:] == ["Group 1 category", "Group 2 category", "Group 3 category"]
    assert at.selectbox(key="paper:s1:0:g1:category").options == ["Wear", "Carry"]
    at.text_input(key="paper:s1:0:pid").input("P2")
    at.selectbox(key="paper:s1:0:g1:category").select("k1")
    at.text_input(key="paper:s1:0:g1:cards").input("1, 3, 4")
    at.selectbox(key="paper:s1:0:g2:category").select("k2")
    at.text_input(key="paper:s1:0:g2:cards").input("2")
    at.button(key="paper_save:s1").click().run()
    assert not at.exception and not at.error
    assert store.load_sorts(app_db, "s1")[1].groups == (Group("Wear", ("c1", "c3", "c4"), "k1"),
                                                        Group("Carry", ("c2",), "k2"))
