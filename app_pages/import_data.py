"""Import earlier results into a study: check and preview first, then store all sorts in one transaction."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._common import choose_study, current_actor, engine, file_uploader, require_login
from cardsort import formats, store
from cardsort.formats import DELIMITER_NAMES, FormatError
from cardsort.i18n import counted

require_login()

SORTS = {"one": "sort", "other": "sorts"}
PARTICIPANTS = {"one": "participant", "other": "participants"}
CARDS = {"one": "card", "other": "cards"}
SHOWN_IDS = 20  # ids of participants who already have sorts, listed before "and N more"
FORMAT_NAMES = {"auto": "Detect from the file", "casolysis": "Casolysis CSV (Kardsort)",
                "long": "Long CSV (participant, card, category)", "json": "JSON exported by this tool"}


def _sorts_preview(sorts, known: set[str]) -> pd.DataFrame:
    return pd.DataFrame({
        "Participant": [s.participant_id for s in sorts],
        "Groups": [len(s.groups) for s in sorts],
        "Cards placed": [len(s.placed_cards()) for s in sorts],
        "Group names": ["; ".join(g.label for g in s.groups) for s in sorts],
        "Already has a sort": ["yes" if s.participant_id in known else "no" for s in sorts],
    })


def _listed(ids: list[str]) -> str:
    """``P01, P02, …`` for up to :data:`SHOWN_IDS` ids, then how many more."""
    shown = ", ".join(ids[:SHOWN_IDS])
    return shown if len(ids) <= SHOWN_IDS else f"{shown} and {len(ids) - SHOWN_IDS:,} more"


def _already_there(known: list[str], n: int) -> str:
    verb = "has a sort" if len(known) == 1 else "have sorts"
    return f"{len(known):,} of {counted(n, PARTICIPANTS)} in this file already {verb}: {_listed(known)}."


def _id_clash(frame: pd.DataFrame, study) -> str | None:
    """A card id of the file that names another card in this study (a file of another study's set-up)."""
    labels = {c.id: c.label for c in study.cards}
    expected = frame["card_id"].astype(str).map(labels)
    clash = frame[expected.notna() & (frame["card_label"].astype(str) != expected)]
    if clash.empty:
        return None
    row = clash.iloc[0]
    return (f"line {int(row['line'])}: card id {row['card_id']!r} is {row['card_label']!r} in the file but "
            f"{labels[row['card_id']]!r} in this study. Import into the study the file came from, or a "
            "duplicate of it")


def _import(study_id: str, sorts, source: str, skip_existing: bool) -> None:
    try:
        n = store.import_sorts(engine(), study_id, sorts, skip_existing=skip_existing, actor=current_actor(),
                               source=source)
    except ValueError as err:
        st.session_state["import_flash"] = ("error", f"Nothing was imported: {err}.")
        return
    skipped = len(sorts) - n
    if n == 0:  # every participant got a sort in the meantime
        st.session_state["import_flash"] = ("info", f"Nothing new to import: {_all_there(len(sorts))}.")
    else:
        note = f"; skipped {counted(skipped, PARTICIPANTS)} who already had sorts" if skipped else ""
        st.session_state["import_flash"] = ("success", f"Imported {counted(n, SORTS)} from {source}{note}.")
    st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1  # a fresh, empty uploader


def _all_there(n: int) -> str:
    return "the one participant in this file already has a sort" if n == 1 else \
        f"all {counted(n, PARTICIPANTS)} already have sorts"


st.title("Import results")
st.write("Bring in sorts collected elsewhere, for example in Kardsort, OptimalSort or on paper. Cards are "
         "matched to the study's cards by id, else by label. Nothing is stored until you confirm, and then "
         "either every sort is stored or none is. For sorts made on paper, the Paper sorts page prints numbered "
         "cards and takes each sort by card numbers.")
kind, message = st.session_state.pop("import_flash", (None, None))
if kind == "error":
    st.error(message)
elif kind == "info":
    st.info(message)
elif kind:
    st.success(message)

study = choose_study(key="import_study")
if study is None:
    st.stop()
fmt = st.selectbox("Format", list(FORMAT_NAMES), format_func=FORMAT_NAMES.__getitem__, key="import_format")
upload = file_uploader("Results file (CSV or JSON)", type=["csv", "json", "txt"],
                          key=f"import_file:{st.session_state.get('import_round', 0)}")
if upload is None:
    st.stop()

try:
    parsed = formats.read_bytes(upload.getvalue(), fmt, source=upload.name)
    sorts = formats.sorts_for_study(parsed, study, source=upload.name)
except FormatError as err:
    st.error(f"This file cannot be imported. {err}.")
    st.stop()
clash = _id_clash(parsed.frame, study)
if clash:
    st.error(f"This file cannot be imported. {upload.name}, {clash}.")
    st.stop()
if not sorts:
    st.warning(f"{upload.name} holds no sorts.")
    st.stop()

st.header("Check before importing", anchor=False)
placed = sum(len(s.placed_cards()) for s in sorts)
separated = "" if parsed.delimiter == "," else \
    f", columns separated by {DELIMITER_NAMES[parsed.delimiter]} (read like commas)"
st.write(f"**Format:** {FORMAT_NAMES[parsed.format]}{separated}. **Sorts:** {counted(len(sorts), PARTICIPANTS)}, "
         f"{counted(placed, CARDS)} placed, into “{study.name}”.")
known = store.participants_with_sorts(engine(), study.id, [s.participant_id for s in sorts])
st.table(_sorts_preview(sorts[:20], set(known)).set_index("Participant"))
if len(sorts) > 20:
    st.caption(f"The first 20 of {counted(len(sorts), SORTS)}.")
skip = False
if len(known) == len(sorts):
    st.info(f"Nothing new to import: {_all_there(len(sorts))}.")
    st.stop()
if known:
    st.warning(_already_there(known, len(sorts)))
    rest = len(sorts) - len(known)
    # Keyed by the file and the study, so another file or study starts with the default again.
    skip = st.checkbox(f"Skip them and import the other {rest:,}", value=True,
                       key=f"import_skip:{study.id}:{upload.file_id}")
    if not skip:
        st.error(f"This file cannot be imported as it is: a participant can have only one sort in a study, and "
                 f"{counted(len(known), PARTICIPANTS)} here already {'has one' if len(known) == 1 else 'have one'}. "
                 "Skip them, or remove them from the file.")
        st.stop()
st.button(f"Import {counted(len(sorts) - len(known), SORTS)}", type="primary", on_click=_import,
          args=(study.id, sorts, upload.name, skip), key="import_confirm")
