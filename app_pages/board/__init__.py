"""The sorting board as an ``st.components.v2`` component, and a setter for ``<html lang dir>``.

The board's markup, styles and behaviour live next to this file (``board.html``,
``board.css``, ``board.js``): inline, no iframe, no build step. Mount it with the
data of :func:`cardsort.board.board_payload`; its ``state`` value is the whole board.
The participant page uses it, and a researcher preview can too::

    result = sorting_board(key="preview", data=board_payload(study, state, instance="preview"),
                           on_state_change=lambda: None)
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent


def _read(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


sorting_board = st.components.v2.component(
    "cardsort_board", html=_read("board.html"), css=_read("board.css"), js=_read("board.js"),
    isolate_styles=False,  # in the page's DOM: one tab order, one accessibility tree, no shadow root
)

_page_language = st.components.v2.component(
    "cardsort_page_language", js=_read("page_language.js"), isolate_styles=False)


def set_page_language(lang: str, direction: str) -> None:
    """Set ``<html lang>`` and ``<html dir>`` of the page (a zero-height component)."""
    _page_language(data={"lang": lang, "dir": direction}, key="page_language", height=0)
