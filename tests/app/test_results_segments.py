"""Results page by segment: the filter (kept in the address), every analysis on the page, and two segments compared."""

import json
from datetime import UTC, datetime, timedelta

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec
from tests.app._researcher import open_page, texts

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def sort(pid: str, role: str, day: int, minutes: float, *groups: tuple[str, list[str]]) -> Sort:
    start = T0 + timedelta(days=day)
    return Sort(pid, tuple(Group(label, tuple(cards)) for label, cards in groups), started_at=start,
                finished_at=start + timedelta(minutes=minutes), answers={"role": role})


def seed(engine) -> None:
    """Students (p1, p2) put A+B and C+D together; staff (p3, p4) do not agree.

    Staff pairs: A-B 1/2, A-C 2/2, B-C 1/2, B-D 1/2, A-D and C-D 0/2. Students: A-B and C-D 2/2, the rest 0/2.
    """
    store.create_study(engine, study_from_spec({"name": "Groceries", "kind": "open", "cards": list("ABCD")}, "s1"))
    store.import_sorts(engine, "s1", [
        sort("p1", "student", 0, 5, ("Fruit", ["c1", "c2"]), ("Veg", ["c3", "c4"])),
        sort("p2", "student", 1, 6, ("Fruit", ["c1", "c2"]), ("Veg", ["c3", "c4"])),
        sort("p3", "staff", 2, 9, ("Food", ["c1", "c2", "c3"]), ("Other", ["c4"])),
        sort("p4", "staff", 3, 20, ("Food", ["c1", "c3"]), ("Misc", ["c2", "c4"])),
    ])


STUDENTS = json.dumps({"answers": {"role": ["student"]}}, separators=(",", ":"))


def navigation(at):
    table = at.table[0].value
    return [list(table[c]) for c in ("Category", "Cards", "Agreement")]


def test_filtering_by_an_answer_changes_every_analysis_and_the_address(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1")
    role = at.multiselect(key="segment:s1:answer:role")
    assert role.label == "Answer to “role”" and role.options == ["staff (2)", "student (2)"] and role.value == []
    assert "segment" not in at.query_params
    assert "from the sorts of 4 participants" in texts(at)
    role.select("student").run()
    assert at.query_params["segment"] == STUDENTS
    assert at.info[0].value == ("Segment: role is student. Every analysis, chart and export on this page reads "
                                "only its 2 analysed participants (of 4).")
    assert [c.value for c in at.markdown][0] == "2 of them in the segment and analysed"
    assert at.metric[2].value == "5 min 30 s"  # the median of the students' 5 and 6 minutes
    assert navigation(at) == [["Fruit", "Veg"], ["A, B", "C, D"], ["100%", "100%"]]
    assert "2 categories from the sorts of 2 participants (average linkage)" in texts(at)
    # back to everyone: the address loses the segment
    at.multiselect(key="segment:s1:answer:role").unselect("student").run()
    assert "segment" not in at.query_params
    assert "from the sorts of 4 participants" in texts(at)


def test_a_link_with_a_segment_opens_it(app_db):
    seed(app_db)
    link = json.dumps({"answers": {"role": "staff"}, "min_seconds": 600})
    at = open_page("results.py", study="s1", segment=link)
    assert not at.exception
    assert at.multiselect(key="segment:s1:answer:role").value == ["staff"]
    assert at.number_input(key="segment:s1:min").value == 10
    assert at.info[0].value.startswith("Segment: role is staff; took at least 10 min. ")
    assert at.info[0].value.endswith("reads only its 1 analysed participant (of 4).")
    # the address now holds the canonical form, and a rerun keeps the filter
    at.button(key="refresh").click().run()
    assert at.multiselect(key="segment:s1:answer:role").value == ["staff"]
    assert json.loads(at.query_params["segment"]) == {"answers": {"role": ["staff"]}, "min_seconds": 600}


def test_a_bad_segment_in_the_address_is_named_and_left_out(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1", segment='{"role": "x"}')
    assert not at.exception
    assert at.error[0].value == ("The segment in the address was left out: unknown segment key 'role'; allowed: "
                                 "answers, tags, finished_from, finished_until, min_seconds, max_seconds, invert.")
    assert "from the sorts of 4 participants" in texts(at)
    assert "segment" not in at.query_params


def test_a_segment_without_sorts_says_so(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1")
    at.date_input(key="segment:s1:from").set_value(datetime(2026, 12, 1).date()).run()
    assert "No analysed sort is in this segment: widen the filter above." in [i.value for i in at.info]
    assert len(at.tabs) == 0


def test_dates_the_wrong_way_round_are_named(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1")
    at.date_input(key="segment:s1:from").set_value(datetime(2026, 11, 4).date()).run()
    at.date_input(key="segment:s1:until").set_value(datetime(2026, 11, 3).date()).run()
    assert at.error[0].value.startswith("The completion dates are the wrong way round")
    assert "from the sorts of 4 participants" in texts(at)
    # from Nov 3 (p2 finished Nov 3 09:06) to Nov 4 inclusive: p2 and p4? p4 finished Nov 5. So p2, p3.
    at.date_input(key="segment:s1:from").set_value(datetime(2026, 11, 3).date()).run()
    at.date_input(key="segment:s1:until").set_value(datetime(2026, 11, 4).date()).run()
    assert json.loads(at.query_params["segment"]) == {"finished_from": "2026-11-03T00:00:00+00:00",
                                                      "finished_until": "2026-11-05T00:00:00+00:00"}
    assert "from the sorts of 2 participants" in texts(at)


def test_two_segments_compared_side_by_side(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1", segment=STUDENTS)
    tab = next(t for t in at.tabs if t.label == "Compare segments")
    assert [h.value for h in tab.header] == ["Segment A", "Segment B", "Pairs of cards that differ most"]
    assert "Everyone except: role is student: 2 analysed participants." in [m.value for m in tab.markdown]
    a_nav, b_nav, pairs = (t.value for t in tab.table)
    assert list(a_nav["Cards"]) == ["A, B", "C, D"]
    assert b_nav.values.tolist() == [["Misc", "D", "50%"], ["Food (2)", "B", "0%"], ["Food", "A, C", "100%"]]
    # A - C: 0 of 2 students vs 2 of 2 staff; C - D the other way; Fisher p = 1/3 each, q = 1 over 6 pairs
    assert pairs.values.tolist()[:2] == [
        ["A + C", "0 of 2 (0%)", "2 of 2 (100%)", "-100%", "-100% to -7%", "0.333", "1.000", "Could be chance"],
        ["C + D", "2 of 2 (100%)", "0 of 2 (0%)", "+100%", "+7% to +100%", "0.333", "1.000", "Could be chance"]]
    assert [r[0] for r in pairs.values.tolist()] == ["A + C", "C + D", "A + B", "B + C", "B + D", "A + D"]
    assert "Segment comparison CSV" in [b.label for b in tab.get("download_button")]
    # segment B chosen explicitly: the same staff, now in the address as ?compare=
    at.multiselect(key="compare:s1:answer:role").select("staff").run()
    assert json.loads(at.query_params["compare"]) == {"answers": {"role": ["staff"]}}
    tab = next(t for t in at.tabs if t.label == "Compare segments")
    assert "Role is staff: 2 analysed participants." in [m.value for m in tab.markdown]
    assert tab.table[2].value.values.tolist()[0][0] == "A + C"


def test_without_a_segment_the_comparison_says_what_to_do(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1")
    tab = next(t for t in at.tabs if t.label == "Compare segments")
    assert tab.info[0].value.startswith("Choose segment A in the filter at the top of the page")


def test_the_trust_page_and_its_report_follow_the_segment(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1")
    at.multiselect(key="segment:s1:answer:role").select("staff").run()
    # the sidebar's links drop the address: the segment chosen for the study comes along
    for name in list(at.query_params):
        if name != "study":
            del at.query_params[name]
    at.switch_page("app_pages/trust.py").run()
    assert not at.exception
    assert at.multiselect(key="segment:s1:answer:role").value == ["staff"]
    assert at.info[0].value.startswith("Segment: role is staff. Every tab here, and the report, reads only its sorts")
    assert json.loads(at.query_params["segment"]) == {"answers": {"role": ["staff"]}}
    assert at.tabs[0].dataframe[0].value["Participant"].tolist() == ["p3", "p4"]
    at.button(key="build_report:s1").click().run()
    assert [b.label for b in at.tabs[-1].get("download_button")][0] == "Download HTML report"
    # and back: everyone again on Trust, then on Results
    at.multiselect(key="segment:s1:answer:role").unselect("staff").run()
    assert at.tabs[0].dataframe[0].value["Participant"].tolist() == ["p1", "p2", "p3", "p4"]
    assert "segment" not in at.query_params
    at.switch_page("app_pages/results.py").run()
    assert at.multiselect(key="segment:s1:answer:role").value == []
    assert "from the sorts of 4 participants" in texts(at)


def test_a_link_with_a_time_of_day_keeps_it_while_its_day_is_chosen(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1", segment='{"finished_from": "2026-11-03T09:07:00Z"}')
    assert at.date_input(key="segment:s1:from").value == datetime(2026, 11, 3).date()
    assert at.info[0].value.startswith("Segment: completed from 2026-11-03 09:07 UTC. ")
    assert "from the sorts of 2 participants" in texts(at)  # p2 finished at 09:06 that day: left out
    at.button(key="refresh").click().run()
    assert json.loads(at.query_params["segment"]) == {"finished_from": "2026-11-03T09:07:00+00:00"}
    at.date_input(key="segment:s1:from").set_value(datetime(2026, 11, 4).date()).run()
    assert json.loads(at.query_params["segment"]) == {"finished_from": "2026-11-04T00:00:00+00:00"}


def test_a_linked_value_nobody_has_stays_chosen(app_db):
    seed(app_db)
    at = open_page("results.py", study="s1", segment='{"answers": {"role": ["alumni"], "age": "30"}}')
    assert at.multiselect(key="segment:s1:answer:role").options == ["staff (2)", "student (2)", "alumni (0)"]
    assert at.multiselect(key="segment:s1:answer:age").value == ["30"]
    assert "No analysed sort is in this segment: widen the filter above." in [i.value for i in at.info]
    at.button(key="refresh").click().run()
    assert at.multiselect(key="segment:s1:answer:role").value == ["alumni"]
    assert json.loads(at.query_params["segment"]) == {"answers": {"age": ["30"], "role": ["alumni"]}}
    at.multiselect(key="segment:s1:answer:age").unselect("30").run()
    assert json.loads(at.query_params["segment"]) == {"answers": {"role": ["alumni"]}}


def test_compared_segments_quote_answers_as_participants_gave_them(app_db):
    store.create_study(app_db, study_from_spec({"name": "Groceries", "kind": "open", "cards": list("ABCD")}, "s1"))
    store.import_sorts(app_db, "s1", [
        sort("p1", "Student", 0, 5, ("Fruit", ["c1", "c2"]), ("Veg", ["c3", "c4"])),
        sort("p2", "Staff", 1, 6, ("Food", ["c1", "c2", "c3"]), ("Other", ["c4"]))])
    at = open_page("results.py", study="s1", segment=json.dumps({"answers": {"role": ["Student"]}}))
    tab = next(t for t in at.tabs if t.label == "Compare segments")
    shown = [m.value for m in tab.markdown]
    assert "Role is Student: 1 analysed participant." in shown
    assert "Everyone except: role is Student: 1 analysed participant." in shown
