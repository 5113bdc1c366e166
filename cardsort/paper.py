"""Paper (moderated) sorts: printable numbered cards, and a paper sort typed in by card numbers.

A study's cards are numbered 1, 2, … in the study's card order (:func:`card_numbers`); the printable
page (:func:`render_cards`, template ``cards.html.j2``) shows each card's number beside its label, and the
researcher types each group of a paper sort as card numbers (``"3, 7, 12-15"``, :func:`parse_numbers`).
:func:`paper_sort` checks a whole paper sort like any import and returns a normal
:class:`~cardsort.model.Sort`, marked in its answers as ``source=paper`` (:data:`SOURCE_KEY`), so it is
stored and analysed like every other sort. Nothing here touches the database or Streamlit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from . import templating
from .board import MAX_LABEL_LENGTH
from .i18n import format_number, messages, resolve_language, translate
from .model import Card, Group, Sort, Study, check_no_nul

SOURCE_KEY = "source"
"""The answer (``Sort.answers``) that marks how a sort was collected; paper sorts have ``source=paper``."""
PAPER = "paper"
CARDS_PER_PAGE = 8
"""Cards on one printed page: 2 × 4 cards of 95 × 64 mm fit A4 and US Letter with 10 mm margins."""
MAX_PARTICIPANT_ID = 200

_SEPARATORS = re.compile(r"[,;،؛\s]+")  # commas and semicolons (also Arabic ones) and spaces
_NUMBER = r"(\d{1,6})"  # up to 999,999: more cards than any study, and no number too long to read
_RANGE = re.compile(rf"^{_NUMBER}[-‐‑‒–—]{_NUMBER}$")  # 12-15, also with an en or em dash


class PaperSortError(ValueError):
    """A paper sort that cannot be stored; ``problems`` lists every problem, each naming its group and number."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


@dataclass(frozen=True)
class PaperGroup:
    """One group as the researcher typed it.

    ``label`` names an own group (open and hybrid sorts); ``category`` is the id of one of the study's
    categories (closed and hybrid sorts); ``numbers`` are the card numbers, e.g. ``"3, 7, 12-15"``.
    """

    numbers: str
    label: str = ""
    category: str | None = None

    def blank(self) -> bool:
        return not (self.numbers.strip() or self.label.strip() or self.category)


def card_numbers(study: Study) -> dict[int, Card]:
    """The study's cards by their printed number: 1, 2, … in the study's card order."""
    return dict(enumerate(study.cards, start=1))


def compact(numbers: Iterable[int]) -> str:
    """Numbers as the researcher writes them, runs of three or more as ranges.

    >>> compact([8, 1, 2, 3, 5, 7])
    '1-3, 5, 7, 8'
    """
    ordered = sorted(set(numbers))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        if j - i >= 2:
            parts.append(f"{ordered[i]}-{ordered[j]}")
        else:
            parts.extend(str(n) for n in ordered[i:j + 1])
        i = j + 1
    return ", ".join(parts)


def parse_numbers(text: str, where: str = "the numbers") -> list[int]:
    """Card numbers from text such as ``"3, 7, 12-15"``, in the order written, ranges expanded.

    Numbers are separated by commas, semicolons or spaces; a range is two numbers joined by a hyphen
    or a dash. Persian and Arabic digits are read too. Raises :class:`ValueError` naming ``where``
    and the part that is not a number, or a range written backwards. Repeats are kept (see
    :func:`paper_sort`).

    >>> parse_numbers("3, 7, 12-15")
    [3, 7, 12, 13, 14, 15]
    """
    check_no_nul(text, where)
    text = re.sub(r"\s*([-‐‑‒–—])\s*", r"\1", text.strip())  # "12 - 15" is one range
    numbers: list[int] = []
    for part in (p for p in _SEPARATORS.split(text) if p):
        span = _RANGE.match(part)
        if span:
            first, last = int(span.group(1)), int(span.group(2))
            if first > last:
                raise ValueError(f"{where}: the range {first}-{last} runs backwards; write {last}-{first}")
            numbers.extend(range(first, last + 1))
        elif re.fullmatch(_NUMBER, part):
            numbers.append(int(part))
        else:
            raise ValueError(f"{where}: {part!r} is not a card number (write numbers such as 3, 7, 12-15)")
    return numbers


def _cards(numbers: list[int]) -> str:
    """``'card 5 is'``, ``'cards 5, 7-9 are'``: the subject of a problem."""
    return f"card {numbers[0]} is" if len(set(numbers)) == 1 else f"cards {compact(numbers)} are"


def _group_name(i: int, label: str) -> str:
    return f"group {i} ({label!r})" if label else f"group {i}"


def paper_sort(study: Study, participant_id: str, groups: Sequence[PaperGroup], *,
               taken: Iterable[str] = (), finished_at: datetime | None = None) -> Sort:
    """Check a paper sort typed in by card numbers and build its :class:`~cardsort.model.Sort`.

    Blank groups (no label, category or numbers) are left out; the others are numbered 1, 2, …
    in the order given, and the messages name them so.

    Parameters
    ----------
    study : Study
    participant_id : str
        The participant's id; must not be one of ``taken`` (participants who already have a sort).
    groups : sequence of PaperGroup
    taken : iterable of str
        Participant ids that already have a sort in the study.
    finished_at : datetime or None
        When the sort was made (stored as the sort's finish time).

    Returns
    -------
    Sort
        Groups in the order given, cards in the order written, answers ``{"source": "paper"}``.

    Raises
    ------
    PaperSortError
        Listing every problem: a missing or taken participant id; per group, a missing name or
        category, an unknown category, a name or category used twice, text that is not a number,
        a number with no card, a card listed twice, a group without cards; cards in no group when
        the study requires every card sorted; more groups than the study allows.
    """
    problems: list[str] = []
    pid = participant_id.strip()
    if not pid:
        problems.append("the participant id is empty")
    elif "\x00" in pid:
        problems.append("the participant id contains a NUL character")
    elif len(pid) > MAX_PARTICIPANT_ID:
        problems.append(f"the participant id is {len(pid):,} characters long; at most {MAX_PARTICIPANT_ID} "
                        "are allowed")
    elif pid in set(taken):
        problems.append(f"participant {pid!r} already has a sort in this study")

    by_number = card_numbers(study)
    categories = {c.id: c for c in study.categories}
    entered = [g for g in groups if not g.blank()]
    if not entered:
        problems.append("no groups: enter at least one group with its card numbers")
    placed_in: dict[int, str] = {}
    unread = False  # a group whose cards are not known: which cards are in no group is then unknown too
    names: dict[str, str] = {}
    built: list[Group] = []
    for i, g in enumerate(entered, start=1):
        label = g.label.strip()
        category = categories.get(g.category) if g.category else None
        if g.category and category is None:
            problems.append(f"group {i}: {g.category!r} is not a category of this study")
            unread = True
            continue
        if category is not None and label and label != category.label:
            problems.append(f"group {i}: choose the category {category.label!r} or name an own group "
                            f"{label!r}, not both")
            unread = True
            continue
        name = category.label if category else label
        where = _group_name(i, name)
        if category is None:
            if study.kind == "closed":
                problems.append(f"{where}: choose one of the study's categories (a closed sort has no own groups)")
                unread = True
                continue
            if "\x00" in label:
                problems.append(f"group {i}: the name contains a NUL character")
                unread = True
                continue
            if len(label) > MAX_LABEL_LENGTH:
                problems.append(f"group {i}: the name is {len(label):,} characters long; at most "
                                f"{MAX_LABEL_LENGTH} are allowed")
                unread = True
                continue
            if not label and study.settings.require_names:
                problems.append(f"group {i} has no name" + (" or category" if study.kind == "hybrid" else ""))
        if name:
            key = f"category {category.id}" if category else f"name {label}"
            if key in names:
                what = "the category" if category else "the name"
                problems.append(f"{names[key]} and {where} both use {what} {name!r}; put their cards in one group")
            names.setdefault(key, where)
        try:
            numbers = parse_numbers(g.numbers, where)
        except ValueError as err:
            problems.append(str(err))
            unread = True
            continue
        if not numbers:
            problems.append(f"{where} has no card numbers")
            continue
        cards: list[str] = []
        unknown: list[int] = []
        twice: list[int] = []
        elsewhere: dict[str, list[int]] = {}
        for n in numbers:
            if n not in by_number:
                unknown.append(n)
            elif n in placed_in:
                (twice if placed_in[n] == where else elsewhere.setdefault(placed_in[n], [])).append(n)
            else:
                placed_in[n] = where
                cards.append(by_number[n].id)
        if twice:
            problems.append(f"{where}: {_cards(twice)} listed twice")
        problems.extend(f"{_cards(found)} in both {other} and {where}" for other, found in elsewhere.items())
        if unknown:
            no = (f"there is no card {unknown[0]}" if len(set(unknown)) == 1
                  else f"there are no cards {compact(unknown)}")
            problems.append(f"{where}: {no} (the cards are numbered 1-{len(by_number)})")
        built.append(Group(label=name, cards=tuple(cards), category_id=category.id if category else None))

    if study.settings.max_groups is not None and len(entered) > study.settings.max_groups:
        problems.append(f"{len(entered)} groups; this study allows at most {study.settings.max_groups}")
    if study.settings.require_all_sorted and study.settings.subset is None and entered and not unread:
        missing = [n for n in by_number if n not in placed_in]
        if missing:
            problems.append(f"{_cards(missing)} in no group; this study needs every card sorted")
    if problems:
        raise PaperSortError(problems)
    return Sort(participant_id=pid, groups=tuple(built), finished_at=finished_at, answers={SOURCE_KEY: PAPER})


def is_paper(sort: Sort) -> bool:
    """Whether ``sort`` was entered from a paper sort."""
    return sort.answers.get(SOURCE_KEY) == PAPER


def render_cards(study: Study) -> str:
    """The study's printable cards: one self-contained HTML page (no scripts, no external resources).

    Eight numbered cards of 95 × 64 mm a page (two columns, four rows) with dashed cut lines, which fit
    both A4 and US Letter; the page is in the study's language and direction, the numbers in its digits.
    """
    lang = study.language
    digits = messages(resolve_language(lang))["_meta"].get("digits")
    numbered = [{"number": format_number(n, digits), "label": c.label, "description": c.description}
                for n, c in card_numbers(study).items()]
    sheets = [numbered[i:i + CARDS_PER_PAGE] for i in range(0, len(numbered), CARDS_PER_PAGE)]
    title = study.texts.title or translate(lang, "page_title")
    return templating.render("cards.html.j2", {
        "lang": lang, "title": title, "help": translate(lang, "print_help"), "sheets": sheets})


__all__ = ["CARDS_PER_PAGE", "PAPER", "SOURCE_KEY", "PaperGroup", "PaperSortError", "card_numbers", "compact",
           "is_paper", "paper_sort", "parse_numbers", "render_cards"]
