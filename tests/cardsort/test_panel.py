"""Panels: the panel setting, participant id and tags from the URL, redirects with the id, quota and closing time."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cardsort import formats, store
from cardsort.model import Group, Sort, sort_from_dict, study_from_spec
from cardsort.panel import (
    Panel,
    accepts,
    check_redirect_url,
    closed_reason,
    extract_tags,
    panel_from_dict,
    panel_link,
    participant_id,
    redirect_url,
    validate_participant_id,
)

PROLIFIC = {"id_param": "PROLIFIC_PID", "tag_params": ["STUDY_ID", "SESSION_ID"],
            "complete_url": "https://app.prolific.com/submissions/complete?cc=C1A2B3&p={pid}",
            "screenout_url": "https://app.prolific.com/submissions/complete?cc=SCREEN",
            "quota_full_url": "https://panel.example/full?id={pid}", "completion_code": "C1A2B3",
            "quota": 2, "closes_at": "2026-12-31T18:00:00+01:00"}
SPEC = {"name": "Library", "kind": "open", "cards": ["Opening hours", "Renew a loan", "Jobs"]}


# --- the setting ---------------------------------------------------------------------------------

def test_panel_from_dict_reads_every_field_and_round_trips_through_the_spec():
    panel = panel_from_dict(PROLIFIC)
    assert panel.id_param == "PROLIFIC_PID" and panel.tag_params == ("STUDY_ID", "SESSION_ID")
    assert panel.quota == 2 and panel.completion_code == "C1A2B3"
    assert panel.closes_at == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    study = study_from_spec({**SPEC, "panel": PROLIFIC}, "s1")
    assert study.panel == panel
    assert study.to_spec()["panel"] == {**PROLIFIC, "closes_at": "2026-12-31T18:00:00+01:00"}
    assert study_from_spec(study.to_spec(), "s1") == study


def test_no_panel_is_the_default_and_old_specs_stay_valid():
    study = study_from_spec(SPEC, "s1")
    assert study.panel == Panel() and not study.panel.any()
    assert "panel" not in study.to_spec()
    assert panel_from_dict(None) == panel_from_dict({}) == panel_from_dict({"complete_url": " "}) == Panel()


def test_tag_params_may_be_written_as_text_and_repeats_are_dropped():
    assert panel_from_dict({"tag_params": "STUDY_ID, SESSION_ID STUDY_ID"}).tag_params == ("STUDY_ID", "SESSION_ID")


@pytest.mark.parametrize("panel, message", [
    ([], "panel must be an object"),
    ({"redirect": "https://x.org"}, "unknown panel setting 'redirect'; allowed: id_param, tag_params"),
    ({"id_param": "PROLIFIC PID"}, "panel.id_param must be a URL parameter name"),
    ({"id_param": "study"}, "panel.id_param cannot be 'study'"),
    ({"tag_params": ["STUDY_ID", "pid"]}, "panel.tag_params cannot include 'pid'"),
    ({"id_param": "PID", "tag_params": ["PID"]}, "panel.tag_params cannot include 'PID'"),
    ({"tag_params": 3}, "panel.tag_params must be a list"),
    ({"tag_params": [f"t{i}" for i in range(21)]}, "at most 20"),
    ({"complete_url": "javascript:alert(1)"}, "panel.complete_url must be an http:// or https:// address"),
    ({"screenout_url": "ftp://x.org/"}, "panel.screenout_url must be an http:// or https:// address"),
    ({"quota_full_url": "https:///nohost"}, "panel.quota_full_url must be an http:// or https:// address"),
    ({"complete_url": "https://x.org/a b"}, "panel.complete_url must not contain spaces"),
    ({"complete_url": 'https://x.org/"><script>'}, "panel.complete_url must not contain spaces, quotes"),
    ({"complete_url": "https://x.org/" + "a" * 2000}, "panel.complete_url is 2,014 characters long"),
    ({"completion_code": "C1 A2"}, "panel.completion_code must be 1 to 100 letters"),
    ({"quota": 0}, "panel.quota must be a positive whole number"),
    ({"quota": True}, "panel.quota must be a positive whole number"),
    ({"quota": "10"}, "panel.quota must be a positive whole number"),
    ({"closes_at": "tomorrow"}, "panel.closes_at 'tomorrow' is not an ISO 8601 date and time"),
    ({"closes_at": "2026-12-31T18:00:00"}, "panel.closes_at '2026-12-31T18:00:00' needs a timezone"),
])
def test_bad_panel_settings_are_refused_naming_the_setting(panel, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        study_from_spec({**SPEC, "panel": panel}, "s1")


def test_a_redirect_may_hold_pid_anywhere():
    assert check_redirect_url("https://x.org/{pid}/done", "u") == "https://x.org/{pid}/done"
    assert check_redirect_url(" http://127.0.0.1:8000/?p={pid} ", "u") == "http://127.0.0.1:8000/?p={pid}"


# --- arrival: id and tags --------------------------------------------------------------------------

@pytest.mark.parametrize("pid", ["p1", "PROLIFIC_5f3a", "a.b@c-d", "x" * 100])
def test_participant_ids_allowed(pid):
    assert validate_participant_id(pid) == pid


@pytest.mark.parametrize("pid", [None, "", "has space", "x" * 101, "<script>", "ü"])
def test_participant_ids_refused(pid):
    with pytest.raises(ValueError, match="letters, digits"):
        validate_participant_id(pid)


def test_the_panels_id_parameter_comes_first_then_pid():
    panel = panel_from_dict(PROLIFIC)
    params = {"study": "s1", "PROLIFIC_PID": "abc", "pid": "p9", "STUDY_ID": "st", "SESSION_ID": "se"}
    assert participant_id(panel, params) == "abc"
    assert participant_id(panel, {**params, "PROLIFIC_PID": "a b"}) == "p9"  # malformed: the page's own pid
    assert participant_id(panel, {"study": "s1", "pid": "p9"}) == "p9"
    assert participant_id(Panel(), params) == "p9"
    assert participant_id(panel, {"PROLIFIC_PID": ""}) is None
    assert participant_id(Panel(), {"pid": "x" * 101}) is None


def test_tags_are_the_named_parameters_or_every_other_one():
    params = {"study": "s1", "PROLIFIC_PID": "abc", "STUDY_ID": " st1 ", "SESSION_ID": "se1", "utm": "mail",
              "embed": "true", "pid": "p"}
    assert extract_tags(panel_from_dict(PROLIFIC), params) == {"STUDY_ID": "st1", "SESSION_ID": "se1"}
    assert extract_tags(panel_from_dict({"id_param": "PROLIFIC_PID"}), params) == {
        "STUDY_ID": "st1", "SESSION_ID": "se1", "utm": "mail"}
    assert extract_tags(Panel(), params) == {"PROLIFIC_PID": "abc", "STUDY_ID": "st1", "SESSION_ID": "se1",
                                             "utm": "mail"}


def test_tags_are_bounded_and_clean():
    params = {"bad name": "x", "nul": "a\x00b", "empty": " ", "long": "v" * 500,
              **{f"t{i:02d}": str(i) for i in range(30)}}
    tags = extract_tags(Panel(), params)
    assert len(tags) == 20 and tags["long"] == "v" * 200
    assert not {"bad name", "nul", "empty"} & set(tags)


# --- leaving: redirects ---------------------------------------------------------------------------------

def test_redirects_substitute_the_url_encoded_id():
    panel = panel_from_dict(PROLIFIC)
    assert redirect_url(panel, "complete", "a@b.c") == \
        "https://app.prolific.com/submissions/complete?cc=C1A2B3&p=a%40b.c"
    assert redirect_url(panel, "screenout", "abc") == "https://app.prolific.com/submissions/complete?cc=SCREEN"
    assert redirect_url(panel, "quota_full", "x/y&z") == "https://panel.example/full?id=x%2Fy%26z"
    assert redirect_url(Panel(), "complete", "abc") is None


def test_panel_link_shows_the_parameters_as_placeholders():
    assert panel_link("/sort?study=s1", panel_from_dict(PROLIFIC)) == (
        "/sort?study=s1&PROLIFIC_PID={{%PROLIFIC_PID%}}&STUDY_ID={{%STUDY_ID%}}&SESSION_ID={{%SESSION_ID%}}")
    assert panel_link("/sort?study=s1", Panel()) == "/sort?study=s1"


# --- closing: quota and date ------------------------------------------------------------------------------

NOON = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("quota, closes_at, completed, now, reason", [
    (None, None, 10_000, NOON, None),
    (3, None, 2, NOON, None),
    (3, None, 3, NOON, "quota"),
    (3, None, 4, NOON, "quota"),
    (None, NOON, 0, NOON - timedelta(seconds=1), None),
    (None, NOON, 0, NOON, "date"),
    (None, datetime(2026, 12, 1, 13, 0, tzinfo=timezone(timedelta(hours=1))), 0, NOON, "date"),
    (3, NOON, 3, NOON + timedelta(days=1), "quota"),
])
def test_closed_reason(quota, closes_at, completed, now, reason):
    assert closed_reason(Panel(quota=quota, closes_at=closes_at), completed, now) == reason


def test_participants_in_progress_may_still_submit():
    full = Panel(quota=2)
    assert accepts(full, 1, NOON, in_progress_since=None)
    assert not accepts(full, 2, NOON, in_progress_since=None)
    assert accepts(full, 2, NOON, in_progress_since=NOON - timedelta(hours=1))  # started before it filled
    closing = Panel(closes_at=NOON)
    late = NOON + timedelta(minutes=5)
    assert accepts(closing, 0, late, in_progress_since=NOON - timedelta(minutes=20))
    assert not accepts(closing, 0, late, in_progress_since=None)


# --- tags with the sort: model, exports, store ---------------------------------------------------------------

def test_tags_in_the_sorts_json():
    sort = Sort("p1", (Group("A", ("c1",)),), tags={"STUDY_ID": "st1"})
    assert sort.to_dict()["tags"] == {"STUDY_ID": "st1"}
    assert sort_from_dict(sort.to_dict()) == sort
    assert sort_from_dict({"participant": "p1", "groups": []}).tags == {}
    with pytest.raises(ValueError, match="participant 'p1': tags must be an object"):
        sort_from_dict({"participant": "p1", "groups": [], "tags": ["x"]})


def test_long_csv_has_one_tag_column_per_tag_name():
    study = study_from_spec(SPEC, "s1")
    sorts = [Sort("p1", (Group("A", ("c1", "c2")),), tags={"STUDY_ID": "st1", "SESSION_ID": "=se1"}),
             Sort("p2", (Group("B", ("c3",)),)),
             Sort("p3", (Group("C", ("c1",)),), tags={"utm": "mail"})]
    lines = formats.export_long(study, sorts).splitlines()
    assert lines[0] == ("participant,card,category,category_id,started_at,finished_at,"
                        "tag:STUDY_ID,tag:SESSION_ID,tag:utm")
    assert lines[1:] == ["p1,Opening hours,A,g1,,,st1,'=se1,", "p1,Renew a loan,A,g1,,,st1,'=se1,",
                         "p2,Jobs,B,g1,,,,,", "p3,Opening hours,C,g1,,,,,mail"]
    assert formats.export_long(study, sorts[1:2]).splitlines()[0] == \
        "participant,card,category,category_id,started_at,finished_at"
    again = formats.read_bytes(formats.export_long(study, sorts).encode(), "long")  # the importer ignores tags
    assert sorted(s.participant_id for s in formats.sorts_for_study(again, study)) == ["p1", "p2", "p3"]


def test_tags_are_stored_with_the_sort(engine):
    study = store.create_study(engine, study_from_spec(SPEC, store.new_study_id()))
    tags = {"STUDY_ID": "st1", "SESSION_ID": "سشن"}
    store.submit_sort(engine, study.id, Sort("p1", (Group("A", ("c1",)),), tags=tags))
    store.import_sorts(engine, study.id, [Sort("p2", (Group("B", ("c2",)),))])
    loaded = {s.participant_id: s.tags for s in store.load_sorts(engine, study.id)}
    assert loaded == {"p1": tags, "p2": {}}
    assert {s.participant_id: s.tags for s in store.load_sorts(engine, study.id, groups=False)} == loaded
    store.delete_sort(engine, study.id, "p1")
    assert [s.tags for s in store.load_sorts(engine, study.id)] == [{}]


def test_the_panel_is_stored_in_the_settings_json(engine):
    study = store.create_study(engine, study_from_spec({**SPEC, "panel": PROLIFIC}, store.new_study_id()))
    assert store.get_study(engine, study.id).panel == panel_from_dict(PROLIFIC)
    assert store.get_study(engine, store.duplicate_study(engine, study.id).id).panel == study.panel


def test_quota_counts_completed_non_excluded_sorts_and_submit_accepts_only_those_in_progress(engine):
    study = store.create_study(engine, study_from_spec({**SPEC, "panel": {"quota": 2}}, store.new_study_id()))
    one = (Group("A", ("c1",)),)
    store.save_draft(engine, study.id, "late", {"groups": [], "unsorted": ["c1"]})  # in progress before it filled
    store.submit_sort(engine, study.id, Sort("p1", one))
    store.submit_sort(engine, study.id, Sort("p2", one))
    assert store.completed_count(engine, study.id) == 2
    with pytest.raises(store.StudyClosed, match="quota is reached"):
        store.submit_sort(engine, study.id, Sort("p3", one))  # never started: refused, nothing stored
    assert not store.has_sort(engine, study.id, "p3")
    assert store.submit_sort(engine, study.id, Sort("p1", one))[1] is False  # a resubmission is not refused
    assert store.submit_sort(engine, study.id, Sort("late", one))[1] is True  # in progress: accepted
    assert store.completed_count(engine, study.id) == 3
    store.set_exclusions(engine, study.id, {"p1": True, "p2": True})
    assert store.completed_count(engine, study.id) == 1  # excluded sorts do not count
    assert store.submit_sort(engine, study.id, Sort("p3", one))[1] is True


def test_closing_time_refuses_new_sorts(engine):
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    study = store.create_study(engine, study_from_spec({**SPEC, "panel": {"closes_at": past}}, store.new_study_id()))
    with pytest.raises(store.StudyClosed):
        store.submit_sort(engine, study.id, Sort("p1", (Group("A", ("c1",)),)))
    assert store.import_sorts(engine, study.id, [Sort("p1", (Group("A", ("c1",)),))]) == 1  # imports are not


# --- hostile input ---------------------------------------------------------------------------------------------

_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=30),
                     lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=10), inner, max_size=4),
                     max_leaves=10)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["id_param", "tag_params", "complete_url", "screenout_url", "quota_full_url",
                                        "completion_code", "quota", "closes_at", "other"]), _JSON, max_size=6))
def test_any_panel_object_is_read_whole_or_refused_with_a_value_error(data):
    try:
        panel = panel_from_dict(data)
    except ValueError:
        return
    assert panel_from_dict(panel.to_dict()) == panel
    for outcome in ("complete", "screenout", "quota_full"):
        url = redirect_url(panel, outcome, "a b/&?{pid}")
        assert url is None or (url.lower().startswith(("http://", "https://")) and " " not in url)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=60), st.text(max_size=300), max_size=40))
def test_tags_from_any_url_stay_within_their_limits(params):
    tags = extract_tags(Panel(), params)
    assert len(tags) <= 20 and all(0 < len(v) <= 200 and "\x00" not in v for v in tags.values())
    assert not {"study", "pid", "embed", "embed_options"} & set(tags)
