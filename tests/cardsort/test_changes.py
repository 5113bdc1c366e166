"""Who changed what: each researcher action records exactly one change, with its actor, action and summary,
in the same transaction as the change (a refused change records nothing; a refused record changes nothing).

SQLite always, PostgreSQL with TEST_DATABASE_URL (the ``engine`` fixture).
"""

from __future__ import annotations

import getpass
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cardsort import changes, store
from cardsort.__main__ import main
from cardsort.model import Card, Category, Group, Sort, study_from_spec, utcnow
from cardsort.panel import Panel

ANA = "ana@example.org"
BO = "bo@example.org"
SPEC = {"name": "Library", "kind": "hybrid", "status": "draft",
        "cards": ["Opening hours", "Renew a loan", "Events"], "categories": ["Visit", "Borrow"]}


def make(engine, actor: str | None = ANA):
    return store.create_study(engine, study_from_spec(SPEC, "s1"), actor=actor)


def recorded(engine, do, study_id: str = "s1") -> dict:
    """Run ``do()``; the study must have exactly one change more, which is returned."""
    before = changes.count_for_study(engine, study_id)
    do()
    assert changes.count_for_study(engine, study_id) == before + 1
    [change] = changes.for_study(engine, study_id, limit=1)
    return change


def nothing_recorded(engine, do, study_id: str = "s1") -> None:
    before = changes.count_for_study(engine, study_id)
    do()
    assert changes.count_for_study(engine, study_id) == before


def summary(change: dict) -> tuple[str, str, str]:
    return change["actor"], change["action"], change["summary"]


def sort(pid: str, *cards: str) -> Sort:
    return Sort(pid, (Group("Visit", cards, "k1"),), finished_at=utcnow())


def with_sorts(engine, *pids: str) -> None:
    make(engine)
    store.import_sorts(engine, "s1", [sort(p, "c1", "c2") for p in pids], actor=ANA)


# --- studies -------------------------------------------------------------------------------------

def test_creating_a_study_records_who_and_when(engine):
    before = datetime.now(UTC)
    change = recorded(engine, lambda: make(engine))
    assert summary(change) == (ANA, "study.created", "Created the study “Library” (hybrid sort, 3 cards)")
    assert (change["study_id"], change["job_id"], change["audit_id"]) == ("s1", None, None)
    assert change["detail"] == {"name": "Library", "kind": "hybrid", "status": "draft", "cards": 3}
    assert change["at"].tzinfo is not None and before <= change["at"] <= datetime.now(UTC)
    assert change["at"] == store.get_study(engine, "s1").created_at  # the same moment as the study's own


EDITS = [
    (lambda s: replace(s, name="Library, round 2"), "Edited the study: name (“Library” → “Library, round 2”)"),
    (lambda s: replace(s, cards=(s.cards[0], s.cards[2], Card("c4", "Café"))),
     "Edited the study: cards (1 added, 1 removed)"),
    (lambda s: replace(s, cards=(replace(s.cards[0], description="When we are open"), *s.cards[1:])),
     "Edited the study: cards"),
    (lambda s: replace(s, categories=(*s.categories, Category("k3", "Events"))),
     "Edited the study: categories (1 added)"),
    (lambda s: replace(s, settings=replace(s.settings, max_groups=4)), "Edited the study: settings"),
    (lambda s: replace(s, texts=replace(s.texts, welcome="Hello")), "Edited the study: participant texts"),
    (lambda s: replace(s, panel=Panel(quota=50)), "Edited the study: panel settings"),
    (lambda s: replace(s, kind="open", categories=(), language="fa"),
     "Edited the study: kind of sort (hybrid → open), language (en → fa) and categories (2 removed)"),
    (lambda s: replace(s, name="Library 2", status="open", settings=replace(s.settings, randomize=False)),
     "Edited the study: name (“Library” → “Library 2”), status (draft → open) and settings"),
]


@pytest.mark.parametrize(("edit", "expected"), EDITS)
def test_each_edit_records_what_changed(engine, edit, expected):
    study = make(engine)
    change = recorded(engine, lambda: store.update_study(engine, edit(study), actor=BO))
    assert summary(change) == (BO, "study.edited", expected)


def test_an_edit_keeps_the_ids_added_and_removed_in_its_detail(engine):
    study = make(engine)
    change = recorded(engine, lambda: store.update_study(
        engine, replace(study, cards=(study.cards[0], Card("c4", "Café")), name="L"), actor=BO))
    assert change["detail"] == {"changed": ["name", "cards"], "name": {"from": "Library", "to": "L"},
                                "cards": {"added": ["c4"], "removed": ["c2", "c3"]}}


def test_saving_a_study_unchanged_records_nothing(engine):
    study = make(engine)
    nothing_recorded(engine, lambda: store.update_study(engine, store.get_study(engine, "s1"), actor=BO))
    nothing_recorded(engine, lambda: store.update_study(engine, study, actor=BO))


@pytest.mark.parametrize(("status", "expected"), [
    ("open", "Opened the study"), ("closed", "Closed the study")])
def test_opening_and_closing_record_the_status(engine, status, expected):
    make(engine)
    change = recorded(engine, lambda: store.set_status(engine, "s1", status, actor=BO))
    assert summary(change) == (BO, "study.status", expected)
    assert change["detail"] == {"changed": ["status"], "status": {"from": "draft", "to": status}}


def test_back_in_draft(engine):
    make(engine)
    store.set_status(engine, "s1", "open", actor=ANA)
    change = recorded(engine, lambda: store.set_status(engine, "s1", "draft", actor=BO))
    assert summary(change) == (BO, "study.status", "Put the study back in draft")


def test_archiving_and_back(engine):
    make(engine)
    change = recorded(engine, lambda: store.set_archived(engine, "s1", True, actor=BO))
    assert summary(change) == (BO, "study.archived", "Archived the study")
    change = recorded(engine, lambda: store.set_archived(engine, "s1", False, actor=ANA))
    assert summary(change) == (ANA, "study.unarchived", "Brought the study back from the archive")


def test_a_duplicate_records_its_creation_on_the_copy_only(engine):
    make(engine)
    before = changes.count_for_study(engine, "s1")
    copy = store.duplicate_study(engine, "s1", actor=BO)
    assert changes.count_for_study(engine, "s1") == before
    [change] = changes.for_study(engine, copy.id)
    assert summary(change) == (BO, "study.created", "Created the study “Library (copy)” as a copy of “Library”")
    assert change["detail"]["copied_from"] == "s1"


def test_deleting_a_study_is_recorded_and_its_history_stays(engine):
    with_sorts(engine, "p1", "p2")
    change = recorded(engine, lambda: store.delete_study(engine, "s1", actor=BO))
    assert summary(change) == (BO, "study.deleted", "Deleted the study “Library” with its 2 sorts and 3 cards")
    assert change["detail"] == {"name": "Library", "cards": 3, "categories": 2, "sorts": 2, "drafts": 0,
                                "label_decisions": 0, "notes": 0}
    assert [c["action"] for c in changes.for_study(engine, "s1")] == ["study.deleted", "sorts.imported",
                                                                       "study.created"]


def test_deleting_one_sort(engine):
    with_sorts(engine, "p1", "p2")
    change = recorded(engine, lambda: store.delete_sort(engine, "s1", "p1", actor=BO))
    assert summary(change) == (BO, "sort.deleted", "Deleted the sort of participant “p1”")


# --- exclusions, label decisions, notes ----------------------------------------------------------

def test_excluding_and_including_participants(engine):
    with_sorts(engine, "p1", "p2", "p3")
    change = recorded(engine, lambda: store.set_excluded(engine, "s1", "p1", True, actor=BO))
    assert summary(change) == (BO, "participant.excluded", "Excluded participant “p1” from the analyses")
    # p1 is excluded already: only p2 changes
    change = recorded(engine, lambda: store.set_exclusions(engine, "s1", {"p1": True, "p2": True}, actor=BO))
    assert summary(change) == (BO, "participant.excluded", "Excluded participant “p2” from the analyses")
    assert change["detail"] == {"excluded": ["p2"], "included": []}
    change = recorded(engine, lambda: store.set_exclusions(engine, "s1", {"p1": False, "p2": False}, actor=ANA))
    assert summary(change) == (ANA, "participant.included",
                               "Included 2 participants (“p1” and “p2”) in the analyses again")
    store.set_excluded(engine, "s1", "p3", True, actor=ANA)
    change = recorded(engine, lambda: store.set_exclusions(engine, "s1", {"p1": True, "p2": True, "p3": False},
                                                           actor=BO))
    assert summary(change) == (BO, "participant.exclusions", "Excluded “p1” and “p2” and included “p3” again")


def test_exclusions_already_as_asked_record_nothing(engine):
    with_sorts(engine, "p1")
    nothing_recorded(engine, lambda: store.set_exclusions(engine, "s1", {"p1": False}, actor=BO))


def test_many_participants_are_listed_up_to_ten(engine):
    pids = [f"p{i:02d}" for i in range(12)]
    with_sorts(engine, *pids)
    change = recorded(engine, lambda: store.set_exclusions(engine, "s1", dict.fromkeys(pids, True), actor=BO))
    assert change["summary"] == ("Excluded 12 participants (“p00”, “p01”, “p02”, “p03”, “p04”, “p05”, “p06”, "
                                 "“p07”, “p08”, “p09” and 2 more) from the analyses")
    assert change["detail"]["excluded"] == pids


def decisions(status: str, name: str = "Help") -> list[dict[str, str]]:
    return [{"label_key": key, "standard_label": name, "status": status} for key in ("help", "support")]


@pytest.mark.parametrize(("status", "action", "expected"), [
    ("accepted", "labels.accepted", "Merged 2 labels as “Help”: “help” and “support”"),
    ("edited", "labels.accepted", "Merged 2 labels as “Help” (name or labels edited): “help” and “support”"),
    ("rejected", "labels.rejected", "Rejected merging 2 labels: “help” and “support”"),
])
def test_label_decisions(engine, status, action, expected):
    make(engine)
    change = recorded(engine, lambda: store.save_label_decisions(engine, "s1", decisions(status), actor=BO))
    assert summary(change) == (BO, action, expected)
    assert change["detail"] == {"labels": ["help", "support"], "statuses": [status], "standard_labels": ["Help"]}


def test_undoing_label_decisions(engine):
    make(engine)
    store.save_label_decisions(engine, "s1", decisions("accepted"), actor=ANA)
    change = recorded(engine, lambda: store.delete_label_decisions(engine, "s1", ["support", "help", "never"],
                                                                   actor=BO))
    assert summary(change) == (BO, "labels.undone", "Undid the decisions on 2 labels: “help” and “support”")
    assert change["detail"] == {"labels": {"help": "accepted", "support": "accepted"}}
    nothing_recorded(engine, lambda: store.delete_label_decisions(engine, "s1", ["help"], actor=BO))


def test_notes(engine):
    make(engine)
    change = recorded(engine, lambda: store.save_study_notes(engine, "s1", "Looks good.", actor=BO))
    assert summary(change) == (BO, "notes.saved", "Saved the notes for stakeholders (11 characters)")
    nothing_recorded(engine, lambda: store.save_study_notes(engine, "s1", "Looks good.", actor=BO))


# --- sorts imported and typed in -----------------------------------------------------------------

def test_importing_sorts(engine):
    make(engine)
    change = recorded(engine, lambda: store.import_sorts(engine, "s1", [sort("p1", "c1"), sort("p2", "c2")],
                                                         actor=ANA, source="results.csv"))
    assert summary(change) == (ANA, "sorts.imported", "Imported 2 sorts from results.csv")
    assert change["detail"] == {"source": "results.csv", "imported": 2, "skipped": 0, "participants": ["p1", "p2"],
                                "skipped_participants": []}
    change = recorded(engine, lambda: store.import_sorts(engine, "s1", [sort("p2", "c1"), sort("p3", "c1")],
                                                         skip_existing=True, actor=BO, source="more.csv"))
    assert summary(change) == (BO, "sorts.imported",
                               "Imported 1 sort from more.csv; skipped 1 participant who already had sorts")
    nothing_recorded(engine, lambda: store.import_sorts(engine, "s1", [sort("p3", "c1")], skip_existing=True,
                                                        actor=BO))


def test_a_paper_sort(engine):
    make(engine)
    paper = Sort("P7", (Group("Visit", ("c1", "c3"), "k1"), Group("Money", ("c2",))),
                 answers={"source": "paper"}, finished_at=utcnow())
    change = recorded(engine, lambda: store.enter_paper_sort(engine, "s1", paper, actor=BO))
    assert summary(change) == (BO, "sort.paper", "Entered the paper sort of participant “P7” (2 groups, 3 cards)")
    assert store.has_sort(engine, "s1", "P7")


def test_a_participant_submitting_records_nothing(engine):
    make(engine)
    store.set_status(engine, "s1", "open", actor=ANA)
    nothing_recorded(engine, lambda: store.submit_sort(engine, "s1", sort("p1", "c1")))


# --- one transaction -----------------------------------------------------------------------------

def test_a_refused_change_records_nothing(engine):
    with_sorts(engine, "p1")
    with pytest.raises(ValueError, match="participant 'p1' already has a sort in this study"):
        nothing_recorded(engine, lambda: store.import_sorts(engine, "s1", [sort("p2", "c1"), sort("p1", "c1")],
                                                            actor=BO))
    assert store.participant_ids(engine, "s1") == ["p1"]
    with pytest.raises(store.NotFound, match="no sort by participant 'ghost'"):
        store.set_exclusions(engine, "s1", {"p1": True, "ghost": True}, actor=BO)
    assert store.excluded_participants(engine, "s1") == set()
    with pytest.raises(store.NotFound):
        store.update_study(engine, replace(store.get_study(engine, "s1"), id="nope"), actor=BO)
    with pytest.raises(ValueError, match="already has a sort"):
        store.enter_paper_sort(engine, "s1", sort("p1", "c1"), actor=BO)
    assert [c["action"] for c in changes.for_study(engine, "s1")] == ["sorts.imported", "study.created"]
    assert changes.count_for_study(engine, "nope") == 0


@pytest.mark.parametrize("actor", ["   ", "x" * 321])
def test_a_change_whose_record_is_refused_is_not_made(engine, actor):
    with_sorts(engine, "p1")
    study = store.get_study(engine, "s1")
    with pytest.raises(ValueError, match="actor must be"):
        store.update_study(engine, replace(study, name="Renamed"), actor=actor)
    with pytest.raises(ValueError, match="actor must be"):
        store.delete_study(engine, "s1", actor=actor)
    with pytest.raises(ValueError, match="actor must be"):
        store.set_excluded(engine, "s1", "p1", True, actor=actor)
    with pytest.raises(ValueError, match="actor must be"):
        store.import_sorts(engine, "s1", [sort("p2", "c1")], actor=actor)
    assert store.get_study(engine, "s1").name == "Library"
    assert store.participant_ids(engine, "s1") == ["p1"] and store.excluded_participants(engine, "s1") == set()
    assert changes.count_for_study(engine, "s1") == 2


def test_a_caller_that_does_not_say_who_is_recorded_as_unknown(engine):
    change = recorded(engine, lambda: make(engine, actor=None))
    assert change["actor"] == changes.UNKNOWN == "unknown"


# --- reading -------------------------------------------------------------------------------------

def test_newest_first_in_pages_with_a_count(engine):
    make(engine)
    for i in range(5):
        store.set_status(engine, "s1", "open" if i % 2 == 0 else "closed", actor=f"r{i}@example.org")
    assert changes.count_for_study(engine, "s1") == 6
    assert [c["actor"] for c in changes.for_study(engine, "s1", limit=3)] == [
        "r4@example.org", "r3@example.org", "r2@example.org"]
    assert [c["actor"] for c in changes.for_study(engine, "s1", limit=3, offset=3)] == [
        "r1@example.org", "r0@example.org", ANA]
    assert changes.for_study(engine, "other") == [] and changes.count_for_study(engine, "other") == 0


def test_record_refuses_what_it_cannot_store(engine):
    with pytest.raises(ValueError, match="action must be one of study.created, "):
        changes.record(engine, actor=ANA, action="study.renamed", summary="x")
    with pytest.raises(ValueError, match="a change needs a summary"):
        changes.record(engine, actor=ANA, action="notes.saved", summary=" ")
    with pytest.raises(ValueError, match="the time of a change must be timezone-aware"):
        changes.record(engine, actor=ANA, action="notes.saved", summary="x", at=datetime(2026, 1, 1))
    assert changes.count_for_audits(engine) == 0


def test_a_time_given_in_another_zone_is_stored_in_utc(engine):
    at = datetime(2026, 1, 15, 20, 30, tzinfo=UTC) + timedelta(microseconds=7)
    changes.record(engine, actor=ANA, action="notes.saved", summary="x", study_id="s9",
                   at=at.astimezone(ZoneInfo("Europe/Berlin")), detail={"n": 1})
    [change] = changes.for_study(engine, "s9")
    assert change["at"] == at and change["at"].utcoffset() == timedelta(0)
    assert change["detail"] == {"n": 1}


# --- the command line ----------------------------------------------------------------------------

def test_the_command_line_records_its_user(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(SPEC), encoding="utf-8")
    assert main(["study", "create", str(spec)]) == 0
    study_id = json.loads(capsys.readouterr().out)["study_id"]
    engine = store.make_engine(url)
    try:
        [change] = changes.for_study(engine, study_id)
        assert summary(change) == (f"cli:{getpass.getuser()}", "study.created",
                                   "Created the study “Library” (hybrid sort, 3 cards)")
    finally:
        engine.dispose()
