"""Import and export of card-sort results: long CSV, Kardsort "Casolysis" CSV and our JSON.

Every reader produces one *placements frame*, a :class:`pandas.DataFrame` with one row
per card placed and these columns (all text):

========================  ==============================================================
``line``                  line of the input the row came from (int; header is line 1)
``participant``           participant id
``card_id``               card id (the label, where the format has no ids)
``card_label``            card label
``group_key``             the pile's id within its participant: category id, else label
``group_label``           the pile's label as the participant wrote it
``started_at``            optional ISO time ('' when absent)
``finished_at``           optional ISO time ('' when absent)
========================  ==============================================================

A group is (participant, ``group_key``): two piles that share a label but not an id stay
two piles. Readers validate everything before returning and raise :class:`FormatError`
naming the file, the line and the problem; nothing half-read ever reaches the store.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .model import Group, Sort, Study, parse_time, sort_from_dict, study_from_spec
from .table import codes_of

FORMATS = ("long", "casolysis", "json")
CASOLYSIS_COLUMNS = ("card_id", "card_label", "category_id", "category_label", "user_id")
LONG_COLUMNS = ("participant", "card", "category")
LONG_OPTIONAL = ("category_id", "started_at", "finished_at")
FRAME_COLUMNS = ("line", "participant", "card_id", "card_label", "group_key", "group_label",
                 "started_at", "finished_at")


class FormatError(ValueError):
    """Bad input file: ``str(err)`` names the file, the line (when known) and the problem."""

    def __init__(self, source: str, problem: str, line: int | None = None):
        self.source, self.problem, self.line = source, problem, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {problem}")


@dataclass
class ParsedFile:
    """What a reader found: the placements frame, and the study when the format carries one."""

    frame: pd.DataFrame
    format: str
    study: Study | None = None


# --- reading ---------------------------------------------------------------------------------

def _is_blank(data: bytes) -> bool:
    return re.match(rb"(?:\xef\xbb\xbf)?\s*\Z", data) is not None


def _decode(data: bytes, source: str) -> str:
    if _is_blank(data):
        raise FormatError(source, "the file is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise FormatError(
            source, f"not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8", line
        ) from None


def detect_format(data: bytes, source: str = "input") -> str:
    """``'json'``, ``'casolysis'`` or ``'long'`` from the file's first bytes and CSV header."""
    if _is_blank(data):
        raise FormatError(source, "the file is empty")
    text = data[:65536].decode("utf-8-sig", "replace")
    if text.lstrip().startswith(("{", "[")):
        return "json"
    header = {h.strip().lower() for h in next(csv.reader(io.StringIO(text)), [])}
    if set(CASOLYSIS_COLUMNS) <= header:
        return "casolysis"
    if set(LONG_COLUMNS) <= header:
        return "long"
    raise FormatError(
        source,
        "cannot tell the format from the header; expected the columns "
        f"{', '.join(LONG_COLUMNS)} (long CSV) or {', '.join(CASOLYSIS_COLUMNS)} (Casolysis CSV)",
        1,
    )


def read_file(path: str | Path, fmt: str = "auto") -> ParsedFile:
    """Read a results file; ``fmt`` is ``'auto'`` (detect from the header) or one of :data:`FORMATS`."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise FormatError(str(path), f"cannot read the file ({err.strerror})") from None
    return read_bytes(data, fmt, source=path.name)


def read_bytes(data: bytes, fmt: str = "auto", source: str = "input") -> ParsedFile:
    """Like :func:`read_file`, for bytes already in memory (an upload)."""
    if fmt not in ("auto", *FORMATS):
        raise ValueError(f"format must be one of auto, {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "auto":
        fmt = detect_format(data, source)
    if fmt == "json":
        return _read_json(_decode(data, source), source)
    _decode(data, source)  # encoding and emptiness errors, with the line
    frame = _read_csv(data, source)
    if fmt == "casolysis":
        frame = _from_casolysis(frame, source)
    else:
        frame = _from_long(frame, source)
    _validate(frame, source)
    return ParsedFile(frame=frame, format=fmt)


def _read_csv(data: bytes, source: str) -> pd.DataFrame:
    """Parse CSV bytes into a frame of categorical text columns plus ``line``.

    pyarrow parses in parallel and dictionary-encodes every column, so the checks
    and the factorising that follow work on small integer codes, not millions of strings.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    header = next(csv.reader(io.StringIO(data[:65536].decode("utf-8", "replace"))), [])
    text_type = pa.dictionary(pa.int32(), pa.string())
    try:
        table = pacsv.read_csv(io.BytesIO(data), convert_options=pacsv.ConvertOptions(
            column_types={name: text_type for name in header},
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError) as err:
        problem = str(err).splitlines()[0]
        raise FormatError(source, f"not a readable CSV file ({problem})") from None
    frame = table.to_pandas()
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if frame.empty:
        raise FormatError(source, "no rows after the header", 1)
    frame["line"] = np.arange(2, len(frame) + 2)
    return frame


def _require(frame: pd.DataFrame, columns: tuple[str, ...], source: str, kind: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise FormatError(source, f"missing column {missing[0]!r} ({kind} CSV needs "
                          f"{', '.join(columns)})", 1)


def _clean(col: pd.Series) -> pd.Series:
    """Trim spaces and undo :func:`neutralise` (a ``'`` before = + - @), so exports round-trip.

    Works on the distinct values of a categorical column, then re-encodes, so the
    cost does not grow with the number of rows.
    """
    col = col if isinstance(col.dtype, pd.CategoricalDtype) else col.astype("category")
    values = col.cat.categories.astype(str).str.strip().str.replace(r"^'(?=[=+\-@\t\r])", "", regex=True)
    new_codes, uniques = pd.factorize(values)
    codes = col.cat.codes.to_numpy()
    return pd.Series(pd.Categorical.from_codes(new_codes[codes], categories=uniques), index=col.index)


def _constant(value: str, n: int) -> pd.Categorical:
    return pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=[value])


def _from_casolysis(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    _require(raw, CASOLYSIS_COLUMNS, source, "Casolysis")
    return pd.DataFrame({
        "line": raw["line"],
        "participant": _clean(raw["user_id"]),
        "card_id": _clean(raw["card_id"]),
        "card_label": _clean(raw["card_label"]),
        "group_key": _clean(raw["category_id"]),
        "group_label": _clean(raw["category_label"]),
        "started_at": _constant("", len(raw)),
        "finished_at": _constant("", len(raw)),
    })


def _from_long(raw: pd.DataFrame, source: str) -> pd.DataFrame:
    _require(raw, LONG_COLUMNS, source, "long")
    label = _clean(raw["category"])
    if "category_id" in raw:
        key = _clean(raw["category_id"]).astype(str)
        key = _clean(key.where(key != "", label.astype(str)))
    else:
        key = label
    card = _clean(raw["card"])
    return pd.DataFrame({
        "line": raw["line"],
        "participant": _clean(raw["participant"]),
        "card_id": card,
        "card_label": card,
        "group_key": key,
        "group_label": label,
        "started_at": _clean(raw["started_at"]) if "started_at" in raw else _constant("", len(raw)),
        "finished_at": _clean(raw["finished_at"]) if "finished_at" in raw else _constant("", len(raw)),
    })


def _first_duplicate(keys: np.ndarray, rows: np.ndarray | None = None) -> int | None:
    """Row of the first key already seen earlier (restricted to ``rows`` when given)."""
    subset = keys if rows is None else keys[rows]
    dup = pd.Series(subset).duplicated().to_numpy()
    if not dup.any():
        return None
    first = int(dup.argmax())
    return first if rows is None else int(rows[first])


def _first_rows(keys: np.ndarray) -> np.ndarray:
    """Rows where each distinct key first occurs, in row order."""
    return np.flatnonzero(~pd.Series(keys).duplicated().to_numpy())


def _validate(frame: pd.DataFrame, source: str) -> None:
    """Checks shared by every format: empty values, cards placed twice, inconsistent ids.

    All checks run on integer codes of the distinct values, so they stay fast on
    millions of rows; the error names the first offending line.
    """
    codes = {col: codes_of(frame[col]) for col in FRAME_COLUMNS if col != "line"}
    lines = frame["line"].to_numpy()

    def pair(a: str, b: str) -> np.ndarray:
        return codes[a][0] * (len(codes[b][1]) + 1) + codes[b][0]

    def value(col: str, row: int) -> str:
        c, v = codes[col]
        return str(v[c[row]])

    for col, what in (("participant", "participant id"), ("card_label", "card label"),
                      ("card_id", "card id"), ("group_label", "category label"),
                      ("group_key", "category id")):
        c, v = codes[col]
        empty = np.flatnonzero(v == "")
        if len(empty):
            hits = np.flatnonzero(np.isin(c, empty))
            if len(hits):
                raise FormatError(source, f"empty {what}", int(lines[hits[0]]))
    placement = pair("participant", "card_id")
    row = _first_duplicate(placement)
    if row is not None:
        first = int(np.flatnonzero(placement == placement[row])[0])
        raise FormatError(
            source,
            f"card {value('card_label', row)!r} is placed twice by participant {value('participant', row)!r} "
            f"(first on line {int(lines[first])})",
            int(lines[row]),
        )
    cards = _first_rows(pair("card_id", "card_label"))
    row = _first_duplicate(codes["card_id"][0], cards)
    if row is not None:
        raise FormatError(source, f"card id {value('card_id', row)!r} has two labels", int(lines[row]))
    row = _first_duplicate(codes["card_label"][0], cards)
    if row is not None:
        raise FormatError(source, f"card label {value('card_label', row)!r} has two ids", int(lines[row]))
    group = pair("participant", "group_key")
    labelled = _first_rows(group * (len(codes["group_label"][1]) + 1) + codes["group_label"][0])
    row = _first_duplicate(group, labelled)
    if row is not None:
        raise FormatError(
            source, f"category id {value('group_key', row)!r} of participant {value('participant', row)!r} "
            "has two labels", int(lines[row]))
    for col in ("started_at", "finished_at"):
        c, v = codes[col]
        for i, text in enumerate(v):
            try:
                parse_time(text, col)
            except ValueError as err:
                raise FormatError(source, str(err), int(lines[np.flatnonzero(c == i)[0]])) from None


def _read_json(text: str, source: str) -> ParsedFile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise FormatError(source, f"not valid JSON ({err.msg})", err.lineno) from None
    if not isinstance(data, dict) or not isinstance(data.get("study"), dict) \
            or not isinstance(data.get("sorts"), list):
        raise FormatError(source, 'expected an object with "study" and "sorts" (our JSON export)')
    spec = {k: v for k, v in data["study"].items() if k != "id"}
    try:
        study = study_from_spec(spec, study_id=str(data["study"].get("id") or "imported"))
    except ValueError as err:
        raise FormatError(source, f"study: {err}") from None
    labels = {c.id: c.label for c in study.cards}
    rows = []
    seen_participants: set[str] = set()
    for i, raw in enumerate(data["sorts"], start=1):
        try:
            sort = sort_from_dict(raw)
        except ValueError as err:
            raise FormatError(source, f"sort {i}: {err}") from None
        if sort.participant_id in seen_participants:
            raise FormatError(source, f"sort {i}: participant {sort.participant_id!r} appears twice")
        seen_participants.add(sort.participant_id)
        for g_idx, g in enumerate(sort.groups):
            label = g.label or next((c.label for c in study.categories if c.id == g.category_id), "")
            for card in g.cards:
                if card not in labels:
                    raise FormatError(source, f"sort {i}: unknown card id {card!r}")
                rows.append((i, sort.participant_id, card, labels[card], g.category_id or f"g{g_idx + 1}",
                             label, _iso(sort.started_at), _iso(sort.finished_at)))
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    frame["line"] = frame["line"].astype(int)
    if not frame.empty:
        _validate(frame.assign(group_label=frame["group_label"].where(frame["group_label"] != "", "-")),
                  source)
    return ParsedFile(frame=frame, format="json", study=study)


def _iso(t) -> str:
    return t.isoformat() if t else ""


# --- frame <-> sorts -------------------------------------------------------------------------

def sorts_for_study(parsed: ParsedFile, study: Study, source: str = "input") -> list[Sort]:
    """Turn a parsed file into :class:`Sort` objects that reference ``study``'s cards and categories.

    Cards are matched by id, else by label; in closed and hybrid studies groups are
    matched to the study's categories by id, else by label. An unknown card (any
    study) or an unknown category (closed study) is a :class:`FormatError` naming the line.
    """
    frame = parsed.frame
    by_id = {c.id: c.id for c in study.cards}
    by_label = {c.label: c.id for c in study.cards}
    cat_by_id = {c.id: c for c in study.categories}
    cat_by_label = {c.label: c for c in study.categories}
    sorts: list[Sort] = []
    for participant, rows in frame.groupby("participant", sort=False):
        groups: dict[str, tuple[str, str | None, list[str]]] = {}
        for line, card_id, card_label, key, label in zip(
                rows["line"], rows["card_id"], rows["card_label"], rows["group_key"], rows["group_label"]):
            card = by_id.get(card_id) or by_label.get(card_label)
            if card is None:
                raise FormatError(source, f"unknown card {card_label!r}: not a card of study "
                                  f"{study.name!r}", int(line))
            category = cat_by_id.get(key) or cat_by_label.get(label)
            if study.kind == "closed" and category is None:
                allowed = ", ".join(c.label for c in study.categories)
                raise FormatError(source, f"unknown category {label!r} in a closed sort (allowed: {allowed})",
                                  int(line))
            if key not in groups:
                groups[key] = (category.label if category else label, category.id if category else None, [])
            groups[key][2].append(card)
        first = rows.iloc[0]
        sorts.append(Sort(
            participant_id=str(participant),
            groups=tuple(Group(label, tuple(cards), cat) for label, cat, cards in groups.values()),
            started_at=parse_time(first["started_at"]), finished_at=parse_time(first["finished_at"]),
        ))
    return sorts


def _placements(study: Study, sorts: list[Sort]):
    """One tuple per stored placement: participant, card id, card label, group key, group label, times.

    Cards no longer in the study are skipped; own groups are keyed ``g1, g2, ...`` per participant.
    """
    labels = {c.id: c.label for c in study.cards}
    cats = {c.id: c.label for c in study.categories}
    for s in sorts:
        started, finished = _iso(s.started_at), _iso(s.finished_at)
        for g_idx, g in enumerate(s.groups):
            key = g.category_id or f"g{g_idx + 1}"
            label = g.label or cats.get(g.category_id or "", "")
            for c in g.cards:
                if c in labels:
                    yield s.participant_id, c, labels[c], key, label, started, finished


def frame_from_sorts(study: Study, sorts: list[Sort]) -> pd.DataFrame:
    """The placements frame of stored sorts (cards unknown to the study are skipped)."""
    return pd.DataFrame([(0, *p) for p in _placements(study, sorts)], columns=list(FRAME_COLUMNS))


# --- writing ---------------------------------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Make a text cell safe to open in a spreadsheet: a leading = + - @ tab or CR gets a ``'``."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    writer.writerows([neutralise(v) for v in row] for row in rows)
    return out.getvalue()


def export_long(study: Study, sorts: list[Sort]) -> str:
    """Long CSV: ``participant, card, category, category_id, started_at, finished_at``."""
    return _csv([*LONG_COLUMNS, *LONG_OPTIONAL],
                ((p, label, group, key, t0, t1) for p, _, label, key, group, t0, t1 in _placements(study, sorts)))


def export_casolysis(study: Study, sorts: list[Sort]) -> str:
    """Kardsort's Casolysis CSV: ``card_id, card_label, category_id, category_label, user_id``."""
    return _csv(list(CASOLYSIS_COLUMNS),
                ((card, label, key, group, p) for p, card, label, key, group, _, _ in _placements(study, sorts)))


def export_json(study: Study, sorts: list[Sort]) -> str:
    """Our JSON: ``{"format": "cardsort", "version": 1, "study": {...}, "sorts": [...]}``."""
    return json.dumps({
        "format": "cardsort", "version": 1,
        "study": {"id": study.id, **study.to_spec()},
        "sorts": [s.to_dict() for s in sorts],
    }, ensure_ascii=False, indent=1)


def export(study: Study, sorts: list[Sort], fmt: str) -> str:
    """Export in one of :data:`FORMATS`."""
    writers = {"long": export_long, "casolysis": export_casolysis, "json": export_json}
    if fmt not in writers:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return writers[fmt](study, sorts)


def export_similarity(cards: list[str], similarity) -> str:
    """The similarity matrix as CSV: a ``card`` column, then one column per card."""
    return _csv(["card", *cards], ([card, *(f"{v:.4f}" for v in row)] for card, row in zip(cards, similarity)))
