"""The study set-up form as pure functions: card lists in and out of text and CSV, stable ids.

The researcher pastes cards one per line (``label | description | image URL``, the last
two optional) or uploads a CSV; these functions turn that into the study spec of
docs/architecture.md, keeping the ids of cards and categories that already exist so that sorts
collected before an edit still point at the right cards.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from .formats import FormatError
from .model import Card, Category, Study
from .questions import Question

SEPARATOR = " | "
LABEL_NAMES = ("label", "card", "card_label", "name", "title")
DESCRIPTION_NAMES = ("description", "card_description", "details")
IMAGE_NAMES = ("image", "image_url", "img", "picture")
_FIELD_OF = {**{n: "label" for n in LABEL_NAMES}, **{n: "description" for n in DESCRIPTION_NAMES},
             **{n: "image" for n in IMAGE_NAMES}}
_FIELDS = ("label", "description", "image")


def _card(parts: list[str]) -> dict[str, str]:
    return {f: p for f, p in zip(_FIELDS, (p.strip() for p in parts)) if p}


def parse_card_lines(text: str) -> list[dict[str, str]]:
    """Cards from text, one per line: ``label``, ``label | description`` or ``label | description | image``.

    Blank lines are skipped; an empty description with an image is written ``label | | image``.

    Returns
    -------
    list of dict
        Keys ``label`` and, when given, ``description`` and ``image``.

    Raises
    ------
    ValueError
        A line with more than three parts or without a label, naming the line.
    """
    cards = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) > 3:
            raise ValueError(f"card line {number} has {len(parts)} parts; write label | description | image URL")
        card = _card(parts)
        if "label" not in card or not parts[0].strip():
            raise ValueError(f"card line {number} has no label before the first |")
        cards.append(card)
    return cards


def format_card_lines(cards: Iterable[Card | dict[str, Any]]) -> str:
    """The inverse of :func:`parse_card_lines`: one line per card, trailing empty parts left out."""
    lines = []
    for card in cards:
        get = card.get if isinstance(card, dict) else lambda f, c=card: getattr(c, f)
        parts = [get("label") or "", get("description") or "", get("image") or ""]
        while parts[-1] == "":
            parts.pop()
        lines.append(SEPARATOR.join(parts))
    return "\n".join(lines)


def parse_category_lines(text: str) -> list[str]:
    """Category labels, one per line, blank lines skipped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _is_header(row: list[str]) -> bool:
    names = [c.strip().lower() for c in row if c.strip()]
    return any(n in LABEL_NAMES for n in names) and all(n in _FIELD_OF for n in names)


def read_cards_csv(data: bytes, source: str = "cards.csv") -> list[dict[str, str]]:
    """Cards from a CSV file: ``label[,description[,image]]``, with or without a header row.

    A first row whose cells are all known column names (``label``/``card``/``name``/
    ``title``, ``description``/``details``, ``image``/``image_url``) is a header and
    decides the columns; otherwise the columns are label, description, image in that
    order. Commas, semicolons and tabs are recognised as separators.

    Returns
    -------
    list of dict
        As :func:`parse_card_lines`.

    Raises
    ------
    FormatError
        Naming the file, the line and the problem (not UTF-8, an empty label, too many columns).
    """
    if not data.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FormatError(source, "the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise FormatError(source, "not UTF-8 text; save the file as UTF-8",
                          data[: err.start].count(b"\n") + 1) from None
    first_line = text.splitlines()[0]
    try:
        dialect: Any = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    columns: list[str | None] = list(_FIELDS)
    start = 1
    if rows and _is_header(rows[0]):
        columns = [_FIELD_OF.get(c.strip().lower()) for c in rows[0]]
        start = 2
        rows = rows[1:]
    cards = []
    for number, row in enumerate(rows, start=start):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(columns):
            raise FormatError(source, f"{len(row)} columns; expected label, description, image", number)
        card = {f: cell.strip() for f, cell in zip(columns, row) if f and cell.strip()}
        if "label" not in card:
            raise FormatError(source, "the card has no label", number)
        cards.append(card)
    if not cards:
        raise FormatError(source, "no cards after the header")
    return cards


def _fresh_ids(prefix: str, taken: set[str]) -> Iterator[str]:
    used = [int(m.group(1)) for t in taken if (m := re.fullmatch(rf"{prefix}(\d+)", t))]
    n = max(used, default=0)
    while True:
        n += 1
        if f"{prefix}{n}" not in taken:
            yield f"{prefix}{n}"


def assign_ids(cards: list[dict[str, str]], categories: list[str],
               previous: Study | None = None) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Give cards and categories ids, reusing ``previous``'s ids for labels it already has.

    A card keeps its id as long as its label is unchanged, so earlier sorts still count
    it; a new or relabelled card gets the next free ``c<n>`` (categories ``k<n>``),
    never the id of a removed card.

    Returns
    -------
    cards : list of dict
        Each card dict with an ``id`` added.
    categories : list of dict
        ``{"id", "label"}`` per category.
    """
    old_cards: tuple[Card, ...] = previous.cards if previous else ()
    old_categories: tuple[Category, ...] = previous.categories if previous else ()
    card_id = {c.label: c.id for c in old_cards}
    new_card_ids = _fresh_ids("c", {c.id for c in old_cards})
    out_cards = [{"id": card_id.get(c["label"]) or next(new_card_ids), **c} for c in cards]
    category_id = {c.label: c.id for c in old_categories}
    new_category_ids = _fresh_ids("k", {c.id for c in old_categories})
    out_categories = [{"id": category_id.get(label) or next(new_category_ids), "label": label}
                      for label in categories]
    return out_cards, out_categories


def parse_questions_text(text: str) -> list[Any]:
    """The set-up form's questions box: a JSON list of question objects (docs/architecture.md,
    "Questions and screening"); blank means none. Validate with :func:`cardsort.questions.questions_from_list`.

    Raises
    ------
    ValueError
        Not JSON (naming the line and column), or not a list.
    """
    if not text.strip():
        return []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"the questions are not valid JSON ({err.msg} at line {err.lineno}, "
                         f"column {err.colno})") from None
    if not isinstance(data, list):
        raise ValueError("the questions must be a JSON list of question objects, [ ... ]")
    return data


def format_questions(questions: Iterable[Question]) -> str:
    """The questions as the set-up form's JSON box shows them (``''`` for none)."""
    specs = [q.to_spec() for q in questions]
    return json.dumps(specs, ensure_ascii=False, indent=2) if specs else ""


def study_spec(*, name: str, kind: str, language: str, status: str, cards_text: str,
               categories_text: str, settings: dict[str, Any], texts: dict[str, str] | None = None,
               previous: Study | None = None, panel: dict[str, Any] | None = None,
               questions_text: str | None = None) -> dict[str, Any]:
    """The study spec (docs/architecture.md) from the set-up form's fields, ids kept from ``previous``.

    Categories are dropped for an open sort, so switching a study to open never fails on
    categories left in the form. Validate the result with :func:`cardsort.model.study_from_spec`.

    Raises
    ------
    ValueError
        A malformed card line (see :func:`parse_card_lines`) or questions box
        (:func:`parse_questions_text`).
    """
    categories = parse_category_lines(categories_text) if kind != "open" else []
    cards, cats = assign_ids(parse_card_lines(cards_text), categories, previous)
    spec = {"name": name, "kind": kind, "language": language.strip(), "status": status,
            "cards": cards, "categories": cats, "settings": settings}
    if texts is not None:
        spec["texts"] = texts
    if panel is not None:
        spec["panel"] = panel
    if questions_text is not None:
        spec["questions"] = parse_questions_text(questions_text)
    return spec
