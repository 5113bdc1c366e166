"""Participant page: ``/sort?study=<id>&pid=<participant id>``.

Flow: welcome -> sorting board -> optional questions -> thank-you. Where a
participant is comes from the store (a submitted sort, else the draft's
``stage``), so a reload or a second tab always lands on the same step. The board
component lives in ``app_pages/board/``; what cards, what order and whether the sort
is complete is decided in :mod:`cardsort.board`.
"""

from __future__ import annotations

import re
import secrets
from typing import NoReturn

import sqlalchemy as sa
import streamlit as st

from app_pages._common import engine
from app_pages.board import set_page_language, sorting_board
from cardsort import board, store
from cardsort.i18n import direction, resolve_language, translate

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text: str) -> str:
    """Text shown through Markdown exactly as written (card and group names are not Markdown)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _stop_with(lang: str, key: str) -> NoReturn:
    set_page_language(lang, direction(lang))
    st.title(translate(lang, "page_title"))
    st.info(translate(lang, key))
    st.stop()


def _save(study, pid: str, state: dict, stage: str, answers: dict | None = None) -> dict:
    """Store the board as the participant's draft, with the step they are on; returns the board."""
    state = board.validate_state(study, state)
    store.save_draft(engine(), study.id, pid, dict(state, stage=stage, answers=answers or {}))
    return state


def _paragraphs(text: str) -> None:
    """A researcher's text, exactly as typed: one paragraph per line."""
    for line in text.splitlines():
        if line.strip():
            st.write(_plain(line))


def _welcome(study, pid: str, lang: str) -> None:
    n_cards = study.settings.subset or len(study.cards)
    st.header(translate(lang, "welcome_heading"))
    _paragraphs(study.texts.welcome
                or translate(lang, "welcome_intro", cards=translate(lang, "cards", count=n_cards)))
    st.subheader(translate(lang, "instructions_heading"))
    _paragraphs(study.texts.instructions or translate(lang, f"instructions_{study.kind}"))
    st.write(_plain(translate(lang, "instructions_how")))
    if st.button(translate(lang, "start"), type="primary"):
        exposure = store.count_card_exposure(engine(), study.id)
        cards = board.cards_for_participant(study, pid, exposure)
        _save(study, pid, board.initial_state(study, cards), "sorting")
        st.rerun()


def _sorting(study, pid: str, lang: str, state: dict, answers: dict) -> None:
    st.header(translate(lang, "sorting_heading"))
    instance = f"{study.id}:{pid}"
    # The board is mounted with the state it started from in this browser session;
    # afterwards the browser holds the newest state and sends it here.
    payload_key = f"board_payload:{instance}"
    if payload_key not in st.session_state:
        st.session_state[payload_key] = board.board_payload(study, state, instance=instance)
    result = sorting_board(key=f"board:{instance}", data=st.session_state[payload_key],
                            on_state_change=lambda: None)
    if result.state:
        try:
            sent = board.validate_state(study, result.state)
        except ValueError:
            sent = None  # a tampered or outdated board: keep the last good draft
        if sent is not None and sent != state:
            state = _save(study, pid, sent, "sorting", answers)
    if st.button(translate(lang, "finish"), type="primary"):
        problems = board.check_requirements(study, state, lang)
        if problems:
            st.error("\n".join([f"**{_plain(translate(lang, 'fix_heading'))}**", ""]
                               + [f"- {_plain(p)}" for p in problems]))
        else:
            _save(study, pid, state, "questions", answers)
            st.rerun()


def _questions(study, pid: str, lang: str, state: dict, answers: dict, started_at) -> None:
    st.header(translate(lang, "questions_heading"))
    st.write(translate(lang, "questions_intro"))
    with st.form("questions"):
        comments = st.text_area(translate(lang, "question_comments"), value=answers.get("comments", ""))
        hard = st.text_area(translate(lang, "question_hard"), value=answers.get("hard_cards", ""))
        submitted = st.form_submit_button(translate(lang, "submit"), type="primary")
    if submitted:
        answers = board.clean_answers({"comments": comments, "hard_cards": hard})
        sort = board.state_to_sort(study, state, pid, answers=answers, started_at=started_at)
        store.submit_sort(engine(), study.id, sort)
        st.rerun()
    if st.button(translate(lang, "back_to_board")):
        _save(study, pid, state, "sorting", answers)
        st.rerun()


def main() -> None:
    params = st.query_params
    lang = resolve_language(st.context.locale)
    study_id = params.get("study")
    if not study_id:
        _stop_with(lang, "missing_study")
    try:
        study = store.get_study(engine(), study_id)
    except store.NotFound:
        _stop_with(lang, "unknown_study")
    lang = study.language
    status = "closed" if study.archived else study.status  # an archived study is closed to participants
    if status != "open":
        _stop_with(lang, f"{status}_study")

    try:
        pid = board.validate_participant_id(params.get("pid"))
    except ValueError:
        pid = secrets.token_urlsafe(12)
        params["pid"] = pid  # in the address bar, so a reload resumes this participant

    title = study.texts.title or translate(lang, "page_title")  # never the internal study name
    st.set_page_config(page_title=title)
    set_page_language(lang, direction(lang))
    st.title(_plain(title))
    if store.has_sort(engine(), study.id, pid):
        st.header(translate(lang, "thanks_heading"))
        _paragraphs(study.texts.thank_you or translate(lang, "thanks_body"))
        return
    draft = store.get_draft(engine(), study.id, pid)
    if draft is None:
        _welcome(study, pid, lang)
        return
    saved = draft["state"] if isinstance(draft["state"], dict) else {}
    state = board.reconcile_state(study, saved)  # the study may have been edited since
    answers = board.clean_answers(saved.get("answers"))
    if saved.get("stage") == "questions":
        _questions(study, pid, lang, state, answers, draft["started_at"])
    else:
        _sorting(study, pid, lang, state, answers)


try:
    main()
except sa.exc.OperationalError:  # the database is unreachable for now; what was saved stays saved
    language = resolve_language(st.context.locale)
    st.warning(translate(language, "database_unavailable"))
    st.button(translate(language, "try_again"))
