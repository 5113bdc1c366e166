"""Paper sorts: download a study's printable numbered cards, and type in a sort made on paper by card numbers.

The checks are :func:`cardsort.paper.paper_sort`'s; a valid paper sort is stored with
``store.enter_paper_sort`` (one transaction, refused if the participant got a sort meanwhile), marked
``source=paper`` in its answers, and is analysed like every other sort.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from app_pages._common import choose_study, current_actor, engine, require_login
from cardsort import paper, store
from cardsort.i18n import counted
from cardsort.model import Study, utcnow

require_login()

OWN_GROUP = "+own"  # the hybrid sort's "own group" choice; never a category id (those are k1, k2, …)
START_GROUPS = 3
MORE_GROUPS = 3  # rows "Add groups" adds
GROUPS = {"one": "group", "other": "groups"}
CARDS = {"one": "card", "other": "cards"}
SORTS = {"one": "sort", "other": "sorts"}


def _markdown_text(text: str) -> str:
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text)


def _prefix(study: Study) -> str:
    """The keys of this study's form, renewed after each save so the next sort starts empty."""
    return f"paper:{study.id}:{st.session_state.get(f'paper_round:{study.id}', 0)}"


def _rows(study: Study) -> int:
    return st.session_state.get(f"paper_rows:{study.id}", START_GROUPS)


def _add_rows(study_id: str, rows: int) -> None:
    st.session_state[f"paper_rows:{study_id}"] = rows + MORE_GROUPS


def _read_groups(study: Study, prefix: str, rows: int) -> list[paper.PaperGroup]:
    groups = []
    for i in range(1, rows + 1):
        choice = st.session_state.get(f"{prefix}:g{i}:category")
        groups.append(paper.PaperGroup(
            numbers=st.session_state.get(f"{prefix}:g{i}:cards") or "",
            label=st.session_state.get(f"{prefix}:g{i}:label") or "",
            category=None if choice in (None, OWN_GROUP) else choice))
    return groups


def _save(study: Study, prefix: str, rows: int) -> None:
    pid = (st.session_state.get(f"{prefix}:pid") or "").strip()
    taken = store.participants_with_sorts(engine(), study.id, [pid]) if pid else []
    try:
        sort = paper.paper_sort(study, pid, _read_groups(study, prefix, rows), taken=taken, finished_at=utcnow())
        store.enter_paper_sort(engine(), study.id, sort, actor=current_actor())
    except paper.PaperSortError as err:
        st.session_state["paper_flash"] = ("error", err.problems)
        return
    except ValueError as err:  # the participant got a sort between the check and the save
        st.session_state["paper_flash"] = ("error", [str(err)])
        return
    cards = sum(len(g.cards) for g in sort.groups)
    st.session_state["paper_flash"] = (
        "success", [f"Saved the paper sort of participant “{pid}”: {counted(len(sort.groups), GROUPS)}, "
                    f"{counted(cards, CARDS)}. It is analysed with the others on the Results page."])
    st.session_state[f"paper_round:{study.id}"] = st.session_state.get(f"paper_round:{study.id}", 0) + 1
    st.session_state.pop(f"paper_rows:{study.id}", None)


def _show_flash() -> None:
    kind, lines = st.session_state.pop("paper_flash", (None, None))
    if kind == "error":
        st.error("This paper sort was not saved:\n" + "\n".join(f"- {_markdown_text(p)}" for p in lines))
    elif kind:
        st.success(_markdown_text(lines[0]))


def cards_section(study: Study) -> None:
    st.header("Printable cards", anchor=False)
    st.write(f"One page to print on A4 or US Letter: {paper.CARDS_PER_PAGE} numbered cards a page with cut lines, "
             "in the study's language. Type the numbers of each group below after the session.")
    st.download_button("Download the printable cards (HTML)", paper.render_cards(study),
                       file_name=f"cards-{study.id}.html", mime="text/html", key=f"paper_cards:{study.id}")
    with st.expander(f"Card numbers of “{study.name}”"):
        st.table(pd.DataFrame({"Number": list(paper.card_numbers(study)),
                               "Card": [c.label for c in study.cards]}).set_index("Number"))


def entry_form(study: Study) -> None:
    st.header("Enter a paper sort", anchor=False)
    kinds = {"open": "a name", "closed": "a category", "hybrid": "a category, or a name for an own group"}
    st.write(f"Each group: {kinds[study.kind]}, and its card numbers, such as “3, 7, 12-15”. Blank groups are "
             "ignored. The sort is checked like an import: every card once"
             + (" and every card sorted" if study.settings.require_all_sorted and study.settings.subset is None
                else "") + ".")
    stored = store.load_sorts(engine(), study.id, groups=False)
    on_paper = sum(paper.is_paper(s) for s in stored)
    st.write(f"This study has {counted(len(stored), SORTS)}, {on_paper:,} of them on paper.")
    prefix, rows = _prefix(study), _rows(study)
    st.text_input("Participant id", key=f"{prefix}:pid", placeholder="for example paper-01")
    categories = {c.id: c.label for c in study.categories}
    options = ([OWN_GROUP] if study.kind == "hybrid" else []) + list(categories)
    names = {OWN_GROUP: "Own group (name it)"} | categories
    for i in range(1, rows + 1):
        columns = st.columns(2 if study.kind != "hybrid" else 3)
        at = 0
        if study.kind != "open":
            columns[at].selectbox(f"Group {i} category", options, index=0 if study.kind == "hybrid" else None,
                                  format_func=names.__getitem__, placeholder="Choose a category",
                                  key=f"{prefix}:g{i}:category")
            at += 1
        if study.kind != "closed":
            columns[at].text_input(f"Group {i} name", key=f"{prefix}:g{i}:label")
            at += 1
        columns[at].text_input(f"Group {i} card numbers", key=f"{prefix}:g{i}:cards", placeholder="3, 7, 12-15")
    buttons = st.columns([1, 1, 3])
    buttons[0].button(f"Add {MORE_GROUPS} groups", on_click=_add_rows, args=(study.id, rows),
                      key=f"paper_add:{study.id}")
    buttons[1].button("Save the paper sort", type="primary", on_click=_save, args=(study, prefix, rows),
                      key=f"paper_save:{study.id}")


st.title("Paper sorts")
st.write("Run a sort in person with printed cards, then type it in here: it is stored as a sort of the study, "
         "marked as a paper sort, and analysed with the others.")
_show_flash()
chosen = choose_study(key="paper_study")
if chosen is None:
    st.stop()
cards_section(chosen)
entry_form(chosen)
