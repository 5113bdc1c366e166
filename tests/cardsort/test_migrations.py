"""The schema's migrations (cardsort/migrate.py, cardsort/migrations/): they make exactly the code's tables, adopt a
database of release 0.3 (made by create_all) keeping every row, run again harmlessly, and twelve processes upgrading
one empty database at once all succeed. SQLite always, PostgreSQL when TEST_DATABASE_URL is set (each test that
needs a whole database creates its own, uniquely named, and drops it)."""

from __future__ import annotations

import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

import a11y
import cardsort
from a11y import history, jobs
from cardsort import migrate, settings, store
from cardsort.migrations import models
from cardsort.model import Group, Sort, study_from_spec
from tests.conftest import DATA, ROOT

REVISIONS = ["0001_tables_of_release_0_3.py", "0002_who_changed_what.py", "0003_accounts.py",
             "0004_audit_workers.py", "0005_study_sharing.py"]
"""The revisions in cardsort/migrations/versions/, oldest first; ``HEAD`` is the newest, ``NEXT`` the one to write."""
HEAD, NEXT = "0005", "0006"
RELEASE_0_3_TABLES = ["audit_jobs", "audit_screenshots", "audits", "cards", "categories", "drafts", "label_decisions",
                      "placements", "screenouts", "sort_groups", "sort_tags", "sorts", "studies", "study_notes"]
TABLES = sorted([*RELEASE_0_3_TABLES, "changes", "accounts", "signin_failures",
                 "study_owners"])
"""Every table of the head revision."""
DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not settings.text("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"),
    ]),
]


@contextmanager
def empty_database(dialect: str, tmp_path) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file, or a PostgreSQL database of its own (dropped after)."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'app.db'}"
        return
    server = sa.make_url(str(settings.text("TEST_DATABASE_URL")))
    name = f"migrations_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def load_sql(url: str, dialect: str, text: str) -> None:
    """Run a SQL script as its dump tool wrote it (many statements, no parameters)."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        if dialect == "sqlite":
            raw.executescript(text)
        else:
            raw.execute(text)
            raw.commit()
    engine.dispose()


def tables(engine: sa.Engine) -> list[str]:
    return sorted(sa.inspect(engine).get_table_names())


def run_cli(*args: str, url: str, cwd) -> subprocess.CompletedProcess:
    """``python -m cardsort ARGS`` from another working directory than the repository's."""
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cardsort", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


# --- the migrations and the code agree ----------------------------------------------------------------------

def test_the_migrations_make_exactly_the_code_s_tables(engine):
    assert migrate.current(engine) == migrate.head() == HEAD
    assert tables(engine) == sorted([*TABLES, "alembic_version"])
    assert migrate.differences(engine) == []


def test_a_table_without_a_revision_is_a_difference(engine):
    extra = sa.MetaData()
    sa.Table("study_invitations", extra, sa.Column("id", sa.Integer, primary_key=True))
    found = migrate.differences(engine, [*migrate.target_metadata(), extra])
    assert [(kind, table.name) for kind, table in found] == [("add_table", "study_invitations")]


def test_every_table_the_code_declares_is_in_what_the_migrations_are_checked_against():
    """A module with a new MetaData, not listed in cardsort/migrations/models.py, would escape the check above."""
    declared = set()
    for package in (cardsort, a11y):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            if info.name.endswith(("__main__", "migrations.env")):
                continue
            for value in vars(importlib.import_module(info.name)).values():
                if isinstance(value, sa.MetaData):
                    declared |= set(value.tables)
                elif isinstance(value, sa.Table):
                    declared.add(value.name)
    checked = {t.name for m in migrate.target_metadata() for t in m.tables.values()}
    assert checked == set(TABLES)
    assert declared - checked == set()


def test_db_check_says_they_agree(tmp_path):
    proc = run_cli("db", "check", url=f"sqlite:///{tmp_path / 'unused.db'}", cwd=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, f"the migrations (newest {HEAD}) make exactly the code's tables\n")
    assert not (tmp_path / "unused.db").exists()


def test_db_revision_writes_the_next_revision_from_the_code_s_tables(tmp_path, monkeypatch):
    """What a developer does after adding a table: one command writes the next revision with its create_table."""
    extra = sa.MetaData()
    sa.Table("study_invitations", extra, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("study_id", sa.String(40), nullable=False))
    monkeypatch.setattr(migrate, "target_metadata", lambda: [*models.metadata(), extra])
    # A copy of the migrations: the repository's own folder stays as it is for any other process using it.
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    migrate.head.cache_clear()
    try:
        path = migrate.new_revision("study invitations")
        assert path == copy / "versions" / f"{NEXT}_study_invitations.py"
        text = path.read_text(encoding="utf-8")
        assert f"revision = '{NEXT}'" in text and f"down_revision = '{HEAD}'" in text
        assert "op.create_table('study_invitations'" in text and "op.drop_table('study_invitations')" in text
        assert "drop_table('changes')" not in text  # only what the code added
        lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", "--config",
                               str(ROOT / "pyproject.toml"), str(path)], cwd=ROOT, capture_output=True, text=True,
                              timeout=120)
        assert (lint.returncode, lint.stdout) == (0, "")
        assert migrate.head() == NEXT
        engine = sa.create_engine(f"sqlite:///{tmp_path / 'new.db'}")
        assert migrate.upgrade(engine) == migrate.Upgrade(None, NEXT)
        assert "study_invitations" in tables(engine)
        assert migrate.differences(engine, migrate.target_metadata()) == []
        engine.dispose()
    finally:
        migrate.head.cache_clear()
    assert sorted(p.name for p in (ROOT / "cardsort" / "migrations" / "versions").glob("*.py")) == REVISIONS


def test_a_revision_needs_a_message_and_something_to_write():
    with pytest.raises(ValueError, match="the revision's message must say what it changes"):
        migrate.new_revision(" - ")
    with pytest.raises(ValueError, match=rf"^the code's tables are what the migrations make \(newest {HEAD}\): no "
                                         r"revision to write; declare the new table first$"):
        migrate.new_revision("nothing new")
    assert sorted(p.name for p in (migrate.MIGRATIONS / "versions").glob("*.py")) == REVISIONS


# --- upgrading -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", DIALECTS)
def test_a_database_of_release_0_3_is_adopted_with_every_row(dialect, tmp_path):
    fixture = (DATA / "release-0.3" / f"{dialect}.sql").read_text(encoding="utf-8")
    with empty_database(dialect, tmp_path) as url:
        load_sql(url, dialect, fixture)
        before = sa.create_engine(url)
        assert tables(before) == RELEASE_0_3_TABLES
        before.dispose()
        proc = run_cli("db", "upgrade", url=url, cwd=tmp_path)
        assert (proc.returncode, proc.stdout, proc.stderr) == (
            0, f"adopted a database made before migrations: kept its tables, now at {HEAD}\n", "")
        engine = store.make_engine(url)
        assert migrate.current(engine) == HEAD
        assert migrate.differences(engine) == []
        study = store.get_study(engine, "prevRelease1")
        assert (study.name, study.kind, [c.label for c in study.cards], [c.label for c in study.categories]) == (
            "Library website (previous release)", "hybrid", ["Opening hours", "Renew a loan", "Room booking"],
            ["Visit", "Borrow"])
        assert study.cards[1].description == "Extend the due date"
        assert [q.id for q in study.questions] == ["role"]
        sorts = store.load_sorts(engine, study.id)
        assert [(s.participant_id, [(g.label, g.cards) for g in s.groups], s.tags) for s in sorts] == [
            ("p1", [("Visit", ("c1", "c3")), ("Borrow", ("c2",))], {"source": "newsletter"}),
            ("p2", [("Using the library", ("c1", "c2", "c3"))], {})]
        assert sorts[0].started_at == datetime(2026, 11, 2, 9, 0, 0, 123456, tzinfo=UTC)
        assert store.excluded_participants(engine, study.id) == {"p2"}
        assert store.get_draft(engine, study.id, "p3")["state"]["groups"] == [{"label": "Half done", "cards": ["c1"]}]
        assert store.count_screenouts(engine, study.id) == 1
        assert store.load_label_decisions(engine, study.id) == [
            {"label_key": "using the library", "standard_label": "Visit", "status": "accepted"}]
        assert store.load_study_notes(engine, study.id) == "Notes kept across the upgrade: ünïcødé too."
        [audit] = history.list_audits(engine)
        assert (audit["id"], audit["pages"], audit["violations"]) == (1, 5, 13)
        [(page, rule, fp)] = history.screenshot_keys(engine, 1)
        assert history.get_screenshot(engine, 1, page, rule, fp) == b"\x89PNG\r\n\x1a\n\x00\xff"
        [job] = jobs.list_jobs(engine)
        assert (job["site"], job["status"]) == ("https://example.org", "interrupted")  # its server is long gone
        assert (job["attempts"], job["claimed_by"]) == (0, None)  # 0004: a job made before workers, never claimed
        # the ids go on from where release 0.3 left them
        assert store.submit_sort(engine, study.id, Sort("p5", (Group("All", ("c1", "c2", "c3")),))) == (3, True)
        assert migrate.upgrade(engine) == migrate.Upgrade(HEAD, HEAD)
        engine.dispose()


def test_a_database_with_other_tables_of_the_same_names_is_refused_and_left_as_it_was(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    load_sql(url, "sqlite", "CREATE TABLE studies (id TEXT PRIMARY KEY, title TEXT);"
                            "INSERT INTO studies VALUES ('s1', 'Someone else''s');")
    engine = sa.create_engine(url)
    with pytest.raises(ValueError, match=r"^the database's table 'studies' has no column 'name', 'kind', 'language', "
                                         r"'status', 'settings', 'created_at', 'updated_at': it was not made by this "
                                         r"app \(release 0.3 or earlier\), so it is left as it was$"):
        migrate.upgrade(engine)
    assert tables(engine) == ["studies"]
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT * FROM studies").all() == [("s1", "Someone else's")]
    engine.dispose()
    proc = run_cli("db", "upgrade", url=url, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.startswith("error: the database's table 'studies' has no column")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_upgrade_is_idempotent(dialect, tmp_path):
    with empty_database(dialect, tmp_path) as url:
        assert run_cli("db", "current", url=url, cwd=tmp_path).stdout == (
            f"database: none (empty, or made before migrations); newest: {HEAD}\n")
        first = run_cli("db", "upgrade", url=url, cwd=tmp_path)
        assert (first.returncode, first.stdout) == (0, f"upgraded the database from empty to {HEAD}\n")
        engine = store.make_engine(url)
        store.create_study(engine, study_from_spec({"name": "Kept", "kind": "open", "cards": ["A", "B"]}, "kept1"))
        again = run_cli("db", "upgrade", url=url, cwd=tmp_path)
        assert (again.returncode, again.stdout) == (0, f"the database is already at the newest revision, {HEAD}\n")
        assert migrate.upgrade(engine) == migrate.Upgrade(HEAD, HEAD)
        assert run_cli("db", "current", url=url, cwd=tmp_path).stdout == f"database: {HEAD}; newest: {HEAD}\n"
        assert [s["name"] for s in store.list_studies(engine)] == ["Kept"]
        assert tables(engine) == sorted([*TABLES, "alembic_version"])
        engine.dispose()


def test_a_database_upgraded_by_a_newer_release_is_refused_and_left_as_it_was(tmp_path):
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = store.make_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '0099'")
    message = (f"the database is at schema revision '0099', which this code does not know (its newest is '{HEAD}'): a "
               "newer release upgraded it; run that release, or restore the backup taken before the upgrade")
    with pytest.raises(ValueError) as raised:
        store.make_engine(url)
    assert str(raised.value) == message
    proc = run_cli("db", "upgrade", url=url, cwd=tmp_path)
    assert (proc.returncode, proc.stderr) == (2, f"error: {message}\n")
    assert migrate.current(engine) == "0099"
    engine.dispose()


PROCESSES = 12
RACER = """
import pathlib, sys, time
from cardsort.__main__ import main
import alembic.command, cardsort.store  # imported before the start, so that the upgrades overlap
folder = pathlib.Path(sys.argv[1])
(folder / f"ready-{sys.argv[2]}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
sys.exit(main(["db", "upgrade"]))
"""


@pytest.mark.parametrize("dialect", DIALECTS)
def test_twelve_processes_upgrading_an_empty_database_at_once_all_succeed(dialect, tmp_path):
    with empty_database(dialect, tmp_path) as url:
        env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        racers = [subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path), str(i)], cwd=tmp_path, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                  for i in range(PROCESSES)]
        try:
            deadline = time.monotonic() + 240
            while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
                assert all(r.poll() is None for r in racers), [r.communicate() for r in racers if r.poll() is not None]
                time.sleep(0.05)
            (tmp_path / "go").touch()
            results = [(r.wait(timeout=240), *r.communicate()) for r in racers]
        finally:
            for r in racers:
                if r.poll() is None:
                    r.kill()
        assert [(code, err) for code, _out, err in results] == [(0, "")] * PROCESSES
        outs = sorted(out for _code, out, _err in results)
        assert outs == ([f"the database is already at the newest revision, {HEAD}\n"] * (PROCESSES - 1)
                        + [f"upgraded the database from empty to {HEAD}\n"])
        engine = sa.create_engine(url)
        assert tables(engine) == sorted([*TABLES, "alembic_version"])
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").all() == [(HEAD,)]
        assert migrate.differences(engine) == []
        engine.dispose()
