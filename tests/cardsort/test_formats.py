"""Every import format, every bad-input error, and exports that round-trip."""

import csv
import io
import json

import pytest

from cardsort import formats
from cardsort.formats import FormatError, read_bytes, read_file
from cardsort.model import Group, Sort, study_from_spec
from tests.conftest import DATA

CASO = "card_id,card_label,category_id,category_label,user_id\n"
LONG = "participant,card,category\n"


def err(data: str | bytes, fmt="auto") -> str:
    with pytest.raises(FormatError) as info:
        read_bytes(data.encode() if isinstance(data, str) else data, fmt, source="f.csv")
    return str(info.value)


def test_long_csv_with_times():
    data = (LONG[:-1] + ",started_at,finished_at\n"
            "p1,Opening hours,Visit,2026-11-01T10:00:00Z,2026-11-01T10:12:00Z\n"
            "p1,Renew a loan,Borrow,2026-11-01T10:00:00Z,2026-11-01T10:12:00Z\n")
    parsed = read_bytes(data.encode())
    assert parsed.format == "long"
    assert parsed.frame[["participant", "card_id", "group_key", "group_label", "line"]].values.tolist() == [
        ["p1", "Opening hours", "Visit", "Visit", 2], ["p1", "Renew a loan", "Borrow", "Borrow", 3]]


def test_casolysis_detected_with_bom_and_multilingual_text_exact():
    parsed = read_file(DATA / "cardsort" / "multilingual.csv")
    assert parsed.format == "casolysis"
    assert parsed.frame["card_label"].tolist() == ["ساعات کاری", "Часы работы", "Çalışma saatleri", "مواعيد العمل"]
    assert parsed.frame["participant"].tolist() == ["کاربر۱", "کاربر۱", "kullanıcı", "kullanıcı"]
    assert read_file(DATA / "cardsort" / "same_label_piles.csv").format == "casolysis"


def test_format_override_and_unknown_header():
    assert "cannot tell the format from the header" in err("a,b,c\n1,2,3\n")
    assert err("a,b,c\n1,2,3\n", fmt="long") == (
        "f.csv, line 1: the file has no 'participant', 'card' or 'category' column (found: a, b, c). "
        "A long CSV needs participant, card, category")
    with pytest.raises(ValueError, match="format must be one of auto, long, casolysis, json, not 'xlsx'"):
        read_bytes(b"x", "xlsx")


@pytest.mark.parametrize("data,fmt,message", [
    ("participant,card,group\np1,Hours,Visit\n", "auto",
     "f.csv, line 1: the file has no 'category' column (found: participant, card, group). "
     "A long CSV needs participant, card, category"),
    ("Participant, Card\np1,Hours\n", "auto",
     "f.csv, line 1: the file has no 'category' column (found: Participant, Card). "
     "A long CSV needs participant, card, category"),
    ("card_id,card_label,category_label,user_id\n1,Hours,Visit,u1\n", "auto",
     "f.csv, line 1: the file has no 'category_id' column (found: card_id, card_label, category_label, user_id). "
     "A Casolysis CSV needs card_id, card_label, category_id, category_label, user_id"),
    ("participant,card,category\np1,Hours,Visit\n", "casolysis",
     "f.csv, line 1: the file has no 'card_id', 'card_label', 'category_id', 'category_label' or 'user_id' column "
     "(found: participant, card, category). A Casolysis CSV needs card_id, card_label, category_id, "
     "category_label, user_id"),
    ("participant;card;group\np1;Hours;Visit\n", "auto",
     "f.csv, line 1: the file has no 'category' column (found: participant, card, group; columns separated by "
     "';'). A long CSV needs participant, card, category"),
    ("participant\tcard\np1\tHours\n", "long",
     "f.csv, line 1: the file has no 'category' column (found: participant, card; columns separated by a tab). "
     "A long CSV needs participant, card, category"),
])
def test_a_missing_column_is_named_with_the_columns_found(data, fmt, message):
    assert err(data, fmt) == message


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_semicolon_tab_and_pipe_separated_files_are_read_like_commas(delimiter):
    rows = [["participant", "card", "category"], ["p1", "Opening hours", "Visit; plan"],
            ["p1", "Renew a loan", "Borrow"], ["p2", "Opening hours", "Visit"]]
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c else c for c in row) for row in rows) + "\n"
    parsed = read_bytes(("\ufeff" + text).encode(), source="f.csv")  # as Excel saves it, with a BOM
    assert (parsed.format, parsed.delimiter) == ("long", delimiter)
    assert parsed.frame[["participant", "card_label", "group_label", "line"]].values.tolist() == [
        ["p1", "Opening hours", "Visit; plan", 2], ["p1", "Renew a loan", "Borrow", 3],
        ["p2", "Opening hours", "Visit", 4]]
    caso = "card_id;card_label;category_id;category_label;user_id\n1;Hours;10;Visit;u1\n"
    assert read_bytes(caso.encode(), "casolysis").delimiter == ";"
    assert read_bytes(b"participant,card,category\np1,a;b,c\n").delimiter == ","  # a comma file stays one
    assert err("participant;card;category\np1;Hours;Visit\np1;Hours;Borrow\n") == \
        "f.csv, line 3: card 'Hours' is placed twice by participant 'p1' (first on line 2)"


@pytest.mark.parametrize("data,message", [
    (b"", "f.csv: the file is empty"),
    (b"\xef\xbb\xbf\n  \n", "f.csv: the file is empty"),
    (LONG.encode(), "f.csv, line 1: no rows after the header"),
    (LONG.encode() + b"p1,Caf\xe9,Food\n", "f.csv, line 2: not UTF-8 text (byte 0xe9); save the file as UTF-8"),
    (LONG + "p1,,Visit\n", "f.csv, line 2: empty card label"),
    (LONG + "p1,Opening hours,\n", "f.csv, line 2: empty category label"),
    (LONG + ",Opening hours,Visit\n", "f.csv, line 2: empty participant id"),
    (LONG + "p1,Opening hours,Visit\np2,Opening hours,Visit\np1,Opening hours,Borrow\n",
     "f.csv, line 4: card 'Opening hours' is placed twice by participant 'p1' (first on line 2)"),
    (CASO + "1,Opening hours,1,Visit,u1\n1,Hours,2,Other,u2\n", "f.csv, line 3: card id '1' has two labels"),
    (CASO + "1,Opening hours,1,Visit,u1\n2,Opening hours,2,Other,u2\n",
     "f.csv, line 3: card label 'Opening hours' has two ids"),
    (CASO + "1,Opening hours,1,Visit,u1\n2,Loans,1,Borrow,u1\n",
     "f.csv, line 3: category id '1' of participant 'u1' has two labels"),
    (LONG[:-1] + ",started_at\np1,A,B,yesterday\n",
     "f.csv, line 2: started_at 'yesterday' is not an ISO 8601 date and time"),
])
def test_bad_input_names_file_line_and_problem(data, message):
    assert err(data) == message


def test_json_round_trip_and_errors():
    study = study_from_spec({"name": "S", "kind": "hybrid", "cards": ["Opening hours", "Jobs"],
                             "categories": ["Visit"]}, "s1")
    sorts = [Sort("p1", (Group("Visit", ("c1",), "k1"), Group("Work", ("c2",))))]
    parsed = read_bytes(formats.export_json(study, sorts).encode())
    assert parsed.format == "json" and parsed.study.categories[0].label == "Visit"
    assert formats.sorts_for_study(parsed, study) == sorts
    bad = json.loads(formats.export_json(study, sorts))
    bad["sorts"][0]["groups"][0]["cards"] = ["c9"]
    assert err(json.dumps(bad)) == "f.csv: sort 1: unknown card id 'c9'"
    assert err("{\"study\": 1}") == 'f.csv: expected an object with "study" and "sorts" (our JSON export)'
    assert err("{\n\"study\": }") == "f.csv, line 2: not valid JSON (Expecting value)"


def closed_study():
    return study_from_spec({"name": "Library", "kind": "closed", "cards": ["Opening hours", "Renew a loan"],
                            "categories": ["Visit", "Borrow"]}, "s1")


def test_sorts_for_closed_study_match_categories_by_label():
    parsed = read_bytes((LONG + "p1,Opening hours,Visit\np1,Renew a loan,Borrow\n").encode())
    [sort] = formats.sorts_for_study(parsed, closed_study())
    assert sort == Sort("p1", (Group("Visit", ("c1",), "k1"), Group("Borrow", ("c2",), "k2")))


@pytest.mark.parametrize("row,message", [
    ("p1,Parking,Visit", "f.csv, line 2: unknown card 'Parking': not a card of study 'Library'"),
    ("p1,Opening hours,Events",
     "f.csv, line 2: unknown category 'Events' in a closed sort (allowed: Visit, Borrow)"),
])
def test_unknown_card_or_category_in_closed_sort(row, message):
    parsed = read_bytes((LONG + row + "\n").encode())
    with pytest.raises(FormatError) as info:
        formats.sorts_for_study(parsed, closed_study(), source="f.csv")
    assert str(info.value) == message


@pytest.mark.parametrize("fmt", ["long", "casolysis", "json"])
def test_every_export_round_trips_multilingual_text(fmt):
    study = study_from_spec({"name": "کتابخانه", "kind": "open", "language": "fa",
                             "cards": ["ساعات کاری", "Часы работы", "Çalışma saatleri", "=SUM(A1)"]}, "s1")
    sorts = [Sort("کاربر۱", (Group("بازدید", ("c1", "c2")), Group("İletişim", ("c3", "c4"))))]
    text = formats.export(study, sorts, fmt)
    assert formats.sorts_for_study(read_bytes(text.encode("utf-8"), fmt), study) == sorts
    assert ("'=SUM(A1)" in text) == (fmt != "json")  # neutralised in CSV, and read back exactly


@pytest.mark.parametrize(("cell", "written"), [
    ("=1+1", "'=1+1"), ("+cmd", "'+cmd"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"),  # OWASP's six first characters
    ("'=x", "''=x"), ("''+x", "'''+x"),  # quotes before one of them: one more, so the import reads it back
    ("'plain", "'plain"), ("a=b", "a=b"), (" =x", " =x"), ("\nx", "\nx"), ("", ""), ("x-", "x-"),
    (3, 3), (-2.5, -2.5), (None, None)])  # not text: unchanged
def test_neutralise_rules(cell, written):
    assert formats.neutralise(cell) == written
    assert formats.FORMULA_START == ("=", "+", "-", "@", "\t", "\r")


def test_a11y_csv_reporter_uses_the_same_rule():
    from a11y.reporters.csv import COLUMNS, render_csv

    cells = ["=1", "'=2", "''@3", "-4", "plain"]
    report = {"pages": [{"url": "http://127.0.0.1/", "status": "error", "error": cell, "violations": [],
                         "incomplete": []} for cell in cells]}
    rows = list(csv.reader(io.StringIO(render_csv(report))))
    assert rows[0] == list(COLUMNS)
    assert [r[COLUMNS.index("help")] for r in rows[1:]] == [formats.neutralise(c) for c in cells] == [
        "'=1", "''=2", "'''@3", "'-4", "plain"]


def test_csv_exports_neutralise_formulas():
    study = study_from_spec({"name": "S", "kind": "open", "cards": ["=1+1", "+cmd", "-2", "@SUM(A1)", "ok"]}, "s1")
    sorts = [Sort("=HYPERLINK(\"x\")", (Group("@evil", ("c1", "c2", "c3", "c4", "c5")),))]
    for fmt in ("long", "casolysis"):
        text = formats.export(study, sorts, fmt)
        for cell in ("'=1+1", "'+cmd", "'-2", "'@SUM(A1)", "'@evil"):
            assert cell in text
        assert ",=" not in text and "\n=" not in text
    sim = formats.export_similarity(["=A", "B"], [[1.0, 0.5], [0.5, 1.0]])
    assert sim.splitlines() == ["card,'=A,B", "'=A,1.0000,0.5000", "B,0.5000,1.0000"]


def test_a_nul_character_in_a_csv_cell_is_refused_with_its_line():
    data = b"participant,card,category\np1,Opening hours,Visit\np1,Borrowing,\x00\n"
    with pytest.raises(formats.FormatError, match=r"^up\.csv, line 3: a cell contains a NUL character$"):
        formats.read_bytes(data, "long", source="up.csv")


def test_cells_lose_any_unicode_space_at_their_ends_and_one_neutralising_quote():
    data = ("participant,card,category\n"
            " p1 ,Hours\u00a0,'=Visit\n"
            "p1\u3000,Café,\u2003Visit \n"
            "p2,\u00a0Hours,Borrow\x1f\n"
            "p2,Café,''+1\n").encode()
    parsed = read_bytes(data)
    assert parsed.frame[["participant", "card_id", "group_label"]].values.tolist() == [
        ["p1", "Hours", "=Visit"], ["p1", "Café", "Visit"], ["p2", "Hours", "Borrow"], ["p2", "Café", "'+1"]]
    assert parsed.columns["participant"][1].tolist() == ["p1", "p2"]  # equal once trimmed: one value
