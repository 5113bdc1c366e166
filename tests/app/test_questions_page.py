"""The participant page with a study's questions (AppTest): screened out before sorting; answering before
and after sorting and completing; required questions; right-to-left studies."""

from __future__ import annotations

from cardsort import store
from tests.cardsort.test_questions import EASE, ROLE, TOOLS, WHY

from .test_sort_page import add_study, complete_state, open_page

QUESTIONS = [ROLE, TOOLS, EASE, WHY]


def button(at, label):
    (found,) = [b for b in at.button if b.label == label]
    return found


def start(app_db, **changes):
    add_study(app_db, questions=QUESTIONS, **changes)
    at = open_page(study="s1", pid="p1")
    button(at, "Start sorting").click().run()
    return at


def test_a_screening_answer_ends_the_study_for_the_participant(app_db):
    at = start(app_db, texts={"screen_out": "Thanks, we are looking for students and staff."})
    assert at.header[0].value == "Before you start"
    assert at.radio(key="question:role").label == "What is your role? \\(required\\)"
    at.radio(key="question:role").set_value("Visitor")
    at.multiselect(key="question:tools").set_value(["Wi-Fi"])
    button(at, "Continue").click().run()
    assert at.header[0].value == "Thank you for your interest"
    assert "Thanks, we are looking for students and staff" in at.markdown[0].value
    assert store.is_screened_out(app_db, "s1", "p1") and store.count_screenouts(app_db, "s1") == 1
    assert store.load_screenouts(app_db, "s1")[0]["answers"] == {"role": "Visitor", "tools": "Wi-Fi"}
    assert store.get_draft(app_db, "s1", "p1") is None and store.load_sorts(app_db, "s1") == []
    again = open_page(study="s1", pid="p1")  # a reload, or the link again
    assert again.header[0].value == "Thank you for your interest" and len(again.button) == 0


def test_screened_out_with_a_panel_redirect_are_sent_there_with_their_id(app_db):
    add_study(app_db, questions=QUESTIONS,
              panel={"id_param": "PROLIFIC_PID", "screenout_url": "https://panel.example/out?code=X1&p={pid}"})
    at = open_page(study="s1", PROLIFIC_PID="5f1e-abc")
    button(at, "Start sorting").click().run()
    at.radio(key="question:role").set_value("Visitor")
    button(at, "Continue").click().run()
    assert at.header[0].value == "Thank you for your interest"
    (note,) = [e for e in at.get("html") if "cardsort-redirect" in e.proto.body]
    assert 'href="https://panel.example/out?code=X1&amp;p=5f1e-abc"' in note.proto.body
    assert store.load_screenouts(app_db, "s1")[0]["participant"] == "5f1e-abc"


def test_screened_out_without_a_panel_redirect_read_the_text_only(app_db):
    at = start(app_db)
    at.radio(key="question:role").set_value("Visitor")
    button(at, "Continue").click().run()
    assert at.header[0].value == "Thank you for your interest"
    assert not at.get("link_button") and not [e for e in at.get("html") if "cardsort-redirect" in e.proto.body]


def test_required_questions_are_asked_again_by_name(app_db):
    at = start(app_db)
    button(at, "Continue").click().run()
    assert at.header[0].value == "Before you start"
    assert at.error[0].value == "- Please answer: What is your role?"
    assert store.get_draft(app_db, "s1", "p1")["state"]["stage"] == "pre"


def test_answers_before_and_after_sorting_are_stored_with_the_sort(app_db):
    at = start(app_db)
    at.radio(key="question:role").set_value("Staff")
    at.multiselect(key="question:tools").set_value(["Printers", "Catalogue"])
    button(at, "Continue").click().run()
    assert at.header[0].value == "Sort the cards"
    draft = store.get_draft(app_db, "s1", "p1")["state"]
    assert draft["stage"] == "sorting" and draft["answers"] == {"role": "Staff", "tools": "Catalogue; Printers"}

    store.save_draft(app_db, "s1", "p1", dict(complete_state(), answers=draft["answers"]))  # the board, sorted
    at = open_page(study="s1", pid="p1")
    button(at, "I am done sorting").click().run()
    assert at.header[0].value == "A few last questions"
    assert "need an answer" in at.markdown[0].value
    scale = at.radio(key="question:ease")
    assert scale.label == "Overall, how easy or difficult was this task? \\(required\\)"
    assert scale.options[0] == "1 – Very difficult" and scale.options[-1] == "7 – Very easy"
    button(at, "Submit my sort").click().run()
    assert "Please answer: Overall, how easy or difficult was this task?" in at.error[0].value
    assert store.load_sorts(app_db, "s1") == []

    at.radio(key="question:ease").set_value(6)
    at.text_area(key="question:why").input("Clear words")
    button(at, "Submit my sort").click().run()
    assert at.header[0].value == "Thank you!"
    (sort,) = store.load_sorts(app_db, "s1")
    assert sort.answers == {"role": "Staff", "tools": "Catalogue; Printers", "ease": "6", "why": "Clear words"}
    assert store.count_screenouts(app_db, "s1") == 0


def test_questions_in_a_right_to_left_study(app_db):
    role = {**ROLE, "text": "نقش شما چیست؟", "options": ["دانشجو", "کارمند", "بازدیدکننده"],
            "screen_out": ["بازدیدکننده"]}
    add_study(app_db, language="fa", questions=[role])
    at = open_page(study="s1", pid="p1")
    at.button[0].click().run()
    assert at.header[0].value == "پیش از شروع"
    assert at.radio(key="question:role").label == "نقش شما چیست؟ \\(الزامی\\)"
    at.radio(key="question:role").set_value("بازدیدکننده")
    at.button[0].click().run()
    assert at.header[0].value == "از علاقهٔ شما سپاسگزاریم"
