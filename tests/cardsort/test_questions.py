"""Questions before and after sorting, and screening: spec, validation, storage, exports, report, fuzzing."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cardsort import board, formats, store
from cardsort import questions as qs
from cardsort.comments import comments_frame, export_comments
from cardsort.model import Group, Sort, study_from_spec
from cardsort.panel import Panel
from cardsort.report import build_report, render

ROLE = {"id": "role", "when": "pre", "type": "single", "text": "What is your role?",
        "options": ["Student", "Staff", "Visitor"], "required": True, "screen_out": ["Visitor"]}
TOOLS = {"id": "tools", "when": "pre", "type": "multiple", "text": "Which do you use?",
         "options": ["Catalogue", "Wi-Fi", "Printers"]}
EASE = {"id": "ease", "type": "scale", "text": "Overall, how easy or difficult was this task?",
        "scale": {"min_label": "Very difficult", "max_label": "Very easy"}, "required": True}
WHY = {"id": "why", "type": "long", "text": "Why?"}
NAME = {"id": "nick", "when": "post", "type": "short", "text": "A nickname?"}
QUESTIONS = [ROLE, TOOLS, EASE, WHY, NAME]
SPEC = {"name": "Library", "kind": "open", "cards": ["Opening hours", "Borrowing", "Wi-Fi"],
        "questions": QUESTIONS, "panel": {"screenout_url": "https://panel.example/out?x=1"},
        "texts": {"screen_out": "Sorry, not this time."}}
T0 = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def study(**changes):
    return study_from_spec({**SPEC, **changes}, "s1")


# --- the spec -------------------------------------------------------------------------------------

def test_spec_round_trips_and_old_specs_stay_valid():
    s = study()
    assert [q.id for q in s.questions] == ["role", "tools", "ease", "why", "nick"]
    assert s.questions[2] == qs.Question(id="ease", text=EASE["text"], type="scale", when="post", required=True,
                                         min_label="Very difficult", max_label="Very easy")
    assert s.panel.screenout_url == "https://panel.example/out?x=1" and s.texts.screen_out
    spec = s.to_spec()
    assert study_from_spec(spec, "s1") == s
    assert spec["questions"][0] == ROLE
    old = study_from_spec({"name": "Old", "kind": "open", "cards": ["a", "b"]}, "s2")
    assert old.questions == () and "questions" not in old.to_spec()
    assert "screen_out_url" not in old.to_spec()["settings"] and "panel" not in old.to_spec()


def test_an_older_specs_screen_out_link_becomes_the_panels_screen_out_redirect():
    older = {**SPEC, "panel": None, "settings": {"randomize": False, "screen_out_url": "https://panel.example/o"}}
    s = study_from_spec(older, "s1")
    assert s.panel == Panel(screenout_url="https://panel.example/o") and s.settings.randomize is False
    assert s.to_spec()["panel"] == {"screenout_url": "https://panel.example/o"}
    assert "screen_out_url" not in s.to_spec()["settings"]
    both = {**older, "panel": {"screenout_url": "https://panel.example/{pid}", "completion_code": "C1"}}
    assert study_from_spec(both, "s1").panel == Panel(screenout_url="https://panel.example/{pid}",
                                                      completion_code="C1")  # the panel's own redirect wins
    assert study_from_spec({**older, "settings": {"screen_out_url": " "}}, "s1").panel == Panel()


@pytest.mark.parametrize("change, message", [
    ({"id": "1x"}, "the id must be a letter"),
    ({"id": "comments"}, "reserved"),
    ({"type": "slider"}, "type must be one of single, multiple, scale, short, long"),
    ({"when": "during"}, "when must be pre or post"),
    ({"required": "yes"}, "required must be true or false"),
    ({"text": "  "}, "question 1 ('role'): the text is empty"),
    ({"options": ["Only"]}, "needs a list of 2 to 50 options"),
    ({"options": ["A", "A"], "screen_out": []}, "the option 'A' is listed twice"),
    ({"options": ["A;B", "C"], "screen_out": []}, "contains ';'"),
    ({"screen_out": ["Nobody"]}, "screen_out lists 'Nobody', which is not one of its options"),
    ({"screen_out": ["Student", "Staff", "Visitor"]}, "every option screens out"),
    ({"when": "post"}, "only a choice question asked before the sort (when: pre) can screen out"),
    ({"scale": {"min_label": "x"}}, "only a scale question has scale labels"),
    ({"colour": "red"}, "unknown field 'colour'"),
    ({"text": "x" * 1001}, "at most 1,000 are allowed"),
])
def test_bad_questions_name_the_question_and_the_problem(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        study(questions=[{**ROLE, **change}])


def test_duplicate_ids_and_bad_screen_out_urls_are_refused():
    with pytest.raises(ValueError, match="question 2: the id 'role' is used twice"):
        study(questions=[ROLE, {**TOOLS, "id": "role"}])
    with pytest.raises(ValueError, match="must be a list of question objects"):
        study(questions={"id": "x"})
    with pytest.raises(ValueError, match="panel.screenout_url must be an http"):
        study(panel=None, settings={"screen_out_url": "javascript:alert(1)"})
    assert study(panel=None, settings={"screen_out_url": ""}).panel.screenout_url is None


# --- answers --------------------------------------------------------------------------------------

def test_answers_take_their_stored_text_form():
    s = study()
    got = qs.validate_answers(s.questions, {"role": "Staff", "tools": ["Printers", "Catalogue"], "ease": 6,
                                            "why": "  Because\nof this  ", "nick": "  a   b ", "other": "x"})
    assert got == {"role": "Staff", "tools": "Catalogue; Printers", "ease": "6", "why": "Because\nof this",
                   "nick": "a b"}
    assert qs.validate_answers(s.questions, got) == got  # the stored form reads back as itself
    assert qs.validate_answers(s.questions, {"role": "Student"}, "pre") == {"role": "Student"}
    assert qs.chosen(s.questions[1], got["tools"]) == ["Catalogue", "Printers"]


@pytest.mark.parametrize("answers, message", [
    ({"role": "Dean"}, "question 'role': 'Dean' is not one of its options"),
    ({"role": "Staff", "tools": ["Fax"]}, "question 'tools': 'Fax' is not one of its options"),
    ({"role": "Staff", "ease": 8}, "question 'ease': the answer must be a whole number from 1 to 7"),
    ({"role": "Staff", "ease": True}, "from 1 to 7"),
    ({"role": "Staff", "ease": 5, "why": "x" * 5001}, "at most 5,000"),
    ({"role": "Staff", "ease": 5, "nick": "x" * 201}, "at most 200"),
    ({"tools": ["Wi-Fi"], "ease": 5}, "question 'role' (“What is your role?”) is required and has no answer"),
])
def test_bad_answers_name_the_question(answers, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        qs.validate_answers(study().questions, answers)


def test_required_screening_and_draft_cleaning():
    s = study()
    assert [q.id for q in qs.unanswered(s.questions, {"tools": []}, "pre")] == ["role"]
    assert qs.unanswered(s.questions, {}, "post")[0].id == "ease"
    assert qs.screening_question(s.questions, {"role": "Visitor"}).id == "role"
    assert qs.screening_question(s.questions, {"role": "Staff"}) is None
    multi = study(questions=[{**TOOLS, "screen_out": ["Printers"]}]).questions
    assert qs.screening_question(multi, {"tools": "Wi-Fi; Printers"}).id == "tools"
    # A draft keeps only what still fits the study's questions, and the two built-in answers.
    assert board.clean_answers({"role": "Dean", "tools": "Wi-Fi", "ease": "3", "comments": " ok ", "x": "y"},
                               s.questions) == {"tools": "Wi-Fi", "ease": "3", "comments": "ok"}


def test_summary_counts_options_and_scale_points():
    s = study()
    assert qs.summary(s.questions[1], ["Catalogue; Wi-Fi", "Wi-Fi", ""]) == [
        ("Catalogue", 1), ("Wi-Fi", 2), ("Printers", 0)]
    assert dict(qs.summary(s.questions[2], ["7", "7", "1"])) == {
        "1": 1, "2": 0, "3": 0, "4": 0, "5": 0, "6": 0, "7": 2}
    assert qs.summary(s.questions[3], ["text"]) == []


# --- storage, exports and the report ----------------------------------------------------------------

SORTS = [
    Sort("p1", (Group("Visit", ("c1", "c3")), Group("Borrow", ("c2",))), T0, T0,
         {"role": "Staff", "tools": "Catalogue; Wi-Fi", "ease": "6", "comments": "=fine"}),
    Sort("p2", (Group("All", ("c1", "c2", "c3")),), T0, T0, {"role": "Student", "ease": "2", "why": "Long\ntext"}),
]


def test_study_questions_and_screenouts_are_stored(engine):
    s = store.create_study(engine, study())
    back = store.get_study(engine, s.id)
    assert back.questions == s.questions and back.settings == s.settings and back.texts == s.texts
    store.save_draft(engine, s.id, "p9", {"groups": [], "unsorted": ["c1"], "stage": "pre"})
    assert store.record_screenout(engine, s.id, "p9", "role", {"role": "Visitor"}) is True
    assert store.record_screenout(engine, s.id, "p9", "role", {"role": "Visitor"}) is False  # once
    assert store.get_draft(engine, s.id, "p9") is None
    assert store.is_screened_out(engine, s.id, "p9") and not store.is_screened_out(engine, s.id, "p1")
    assert store.count_screenouts(engine, s.id) == 1
    (row,) = store.load_screenouts(engine, s.id)
    assert (row["participant"], row["question"], row["answers"]) == ("p9", "role", {"role": "Visitor"})
    store.import_sorts(engine, s.id, SORTS)
    assert store.record_screenout(engine, s.id, "p1", "role", {}) is False  # already sorted
    assert store.participant_counts(engine, s.id)["completed"] == 2  # screened out: not a sort
    assert [x.answers for x in store.load_sorts(engine, s.id)] == [x.answers for x in SORTS]
    store.update_study(engine, study(questions=[]))
    assert store.get_study(engine, s.id).questions == ()


def test_exports_carry_the_answers():
    s = study()
    rows = list(csv.reader(io.StringIO(formats.export_long(s, SORTS))))
    assert rows[0] == ["participant", "card", "category", "category_id", "started_at", "finished_at",
                       "answer_role", "answer_tools", "answer_ease", "answer_why", "answer_nick"]
    assert rows[1][6:] == ["Staff", "Catalogue; Wi-Fi", "6", "", ""]
    assert rows[-1][6:] == ["Student", "", "2", "Long\ntext", ""]
    back = formats.sorts_for_study(formats.read_bytes(formats.export_long(s, SORTS).encode(), "long"), s)
    assert [x.groups for x in back] == [x.groups for x in SORTS]  # the answer columns do not disturb import
    data = json.loads(formats.export_json(s, SORTS))
    assert data["study"]["questions"][0]["id"] == "role" and data["sorts"][0]["answers"]["tools"] == "Catalogue; Wi-Fi"
    assert formats.read_bytes(formats.export_json(s, SORTS).encode(), "json").study.questions == s.questions
    plain = study_from_spec({"name": "Old", "kind": "open", "cards": ["Opening hours", "Borrowing", "Wi-Fi"]}, "s")
    assert formats.export_long(plain, SORTS).splitlines()[0] == \
        "participant,card,category,category_id,started_at,finished_at"
    assert formats.export_casolysis(s, SORTS).splitlines()[0] == "card_id,card_label,category_id,category_label,user_id"


def test_answers_table_csv_and_report():
    s = study()
    frame = comments_frame(SORTS, {"p2"}, s.questions)
    assert list(frame.columns) == ["participant", "submitted", "comments", "hard_cards", "excluded",
                                   "answer_role", "answer_tools", "answer_ease", "answer_why", "answer_nick"]
    rows = list(csv.reader(io.StringIO(export_comments(frame))))
    assert rows[1][:5] == ["p1", "2026-11-01 10:00", "'=fine", "", "no"]
    report = build_report(s, SORTS, {"p2"}, n_resamples=10, screened_out=3)
    data = json.loads(render(report, "json"))
    assert data["participants"]["screened_out"] == 3
    ease = next(q for q in data["questions"] if q["id"] == "ease")
    assert ease["answered"] == 1 and ease["counts"]["6"] == 1 and ease["counts"]["2"] == 0  # p2 excluded
    assert data["comments"][0]["answer_role"] in ("Staff", "Student")
    html = render(report, "html")
    assert "<h2>Questionnaire</h2>" in html and "Overall, how easy or difficult was this task?" in html
    assert "(3 more participants were screened out by a question before sorting and never analysed)" in html


# --- fuzzing ----------------------------------------------------------------------------------------

HYPO = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
text = st.text(alphabet=st.sampled_from(list("ab ;=\n") + ["\x00", "ب", "\u202e"]), max_size=8)
json_value = st.recursive(st.none() | st.booleans() | st.integers(-3, 9) | text,
                          lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                          max_leaves=8)
question_like = st.fixed_dictionaries(
    {"id": st.sampled_from(["role", "ease", "x-1", "comments", "", "9"]) | text},
    optional={"when": st.sampled_from(["pre", "post", "x"]) | json_value,
              "type": st.sampled_from(list(qs.TYPES) + ["x"]),
              "text": text | json_value, "required": st.booleans() | json_value,
              "options": st.lists(text, max_size=4) | json_value,
              "scale": st.fixed_dictionaries({}, optional={"min_label": text, "max_label": text}) | json_value,
              "screen_out": st.lists(text, max_size=3) | json_value})


@HYPO
@given(raw=st.lists(question_like, max_size=4) | json_value, answers=st.dictionaries(
    st.sampled_from(["role", "ease", "x-1", "other"]) | text, json_value, max_size=4))
def test_question_specs_and_answers_are_accepted_or_refused_with_one_value_error(raw, answers):
    try:
        questions = qs.questions_from_list(raw)
    except ValueError:
        return
    assert qs.questions_from_list([q.to_spec() for q in questions]) == questions  # the spec reads back
    cleaned = qs.keep_valid(questions, answers)
    assert qs.validate_answers([q for q in questions if not q.required], cleaned) == cleaned
    try:
        given = qs.validate_answers(questions, answers)
    except ValueError as err:
        assert "question" in str(err) or "answers must be" in str(err)
        return
    assert qs.validate_answers(questions, given) == given  # stored forms are stable
    for q in questions:
        if q.id in given:
            assert "\x00" not in given[q.id]
            if q.type in qs.CHOICE_TYPES:
                assert set(qs.chosen(q, given[q.id])) <= set(q.options)
            if q.type == "scale":
                assert 1 <= int(given[q.id]) <= 7


formula_text = st.text(alphabet=st.sampled_from(list("=+-@\t\r\n,\"' ab") + ["\u202e", "ب"]), min_size=1, max_size=10)


@HYPO
@given(answer=formula_text, option=formula_text.filter(lambda t: t.strip() and ";" not in t))
def test_answers_in_every_csv_are_neutralised(answer, option):
    s = study(questions=[{"id": "nick", "type": "short", "text": "=Nick?"},
                         {"id": "pick", "type": "single", "text": "Pick", "options": [option, "other"]}])
    given = qs.validate_answers(s.questions, {"nick": answer, "pick": option})
    sorts = [Sort("p1", (Group("G", ("c1", "c2", "c3")),), T0, T0, given)]
    for text in (formats.export_long(s, sorts), export_comments(comments_frame(sorts, set(), s.questions))):
        rows = list(csv.reader(io.StringIO(text, newline="")))
        assert {len(r) for r in rows} == {len(rows[0])}
        assert [c for r in rows for c in r if c.startswith(formats.FORMULA_START)] == []


def test_a_json_export_imports_with_its_answers_where_they_fit():
    s = study()
    parsed = formats.read_bytes(formats.export_json(s, SORTS).encode(), "json")
    assert [x.answers for x in formats.sorts_for_study(parsed, s)] == [x.answers for x in SORTS]
    other = study(questions=[{**EASE, "id": "ease"}])  # a study that asks only "ease"
    assert [x.answers for x in formats.sorts_for_study(parsed, other)] == [
        {"ease": "6", "comments": "=fine"}, {"ease": "2"}]
