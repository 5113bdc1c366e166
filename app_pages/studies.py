"""Studies: list, create, edit, duplicate, open and close; the participant link and a board preview."""

from __future__ import annotations

import html
import re
from dataclasses import asdict, replace
from typing import Any

import pandas as pd
import streamlit as st

from app_pages._common import (
    NEW_STUDY,
    choose_study_id,
    copy_button,
    current_account,
    current_actor,
    engine,
    file_uploader,
    owner_id,
    participant_link,
    preview_board,
    require_login,
    requires,
    studies_to_choose,
)
from app_pages._history import history_table
from cardsort import accounts, board, changes, editing, panel, store
from cardsort.formats import FormatError
from cardsort.i18n import counted, direction, resolve_language, translate
from cardsort.model import KINDS, STATUSES, TEXT_FIELDS, TEXT_LIMITS, Settings, Study, Texts, study_from_spec, utcnow

require_login("edit")

LANGUAGES = {"en": "English", "fa": "Persian (right to left)", "ar": "Arabic (right to left)",
             "ru": "Russian", "tr": "Turkish", "other": "Another language (BCP 47 code)"}
KIND_HELP = {"open": "Open: participants make and name their own groups",
             "closed": "Closed: participants use your categories only",
             "hybrid": "Hybrid: your categories, plus groups participants make"}
STATUS_HELP = {"draft": "Draft: participants see “not started yet”",
               "open": "Open: participants can sort", "closed": "Closed: participants see “this study has ended”"}


def _markdown_text(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text)


def _flash(kind: str, message: str) -> None:
    st.session_state["studies_flash"] = (kind, message)


def _show_flash() -> None:
    kind, message = st.session_state.pop("studies_flash", (None, None))
    if kind == "error":
        st.error(message)
    elif kind:
        st.success(message)


# --- the set-up form -----------------------------------------------------------------------------

SETTINGS_FIELDS = ("randomize", "subset", "require_all_sorted", "require_names", "max_groups", "order_within_groups")
FORM_FIELDS = ("name", "kind", "status", "language", "language_code", "cards", "categories", "questions",
               *(f"text_{name}" for name in TEXT_FIELDS), *SETTINGS_FIELDS,
               *(f"panel_{name}" for name in panel.PANEL_FIELDS))
SHOWN = "form:shown"  # the form (``form:<study id>``) the last run showed, seeded from its stored study


def _reload_form(study_id: str | None = None) -> None:
    """Seed the form again from the stored study on the next run (after a save, a status change...).

    With ``study_id``, the picker is also set to that study again: its option's label (name,
    status, number of sorts) changed, and a browser keeps showing the old label of an option
    whose value did not change unless the value is set anew.
    """
    st.session_state.pop(SHOWN, None)
    if study_id:
        st.session_state["edit_study"] = study_id


def _init_form(prefix: str, study: Study | None) -> None:
    """Fill the form's session state from the stored study whenever the study shown changes.

    Streamlit forgets the state of widgets a run did not show, so a form shown again after
    another study's (A, then B, then A) is seeded again; while the same study stays on screen,
    what the researcher typed is kept (widgets need no ``value=`` and uploads can replace cards).
    """
    if st.session_state.get(SHOWN) == prefix and all(f"{prefix}:{f}" in st.session_state for f in FORM_FIELDS):
        return
    settings: dict[str, Any] = asdict(study.settings if study else Settings())
    texts = asdict(study.texts) if study else asdict(Texts())
    recruiting = panel_form_values(study.panel if study else panel.Panel())
    language = study.language if study else "en"
    st.session_state.update({
        f"{prefix}:name": study.name if study else "",
        f"{prefix}:kind": study.kind if study else "open",
        f"{prefix}:status": study.status if study else "draft",
        f"{prefix}:language": language if language in LANGUAGES else "other",
        f"{prefix}:language_code": "" if language in LANGUAGES else language,
        f"{prefix}:cards": editing.format_card_lines(study.cards) if study else "",
        f"{prefix}:categories": "\n".join(c.label for c in study.categories) if study else "",
        f"{prefix}:questions": editing.format_questions(study.questions) if study else "",
        **{f"{prefix}:text_{name}": value for name, value in texts.items()},
        **{f"{prefix}:{name}": value for name, value in settings.items()},
        **{f"{prefix}:panel_{name}": value for name, value in recruiting.items()},
        SHOWN: prefix,
    })


def _read_form(prefix: str, previous: Study | None) -> dict:
    s = st.session_state
    language = s[f"{prefix}:language"]
    return editing.study_spec(
        name=s[f"{prefix}:name"], kind=s[f"{prefix}:kind"], status=s[f"{prefix}:status"],
        language=s[f"{prefix}:language_code"] if language == "other" else language,
        cards_text=s[f"{prefix}:cards"], categories_text=s[f"{prefix}:categories"],
        settings={name: s[f"{prefix}:{name}"] for name in SETTINGS_FIELDS},
        texts={name: s[f"{prefix}:text_{name}"] for name in TEXT_FIELDS},
        previous=previous, questions_text=s[f"{prefix}:questions"],
        panel={name: s[f"{prefix}:panel_{name}"] for name in panel.PANEL_FIELDS},
    )


@requires("edit")
def _save(prefix: str, study_id: str | None) -> None:
    previous = store.get_study(engine(), study_id) if study_id else None
    try:
        study = study_from_spec(_read_form(prefix, previous), study_id or store.new_study_id())
    except ValueError as err:
        _flash("error", f"Not saved: {_name_panel_field(str(err))}.")
        return
    if previous:
        store.update_study(engine(), replace(study, archived=previous.archived), actor=current_actor())
        _flash("success", f"Saved “{study.name}”.")
        _reload_form(study.id)
    else:
        store.create_study(engine(), study, actor=current_actor(), owner=owner_id())
        _flash("success", f"Created “{study.name}”. Open it when you are ready for participants.")
        _reload_form(study.id)  # show the stored study's form


def _load_cards_csv(prefix: str) -> None:
    upload = st.session_state.get(f"{prefix}:upload")
    if upload is None:
        return
    try:
        cards = editing.read_cards_csv(upload.getvalue(), upload.name)
    except FormatError as err:
        _flash("error", f"Cards not loaded: {err}.")
        return
    st.session_state[f"{prefix}:cards"] = editing.format_card_lines(cards)
    _flash("success",
           f"Loaded {counted(len(cards), WHAT_GOES['cards'])} from {upload.name}. Check the list, then save.")


def setup_form(study: Study | None) -> None:
    prefix = f"form:{study.id if study else NEW_STUDY}"
    _init_form(prefix, study)
    st.text_input("Study name", key=f"{prefix}:name", max_chars=200)
    left, right = st.columns(2)
    with left:
        kind = st.radio("Kind of sort", KINDS, format_func=KIND_HELP.__getitem__, key=f"{prefix}:kind")
        language = st.selectbox("Participants' language", list(LANGUAGES), format_func=LANGUAGES.__getitem__,
                                key=f"{prefix}:language")
        if language == "other":
            st.text_input("Language code (BCP 47, for example de, es-MX, ur)", key=f"{prefix}:language_code",
                          max_chars=35)
    with right:
        st.radio("Status", STATUSES, format_func=STATUS_HELP.__getitem__, key=f"{prefix}:status")
    if study and store.participant_counts(engine(), study.id)["completed"]:
        st.warning("Participants have already sorted this study. A card whose label you change becomes a new "
                   "card: earlier sorts of the old label no longer count in the results.")
    st.text_area("Cards, one per line (optionally: label | description | image URL)", key=f"{prefix}:cards",
                 height=260, placeholder="Opening hours | When each branch is open\nRenew a loan")
    file_uploader("Or load the cards from a CSV file (label, description, image; header optional)",
                     type=["csv", "txt"], key=f"{prefix}:upload", on_change=_load_cards_csv, args=(prefix,))
    st.text_area("Categories, one per line (closed and hybrid sorts)", key=f"{prefix}:categories",
                 height=140, disabled=kind == "open",
                 help="An open sort has no fixed categories: participants make their own groups.")
    st.subheader("Settings", anchor=False)
    a, b = st.columns(2)
    with a:
        st.checkbox("Show cards in a random order to each participant", key=f"{prefix}:randomize")
        st.checkbox("All cards must be sorted before submitting", key=f"{prefix}:require_all_sorted")
        st.checkbox("Participants must name their groups", key=f"{prefix}:require_names")
        st.checkbox("Participants order the cards inside each group (most important first)",
                    key=f"{prefix}:order_within_groups",
                    help="A prioritisation sort: participants move cards up and down inside a group, by keyboard "
                         "or by dragging, and the results show each card's average position in each category.")
    with b:
        st.number_input("Cards per participant (empty: all cards)", min_value=1, step=1, value=None,
                        key=f"{prefix}:subset", placeholder="All cards")
        st.number_input("Most groups a participant may use (empty: no limit)", min_value=1, step=1, value=None,
                        key=f"{prefix}:max_groups", placeholder="No limit")
    questions_form(prefix)
    participant_texts(prefix, study)
    panel_settings(prefix)
    label = "Save changes" if study else "Create study"
    st.button(label, type="primary", on_click=_save, args=(prefix, study.id if study else None),
              key=f"{prefix}:save")


QUESTIONS_EXAMPLE = """[
  {"id": "role", "when": "pre", "type": "single", "text": "What is your role?",
   "options": ["Student", "Staff", "Visitor"], "required": true, "screen_out": ["Visitor"]},
  {"id": "ease", "when": "post", "type": "scale", "text": "Overall, how easy or difficult was this task?",
   "scale": {"min_label": "Very difficult", "max_label": "Very easy"}}
]"""


def questions_form(prefix: str) -> None:
    """The study's questions before and after sorting, as the JSON list of the study spec, and screening."""
    st.subheader("Questions and screening", anchor=False)
    st.caption("Questions asked before the board (when: pre) or after it (when: post), in the participants' "
               "language. Types: single, multiple, scale (1 to 7, labelled ends), short, long. A question "
               "asked before sorting may screen participants out by the options listed in screen_out. "
               "Leave empty for none; the two optional comment questions after sorting are always asked. "
               "Screened-out participants read the screen-out text, then go to the panel's screen-out "
               "redirect when it is set (Recruiting through a panel).")
    st.text_area("Questions (a JSON list, as in the study spec)", key=f"{prefix}:questions", height=200,
                 placeholder=QUESTIONS_EXAMPLE)


TEXT_LABELS = {"title": "Title", "welcome": "Welcome text", "instructions": "Instructions",
               "thank_you": "Thank-you text", "screen_out": "Screen-out text (for participants a question "
               "screens out)"}


def default_texts(language: str, kind: str, n_cards: int) -> dict[str, str]:
    """What participants read when a text is left empty, in the study's language."""
    lang = resolve_language(language)
    return {"title": translate(lang, "page_title"),
            "welcome": translate(lang, "welcome_intro", cards=translate(lang, "cards", count=n_cards)),
            "instructions": translate(lang, f"instructions_{kind}"),
            "thank_you": translate(lang, "thanks_body"),
            "screen_out": translate(lang, "screened_out_body")}


def participant_texts(prefix: str, study: Study | None) -> None:
    """The participant-facing title, welcome, instructions and thank-you text; empty means the default."""
    s = st.session_state
    language = s[f"{prefix}:language_code"] if s[f"{prefix}:language"] == "other" else s[f"{prefix}:language"]
    n_cards = (study.settings.subset or len(study.cards)) if study else 0
    defaults = default_texts(language, s[f"{prefix}:kind"], n_cards)
    st.subheader("What participants read", anchor=False)
    # st.write, not st.caption: the caption's grey (#797b83 on white, 4.22:1) fails axe's colour contrast
    st.write("Participants never see the study name above. Leave a text empty to use the default, "
             "shown in grey, in the participants' language.")
    for name in TEXT_FIELDS:
        label = f"{TEXT_LABELS[name]} (at most {TEXT_LIMITS[name]:,} characters)"
        if name == "title":
            st.text_input(label, key=f"{prefix}:text_{name}", max_chars=TEXT_LIMITS[name], placeholder=defaults[name])
        else:
            st.text_area(label, key=f"{prefix}:text_{name}", max_chars=TEXT_LIMITS[name], placeholder=defaults[name],
                         height=100)


PANEL_LABELS = {
    "id_param": "Participant id parameter (empty: pid)",
    "tag_params": "Parameters kept as tags, separated by commas (empty: every other parameter)",
    "complete_url": "Completion redirect: an http(s) address; {pid} becomes the participant's id",
    "screenout_url": "Screen-out redirect: an http(s) address; {pid} becomes the participant's id",
    "quota_full_url": "Study-full redirect: an http(s) address; {pid} becomes the participant's id",
    "completion_code": "Completion code shown on the thank-you step",
    "quota": "Close to new participants after this many completed sorts (empty: no quota)",
    "closes_at": "Close to new participants at (ISO 8601 with a timezone; empty: never)",
}


def panel_form_values(recruiting: panel.Panel) -> dict:
    """The panel's fields as the form shows them: text, '' when unset; the quota a number or ``None``."""
    return {"id_param": recruiting.id_param or "", "tag_params": ", ".join(recruiting.tag_params or ()),
            "complete_url": recruiting.complete_url or "", "screenout_url": recruiting.screenout_url or "",
            "quota_full_url": recruiting.quota_full_url or "", "completion_code": recruiting.completion_code or "",
            "quota": recruiting.quota,
            "closes_at": recruiting.closes_at.isoformat() if recruiting.closes_at else ""}


def _name_panel_field(message: str) -> str:
    """"panel.complete_url must be ..." -> "“Completion redirect” (panel.complete_url) must be ..."."""
    for name, label in PANEL_LABELS.items():
        short = label.split(":")[0].split(" (")[0]
        message = re.sub(rf"\bpanel\.{name}\b", f"“{short}” (panel.{name})", message)
    return message


def panel_settings(prefix: str) -> None:
    """Recruiting through a panel (Prolific, MTurk, a market-research panel): id parameter, tags, redirects,
    completion code, quota and closing time (see cardsort/panel.py)."""
    st.subheader("Recruiting through a panel", anchor=False)
    with st.expander("Participant id, redirects, quota and closing time"):
        st.write("A panel sends participants with their id in a URL parameter, for example Prolific's "
                 "PROLIFIC_PID; other parameters (STUDY_ID, SESSION_ID) are kept as tags with the sort. "
                 "Participants already sorting may still submit once the study is full or closed.")
        left, right = st.columns(2)
        with left:
            st.text_input(PANEL_LABELS["id_param"], key=f"{prefix}:panel_id_param", max_chars=50,
                          placeholder="PROLIFIC_PID")
            st.text_input(PANEL_LABELS["tag_params"], key=f"{prefix}:panel_tag_params", max_chars=1100,
                          placeholder="STUDY_ID, SESSION_ID")
            st.text_input(PANEL_LABELS["completion_code"], key=f"{prefix}:panel_completion_code", max_chars=100)
            st.number_input(PANEL_LABELS["quota"], min_value=1, step=1, value=None, key=f"{prefix}:panel_quota",
                            placeholder="No quota")
            st.text_input(PANEL_LABELS["closes_at"], key=f"{prefix}:panel_closes_at", max_chars=40,
                          placeholder="2026-12-31T18:00:00+01:00")
        with right:
            for name in panel.URL_FIELDS:
                st.text_input(PANEL_LABELS[name], key=f"{prefix}:panel_{name}", max_chars=panel.MAX_URL,
                              placeholder="https://app.prolific.com/submissions/complete?cc=C1A2B3")


# --- sharing and preview ---------------------------------------------------------------------------

@requires("edit")
def _set_status(study_id: str, status: str) -> None:
    store.set_status(engine(), study_id, status, actor=current_actor())
    _reload_form(study_id)
    _flash("success", {"open": "The study is open: participants can sort now.",
                       "closed": "The study is closed: participants can no longer sort.",
                       "draft": "The study is back in draft."}[status])


@requires("edit")
def _duplicate(study_id: str) -> None:
    copy = store.duplicate_study(engine(), study_id, actor=current_actor(), owner=owner_id())
    st.session_state["edit_study"] = copy.id
    _flash("success", f"Made “{copy.name}”, a draft with the same cards, categories and settings (no sorts).")


@requires("edit")
def _set_shared(study_id: str) -> None:
    shared = bool(st.session_state.get(f"shared:{study_id}"))
    account = current_account()
    try:
        if account is None:
            raise PermissionError("only the study's owner or an admin can change who sees it")
        store.set_shared(engine(), study_id, shared, account=account, actor=current_actor())
    except (PermissionError, ValueError, store.NotFound) as err:
        st.session_state.pop(f"shared:{study_id}", None)  # show the stored sharing again
        _flash("error", f"The sharing did not change: {err}.")
        return
    _flash("success", "The study is shared with the team." if shared
           else "The study is private: only its owner and the admins see it.")


def sharing_panel(study: Study) -> None:
    """Who sees the study: its owner, and (for the owner or an admin) the switch sharing it with the team."""
    owned = store.sharing(engine(), study.id)
    if owned.team:
        st.write("**Who sees it:** the whole team (a team study: it has no owner).")
        return
    owner = accounts.get(engine(), owned.owner_account_id) if owned.owner_account_id is not None else None
    who = owner.label if owner else "a disabled account"
    seen = "the whole team" if owned.shared else "only its owner and the admins"
    st.write(f"**Owner:** {_markdown_text(who)}. **Who sees it:** {seen}.")
    if store.may_share(current_account(), owned):
        st.toggle("Shared with the team", value=owned.shared, key=f"shared:{study.id}", on_change=_set_shared,
                  args=(study.id,), help="Off: only the owner and the admins see the study and its results.")


SORTS = {"one": "sort", "other": "sorts"}
WHAT_GOES = {"cards": {"one": "card", "other": "cards"}, "categories": {"one": "category", "other": "categories"},
             "drafts": {"one": "board in progress", "other": "boards in progress"},
             "label_decisions": {"one": "label decision", "other": "label decisions"}}


def _ask(key: str, value=True) -> None:
    st.session_state[key] = value


def _cancel(key: str) -> None:
    st.session_state.pop(key, None)
    _flash("success", "Cancelled: nothing was deleted.")


@requires("edit")
def _set_archived(study_id: str, archived: bool) -> None:
    study = store.set_archived(engine(), study_id, archived, actor=current_actor())
    _reload_form(study_id)
    if archived:
        _flash("success", f"Archived “{study.name}”: it is closed to participants and hidden from the study "
                          "lists. Tick “Show archived studies” to see it again.")
    else:
        _flash("success", f"“{study.name}” is back in the study lists. It stays closed until you open it.")


@requires("edit")
def _delete_study(study_id: str) -> None:
    st.session_state.pop(f"confirm_delete:{study_id}", None)
    st.session_state["edit_study"] = NEW_STUDY
    try:
        name = store.get_study(engine(), study_id).name
        gone = store.delete_study(engine(), study_id, actor=current_actor())
    except store.NotFound:  # deleted meanwhile, in another tab
        _flash("error", "This study was already deleted.")
        return
    _flash("success", f"Deleted “{name}” with its {counted(gone['sorts'], SORTS)} and "
                      f"{counted(gone['cards'], WHAT_GOES['cards'])}.")


@requires("edit")
def _delete_sort(study_id: str, participant_id: str) -> None:
    st.session_state.pop(f"confirm_delete_sort:{study_id}", None)
    try:
        store.delete_sort(engine(), study_id, participant_id, actor=current_actor())
    except store.NotFound:
        _flash("error", f"Participant “{participant_id}” has no sort in this study any more: nothing was deleted.")
        return
    _reload_form(study_id)
    _flash("success", f"Deleted the sort of participant “{participant_id}”.")


def deletion_question(study: Study) -> str:
    """"Delete “Library website” and its 600 sorts?", then what else goes with it."""
    counts = store.deletion_counts(engine(), study.id)
    extra = [counted(counts[k], forms) for k, forms in WHAT_GOES.items() if counts[k]]
    if counts["notes"]:
        extra.append("notes")
    also = f" This also deletes its {_join(extra)}." if extra else ""
    return (f"Delete “{study.name}” and its {counted(counts['sorts'], SORTS)}?{also} "
            "This cannot be undone; export the results first if you may need them.")


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def manage_panel(study: Study) -> None:
    """Archive or unarchive, delete the study, delete one participant's sort: each deletion asks first."""
    ask_study, ask_sort = f"confirm_delete:{study.id}", f"confirm_delete_sort:{study.id}"
    with st.container(horizontal=True, vertical_alignment="center"):
        if study.archived:
            st.button("Unarchive", on_click=_set_archived, args=(study.id, False), key=f"unarchive:{study.id}")
        else:
            st.button("Archive", on_click=_set_archived, args=(study.id, True), key=f"archive:{study.id}",
                      help="Closes the study to participants and hides it from the study lists; deletes nothing.")
        st.button("Delete the study…", on_click=_ask, args=(ask_study,), key=f"delete:{study.id}")
    if st.session_state.get(ask_study):
        st.warning(_markdown_text(deletion_question(study)))
        with st.container(horizontal=True):
            st.button(f"Yes, delete “{study.name}”", type="primary", on_click=_delete_study, args=(study.id,),
                      key=f"delete_yes:{study.id}")
            st.button("Cancel", on_click=_cancel, args=(ask_study,), key=f"delete_no:{study.id}")
    participants = store.participant_ids(engine(), study.id)
    if not participants:
        return
    among = counted(len(participants), {"one": "participant", "other": "participants"})
    pid = st.selectbox("Participant whose sort to delete", participants, index=None,
                       placeholder=f"Choose one of {among}", key=f"delete_pid:{study.id}")
    st.button("Delete this participant's sort…", on_click=_ask, args=(ask_sort, pid), disabled=pid is None,
              key=f"delete_sort:{study.id}")
    asked = st.session_state.get(ask_sort)
    if asked:
        others = counted(len(participants) - 1, {"one": "other sort stays", "other": "other sorts stay"})
        st.warning(_markdown_text(f"Delete the sort of participant “{asked}”? Their groups and answers go; "
                                  f"the {others}. This cannot be undone."))
        with st.container(horizontal=True):
            st.button("Yes, delete this sort", type="primary", on_click=_delete_sort, args=(study.id, asked),
                      key=f"delete_sort_yes:{study.id}")
            st.button("Cancel", on_click=_cancel, args=(ask_sort,), key=f"delete_sort_no:{study.id}")


def share_panel(study: Study) -> None:
    counts = store.participant_counts(engine(), study.id)
    screened = store.count_screenouts(engine(), study.id)
    st.write(f"**Status:** {STATUS_HELP[study.status]}. **Sorts:** {counts['completed']:,} completed, "
             f"{counts['in_progress']:,} in progress"
             + (f", {screened:,} screened out by a question (never analysed)." if screened else "."))
    link = participant_link(study)
    st.markdown(f"**Participant link:** [{_markdown_text(link)}]({link})")
    copy_button(link, key=f"copy:{study.id}")
    recruiting = study.panel
    if recruiting.id_param or recruiting.tag_params:
        st.markdown(f"**Panel link** (with Prolific's placeholders; other panels write theirs in place of "
                    f"`{{{{%…%}}}}`): `{panel.panel_link(link, recruiting)}`")  # ids and parameter names: no backtick
    if recruiting.quota is not None or recruiting.closes_at is not None:
        counted_now = store.completed_count(engine(), study.id)
        parts = ([f"quota {counted_now:,} of {recruiting.quota:,} completed sorts (excluded ones do not count)"]
                 if recruiting.quota is not None else [])
        parts += [f"closes {recruiting.closes_at.isoformat()}"] if recruiting.closes_at else []
        reason = panel.closed_reason(recruiting, counted_now, utcnow())
        state = {"quota": " It is full: new participants are turned away.",
                 "date": " Its closing time has passed: new participants are turned away."}.get(reason or "", "")
        st.write(f"**Panel:** {'; '.join(parts)}.{state}")
    with st.container(horizontal=True, vertical_alignment="center"):
        if study.status != "open":
            st.button("Open the study", type="primary", on_click=_set_status, args=(study.id, "open"),
                      key=f"open:{study.id}")
        else:
            st.button("Close the study", on_click=_set_status, args=(study.id, "closed"), key=f"close:{study.id}")
        st.button("Duplicate", on_click=_duplicate, args=(study.id,), key=f"dup:{study.id}")
        st.page_link("app_pages/results.py", label="See the results", query_params={"study": study.id})
        st.page_link("app_pages/import_data.py", label="Import results", query_params={"study": study.id})


def preview(study: Study) -> None:
    """What a participant meets: the instructions and the board, in the study's language and direction.

    The board is the participant's own component; moves made here stay in this browser
    (nothing is saved, so previewing never adds a draft or a sort).
    """
    lang = resolve_language(study.language)
    words = f'lang="{html.escape(study.language)}" dir="{direction(lang)}"'
    texts = {k: v or default for (k, v), default in
             zip(asdict(study.texts).items(),
                 default_texts(study.language, study.kind, study.settings.subset or len(study.cards)).values())}
    st.html(
        f"<p {words}><strong>{html.escape(texts['title'])}</strong></p>"
        f"<p {words}><strong>{html.escape(translate(lang, 'welcome_heading'))}</strong></p>"
        f"<p {words}>{html.escape(texts['welcome'])}</p>"
        f"<p {words}>{html.escape(texts['instructions'])}</p>"
    )
    st.caption("Try the board: moves here are not saved. Card order and subset are those of one sample participant.")
    cards = board.cards_for_participant(study, "preview", exposure={})
    instance = f"preview:{study.id}:{study.updated_at.isoformat() if study.updated_at else ''}"
    preview_board(key=f"preview:{study.id}", data=board.board_payload(study, board.initial_state(study, cards),
                                                                       instance=instance))


# --- the page ---------------------------------------------------------------------------------------

st.title("Studies")
_show_flash()
show_archived = st.checkbox("Show archived studies", key="show_archived")
rows = studies_to_choose(include_archived=show_archived)
if rows:
    table = pd.DataFrame(rows)[["name", "status", "kind", "language", "cards", "participants", "updated_at",
                                "archived"]]
    table["updated_at"] = table["updated_at"].map(lambda t: t.strftime("%Y-%m-%d %H:%M UTC") if t else "")
    table["archived"] = table["archived"].map({True: "archived", False: ""})
    table.columns = ["Study", "Status", "Kind", "Language", "Cards", "Sorts", "Last change", "Archived"]
    if not show_archived:
        table = table.drop(columns="Archived")
    st.table(table.set_index("Study"))

study_id = choose_study_id(rows, new_label="New study", label="Study to work on")
study = store.get_study(engine(), study_id) if study_id not in (None, NEW_STUDY) else None
if study:
    st.header(study.name, anchor=False)
    if study.archived:
        st.info("This study is archived: closed to participants and hidden from the study lists.")
    sharing_panel(study)
    share_panel(study)
    with st.expander("Preview: what participants see first"):
        preview(study)
    st.header("Set-up", anchor=False)
else:
    st.header("New study", anchor=False)
setup_form(study)
if study:
    st.header("Archive or delete", anchor=False)
    manage_panel(study)
    st.header("History", anchor=False)
    shown_id = study.id
    history_table(f"study:{shown_id}", lambda limit: (changes.for_study(engine(), shown_id, limit),
                                                      changes.count_for_study(engine(), shown_id)),
                  empty="No change is recorded for this study yet.")
