"""Shared fixtures: a fresh database per test, SQLite always and PostgreSQL when TEST_DATABASE_URL is set."""

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from cardsort import settings, store

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"

_DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not settings.text("TEST_DATABASE_URL"), reason="TEST_DATABASE_URL not set"),
    ]),
]


@pytest.fixture(params=_DB_PARAMS)
def engine(request, tmp_path):
    """An empty database with the app's tables, made by the migrations (store.make_engine): a SQLite file, or a
    throw-away PostgreSQL schema."""
    from a11y.worker import stop_app_worker  # an audit started on this database wakes the app's worker for it

    if request.param == "sqlite":
        eng = store.make_engine(f"sqlite:///{tmp_path / 'test.db'}")
        yield eng
        stop_app_worker(eng)
        eng.dispose()
        return
    url = str(settings.text("TEST_DATABASE_URL"))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    eng = store.make_engine(url, schema=schema)
    yield eng
    stop_app_worker(eng)  # else it outlives the schema, polling and auditing beside later tests
    eng.dispose()
    cleanup = sa.create_engine(url)
    with cleanup.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    cleanup.dispose()
