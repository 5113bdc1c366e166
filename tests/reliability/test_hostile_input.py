"""Hostile input: every importer and study spec gives a correct import or one clear error.

Property tests (hypothesis) feed :func:`cardsort.formats.read_bytes` (long, Casolysis, JSON),
:func:`cardsort.model.study_from_spec` and :func:`cardsort.store.import_sorts` with random
bytes, random CSV rows and random JSON. The only exceptions allowed are ``FormatError`` /
``ValueError``; a failed import leaves every table exactly as it was. Then the nasty cases
by name: HTML and script in labels, right-to-left overrides, 10,000-character labels,
1,000 cards; and spreadsheet formula injection in every CSV the project writes.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from a11y.reporters.csv import render_csv as a11y_csv
from cardsort import formats, store
from cardsort.formats import FormatError
from cardsort.model import Group, Sort, study_from_spec
from cardsort.report import build_report
from cardsort.report import render_csv as report_csv

from .conftest import add_study

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NASTY = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "\u202eevil\u202c", "=cmd|' /C calc'!A0",
         "+1+1", "-2+3", "@SUM(A1)", "\tTab", "a,b", 'say "hi"', "line\nbreak", "\ufeffBOM",
         "کتابخانه", "x" * 10_000, "&amp;", "${jndi:ldap://x}", "\\", "%s%n"]
HYPO = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text a participant or a file might carry: formula starts, markup, bidi controls, quotes, separators.
hostile_text = st.text(alphabet=st.sampled_from(
    list("ab =+-@\t\r\n,;\"'<>&/\\#") + ["\u202e", "\u200f", "\ufeff", "é", "ب", "\x00", "\x1b"]),
    min_size=0, max_size=12)


def table_counts(engine) -> dict[str, int]:
    """Rows in every table of the app: a failed import must leave these unchanged."""
    with engine.connect() as conn:
        return {t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                for t in store.metadata.sorted_tables}


_ids = itertools.count()  # hypothesis reuses one database for all examples of a test: fresh study ids


def rows_of(text: str) -> list[list[str]]:
    """CSV rows as a spreadsheet sees them; every row must have the header's width (no row split)."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert {len(r) for r in rows} == {len(rows[0])}, f"a cell broke its row: {rows}"
    return rows


def cells(text: str) -> list[str]:
    return [c for row in rows_of(text) for c in row]


def assert_no_formula(text: str) -> None:
    bad = [c for c in cells(text) if c.startswith(FORMULA_START)]
    assert bad == [], f"cells a spreadsheet would run as formulas: {bad[:3]}"


# --- readers never crash ----------------------------------------------------------------------

@HYPO
@given(data=st.binary(max_size=400), fmt=st.sampled_from(["auto", "long", "casolysis", "json"]))
def test_random_bytes_are_read_or_refused_with_a_format_error(data, fmt):
    try:
        parsed = formats.read_bytes(data, fmt, source="up.csv")
    except FormatError as err:
        assert str(err).startswith("up.csv")
        return
    assert list(parsed.frame.columns) == list(formats.FRAME_COLUMNS)


def _csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode("utf-8")


STUDY_CARDS = ["Opening hours", "Borrowing", "Wi-Fi", "=HYPERLINK(\"x\")"]
card_cell = st.one_of(st.sampled_from(STUDY_CARDS), hostile_text)
long_row = st.tuples(st.sampled_from(["p1", "p2", "=p3", "old", ""]), card_cell, hostile_text)


@HYPO
@given(rows=st.lists(long_row, min_size=1, max_size=12), kind=st.sampled_from(["open", "closed", "hybrid"]))
def test_long_csv_import_is_whole_or_nothing(engine, rows, kind):
    """Random long-CSV rows into a study that already has one sort: all stored, or no row changed."""
    sid = f"s{next(_ids)}"
    spec = {"name": "Hostile", "kind": kind, "cards": STUDY_CARDS}
    if kind != "open":
        spec["categories"] = ["Visit", "Borrow"]
    study = add_study(engine, spec, sid)
    store.submit_sort(engine, sid, Sort("old", (Group("Visit", ("c1",), "k1" if kind != "open" else None),)))
    before = table_counts(engine)
    data = _csv_bytes(["participant", "card", "category"], [list(r) for r in rows])
    try:
        parsed = formats.read_bytes(data, "long", source="up.csv")
        sorts = formats.sorts_for_study(parsed, study, source="up.csv")
        n = store.import_sorts(engine, sid, sorts)
    except ValueError:
        assert table_counts(engine) == before
        return
    after = table_counts(engine)
    assert n == len(sorts) == len({s.participant_id for s in sorts})
    assert after["sorts"] == before["sorts"] + n
    assert after["placements"] == before["placements"] + len(rows)


@HYPO
@given(rows=st.lists(st.tuples(hostile_text, hostile_text, hostile_text, hostile_text,
                               st.sampled_from(["u1", "u2", " u1 ", "'@u3"])), min_size=1, max_size=10))
def test_casolysis_rows_are_read_or_refused(rows):
    data = _csv_bytes(list(formats.CASOLYSIS_COLUMNS), [list(r) for r in rows])
    try:
        parsed = formats.read_bytes(data, "casolysis", source="k.csv")
    except FormatError:
        return
    assert len(parsed.frame) == len(rows)
    assert parsed.frame["participant"].astype(str).isin(["u1", "u2", "@u3"]).all()


json_value = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False) | hostile_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(
        st.sampled_from(["name", "kind", "cards", "label", "id", "categories", "settings", "status", "language",
                         "participant", "groups", "category_id", "answers", "started_at", "description",
                         "image", "subset", "max_groups", "x"]), children, max_size=5),
    max_leaves=20)

spec_like = st.fixed_dictionaries(
    {"name": st.one_of(hostile_text, json_value), "kind": st.sampled_from(["open", "closed", "hybrid", "x"])},
    optional={
        "cards": st.lists(st.one_of(hostile_text, st.fixed_dictionaries(
            {"label": hostile_text}, optional={"id": st.one_of(st.sampled_from(["c1", "c2", "a"]), json_value),
                                               "description": json_value, "image": json_value})), max_size=5),
        "categories": st.lists(st.one_of(hostile_text, st.fixed_dictionaries(
            {"label": hostile_text}, optional={"id": st.one_of(st.sampled_from(["k1", "k2", "a"]), json_value)})),
            max_size=4),
        "settings": st.dictionaries(st.sampled_from(["randomize", "subset", "max_groups", "require_names",
                                                     "screen_out_url", "y"]),
                                    st.one_of(json_value, st.sampled_from(["https://x.example/?p=1", "http:// x"])),
                                    max_size=3),
        "language": st.sampled_from(["en", "fa", "ar-EG", "", "english", "<b>"]),
        "status": st.sampled_from(["open", "draft", "closed", "gone"]),
        "texts": st.one_of(json_value, st.dictionaries(
            st.sampled_from(["title", "welcome", "instructions", "thank_you", "screen_out", "x"]),
            st.one_of(hostile_text, json_value, st.text(min_size=190, max_size=2100)), max_size=4)),
        "questions": st.one_of(json_value, st.lists(st.fixed_dictionaries(
            {"id": st.one_of(st.sampled_from(["role", "ease", "comments"]), hostile_text),
             "text": st.one_of(hostile_text, json_value)},
            optional={"type": st.sampled_from(["single", "multiple", "scale", "short", "long", "x"]),
                      "when": st.sampled_from(["pre", "post", "x"]), "required": json_value,
                      "options": st.one_of(st.lists(hostile_text, max_size=4), json_value),
                      "screen_out": st.one_of(st.lists(hostile_text, max_size=2), json_value),
                      "scale": st.one_of(json_value, st.fixed_dictionaries(
                          {}, optional={"min_label": hostile_text, "max_label": hostile_text}))}), max_size=3)),
    })


@HYPO
@given(spec=st.one_of(spec_like, json_value))
def test_study_spec_gives_a_study_that_stores_or_one_value_error(engine, spec):
    """A spec ``study_from_spec`` accepts must also be storable: no database error later."""
    try:
        study = study_from_spec(spec, f"spec{next(_ids)}")
    except ValueError:
        return
    store.create_study(engine, study)
    loaded = store.get_study(engine, study.id)
    assert (loaded.cards, loaded.texts, loaded.questions, loaded.settings) == (
        study.cards, study.texts, study.questions, study.settings)


def test_duplicate_category_ids_are_refused_by_the_spec_not_by_the_database(engine):
    """Two categories with one id pass validation today, then break the insert with an IntegrityError."""
    spec = {"name": "Dup", "kind": "closed", "cards": ["A"],
            "categories": [{"id": "k1", "label": "One"}, {"id": "k1", "label": "Two"}]}
    with pytest.raises(ValueError, match="k1"):
        store.create_study(engine, study_from_spec(spec, "dup"))


sort_like = st.fixed_dictionaries(
    {"participant": st.one_of(st.sampled_from(["p1", "p2", "p1 "]), json_value)},
    optional={"groups": st.lists(st.fixed_dictionaries(
        {"cards": st.one_of(st.lists(st.sampled_from(["c1", "c2", "c9", 1]), max_size=3), json_value)},
        optional={"label": json_value, "category_id": st.one_of(st.sampled_from(["k1", None]), json_value)}),
        max_size=3),
        "answers": json_value, "started_at": st.one_of(st.sampled_from(["2025-01-01T10:00:00Z", "soon"]), json_value)})


@HYPO
@given(sorts=st.lists(sort_like, max_size=4), kind=st.sampled_from(["open", "hybrid"]))
def test_json_results_import_is_whole_or_nothing(engine, sorts, kind):
    spec = {"name": "J", "kind": kind, "cards": ["A", "B"], **({"categories": ["K"]} if kind == "hybrid" else {})}
    sid = f"j{next(_ids)}"
    study = add_study(engine, spec, sid)
    data = json.dumps({"study": {"id": sid, **spec}, "sorts": sorts}).encode()
    before = table_counts(engine)
    try:
        parsed = formats.read_bytes(data, "auto", source="r.json")
        new = formats.sorts_for_study(parsed, study, source="r.json")
        n = store.import_sorts(engine, sid, new)
    except ValueError:
        assert table_counts(engine) == before
        return
    assert table_counts(engine)["sorts"] == before["sorts"] + n


# --- named nasties: markup, bidi, huge labels, many cards -----------------------------------

def _nasty_study(engine):
    cards = NASTY + [f"Card {i}" for i in range(1_000 - len(NASTY))]
    return add_study(engine, {"name": "<b>Nasty</b> \u202e", "kind": "open",
                              "cards": [{"label": c} for c in cards]}, "nasty")


def _nasty_sorts(study) -> list[Sort]:
    ids = [c.id for c in study.cards]
    t = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    return [Sort(pid, (Group(NASTY[k % len(NASTY)].strip() or "g", tuple(ids[k::3])),
                       Group("<script>x</script>", tuple(ids[(k + 1) % 3::3])),
                       Group("\u202egroup", tuple(ids[(k + 2) % 3::3]))), t, t)
            for k, pid in enumerate(["p1", "=p2", "@p3"])]


def test_1000_cards_with_markup_bidi_and_10000_char_labels_round_trip_through_store_and_every_format(engine):
    study = _nasty_study(engine)
    assert store.get_study(engine, "nasty").cards == study.cards  # stored exactly, nothing truncated
    assert len(study.cards) == 1_000 and study.cards[NASTY.index("x" * 10_000)].label == "x" * 10_000
    sorts = _nasty_sorts(study)
    assert store.import_sorts(engine, "nasty", sorts) == 3
    stored = store.load_sorts(engine, "nasty")
    assert [(s.participant_id, s.groups) for s in stored] == [(s.participant_id, s.groups) for s in sorts]
    for fmt in formats.FORMATS:
        text = formats.export(study, stored, fmt)
        back = formats.sorts_for_study(formats.read_bytes(text.encode(), "auto", source="x"), study, "x")
        assert sorted((s.participant_id, sorted((g.label, g.cards) for g in s.groups)) for s in back) == \
            sorted((s.participant_id, sorted((g.label, g.cards) for g in s.groups)) for s in sorts), fmt


def test_exported_label_starting_with_a_quote_and_formula_imports_as_written():
    """The importer drops a ``'`` before = + - @ (undoing :func:`formats.neutralise`); so the export must
    protect a label that itself starts with ``'=``, or the round trip changes the card."""
    study = study_from_spec({"name": "Q", "kind": "open", "cards": ["'=quoted", "plain"]}, "q")
    sort = Sort("p1", (Group("'@group", ("c1", "c2")),))
    for fmt in ("long", "casolysis"):
        back = formats.sorts_for_study(formats.read_bytes(formats.export(study, [sort], fmt).encode(), fmt), study)
        assert [(g.label, g.cards) for g in back[0].groups] == [("'@group", ("c1", "c2"))], fmt


def test_carriage_return_in_a_label_stays_inside_its_cell():
    """A bare CR ends a row in spreadsheets: the writer must quote it (it quotes only \\n today)."""
    study = study_from_spec({"name": "CR", "kind": "open", "cards": ["two\rlines", "plain"]}, "cr")
    sort = Sort("p1", (Group("a\rb", ("c1", "c2")),))
    for fmt in ("long", "casolysis"):
        assert len(rows_of(formats.export(study, [sort], fmt))) == 3, fmt
    assert len(rows_of(formats.export_similarity(["two\rlines", "plain"], [[1.0, 0.0], [0.0, 1.0]]))) == 3


def test_label_with_nul_is_refused_clearly_on_every_database(engine):
    """PostgreSQL text cannot hold NUL: the spec must refuse it, not the database later."""
    try:
        study = study_from_spec({"name": "N", "kind": "open", "cards": ["A\x00B"]}, "nul")
    except ValueError:
        return
    store.create_study(engine, study)
    assert store.get_study(engine, "nul").cards[0].label == "A\x00B"


# --- formula injection in every CSV written -------------------------------------------------

@HYPO
@given(label=hostile_text.filter(lambda s: s.strip()), group=hostile_text, pid=hostile_text.filter(str.strip))
def test_sort_exports_neutralise_formulas(label, group, pid):
    assume("\x00" not in label + group + pid)
    study = study_from_spec({"name": "F", "kind": "open", "cards": [label, "safe"]}, "f")
    sort = Sort(pid.strip(), (Group(group.strip(), ("c1", "c2")),))
    for fmt in ("long", "casolysis"):
        text = formats.export(study, [sort], fmt)
        assert_no_formula(text)
        assert len(rows_of(text)) == 3  # header + one row per card
    assert_no_formula(formats.export_similarity([c.label for c in study.cards], [[1.0, 0.5], [0.5, 1.0]]))


def test_report_csv_neutralises_participant_category_names_and_card_labels():
    study = study_from_spec({"name": "R", "kind": "open", "cards": ["=1+2", "@SUM(A1)", "+cmd", "-x", "plain"]},
                            "r")
    sorts = [Sort(f"p{i}", (Group("=HYPERLINK(\"http://evil\")", ("c1", "c2", "c3")),
                            Group("-Other", ("c4", "c5")))) for i in range(3)]
    text = report_csv(build_report(study, sorts, n_resamples=200))
    assert "'=1+2" in text and "'=HYPERLINK" in text
    assert_no_formula(text)


@HYPO
@given(url=hostile_text, help_=hostile_text, html=hostile_text, target=hostile_text, error=hostile_text)
def test_a11y_csv_neutralises_every_cell(url, help_, html, target, error):
    node = {"target": [target], "html": html, "fingerprint": "=fp"}
    finding = {"rule": "-rule", "impact": "serious", "tags": [], "help": help_, "help_url": "=u",
               "screen_reader": True, "source": "axe", "nodes": [node]}
    report = {"pages": [{"url": url, "status": "ok", "error": None, "violations": [finding], "incomplete": [finding]},
                        {"url": "@" + url, "status": "error", "error": error, "violations": [], "incomplete": []}]}
    assert_no_formula(a11y_csv(report))
