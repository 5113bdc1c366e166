"""Storage against SQLite always and PostgreSQL when TEST_DATABASE_URL is set."""

import threading
from dataclasses import asdict
from datetime import UTC, datetime

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
            started_at=datetime(2026, 11, 1, 10, 0, tzinfo=UTC),
            finished_at=datetime(2026, 11, 1, 10, 9, tzinfo=UTC), answers={"comments": "خوب"})


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


# --- archive, delete a study, delete one participant's sort ----------------------------------------

def _everything_of(engine, study_id: str) -> dict[str, int]:
    """Rows keyed to the study in every table of the store (sort groups and placements through its sorts)."""
    import sqlalchemy as sa
    own_sorts = sa.select(store.sorts.c.id).where(store.sorts.c.study_id == study_id)
    counts = {}
    with engine.connect() as conn:
        for table in store.metadata.sorted_tables:
            if "study_id" in table.c:
                where = table.c.study_id == study_id
            elif "sort_id" in table.c:
                where = table.c.sort_id.in_(own_sorts)
            else:
                where = table.c.id == study_id
            counts[table.name] = conn.execute(sa.select(sa.func.count()).select_from(table).where(where)).scalar_one()
    return counts


def _busy_study(engine):
    """A hybrid study with 2 sorts (one excluded), a draft, a label decision, notes, a screened-out participant and
    a private owner."""
    study = make_study(engine, kind="hybrid")
    store.import_sorts(engine, study.id, [
        Sort("p1", (Group("Visit", ("c1",), "k1"), Group("Mine", ("c2", "c3"))), tags={"STUDY_ID": "s9"}),
        Sort("p2", (Group("Borrow", ("c1", "c2", "c3"), "k2"),)),
    ])
    store.save_draft(engine, study.id, "p3", {"groups": [], "unsorted": ["c1"]})
    store.set_excluded(engine, study.id, "p2", True)
    store.save_label_decisions(engine, study.id, [{"label_key": "mine", "standard_label": "Mine",
                                                   "status": "accepted"}])
    store.save_study_notes(engine, study.id, "look again")
    store.record_screenout(engine, study.id, "p9", "role", {"role": "Visitor"})
    with engine.begin() as conn:  # an owner who keeps it private (as the Studies page's switch does)
        conn.execute(store.study_owners.insert().values(study_id=study.id, owner_account_id=7, shared=False))
    return study


def test_delete_study_removes_everything_keyed_to_it_and_nothing_else(engine):
    doomed, kept = _busy_study(engine), _busy_study(engine)
    before = _everything_of(engine, kept.id)
    assert store.deletion_counts(engine, doomed.id) == {
        "cards": 3, "categories": 2, "sorts": 2, "drafts": 1, "label_decisions": 1, "notes": 1}
    assert store.delete_study(engine, doomed.id) == {
        "cards": 3, "categories": 2, "sorts": 2, "drafts": 1, "label_decisions": 1, "notes": 1}
    assert set(_everything_of(engine, doomed.id).values()) == {0}
    assert _everything_of(engine, kept.id) == before
    assert before == {"studies": 1, "cards": 3, "categories": 2, "drafts": 1, "sorts": 2, "sort_groups": 3,
                      "placements": 6, "label_decisions": 1, "study_notes": 1, "sort_tags": 1, "screenouts": 1,
                      "study_owners": 1}
    assert [r["id"] for r in store.list_studies(engine)] == [kept.id]
    with pytest.raises(store.NotFound):
        store.get_study(engine, doomed.id)
    with pytest.raises(store.NotFound, match="no study with id"):
        store.delete_study(engine, doomed.id)


def test_delete_study_is_one_transaction(engine, monkeypatch):
    study = _busy_study(engine)
    before = _everything_of(engine, study.id)
    original = store.studies.delete

    class Boom(RuntimeError):
        pass

    def failing_delete(*args, **kwargs):  # the last step fails: every earlier delete must roll back
        raise Boom("the database went away")

    monkeypatch.setattr(store.studies, "delete", failing_delete)
    with pytest.raises(Boom):
        store.delete_study(engine, study.id)
    monkeypatch.setattr(store.studies, "delete", original)
    assert _everything_of(engine, study.id) == before


def test_delete_one_participants_sort(engine):
    study = _busy_study(engine)
    store.save_draft(engine, study.id, "p1", {"groups": [], "unsorted": []})  # a stale draft of p1 goes too
    updated = store.get_study(engine, study.id).updated_at
    store.delete_sort(engine, study.id, "p1")
    assert [s.participant_id for s in store.load_sorts(engine, study.id)] == ["p2"]
    assert store.participant_ids(engine, study.id) == ["p2"]
    assert store.get_draft(engine, study.id, "p1") is None and store.get_draft(engine, study.id, "p3") is not None
    assert store.excluded_participants(engine, study.id) == {"p2"}
    assert _everything_of(engine, study.id)["placements"] == 3
    assert store.get_study(engine, study.id).updated_at > updated
    with pytest.raises(store.NotFound, match="no sort by participant 'p1'"):
        store.delete_sort(engine, study.id, "p1")
    store.delete_sort(engine, study.id, "p2")  # an excluded sort can be deleted too
    assert store.participant_counts(engine, study.id) == {"completed": 0, "in_progress": 1}


def test_archive_hides_and_closes_and_unarchive_brings_back(engine):
    study, other = make_study(engine), make_study(engine)
    archived = store.set_archived(engine, study.id, True)
    assert (archived.archived, archived.status) == (True, "closed")
    assert [r["id"] for r in store.list_studies(engine)] == [other.id]
    rows = {r["id"]: r for r in store.list_studies(engine, include_archived=True)}
    assert (rows[study.id]["archived"], rows[other.id]["archived"]) == (True, False)
    loaded = store.get_study(engine, study.id)
    assert loaded.archived and loaded.settings == study.settings and loaded.cards == study.cards
    assert not store.duplicate_study(engine, study.id).archived
    store.set_archived(engine, study.id, False)
    back = store.get_study(engine, study.id)
    assert (back.archived, back.status) == (False, "closed")
    assert study.id in {r["id"] for r in store.list_studies(engine)}


def test_participant_texts_round_trip(engine):
    texts = {"title": "Help us tidy the library site", "welcome": "سلام!\nThanks for coming.",
             "instructions": "", "thank_you": "Merci.", "screen_out": "Désolé."}
    study = make_study(engine, texts=texts)
    loaded = store.get_study(engine, study.id)
    assert asdict(loaded.texts) == texts
    assert loaded.to_spec()["texts"] == {k: v for k, v in texts.items() if v}
    assert "texts" not in store.get_study(engine, make_study(engine).id).to_spec()


def test_new_study_ids_never_start_with_a_dash(monkeypatch):
    # a leading "-" made `python -m cardsort study export ID` read the id as an option (seen in CI)
    tokens = iter(["-jMrojbK7xDb", "_aBcDeFgHiJk"])
    monkeypatch.setattr(store.secrets, "token_urlsafe", lambda n: next(tokens))
    assert store.new_study_id() == "_aBcDeFgHiJk"
