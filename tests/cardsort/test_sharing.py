"""Who sees a study: team studies (no owner), shared studies and private ones, for each role.

SQLite always, PostgreSQL with TEST_DATABASE_URL (the ``engine`` fixture).
"""

from __future__ import annotations

import pytest

from cardsort import accounts, changes, store
from cardsort.model import study_from_spec


def spec(name: str) -> dict:
    return {"name": name, "kind": "open", "status": "draft", "cards": ["Opening hours", "Renew a loan"]}


@pytest.fixture
def team(engine):
    """An admin, two researchers (Rita, Remy) and a viewer; a team study (the command line's), Rita's shared study,
    Rita's private one and Remy's private one."""
    people = {role: accounts.create(engine, f"{role}@example.org", role.rstrip("2"))
              for role in ("admin", "researcher", "researcher2", "viewer")}
    rita, remy = people["researcher"], people["researcher2"]
    store.create_study(engine, study_from_spec(spec("Team"), "team"), actor="cli:ana")
    store.create_study(engine, study_from_spec(spec("Rita shared"), "shared"), actor=rita.email, owner=rita.id)
    store.create_study(engine, study_from_spec(spec("Rita private"), "rita"), actor=rita.email, owner=rita.id)
    store.create_study(engine, study_from_spec(spec("Remy private"), "remy"), actor=remy.email, owner=remy.id)
    store.set_shared(engine, "rita", False, account=rita)
    store.set_shared(engine, "remy", False, account=remy)
    return people


def seen(engine, account) -> list[str]:
    return sorted(r["id"] for r in store.visible_studies(engine, account))


def test_each_role_sees_the_team_and_shared_studies_and_a_researcher_their_own(engine, team):
    assert seen(engine, team["admin"]) == ["remy", "rita", "shared", "team"]
    assert seen(engine, team["researcher"]) == ["rita", "shared", "team"]
    assert seen(engine, team["researcher2"]) == ["remy", "shared", "team"]
    assert seen(engine, team["viewer"]) == ["shared", "team"]
    assert seen(engine, None) == []
    for who, study_id, expected in (("admin", "rita", True), ("researcher", "rita", True),
                                    ("researcher2", "rita", False), ("viewer", "rita", False),
                                    ("viewer", "team", True), ("researcher2", "shared", True),
                                    ("admin", "nosuch", False), ("researcher", "nosuch", False)):
        assert store.can_see(engine, team[who], study_id) is expected, (who, study_id)
    assert store.can_see(engine, None, "team") is False


def test_the_rows_say_who_owns_a_study_and_whether_it_is_shared(engine, team):
    rows = {r["id"]: (r["owner"], r["shared"], r["name"]) for r in store.visible_studies(engine, team["admin"])}
    rita, remy = team["researcher"].id, team["researcher2"].id
    assert rows == {"team": (None, True, "Team"), "shared": (rita, True, "Rita shared"),
                    "rita": (rita, False, "Rita private"), "remy": (remy, False, "Remy private")}
    assert store.sharing(engine, "team") == store.TEAM and store.sharing(engine, "team").team
    assert store.sharing(engine, "rita") == store.Sharing(rita, False)


def test_archived_studies_stay_out_unless_asked(engine, team):
    store.set_archived(engine, "shared", True)
    assert seen(engine, team["viewer"]) == ["team"]
    assert sorted(r["id"] for r in store.visible_studies(engine, team["viewer"], include_archived=True)) == [
        "shared", "team"]


def test_sharing_is_switched_by_the_owner_or_an_admin_and_recorded(engine, team):
    rita, remy = team["researcher"], team["researcher2"]
    store.set_shared(engine, "rita", True, account=rita)
    assert seen(engine, remy) == ["remy", "rita", "shared", "team"]
    [change] = changes.for_study(engine, "rita", limit=1)
    assert (change["actor"], change["action"], change["summary"], change["detail"]) == (
        "researcher@example.org", "study.sharing", "Shared the study “Rita private” with the team",
        {"shared": True, "owner": rita.id})
    store.set_shared(engine, "rita", False, account=team["admin"])
    [change] = changes.for_study(engine, "rita", limit=1)
    assert (change["actor"], change["summary"]) == ("admin@example.org",
                                                    "Made the study “Rita private” private to its owner")
    assert seen(engine, remy) == ["remy", "shared", "team"]
    before = changes.count_for_study(engine, "rita")
    store.set_shared(engine, "rita", False, account=rita)  # already private: nothing to record
    assert changes.count_for_study(engine, "rita") == before


def test_nobody_else_can_switch_sharing_and_a_team_study_has_no_sharing(engine, team):
    for who in ("researcher2", "viewer"):
        with pytest.raises(PermissionError, match="^only the study's owner or an admin can change who sees it$"):
            store.set_shared(engine, "shared", False, account=team[who])
    assert store.sharing(engine, "shared").shared is True
    assert changes.count_for_study(engine, "shared") == 1  # its creation only
    with pytest.raises(ValueError, match="^“Team” is a team study: it has no owner, so everyone sees it$"):
        store.set_shared(engine, "team", False, account=team["admin"])
    with pytest.raises(store.NotFound):
        store.set_shared(engine, "nosuch", False, account=team["admin"])
    assert store.may_share(team["researcher"], store.sharing(engine, "shared")) is True
    assert store.may_share(team["researcher2"], store.sharing(engine, "shared")) is False
    assert store.may_share(team["admin"], store.TEAM) is False


def test_a_copy_belongs_to_whoever_copied_it_shared_and_deleting_a_study_deletes_its_owner_row(engine, team):
    remy = team["researcher2"]
    copy = store.duplicate_study(engine, "shared", actor=remy.email, owner=remy.id)
    assert store.sharing(engine, copy.id) == store.Sharing(remy.id, True)
    store.delete_study(engine, "rita", actor="cli:ana")
    assert store.sharing(engine, "rita") == store.TEAM
    assert seen(engine, team["admin"]) == sorted(["remy", "shared", "team", copy.id])
