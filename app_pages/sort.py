"""Participant page: ``/sort?study=<id>&pid=<participant id>``.

Flow: welcome -> the study's questions before sorting (if any; an answer may screen the
participant out) -> sorting board -> questions after sorting (the study's, then the two
optional built-in ones) -> thank-you. A study with a ``panel`` (:mod:`cardsort.panel`) reads the
participant id from its own URL parameter (``PROLIFIC_PID``), keeps other parameters as tags (in the
draft, then with the sort), turns away new arrivals once its quota is reached or its closing time
passed, and sends participants back with their id. Where a participant is comes from the store (a
submitted sort, a screen-out, else the draft's ``stage``), so a reload or a second tab
always lands on the same step. Questions are validated in :mod:`cardsort.questions`. The board
component lives in ``app_pages/board/``; what cards, what order and whether the sort
is complete is decided in :mod:`cardsort.board`.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from typing import NoReturn

import sqlalchemy as sa
import streamlit as st

from app_pages._common import engine
from app_pages._panel import send_to
from app_pages.board import set_page_language, sorting_board
from cardsort import board, panel, store
from cardsort import questions as qs
from cardsort.i18n import direction, resolve_language, translate
from cardsort.model import utcnow

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text: str) -> str:
    """Text shown through Markdown exactly as written (card and group names are not Markdown)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def _stop_with(lang: str, key: str) -> NoReturn:
    set_page_language(lang, direction(lang))
    st.title(translate(lang, "page_title"))
    st.info(translate(lang, key))
    st.stop()


def _save(study, pid: str, state: dict, stage: str, answers: dict | None = None,
          tags: dict | None = None) -> dict:
    """Store the board as the participant's draft, with the step they are on and their URL tags; returns the board."""
    state = board.validate_state(study, state)
    extra = {"tags": tags} if tags else {}  # the draft of a study without tags keeps its old shape
    store.save_draft(engine(), study.id, pid, dict(state, stage=stage, answers=answers or {}, **extra))
    return state


def _closed_to_newcomers(study) -> str | None:
    """``'quota'`` or ``'date'`` when the study's panel takes no new participants, else ``None``."""
    if study.panel.quota is None and study.panel.closes_at is None:
        return None
    return panel.closed_reason(study.panel, store.completed_count(engine(), study.id), utcnow())


def _turn_away(study, pid: str, lang: str, reason: str) -> None:
    """The study is full (or past its closing time): say so, and send the participant back if the panel says where."""
    st.info(translate(lang, "full_study" if reason == "quota" else "closed_study"))
    url = panel.redirect_url(study.panel, "quota_full", pid)
    if url:
        send_to(url, lang)


def _paragraphs(text: str) -> None:
    """A researcher's text, exactly as typed: one paragraph per line."""
    for line in text.splitlines():
        if line.strip():
            st.write(_plain(line))


def _welcome(study, pid: str, lang: str, tags: dict) -> None:
    n_cards = study.settings.subset or len(study.cards)
    st.header(translate(lang, "welcome_heading"))
    _paragraphs(study.texts.welcome
                or translate(lang, "welcome_intro", cards=translate(lang, "cards", count=n_cards)))
    st.subheader(translate(lang, "instructions_heading"))
    _paragraphs(study.texts.instructions or translate(lang, f"instructions_{study.kind}"))
    st.write(_plain(translate(lang, "instructions_how")))
    if st.button(translate(lang, "start"), type="primary"):
        if _closed_to_newcomers(study) is None:  # the quota may have filled while this page was open
            exposure = store.count_card_exposure(engine(), study.id)
            cards = board.cards_for_participant(study, pid, exposure)
            stage = "pre" if qs.asked(study.questions, "pre") else "sorting"
            _save(study, pid, board.initial_state(study, cards), stage, tags=tags)
        st.rerun()


def _ask(study, lang: str, when: str, answers: dict) -> dict:
    """One widget per question asked at ``when``, keyed by its id, prefilled from ``answers``; returns
    what the widgets hold (options, lists of options, 1-7, text)."""
    values: dict = {}
    for q in qs.asked(study.questions, when):
        label = _plain(translate(lang, "question_required", question=q.text) if q.required else q.text)
        key, saved = f"question:{q.id}", answers.get(q.id, "")
        if q.type == "single":
            values[q.id] = st.radio(label, q.options, index=q.options.index(saved) if saved in q.options else None,
                                    key=key, format_func=_plain)
        elif q.type == "multiple":
            values[q.id] = st.multiselect(label, q.options, default=qs.chosen(q, saved), key=key,
                                          placeholder=translate(lang, "choose_any"))
        elif q.type == "scale":
            ends = {qs.SCALE[0]: q.min_label, qs.SCALE[1]: q.max_label}
            points = list(range(qs.SCALE[0], qs.SCALE[1] + 1))
            values[q.id] = st.radio(label, points, horizontal=True, key=key,
                                    index=points.index(int(saved)) if saved.isdigit() else None,
                                    format_func=lambda n, ends=ends: f"{n} – {ends[n]}" if ends.get(n) else str(n))
        elif q.type == "short":
            values[q.id] = st.text_input(label, value=saved, key=key, max_chars=qs.LIMITS["short"])
        else:
            values[q.id] = st.text_area(label, value=saved, key=key, max_chars=qs.LIMITS["long"])
    return values


def _answered(study, lang: str, when: str, values: dict) -> dict[str, str] | None:
    """The answers in stored form, or ``None`` after showing which required questions are unanswered."""
    missing = qs.unanswered(study.questions, values, when)
    if missing:
        st.error("\n".join(f"- {_plain(translate(lang, 'req_answer', question=q.text))}" for q in missing))
        return None
    return qs.validate_answers(study.questions, values, when)  # the widgets allow nothing else


def _pre_questions(study, pid: str, lang: str, state: dict, answers: dict, tags: dict) -> None:
    st.header(translate(lang, "pre_questions_heading"))
    st.write(translate(lang, "pre_questions_intro"))
    with st.form("pre_questions"):
        values = _ask(study, lang, "pre", answers)
        submitted = st.form_submit_button(translate(lang, "continue"), type="primary")
    if not submitted:
        return
    given = _answered(study, lang, "pre", values)
    if given is None:
        return
    answers = {**answers, **given}
    screening = qs.screening_question(study.questions, given)
    if screening is not None:
        store.record_screenout(engine(), study.id, pid, screening.id, given)
    else:
        _save(study, pid, state, "sorting", answers, tags)
    st.rerun()


def _screened_out(study, pid: str, lang: str) -> None:
    """The screen-out text; then the panel's screen-out redirect (with the id), when the study has one."""
    st.header(translate(lang, "screened_out_heading"))
    _paragraphs(study.texts.screen_out or translate(lang, "screened_out_body"))
    url = panel.redirect_url(study.panel, "screenout", pid)
    if url:
        send_to(url, lang)


def _sorting(study, pid: str, lang: str, state: dict, answers: dict, tags: dict) -> None:
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
            state = _save(study, pid, sent, "sorting", answers, tags)
    if st.button(translate(lang, "finish"), type="primary"):
        problems = board.check_requirements(study, state, lang)
        if problems:
            st.error("\n".join([f"**{_plain(translate(lang, 'fix_heading'))}**", ""]
                               + [f"- {_plain(p)}" for p in problems]))
        else:
            _save(study, pid, state, "questions", answers, tags)
            st.rerun()


def _questions(study, pid: str, lang: str, state: dict, answers: dict, started_at, tags: dict) -> None:
    st.header(translate(lang, "questions_heading"))
    required = any(q.required for q in qs.asked(study.questions, "post"))
    st.write(translate(lang, "questions_intro_required" if required else "questions_intro"))
    with st.form("questions"):
        values = _ask(study, lang, "post", answers)
        comments = st.text_area(translate(lang, "question_comments"), value=answers.get("comments", ""))
        hard = st.text_area(translate(lang, "question_hard"), value=answers.get("hard_cards", ""))
        submitted = st.form_submit_button(translate(lang, "submit"), type="primary")
    given = _answered(study, lang, "post", values) if submitted else None
    if given is not None:
        answers = board.clean_answers({**answers, **given, "comments": comments, "hard_cards": hard},
                                      study.questions)
        sort = board.state_to_sort(study, state, pid, answers=answers, started_at=started_at)
        try:
            store.submit_sort(engine(), study.id, replace(sort, tags=tags))
        except store.StudyClosed:  # only a participant who was not in progress (see cardsort.panel.accepts)
            _turn_away(study, pid, lang, _closed_to_newcomers(study) or "date")
            return
        st.rerun()
    if st.button(translate(lang, "back_to_board")):
        _save(study, pid, state, "sorting", answers, tags)
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

    pid = panel.participant_id(study.panel, params)  # the panel's id parameter, then pid
    if pid is None:
        pid = secrets.token_urlsafe(12)
        params["pid"] = pid  # in the address bar, so a reload resumes this participant
    url_tags = panel.extract_tags(study.panel, params.to_dict())

    title = study.texts.title or translate(lang, "page_title")  # never the internal study name
    st.set_page_config(page_title=title)
    set_page_language(lang, direction(lang))
    st.title(_plain(title))
    if store.has_sort(engine(), study.id, pid):
        st.header(translate(lang, "thanks_heading"))
        _paragraphs(study.texts.thank_you or translate(lang, "thanks_body"))
        if study.panel.completion_code:
            st.markdown(f"**{_plain(translate(lang, 'completion_code', code=study.panel.completion_code))}**")
        url = panel.redirect_url(study.panel, "complete", pid)
        if url:
            send_to(url, lang)
        return
    if store.is_screened_out(engine(), study.id, pid):
        _screened_out(study, pid, lang)
        return
    draft = store.get_draft(engine(), study.id, pid)
    if draft is None:
        reason = _closed_to_newcomers(study)
        if reason:
            _turn_away(study, pid, lang, reason)
        else:
            _welcome(study, pid, lang, url_tags)
        return
    saved = draft["state"] if isinstance(draft["state"], dict) else {}
    state = board.reconcile_state(study, saved)  # the study may have been edited since
    answers = board.clean_answers(saved.get("answers"), study.questions)
    tags = panel.clean_tags(saved.get("tags")) or url_tags  # as they arrived; a resume without them keeps them
    if saved.get("stage") == "questions":
        _questions(study, pid, lang, state, answers, draft["started_at"], tags)
    elif saved.get("stage") == "pre" and qs.asked(study.questions, "pre"):
        _pre_questions(study, pid, lang, state, answers, tags)
    else:
        _sorting(study, pid, lang, state, answers, tags)

try:
    main()
except sa.exc.OperationalError:  # the database is unreachable for now; what was saved stays saved
    language = resolve_language(st.context.locale)
    st.warning(translate(language, "database_unavailable"))
    st.button(translate(language, "try_again"))
