"""Stakeholder report of a card-sort study: one self-contained HTML file, plus CSV and JSON.

:func:`build_report` runs every analysis on the included sorts (with the UX lead's label
decisions applied); :func:`render_html`, :func:`render_csv` and :func:`render_json` are pure
functions of the result. The HTML has inline CSS and SVG and no external assets, and every
piece of text that came from participants or the study is escaped.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from markupsafe import Markup

from . import exclusions, formats, templating
from .aam import AgreedSet, actual_agreement, tree_layout
from .analysis import Analysis, analyze
from .clustering import dendrogram_lines
from .comments import comments_frame, export_comments
from .loading import analysis_table
from .model import Sort, Study
from .naming import naming_note
from .participants import RepresentativeSort, edit_distances, representative_sorts, sample_participants
from .placement import average_positions, positions_long
from .questions import summary
from .segments import EVERYONE, Segment
from .stability import SampleSize, Stability, bootstrap_stability, sample_size_curve
from .standardise import LabelDecision, standardised_categories
from .table import SortTable

FORMATS = ("html", "csv", "json")
UNSTABLE = 0.7  # stability below this is called out
MAX_MATRIX_CARDS = 120  # above this the matrix goes to the CSV/JSON only (a 14,400-cell table helps nobody)


@dataclass
class Report:
    """Everything the report shows. Optional parts are ``None`` when the data cannot support them."""

    study: Study
    generated_at: datetime
    n_sorts: int
    flags: pd.DataFrame
    excluded: list[str]
    notes: str
    decisions: list[LabelDecision]
    table: SortTable | None = None
    analysis: Analysis | None = None
    stability: Stability | None = None
    sample_size: SampleSize | None = None
    aam_tree: list[AgreedSet] = field(default_factory=list)
    standardised: pd.DataFrame | None = None
    representatives: list[RepresentativeSort] = field(default_factory=list)
    representatives_of: int = 0  # participants the representative sorts were chosen from (a sample when large)
    sample: SortTable | None = None  # those participants, and the edit distances among them (the Trust page's slider)
    distances: np.ndarray | None = None
    exclusion_rule: str = ""
    comments: pd.DataFrame | None = None  # participants' answers (cardsort.comments.comments_frame)
    # studies whose participants order the cards inside groups: card, category, mean_position, n
    # (cardsort.placement.positions_long of the included sorts)
    positions: pd.DataFrame | None = None
    segment: Segment = EVERYONE  # the participants the report is about (cardsort.segments)
    screened_out: int = 0  # participants a question screened out before sorting (never analysed)


STEPS = ("Reading the sorts", "Similarity and proposed categories", "Actual Agreement Method tree",
         "Bootstrap stability", "Edit distances between participants", "Sample-size curve")


def build_report(study: Study, sorts: list[Sort], excluded: set[str] | frozenset[str] = frozenset(),
                 decisions: Sequence[LabelDecision] = (), notes: str = "", method: str = "average",
                 k: int | None = None, n_resamples: int = 200,
                 progress: Callable[[str, float], None] | None = None,
                 computed: Mapping | None = None, screened_out: int = 0) -> Report:
    """Analyse ``study``'s included sorts for the report.

    Parameters
    ----------
    study : Study
    sorts : list of Sort
        All submitted sorts, excluded ones too (the report lists them).
    excluded : set of str
        Participant ids whose sorts are left out of the analysis.
    decisions : list of LabelDecision
        Label standardisation decisions, applied before naming categories.
    notes : str
        The UX lead's notes.
    method : {'average', 'complete', 'single'}, default='average'
    k : int, optional
        Number of categories (default: best silhouette).
    n_resamples : int, default=200
    progress : callable, optional
        Called as ``progress(step, fraction_done)`` before each step of :data:`STEPS`, and with
        ``('Done', 1.0)`` at the end.
    computed : mapping, optional
        Parts already computed for the same sorts, exclusions, decisions and method (the Trust
        page's cache): ``'table'``, ``'analysis'`` (only when ``k`` is ``None``), ``'aam'``,
        ``'stability'`` (when it has ``n_resamples``), ``'sample'`` with ``'distances'``,
        ``'sample_size'``. Each one given is used as it is instead of being computed again
        (the table, which depends on neither the method nor ``k``, always).
    screened_out : int, default=0
        How many participants the study's questions screened out (reported, never analysed).
    """
    def step(i: int) -> None:
        if progress is not None:
            progress(STEPS[i] if i < len(STEPS) else "Done", i / len(STEPS))

    done = dict(computed or {})
    if k is not None or method != done.get("method", method):  # the table depends on neither
        done = {"table": done["table"]} if "table" in done else {}
    if "stability" in done and getattr(done["stability"], "n_resamples", None) != n_resamples:
        done.pop("stability")
    step(0)
    report = Report(study=study, generated_at=datetime.now(UTC).replace(microsecond=0),
                    n_sorts=len(sorts), flags=exclusions.flag_sorts(sorts),
                    excluded=sorted(excluded & {s.participant_id for s in sorts}), notes=notes,
                    decisions=list(decisions), exclusion_rule=exclusions.describe_thresholds(sorts),
                    comments=comments_frame(sorts, set(excluded), study.questions), screened_out=screened_out)
    if study.settings.order_within_groups and study.categories:
        report.positions = positions_long(*average_positions(
            study, [s for s in sorts if s.participant_id not in excluded]))
    table = done["table"] if "table" in done else analysis_table(study, sorts, excluded, decisions)
    if table is None:
        step(len(STEPS))
        return report
    report.table = table
    step(1)
    report.analysis = done.get("analysis") or analyze(table, method=method, k=k)
    if study.kind in ("open", "hybrid"):
        report.standardised = standardised_categories(table)
    step(2)
    report.aam_tree = done["aam"] if "aam" in done else actual_agreement(table)
    if table.n_participants >= 2:
        step(3)
        report.stability = done.get("stability") or bootstrap_stability(table, report.analysis.clusters, method,
                                                                         n_resamples)
        step(4)
        sample = done.get("sample") or sample_participants(table)
        distances = done["distances"] if "distances" in done and "sample" in done else edit_distances(sample)
        report.representatives = representative_sorts(sample, distances)
        report.representatives_of = sample.n_participants
        report.sample, report.distances = sample, distances
        if table.n_cards >= 3:
            step(5)
            report.sample_size = done.get("sample_size") or sample_size_curve(table)
    step(len(STEPS))
    return report


# --- JSON and CSV --------------------------------------------------------------------------------

def _finite(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), 4)


def report_dict(report: Report) -> dict:
    """The report as one JSON-ready object."""
    a = report.analysis
    flags = report.flags.assign(seconds=report.flags["seconds"].map(_finite))
    out = {
        "study": {"id": report.study.id, "name": report.study.name, "kind": report.study.kind,
                  "language": report.study.language, "cards": [c.label for c in report.study.cards]},
        "generated_at": report.generated_at.isoformat(),
        "participants": {"submitted": report.n_sorts, "excluded": report.excluded,
                         "analysed": a.n_participants if a else 0},
        "exclusion_rule": report.exclusion_rule,
        "flags": flags.to_dict(orient="records"),
        "label_decisions": [d.to_row() for d in report.decisions],
        "notes": report.notes,
        **({"segment": {**report.segment.to_dict(), "description": report.segment.describe()}}
           if report.segment else {}),
        "analysis": a.to_dict() if a else None,
        "aam_tree": [n.to_dict(list(report.table.cards)) for n in report.aam_tree] if report.table else [],
    }
    if report.stability is not None and a is not None:
        out["stability"] = {
            "n_resamples": report.stability.n_resamples,
            "categories": [{"name": c.name, "stability": round(float(s), 4)}
                           for c, s in zip(a.categories, report.stability.category)],
            "cards": {card: round(float(s), 4) for card, s in zip(a.cards, report.stability.card)},
        }
    if report.sample_size is not None:
        ss = report.sample_size
        out["sample_size"] = {"curve": ss.curve.round(4).to_dict(orient="records"),
                              "split_half_r": _finite(ss.split_half_r),
                              "needed": {f"{t:.2f}": (None if math.isinf(v) else math.ceil(v))
                                         for t, v in ss.needed.items()},
                              "verdict": ss.verdict}
    if report.standardised is not None:
        out["standardised_categories"] = [
            {**{k: v for k, v in row.items() if k != "cards"}, "agreement": round(row["agreement"], 4),
             "cards": [{"card": c, "count": n} for c, n in row["cards"]]}
            for row in report.standardised.to_dict(orient="records")]
    if report.positions is not None:
        out["average_positions"] = [{"card": r.card, "category": r.category,
                                     "mean_position": round(float(r.mean_position), 4), "n": int(r.n)}
                                    for r in report.positions.itertuples(index=False)]
    comments = report.comments if report.comments is not None else comments_frame([])
    out["comments"] = [{k: (bool(v) if k == "excluded" else v) for k, v in row.items()}
                       for row in comments.to_dict(orient="records")]
    if report.study.questions or report.screened_out:  # a study without questions keeps its old JSON
        out["participants"]["screened_out"] = report.screened_out
        out["questions"] = [{**q.to_spec(), "answered": n, "counts": dict(counts)}
                            for q, n, counts in question_summaries(report)]
    out["representative_sorts"] = [
        {"participant": r.participant, "neighbours": r.neighbours, "max_distance": r.max_distance,
         "mean_distance": round(r.mean_distance, 4),
         "groups": [{"label": label, "cards": cards} for label, cards in r.groups]}
        for r in report.representatives]
    return out


def question_summaries(report: Report) -> list[tuple]:
    """Per study question: ``(question, answered, [(answer, participants), ...])`` over the analysed
    participants (excluded ones left out); the counts are empty for text questions."""
    excluded = set(report.excluded)
    frame = report.comments if report.comments is not None else comments_frame([])
    kept = frame[~frame["participant"].isin(excluded)] if len(frame) else frame
    out = []
    for q in report.study.questions:
        column = f"answer_{q.id}"
        answers = [a for a in kept[column]] if column in kept else []
        out.append((q, sum(1 for a in answers if a), summary(q, answers)))
    return out


def render_json(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False, indent=1, default=_json_default) + "\n"


def _json_default(value):
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, np.floating):
        return _finite(float(value))
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def render_comments_csv(report: Report) -> str:
    """Participants' comments as CSV (``participant, submitted, comments, hard_cards, excluded``), neutralised."""
    return export_comments(report.comments if report.comments is not None else comments_frame([]))


def render_csv(report: Report) -> str:
    """The proposed navigation, one row per card.

    Columns ``category``, ``category_agreement``, ``category_stability``, ``card``,
    ``card_stability`` (stabilities empty without a bootstrap). Cells that a spreadsheet
    would run as formulas are neutralised.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["category", "category_agreement", "category_stability", "card", "card_stability"])
    a, st = report.analysis, report.stability
    if a is not None:
        index = {card: i for i, card in enumerate(a.cards)}
        for c, category in enumerate(a.categories):
            for card in category.cards:
                writer.writerow([formats.neutralise(category.name), f"{category.agreement:.4f}",
                                 f"{st.category[c]:.4f}" if st else "", formats.neutralise(card),
                                 f"{st.card[index[card]]:.4f}" if st else ""])
    return out.getvalue()


# --- HTML ----------------------------------------------------------------------------------------

def _cell_colours(value: float) -> tuple[str, str]:
    """Background from white to dark blue and the text colour (black or white) that contrasts more."""
    low, high = np.array([255, 255, 255]), np.array([8, 48, 107])
    rgb = np.rint(low + (high - low) * float(np.clip(value, 0, 1))).astype(int)
    channel = rgb / 255.0
    linear = np.where(channel <= 0.04045, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ [0.2126, 0.7152, 0.0722])
    on_black, on_white = (luminance + 0.05) / 0.05, 1.05 / (luminance + 0.05)
    return "#{:02x}{:02x}{:02x}".format(*rgb), "#000000" if on_black >= on_white else "#ffffff"


def _tree_svg(title_id: str, title: str, labels: list[tuple[float, str]], n_rows: int, row: int,
              label_width: int, plot_width: int, polylines: Sequence[Sequence[tuple[float, float]]] = (),
              lines: Sequence[tuple[float, float, float, float]] = (), cut: float | None = None) -> str:
    """Template ``tree.svg.j2`` with its numbers formatted; x in plot units (distance 0..1), y in pixels."""
    x = lambda d: label_width + 10 + d * plot_width  # noqa: E731  distance 0..1 -> px
    return templating.render("tree.svg.j2", {
        "width": label_width + plot_width + 30, "height": n_rows * row + 40, "title_id": title_id, "title": title,
        "label_x": label_width, "labels": [(f"{y + 4:.1f}", text) for y, text in labels],
        "polylines": [" ".join(f"{x(d):.1f},{y:.1f}" for d, y in line) for line in polylines],
        "lines": [(f"{x(d1):.1f}", f"{x(d2):.1f}", f"{y1:.1f}", f"{y2:.1f}") for d1, d2, y1, y2 in lines],
        "cut": None if cut is None else f"{x(cut):.1f}",
        "ticks": [(f"{x(tick):.1f}", f"{tick:g}") for tick in (0, 0.25, 0.5, 0.75, 1.0)]})


def dendrogram_svg(cards: list[str], linkage: np.ndarray, cut: float | None = None, row: int = 20,
                   label_width: int = 260, plot_width: int = 420) -> str:
    """A horizontal dendrogram as inline SVG (leaves on the left, distance to the right)."""
    leaves, positions, heights = dendrogram_lines(linkage)
    y = lambda i: 10 + (i - 5) / 10 * row + row / 2  # noqa: E731  leaf k sits at 10k + 5
    return _tree_svg(
        "dendro-title", f"Dendrogram of {len(cards)} cards; the proposed navigation table lists the same categories.",
        [(y(10 * leaf_pos + 5), cards[card]) for leaf_pos, card in enumerate(leaves)], len(cards), row,
        label_width, plot_width, polylines=[[(d, y(i)) for i, d in zip(ic, dc)]
                                            for ic, dc in zip(positions, heights)], cut=cut)


def aam_svg(cards: tuple[str, ...] | list[str], tree: list[AgreedSet], row: int = 20, label_width: int = 260,
            plot_width: int = 420) -> str:
    """The AAM tree as inline SVG, drawn like the dendrogram (x: 1 - share of participants who made the set)."""
    order, segments = tree_layout(tree, len(cards))
    y = lambda r: 10 + r * row + row / 2  # noqa: E731
    return _tree_svg(
        "aam-title", f"Actual Agreement Method tree of {len(cards)} cards; the list below gives every set with its "
                     "share of participants.",
        [(y(r), cards[card]) for r, card in enumerate(order)], len(cards), row, label_width, plot_width,
        lines=[(s.x, s.x2, y(s.y), y(s.y2)) for s in segments.itertuples()])


def _matrix(a: Analysis) -> dict | None:
    """The similarity matrix in dendrogram order for the HTML table; ``None`` above :data:`MAX_MATRIX_CARDS`."""
    order = list(a.order)
    if len(order) > MAX_MATRIX_CARDS:
        return None
    return {"labels": [a.cards[j] for j in order],
            "rows": [(a.cards[i], [(*_cell_colours(a.similarity[i, j]), round(100 * a.similarity[i, j]))
                                   for j in order]) for i in order]}


def render_html(report: Report) -> str:
    """The report as one self-contained, accessible HTML page (template ``cardsort/templates/report.html.j2``)."""
    s, a, st = report.study, report.analysis, report.stability
    flagged = report.flags[(report.flags["reasons"] != "") | report.flags["participant"].isin(report.excluded)]
    context = {
        "report": report, "study": s, "a": a, "stability": st, "UNSTABLE": UNSTABLE,
        "lang": s.language or "en", "title": f"Card sort report: {s.name}",
        "analysed": a.n_participants if a else 0,
        "flagged": [{"participant": r.participant, "cards": r.cards, "groups": r.groups, "reasons": r.reasons,
                     "time": "–" if math.isnan(r.seconds) else f"{r.seconds:.0f} s",
                     "excluded": r.participant in report.excluded} for r in flagged.itertuples()],
        "sample_curve": list(report.sample_size.curve.itertuples()) if report.sample_size is not None else [],
        "standardised": (list(report.standardised.itertuples())
                         if report.standardised is not None and len(report.standardised) else []),
        "comments": list(report.comments.itertuples()) if report.comments is not None else [],
        "positions": list(report.positions.itertuples()) if report.positions is not None else None,
        "questions": question_summaries(report),
        "answer_rows": ([[r.get(f"answer_{q.id}") or "–" for q in s.questions]
                         for r in report.comments.to_dict(orient="records")] if report.comments is not None else []),
    }
    if a is not None:
        cut = None
        if 1 < a.k < len(a.cards):
            heights = np.sort(a.linkage[:, 2])
            cut = float((heights[-a.k] + heights[-a.k + 1]) / 2)
        context.update(
            categories=[{"category": cat, "stability": st.category[c] if st else None, "note": naming_note(cat)}
                        for c, cat in enumerate(a.categories)],
            dendrogram=Markup(dendrogram_svg(a.cards, a.linkage, cut)),
            aam=Markup(aam_svg(report.table.cards, report.aam_tree)) if report.aam_tree and report.table else "",
            matrix=_matrix(a))
        if st is not None:
            context.update(card_order=np.argsort(st.card, kind="stable").tolist(),
                           unstable=int((st.card < UNSTABLE).sum()))
    return templating.render("report.html.j2", context)


def render(report: Report, fmt: str) -> str:
    """The report as ``'html'``, ``'csv'`` or ``'json'`` text."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return {"html": render_html, "csv": render_csv, "json": render_json}[fmt](report)


def load_report(engine, study_id: str, segment: Segment = EVERYONE, **options) -> Report:
    """:func:`build_report` for a stored study: its sorts, exclusions, label decisions and notes.

    The analysis table comes from :func:`cardsort.loading.load_table` (one query, no sort objects);
    the sorts themselves are read for what only they hold (flags, times, comments). With a ``segment``
    the whole report (counts, flags, comments and every analysis) is about the sorts it keeps.
    """
    from . import store
    from .loading import load_table
    from .standardise import decisions_from_rows

    study = store.get_study(engine, study_id)
    sorts = [s for s in store.load_sorts(engine, study_id, include_excluded=True) if segment.matches(s)]
    table = load_table(engine, study_id, study, segment, sorts=sorts)
    computed = {**(options.pop("computed", None) or {}), "table": table}
    options.setdefault("screened_out", store.count_screenouts(engine, study_id))
    report = build_report(study, sorts, excluded=store.excluded_participants(engine, study_id),
                          decisions=decisions_from_rows(store.load_label_decisions(engine, study_id)),
                          notes=store.load_study_notes(engine, study_id), computed=computed, **options)
    report.segment = segment
    return report
