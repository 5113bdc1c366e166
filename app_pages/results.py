"""Live results of a study: progress, similarity matrix, dendrogram, proposed navigation, placements, exports."""

from __future__ import annotations

import functools
import re
import statistics

import pandas as pd
import streamlit as st

from app_pages._common import (
    COMPARE_PARAM,
    NO_SUCH_STUDY,
    choose_method,
    choose_study,
    comparison,
    current_account,
    current_method,
    engine,
    method_name,
    require_login,
    results,
    segment_choices,
    segment_filter,
)
from cardsort import charts, formats, store
from cardsort.comments import answer_column, export_comments
from cardsort.i18n import counted
from cardsort.model import Sort, Study
from cardsort.naming import export_navigation, naming_note
from cardsort.placement import (
    average_positions,
    average_positions_stored,
    placement_matrix,
    position_table,
    positions_long,
)
from cardsort.segments import EVERYONE, PairDifferences, Segment, segment_from_json

require_login()

REFRESH_SECONDS = 30


@st.cache_data(max_entries=16, show_spinner=False)
def _positions(database: str, study_id: str, updated_at, n_sorts: int,
               segment_json: str = "{}") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Average positions of the included sorts (of the segment); cached like the analysis (exclusions move
    ``updated_at``)."""
    del database, updated_at, n_sorts  # part of the cache key only
    study = store.get_study(engine(), study_id)
    segment = segment_from_json(segment_json)
    if not segment:  # everyone: one query into arrays, no sort objects
        return average_positions_stored(study, store.load_placements(engine(), study_id))
    sorts = store.load_sorts(engine(), study_id, include_excluded=False)
    return average_positions(study, [s for s in sorts if segment.matches(s)])


def _average_positions(study: Study, stem: str, segment: Segment) -> None:
    """Beside the placement matrix, for a study whose participants order the cards inside each group."""
    n_sorts = store.participant_counts(engine(), study.id)["completed"]
    means, counts = _positions(store.database_url(), study.id, study.updated_at, n_sorts, segment.to_json())
    st.header("Average position inside each category", anchor=False)
    st.write("Participants ordered the cards inside each group, most important first. Each cell is the card's "
             "average position in that category (1 = first) and n, how many participants put it there; "
             "– means nobody did.")
    st.table(position_table(means, counts))
    rows = positions_long(means, counts).itertuples(index=False)
    st.download_button("Average positions CSV",
                       data=formats.csv_text(["card", "category", "mean_position", "n"],
                                             [(c, k, f"{m:.4f}", n) for c, k, m, n in rows]),
                       file_name=f"{stem}-positions.csv", mime="text/csv", on_click="ignore", key="dl:positions")


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
    if base.segment:
        done.markdown(f"{len(base.sorts):,} of them in the segment and analysed"
                      + (f" ({base.n_excluded:,} more in it excluded)" if base.n_excluded else ""))
    else:
        done.markdown((f"{base.n_excluded:,} excluded from the analysis, {analysed:,} analysed" if base.n_excluded
                       else "all in the analysis")
                      + (f"; {screened_out:,} more screened out by a question, never analysed" if screened_out
                         else ""))
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


def _participants(study: Study, frame: pd.DataFrame | None) -> None:
    """Every submitted sort: when, whether it is analysed, and the URL tags it arrived with (a panel's
    STUDY_ID, SESSION_ID...)."""
    if frame is None or frame.empty:
        st.write("No participant has submitted a sort yet.")
        return
    tags = list(frame.columns[3:])
    st.write(f"{counted(len(frame), PARTICIPANTS)}, newest first"
             + (f", with the URL tags they arrived with ({', '.join(tags)})." if tags
                else ". No participant arrived with URL tags (a panel's STUDY_ID, SESSION_ID...)."))
    shown = frame.rename(columns={"participant": "Participant", "submitted": "Submitted (UTC)",
                                  "excluded": "Excluded"})
    shown["Submitted (UTC)"] = shown["Submitted (UTC)"].replace("", "–")
    st.dataframe(shown, hide_index=True, key=f"participants:{study.id}", column_config={
        "Excluded": st.column_config.CheckboxColumn(help="Left out of the analysis on the Trust page")})


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


def _export(database, study: Study, fmt: str, segment: Segment = EVERYONE) -> str:
    """The analysed sorts (of the segment) in ``fmt``, read with their groups only when the export is asked for
    (the page itself needs only the analysis table and the sorts' times)."""
    sorts = store.load_sorts(database, study.id, include_excluded=False)
    return formats.export(study, [s for s in sorts if segment.matches(s)], fmt)


def _share(together: int, seen: int) -> str:
    return f"{together:,} of {seen:,} ({together / seen:.0%})"


def _reading(p: float, q: float, n: int) -> str:
    if q < 0.05:
        return "Likely real (q < 0.05)"
    if p < 0.05:
        return f"Weak: p < 0.05, but not once {n:,} pairs are taken into account"
    return "Could be chance"


def _pairs_table(pairs: PairDifferences, top: int = 20) -> pd.DataFrame:
    rows = pairs.rows(top)
    return pd.DataFrame({
        "Cards": [f"{r['card_a']} + {r['card_b']}" for r in rows],
        "A: together of saw both": [_share(r["together_a"], r["seen_a"]) for r in rows],
        "B: together of saw both": [_share(r["together_b"], r["seen_b"]) for r in rows],
        "Difference (A − B)": [f"{r['difference']:+.0%}" for r in rows],
        "95% interval": [f"{r['low']:+.0%} to {r['high']:+.0%}" for r in rows],
        "p": [f"{r['p']:.3f}" for r in rows], "q": [f"{r['q']:.3f}" for r in rows],
        "Reading": [_reading(r["p"], r["q"], pairs.n_compared) for r in rows],
    }, index=pd.RangeIndex(1, len(rows) + 1, name="#"))


def _pairs_csv(pairs: PairDifferences) -> str:
    rows = pairs.rows()
    columns = ["card_a", "card_b", "together_a", "seen_a", "share_a", "together_b", "seen_b", "share_b",
               "difference", "low", "high", "p", "q"]
    return formats.csv_text(columns, ([r[c] for c in columns] for r in rows))


def _compare(study: Study, method: str, segment: Segment, choices, stem: str) -> None:
    """Segment A (the page's) beside segment B: both proposed navigations and the pairs that differ most."""
    st.write("Segment A is the one chosen above. Choose segment B here, or leave its filter empty to compare A "
             "with everyone not in A. Each pair's difference comes with a 95% interval and a p-value adjusted for "
             "testing every pair (docs: Newcombe's interval, Fisher's exact test, Benjamini–Hochberg).")
    with st.expander("Segment B", expanded=False, key=f"compare_box:{study.id}"):
        chosen = segment_filter(study, choices, param=COMPARE_PARAM, prefix="compare")
    if not segment and not chosen:
        st.info("Choose segment A in the filter at the top of the page, or segment B here, to compare them.")
        return
    second = chosen or segment.inverted()
    a, b, pairs = comparison(study, method, segment, second)
    columns = st.columns(2)
    for column, name, shown, seg in ((columns[0], "A", a, segment), (columns[1], "B", b, second)):
        with column:
            st.header(f"Segment {name}", anchor=False)
            described = seg.describe()  # not .capitalize(): it would lower-case the answers it quotes
            st.write(f"{described[:1].upper()}{described[1:]}: {counted(len(shown.sorts), ANALYSED)}.")
            if shown.analysis is None:
                st.info(f"Segment {name} has no sorts to analyse.")
            else:
                st.table(_navigation_table(shown.analysis)[["Category", "Cards", "Agreement"]])
    if pairs is None:
        return
    st.header("Pairs of cards that differ most", anchor=False)
    if pairs.overlap:
        st.warning(f"{counted(len(pairs.overlap), PARTICIPANTS)} {'is' if len(pairs.overlap) == 1 else 'are'} in "
                   "both segments, so the two are not independent samples and the p-values are too optimistic.")
    st.write(f"Of {pairs.n_pairs:,} pairs, {pairs.n_compared:,} were seen together by someone in each segment "
             "(a participant counts for a pair only if they saw both cards). \"Likely real\" means the difference "
             "stays significant at a 5% false discovery rate over all the pairs compared; with small segments "
             "even large differences can be chance.")
    st.table(_pairs_table(pairs))
    st.download_button("Segment comparison CSV", data=lambda: _pairs_csv(pairs), file_name=f"{stem}-comparison.csv",
                       mime="text/csv", on_click="ignore", key="dl:comparison")


def show_results(study_id: str) -> None:
    if not store.can_see(engine(), current_account(), study_id):  # made private or deleted since it was picked
        st.error(NO_SUCH_STUDY)
        return
    study: Study = store.get_study(engine(), study_id)
    counts = store.participant_counts(engine(), study.id)
    st.button("Refresh now", key="refresh")
    choices = segment_choices(study)
    with st.expander("Segment: which participants to analyse", key=f"segment_box:{study.id}"):
        segment = segment_filter(study, choices)
    method = current_method(key="method")
    base = results(study, method, segment=segment)
    _progress(counts, base, store.count_screenouts(engine(), study.id))
    if segment:
        st.info(f"Segment: {segment.describe()}. Every analysis, chart and export on this page reads only "
                f"its {counted(len(base.sorts), ANALYSED)} (of {choices.n_sorts:,}).")
    if base.analysis is None:
        if segment:
            st.info("No analysed sort is in this segment: widen the filter above.")
            return
        st.info("No sorts to analyse yet. Share the participant link from the Studies page; results appear here "
                "as participants submit." if len(study.cards) >= 2 else "The study needs at least two cards.")
        return

    controls = st.columns(2)
    method = choose_method(controls[0], key="method")
    base = results(study, method, segment=segment)
    assert base.analysis is not None  # the same sorts as above, which have an analysis
    automatic = base.analysis.k
    k = controls[1].number_input(
        f"Number of categories (automatic: {automatic})", min_value=1, max_value=len(study.cards), step=1,
        value=automatic, key=f"k:{study.id}:{method}",
        help="The automatic number has the best silhouette: categories tight inside and apart from each other.")
    shown = base if k == automatic else results(study, method, int(k), segment)
    analysis, table = shown.analysis, shown.table
    assert analysis is not None and table is not None  # the same sorts again, cut at another k
    stem = _slug(study.name) + ("-segment" if segment else "")

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
    names += [f"Participants ({0 if base.participants is None else len(base.participants):,})"]
    tabs = dict(zip(names + ["Compare segments", "Export"], st.tabs(names + ["Compare segments", "Export"])))
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
            if study.settings.order_within_groups:
                _average_positions(study, stem, segment)
    with tabs[names[-2]]:
        _comments(study, base.comments, stem)
    with tabs[names[-1]]:
        _participants(study, base.participants)
    with tabs["Compare segments"]:
        _compare(study, method, segment, choices, stem)
    with tabs["Export"]:
        database = engine()  # the download runs the export later, outside this script run
        st.header("Data", anchor=False)
        data = st.columns(5)
        for column, (label, fmt, ext, mime) in zip(data, [
                ("Long CSV", "long", "csv", "text/csv"), ("Casolysis CSV", "casolysis", "csv", "text/csv"),
                ("JSON", "json", "json", "application/json")]):
            column.download_button(label, data=functools.partial(_export, database, study, fmt, segment),
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
