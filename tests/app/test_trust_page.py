"""The "Trust the results" page in AppTest: exclusions change every analysis, tabs render, notes are saved."""


from streamlit.testing.v1 import AppTest

from cardsort import auth, store
from cardsort.model import Group, Sort, study_from_spec, utcnow
from tests.app._researcher import PAGES, PASSWORD_HASH, TIMEOUT, sign_in_on

CARDS = ["Opening hours", "Contact us", "Borrowing", "Renewals", "E-books", "Databases"]


def sort(pid: str, groups: dict[str, list[int]], seconds: int = 300) -> Sort:
    start = utcnow()
    from datetime import timedelta
    return Sort(pid, tuple(Group(label, tuple(f"c{i + 1}" for i in cards)) for label, cards in groups.items()),
                started_at=start, finished_at=start + timedelta(seconds=seconds))


def add_study(engine) -> None:
    store.create_study(engine, study_from_spec({"name": "Library", "kind": "open", "cards": CARDS}, "s1"))
    typical = {"Visit": [0, 1], "Borrow": [2, 3], "Online": [4, 5]}
    sorts = [sort(f"p{i}", typical) for i in range(1, 5)]
    sorts.append(sort("p5", {"Visit": [0, 1, 2], "Borrow": [3], "Online": [4, 5]}))
    sorts.append(sort("lazy", {"Everything": [0, 1, 2, 3, 4, 5]}, seconds=4))
    store.import_sorts(engine, "s1", sorts)




def test_signed_out_shows_only_the_login_form(app_db):
    add_study(app_db)
    at = AppTest.from_file(str(PAGES / "trust.py"), default_timeout=TIMEOUT)
    at.secrets[auth.HASH_KEY] = PASSWORD_HASH
    at.run()
    assert [t.value for t in at.title] == ["Sign in"] and len(at.tabs) == 0


def test_tabs_show_flags_stability_sample_size_and_representatives(app_db):
    add_study(app_db)
    at = sign_in_on("trust.py", study="s1")
    assert [t.label for t in at.tabs] == ["Exclusions", "Stability", "Sample size", "Representative participants",
                                          "Cluster map", "AAM tree", "Report"]
    (editor,) = at.tabs[0].dataframe
    assert editor.value["Participant"].tolist() == ["p1", "p2", "p3", "p4", "p5", "lazy"]
    assert editor.value["Flags"].tolist() == ["–"] * 5 + ["one pile, unusually fast"]
    flags = at.tabs[0].markdown[0].value
    assert flags.startswith("Flagged: all cards in one pile, or every card on its own (from 3 cards), or finished "
                            "under a third of the median time (100 s here)")
    assert at.button(key="exclude_flagged").label == "Exclude the 1 flagged sort"
    stability = at.tabs[1].table[0].value
    assert stability["Category"].tolist() == ["Online", "Visit", "Borrow"]
    assert at.tabs[2].markdown[0].value.startswith("**You have enough participants.")
    reps = [m.value for m in at.tabs[3].header]
    assert reps[0] == "1. Participant p1"
    assert "(1 of 6): Opening hours, Contact us, Borrowing, Renewals, E\\-books, Databases" in \
        at.tabs[5].markdown[-1].value


def test_excluding_flagged_sorts_updates_every_analysis(app_db):
    add_study(app_db)
    at = sign_in_on("trust.py", study="s1")
    at.button(key="exclude_flagged").click().run()
    assert not at.exception
    assert at.success[0].value == "Excluded 1 flagged sort."
    assert store.excluded_participants(app_db, "s1") == {"lazy"}
    tree = at.tabs[5].markdown[-1].value
    assert "Everything" not in tree and "(1 of 5)" not in tree and tree.startswith("- **100%** (5 of 5)")
    assert at.tabs[1].table[0].value["Category"].tolist() == ["Online", "Visit", "Borrow"]


def test_notes_are_saved_for_the_report(app_db):
    add_study(app_db)
    at = sign_in_on("trust.py", study="s1")
    at.text_area(key="notes:s1").input("Navigation looks solid; check Renewals.")
    at.button(key="save_notes").click().run()
    assert not at.exception
    assert store.load_study_notes(app_db, "s1") == "Navigation looks solid; check Renewals."
    assert at.success[0].value == "Notes saved."


def test_counts_agree_with_their_nouns(app_db):
    add_study(app_db)
    at = sign_in_on("trust.py", study="s1")
    at.slider(key="max_distance").set_value(1).run()
    assert [m.value for m in at.tabs[3].markdown][1:] == [
        "4 of 5 other participants are within 1 card moved; on average 1.0 cards away.",
        "0 of 5 other participants are within 1 card moved; on average 3.8 cards away."]
    assert at.tabs[1].markdown[0].value.startswith("Participants were drawn again with replacement 200 times and")
    at.button(key="exclude_flagged").click().run()
    assert [m.value for m in at.tabs[3].markdown][1:] == [
        "4 of 4 other participants are within 1 card moved; on average 0.2 cards away."]


def test_the_report_is_built_with_progress_then_downloaded(app_db):
    add_study(app_db)
    at = sign_in_on("trust.py", study="s1")
    report_tab = at.tabs[6]
    assert [b.label for b in report_tab.button] == ["Save notes", "Build the report"]
    assert report_tab.markdown[-1].value == ("Building takes a few seconds with thousands of participants; the steps "
                                             "show as it goes.")
    assert not report_tab.get("download_button")
    at.button(key="build_report:s1").click().run()
    assert not at.exception
    report_tab = at.tabs[6]
    (status,) = report_tab.status
    assert status.label.startswith("Report ready (") and status.label.endswith(" s): download it below.")
    assert status.state == "complete"
    assert [b.label for b in report_tab.get("download_button")] == [
        "Download HTML report", "Download CSV", "Download JSON", "Download comments CSV"]
    # Saved notes make the built report stale: it must be built again.
    at.text_area(key="notes:s1").input("New notes")
    at.button(key="save_notes").click().run()
    assert not at.tabs[6].get("download_button")
