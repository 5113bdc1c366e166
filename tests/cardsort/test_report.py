"""Stakeholder report: content, escaping of participant text, CSV/JSON, and the CLI."""

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from cardsort import store
from cardsort.__main__ import main
from cardsort.model import Group, Sort, study_from_spec
from cardsort.report import build_report, dendrogram_svg, load_report, render
from cardsort.standardise import LabelDecision

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
HOSTILE = '<script>alert("x")</script>'
SPEC = {"name": "Library <b>site</b>", "kind": "open", "language": "en",
        "cards": ["Opening hours", "Contact us", "Borrowing", "Renewals", "=HYPERLINK(\"x\")"]}


def sort(pid, groups, seconds=300):
    return Sort(pid, tuple(Group(label, tuple(cards)) for label, cards in groups.items()),
                started_at=T0, finished_at=T0 + timedelta(seconds=seconds))


def sorts():
    usual = {"Visit": ["c1", "c2"], "Borrow": ["c3", "c4", "c5"]}
    return ([sort(f"p{i}", usual) for i in range(1, 5)]
            + [sort("p5", {HOSTILE: ["c1", "c2"], "Support": ["c3", "c4", "c5"]}),
               sort("pile", {"All": ["c1", "c2", "c3", "c4", "c5"]}, seconds=2)])


@pytest.fixture
def report():
    study = study_from_spec(SPEC, "s1")
    return build_report(study, sorts(), excluded={"pile"}, decisions=[LabelDecision("support", "Borrow", "accepted")],
                        notes=f"Check {HOSTILE} with the team")


def test_report_analyses_included_sorts_with_decisions(report):
    assert report.n_sorts == 6 and report.excluded == ["pile"]
    assert report.analysis.n_participants == 5
    assert [(c.name, c.cards) for c in report.analysis.categories] == [
        ("Visit", ["Opening hours", "Contact us"]), ("Borrow", ["Borrowing", "Renewals", '=HYPERLINK("x")'])]
    # "Support" merged into "Borrow": all five participants named the second category so.
    assert report.analysis.categories[1].name_share == 1.0
    assert report.stability.category.tolist() == [1.0, 1.0]
    assert report.flags.set_index("participant").loc["pile", "reasons"] == "one pile, unusually fast"


def test_html_is_self_contained_and_escapes_participant_text(report):
    html = render(report, "html")
    assert html.startswith('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">')
    assert "<title>Card sort report: Library &lt;b&gt;site&lt;/b&gt;</title>" in html
    assert "<script" not in html and HOSTILE not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # the label, in the naming alternatives
    assert "Check &lt;script&gt;" in html  # the notes
    assert not re.search(r"""(src|href)=["']?https?:""", html) and "<link" not in html
    assert [h for h in re.findall(r"<h(\d)", html)][:3] == ["1", "2", "2"]
    assert html.count("<table>") + html.count('<table class="matrix">') == html.count("<caption>")
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html


def test_rtl_languages_get_dir_rtl():
    study = study_from_spec({**SPEC, "language": "fa"}, "s2")
    html = render(build_report(study, sorts()), "html")
    assert '<html lang="fa" dir="rtl">' in html


def test_csv_lists_each_card_with_stability_and_neutralises_formulas(report):
    rows = list(csv.reader(io.StringIO(render(report, "csv"))))
    assert rows[0] == ["category", "category_agreement", "category_stability", "card", "card_stability"]
    assert rows[1] == ["Visit", "1.0000", "1.0000", "Opening hours", "1.0000"]
    assert rows[-1] == ["Borrow", "1.0000", "1.0000", "'=HYPERLINK(\"x\")", "1.0000"]
    assert len(rows) == 6


def test_json_has_every_part(report):
    data = json.loads(render(report, "json"))
    assert data["participants"] == {"submitted": 6, "excluded": ["pile"], "analysed": 5}
    assert data["notes"] == f"Check {HOSTILE} with the team"
    assert data["label_decisions"] == [{"label_key": "support", "standard_label": "Borrow", "status": "accepted"}]
    assert data["analysis"]["k"] == 2 and data["stability"]["n_resamples"] == 200
    assert data["aam_tree"][0] == {"cards": ["Borrowing", "Renewals", '=HYPERLINK("x")'], "score": 5,
                                   "height": 1.0, "children": []}
    assert data["standardised_categories"][0]["category"] == "Borrow"
    assert data["sample_size"]["verdict"].startswith("You have enough participants.")
    assert data["representative_sorts"][0]["participant"] == "p1"


def test_unknown_format_and_empty_study():
    study = study_from_spec(SPEC, "s3")
    empty = build_report(study, [])
    assert empty.analysis is None
    assert "There are no included sorts to analyse yet." in render(empty, "html")
    with pytest.raises(ValueError, match="format must be one of html, csv, json"):
        render(empty, "pdf")


def test_dendrogram_svg_draws_one_polyline_per_merge():
    import numpy as np
    linkage = np.array([[0, 1, 0.2, 2], [2, 3, 0.5, 3]])
    svg = dendrogram_svg(["a", "b", "<c>"], linkage, cut=0.35)
    assert svg.count("<polyline") == 2 and "&lt;c&gt;" in svg and 'stroke-dasharray="5 4"' in svg


def test_cli_report_writes_each_format(engine, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", str(engine.url.render_as_string(hide_password=False)))
    if engine.dialect.name != "sqlite":
        pytest.skip("the CLI opens DATABASE_URL without the test schema")
    store.create_study(engine, study_from_spec(SPEC, "s1"))
    store.import_sorts(engine, "s1", sorts())
    store.set_exclusions(engine, "s1", {"pile": True})
    store.save_study_notes(engine, "s1", "Looks solid.")
    assert load_report(engine, "s1").notes == "Looks solid."
    for fmt in ("html", "csv", "json"):
        out = tmp_path / f"r.{fmt}"
        assert main(["report", "s1", "-o", str(out), "--format", fmt]) == 0
        assert out.stat().st_size > 0
    assert json.loads((tmp_path / "r.json").read_text())["participants"]["excluded"] == ["pile"]
    assert main(["report", "nope", "-o", str(tmp_path / "x.html")]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == "error: no study with id 'nope'"


def test_aam_svg_draws_the_tree_segments(report):
    from cardsort.report import aam_svg

    svg = aam_svg(report.table.cards, report.aam_tree)
    # Two sets of 2 and 3 cards, both made by all 5 participants (x = 0): each card joins its set
    # (5 lines) and each set has one vertical line (2).
    assert svg.count("<line") == 7 and svg.count("<text") == 5 + 5
    assert 'aria-labelledby="aam-title"' in svg


def commented_sorts():
    out = sorts()
    out[0] = Sort("p1", out[0].groups, started_at=T0, finished_at=T0 + timedelta(seconds=300),
                  answers={"comments": HOSTILE, "hard_cards": "Renewals"})
    out[-1] = Sort("pile", out[-1].groups, started_at=T0, finished_at=T0 + timedelta(days=1, seconds=2),
                   answers={"comments": "=1+1"})
    return out


def test_participants_comments_are_in_every_format():
    report = build_report(study_from_spec(SPEC, "s1"), commented_sorts(), excluded={"pile"})
    html = render(report, "html")
    assert "<h2>Participants' comments</h2>" in html and "<summary>2 comments</summary>" in html
    assert ("<tr><th scope=\"row\">pile</th><td>2026-01-06 09:00</td><td>=1+1</td><td>–</td><td>yes</td></tr>"
            "<tr><th scope=\"row\">p1</th><td>2026-01-05 09:05</td>"
            "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td><td>Renewals</td><td>no</td></tr>") in html
    assert HOSTILE not in html
    assert json.loads(render(report, "json"))["comments"] == [
        {"participant": "pile", "submitted": "2026-01-06 09:00", "comments": "=1+1", "hard_cards": "",
         "excluded": True},
        {"participant": "p1", "submitted": "2026-01-05 09:05", "comments": HOSTILE, "hard_cards": "Renewals",
         "excluded": False}]
    from cardsort.report import render_comments_csv
    assert list(csv.reader(io.StringIO(render_comments_csv(report)))) == [
        ["participant", "submitted", "comments", "hard_cards", "excluded"],
        ["pile", "2026-01-06 09:00", "'=1+1", "", "yes"], ["p1", "2026-01-05 09:05", HOSTILE, "Renewals", "no"]]


def test_counts_read_in_the_singular_and_plural():
    study = study_from_spec(SPEC, "s1")
    html = render(build_report(study, sorts()[:1] + sorts()[-1:], excluded={"pile"}), "html")
    assert "<p>2 participants submitted a sort; the UX lead excluded 1 sort; 1 sort is analysed below.</p>" in html
    assert "from 1 participant (average linkage)" in html and "1 participants" not in html
    assert "<p>No participant left a comment.</p>" in html


def test_progress_is_reported_and_computed_parts_give_the_same_report():
    from cardsort.aam import actual_agreement
    from cardsort.analysis import analyze
    from cardsort.participants import edit_distances, sample_participants
    from cardsort.report import analysis_table
    from cardsort.stability import bootstrap_stability, sample_size_curve

    study, all_sorts = study_from_spec(SPEC, "s1"), commented_sorts()
    steps = []
    fresh = build_report(study, all_sorts, excluded={"pile"}, progress=lambda step, done: steps.append((step, done)))
    assert steps == [("Reading the sorts", 0.0), ("Similarity and proposed categories", 1 / 6),
                     ("Actual Agreement Method tree", 2 / 6), ("Bootstrap stability", 3 / 6),
                     ("Edit distances between participants", 4 / 6), ("Sample-size curve", 5 / 6), ("Done", 1.0)]
    table = analysis_table(study, all_sorts, {"pile"})
    analysis = analyze(table)
    sample = sample_participants(table)
    computed = {"method": "average", "table": table, "analysis": analysis, "aam": actual_agreement(table),
                "stability": bootstrap_stability(table, analysis.clusters, "average"), "sample": sample,
                "distances": edit_distances(sample), "sample_size": sample_size_curve(table)}
    reused = build_report(study, all_sorts, excluded={"pile"}, computed=computed)
    strip = lambda text: re.sub(r"generated \S+ \S+ UTC|\"generated_at\": \"[^\"]+\"", "", text)  # noqa: E731
    for fmt in ("html", "csv", "json"):
        assert strip(render(reused, fmt)) == strip(render(fresh, fmt))
    other = build_report(study, all_sorts, excluded={"pile"}, computed=computed, method="single")
    assert other.analysis is not analysis and other.analysis.method == "single"
