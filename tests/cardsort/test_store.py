"""Storage against SQLite always and PostgreSQL when TEST_DATABASE_URL is set."""

import threading
from datetime import datetime, timezone

import pytest

from cardsort import store
from cardsort.model import Group, Sort, study_from_spec


def make_study(engine, kind="open", **extra):
    spec = {"name": "Library", "kind": kind, "language": "fa",
            "cards": [{"label": "ساعات کاری", "description": "وقتی باز است"}, "Renew a loan", "Jobs"],
            "settings": {"randomize": False, "max_groups": 5}, **extra}
    if kind != "open":
        spec["categories"] = ["Visit", "Borrow"]
    return store.create_study(engine, study_from_spec(spec, store.new_study_id()))


SORT = Sort("p1", (Group("بازدید", ("c1",)), Group("Loans & jobs", ("c3", "c2"))),
            started_at=datetime(2026, 11, 1, 10, 0, tzinfo=timezone.utc),
            finished_at=datetime(2026, 11, 1, 10, 9, tzinfo=timezone.utc), answers={"comments": "خوب"})


def test_study_round_trip(engine):
    study = make_study(engine)
    loaded = store.get_study(engine, study.id)
    assert loaded == study
    assert loaded.cards[0].description == "وقتی باز است" and loaded.settings.max_groups == 5
    assert loaded.created_at.tzinfo is not None
    assert loaded.participant_path == f"/sort?study={study.id}"


def test_unknown_study_is_not_found(engine):
    with pytest.raises(store.NotFound, match="no study with id 'nope'"):
        store.get_study(engine, "nope")


def test_update_duplicate_and_list(engine):
    study = make_study(engine, kind="closed")
    store.set_status(engine, study.id, "closed")
    copy = store.duplicate_study(engine, study.id)
    assert copy.status == "draft" and copy.name == "Library (copy)" and copy.cards == study.cards
    assert copy.categories == study.categories and copy.id != study.id
    store.submit_sort(engine, study.id, Sort("p1", (Group("Visit", ("c1",), "k1"),)))
    rows = {r["id"]: r for r in store.list_studies(engine)}
    assert (rows[study.id]["status"], rows[study.id]["participants"], rows[study.id]["cards"]) == ("closed", 1, 3)
    assert rows[copy.id]["participants"] == 0


def test_submit_is_idempotent_and_removes_the_draft(engine):
    study = make_study(engine)
    store.save_draft(engine, study.id, "p1", {"groups": [], "unsorted": ["c1"]})
    store.save_draft(engine, study.id, "p1", {"groups": [{"label": "x"}], "unsorted": []})
    assert store.get_draft(engine, study.id, "p1")["state"] == {"groups": [{"label": "x"}], "unsorted": []}
    assert store.participant_counts(engine, study.id) == {"completed": 0, "in_progress": 1}
    first, created = store.submit_sort(engine, study.id, SORT)
    again, created_again = store.submit_sort(engine, study.id, SORT)
    assert created and not created_again and first == again
    assert store.get_draft(engine, study.id, "p1") is None
    store.save_draft(engine, study.id, "p1", {"late": "autosave from another tab"})
    assert store.get_draft(engine, study.id, "p1") is None
    assert store.load_sorts(engine, study.id) == [SORT]
    assert store.participant_counts(engine, study.id) == {"completed": 1, "in_progress": 0}


def test_concurrent_submissions_store_exactly_one_sort(engine):
    study = make_study(engine)
    results = []
    barrier = threading.Barrier(8)

    def submit():
        barrier.wait()
        results.append(store.submit_sort(engine, study.id, SORT))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len({r[0] for r in results}) == 1
    assert sum(created for _, created in results) == 1
    assert len(store.load_sorts(engine, study.id)) == 1


@pytest.mark.parametrize("sort,message", [
    (Sort("p1", (Group("Visit", ("c9",), "k1"),)), "participant 'p1': unknown card 'c9'"),
    (Sort("p1", (Group("Visit", ("c1",), "k1"), Group("Borrow", ("c1",), "k2"))),
     "participant 'p1': card 'c1' is placed twice"),
    (Sort("p1", (Group("Mine", ("c1",)),)), "participant 'p1': the group 'Mine' is not one of the study's"),
    (Sort("p1", (Group("Visit", ("c1",), "k7"),)), "participant 'p1': unknown category 'k7'"),
])
def test_bad_sorts_are_refused(engine, sort, message):
    study = make_study(engine, kind="closed")
    with pytest.raises(ValueError, match=message):
        store.submit_sort(engine, study.id, sort)


def test_import_is_one_transaction(engine):
    study = make_study(engine)
    good = Sort("p2", (Group("a", ("c1", "c2", "c3")),))
    bad = Sort("p3", (Group("a", ("c1", "c404")),))
    with pytest.raises(ValueError, match="unknown card 'c404'"):
        store.import_sorts(engine, study.id, [good, bad])
    store.submit_sort(engine, study.id, SORT)
    with pytest.raises(ValueError, match="participant 'p1' already has a sort in this study"):
        store.import_sorts(engine, study.id, [good, SORT])
    assert [s.participant_id for s in store.load_sorts(engine, study.id)] == ["p1"]
    assert store.import_sorts(engine, study.id, [good]) == 1


def test_import_can_skip_participants_who_already_have_sorts(engine):
    study = make_study(engine)
    store.submit_sort(engine, study.id, SORT)  # p1
    again = Sort("p1", (Group("other", ("c1",)),))
    new = [Sort(f"p{i}", (Group("a", ("c1", "c2")),)) for i in (3, 2)]
    assert store.participants_with_sorts(engine, study.id, ["p3", "p1", "p2", "p1"]) == ["p1"]
    assert store.import_sorts(engine, study.id, [new[0], again, new[1]], skip_existing=True) == 2
    loaded = store.load_sorts(engine, study.id)
    assert [(s.participant_id, s.groups[0].label) for s in loaded] == [("p1", SORT.groups[0].label), ("p3", "a"),
                                                                       ("p2", "a")]
    assert store.participants_with_sorts(engine, study.id, ["p3", "p1", "p2", "p9"]) == ["p3", "p1", "p2"]
    changed = store.get_study(engine, study.id).updated_at
    assert store.import_sorts(engine, study.id, [again, *new], skip_existing=True) == 0
    assert len(store.load_sorts(engine, study.id)) == 3
    assert store.get_study(engine, study.id).updated_at == changed  # nothing stored: the analyses stay cached


def test_exclusions_filter_analysis_input(engine):
    study = make_study(engine)
    store.import_sorts(engine, study.id, [SORT, Sort("p2", (Group("a", ("c1",)),))])
    store.set_excluded(engine, study.id, "p2", True)
    assert [s.participant_id for s in store.load_sorts(engine, study.id, include_excluded=False)] == ["p1"]
    assert len(store.load_sorts(engine, study.id)) == 2
    with pytest.raises(store.NotFound):
        store.set_excluded(engine, study.id, "nobody", True)


def test_database_url_from_env_then_secrets(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    secrets = tmp_path / "secrets.toml"
    assert store.database_url(secrets) == "sqlite:///data/app.db"
    secrets.write_text('DATABASE_URL = "sqlite:///x.db"\n')
    assert store.database_url(secrets) == "sqlite:///x.db"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://h/db")
    assert store.database_url(secrets) == "postgresql+psycopg://h/db"
