"""History on the Studies page and audit runs on Audit history: who changed what, and when in the viewer's zone.

The signed-in researcher is ``current_actor()``: the account's email (the pages open as the admin, ``ADMIN``).
"""

from __future__ import annotations

from datetime import UTC, datetime

from a11y import history, jobs
from app_pages._clock import show, zone_from
from cardsort import changes, store
from cardsort.model import Group, Sort, study_from_spec
from tests.a11y.test_report import v1_report
from tests.app import test_import_page as import_page
from tests.app import test_paper_page as paper_page
from tests.app import test_standardise_page as standardise_page
from tests.app import test_trust_page as trust_page
from tests.app._researcher import EMAILS, app, open_page, sign_in_on, texts

ADMIN = EMAILS["admin"]
SPEC = {"name": "Library", "kind": "open", "status": "draft", "cards": ["Opening hours", "Renew a loan", "Events"]}


def seed(engine, study_id: str = "s1", name: str = "Library", actor: str = "cli:tester"):
    return store.create_study(engine, study_from_spec({**SPEC, "name": name}, study_id), actor=actor)


def open_in_zone(page: str, zone: str | None, offset: int | None, **query):
    at = app(signed_in=True)
    at.context = {"timezone": zone, "timezone_offset": offset}
    at.run()
    at.query_params.update(query)
    at.switch_page(f"app_pages/{page}")
    return at.run()


def history_rows(at, zone_label: str = "UTC") -> list[tuple[str, str, str]]:
    """The History table as (when, who, what), newest first; ``when`` is the table's row header."""
    [table] = [t for t in at.table if t.value.index.name == f"When ({zone_label})"]
    frame = table.value
    assert list(frame.columns) == ["Who", "What"]
    return [(when, who, what) for when, (who, what) in zip(frame.index, frame.itertuples(index=False))]


def when(engine, study_id: str, zone=UTC) -> list[str]:
    return [show(c["at"], zone) for c in changes.for_study(engine, study_id, limit=100)]


def test_an_edit_by_the_signed_in_researcher_shows_in_the_history(app_db):
    seed(app_db)
    at = open_page("studies.py", study="s1")
    assert not at.exception
    assert history_rows(at) == [(when(app_db, "s1")[0], "cli:tester",
                                 "Created the study “Library” (open sort, 3 cards)")]
    at.text_input(key="form:s1:name").input("Library, round 2")
    at.text_area(key="form:s1:cards").input("Opening hours\nRenew a loan\nEvents\nCafé")
    at.button(key="form:s1:save").click().run()
    assert not at.exception
    times = when(app_db, "s1")
    assert history_rows(at) == [
        (times[0], ADMIN, "Edited the study: name (“Library” → “Library, round 2”) and cards (1 added)"),
        (times[1], "cli:tester", "Created the study “Library” (open sort, 3 cards)")]
    assert "Newest first: 2 of 2 changes, each with who made it and when (UTC)." in texts(at)

    at.button(key="form:s1:save").click().run()  # saved again unchanged: nothing happened, nothing recorded
    at.button(key="open:s1").click().run()
    assert [what for _, _, what in history_rows(at)] == [
        "Opened the study", "Edited the study: name (“Library” → “Library, round 2”) and cards (1 added)",
        "Created the study “Library” (open sort, 3 cards)"]


def test_each_study_shows_its_own_history_a_then_b_then_a(app_db):
    seed(app_db, "sa", "Library")
    seed(app_db, "sb", "Shop", actor="ana@example.org")
    store.set_status(app_db, "sa", "open", actor="bo@example.org")
    at = open_page("studies.py", study="sa")
    assert [(who, what) for _, who, what in history_rows(at)] == [
        ("bo@example.org", "Opened the study"), ("cli:tester", "Created the study “Library” (open sort, 3 cards)")]
    at.selectbox(key="edit_study").select("sb").run()
    assert [(who, what) for _, who, what in history_rows(at)] == [
        ("ana@example.org", "Created the study “Shop” (open sort, 3 cards)")]
    at.selectbox(key="edit_study").select("sa").run()
    assert len(history_rows(at)) == 2


def test_times_are_in_the_viewers_zone(app_db):
    seed(app_db)
    with app_db.begin() as conn:  # a winter evening: 19:30 UTC is 20:30 in Berlin
        conn.execute(changes.changes.update().values(at=datetime(2026, 1, 15, 19, 30, tzinfo=UTC)))
    at = open_in_zone("studies.py", "Europe/Berlin", -60, study="s1")
    assert history_rows(at, "Europe/Berlin") == [
        ("2026-01-15 20:30", "cli:tester", "Created the study “Library” (open sort, 3 cards)")]
    assert show(datetime(2026, 1, 15, 19, 30, tzinfo=UTC), zone_from("Europe/Berlin", None)) == "2026-01-15 20:30"


def test_a_long_history_shows_the_newest_twenty_then_more(app_db):
    seed(app_db)
    for i in range(22):
        store.set_status(app_db, "s1", "open" if i % 2 == 0 else "closed", actor=f"r{i}@example.org")
    at = open_page("studies.py", study="s1")
    rows = history_rows(at)
    assert len(rows) == 20 and rows[0][1] == "r21@example.org" and rows[-1][1] == "r2@example.org"
    assert "Newest first: 20 of 23 changes, each with who made it and when (UTC)." in texts(at)
    more = at.button(key="history_more:study:s1")
    assert more.label == "Show 3 earlier changes"
    more.click().run()
    rows = history_rows(at)
    assert len(rows) == 23 and [who for _, who, _ in rows[-3:]] == ["r1@example.org", "r0@example.org",
                                                                     "cli:tester"]
    assert not [b for b in at.button if b.key == "history_more:study:s1"]


def test_a_deleted_study_takes_nothing_of_its_history_to_a_new_one(app_db):
    seed(app_db, "sa")
    at = open_page("studies.py", study="sa")
    at.button(key="delete:sa").click().run()
    at.button(key="delete_yes:sa").click().run()
    assert [(c["actor"], c["action"]) for c in changes.for_study(app_db, "sa")] == [
        (ADMIN, "study.deleted"), ("cli:tester", "study.created")]
    assert not [t for t in at.table if t.value.index.name == "When (UTC)"]  # the new-study form has no history


def test_audit_history_shows_the_sites_audit_runs(app_db):
    report = v1_report()
    job_id = jobs.create_job(app_db, jobs.make_request("\n".join(p["url"] for p in report["pages"])),
                             actor="ana@example.org")
    jobs._finish(app_db, job_id, "done", report=report)
    other = jobs.create_job(app_db, jobs.make_request("http://127.0.0.1:8000/"), actor="ana@example.org")
    jobs.cancel_job(app_db, other, actor="rita@example.org")  # queued: it ends at once, recorded as its starter's
    at = open_page("audit_history.py")
    assert not at.exception
    audit_id = history.list_audits(app_db)[0]["id"]
    assert [(who, what) for _, who, what in history_rows(at)] == [
        ("ana@example.org", "Audit of http://127.0.0.1:8000 stopped as asked: nothing stored"),
        ("rita@example.org", "Asked the audit of http://127.0.0.1:8000 to stop"),
        ("ana@example.org", "Started an audit of http://127.0.0.1:8000: 1 page (wcag22aa)"),
        ("ana@example.org", "Audit of http://127.0.0.1:8000 finished: 4 of 5 pages audited; 1 page could not be "
                            f"audited (HTTP 404 Not Found); stored as audit {audit_id}"),
        ("ana@example.org", "Started an audit of http://127.0.0.1:8000: 5 pages (wcag22aa)")]


def test_cancelling_on_the_audit_page_records_the_signed_in_researcher(app_db, monkeypatch):
    monkeypatch.setenv("A11Y_APP_WORKER", "0")  # the page's worker leaves the job queued: nothing runs it
    job_id = jobs.create_job(app_db, jobs.make_request("http://127.0.0.1:9/a"), actor="ana@example.org")
    at = open_page("audit.py", job=job_id)
    at.button(key=f"cancel:{job_id}").click().run()
    assert [(c["actor"], c["action"]) for c in changes.for_audits(app_db, [job_id])] == [
        ("ana@example.org", "audit.finished"), (ADMIN, "audit.cancelled"), ("ana@example.org", "audit.started")]


# --- the other pages record the signed-in researcher too ------------------------------------------

def newest(engine, study_id: str = "s1") -> tuple[str, str, str]:
    [change] = changes.for_study(engine, study_id, limit=1)
    return change["actor"], change["action"], change["summary"]


def test_importing_on_the_import_page_is_the_researchers(app_db):
    import_page.seed(app_db)
    at = import_page.upload(open_page("import_data.py", study="s1"), "kardsort.csv", import_page.CASOLYSIS)
    at.button(key="import_confirm").click().run()
    assert newest(app_db) == (ADMIN, "sorts.imported", "Imported 2 sorts from kardsort.csv")


def test_a_paper_sort_on_the_paper_page_is_the_researchers(app_db):
    paper_page.seed(app_db)
    at = paper_page.fill(open_page("paper.py", study="s1"), "paper-01", ("Clothes", "1, 3-4"), ("Luggage", "2"))
    at.button(key="paper_save:s1").click().run()
    assert newest(app_db) == (ADMIN, "sort.paper",
                              "Entered the paper sort of participant “paper-01” (2 groups, 4 cards)")


def test_excluding_on_the_trust_page_is_the_researchers(app_db):
    trust_page.add_study(app_db)
    at = sign_in_on("trust.py", study="s1")
    at.button(key="exclude_flagged").click().run()
    assert newest(app_db) == (ADMIN, "participant.excluded", "Excluded participant “lazy” from the analyses")


def test_a_merge_on_the_standardise_page_is_the_researchers(app_db):
    spec = {"name": "Shop", "kind": "open", "cards": ["Cart", "Invoices", "Returns"]}
    store.create_study(app_db, study_from_spec(spec, "s1"))
    store.import_sorts(app_db, "s1", [Sort("p1", (Group("Help", ("c3",)),)), Sort("p2", (Group("help!", ("c3",)),)),
                                      Sort("p3", (Group("Help & support", ("c2", "c3")),))])
    at = sign_in_on("standardise.py", study="s1")
    at.button(key=f"accept:s1:{standardise_page.HELP}").click().run()
    assert newest(app_db) == (ADMIN, "labels.accepted", "Merged 2 labels as “Help”: “help” and “help & support”")
