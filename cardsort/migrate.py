"""The database schema's versions: Alembic migrations in ``cardsort/migrations/`` and what runs them.

Every process that opens the database goes through :func:`upgrade` (``store.make_engine`` calls it, and
``python -m cardsort db upgrade`` runs it on its own): one query when the database is already at the newest
revision; otherwise the whole upgrade runs in one transaction under a lock, so any number of processes may
start at once on an empty database (PostgreSQL: ``pg_advisory_xact_lock``; SQLite: ``BEGIN IMMEDIATE``).
A database of a release before migrations (the tables, no ``alembic_version``) is adopted by revision 0001,
which keeps the tables it finds and creates the missing ones.

Alembic is configured here, in code (no ``alembic.ini``), from this file's folder, so it works from a clean
clone and from any working directory.
"""

from __future__ import annotations

import functools
import hashlib
import re
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
LOCK_NAME = "cardsort schema migrations"
"""Hashed (with the schema's name) into the PostgreSQL advisory lock key every upgrading process takes."""
SQLITE_LOCK_SECONDS = 120
"""How long an upgrade on SQLite waits for another process's write (``BEGIN IMMEDIATE``) to finish."""


@dataclass(frozen=True)
class Upgrade:
    """What :func:`upgrade` did: the revision before and after, and whether it adopted a database of a release
    before migrations (its tables kept, the missing ones created)."""

    before: str | None
    after: str | None
    adopted: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def config(connection: sa.Connection | None = None, *, target: list[sa.MetaData] | None = None) -> Config:
    """Alembic's configuration for this project, without an ini file; ``connection`` is what env.py migrates,
    ``target`` the tables a new revision is compared with."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    if connection is not None:
        cfg.attributes["connection"] = connection
    if target is not None:
        cfg.attributes["target_metadata"] = target
    return cfg


@functools.cache
def head() -> str:
    """The newest revision (there must be exactly one)."""
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(config()).get_heads()
    if len(heads) != 1:
        raise RuntimeError(f"the migrations in {MIGRATIONS} have {len(heads)} heads ({', '.join(heads)}), not one: "
                           "give the newer revision the other as down_revision")
    return heads[0]


def _current(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def current(engine: Engine) -> str | None:
    """The database's revision; ``None`` for an empty database or one of a release before migrations."""
    with engine.connect() as conn:
        return _current(conn)


def _legacy_tables(conn: sa.Connection) -> list[str]:
    """Tables of the app in a database without a version table (made by ``create_all`` before migrations)."""
    from alembic.script import ScriptDirectory

    first = ScriptDirectory.from_config(config()).get_revision("0001")
    known = set(getattr(first.module, "TABLES", ())) if first is not None else set()
    return sorted(known & set(sa.inspect(conn).get_table_names()))


def upgrade(engine: Engine, revision: str = "head") -> Upgrade:
    """Bring the database to ``revision`` (default the newest), safely when several processes do it at once."""
    target = head() if revision == "head" else revision
    with engine.connect() as conn:
        before = _current(conn)
    if before == target:
        return Upgrade(before, before)
    from alembic import command

    with _locked(engine) as conn:
        before = _current(conn)  # another process may have upgraded while this one waited for the lock
        _check_known(before)
        adopted = before is None and bool(_legacy_tables(conn))
        if before != target:
            command.upgrade(config(conn), revision)
        after = _current(conn)
    return Upgrade(before, after, adopted)


_READY: weakref.WeakSet[Engine] = weakref.WeakSet()
_READY_LOCK = threading.Lock()


def ensure(engine: Engine) -> Engine:
    """:func:`upgrade` ``engine``'s database once per engine (later calls cost nothing); return the engine.

    For modules that take an engine someone else made (``a11y.history``, ``cardsort.accounts``);
    ``store.make_engine`` upgrades the engines it makes itself."""
    if engine not in _READY:
        with _READY_LOCK:
            if engine not in _READY:
                upgrade(engine)
                _READY.add(engine)
    return engine


def _check_known(revision: str | None) -> None:
    """A database at a revision this code does not have was upgraded by a newer release: say so, touch nothing."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    if revision is None:
        return
    try:
        ScriptDirectory.from_config(config()).get_revision(revision)
    except CommandError:
        raise ValueError(f"the database is at schema revision {revision!r}, which this code does not know (its "
                         f"newest is {head()!r}): a newer release upgraded it; run that release, or restore the "
                         "backup taken before the upgrade") from None


def _lock_key(conn: sa.Connection) -> int:
    """A signed 64-bit advisory lock key for this schema (tests migrate their own schemas side by side)."""
    schema = conn.execute(sa.text("SELECT current_schema()")).scalar() or ""
    digest = hashlib.blake2b(f"{LOCK_NAME}:{schema}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _is_memory(url: sa.URL) -> bool:
    return url.database in (None, "", ":memory:") or url.query.get("mode") == "memory"


@contextmanager
def _locked(engine: Engine) -> Iterator[sa.Connection]:
    """One transaction holding the database's migration lock until it commits (or rolls back)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_lock_key(conn))))
            yield conn
    elif engine.dialect.name == "sqlite" and not _is_memory(engine.url):
        # pysqlite would begin a deferred transaction only before the first write and commit before DDL;
        # its own transaction handling off, BEGIN IMMEDIATE takes SQLite's write lock first, for the whole upgrade
        immediate = sa.create_engine(engine.url, poolclass=NullPool, connect_args={"timeout": SQLITE_LOCK_SECONDS})

        @sa.event.listens_for(immediate, "connect")
        def _no_implicit_transactions(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None

        @sa.event.listens_for(immediate, "begin")
        def _begin_immediate(conn):  # pragma: no cover - trivial
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        try:
            with immediate.begin() as conn:
                yield conn
        finally:
            immediate.dispose()
    else:  # an in-memory SQLite database has one user; other databases get no lock
        with engine.begin() as conn:
            yield conn


def target_metadata() -> list[sa.MetaData]:
    """Every table the code declares (the card-sort store's and the audits'), what migrations must match."""
    from .migrations import models

    return models.metadata()


def _temporary_database() -> tuple[Engine, tempfile.TemporaryDirectory]:
    folder = tempfile.TemporaryDirectory(prefix="cardsort-migrations-")
    engine = sa.create_engine(f"sqlite:///{Path(folder.name) / 'schema.db'}", poolclass=NullPool)
    return engine, folder


def differences(engine: Engine | None = None, metadata: list[sa.MetaData] | None = None) -> list[tuple]:
    """How the tables the migrations make differ from ``metadata`` (default the code's tables); ``[]``: they agree.

    Compared in ``engine``'s database, upgraded to the newest revision first; default a temporary SQLite file.
    Alembic's diff tuples, e.g. ``("add_table", Table(...))`` for a table no revision creates.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    folder = None
    if engine is None:
        engine, folder = _temporary_database()
    try:
        upgrade(engine)
        combined = sa.MetaData()  # compare_metadata takes one
        for part in target_metadata() if metadata is None else metadata:
            for table in part.tables.values():
                table.to_metadata(combined)
        with engine.connect() as conn:
            return list(compare_metadata(MigrationContext.configure(conn), combined))
    finally:
        if folder is not None:
            engine.dispose()
            folder.cleanup()


def next_revision_id() -> str:
    """``0002`` after ``0001``: revisions are numbered in order."""
    return f"{int(head()) + 1:04d}"


def new_revision(message: str) -> Path:
    """Write the next revision, its operations autogenerated from the code's tables; returns its file.

    Compared with a temporary SQLite database at the newest revision; read the file before committing it.
    Raises ``ValueError`` when there is nothing to write.
    """
    from alembic import command

    if not re.search(r"\w", message):
        raise ValueError("the revision's message must say what it changes, e.g. -m 'study invitations'")
    engine, folder = _temporary_database()
    try:
        if not differences(engine):
            raise ValueError(f"the code's tables are what the migrations make (newest {head()}): no revision "
                             "to write; declare the new table first")
        with engine.begin() as conn:
            script = command.revision(config(conn, target=target_metadata()), message=message, autogenerate=True,
                                      rev_id=next_revision_id())
    finally:
        engine.dispose()
        folder.cleanup()
    head.cache_clear()
    if script is None or isinstance(script, list):
        raise RuntimeError("alembic wrote no single revision")
    return Path(script.path)
