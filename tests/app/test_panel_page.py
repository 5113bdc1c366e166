"""Panels on the Studies page (set-up form, link, quota line) and on the participant page (id, tags, closing).

The browser half (a real redirect) is in test_panel_browser.py.
"""

from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import open_page, texts
from tests.app.test_sort_page import PAGE, complete_state

NEW = "form:+new"
SPEC = {"name": "Library website", "kind": "open", "language": "en", "status": "open",
        "cards": ["Opening hours", "Borrowing", "Wi-Fi"], "settings": {"randomize": False}}
PANEL = {"id_param": "PROLIFIC_PID", "tag_params": ["STUDY_ID", "SESSION_ID"],
         "complete_url": "https://app.prolific.com/submissions/complete?cc=C1A2B3&p={pid}",
         "quota_full_url": "https://panel.example/full?id={pid}", "completion_code": "C1A2B3"}


def seed(engine, study_id="s1", **panel):
    return store.create_study(engine, study_from_spec({**SPEC, "panel": {**PANEL, **panel}}, study_id))


def participant(**params) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=30)
    for name, value in params.items():
        at.query_params[name] = value
    return at.run()


# --- the Studies page ---------------------------------------------------------------------------------

def test_panel_settings_are_saved_from_the_form_and_shown_again(app_db):
    at = open_page("studies.py")
    at.text_input(key=f"{NEW}:name").input("Library website")
    at.text_area(key=f"{NEW}:cards").input("Opening hours\nBorrowing")
    at.text_input(key=f"{NEW}:panel_id_param").input("PROLIFIC_PID")
    at.text_input(key=f"{NEW}:panel_tag_params").input("STUDY_ID, SESSION_ID")
    at.text_input(key=f"{NEW}:panel_complete_url").input("https://app.prolific.com/submissions/complete?cc=C1")
    at.text_input(key=f"{NEW}:panel_completion_code").input("C1")
    at.number_input(key=f"{NEW}:panel_quota").set_value(50)
    at.text_input(key=f"{NEW}:panel_closes_at").input("2026-12-31T18:00:00+01:00")
    at.button(key=f"{NEW}:save").click().run()
    assert not at.exception and not at.error
    [row] = store.list_studies(app_db)
    study = store.get_study(app_db, row["id"])
    recruiting = study.panel
    assert (recruiting.id_param, recruiting.tag_params, recruiting.completion_code, recruiting.quota) == (
        "PROLIFIC_PID", ("STUDY_ID", "SESSION_ID"), "C1", 50)
    assert recruiting.complete_url == "https://app.prolific.com/submissions/complete?cc=C1"
    assert recruiting.closes_at == datetime(2026, 12, 31, 17, tzinfo=UTC)
    form = f"form:{study.id}"
    assert at.text_input(key=f"{form}:panel_tag_params").value == "STUDY_ID, SESSION_ID"
    assert at.text_input(key=f"{form}:panel_closes_at").value == "2026-12-31T18:00:00+01:00"
    shown = texts(at)
    assert f"`/sort?study={study.id}&PROLIFIC_PID={{{{%PROLIFIC_PID%}}}}&STUDY_ID={{{{%STUDY_ID%}}}}" in shown
    assert "quota 0 of 50 completed sorts" in shown


def test_a_bad_redirect_is_refused_naming_the_setting(app_db):
    seed(app_db)
    at = open_page("studies.py", study="s1")
    at.text_input(key="form:s1:panel_screenout_url").input("javascript:alert(1)")
    at.button(key="form:s1:save").click().run()
    assert [e.value for e in at.error] == [
        "Not saved: “Screen-out redirect” (panel.screenout_url) must be an http:// or https:// address with a "
        "host, not 'javascript:alert(1)'."]
    assert store.get_study(app_db, "s1").panel.screenout_url is None
    at.text_input(key="form:s1:panel_screenout_url").input("")
    at.text_input(key="form:s1:panel_closes_at").input("2026-12-31 18:00")
    at.button(key="form:s1:save").click().run()
    assert "“Close to new participants at” (panel.closes_at) '2026-12-31 18:00' needs a timezone" in at.error[0].value


def test_a_full_study_says_so_on_the_studies_page(app_db):
    seed(app_db, quota=1)
    store.submit_sort(app_db, "s1", Sort("p1", (Group("A", ("c1",)),)))
    at = open_page("studies.py", study="s1")
    assert "quota 1 of 1 completed sorts (excluded ones do not count). It is full" in texts(at)


# --- the participant page ---------------------------------------------------------------------------------

def test_the_panel_id_is_the_participant_and_other_parameters_are_tags(app_db):
    seed(app_db)
    at = participant(study="s1", PROLIFIC_PID="abc", STUDY_ID="st1", SESSION_ID="se1", utm="x")
    assert at.header[0].value == "Welcome" and "pid" not in at.query_params
    at.button[0].click().run()
    draft = store.get_draft(app_db, "s1", "abc")
    assert draft["state"]["tags"] == {"STUDY_ID": "st1", "SESSION_ID": "se1"}
    store.save_draft(app_db, "s1", "abc", {**complete_state(), "stage": "questions",
                                           "tags": {"STUDY_ID": "st1", "SESSION_ID": "se1"}})
    at = participant(study="s1", PROLIFIC_PID="abc")  # resumed without the tags in the link: they were kept
    at.button[0].click().run()  # Submit my sort (the form's button)
    (sort,) = store.load_sorts(app_db, "s1")
    assert (sort.participant_id, sort.tags) == ("abc", {"STUDY_ID": "st1", "SESSION_ID": "se1"})
    assert at.header[0].value == "Thank you!"
    assert "Your completion code: C1A2B3" in " ".join(m.value for m in at.markdown)


def test_a_malformed_panel_id_falls_back_to_a_made_up_pid_that_stays(app_db):
    seed(app_db)
    at = participant(study="s1", PROLIFIC_PID="<bad id>")
    made = at.query_params["pid"]
    assert made and at.header[0].value == "Welcome"
    at.button[0].click().run()
    assert at.query_params["pid"] == made and store.get_draft(app_db, "s1", made) is not None


def test_new_arrivals_are_turned_away_once_the_quota_is_reached_but_those_in_progress_finish(app_db):
    seed(app_db, quota=1, quota_full_url=None)
    store.save_draft(app_db, "s1", "early", {**complete_state(), "stage": "questions"})
    store.submit_sort(app_db, "s1", Sort("p1", (Group("A", ("c1",)),)))
    at = participant(study="s1", PROLIFIC_PID="late")
    assert [i.value for i in at.info] == ["This study already has all the participants it needs. "
                                          "Thank you for your interest!"]
    assert not at.button and store.get_draft(app_db, "s1", "late") is None
    at = participant(study="s1", PROLIFIC_PID="early")
    at.button[0].click().run()
    assert at.header[0].value == "Thank you!" and store.completed_count(app_db, "s1") == 2
    store.set_excluded(app_db, "s1", "p1", True)  # excluded sorts do not count: 1 of 1 left, still full
    assert participant(study="s1", PROLIFIC_PID="late2").info


def test_after_the_closing_time_new_arrivals_get_the_closed_message(app_db):
    seed(app_db, closes_at=(datetime.now(UTC) - timedelta(minutes=1)).isoformat(), quota_full_url=None)
    at = participant(study="s1", PROLIFIC_PID="late")
    assert [i.value for i in at.info] == ["This study has ended. Thank you for your interest!"]


def test_starting_after_the_quota_filled_on_an_open_welcome_page_stores_nothing(app_db):
    seed(app_db, quota=1, quota_full_url=None)
    at = participant(study="s1", PROLIFIC_PID="slow")
    assert at.header[0].value == "Welcome"
    store.submit_sort(app_db, "s1", Sort("p1", (Group("A", ("c1",)),)))
    at.button[0].click().run()
    assert store.get_draft(app_db, "s1", "slow") is None and at.info


# --- the Results page ---------------------------------------------------------------------------------------

def test_the_results_participants_table_shows_the_tags(app_db):
    seed(app_db)
    finished = datetime(2026, 11, 2, 9, 5, tzinfo=UTC)
    store.submit_sort(app_db, "s1", Sort("abc", (Group("A", ("c1", "c2")), Group("B", ("c3",))),
                                         finished_at=finished, tags={"STUDY_ID": "st1", "SESSION_ID": "se1"}))
    store.submit_sort(app_db, "s1", Sort("p2", (Group("A", ("c1",)), Group("B", ("c2", "c3"))),
                                         finished_at=finished - timedelta(hours=1)))
    store.set_excluded(app_db, "s1", "p2", True)
    at = open_page("results.py", study="s1")
    assert not at.exception
    assert "Participants (2)" in [t.label for t in at.tabs]
    (frame,) = [d.value for d in at.dataframe if "STUDY_ID" in d.value.columns]
    assert frame.to_dict("records") == [
        {"Participant": "abc", "Submitted (UTC)": "2026-11-02 09:05", "Excluded": False, "STUDY_ID": "st1",
         "SESSION_ID": "se1"},
        {"Participant": "p2", "Submitted (UTC)": "2026-11-02 08:05", "Excluded": True, "STUDY_ID": "",
         "SESSION_ID": ""}]
    assert "2 participants, newest first, with the URL tags they arrived with (SESSION_ID, STUDY_ID)." in texts(at)
