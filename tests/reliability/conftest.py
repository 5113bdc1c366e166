"""Shared pieces of the reliability tests: a results file for measured figures and small study builders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cardsort import settings, store
from cardsort.model import Study, study_from_spec

ROOT = Path(__file__).resolve().parents[2]
PG_URL = settings.text("TEST_DATABASE_URL")
needs_postgres = [pytest.mark.postgres,
                  pytest.mark.skipif(not PG_URL, reason="TEST_DATABASE_URL not set")]


@pytest.fixture(scope="session")
def figures(request):
    """A dict of measured figures, written to ``.pytest_cache/d/reliability/figures.json`` at the end.

    Tests record latencies here instead of asserting on them (speed belongs to ``bench/``).
    """
    found: dict = {}
    yield found
    cache = getattr(request.config, "cache", None)  # None under -p no:cacheprovider
    if found and cache is not None:
        folder = Path(cache.mkdir("reliability"))
        path = folder / "figures.json"
        old = json.loads(path.read_text()) if path.is_file() else {}
        path.write_text(json.dumps(old | found, indent=2) + "\n", encoding="utf-8")


def add_study(engine, spec: dict, study_id: str = "s1") -> Study:
    """Store a study built from a study spec (docs/architecture.md)."""
    return store.create_study(engine, study_from_spec(spec, study_id))
