"""Paper sorts: card numbers, parsing "3, 7, 12-15", every check of a typed-in paper sort, storage, the cards page."""

from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from cardsort import formats, store
from cardsort.model import Group, Sort, study_from_spec
from cardsort.paper import (
    CARDS_PER_PAGE,
    PaperGroup,
    PaperSortError,
    card_numbers,
    compact,
    is_paper,
    paper_sort,
    parse_numbers,
    render_cards,
)

T = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CARDS = [f"Card {i}" for i in range(1, 21)]  # numbered 1-20, ids c1-c20


def study(kind="open", cards=CARDS, categories=None, **settings):
    spec = {"name": "Shop", "kind": kind, "cards": cards, "settings": settings}
    if categories:
        spec["categories"] = categories
    return study_from_spec(spec, "s1")


def problems(s, groups, pid="P1", taken=()):
    with pytest.raises(PaperSortError) as err:
        paper_sort(s, pid, groups, taken=taken)
    assert str(err.value) == "; ".join(err.value.problems)
    return err.value.problems


# --- numbers ----------------------------------------------------------------------------------------

def test_cards_are_numbered_in_the_study_order():
    numbers = card_numbers(study(cards=["Shoes", "Bags", "Hats"]))
    assert [(n, c.id, c.label) for n, c in numbers.items()] == [
        (1, "c1", "Shoes"), (2, "c2", "Bags"), (3, "c3", "Hats")]


@pytest.mark.parametrize("text, expected", [
    ("3, 7, 12-15", [3, 7, 12, 13, 14, 15]),
    ("3,7,12-15", [3, 7, 12, 13, 14, 15]),
    ("  3 7\t12 - 15 ", [3, 7, 12, 13, 14, 15]),
    ("3; 7; 12–15", [3, 7, 12, 13, 14, 15]),  # semicolons, en dash
    ("15, 3", [15, 3]),  # the order written
    ("5-5", [5]),
    ("۳، ۷، ۱۲-۱۵", [3, 7, 12, 13, 14, 15]),  # Persian digits and comma
    ("٣, ١٢", [3, 12]),  # Arabic-Indic digits
    ("3, 3", [3, 3]),  # repeats are kept for paper_sort to name
    ("", []),
    (" , ", []),
])
def test_parse_numbers(text, expected):
    assert parse_numbers(text) == expected


@pytest.mark.parametrize("text, message", [
    ("3, seven", "group 1: 'seven' is not a card number (write numbers such as 3, 7, 12-15)"),
    ("3.5", "group 1: '3.5' is not a card number (write numbers such as 3, 7, 12-15)"),
    ("-3", "group 1: '-3' is not a card number (write numbers such as 3, 7, 12-15)"),
    ("1-2-3", "group 1: '1-2-3' is not a card number (write numbers such as 3, 7, 12-15)"),
    ("15-12", "group 1: the range 15-12 runs backwards; write 12-15"),
    ("3\x00", "group 1 contains a NUL character"),
])
def test_parse_numbers_names_what_is_not_a_number(text, message):
    with pytest.raises(ValueError) as err:
        parse_numbers(text, "group 1")
    assert str(err.value) == message


def test_compact():
    assert compact([8, 1, 2, 3, 5, 7]) == "1-3, 5, 7, 8"
    assert compact([4]) == "4"
    assert compact([]) == ""


# --- a whole paper sort -----------------------------------------------------------------------------------

def test_an_open_paper_sort_becomes_a_normal_sort_marked_paper():
    s = study(cards=CARDS[:6])
    sort = paper_sort(s, " P1 ", [PaperGroup("3, 1", " Visit "), PaperGroup("", ""), PaperGroup("2, 4-6", "Borrow")],
                      finished_at=T)
    assert sort == Sort("P1", (Group("Visit", ("c3", "c1")), Group("Borrow", ("c2", "c4", "c5", "c6"))),
                        finished_at=T, answers={"source": "paper"})
    assert is_paper(sort) and not is_paper(Sort("P2", ()))


def test_closed_and_hybrid_groups_carry_the_category():
    closed = study("closed", CARDS[:3], ["Wear", "Carry"])
    sort = paper_sort(closed, "P1", [PaperGroup("1, 3", category="k1"), PaperGroup("2", category="k2")])
    assert sort.groups == (Group("Wear", ("c1", "c3"), "k1"), Group("Carry", ("c2",), "k2"))
    hybrid = study("hybrid", CARDS[:3], ["Wear"])
    sort = paper_sort(hybrid, "P1", [PaperGroup("1", category="k1"), PaperGroup("2-3", "Gifts")])
    assert sort.groups == (Group("Wear", ("c1",), "k1"), Group("Gifts", ("c2", "c3")))
    # the category's own name typed as well is the same choice, not a conflict
    sort = paper_sort(hybrid, "P1", [PaperGroup("1", "Wear", "k1"), PaperGroup("2-3", "Gifts")])
    assert sort.groups[0] == Group("Wear", ("c1",), "k1")


def test_every_problem_is_named_with_its_group_and_number():
    s = study()
    assert problems(s, [
        PaperGroup("1-5, 5", "Visit"),   # 5 twice in one group
        PaperGroup("6-10, 3, 21", "Borrow"),  # 3 already in group 1, no card 21
        PaperGroup("", "Empty"),
        PaperGroup("11-19", ""),  # no name
        PaperGroup("20, 20", "Visit"),  # a name used twice, a card listed twice
    ], pid="") == [
        "the participant id is empty",
        "group 1 ('Visit'): card 5 is listed twice",
        "card 3 is in both group 1 ('Visit') and group 2 ('Borrow')",
        "group 2 ('Borrow'): there is no card 21 (the cards are numbered 1-20)",
        "group 3 ('Empty') has no card numbers",
        "group 4 has no name",
        "group 1 ('Visit') and group 5 ('Visit') both use the name 'Visit'; put their cards in one group",
        "group 5 ('Visit'): card 20 is listed twice",
    ]


def test_cards_in_no_group_are_not_guessed_while_a_group_cannot_be_read():
    assert problems(study(), [PaperGroup("1-10", "A"), PaperGroup("11, twelve", "B")]) == [
        "group 2 ('B'): 'twelve' is not a card number (write numbers such as 3, 7, 12-15)"]
    assert problems(study(), [PaperGroup("1-10", "A"), PaperGroup("", "B")]) == [
        "group 2 ('B') has no card numbers", "cards 11-20 are in no group; this study needs every card sorted"]


def test_cards_in_no_group_are_listed_as_ranges():
    assert problems(study(), [PaperGroup("1, 2, 6, 8", "A")]) == [
        "cards 3-5, 7, 9-20 are in no group; this study needs every card sorted"]


def test_a_participant_who_already_has_a_sort_is_refused():
    assert problems(study(), [PaperGroup("1-20", "All")], pid="P7", taken=["P7"]) == [
        "participant 'P7' already has a sort in this study"]


def test_participant_id_limits():
    assert problems(study(), [PaperGroup("1-20", "All")], pid="p" * 201) == [
        "the participant id is 201 characters long; at most 200 are allowed"]
    assert problems(study(), [PaperGroup("1-20", "All")], pid="p\x00") == [
        "the participant id contains a NUL character"]


def test_no_groups_at_all():
    assert problems(study(), [PaperGroup(""), PaperGroup("", "")]) == [
        "no groups: enter at least one group with its card numbers"]


def test_a_range_written_backwards_names_the_group():
    assert problems(study(cards=CARDS[:3]), [PaperGroup("3-1", "All")]) == [
        "group 1 ('All'): the range 3-1 runs backwards; write 1-3"]


def test_closed_sort_problems():
    closed = study("closed", CARDS[:3], ["Wear", "Carry"])
    assert problems(closed, [PaperGroup("1", "Gifts"), PaperGroup("2", category="k9"),
                             PaperGroup("3", category="k1"), PaperGroup("", category="k1")]) == [
        "group 1 ('Gifts'): choose one of the study's categories (a closed sort has no own groups)",
        "group 2: 'k9' is not a category of this study",
        "group 3 ('Wear') and group 4 ('Wear') both use the category 'Wear'; put their cards in one group",
        "group 4 ('Wear') has no card numbers",
    ]


def test_hybrid_sort_problems():
    hybrid = study("hybrid", CARDS[:3], ["Wear"])
    assert problems(hybrid, [PaperGroup("1", "Gifts", "k1"), PaperGroup("2-3", "")]) == [
        "group 1: choose the category 'Wear' or name an own group 'Gifts', not both",
        "group 2 has no name or category",
    ]
    assert problems(hybrid, [PaperGroup("1", category="k1"), PaperGroup("2", "")]) == [
        "group 2 has no name or category", "card 3 is in no group; this study needs every card sorted"]


def test_the_study_settings_decide_what_is_required():
    loose = study(cards=CARDS[:4], require_all_sorted=False, require_names=False, max_groups=2)
    sort = paper_sort(loose, "P1", [PaperGroup("1", ""), PaperGroup("3", "B")])
    assert sort.groups == (Group("", ("c1",)), Group("B", ("c3",)))
    assert problems(loose, [PaperGroup("1", "A"), PaperGroup("2", "B"), PaperGroup("3", "C")]) == [
        "3 groups; this study allows at most 2"]
    # with a subset per participant, a paper sort need not hold every card
    subset = study(cards=CARDS[:4], subset=2)
    assert paper_sort(subset, "P1", [PaperGroup("2, 4", "A")]).placed_cards() == ["c2", "c4"]


def test_long_group_names_are_refused():
    assert problems(study(cards=CARDS[:1]), [PaperGroup("1", "n" * 201)]) == [
        "group 1: the name is 201 characters long; at most 200 are allowed"]


# --- storage and analysis -------------------------------------------------------------------------------

def test_a_paper_sort_is_stored_and_read_like_any_sort(engine):
    s = store.create_study(engine, study("open", CARDS[:4]))
    store.import_sorts(engine, s.id, [Sort("online", (Group("A", ("c1", "c2", "c3", "c4")),), finished_at=T)])
    typed = paper_sort(s, "P1", [PaperGroup("1-2", "Visit"), PaperGroup("3, 4", "Borrow")], finished_at=T,
                       taken=store.participants_with_sorts(engine, s.id, ["P1"]))
    assert store.import_sorts(engine, s.id, [typed]) == 1
    stored = store.load_sorts(engine, s.id)
    assert [(x.participant_id, is_paper(x)) for x in stored] == [("online", False), ("P1", True)]
    assert stored[1] == typed
    assert store.participant_counts(engine, s.id)["completed"] == 2
    frame = formats.frame_from_sorts(s, stored)
    assert sorted(frame[frame["participant"] == "P1"]["group_label"]) == ["Borrow", "Borrow", "Visit", "Visit"]
    assert '"source": "paper"' in formats.export(s, stored, "json")
    # the same participant again is refused by the check and by the store
    assert problems(s, [PaperGroup("1-4", "All")], taken=store.participants_with_sorts(engine, s.id, ["P1"])) == [
        "participant 'P1' already has a sort in this study"]
    with pytest.raises(ValueError, match="participant 'P1' already has a sort in this study"):
        store.import_sorts(engine, s.id, [typed])


# --- the printable page ------------------------------------------------------------------------------

class _Cards(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.cards, self.sheets, self.html_attrs = [], [], 0, {}
        self._in = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.html_attrs = attrs
        if tag == "ul" and attrs.get("class") == "sheet":
            self.sheets += 1
        if tag == "li":
            self.cards.append({})
        if tag == "span" and self.cards:
            self._in = attrs["class"]

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:
            self.cards[-1][self._in] = data


def parsed(html: str) -> _Cards:
    p = _Cards()
    p.feed(html)
    return p


def test_the_cards_page_numbers_every_card_eight_a_page_self_contained():
    s = study_from_spec({"name": "Shop", "kind": "open", "cards": [
        "Shoes", {"label": "<b>Bags</b> & \"cases\"", "description": "Hand luggage"}, *CARDS[2:17]]}, "s1")
    html = render_cards(s)
    page = parsed(html)
    assert page.html_attrs == {"lang": "en"}
    assert CARDS_PER_PAGE == 8 and page.sheets == 3  # 17 cards: 8 + 8 + 1
    assert page.cards[:2] == [{"number": "1", "label": "Shoes"},
                              {"number": "2", "label": "<b>Bags</b> & \"cases\"", "description": "Hand luggage"}]
    assert [c["number"] for c in page.cards] == [str(n) for n in range(1, 18)]
    assert "&lt;b&gt;Bags&lt;/b&gt; &amp; &quot;cases&quot;" in html
    assert "<title>Card sort</title>" in html and "<h1>Card sort</h1>" in html
    assert "Print at actual size (100%) on A4 or US Letter paper" in html
    for outside in ("<script", "<link", "src=", "url(", "@import", "http"):
        assert outside not in html


def test_the_cards_page_is_in_the_study_language_direction_and_digits():
    s = study_from_spec({"name": "Internal name", "kind": "open", "language": "fa", "texts": {"title": "کتابخانه"},
                         "cards": [f"کارت {i}" for i in range(1, 13)]}, "s1")
    html = render_cards(s)
    page = parsed(html)
    assert page.html_attrs == {"lang": "fa", "dir": "rtl"}
    assert [c["number"] for c in page.cards][9:] == ["۱۰", "۱۱", "۱۲"]
    assert "<h1>کتابخانه</h1>" in html and "Internal name" not in html
    assert "روی کاغذ A4 یا US Letter" in html
    assert parse_numbers("۱۰-۱۲") == [10, 11, 12]  # what the card shows can be typed back


def test_numbers_too_long_to_be_a_card_are_refused_before_a_range_is_made():
    with pytest.raises(ValueError) as err:
        parse_numbers("1-9999999999", "group 1")
    assert str(err.value) == "group 1: '1-9999999999' is not a card number (write numbers such as 3, 7, 12-15)"
    assert problems(study(cards=CARDS[:3]), [PaperGroup("1-3, 1000000", "A")]) == [
        "group 1 ('A'): '1000000' is not a card number (write numbers such as 3, 7, 12-15)"]
    assert problems(study(cards=CARDS[:3]), [PaperGroup("1-3, 999999", "A")]) == [
        "group 1 ('A'): there is no card 999999 (the cards are numbered 1-3)"]


def test_many_numbers_with_one_problem_make_one_message():
    assert problems(study(), [PaperGroup("1-10, 3-5, 40-45, 50", "A"), PaperGroup("9-20, 2", "B")]) == [
        "group 1 ('A'): cards 3-5 are listed twice",
        "group 1 ('A'): there are no cards 40-45, 50 (the cards are numbered 1-20)",
        "cards 2, 9, 10 are in both group 1 ('A') and group 2 ('B')",
    ]
    assert problems(study(cards=CARDS[:3]), [PaperGroup("1-999999", "A")]) == [
        "group 1 ('A'): there are no cards 4-999999 (the cards are numbered 1-3)"]
