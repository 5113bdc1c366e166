"""Can the results be trusted? Exclusions, stability, sample size, representative sorts, cluster map, AAM, report."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from datetime import UTC, datetime

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._common import (
    choose_method,
    choose_study,
    current_actor,
    engine,
    method_name,
    require_login,
    segment_choices,
    segment_filter,
)
from cardsort import charts, store
from cardsort.aam import AgreedSet
from cardsort.clustermap import cluster_map_chart, cluster_map_frame, map_cards
from cardsort.i18n import counted
from cardsort.participants import default_max_distance, representative_sorts
from cardsort.report import Report, load_report, render, render_comments_csv
from cardsort.segments import segment_from_json

require_login()

SORTS = {"one": "sort", "other": "sorts"}
FLAGGED = {"one": "flagged sort", "other": "flagged sorts"}
TIMES = {"one": "time", "other": "times"}


@st.cache_data(max_entries=16, show_spinner="Analysing the sorts…")
def _computed(study_id: str, updated_at: datetime | None, n_sorts: int, method: str, segment_json: str = "{}") -> dict:
    """Everything this page shows, cached on the study's last change (exclusions, label decisions and notes
    move it) and the segment: the stakeholder report's own analyses (:func:`cardsort.report.load_report`), plus
    the cluster map."""
    del updated_at, n_sorts  # cache key only
    report = load_report(engine(), study_id, segment=segment_from_json(segment_json), method=method)
    out = {"report": report, "n_sorts": report.n_sorts, "excluded": set(report.excluded), "flags": report.flags,
           "rule": report.exclusion_rule, "table": report.table}
    if report.table is None or report.analysis is None:
        return out
    out.update(analysis=report.analysis, aam=report.aam_tree, coords=map_cards(report.analysis.similarity))
    if report.stability is not None:
        out.update(stability=report.stability, sample=report.sample, distances=report.distances)
    if report.sample_size is not None:
        out["sample_size"] = report.sample_size
    return out


def _exclusions(study, data) -> None:
    st.write(data["rule"] + " Flags only suggest: tick the sorts to leave out, then save. Every analysis "
             "(this page, Results, the report) then uses only the included sorts.")
    flags: pd.DataFrame = data["flags"]
    if flags.empty:
        st.info("No sorts yet.")
        return
    frame = pd.DataFrame({
        "Participant": flags["participant"], "Cards": flags["cards"], "Groups": flags["groups"],
        "Minutes": (flags["seconds"] / 60).round(1), "Flags": flags["reasons"].replace("", "–"),
        "Excluded": flags["participant"].isin(data["excluded"]),
    })
    edited = st.data_editor(frame, key=f"exclusions:{study.id}", hide_index=True, disabled=list(frame.columns[:-1]),
                            column_config={"Excluded": st.column_config.CheckboxColumn(
                                "Excluded", help="Leave this sort out of every analysis")})
    save, flagged = st.columns(2)
    if save.button("Save exclusions", type="primary", key="save_exclusions"):
        changes = {p: bool(x) for p, x, was in zip(edited["Participant"], edited["Excluded"], frame["Excluded"])
                   if bool(x) != bool(was)}
        store.set_exclusions(engine(), study.id, changes, actor=current_actor())
        st.session_state["trust_message"] = f"Saved: {counted(len(changes), SORTS)} changed."
        st.rerun()
    n_flagged = int((flags["reasons"] != "").sum())
    label = f"Exclude {'the' if n_flagged == 1 else 'all'} {counted(n_flagged, FLAGGED)}"
    if flagged.button(label, key="exclude_flagged", disabled=n_flagged == 0):
        store.set_exclusions(engine(), study.id, {p: True for p in flags.loc[flags["reasons"] != "", "participant"]},
                             actor=current_actor())
        st.session_state["trust_message"] = f"Excluded {counted(n_flagged, FLAGGED)}."
        st.rerun()


def _stability(data) -> None:
    analysis, stab = data["analysis"], data.get("stability")
    if stab is None:
        st.info("Stability needs at least two included sorts.")
        return
    st.write(f"Participants were drawn again with replacement {counted(stab.n_resamples, TIMES)} and each draw was "
             "clustered the same way. A category's stability is the share of draws in which all its cards stay "
             "together; a card's is the share in which it stays with most of its category. Below 70%: treat "
             "with care.")
    st.table(pd.DataFrame({
        "Category": [c.name for c in analysis.categories], "Cards": [len(c.cards) for c in analysis.categories],
        "Agreement": [f"{c.agreement:.0%}" for c in analysis.categories],
        "Stability": [f"{s:.0%}" for s in stab.category]}, index=pd.RangeIndex(1, analysis.k + 1, name="#")))
    order = stab.card.argsort(kind="stable")
    with st.expander("Card stability, least stable first"):
        st.table(pd.DataFrame({"Card": [analysis.cards[i] for i in order],
                               "Category": [analysis.categories[analysis.clusters[i]].name for i in order],
                               "Stability": [f"{stab.card[i]:.0%}" for i in order]}))


def _sample_size(data) -> None:
    ss = data.get("sample_size")
    if ss is None:
        st.info("The sample-size curve needs at least two included sorts and three cards.")
        return
    st.markdown(f"**{ss.verdict}**")
    st.write("The curve: how closely the similarity matrix from n random participants matches the one from all "
             "of them (Tullis and Wood, 2004, found about 0.90 at 15 participants and 0.95 at 30).")
    curve = ss.curve
    band = alt.Chart(curve).mark_area(color="#9ec5f4").encode(
        x=alt.X("n:Q", title="Participants"), y=alt.Y("r_low:Q", title="Correlation r",
                                                                   scale=alt.Scale(zero=False)), y2="r_high:Q")
    line = alt.Chart(curve).mark_line(point=True, color="#0b57d0").encode(x="n:Q", y="r:Q")
    rules = alt.Chart(pd.DataFrame({"r": [0.90, 0.95]})).mark_rule(color="#b3261e", strokeDash=[5, 4]).encode(
        y="r:Q")
    st.altair_chart((band + line + rules).properties(width=560, height=320), theme=None,
                    alt=f"Sample-size curve; {ss.verdict}")
    with st.expander("The curve as a table"):
        st.table(curve.rename(columns={"n": "Participants", "r": "Mean r", "r_low": "10th percentile",
                                       "r_high": "90th percentile"}).round(3))


def _representatives(data) -> None:
    table, distances = data.get("sample"), data.get("distances")
    if distances is None:
        st.info("Representative sorts need at least two included sorts.")
        return
    if table.n_participants < data["table"].n_participants:
        st.caption(f"Edit distances grow with the square of the participants: these use a random sample of "
                   f"{table.n_participants} of the {data['table'].n_participants} participants.")
    limit = st.slider("Within how many cards moved counts as the same structure", 0, table.n_cards,
                      default_max_distance(table), key="max_distance")
    st.write("Edit distance: the fewest cards to move to turn one sort into another (Deibel et al., 2005). "
             "These sorts stand for the most others, each a different structure.")
    for i, rep in enumerate(representative_sorts(table, distances, limit), start=1):
        st.header(f"{i}. Participant {rep.participant}", anchor=False)
        others = counted(table.n_participants - 1, {"one": "other participant", "other": "other participants"})
        st.write(f"{rep.neighbours:,} of {others} {'is' if rep.neighbours == 1 else 'are'} within "
                 f"{counted(limit, {'one': 'card', 'other': 'cards'})} moved; "
                 f"on average {rep.mean_distance:.1f} cards away.")
        st.table(pd.DataFrame({"Group": [g for g, _ in rep.groups], "Cards": [", ".join(c) for _, c in rep.groups]}))


def _cluster_map(data) -> None:
    analysis = data["analysis"]
    frame = cluster_map_frame(analysis.cards, data["coords"], analysis.clusters, [c.name for c in analysis.categories])
    st.write("Cards often put together sit close; colours are the proposed categories. Distances are approximate "
             "(multidimensional scaling of 1 − similarity).")
    st.altair_chart(cluster_map_chart(frame), theme=None, width="content",  # square: one scale for both axes
                    alt="Cluster map of the cards; the Proposed navigation table on Results lists the categories.")


def _tree_lines(nodes: list[AgreedSet], cards, n: int, depth: int = 0) -> list[str]:
    lines = []
    for node in nodes:
        names = ", ".join(cards[i] for i in node.cards)
        lines.append(f"{'  ' * depth}- **{node.height:.0%}** ({node.score} of {n}): {_md(names)}")
        lines += _tree_lines(node.children, cards, n, depth + 1)
    return lines


def _md(text: str) -> str:
    """Participant text shown as plain text in Markdown."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$])", r"\\\1", text)


def _aam(data, method: str) -> None:
    analysis, tree, table = data["analysis"], data["aam"], data["table"]
    left, right = st.columns(2)
    with left:
        st.header("Actual Agreement Method", anchor=False)
        st.write("Only sets of cards participants really made, each with the share of participants who put all "
                 "of them in one group; partly overlapping sets with less support are left out.")
        if tree:
            st.altair_chart(charts.aam_tree(table.cards, tree, width="container"), theme=None, width="stretch",
                            alt="AAM tree drawn as a dendrogram; the list below gives every set with its share.")
            st.markdown("\n".join(_tree_lines(tree, table.cards, table.n_participants)))
        else:
            st.write("No two cards were put together by anyone.")
    with right:
        st.header(f"Dendrogram ({method_name(method)})", anchor=False)
        st.altair_chart(charts.dendrogram(analysis.cards, analysis.linkage, analysis.clusters, analysis.k,
                                          width="container"), theme=None, width="stretch",
                        alt="Linkage dendrogram; the Stability tab lists the same categories.")


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()[:60] or "study"


def _report(study, method: str, data: dict) -> None:
    notes = store.load_study_notes(engine(), study.id)
    text = st.text_area("Your notes for stakeholders (shown in the report)", value=notes, key=f"notes:{study.id}",
                        height=150)
    if st.button("Save notes", key="save_notes"):
        store.save_study_notes(engine(), study.id, text, actor=current_actor())
        st.session_state["trust_message"] = "Notes saved."
        st.rerun()
    st.write("The report holds the study, participants, exclusions, proposed navigation, dendrogram, AAM tree, "
             "similarity matrix, stability, sample size, participants' comments and your notes, in one file that "
             "opens anywhere (the comments also as their own CSV).")

    prepared = st.session_state.get("report_prepared")
    segment = data["report"].segment
    version = (study.id, str(study.updated_at), method, data["n_sorts"], notes, segment.to_json())
    if st.button("Build the report", type="primary", key=f"build_report:{study.id}"):
        prepared = {"version": version, "files": _build_report_files(data["report"], notes)}
        st.session_state["report_prepared"] = prepared
    if not prepared or prepared["version"] != version:
        st.write("Building takes a few seconds with thousands of participants; the steps show as it goes.")
        return
    stem = _slug(study.name) + ("-segment" if segment else "")
    files = prepared["files"]
    for column, (label, fmt, ext, mime) in zip(st.columns(4), [
            ("HTML report", "html", "html", "text/html"), ("CSV", "csv", "csv", "text/csv"),
            ("JSON", "json", "json", "application/json"), ("comments CSV", "comments", "csv", "text/csv")]):
        name = f"{stem}-report.{ext}" if fmt != "comments" else f"{stem}-comments.csv"
        column.download_button(f"Download {label}", data=files[fmt], file_name=name, mime=mime, on_click="ignore",
                               key=f"report:{fmt}")


def _build_report_files(report: Report, notes: str) -> dict[str, str]:
    """The report in every format, written under a status box.

    The report's analyses are the ones this page already shows (``_computed``), so only the files are
    written now, with the notes as saved and the time of writing.
    """
    started = time.perf_counter()
    with st.status("Building the report…", expanded=True) as status:
        bar = st.progress(0.0, text="Writing HTML, CSV and JSON")
        report = replace(report, notes=notes, generated_at=datetime.now(UTC).replace(microsecond=0))
        files = {}
        for i, fmt in enumerate(("html", "csv", "json")):
            files[fmt] = render(report, fmt)
            bar.progress((i + 1) / 4, text="Writing HTML, CSV and JSON")
        files["comments"] = render_comments_csv(report)
        bar.progress(1.0, text="Done")
        status.update(label=f"Report ready ({time.perf_counter() - started:.1f} s): download it below.",
                      state="complete", expanded=False)
    return files


st.title("Trust the results")
study = choose_study(key="trust_study")
if study is None:
    st.stop()
if message := st.session_state.pop("trust_message", None):
    st.success(message)
method = choose_method(key="trust_method")
with st.expander("Segment: which participants to analyse", key=f"segment_box:{study.id}"):
    segment = segment_filter(study, segment_choices(study))
if segment:
    st.info(f"Segment: {segment.describe()}. Every tab here, and the report, reads only its sorts; the same segment "
            "filters the Results page.")
n_sorts = store.participant_counts(engine(), study.id)["completed"]
data = _computed(study.id, study.updated_at, n_sorts, method, segment.to_json())
names = ["Exclusions", "Stability", "Sample size", "Representative participants", "Cluster map", "AAM tree", "Report"]
tabs = dict(zip(names, st.tabs(names)))
with tabs["Exclusions"]:
    _exclusions(study, data)
if data["table"] is None:
    for name in names[1:-1]:
        with tabs[name]:
            st.info("No included sorts to analyse (or fewer than two cards).")
else:
    with tabs["Stability"]:
        _stability(data)
    with tabs["Sample size"]:
        _sample_size(data)
    with tabs["Representative participants"]:
        _representatives(data)
    with tabs["Cluster map"]:
        _cluster_map(data)
    with tabs["AAM tree"]:
        _aam(data, method)
with tabs["Report"]:
    _report(study, method, data)
