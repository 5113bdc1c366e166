"""Study sharing in the app: a researcher's private study is out of another researcher's pickers and links,
an admin sees it, and sharing it with the team (its owner's switch on the Studies page) shows it to everyone."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from app_pages._signin import SESSION_ACCOUNT
from cardsort import accounts, changes, store
from cardsort.model import study_from_spec
from tests.app._researcher import EMAILS, account, app, open_page, texts

NEW = "form:+new"
REFUSED = "There is no study with this id that you can open."
REMY = "remy@example.org"


def as_account(account_id: int, page: str, **query) -> AppTest:
    """The app signed in as the account ``account_id``, on ``app_pages/<page>`` with ``query``."""
    at = app()
    at.session_state[SESSION_ACCOUNT] = account_id
    at.run()
    at.query_params.update(query)
    at.switch_page(f"app_pages/{page}")
    return at.run()


def picker(at: AppTest, key: str) -> list[str]:
    """The picker's options, as the researcher reads them."""
    return list(at.selectbox(key=key).options)


TEAM = "Team study (open, 0 sorts)"
PRIVATE = "Staff intranet (draft, 0 sorts)"


def make_private_study(app_db) -> tuple[str, AppTest]:
    """Rita (a researcher) creates "Staff intranet" on the Studies page and switches "Shared with the team" off."""
    at = open_page("studies.py", role="researcher")
    at.text_input(key=f"{NEW}:name").input("Staff intranet")
    at.text_area(key=f"{NEW}:cards").input("Payslips\nHolidays")
    at.button(key=f"{NEW}:save").click().run()
    store.create_study(app_db, study_from_spec({"name": "Team study", "kind": "open", "cards": ["A", "B"]},
                                               "team"))  # the command line's: no owner
    [study_id] = [r["id"] for r in store.list_studies(app_db) if r["name"] == "Staff intranet"]
    rita = account("researcher")
    assert store.sharing(app_db, study_id) == store.Sharing(rita.id, True)  # shared by default
    assert "**Owner:** Test researcher \\(rita@example\\.org\\). **Who sees it:** the whole team." in texts(at)
    toggle = at.toggle(key=f"shared:{study_id}")
    assert (toggle.label, toggle.value) == ("Shared with the team", True)
    toggle.set_value(False).run()
    assert not at.exception
    assert store.sharing(app_db, study_id) == store.Sharing(rita.id, False)
    assert "The study is private: only its owner and the admins see it." in [s.value for s in at.success]
    [change] = changes.for_study(app_db, study_id, limit=1)
    assert (change["actor"], change["action"]) == (EMAILS["researcher"], "study.sharing")
    return study_id, at


def test_a_private_study_is_out_of_another_researchers_pickers_and_links_until_shared(app_db):
    study_id, rita_at = make_private_study(app_db)
    remy = accounts.create(app_db, REMY, "researcher", name="Remy")

    studies = as_account(remy.id, "studies.py")
    assert picker(studies, "edit_study") == ["New study", TEAM]
    assert "Staff intranet" not in texts(studies) and not studies.error
    results = as_account(remy.id, "results.py")
    assert picker(results, "study_choice") == [TEAM]

    for page, key in (("results.py", "study_choice"), ("studies.py", "edit_study"), ("trust.py", "trust_study")):
        linked = as_account(remy.id, page, study=study_id)
        assert not linked.exception
        assert [e.value for e in linked.error] == [REFUSED], page
        assert "Staff intranet" not in texts(linked) and PRIVATE not in picker(linked, key)
        assert (linked.selectbox(key=key).value, linked.query_params.get("study")) == ("team", "team")  # shown
    unknown = as_account(remy.id, "results.py", study="nosuchstudy")
    assert [e.value for e in unknown.error] == [REFUSED]  # the same words: nothing tells which ids exist

    admin = open_page("results.py", role="admin", study=study_id)
    assert not admin.error and admin.selectbox(key="study_choice").value == study_id
    assert picker(admin, "study_choice") == [TEAM, PRIVATE]
    admin_studies = open_page("studies.py", role="admin", study=study_id)
    assert admin_studies.toggle(key=f"shared:{study_id}").value is False  # an admin may switch it too

    rita_at.toggle(key=f"shared:{study_id}").set_value(True).run()
    assert "The study is shared with the team." in [s.value for s in rita_at.success]
    shared = as_account(remy.id, "results.py", study=study_id)
    assert not shared.error and shared.selectbox(key="study_choice").value == study_id
    other = as_account(remy.id, "studies.py", study=study_id)
    assert "**Owner:** Test researcher \\(rita@example\\.org\\). **Who sees it:** the whole team." in texts(other)
    assert f"shared:{study_id}" not in [t.key for t in other.toggle]  # not Remy's to switch


def test_a_viewer_sees_shared_and_team_studies_only(app_db):
    study_id, _ = make_private_study(app_db)
    viewer = open_page("results.py", role="viewer")
    assert picker(viewer, "study_choice") == [TEAM]
    linked = open_page("results.py", role="viewer", study=study_id)
    assert [e.value for e in linked.error] == [REFUSED]


def test_an_owner_demoted_while_the_page_is_open_cannot_switch_sharing(app_db):
    study_id, rita_at = make_private_study(app_db)
    accounts.set_role(app_db, account("researcher").id, "viewer")  # an admin, elsewhere
    rita_at.toggle(key=f"shared:{study_id}").set_value(True).run()
    assert store.sharing(app_db, study_id).shared is False
    assert "Your role cannot do this: it changes studies, results or audits." in [e.value for e in rita_at.error]


def test_a_team_study_has_no_switch_and_says_the_whole_team_sees_it(app_db):
    store.create_study(app_db, study_from_spec({"name": "Team study", "kind": "open", "cards": ["A", "B"]},
                                                     "team"))
    at = open_page("studies.py", role="researcher", study="team")
    assert "**Who sees it:** the whole team (a team study: it has no owner)." in texts(at)
    assert "shared:team" not in [t.key for t in at.toggle]


def test_results_left_open_move_off_a_study_made_private_meanwhile(app_db):
    study_id, rita_at = make_private_study(app_db)
    rita_at.toggle(key=f"shared:{study_id}").set_value(True).run()
    remy = accounts.create(app_db, REMY, "researcher", name="Remy")
    results = as_account(remy.id, "results.py", study=study_id)
    assert not results.error and results.selectbox(key="study_choice").value == study_id
    rita_at.toggle(key=f"shared:{study_id}").set_value(False).run()
    results.button(key="refresh").click().run()
    assert not results.exception
    assert results.selectbox(key="study_choice").value == "team" and picker(results, "study_choice") == [TEAM]
    assert "Staff intranet" not in texts(results)
