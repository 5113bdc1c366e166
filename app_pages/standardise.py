"""Label standardisation: accept, reject or edit suggestions to merge participants' category names."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._common import choose_study, current_actor, engine, require_login
from cardsort import store
from cardsort.i18n import counted
from cardsort.report import analysis_table
from cardsort.standardise import (
    DEFAULT_THRESHOLD,
    card_named_keys,
    decisions_from_rows,
    spellings,
    standardised_categories,
    suggest_merges,
)

require_login()
MAX_SHOWN = 25
LABELS = {"one": "label", "other": "labels"}


def _save(study_id: str, decisions, message: str) -> None:
    store.save_label_decisions(engine(), study_id, [d.to_row() for d in decisions], actor=current_actor())
    st.session_state["standardise_message"] = message


def _suggestion(study_id: str, i: int, suggestion) -> None:
    # Widgets are keyed by the study and the suggestion's members, never its position: when one is
    # decided the others move up, and each must keep its own name, labels and anything typed.
    sid = f"{study_id}:{suggestion.id}"
    with st.container(border=True):
        st.markdown(f"**{i}. {counted(len(suggestion.labels), {'one': 'spelling', 'other': 'spellings'})}, "
                    f"{counted(suggestion.groups, {'one': 'group', 'other': 'groups'})}**")
        st.text(" · ".join(suggestion.labels))
        name = st.text_input("Standard name", value=suggestion.standard_label, key=f"name:{sid}")
        keys = st.multiselect("Merge these labels", suggestion.keys, default=list(suggestion.keys),
                              format_func=suggestion.name_of, key=f"keys:{sid}")
        accept, reject = st.columns(2)
        if accept.button("Accept merge", key=f"accept:{sid}", type="primary",
                         disabled=len(keys) == 0 or not name.strip()):
            edited = name.strip() != suggestion.standard_label or len(keys) != len(suggestion.keys)
            _save(study_id, suggestion.decisions("edited" if edited else "accepted", name.strip(), keys),
                  f"Merged {counted(len(keys), LABELS)} as “{name.strip()}”.")
            st.rerun()
        if reject.button("Reject", key=f"reject:{sid}"):
            _save(study_id, suggestion.decisions("rejected"), "Suggestion rejected; the labels stay as written.")
            st.rerun()


st.title("Standardise category names")
study = choose_study(key="standardise_study")
if study is None:
    st.stop()
if message := st.session_state.pop("standardise_message", None):
    st.success(message)
if study.kind == "closed":
    st.info("This is a closed sort: participants used your categories, so there are no names to standardise.")
    st.stop()

rows = store.load_label_decisions(engine(), study.id)
decisions = decisions_from_rows(rows)
sorts = store.load_sorts(engine(), study.id, include_excluded=False)
raw = analysis_table(study, sorts)
if raw is None:
    st.info("No included sorts yet.")
    st.stop()

st.write("Participants name the same idea in different ways. Suggestions group names that match after "
         f"normalising case, spelling variants and punctuation, or that score at least {DEFAULT_THRESHOLD} of 100 "
         "on fuzzy word matching, unless they differ in a distinguishing word (“Future students”, “Current "
         "students”) or are mostly a card's own name. Accept, reject, or edit the name and labels first. Every "
         "analysis uses your decisions.")
suggestions = suggest_merges(raw.group_labels, decisions, card_names=card_named_keys(raw))
st.header(f"Suggestions ({len(suggestions)})", anchor=False)
if not suggestions:
    st.write("No open suggestions.")
for i, suggestion in enumerate(suggestions[:MAX_SHOWN], start=1):
    _suggestion(study.id, i, suggestion)
if len(suggestions) > MAX_SHOWN:
    more = counted(len(suggestions) - MAX_SHOWN, {"one": "more suggestion appears", "other": "more suggestions appear"})
    st.caption(f"{more} as you decide these.")

st.header("Decisions", anchor=False)
if rows:
    written = spellings(raw.group_labels)  # each key as participants wrote it most often
    st.dataframe(pd.DataFrame({"Label": [written.get(r["label_key"], r["label_key"]) for r in rows],
                               "Standard name": [r["standard_label"] if r["status"] != "rejected"
                                                 else "(kept as written)" for r in rows],
                               "Decision": [r["status"] for r in rows]}), hide_index=True)
    undo = st.multiselect("Undo decisions on these labels", [r["label_key"] for r in rows],
                          format_func=lambda key: written.get(key, key), key=f"undo:{study.id}")
    if st.button("Undo", key=f"undo_button:{study.id}", disabled=not undo):
        store.delete_label_decisions(engine(), study.id, undo, actor=current_actor())
        undone = counted(len(undo), {"one": "decision", "other": "decisions"})
        st.session_state["standardise_message"] = f"Undid {undone}."
        st.rerun()
else:
    st.write("No decisions yet.")

st.header("Standardised categories", anchor=False)
st.write("Agreement (Donna Spencer): cards placed ÷ (participants who used the category × distinct cards in it); "
         "100% means everyone who used the name put exactly the same cards under it.")
decided = analysis_table(study, sorts, decisions=decisions)
assert decided is not None  # the sorts of ``raw`` above, with the decisions applied
table = standardised_categories(decided)
st.dataframe(pd.DataFrame({
    "Category": table["category"], "Participants": table["participants"],
    "Distinct cards": table["distinct_cards"], "Agreement": (table["agreement"] * 100).round(0),
    "Cards (times placed)": [", ".join(f"{c} ({n})" for c, n in cards) for cards in table["cards"]],
}), hide_index=True, column_config={"Agreement": st.column_config.NumberColumn("Agreement", format="%d%%")})
