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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape

import numpy as np
import pandas as pd

from . import exclusions, formats
from .aam import AgreedSet, actual_agreement, tree_layout
from .analysis import Analysis, analyze
from .clustering import dendrogram_lines
from .comments import comments_frame, export_comments
from .i18n import counted
from .model import Sort, Study
from .naming import naming_note
from .participants import RepresentativeSort, edit_distances, representative_sorts, sample_participants
from .stability import SampleSize, Stability, bootstrap_stability, sample_size_curve
from .standardise import LabelDecision, apply_decisions, standardised_categories
from .table import SortTable

FORMATS = ("html", "csv", "json")
RTL_LANGUAGES = ("ar", "fa", "he", "ur", "ps", "ckb", "yi")
UNSTABLE = 0.7  # stability below this is called out
PARTICIPANTS = {"one": "participant", "other": "participants"}
CARDS = {"one": "card", "other": "cards"}
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
    exclusion_rule: str = ""
    comments: pd.DataFrame | None = None  # participants' answers (cardsort.comments.comments_frame)


STEPS = ("Reading the sorts", "Similarity and proposed categories", "Actual Agreement Method tree",
         "Bootstrap stability", "Edit distances between participants", "Sample-size curve")


def build_report(study: Study, sorts: list[Sort], excluded: set[str] | frozenset[str] = frozenset(),
                 decisions: list[LabelDecision] = (), notes: str = "", method: str = "average",
                 k: int | None = None, n_resamples: int = 200,
                 progress: Callable[[str, float], None] | None = None,
                 computed: Mapping | None = None) -> Report:
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
        ``'sample_size'``. Each one given is used as it is instead of being computed again.
    """
    def step(i: int) -> None:
        if progress is not None:
            progress(STEPS[i] if i < len(STEPS) else "Done", i / len(STEPS))

    done = dict(computed or {})
    if k is not None or method != done.get("method", method):
        done.clear()
    if "stability" in done and getattr(done["stability"], "n_resamples", None) != n_resamples:
        done.pop("stability")
    step(0)
    report = Report(study=study, generated_at=datetime.now(UTC).replace(microsecond=0),
                    n_sorts=len(sorts), flags=exclusions.flag_sorts(sorts),
                    excluded=sorted(excluded & {s.participant_id for s in sorts}), notes=notes,
                    decisions=list(decisions), exclusion_rule=exclusions.describe_thresholds(sorts),
                    comments=comments_frame(sorts, set(excluded)))
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
        if table.n_cards >= 3:
            step(5)
            report.sample_size = done.get("sample_size") or sample_size_curve(table)
    step(len(STEPS))
    return report


def analysis_table(study: Study, sorts: list[Sort], excluded: set[str] | frozenset[str] = frozenset(),
                   decisions: list[LabelDecision] = ()) -> SortTable | None:
    """The table every analysis reads: included sorts, label decisions applied.

    ``None`` when there is nothing to analyse (no included placements, or fewer than 2 cards).
    """
    included = [s for s in sorts if s.participant_id not in excluded]
    if not included or len(study.cards) < 2:
        return None
    table = SortTable.from_frame(formats.frame_from_sorts(study, included), [(c.id, c.label) for c in study.cards])
    return apply_decisions(table, decisions) if table.n_participants else None


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
    comments = report.comments if report.comments is not None else comments_frame([])
    out["comments"] = [{k: (bool(v) if k == "excluded" else v) for k, v in row.items()}
                       for row in comments.to_dict(orient="records")]
    out["representative_sorts"] = [
        {"participant": r.participant, "neighbours": r.neighbours, "max_distance": r.max_distance,
         "mean_distance": round(r.mean_distance, 4),
         "groups": [{"label": label, "cards": cards} for label, cards in r.groups]}
        for r in report.representatives]
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

CSS = """
:root { color: #1f2330; background: #ffffff; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto,
  "Noto Sans", "Vazirmatn", sans-serif; }
body { max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
h1 { font-size: 1.9rem; margin-bottom: 0.25rem; } h2 { margin-top: 2.5rem; border-bottom: 2px solid #d0d4dc; }
table { border-collapse: collapse; margin: 0.75rem 0 1.5rem; }
caption { text-align: start; font-weight: 600; padding-bottom: 0.35rem; }
th, td { border: 1px solid #c4c8d0; padding: 0.3rem 0.55rem; text-align: start; vertical-align: top; }
thead th { background: #eef0f4; }
.num { text-align: end; font-variant-numeric: tabular-nums; }
.muted { color: #4a4f5c; }
.matrix { font-size: 0.75rem; } .matrix td { text-align: center; padding: 0.15rem 0.2rem; min-width: 2.1rem; }
.scroll { overflow-x: auto; max-width: 100%; }
.scroll:focus-visible { outline: 3px solid #0b57d0; }
.notes { white-space: pre-wrap; border-inline-start: 4px solid #0b57d0; padding: 0.5rem 1rem; background: #f5f7fb; }
ul.tree { list-style: none; padding-inline-start: 1.25rem; border-inline-start: 1px solid #c4c8d0; }
summary { cursor: pointer; font-weight: 600; margin: 0.75rem 0; }
summary:focus-visible { outline: 3px solid #0b57d0; outline-offset: 2px; }
"""


def _e(value) -> str:
    return escape(str(value), quote=True)


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _cell_colours(value: float) -> tuple[str, str]:
    """Background from white to dark blue and the text colour (black or white) that contrasts more."""
    low, high = np.array([255, 255, 255]), np.array([8, 48, 107])
    rgb = np.rint(low + (high - low) * float(np.clip(value, 0, 1))).astype(int)
    channel = rgb / 255.0
    linear = np.where(channel <= 0.04045, channel / 12.92, ((channel + 0.055) / 1.055) ** 2.4)
    luminance = float(linear @ [0.2126, 0.7152, 0.0722])
    on_black, on_white = (luminance + 0.05) / 0.05, 1.05 / (luminance + 0.05)
    return "#%02x%02x%02x" % tuple(rgb), "#000000" if on_black >= on_white else "#ffffff"


def dendrogram_svg(cards: list[str], linkage: np.ndarray, cut: float | None = None, row: int = 20,
                   label_width: int = 260, plot_width: int = 420) -> str:
    """A horizontal dendrogram as inline SVG (leaves on the left, distance to the right)."""
    leaves, positions, heights = dendrogram_lines(linkage)
    n = len(cards)
    height = n * row + 40
    x = lambda d: label_width + 10 + d * plot_width  # noqa: E731  distance 0..1 -> px
    y = lambda i: 10 + (i - 5) / 10 * row + row / 2  # noqa: E731  leaf k sits at 10k + 5
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + plot_width + 30}" height="{height}" '
             f'role="img" aria-labelledby="dendro-title"><title id="dendro-title">Dendrogram of {n} cards; the '
             'proposed navigation table lists the same categories.</title>']
    for leaf_pos, card_index in enumerate(leaves):
        parts.append(f'<text x="{label_width}" y="{y(10 * leaf_pos + 5) + 4:.1f}" text-anchor="end" '
                     f'font-size="13" fill="#1f2330">{_e(cards[card_index])}</text>')
    for ic, dc in zip(positions, heights):
        points = " ".join(f"{x(d):.1f},{y(i):.1f}" for i, d in zip(ic, dc))
        parts.append(f'<polyline points="{points}" fill="none" stroke="#1f2330" stroke-width="1.5"/>')
    if cut is not None:
        parts.append(f'<line x1="{x(cut):.1f}" x2="{x(cut):.1f}" y1="0" y2="{height - 25}" stroke="#b3261e" '
                     'stroke-dasharray="5 4" stroke-width="1.5"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 8}" text-anchor="middle" font-size="12" '
                     f'fill="#1f2330">{tick:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def aam_svg(cards: tuple[str, ...] | list[str], tree: list[AgreedSet], row: int = 20, label_width: int = 260,
            plot_width: int = 420) -> str:
    """The AAM tree as inline SVG, drawn like the dendrogram (x: 1 - share of participants who made the set)."""
    order, segments = tree_layout(tree, len(cards))
    height = len(cards) * row + 40
    x = lambda d: label_width + 10 + d * plot_width  # noqa: E731
    y = lambda r: 10 + r * row + row / 2  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + plot_width + 30}" height="{height}" '
             'role="img" aria-labelledby="aam-title"><title id="aam-title">Actual Agreement Method tree of '
             f'{len(cards)} cards; the list below gives every set with its share of participants.</title>']
    for r, card in enumerate(order):
        parts.append(f'<text x="{label_width}" y="{y(r) + 4:.1f}" text-anchor="end" font-size="13" '
                     f'fill="#1f2330">{_e(cards[card])}</text>')
    for s in segments.itertuples():
        parts.append(f'<line x1="{x(s.x):.1f}" x2="{x(s.x2):.1f}" y1="{y(s.y):.1f}" y2="{y(s.y2):.1f}" '
                     'stroke="#1f2330" stroke-width="1.5"/>')
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        parts.append(f'<text x="{x(tick):.1f}" y="{height - 8}" text-anchor="middle" font-size="12" '
                     f'fill="#1f2330">{tick:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(caption: str, header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    """A table with a caption and column headers; the first cell of each row is a row header.

    ``rows`` hold already-escaped HTML.
    """
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in header)
    body = []
    for r in rows:
        cells = [f'<th scope="row">{r[0]}</th>'] + [
            f'<td class="num">{c}</td>' if i in numeric else f"<td>{c}</td>" for i, c in enumerate(r[1:], start=1)]
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table><caption>{_e(caption)}</caption><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


def _tree_html(nodes: list[AgreedSet], cards: tuple[str, ...], n: int) -> str:
    items = []
    for node in nodes:
        names = ", ".join(_e(cards[i]) for i in node.cards)
        items.append(f"<li><strong>{_pct(node.height)}</strong> ({node.score} of {counted(n, PARTICIPANTS)}): {names}"
                     f"{_tree_html(node.children, cards, n) if node.children else ''}</li>")
    return f'<ul class="tree">{"".join(items)}</ul>'


def _matrix_html(a: Analysis) -> str:
    order = list(a.order)
    if len(order) > MAX_MATRIX_CARDS:
        return (f"<p>The matrix of {len(order)} cards is too large to read here; it is in the JSON "
                "report and the results page's similarity CSV.</p>")
    head = "".join(f'<th scope="col"><abbr title="{_e(a.cards[j])}">{p + 1}</abbr></th>'
                   for p, j in enumerate(order))
    rows = []
    for p, i in enumerate(order):
        cells = []
        for j in order:
            bg, fg = _cell_colours(a.similarity[i, j])
            cells.append(f'<td style="background:{bg};color:{fg}">{round(100 * a.similarity[i, j])}</td>')
        rows.append(f'<tr><th scope="row">{p + 1}. {_e(a.cards[i])}</th>{"".join(cells)}</tr>')
    return ('<div class="scroll" tabindex="0" role="region" aria-label="Similarity matrix (scrolls sideways)">'
            '<table class="matrix"><caption>Similarity matrix: percentage of participants who put two cards '
            'together, in dendrogram order (columns numbered like the rows)</caption>'
            f'<thead><tr><th scope="col">Card</th>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table></div>')


def _comments_html(report: Report) -> str:
    """Participants' answers to the optional questions, in a collapsed table (hundreds stay readable)."""
    comments = report.comments
    if comments is None or comments.empty:
        return "<h2>Participants' comments</h2><p>No participant left a comment.</p>"
    rows = [[_e(r.participant), _e(r.submitted or "–"), _e(r.comments or "–"), _e(r.hard_cards or "–"),
             "yes" if r.excluded else "no"] for r in comments.itertuples()]
    return ("<h2>Participants' comments</h2><p>Answers to the optional questions after sorting, newest first "
            "(times in UTC).</p>"
            f"<details><summary>{counted(len(comments), {'one': 'comment', 'other': 'comments'})}</summary>"
            + _table("Participants' comments", ["Participant", "Submitted", "Comments", "Cards hard to place",
                                                "Excluded"], rows)
            + "</details>")


def render_html(report: Report) -> str:
    """The report as one self-contained, accessible HTML page."""
    s, a = report.study, report.analysis
    lang = s.language or "en"
    direction = ' dir="rtl"' if lang.split("-")[0].lower() in RTL_LANGUAGES else ""
    body = [f"<header><h1>Card sort report: {_e(s.name)}</h1>",
            f'<p class="muted">{_e(s.kind.capitalize())} sort · {counted(len(s.cards), CARDS)} · generated '
            f"{report.generated_at:%Y-%m-%d %H:%M} UTC</p></header><main>"]
    body.append("<h2>Participants</h2>")
    analysed = a.n_participants if a else 0
    body.append(f"<p>{counted(report.n_sorts, PARTICIPANTS)} submitted a sort; the UX lead excluded "
                f"{counted(len(report.excluded), {'one': 'sort', 'other': 'sorts'})}; "
                f"{counted(analysed, {'one': 'sort is', 'other': 'sorts are'})} analysed below.</p>"
                f"<p>{_e(report.exclusion_rule)}</p>")
    flagged = report.flags[(report.flags["reasons"] != "") | report.flags["participant"].isin(report.excluded)]
    if len(flagged):
        body.append(_table("Flagged or excluded sorts", ["Participant", "Cards", "Groups", "Time", "Flags", "Excluded"], [
            [_e(r.participant), str(r.cards), str(r.groups),
             "–" if math.isnan(r.seconds) else f"{r.seconds:.0f} s", _e(r.reasons or "–"),
             "yes" if r.participant in report.excluded else "no"]
            for r in flagged.itertuples()], numeric={1, 2, 3}))
    if report.notes.strip():
        body.append(f'<h2>Notes from the UX lead</h2><div class="notes">{_e(report.notes)}</div>')
    if a is None:
        body.append("<h2>Results</h2><p>There are no included sorts to analyse yet.</p>")
    else:
        body.append("<h2>Proposed navigation</h2>")
        categories_from = (f"{counted(a.k, {'one': 'category', 'other': 'categories'})} from "
                           f"{counted(a.n_participants, PARTICIPANTS)}")
        body.append(f"<p>{categories_from} ({_e(a.method)} linkage"
                    f"{', number chosen by best silhouette' if a.k_chosen_automatically else ''}). Agreement is "
                    "the mean share of participants who put two of the category's cards together; stability "
                    f"is the share of {report.stability.n_resamples if report.stability else 0} bootstrap "
                    "resamples of participants in which the category's cards stay together.</p>"
                    if report.stability else
                    f"<p>{categories_from} ({_e(a.method)} linkage).</p>")
        rows = []
        for c, cat in enumerate(a.categories):
            alts = "; ".join(f"{_e(x['name'])} ({_pct(x['share'])})" for x in cat.alternatives) or "–"
            if note := naming_note(cat):
                alts += f'<br><span class="muted">{_e(note)}</span>'
            rows.append([_e(cat.name), _e(", ".join(cat.cards)), _pct(cat.agreement),
                         _pct(report.stability.category[c]) if report.stability else "–", alts])
        body.append(_table("Proposed categories", ["Category", "Cards", "Agreement", "Stability", "Other names"],
                           rows, numeric={2, 3}))
        if report.stability is not None:
            order = np.argsort(report.stability.card, kind="stable")
            unstable = int((report.stability.card < UNSTABLE).sum())
            body.append(f"<details><summary>Card stability: {unstable} of {counted(len(a.cards), CARDS)} below "
                        f"{UNSTABLE:.0%}</summary>")
            body.append(_table("Card stability (least stable first): share of resamples in which the card "
                               "stays with most of its category", ["Card", "Category", "Stability"],
                               [[_e(a.cards[i]), _e(a.categories[a.clusters[i]].name), _pct(report.stability.card[i])]
                                for i in order], numeric={2}))
            body.append("</details>")
        body.append("<h2>Dendrogram</h2>")
        cut = None
        if 1 < a.k < len(a.cards):
            heights = np.sort(a.linkage[:, 2])
            cut = float((heights[-a.k] + heights[-a.k + 1]) / 2)
        body.append(f'<div class="scroll" tabindex="0" role="region" aria-label="Dendrogram (scrolls sideways)">'
                    f"{dendrogram_svg(a.cards, a.linkage, cut)}</div>"
                    "<p class=\"muted\">Distance is 1 − similarity; the dashed line cuts the tree into the "
                    "proposed categories.</p>")
        body.append("<h2>Actual Agreement Method</h2><p>Sets of cards that participants really put together, "
                    "with the share of participants who did; nested sets agree more.</p>")
        if report.aam_tree:
            body.append('<div class="scroll" tabindex="0" role="region" aria-label="AAM tree (scrolls sideways)">'
                        f"{aam_svg(report.table.cards, report.aam_tree)}</div>"
                        '<p class="muted">Distance is 1 − the share of participants who made the set.</p>')
            body.append(_tree_html(report.aam_tree, report.table.cards, a.n_participants))
        else:
            body.append("<p>No two cards were put together by any participant.</p>")
        body.append("<h2>Similarity matrix</h2>" + _matrix_html(a))
    if report.sample_size is not None:
        ss = report.sample_size
        body.append(f"<h2>Sample size</h2><p>{_e(ss.verdict)}</p>")
        body.append(_table("Correlation of the similarity matrix from n random participants with the one from "
                           "all of them (Tullis and Wood, 2004)", ["Participants", "Mean r", "10th–90th percentile"],
                           [[str(r.n), f"{r.r:.3f}", f"{r.r_low:.3f}–{r.r_high:.3f}"]
                            for r in ss.curve.itertuples()], numeric={1}))
    if report.representatives:
        sampled = (f" (chosen among a random sample of {report.representatives_of} participants)"
                   if a is not None and report.representatives_of < a.n_participants else "")
        body.append("<h2>Representative participants</h2><p>The sorts that stand for the most other sorts "
                    f"(fewest cards to move), each a different structure{sampled}.</p>")
        for r in report.representatives:
            body.append(f"<h3>Participant {_e(r.participant)}</h3><p>"
                        f"{counted(r.neighbours, {'one': 'other participant is', 'other': 'other participants are'})} "
                        f"within {r.max_distance} {'card' if r.max_distance == 1 else 'cards'} moved of this sort; "
                        f"on average {r.mean_distance:.1f} cards to move.</p>")
            body.append("<ul>" + "".join(f"<li><strong>{_e(label)}</strong>: {_e(', '.join(cards))}</li>"
                                         for label, cards in r.groups) + "</ul>")
    if report.standardised is not None and len(report.standardised):
        body.append("<h2>Standardised categories</h2><p>Participants' own category names after the UX lead's "
                    "merges. Agreement = cards placed ÷ (participants who used the category × distinct cards).</p>")
        body.append(_table("Standardised categories", ["Category", "Participants", "Agreement", "Cards (times placed)"],
                           [[_e(r.category), str(r.participants), _pct(r.agreement),
                             _e(", ".join(f"{c} ({n})" for c, n in r.cards))]
                            for r in report.standardised.itertuples()], numeric={1, 2}))
    body.append(_comments_html(report))
    body.append("</main>")
    return (f'<!DOCTYPE html>\n<html lang="{_e(lang)}"{direction}><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Card sort report: {_e(s.name)}</title><style>{CSS}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def render(report: Report, fmt: str) -> str:
    """The report as ``'html'``, ``'csv'`` or ``'json'`` text."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return {"html": render_html, "csv": render_csv, "json": render_json}[fmt](report)


def load_report(engine, study_id: str, **options) -> Report:
    """:func:`build_report` for a stored study: its sorts, exclusions, label decisions and notes."""
    from . import store
    from .standardise import decisions_from_rows

    study = store.get_study(engine, study_id)
    return build_report(study, store.load_sorts(engine, study_id, include_excluded=True),
                        excluded=store.excluded_participants(engine, study_id),
                        decisions=decisions_from_rows(store.load_label_decisions(engine, study_id)),
                        notes=store.load_study_notes(engine, study_id), **options)
