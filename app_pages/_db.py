"""The app's database engine, one per ``DATABASE_URL`` for the whole server (sign-in and pages share it)."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.engine import Engine

from cardsort import store


@st.cache_resource(max_entries=4, show_spinner=False)
def _engine_for(url: str) -> Engine:
    return store.make_engine(url)


def engine() -> Engine:
    """The app's database engine (``DATABASE_URL``), one per URL for the whole server."""
    return _engine_for(store.database_url())
