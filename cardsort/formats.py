"""Import and export of card-sort results: long CSV, Kardsort "Casolysis" CSV and our JSON.

Every reader produces the same placements, one per card placed, with these columns
(all text):

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

Design for large files: a CSV file is memory-mapped, not copied (:func:`read_file`), and
goes to pyarrow as bytes (parsed in parallel, in about :data:`BLOCKS` blocks, from
:data:`PARALLEL_BYTES` up; UTF-8 checked there; the line of a bad byte is searched for only
when pyarrow refuses the file), and every text column stays *dictionary-encoded*: integer
codes per row plus the column's distinct values. Trimming and un-neutralising work on the
distinct values, and in Python only on those whose first or last byte is not an ASCII letter
or digit (:func:`_plain`); every check works on the integer codes, in linear time in the usual
case (groups: :func:`cardsort.table.factorize_pairs`), so their cost does not grow
with the length of the text, and :meth:`ParsedFile.table` builds the analysis arrays from
the codes directly. The pandas frame of :attr:`ParsedFile.frame` is built only when somebody
asks for it.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import mmap
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .table import SortTable, codes_of, factorize_pairs, first_duplicate

if TYPE_CHECKING:
    from .model import Sort, Study

# The model (with panels and questions) is imported by the functions that build studies and sorts:
# reading a CSV file for `analyze` never needs it (-7 ms of start-up).

FORMATS = ("long", "casolysis", "json")
CASOLYSIS_COLUMNS = ("card_id", "card_label", "category_id", "category_label", "user_id")
LONG_COLUMNS = ("participant", "card", "category")
LONG_OPTIONAL = ("category_id", "started_at", "finished_at")
FRAME_COLUMNS = ("line", "participant", "card_id", "card_label", "group_key", "group_label",
                 "started_at", "finished_at")
TEXT_COLUMNS = FRAME_COLUMNS[1:]
HEADER_BYTES = 65536  # the header must fit in the first 64 KiB

Coded = tuple[np.ndarray, np.ndarray]
"""A dictionary-encoded text column: int64 codes, shape (n_rows,), into distinct str values."""
Data = bytes | mmap.mmap
"""A file's bytes: in memory (an upload) or memory-mapped (:func:`read_file`)."""


class FormatError(ValueError):
    """Bad input file: ``str(err)`` names the file, the line (when known) and the problem."""

    def __init__(self, source: str, problem: str, line: int | None = None):
        self.source, self.problem, self.line = source, problem, line
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {problem}")


@dataclass
class ParsedFile:
    """What a reader found: the placements, and the study when the format carries one.

    Attributes
    ----------
    format : {'long', 'casolysis', 'json'}
    columns : dict of str to (codes, values)
        One dictionary-encoded column per name in :data:`TEXT_COLUMNS`; distinct values
        within each column.
    lines : ndarray of int, shape (n_placements,)
        The input line of each placement.
    study : Study or None
    answers : dict of str to dict
        Each participant's answers (``Sort.answers``), where the format carries them (our JSON).
    delimiter : str
        The character between columns of a CSV file (``,``, or ``;``, tab or ``|`` when the
        file uses one of those, see :func:`sniff_delimiter`); ``,`` for JSON.
    """

    format: str
    columns: dict[str, Coded]
    lines: np.ndarray
    study: Study | None = field(default=None)
    delimiter: str = ","
    answers: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def from_frame(cls, frame, fmt: str, study: Study | None = None) -> ParsedFile:
        """From a placements frame with the columns of :data:`FRAME_COLUMNS`."""
        return cls(format=fmt, columns={col: codes_of(frame[col]) for col in TEXT_COLUMNS},
                   lines=frame["line"].to_numpy().astype(np.int64), study=study)

    @cached_property
    def frame(self):
        """The placements frame: a :class:`pandas.DataFrame` with :data:`FRAME_COLUMNS`
        (text columns categorical), built on first use."""
        import pandas as pd

        data = {"line": self.lines}
        for col in TEXT_COLUMNS:
            codes, values = self.columns[col]
            data[col] = pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object))
        return pd.DataFrame(data, columns=list(FRAME_COLUMNS))

    def table(self, card_order: list[tuple[str, str]] | None = None) -> SortTable:
        """The placements as a :class:`SortTable` (cards in ``card_order``, by default as first seen)."""
        return SortTable.from_codes(self.columns, card_order)


# --- reading ---------------------------------------------------------------------------------

def _is_blank(data: Data) -> bool:
    return re.match(rb"(?:\xef\xbb\xbf)?\s*\Z", data) is not None


def _has_bom(data: Data) -> bool:
    return data[:len(codecs.BOM_UTF8)] == codecs.BOM_UTF8


def _decode(data: Data, source: str) -> str:
    if _is_blank(data):
        raise FormatError(source, "the file is empty")
    try:
        return bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise _not_utf8(data, err.start, source) from None


def _not_utf8(data: Data, offset: int, source: str) -> FormatError:
    line = data[:offset].count(b"\n") + 1
    return FormatError(source, f"not UTF-8 text (byte 0x{data[offset]:02x}); save the file as UTF-8", line)


def _header(data: Data, source: str, delimiter: str = ",") -> list[str]:
    """Column names of the first CSV record, as written; refuses bad UTF-8 in it.

    The first :data:`HEADER_BYTES` are decoded incrementally, so a character cut at the
    end of that window is not mistaken for a bad byte.
    """
    head = data[3:HEADER_BYTES] if _has_bom(data) else data[:HEADER_BYTES]
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=len(data) <= HEADER_BYTES)
    except UnicodeDecodeError as err:
        raise _not_utf8(head, err.start, source) from None
    try:
        return next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    except csv.Error as err:
        raise FormatError(source, f"not a readable CSV header ({err})", 1) from None


def _column_name(name: str) -> str:
    return name.strip().lower()


DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "a tab", "|": "'|'"}
_NEEDED = {"long": LONG_COLUMNS, "casolysis": CASOLYSIS_COLUMNS}


def sniff_delimiter(data: Data, source: str = "input", fmt: str = "auto") -> str:
    """The character between the columns of a CSV file: ``,`` unless the header holds the columns of
    ``fmt`` (any CSV format for ``'auto'``) only when split at ``;``, a tab or ``|`` (as spreadsheets
    save "CSV" in many locales), or is one column that one of those splits into several.
    """
    needed = [_NEEDED[fmt]] if fmt in _NEEDED else list(_NEEDED.values())
    headers = {d: {_column_name(n) for n in _header(data, source, d)} for d in DELIMITERS}
    for d in DELIMITERS:
        if any(set(columns) <= headers[d] for columns in needed):
            return d
    if len(headers[","]) <= 1:
        d = max(DELIMITERS, key=lambda d: len(headers[d]))
        if len(headers[d]) > 1:
            return d
    return ","


def _missing_columns(found: list[str], columns: tuple[str, ...], kind: str, delimiter: str) -> str:
    """'the file has no 'category' column (found: participant, card, group). A long CSV needs ...'."""
    present = {_column_name(n) for n in found}
    missing = [c for c in columns if c not in present]
    shown = ", ".join(n.strip() for n in found[:12]) + (", …" if len(found) > 12 else "")
    between = "" if delimiter == "," else f"; columns separated by {DELIMITER_NAMES[delimiter]}"
    quoted = [repr(c) for c in missing]
    names = ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else quoted[0]
    return (f"the file has no {names} column (found: {shown or 'nothing'}"
            f"{between}). A {kind} CSV needs {', '.join(columns)}")


def detect_format(data: Data, source: str = "input") -> str:
    """``'json'``, ``'casolysis'`` or ``'long'`` from the file's first bytes and CSV header.

    A header with some of one format's columns is refused naming the columns it lacks.
    """
    if _is_blank(data):
        raise FormatError(source, "the file is empty")
    if data[:HEADER_BYTES].decode("utf-8-sig", "replace").lstrip().startswith(("{", "[")):
        return "json"
    delimiter = sniff_delimiter(data, source)
    found = _header(data, source, delimiter)
    header = {_column_name(name) for name in found}
    if set(CASOLYSIS_COLUMNS) <= header:
        return "casolysis"
    if set(LONG_COLUMNS) <= header:
        return "long"
    long_hits, caso_hits = len(header & set(LONG_COLUMNS)), len(header & set(CASOLYSIS_COLUMNS))
    if long_hits != caso_hits:
        kind, columns = ("long", LONG_COLUMNS) if long_hits > caso_hits else ("Casolysis", CASOLYSIS_COLUMNS)
        raise FormatError(source, _missing_columns(found, columns, kind, delimiter), 1)
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
        data = _contents(path)
    except OSError as err:
        raise FormatError(str(path), f"cannot read the file ({err.strerror})") from None
    return read_bytes(data, fmt, source=path.name)


def _contents(path: Path) -> Data:
    """The file's bytes, memory-mapped where the file can be: pyarrow parses the page cache in place,
    where a copy would cost a tenth of a second and as much memory as the file on 100 MB.

    Empty files and pipes cannot be mapped and are read. The map is closed when it is no longer
    referenced, not here: a parse error's traceback may still hold a pyarrow view of it.
    """
    with open(path, "rb") as f:
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # ValueError: an empty file
            return f.read()


def read_bytes(data: Data, fmt: str = "auto", source: str = "input") -> ParsedFile:
    """Like :func:`read_file`, for bytes already in memory (an upload)."""
    if fmt not in ("auto", *FORMATS):
        raise ValueError(f"format must be one of auto, {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "auto":
        fmt = detect_format(data, source)
    if fmt == "json":
        return _read_json(_decode(data, source), source)
    if _is_blank(data):
        raise FormatError(source, "the file is empty")
    delimiter = sniff_delimiter(data, source, fmt)
    header = _header(data, source, delimiter)
    needed = CASOLYSIS_COLUMNS if fmt == "casolysis" else LONG_COLUMNS
    if not set(needed) <= {_column_name(n) for n in header}:
        raise FormatError(source, _missing_columns(header, needed, "Casolysis" if fmt == "casolysis" else "long",
                                                   delimiter), 1)
    raw, n_rows = _read_csv(data, source, delimiter)
    columns = _from_casolysis(raw, n_rows, source) if fmt == "casolysis" else _from_long(raw, n_rows, source)
    lines = np.arange(2, n_rows + 2, dtype=np.int64)
    _validate(columns, lines, source)
    return ParsedFile(format=fmt, columns=columns, lines=lines, delimiter=delimiter)


PARALLEL_BYTES = 8 * 1024 * 1024
"""Files at least this large are parsed on all cores (about 150,000 placements)."""
BLOCKS = 16
"""A file parsed on all cores is cut into about this many blocks (of at least pyarrow's default 1 MiB)."""


def _read_options(n_bytes: int):
    """pyarrow's read options for a file of ``n_bytes``: threads and block size.

    Threads only where they pay: pyarrow's thread pool can abort the process at interpreter exit
    ("terminate called without an active exception", apache/arrow#34314; seen here about once in 30
    runs on a busy machine), and a small file parses as fast on one thread. Every block gets its own
    dictionaries, which :meth:`pyarrow.Table.unify_dictionaries` then merges, so a few large blocks
    cost less than pyarrow's default of 1 MiB (a third less CPU on a 100 MB file) and still keep
    every core busy.
    """
    import pyarrow.csv as pacsv

    if n_bytes < PARALLEL_BYTES:
        return pacsv.ReadOptions(use_threads=False)
    return pacsv.ReadOptions(use_threads=True, block_size=max(n_bytes // BLOCKS, 1 << 20))


def _read_csv(data: Data, source: str, delimiter: str = ",") -> tuple[dict[str, Coded], int]:
    """Parse CSV bytes into dictionary-encoded columns (by stripped, lower-case name) and the row count.

    pyarrow parses (in parallel from :data:`PARALLEL_BYTES` up), checks the UTF-8 and dictionary-encodes every column;
    the values are then trimmed and un-neutralised (see :func:`_clean`).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    nul = data.find(b"\x00")
    if nul >= 0:  # no database stores NUL in text, and no person typed one (a physical line; no CSV quoting)
        raise FormatError(source, "a cell contains a NUL character", data[:nul].count(b"\n") + 1)
    text_type = pa.dictionary(pa.int32(), pa.string())
    body = pa.py_buffer(data)
    if _has_bom(data):
        body = body[len(codecs.BOM_UTF8):]
    try:
        table = pacsv.read_csv(pa.BufferReader(body), read_options=_read_options(len(data)),
                               parse_options=pacsv.ParseOptions(delimiter=delimiter),
                               convert_options=pacsv.ConvertOptions(
            column_types={name: text_type for name in _header(data, source, delimiter)}, check_utf8=True,
            strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError) as err:  # ValueError: also UnicodeDecodeError
        _decode(data, source)  # a bad byte: name its line
        problem = str(err).splitlines()[0]
        raise FormatError(source, f"not a readable CSV file ({problem})") from None
    names = [_column_name(name) for name in table.column_names]
    for i, name in enumerate(names):
        if name in names[:i] and name in (*CASOLYSIS_COLUMNS, *LONG_COLUMNS, *LONG_OPTIONAL):
            raise FormatError(source, f"column {name!r} appears twice in the header", 1)
    if table.num_rows == 0:
        raise FormatError(source, "no rows after the header", 1)
    table = table.unify_dictionaries()  # one dictionary per column, shared by its chunks
    columns = {}
    for name, column in zip(names, table.columns):
        if name in columns:  # a second copy of a column nobody reads
            continue
        if not pa.types.is_dictionary(column.type):  # a name our header parse read differently
            column = pa.chunked_array([column.combine_chunks().cast(pa.string()).dictionary_encode()])
        columns[name] = _clean(_int_codes(column), column.chunk(0).dictionary)
    return columns, table.num_rows


def _int_codes(column) -> np.ndarray:
    """The indices of a dictionary-encoded pyarrow column without nulls, as one int64 NumPy array.

    Read from each chunk's index buffer (Arrow's documented layout: validity, then values) because
    ``Array.to_numpy`` imports pandas, which the analysis never needs; the chunks are widened
    straight into the result, with no combined int32 copy in between.
    """
    def indices(chunk) -> np.ndarray:
        ints = chunk.indices
        return np.frombuffer(ints.buffers()[1], dtype=np.int32, count=len(ints) + ints.offset)[ints.offset:]

    return np.concatenate([indices(chunk) for chunk in column.chunks], dtype=np.int64)


def _require(raw: dict[str, Coded], columns: tuple[str, ...], source: str, kind: str) -> None:
    missing = [c for c in columns if c not in raw]
    if missing:
        raise FormatError(source, f"missing column {missing[0]!r} ({kind} CSV needs "
                          f"{', '.join(columns)})", 1)


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection")."""
_FORMULA_CHAR = "[" + re.escape("".join(FORMULA_START)) + "]"
_NEUTRALISED = re.compile(f"^'(?='*{_FORMULA_CHAR})")  # the quote :func:`neutralise` adds


def _merge_equal(codes: np.ndarray, values: list[str]) -> Coded:
    """Re-encode so that equal values share one code (first spelling's position kept)."""
    position: dict[str, int] = {}
    remap = np.array([position.setdefault(v, len(position)) for v in values], dtype=np.int64)
    distinct = np.empty(len(position), dtype=object)
    distinct[:] = list(position)
    if len(position) == len(values) and (remap == np.arange(len(values))).all():
        return codes, distinct
    return remap[codes], distinct


_ALNUM = np.zeros(256, dtype=bool)
_ALNUM[list(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")] = True


def _plain(values) -> np.ndarray:
    """Boolean mask over a pyarrow string array: the value is empty, or its first and last bytes are
    ASCII letters or digits, so there is no space to trim and no quote to drop.

    Read from the array's offsets and UTF-8 bytes (Arrow's layout: validity, offsets, data),
    without making a Python string per value. Any other value (a space, a quote, punctuation
    or a non-ASCII character at an end) is left to :func:`_clean`'s Python code.
    """
    _, offsets, data = values.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32, count=len(values) + 1 + values.offset)[values.offset:]
    start, end = bounds[:-1], bounds[1:]
    # one byte of padding: an empty value's "first byte" may sit just past the data
    text = np.append(np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8), 0)
    return (start == end) | (_ALNUM[text[start]] & _ALNUM[text[end - 1]])


def _clean(codes: np.ndarray, values) -> Coded:
    """Trim spaces and undo :func:`neutralise` (a ``'`` before = + - @), so exports round-trip.

    Works on the distinct values only (``values``: a pyarrow string array), and in Python only
    on those :func:`_plain` cannot vouch for; values that become equal share one code.
    """
    texts = values.to_pylist()
    cleaned = list(texts)
    for i in np.flatnonzero(~_plain(values)).tolist():
        cleaned[i] = _NEUTRALISED.sub("", texts[i].strip())
    if cleaned == texts:  # nothing changed: the values are still distinct (pyarrow's dictionary)
        return codes, np.array(texts, dtype=object)
    return _merge_equal(codes, cleaned)


def _constant(value: str, n: int) -> Coded:
    return np.zeros(n, dtype=np.int64), np.array([value], dtype=object)


def _from_casolysis(raw: dict[str, Coded], n: int, source: str) -> dict[str, Coded]:
    _require(raw, CASOLYSIS_COLUMNS, source, "Casolysis")
    return {
        "participant": raw["user_id"],
        "card_id": raw["card_id"],
        "card_label": raw["card_label"],
        "group_key": raw["category_id"],
        "group_label": raw["category_label"],
        "started_at": _constant("", n),
        "finished_at": _constant("", n),
    }


def _from_long(raw: dict[str, Coded], n: int, source: str) -> dict[str, Coded]:
    _require(raw, LONG_COLUMNS, source, "long")
    label = raw["category"]
    key = label
    if "category_id" in raw:  # the id, or the label where the id cell is empty
        (id_codes, ids), (label_codes, labels) = raw["category_id"], label
        pairs, first_rows = factorize_pairs(id_codes, label_codes)
        key = _merge_equal(pairs, [ids[id_codes[r]] or labels[label_codes[r]] for r in first_rows])
    return {
        "participant": raw["participant"],
        "card_id": raw["card"],
        "card_label": raw["card"],
        "group_key": key,
        "group_label": label,
        "started_at": raw.get("started_at", _constant("", n)),
        "finished_at": raw.get("finished_at", _constant("", n)),
    }


def _first_of_duplicate(keys: np.ndarray, rows: np.ndarray | None = None) -> int | None:
    """Row of the first key already seen earlier (restricted to ``rows`` when given)."""
    row = first_duplicate(keys if rows is None else keys[rows])
    if row is None or rows is None:
        return row
    return int(rows[row])


def _validate(codes: dict[str, Coded], lines: np.ndarray, source: str) -> None:
    """Checks shared by every format: empty values, cards placed twice, inconsistent ids.

    All checks run on integer codes of the distinct values, so they stay fast on
    millions of rows; the error names the first offending line.

    Parameters
    ----------
    codes : dict of str to (codes, values)
        The columns of :data:`TEXT_COLUMNS`.
    lines : ndarray of int, shape (n_placements,)
    """
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
    placement = codes["participant"][0] * (len(codes["card_id"][1]) + 1) + codes["card_id"][0]
    row = _first_of_duplicate(placement)
    if row is not None:
        first = int(np.flatnonzero(placement == placement[row])[0])
        raise FormatError(
            source,
            f"card {value('card_label', row)!r} is placed twice by participant {value('participant', row)!r} "
            f"(first on line {int(lines[first])})",
            int(lines[row]),
        )
    _, cards = factorize_pairs(codes["card_id"][0], codes["card_label"][0])
    row = _first_of_duplicate(codes["card_id"][0], cards)
    if row is not None:
        raise FormatError(source, f"card id {value('card_id', row)!r} has two labels", int(lines[row]))
    row = _first_of_duplicate(codes["card_label"][0], cards)
    if row is not None:
        raise FormatError(source, f"card label {value('card_label', row)!r} has two ids", int(lines[row]))
    group, group_first = factorize_pairs(codes["participant"][0], codes["group_key"][0])
    label = codes["group_label"][0]
    relabelled = label != label[group_first][group]  # a label other than the group's first one
    if relabelled.any():
        row = int(np.argmax(relabelled))
        raise FormatError(
            source, f"category id {value('group_key', row)!r} of participant {value('participant', row)!r} "
            "has two labels", int(lines[row]))
    for col in ("started_at", "finished_at"):
        c, v = codes[col]
        for i, text in enumerate(v):
            if text == "":  # no time: nothing to parse (a CSV without these columns has only this value)
                continue
            from .model import parse_time
            try:
                parse_time(text, col)
            except ValueError as err:
                raise FormatError(source, str(err), int(lines[np.flatnonzero(c == i)[0]])) from None


def _read_json(text: str, source: str) -> ParsedFile:
    from .model import sort_from_dict, study_from_spec
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
    answers: dict[str, dict[str, str]] = {}
    seen_participants: set[str] = set()
    for i, raw in enumerate(data["sorts"], start=1):
        try:
            sort = sort_from_dict(raw)
        except ValueError as err:
            raise FormatError(source, f"sort {i}: {err}") from None
        if sort.participant_id in seen_participants:
            raise FormatError(source, f"sort {i}: participant {sort.participant_id!r} appears twice")
        seen_participants.add(sort.participant_id)
        if sort.answers:
            answers[sort.participant_id] = sort.answers
        for g_idx, g in enumerate(sort.groups):
            label = g.label or next((c.label for c in study.categories if c.id == g.category_id), "")
            for card in g.cards:
                if card not in labels:
                    raise FormatError(source, f"sort {i}: unknown card id {card!r}")
                rows.append((i, sort.participant_id, card, labels[card], g.category_id or f"g{g_idx + 1}",
                             label, _iso(sort.started_at), _iso(sort.finished_at)))
    parsed = ParsedFile.from_frame(_frame(rows), "json", study)
    parsed.answers = answers
    if rows:
        label_codes, group_labels = parsed.columns["group_label"]
        named = _merge_equal(label_codes, [v or "-" for v in group_labels])  # unnamed piles are allowed here
        _validate({**parsed.columns, "group_label": named}, parsed.lines, source)
    return parsed


def _frame(rows: list[tuple]):
    """A placements frame (:data:`FRAME_COLUMNS`) from row tuples."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    frame["line"] = frame["line"].astype(int)
    return frame


def _iso(t) -> str:
    return t.isoformat() if t else ""


# --- frame <-> sorts -------------------------------------------------------------------------

def sorts_for_study(parsed: ParsedFile, study: Study, source: str = "input") -> list[Sort]:
    """Turn a parsed file into :class:`Sort` objects that reference ``study``'s cards and categories.

    Cards are matched by id, else by label; in closed and hybrid studies groups are
    matched to the study's categories by id, else by label. An unknown card (any
    study) or an unknown category (closed study) is a :class:`FormatError` naming the line.
    Answers the file carries (our JSON) are kept where they fit ``study``'s questions
    (:func:`cardsort.questions.clean_answers`).
    """
    from .model import Group, Sort, parse_time
    from .questions import clean_answers
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
            answers=clean_answers(study.questions, parsed.answers.get(str(participant))),
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


def frame_from_sorts(study: Study, sorts: list[Sort]):
    """The placements frame (:class:`pandas.DataFrame`) of stored sorts (cards unknown to the study are skipped)."""
    return _frame([(0, *p) for p in _placements(study, sorts)])


# --- writing ---------------------------------------------------------------------------------

_NEEDS_QUOTE = re.compile(f"'*{_FORMULA_CHAR}")


def neutralise(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run as a formula; the one such rule for every CSV the project writes.

    The rule set is OWASP's ("CSV Injection"): a text cell whose first character is one of
    :data:`FORMULA_START` (``= + - @``, tab, carriage return) gets a leading ``'``, which spreadsheets
    read as "this is text". It is the stricter of the two rules the project had: a cell that already
    starts with quotes before such a character (``'=x``) gets one more (``''=x``), so that the importer,
    which drops one ``'`` there (:func:`_clean`), reads back exactly what was written. Anything else,
    and values that are not text (numbers, ``None``), is returned unchanged.

    Examples
    --------
    >>> [neutralise(v) for v in ("=1+1", "-2", "'@x", "a=b", "", 3)]
    ["'=1+1", "'-2", "''@x", 'a=b', '', 3]
    """
    if isinstance(value, str) and _NEEDS_QUOTE.match(value):
        return "'" + value
    return value


def csv_text(header: list[str], rows) -> str:
    """CSV text, one row per line, every cell :func:`neutralise`-d; the writer of every card-sort CSV export.

    The csv module quotes a cell holding ``\n`` but not one holding a bare ``\r``,
    which spreadsheets take as the end of a row; rows with such a cell are fully quoted.
    """
    out = io.StringIO()
    plain = csv.writer(out, lineterminator="\n")
    quoted = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    for row in itertools.chain([header], rows):
        cells = [neutralise(v) for v in row]
        (quoted if any(isinstance(c, str) and "\r" in c for c in cells) else plain).writerow(cells)
    return out.getvalue()


TAG_PREFIX = "tag:"


def tag_names(sorts: list[Sort]) -> list[str]:
    """Every tag name of these sorts (see :attr:`cardsort.model.Sort.tags`), in the order first met."""
    return list(dict.fromkeys(name for s in sorts for name in s.tags))


def export_long(study: Study, sorts: list[Sort]) -> str:
    """Long CSV: ``participant, card, category, category_id, started_at, finished_at``, then extra columns
    that readers ignore, each on every row of its participant.

    A study with questions (:mod:`cardsort.questions`) gets one ``answer_<question id>`` column per
    question (the answer in its stored text form), and one ``tag:<name>`` column per tag any sort has
    (a panel's URL parameters; empty where a participant has none).
    """
    names = tag_names(sorts)
    questions = study.questions
    extra = {s.participant_id: [*(s.answers.get(q.id, "") for q in questions), *(s.tags.get(n, "") for n in names)]
             for s in sorts} if names or questions else {}
    return csv_text([*LONG_COLUMNS, *LONG_OPTIONAL, *(f"answer_{q.id}" for q in questions),
                     *(TAG_PREFIX + n for n in names)],
                    ((p, label, group, key, t0, t1, *extra.get(p, ()))
                     for p, _, label, key, group, t0, t1 in _placements(study, sorts)))


def export_casolysis(study: Study, sorts: list[Sort]) -> str:
    """Kardsort's Casolysis CSV: ``card_id, card_label, category_id, category_label, user_id``.

    Exactly Kardsort's columns, so no answers: they are in the long CSV, the JSON and the answers CSV.
    """
    return csv_text(list(CASOLYSIS_COLUMNS),
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
    return csv_text(["card", *cards], ([card, *(f"{v:.4f}" for v in row)] for card, row in zip(cards, similarity)))
