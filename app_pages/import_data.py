"""Import earlier results into a study: check and preview first, then store all sorts in one transaction."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._common import choose_study, engine, file_uploader, require_login
from cardsort import formats, store
from cardsort.formats import FormatError

require_login()

FORMAT_NAMES = {"auto": "Detect from the file", "casolysis": "Casolysis CSV (Kardsort)",
                "long": "Long CSV (participant, card, category)", "json": "JSON exported by this tool"}


def _sorts_preview(sorts) -> pd.DataFrame:
    return pd.DataFrame({
        "Participant": [s.participant_id for s in sorts],
        "Groups": [len(s.groups) for s in sorts],
        "Cards placed": [len(s.placed_cards()) for s in sorts],
        "Group names": ["; ".join(g.label for g in s.groups) for s in sorts],
    })


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


def _import(study_id: str, sorts, source: str) -> None:
    try:
        n = store.import_sorts(engine(), study_id, sorts)
    except ValueError as err:
        st.session_state["import_flash"] = ("error", f"Nothing was imported: {err}.")
        return
    st.session_state["import_flash"] = ("success", f"Imported {n} sorts from {source}.")
    st.session_state["import_round"] = st.session_state.get("import_round", 0) + 1  # a fresh, empty uploader


st.title("Import results")
st.write("Bring in sorts collected elsewhere, for example in Kardsort, OptimalSort or on paper. Cards are "
         "matched to the study's cards by id, else by label. Nothing is stored until you confirm, and then "
         "either every sort is stored or none is.")
kind, message = st.session_state.pop("import_flash", (None, None))
if kind == "error":
    st.error(message)
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
st.write(f"**Format:** {FORMAT_NAMES[parsed.format]}. **Sorts:** {len(sorts)} participants, "
         f"{placed} cards placed, into “{study.name}”.")
st.table(_sorts_preview(sorts[:20]).set_index("Participant"))
if len(sorts) > 20:
    st.caption(f"The first 20 of {len(sorts)} sorts.")
st.button(f"Import {len(sorts)} sorts", type="primary", on_click=_import, args=(study.id, sorts, upload.name),
          key="import_confirm")
