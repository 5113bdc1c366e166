"""Segments: which sorts a filter keeps, its JSON form, a segmented load_table, and two segments compared."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from scipy.stats import fisher_exact as scipy_fisher

from cardsort import store
from cardsort.loading import analysis_table, load_table
from cardsort.model import Group, Sort, study_from_spec
from cardsort.segments import (
    EVERYONE,
    Segment,
    benjamini_hochberg,
    compare_pairs,
    fisher_exact,
    matching,
    newcombe_interval,
    options,
    overlap,
    segment_from_dict,
    segment_from_json,
    wilson_interval,
)

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
STUDY = study_from_spec({"name": "Shop", "kind": "open", "cards": ["A", "B", "C"]}, "s1")


def sort(pid, groups, answers, tags=None, started=None, finished=None):
    return Sort(pid, tuple(Group(f"G{i}", tuple(g)) for i, g in enumerate(groups)), started_at=started,
                finished_at=finished, answers=answers, tags=tags or {})


# p1, p2 students; p3, p4 staff. A-B together: p1, p2. A-C: p2. B-C: p2, p3.
SORTS = [
    sort("p1", [["c1", "c2"], ["c3"]], {"role": "student", "comments": "fine"}, {"source": "prolific"},
         T0, T0 + timedelta(minutes=5)),                                          # took 300 s
    sort("p2", [["c1", "c2", "c3"]], {"role": "student"}, {"source": "email"},
         T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=12)),             # took 720 s
    sort("p3", [["c1"], ["c2", "c3"]], {"role": "staff", "comments": "hard"}, {"source": "prolific"},
         T0 + timedelta(days=2), T0 + timedelta(days=2, minutes=3)),              # took 180 s
    sort("p4", [["c1"], ["c2"], ["c3"]], {"role": "staff"}, {},
         None, T0 + timedelta(days=3)),                                           # no start time
]
STUDENTS = Segment(answers=(("role", ("student",)),))


@pytest.mark.parametrize(("segment", "kept"), [
    (EVERYONE, ["p1", "p2", "p3", "p4"]),
    (STUDENTS, ["p1", "p2"]),
    (STUDENTS.inverted(), ["p3", "p4"]),
    (Segment(answers=(("role", ("staff", "student")),), tags=(("source", ("prolific",)),)), ["p1", "p3"]),
    (Segment(tags=(("source", ("email", "prolific")),)), ["p1", "p2", "p3"]),  # p4 has no tag
    (Segment(answers=(("age", ("30",)),)), []),  # nobody answered
    (Segment(finished_from=T0 + timedelta(days=1), finished_until=T0 + timedelta(days=2, minutes=3)), ["p2"]),
    (Segment(finished_from=T0 + timedelta(days=2)), ["p3", "p4"]),
    (Segment(finished_until=T0 + timedelta(minutes=5)), []),  # the end is left out
    (Segment(min_seconds=300, max_seconds=720), ["p1", "p2"]),  # both ends in; p4 has no start time
    (Segment(max_seconds=299), ["p3"]),
    (Segment(answers=(("role", ("student",)),), min_seconds=600), ["p2"]),
])
def test_which_sorts_a_segment_keeps(segment, kept):
    assert matching(SORTS, segment) == kept


def test_a_segment_round_trips_through_compact_json():
    segment = Segment(answers=(("role", ("staff", "student")),), tags=(("source", ("prolific",)),),
                      finished_from=T0, finished_until=T0 + timedelta(days=1), min_seconds=60, max_seconds=90.5,
                      invert=True)
    text = segment.to_json()
    assert text == ('{"answers":{"role":["staff","student"]},"finished_from":"2026-11-02T09:00:00+00:00",'
                    '"finished_until":"2026-11-03T09:00:00+00:00","invert":true,"max_seconds":90.5,'
                    '"min_seconds":60,"tags":{"source":["prolific"]}}')
    assert segment_from_json(text) == segment
    assert EVERYONE.to_json() == "{}" and segment_from_json("") == EVERYONE and segment_from_json(None) == EVERYONE
    assert not EVERYONE and segment and STUDENTS


def test_the_json_form_is_forgiving_in_shape_and_canonical():
    """One value or a list, in any order, naive times as UTC: the same segment and the same text."""
    one = segment_from_dict({"answers": {"role": "student"}, "finished_from": "2026-11-02T09:00"})
    two = segment_from_dict({"finished_from": "2026-11-02T09:00:00Z", "answers": {"role": ["student", "student"]}})
    assert one == two and one.to_json() == two.to_json()


@pytest.mark.parametrize(("data", "problem"), [
    ([], "a segment must be a JSON object"),
    ({"role": "x"}, "unknown segment key 'role'; allowed: answers, tags, finished_from"),
    ({"answers": ["role"]}, "segment answers must be an object"),
    ({"tags": {"source": 3}}, "segment tags.source must be text or a list of texts, not 3"),
    ({"finished_from": "yesterday"}, "segment finished_from 'yesterday' is not an ISO 8601 date and time"),
    ({"finished_from": "2026-11-02", "finished_until": "2026-11-01"}, "finished_from must be before"),
    ({"min_seconds": -1}, "segment min_seconds must be a number of seconds, 0 or more, not -1"),
    ({"max_seconds": True}, "segment max_seconds must be a number of seconds"),
    ({"min_seconds": 10, "max_seconds": 5}, "min_seconds must not be more than max_seconds"),
    ({"invert": "yes"}, "segment invert must be true or false, not 'yes'"),
])
def test_a_bad_segment_names_its_problem(data, problem):
    with pytest.raises(ValueError, match=problem):
        segment_from_dict(data)


def test_bad_json_names_its_problem():
    with pytest.raises(ValueError, match=r"the segment is not valid JSON \(Expecting property name"):
        segment_from_json("{role")


def test_segments_describe_themselves():
    assert EVERYONE.describe() == "everyone"
    assert Segment(answers=(("role", ("staff", "student")),), tags=(("source", ("prolific",)),),
                   finished_from=T0, min_seconds=120, max_seconds=600).describe() == (
        "role is staff or student; tag source is prolific; completed from 2026-11-02 09:00 UTC; took 2–10 min")
    assert STUDENTS.inverted().describe() == "everyone except: role is student"
    assert Segment(finished_until=T0, max_seconds=90).describe() == (
        "completed before 2026-11-02 09:00 UTC; took at most 1.5 min")


def test_options_are_the_values_to_filter_on_without_free_text():
    assert options(SORTS, "answers") == {"role": [("staff", 2), ("student", 2)]}  # comments are free text
    assert options(SORTS, "answers", max_values=2, skip=()) == {"role": [("staff", 2), ("student", 2)],
                                                                "comments": [("fine", 1), ("hard", 1)]}
    assert options(SORTS, "answers", max_values=1) == {}  # two distinct values: free text at 1
    assert options(SORTS, "tags") == {"source": [("prolific", 2), ("email", 1)]}


# --- the comparison, worked by hand ------------------------------------------------------------

def test_wilson_and_newcombe_intervals():
    # Wilson, 2/2: centre (2 + z²/2)/(2 + z²) = 0.67119, half z·sqrt(z²/4)/(2 + z²) = 0.32881
    low, high = wilson_interval(np.array([2, 1, 0]), np.array([2, 2, 2]))
    assert np.round(low, 4).tolist() == [0.3424, 0.0945, 0.0]
    assert np.round(high, 4).tolist() == [1.0, 0.9055, 0.6576]
    # Newcombe (1998), Table II, example (a): 56/70 - 48/80 = 0.2, method 10 gives 0.0524 to 0.3339
    low, high = newcombe_interval(56, 70, 48, 80)
    assert (round(float(low), 4), round(float(high), 4)) == (0.0524, 0.3339)


def test_fisher_exact_is_scipys():
    # [[2, 0], [0, 2]]: the two most extreme of C(4, 2) = 6 equally likely tables, so 2/6
    assert fisher_exact([2, 1, 1], [2, 2, 2], [0, 0, 1], [2, 2, 2]).tolist() == pytest.approx([1 / 3, 1, 1])
    rng = np.random.default_rng(7)
    n1, n2 = rng.integers(1, 40, 200), rng.integers(1, 40, 200)
    x1, x2 = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
    expected = [scipy_fisher([[a, n - a], [b, m - b]]).pvalue for a, n, b, m in zip(x1, n1, x2, n2)]
    assert fisher_exact(x1, n1, x2, n2) == pytest.approx(expected, rel=1e-9)
    assert fisher_exact(x1, n1, x2, n2, budget=50) == pytest.approx(fisher_exact(x1, n1, x2, n2), rel=1e-12)


def test_benjamini_hochberg():
    # sorted p 0.01, 0.02, 0.03, 0.5 of m = 4: 0.04, 0.04, 0.04, 0.5 (each the least of p·m/rank from its rank on)
    assert benjamini_hochberg(np.array([0.5, 0.01, 0.03, 0.02])).tolist() == pytest.approx([0.5, 0.04, 0.04, 0.04])
    assert benjamini_hochberg(np.array([])).tolist() == []


def test_two_segments_compared_pair_by_pair():
    a = analysis_table(STUDY, SORTS, segment=STUDENTS)
    b = analysis_table(STUDY, SORTS, segment=STUDENTS.inverted())
    result = compare_pairs(a, b, overlap(SORTS, STUDENTS, STUDENTS.inverted()))
    assert result.n_pairs == result.n_compared == 3 and result.overlap == ()
    # A-B: 2/2 vs 0/2; A-C: 1/2 vs 0/2; B-C: 1/2 vs 1/2. Fisher: 1/3, 1, 1; BH over 3: 1/3·3 = 1, so q = 1 for all.
    assert result.rows() == [
        {"card_a": "A", "card_b": "B", "together_a": 2, "seen_a": 2, "share_a": 1.0, "together_b": 0, "seen_b": 2,
         "share_b": 0.0, "difference": 1.0, "low": 0.07, "high": 1.0, "p": 0.333333, "q": 1.0},
        {"card_a": "A", "card_b": "C", "together_a": 1, "seen_a": 2, "share_a": 0.5, "together_b": 0, "seen_b": 2,
         "share_b": 0.0, "difference": 0.5, "low": -0.2726, "high": 0.9055, "p": 1.0, "q": 1.0},
        {"card_a": "B", "card_b": "C", "together_a": 1, "seen_a": 2, "share_a": 0.5, "together_b": 1, "seen_b": 2,
         "share_b": 0.5, "difference": 0.0, "low": -0.5734, "high": 0.5734, "p": 1.0, "q": 1.0},
    ]
    assert [r["card_b"] for r in result.rows(top=1)] == ["B"]


def test_pairs_count_only_participants_who_saw_both_cards():
    """A subset study: a pair nobody in one segment saw is not compared; n is who saw both."""
    study = study_from_spec({"name": "Sub", "kind": "open", "cards": ["A", "B", "C"]}, "s2")
    sorts = [sort("p1", [["c1", "c2"]], {"g": "x"}), sort("p2", [["c1"], ["c3"]], {"g": "x"}),
             sort("p3", [["c1", "c2", "c3"]], {"g": "y"})]
    x = Segment(answers=(("g", ("x",)),))
    result = compare_pairs(analysis_table(study, sorts, segment=x), analysis_table(study, sorts, segment=x.inverted()))
    # A-B: 1/1 vs 1/1; A-C: 0/1 vs 1/1; B-C: nobody in x saw both, so not compared
    assert [(r["card_a"], r["card_b"], r["seen_a"], r["seen_b"], r["difference"]) for r in result.rows()] == [
        ("A", "C", 1, 1, -1.0), ("A", "B", 1, 1, 0.0)]
    assert (result.n_pairs, result.n_compared) == (3, 2)


def test_overlapping_segments_are_named():
    both = overlap(SORTS, STUDENTS, Segment(tags=(("source", ("prolific",)),)))
    assert both == ["p1"]


# --- stored: load_table with a segment ---------------------------------------------------------

def test_load_table_reads_only_the_segment(engine):
    store.create_study(engine, STUDY)
    store.import_sorts(engine, "s1", SORTS)
    store.set_exclusions(engine, "s1", {"p2": True})
    students = load_table(engine, "s1", segment=STUDENTS)
    assert students is not None and students.participants == ("p1",)  # p2 is excluded
    assert students.card.tolist() == [0, 1, 2] and students.group_participant.tolist() == [0, 0]
    staff = load_table(engine, "s1", segment=STUDENTS.inverted())
    assert staff is not None and staff.participants == ("p3", "p4")
    assert load_table(engine, "s1", segment=Segment(answers=(("role", ("nobody",)),))) is None
    everyone = load_table(engine, "s1")
    assert everyone is not None and everyone.participants == ("p1", "p3", "p4")
    # the same table as from the sorts in memory
    in_memory = analysis_table(STUDY, store.load_sorts(engine, "s1"), {"p2"}, segment=STUDENTS.inverted())
    assert in_memory is not None
    assert {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(staff).items()} == \
        {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(in_memory).items()}
    # sorts already read are used as they are (the loader's times and answers; tags from memory here)
    by_tag = load_table(engine, "s1", segment=Segment(tags=(("source", ("prolific",)),)), sorts=SORTS)
    assert by_tag is not None and by_tag.participants == ("p1", "p3")


# --- the report and the command line -----------------------------------------------------------

def test_the_report_and_the_cli_read_only_the_segment(engine, tmp_path, monkeypatch, capsys):
    import json

    from cardsort.__main__ import main
    from cardsort.report import load_report, render

    store.create_study(engine, STUDY)
    store.import_sorts(engine, "s1", SORTS)
    report = load_report(engine, "s1", segment=STUDENTS.inverted())
    assert report.n_sorts == 2 and report.analysis is not None and report.analysis.n_participants == 2
    assert list(report.flags["participant"]) == ["p3", "p4"]
    assert list(report.comments["participant"]) == ["p3"]  # only p3 of the two commented
    data = json.loads(render(report, "json"))
    assert data["segment"] == {"answers": {"role": ["student"]}, "invert": True,
                               "description": "everyone except: role is student"}
    assert "Segment: everyone except: role is student." in render(report, "html")
    assert "segment" not in json.loads(render(load_report(engine, "s1"), "json"))  # unchanged without one
    if engine.dialect.name != "sqlite":
        return  # the CLI opens DATABASE_URL without the test schema
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    out = tmp_path / "r.json"
    assert main(["report", "s1", "-o", str(out), "--format", "json", "--segment", STUDENTS.to_json()]) == 0
    assert json.loads(out.read_text())["participants"] == {"submitted": 2, "excluded": [], "analysed": 2}
    capsys.readouterr()
    segment = '{"answers": {"role": "staff"}, "max_seconds": 200}'  # tags are stored by another part
    assert main(["study", "export", "s1", "--format", "json", "--segment", segment]) == 0
    assert [s["participant"] for s in json.loads(capsys.readouterr().out)["sorts"]] == ["p3"]
    with pytest.raises(SystemExit) as exit_:
        main(["report", "s1", "-o", str(out), "--segment", '{"role": "x"}'])
    assert exit_.value.code == 2
    assert "argument --segment: unknown segment key 'role'" in capsys.readouterr().err


def test_a_segment_larger_than_one_query_may_name_is_filtered_as_arrays(engine, monkeypatch):
    store.create_study(engine, STUDY)
    store.import_sorts(engine, "s1", SORTS)
    in_query = load_table(engine, "s1", segment=STUDENTS.inverted())
    monkeypatch.setattr(store, "MAX_IN_LIST", 1)
    as_arrays = load_table(engine, "s1", segment=STUDENTS.inverted())
    assert in_query is not None and as_arrays is not None and as_arrays.participants == ("p3", "p4")
    assert {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(in_query).items()} == \
        {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in vars(as_arrays).items()}
    with pytest.raises(ValueError, match="at most 1 participants can be chosen in the query, not 2"):
        store.load_placements(engine, "s1", participants=["p3", "p4"])
