"""Study set-up form helpers: card lines, card CSV files, ids kept across edits."""

import pytest

from cardsort import editing
from cardsort.formats import FormatError
from cardsort.model import Card, study_from_spec


def test_card_lines_with_optional_description_and_image():
    text = "Opening hours\n\n  Renew a loan | Extend your loan online  \nMap | | https://x.org/map.png\n"
    assert editing.parse_card_lines(text) == [
        {"label": "Opening hours"},
        {"label": "Renew a loan", "description": "Extend your loan online"},
        {"label": "Map", "image": "https://x.org/map.png"},
    ]


@pytest.mark.parametrize(("text", "message"), [
    ("a\nb | c | d | e", "card line 2 has 4 parts"),
    ("a\n | only a description", "card line 2 has no label"),
])
def test_card_lines_refuse_malformed_lines(text, message):
    with pytest.raises(ValueError, match=message):
        editing.parse_card_lines(text)


def test_format_card_lines_round_trips():
    cards = [Card("c1", "Opening hours"), Card("c2", "Renew", "Online"), Card("c3", "Map", None, "https://x.org/m.png")]
    text = editing.format_card_lines(cards)
    assert text == "Opening hours\nRenew | Online\nMap |  | https://x.org/m.png"
    assert editing.parse_card_lines(text) == [
        {"label": "Opening hours"}, {"label": "Renew", "description": "Online"},
        {"label": "Map", "image": "https://x.org/m.png"}]


def test_category_lines():
    assert editing.parse_category_lines(" Visit \n\nBorrow\n") == ["Visit", "Borrow"]


@pytest.mark.parametrize("data", [
    b"label,description\nOpening hours,When we are open\nRenew a loan,\n",
    b"\xef\xbb\xbfCard;Details\nOpening hours;When we are open\nRenew a loan;\n",
    b"Opening hours,When we are open\nRenew a loan\n",
    b"Opening hours\tWhen we are open\nRenew a loan\t\n",
])
def test_cards_csv_with_and_without_header(data):
    assert editing.read_cards_csv(data) == [
        {"label": "Opening hours", "description": "When we are open"}, {"label": "Renew a loan"}]


def test_cards_csv_header_decides_the_column_order():
    data = b'image,title,description\nhttps://x.org/a.png,"Hours, all branches",Open times\n'
    assert editing.read_cards_csv(data) == [
        {"image": "https://x.org/a.png", "label": "Hours, all branches", "description": "Open times"}]


def test_a_first_row_that_is_not_all_column_names_is_a_card():
    assert editing.read_cards_csv(b"Label printing,How to print labels\n") == [
        {"label": "Label printing", "description": "How to print labels"}]


@pytest.mark.parametrize(("data", "message"), [
    (b"", "cards.csv: the file is empty"),
    (b"label\nok\n\xff\n", "cards.csv, line 3: not UTF-8"),
    (b"label,description\nok,fine\n,no label\n", "cards.csv, line 3: the card has no label"),
    (b"a,b,c,d\n", "cards.csv, line 1: 4 columns"),
    (b"label,description\n", "cards.csv: no cards after the header"),
])
def test_cards_csv_errors_name_the_line(data, message):
    with pytest.raises(FormatError, match=message):
        editing.read_cards_csv(data)


def test_assign_ids_keeps_existing_ids_and_never_reuses_removed_ones():
    previous = study_from_spec({"name": "S", "kind": "hybrid", "cards": ["A", "B", "C"],
                                "categories": ["X", "Y"]}, "s1")
    cards, categories = editing.assign_ids([{"label": "C"}, {"label": "D"}, {"label": "A"}],
                                           ["Y", "Z"], previous)
    assert cards == [{"id": "c3", "label": "C"}, {"id": "c4", "label": "D"}, {"id": "c1", "label": "A"}]
    assert categories == [{"id": "k2", "label": "Y"}, {"id": "k3", "label": "Z"}]


def test_assign_ids_for_a_new_study_number_from_one():
    cards, categories = editing.assign_ids([{"label": "A"}, {"label": "B"}], ["X"])
    assert [c["id"] for c in cards] == ["c1", "c2"] and categories == [{"id": "k1", "label": "X"}]


def test_study_spec_validates_with_the_model_and_drops_categories_of_open_sorts():
    settings = {"randomize": False, "subset": None, "require_all_sorted": True, "require_names": True,
                "max_groups": 4}
    spec = editing.study_spec(name="Library", kind="open", language=" fa ", status="draft",
                              cards_text="Hours\nLoans | Borrowing", categories_text="Left over",
                              settings=settings)
    study = study_from_spec(spec, "s9")
    assert study.language == "fa" and study.status == "draft" and study.categories == ()
    assert [(c.id, c.label, c.description) for c in study.cards] == [("c1", "Hours", None),
                                                                       ("c2", "Loans", "Borrowing")]
    assert study.settings.max_groups == 4 and study.settings.randomize is False
