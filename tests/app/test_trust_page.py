"""The "Trust the results" page in AppTest: exclusions change every analysis, tabs render, notes are saved."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_pages._common import PASSWORD_KEY
from cardsort import auth, store
from cardsort.model import Group, Sort, study_from_spec, utcnow

PAGE = str(Path(__file__).resolve().parents[2] / "app_pages" / "trust.py")
PASSWORD = "trust-page-password"
CARDS = ["Opening hours", "Contact us", "Borrowing", "Renewals", "E-books", "Databases"]


@pytest.fixture
def db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("RESEARCHER_PASSWORD", raising=False)
    monkeypatch.delenv("RESEARCHER_PASSWORD_HASH", raising=False)
    engine = store.make_engine(url)
    yield engine
    engine.dispose()


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


def signed_in_page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets[auth.HASH_KEY] = auth.hash_password(PASSWORD)
    at.query_params["study"] = "s1"
    at.run()
    at.text_input(key=PASSWORD_KEY).input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    return at
