"""Live results of a study: progress, similarity matrix, dendrogram, proposed navigation, placements, exports."""

from __future__ import annotations

import functools
import re
import statistics

import pandas as pd
import streamlit as st

from app_pages._common import (
    choose_method,
    choose_study,
    current_method,
    engine,
    method_name,
    require_login,
    results,
)
from cardsort import charts, formats, store
from cardsort.comments import answer_column, export_comments
from cardsort.i18n import counted
from cardsort.model import Sort, Study
from cardsort.naming import export_navigation, naming_note
from cardsort.placement import placement_matrix

require_login()

REFRESH_SECONDS = 30


PARTICIPANTS = {"one": "participant", "other": "participants"}
ANALYSED = {"one": "analysed participant", "other": "analysed participants"}


def _median_duration(sorts: list[Sort]) -> tuple[str, str]:
    """The median time to complete and what it was computed from, e.g. ``('6 min 10 s', 'from the 1 of ...')``."""
    seconds = [(s.finished_at - s.started_at).total_seconds() for s in sorts
               if s.started_at and s.finished_at and s.finished_at >= s.started_at]
    if not seconds:
        return "–", ("no analysed participant has start and finish times" if sorts else "no sorts yet")
    minutes, secs = divmod(round(statistics.median(seconds)), 60)
    value = f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"
    if len(seconds) == len(sorts):
        basis = "from the 1 analysed participant" if len(sorts) == 1 else f"from all {counted(len(sorts), ANALYSED)}"
    else:
        basis = f"from the {len(seconds):,} of {counted(len(sorts), ANALYSED)} with timing"
    return value, basis


def _progress(counts: dict, base, screened_out: int = 0) -> None:
    """Completed, in progress and median time, each saying what it counts (and who questions screened out)."""
    done, active, median = st.columns(3)
    done.metric("Participants completed", f"{counts['completed']:,}")
    analysed = counts["completed"] - base.n_excluded
    done.markdown((f"{base.n_excluded:,} excluded from the analysis, {analysed:,} analysed" if base.n_excluded
                   else "all in the analysis")
                  + (f"; {screened_out:,} more screened out by a question, never analysed" if screened_out else ""))
    active.metric("In progress", f"{counts['in_progress']:,}")
    active.markdown("started and not yet submitted")
    value, basis = _median_duration(base.sorts)
    median.metric("Median time to complete", value)
    median.markdown(basis)


def _comments(study: Study, comments: pd.DataFrame, stem: str) -> None:
    """Participants' answers to the optional questions, newest first, searchable, with a CSV."""
    if comments is None or comments.empty:
        st.write("No participant has left a comment yet (the questions after sorting are optional).")
        return
    n_excluded = int(comments["excluded"].sum())
    st.write(f"{counted(len(comments), PARTICIPANTS)} answered the "
             + ("study's questions or the optional questions after sorting (columns answer_ and the question id; "
                "hover a header for the question), newest first" if study.questions
                else "optional questions after sorting, newest first")
             + (f"; {n_excluded:,} of them excluded from the analysis." if n_excluded else ".")
             + " Search or sort the table from its toolbar; hover a cell to read a long answer.")
    shown = pd.DataFrame({
        "Participant": comments["participant"], "Submitted (UTC)": comments["submitted"].replace("", "–"),
        "Excluded": comments["excluded"],
        **{answer_column(q): comments[answer_column(q)].replace("", "–") for q in study.questions},
        "Comments": comments["comments"].replace("", "–"),
        "Cards hard to place": comments["hard_cards"].replace("", "–")})
    st.dataframe(shown, hide_index=True, key=f"comments:{study.id}", column_config={
        "Excluded": st.column_config.CheckboxColumn(help="Left out of the analysis on the Trust page"),
        **{answer_column(q): st.column_config.TextColumn(help=q.text) for q in study.questions},
        "Comments": st.column_config.TextColumn(width="large")})
    st.download_button("Answers CSV" if study.questions else "Comments CSV",
                       data=lambda: export_comments(comments), file_name=f"{stem}-comments.csv",
                       mime="text/csv", on_click="ignore", key="dl:comments")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60] or "study"


def _navigation_table(analysis) -> pd.DataFrame:
    return pd.DataFrame({
        "Category": [c.name for c in analysis.categories],
        "Cards": [", ".join(c.cards) for c in analysis.categories],
        "Number of cards": [len(c.cards) for c in analysis.categories],
        "Agreement": [f"{c.agreement:.0%}" for c in analysis.categories],
        "Named so by": [f"{c.name_share:.0%}" for c in analysis.categories],
        "Other names": ["; ".join(f"{a['name']} ({a['share']:.0%})" for a in c.alternatives) or "–"
                        for c in analysis.categories],
        "Naming note": [naming_note(c) or "–" for c in analysis.categories],
    }, index=pd.RangeIndex(1, len(analysis.categories) + 1, name="#"))


def _chart_downloads(name: str, chart, stem: str, key: str) -> None:
    png, svg = st.columns(2)
    png.download_button(f"{name} as PNG", data=lambda: charts.to_png(chart), file_name=f"{stem}.png",
                        mime="image/png", on_click="ignore", key=f"png:{key}")
    svg.download_button(f"{name} as SVG", data=lambda: charts.to_svg(chart), file_name=f"{stem}.svg",
                        mime="image/svg+xml", on_click="ignore", key=f"svg:{key}")


def _export(database, study: Study, fmt: str) -> str:
    """The analysed sorts in ``fmt``, read with their groups only when the export is asked for (the page itself
    needs only the analysis table and the sorts' times)."""
    return formats.export(study, store.load_sorts(database, study.id, include_excluded=False), fmt)


def show_results(study_id: str) -> None:
    study: Study = store.get_study(engine(), study_id)
    counts = store.participant_counts(engine(), study.id)
    st.button("Refresh now", key="refresh")
    method = current_method(key="method")
    base = results(study, method)
    _progress(counts, base, store.count_screenouts(engine(), study.id))
    if base.analysis is None:
        st.info("No sorts to analyse yet. Share the participant link from the Studies page; results appear here "
                "as participants submit." if len(study.cards) >= 2 else "The study needs at least two cards.")
        return

    controls = st.columns(2)
    method = choose_method(controls[0], key="method")
    base = results(study, method)
    assert base.analysis is not None  # the same sorts as above, which have an analysis
    automatic = base.analysis.k
    k = controls[1].number_input(
        f"Number of categories (automatic: {automatic})", min_value=1, max_value=len(study.cards), step=1,
        value=automatic, key=f"k:{study.id}:{method}",
        help="The automatic number has the best silhouette: categories tight inside and apart from each other.")
    shown = base if k == automatic else results(study, method, int(k))
    analysis, table = shown.analysis, shown.table
    assert analysis is not None and table is not None  # the same sorts again, cut at another k
    stem = _slug(study.name)

    heatmap = charts.similarity_heatmap(analysis.cards, analysis.similarity, analysis.order)
    tree = charts.dendrogram(analysis.cards, analysis.linkage, analysis.clusters, analysis.k)
    placement = None
    if study.kind in ("closed", "hybrid"):
        placement_counts, shares = placement_matrix(table, list(study.categories))
        placement = charts.placement_heatmap(placement_counts, shares)

    names = ["Proposed navigation", "Dendrogram", "Similarity matrix"]
    names += ["Placement matrix"] if placement is not None else []
    n_answered = 0 if base.comments is None else len(base.comments)
    names += [f"{'Answers' if study.questions else 'Comments'} ({n_answered:,})"]
    tabs = dict(zip(names + ["Export"], st.tabs(names + ["Export"])))
    with tabs["Proposed navigation"]:
        st.write(f"{counted(analysis.k, {'one': 'category', 'other': 'categories'})} from the sorts of "
                 f"{counted(analysis.n_participants, PARTICIPANTS)} "
                 f"({method_name(method)}). Agreement is how often participants put the "
                 "category's cards together; names come from the participants' own group names, and no two "
                 "categories share one (a repeated name is numbered).")
        st.table(_navigation_table(analysis))
        st.download_button("Proposed navigation CSV", data=lambda: export_navigation(analysis.categories),
                           file_name=f"{stem}-navigation.csv", mime="text/csv", on_click="ignore",
                           key="dl:navigation")
    with tabs["Dendrogram"]:
        st.altair_chart(tree, theme=None, width="content",
                        alt=f"Dendrogram of {len(analysis.cards)} cards cut into {analysis.k} categories; "
                            "the Proposed navigation tab lists the same categories as a table.")
    with tabs["Similarity matrix"]:
        st.write("Share of participants who put two cards in the same group, ordered like the dendrogram. "
                 "Dark blocks on the diagonal are categories participants agree on.")
        st.altair_chart(heatmap, theme=None, width="content",
                        alt="Similarity matrix heatmap; the strongest pairs follow as a table, and the Export "
                            "tab has every number as CSV.")
        pairs = charts.strongest_pairs(analysis.cards, analysis.similarity)
        pairs["Grouped together"] = pairs["Grouped together"].map("{:.0%}".format)
        st.write("**The pairs of cards most often grouped together**")
        st.table(pairs.set_index(pd.RangeIndex(1, len(pairs) + 1, name="#")))
    if placement is not None:
        with tabs["Placement matrix"]:
            st.write("How many participants put each card into each of your categories.")
            st.altair_chart(placement, theme=None, width="content",
                            alt="Placement matrix heatmap; the table below has the same numbers.")
            with st.expander("The placement matrix as a table"):
                st.table(placement_counts)
    with tabs[names[-1]]:
        _comments(study, base.comments, stem)
    with tabs["Export"]:
        database = engine()  # the download runs the export later, outside this script run
        st.header("Data", anchor=False)
        data = st.columns(5)
        for column, (label, fmt, ext, mime) in zip(data, [
                ("Long CSV", "long", "csv", "text/csv"), ("Casolysis CSV", "casolysis", "csv", "text/csv"),
                ("JSON", "json", "json", "application/json")]):
            column.download_button(label, data=functools.partial(_export, database, study, fmt),
                                   file_name=f"{stem}-{fmt}.{ext}", mime=mime, on_click="ignore", key=f"dl:{fmt}")
        data[3].download_button("Similarity matrix CSV",
                                data=lambda: formats.export_similarity(analysis.cards, analysis.similarity),
                                file_name=f"{stem}-similarity.csv", mime="text/csv", on_click="ignore",
                                key="dl:similarity")
        data[4].download_button("Proposed navigation CSV", data=lambda: export_navigation(analysis.categories),
                                file_name=f"{stem}-navigation.csv", mime="text/csv", on_click="ignore",
                                key="dl:navigation_export")
        st.header("Charts", anchor=False)
        _chart_downloads("Dendrogram", tree, f"{stem}-dendrogram", "tree")
        _chart_downloads("Similarity matrix", heatmap, f"{stem}-similarity", "heatmap")
        if placement is not None:
            _chart_downloads("Placement matrix", placement, f"{stem}-placement", "placement")


st.title("Results")
study = choose_study()
if study is None:
    st.stop()
live = st.toggle(f"Update every {REFRESH_SECONDS} seconds while this page is open", key="live")
st.fragment(show_results, run_every=REFRESH_SECONDS if live else None)(study.id)
