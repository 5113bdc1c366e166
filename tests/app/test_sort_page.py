"""The participant page in AppTest: messages for unusable links, welcome -> board -> questions -> thanks."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from cardsort import store
from cardsort.i18n import translate
from cardsort.model import Group, Sort, study_from_spec

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text: str) -> str:
    """Text as the page hands it to Markdown: special characters escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "sort.py")

SPEC = {"name": "Library website", "kind": "open", "language": "en",
        "cards": ["Opening hours", "Borrowing", "Wi-Fi"], "settings": {"randomize": False}}


def add_study(engine, study_id="s1", **changes):
    return store.create_study(engine, study_from_spec({**SPEC, **changes}, study_id))


def open_page(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


def board_data(at: AppTest) -> dict:
    (element,) = [e for e in at.main if getattr(e, "key", "") and str(e.key).startswith("board:")]
    proto = element.proto
    return json.loads(proto.json or proto.mixed.json)


def complete_state():
    return {"groups": [{"id": "g-a", "label": "Visit", "category_id": None, "cards": ["c1", "c3"]},
                       {"id": "g-b", "label": "Borrow", "category_id": None, "cards": ["c2"]}],
            "unsorted": [], "stage": "sorting"}


def only_info(at: AppTest) -> str:
    assert not at.exception
    assert len(at.button) == 0 and len(at.text_area) == 0
    assert [e for e in at.main if getattr(e, "key", None) and str(e.key).startswith("board:")] == []
    (info,) = at.info
    return info.value


def test_link_without_study(app_db):
    at = open_page()
    assert only_info(at) == ("This link is incomplete: it does not name a study. "
                             "Please use the full link you were given.")


def test_unknown_study_exposes_nothing(app_db):
    add_study(app_db, "s1", name="Secret project")
    at = open_page(study="nope")
    assert only_info(at) == "We could not find this study. Please check the link you were given."
    assert at.title[0].value == "Card sort"
    assert "Secret" not in json.dumps([e.value for e in at.markdown])


@pytest.mark.parametrize("status, message", [
    ("closed", "This study has ended. Thank you for your interest!"),
    ("draft", "This study has not started yet. Please come back later."),
])
def test_closed_and_draft_studies(app_db, status, message):
    add_study(app_db, status=status)
    assert only_info(open_page(study="s1", pid="p1")) == message


def test_an_archived_study_is_closed_even_if_its_status_says_open(app_db):
    add_study(app_db)
    store.update_study(app_db, replace(store.get_study(app_db, "s1"), archived=True))  # archived, yet "open"
    assert only_info(open_page(study="s1", pid="p1")) == "This study has ended. Thank you for your interest!"


def test_closed_study_message_in_the_study_language(app_db):
    add_study(app_db, status="closed", language="fa")
    assert only_info(open_page(study="s1")) == "این مطالعه به پایان رسیده است. از توجه شما سپاسگزاریم!"


def test_welcome_then_board(app_db):
    add_study(app_db)
    at = open_page(study="s1", pid="p1")
    assert at.header[0].value == "Welcome"
    assert "You will sort 3 cards" in at.markdown[0].value
    assert store.get_draft(app_db, "s1", "p1") is None  # nothing stored before the participant starts

    at.button[0].click().run()
    assert at.header[0].value == "Sort the cards"
    data = board_data(at)
    assert data["state"] == {"groups": [], "unsorted": ["c1", "c2", "c3"]}
    assert data["strings"]["unsorted_heading"] == "Cards to sort"
    assert data["dir"] == "ltr" and data["own_groups"] is True
    assert store.get_draft(app_db, "s1", "p1")["state"] == {
        "groups": [], "unsorted": ["c1", "c2", "c3"], "stage": "sorting", "answers": {}}
    assert [b.label for b in at.button] == ["I am done sorting"]


def test_missing_participant_id_is_generated_and_put_in_the_link(app_db):
    add_study(app_db)
    at = open_page(study="s1")
    pid = at.query_params["pid"]
    pid = pid[0] if isinstance(pid, list) else pid
    assert len(pid) == 16
    at.button[0].click().run()
    assert store.get_draft(app_db, "s1", pid) is not None


def test_resume_from_draft(app_db):
    add_study(app_db)
    state = {"groups": [{"id": "g-a", "label": "Visit", "category_id": None, "cards": ["c2"]}],
             "unsorted": ["c3", "c1"], "stage": "sorting"}
    store.save_draft(app_db, "s1", "p1", state)
    at = open_page(study="s1", pid="p1")
    assert at.header[0].value == "Sort the cards"
    assert board_data(at)["state"] == {
        "groups": [{"id": "g-a", "label": "Visit", "category_id": None, "cards": ["c2"]}],
        "unsorted": ["c3", "c1"]}


def test_finishing_with_cards_left_names_how_many(app_db):
    add_study(app_db)
    store.save_draft(app_db, "s1", "p1", {"groups": [{"id": "g", "label": "", "category_id": None,
                                                  "cards": ["c1"]}], "unsorted": ["c2", "c3"]})
    at = open_page(study="s1", pid="p1")
    at.button[0].click().run()
    (error,) = at.error
    assert "2 cards are not in a group yet" in error.value
    assert "1 of your groups has no name" in error.value
    assert at.header[0].value == "Sort the cards"
    assert store.get_draft(app_db, "s1", "p1")["state"].get("stage") != "questions"


def test_submit_once_then_thanks_on_reload(app_db):
    add_study(app_db)
    store.save_draft(app_db, "s1", "p1", complete_state())
    at = open_page(study="s1", pid="p1")
    at.button[0].click().run()  # I am done sorting
    assert at.header[0].value == "A few last questions"
    at.text_area[0].input("Clear labels")
    at.button[0].click().run()  # Submit my sort (form submit button)
    assert at.header[0].value == "Thank you!"

    sorts = store.load_sorts(app_db, "s1")
    assert [s.participant_id for s in sorts] == ["p1"]
    assert [(g.label, g.cards) for g in sorts[0].groups] == [("Visit", ("c1", "c3")), ("Borrow", ("c2",))]
    assert sorts[0].answers == {"comments": "Clear labels"}
    assert store.get_draft(app_db, "s1", "p1") is None

    reloaded = open_page(study="s1", pid="p1")
    assert reloaded.header[0].value == "Thank you!"
    assert len(reloaded.button) == 0


def test_two_tabs_store_one_sort(app_db):
    add_study(app_db)
    store.save_draft(app_db, "s1", "p1", dict(complete_state(), stage="questions"))
    first, second = open_page(study="s1", pid="p1"), open_page(study="s1", pid="p1")
    assert first.header[0].value == second.header[0].value == "A few last questions"
    first.button[0].click().run()
    second.button[0].click().run()
    assert first.header[0].value == second.header[0].value == "Thank you!"
    assert len(store.load_sorts(app_db, "s1")) == 1


def test_back_from_questions_to_the_board(app_db):
    add_study(app_db)
    store.save_draft(app_db, "s1", "p1", dict(complete_state(), stage="questions"))
    at = open_page(study="s1", pid="p1")
    at.button[1].click().run()  # Back to the cards
    assert at.header[0].value == "Sort the cards"
    assert store.get_draft(app_db, "s1", "p1")["state"]["stage"] == "sorting"


def test_draft_of_an_edited_study_resumes_with_what_still_fits(app_db):
    add_study(app_db)
    store.save_draft(app_db, "s1", "p1", {"groups": [{"id": "g-a", "label": "Visit", "category_id": None,
                                                  "cards": ["c2", "c7"]}], "unsorted": ["c1", "c9"]})
    at = open_page(study="s1", pid="p1")
    assert not at.exception
    assert board_data(at)["state"] == {
        "groups": [{"id": "g-a", "label": "Visit", "category_id": None, "cards": ["c2"]}],
        "unsorted": ["c1"]}


def shown(at: AppTest) -> str:
    return json.dumps([e.value for kind in ("title", "header", "subheader", "markdown")
                       for e in getattr(at, kind)], ensure_ascii=False)


TEXTS = {"title": "Help us improve the library site", "welcome": "Hello!\nIt takes about 10 minutes.",
         "instructions": "Put each card where you would look for it.", "thank_you": "Thanks, that helps a lot."}


def test_participants_see_the_study_texts_and_never_its_internal_name(app_db):
    add_study(app_db, name="LIB-2026 round 2 (internal)", texts=TEXTS)
    at = open_page(study="s1", pid="p1")
    assert at.title[0].value == "Help us improve the library site"
    assert [h.value for h in at.header] == ["Welcome"]
    assert [m.value for m in at.markdown][:3] == ["Hello\\!", "It takes about 10 minutes\\.",
                                                  "Put each card where you would look for it\\."]
    assert "internal" not in shown(at) and "LIB-2026" not in shown(at)
    at.button[0].click().run()
    assert at.title[0].value == "Help us improve the library site" and "internal" not in shown(at)
    store.submit_sort(app_db, "s1", Sort("p1", (Group("Visit", ("c1", "c2", "c3")),)))
    at = open_page(study="s1", pid="p1")
    assert [at.title[0].value, at.header[0].value, at.markdown[0].value] == [
        "Help us improve the library site", "Thank you!", "Thanks, that helps a lot\\."]
    assert "internal" not in shown(at)


def test_empty_texts_are_the_defaults_of_the_study_language(app_db):
    add_study(app_db, name="Internal name", language="fa", texts={"title": "", "welcome": "  "})
    at = open_page(study="s1", pid="p1")
    assert at.title[0].value == translate("fa", "page_title")
    assert at.markdown[0].value == _plain(translate("fa", "welcome_intro", cards=translate("fa", "cards", count=3)))
    assert at.markdown[1].value == _plain(translate("fa", "instructions_open"))
    assert "Internal" not in shown(at)
    store.submit_sort(app_db, "s1", Sort("p1", (Group("Visit", ("c1", "c2", "c3")),)))
    at = open_page(study="s1", pid="p1")
    assert [at.header[0].value, at.markdown[0].value] == [translate("fa", "thanks_heading"),
                                                          _plain(translate("fa", "thanks_body"))]
