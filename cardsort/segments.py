"""Segments: which participants an analysis reads, and how two segments' results differ.

A :class:`Segment` is a small declarative filter over submitted sorts: questionnaire answers
(``Sort.answers``) and URL tags (``Sort.tags``) equal to one of some values, a completion time range and a
range of time taken. It round-trips through a compact JSON object (:meth:`Segment.to_json`,
:func:`segment_from_json`), so a page address (``?segment=...``) or a command line (``--segment``) can carry it.
:func:`matching` selects the sorts a segment keeps; :func:`cardsort.loading.load_table` takes a segment too.

:func:`compare_pairs` sets two segments' similarity side by side, pair by pair: each segment's share with
its n (participants who saw both cards), the difference with Newcombe's hybrid score 95 % interval, Fisher's
exact p-value and Benjamini–Hochberg q-values over all pairs compared (docs/architecture.md, "Segments").
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np

from .keys import refuse_unknown
from .model import Sort, parse_time
from .similarity import count_pairs
from .table import SortTable

Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: two-sided 95 %
MAX_OPTIONS = 30  # an answer or tag with more distinct values than this is free text, not a filter
FREE_TEXT = ("comments", "hard_cards")  # the optional questions after sorting (cardsort.comments)
_KEYS = ("answers", "tags", "finished_from", "finished_until", "min_seconds", "max_seconds", "invert")


@dataclass(frozen=True)
class Segment:
    """Which sorts to analyse; every condition given must hold (an empty segment keeps every sort).

    Attributes
    ----------
    answers, tags : tuple of (str, tuple of str)
        ``(question id, values)``: the sort's answer to the question (its URL tag) is one of the values.
        A sort without that answer (tag) does not match.
    finished_from, finished_until : datetime, optional
        Completion time in ``[finished_from, finished_until)``; a sort without one does not match.
    min_seconds, max_seconds : float, optional
        Time taken (``finished_at - started_at``) between these, both ends included; a sort without
        both times does not match.
    invert : bool
        Keep the sorts the conditions do not keep instead ("everyone else").
    """

    answers: tuple[tuple[str, tuple[str, ...]], ...] = ()
    tags: tuple[tuple[str, tuple[str, ...]], ...] = ()
    finished_from: datetime | None = None
    finished_until: datetime | None = None
    min_seconds: float | None = None
    max_seconds: float | None = None
    invert: bool = False

    def __bool__(self) -> bool:
        """Whether the segment filters anything (the inverse of everyone is no one: it filters too)."""
        return self.invert or bool(self.answers or self.tags) or any(
            v is not None for v in (self.finished_from, self.finished_until, self.min_seconds, self.max_seconds))

    def matches(self, sort: Sort) -> bool:
        return self._conditions_hold(sort) != self.invert

    def inverted(self) -> Segment:
        """Everyone this segment leaves out."""
        return replace(self, invert=not self.invert)

    def _conditions_hold(self, sort: Sort) -> bool:
        for values, wanted in ((sort.answers, self.answers), (sort.tags, self.tags)):
            if any(values.get(key) not in allowed for key, allowed in wanted):
                return False
        if self.finished_from is not None or self.finished_until is not None:
            if sort.finished_at is None:
                return False
            if self.finished_from is not None and sort.finished_at < self.finished_from:
                return False
            if self.finished_until is not None and sort.finished_at >= self.finished_until:
                return False
        if self.min_seconds is not None or self.max_seconds is not None:
            if sort.started_at is None or sort.finished_at is None:
                return False
            seconds = (sort.finished_at - sort.started_at).total_seconds()
            if self.min_seconds is not None and seconds < self.min_seconds:
                return False
            if self.max_seconds is not None and seconds > self.max_seconds:
                return False
        return True

    def to_dict(self) -> dict[str, Any]:
        """The segment as a JSON-ready object with only the conditions set (``{}`` for everyone)."""
        out: dict[str, Any] = {}
        for name in ("answers", "tags"):
            if getattr(self, name):
                out[name] = {key: list(values) for key, values in getattr(self, name)}
        for name in ("finished_from", "finished_until"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name).isoformat()
        for name in ("min_seconds", "max_seconds"):
            value = getattr(self, name)
            if value is not None:
                out[name] = int(value) if float(value).is_integer() else value
        if self.invert:
            out["invert"] = True
        return out

    def to_json(self) -> str:
        """Compact JSON, the same text for the same segment (a cache key, a page address, ``--segment``)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    def describe(self) -> str:
        """The segment in words, e.g. ``role is student or staff; took 2–10 min``."""
        parts = [f"{key} is {' or '.join(values) if values else '(nothing)'}" for key, values in self.answers]
        parts += [f"tag {key} is {' or '.join(values) if values else '(nothing)'}" for key, values in self.tags]
        stamp = "%Y-%m-%d %H:%M"
        if self.finished_from is not None and self.finished_until is not None:
            parts.append(f"completed from {self.finished_from:{stamp}} until {self.finished_until:{stamp}} UTC")
        elif self.finished_from is not None:
            parts.append(f"completed from {self.finished_from:{stamp}} UTC")
        elif self.finished_until is not None:
            parts.append(f"completed before {self.finished_until:{stamp}} UTC")
        low, high = (None if s is None else _minutes(s) for s in (self.min_seconds, self.max_seconds))
        if low is not None and high is not None:
            parts.append(f"took {low}–{high} min")
        elif low is not None:
            parts.append(f"took at least {low} min")
        elif high is not None:
            parts.append(f"took at most {high} min")
        said = "; ".join(parts) or "everyone"
        if self.invert:
            return f"everyone except: {said}" if parts else "no one"
        return said


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.4g}"


EVERYONE = Segment()


def _conditions(data: Any, name: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if data is None:
        return ()
    if not isinstance(data, dict):
        raise ValueError(f"segment {name} must be an object of question ids to a value or a list of values")
    out = []
    for key, values in sorted(data.items()):
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ValueError(f"segment {name}.{key} must be text or a list of texts, not {values!r}")
        out.append((str(key), tuple(sorted(set(values)))))
    return tuple(out)


def _seconds(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise ValueError(f"segment {name} must be a number of seconds, 0 or more, not {value!r}")
    return float(value)


def _flag(value: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(f"segment invert must be true or false, not {value!r}")
    return value


def segment_from_dict(data: Any) -> Segment:
    """Build a :class:`Segment` from its JSON object (see :meth:`Segment.to_dict`).

    Raises
    ------
    ValueError
        Naming the problem: an unknown key, a value that is not text, a time that is not ISO 8601,
        a range whose start is after its end.
    """
    if data is None:
        return EVERYONE
    if not isinstance(data, dict):
        raise ValueError("a segment must be a JSON object")
    refuse_unknown(data, _KEYS, "segment key")
    segment = Segment(
        answers=_conditions(data.get("answers"), "answers"), tags=_conditions(data.get("tags"), "tags"),
        finished_from=parse_time(data.get("finished_from"), "segment finished_from"),
        finished_until=parse_time(data.get("finished_until"), "segment finished_until"),
        min_seconds=_seconds(data.get("min_seconds"), "min_seconds"),
        max_seconds=_seconds(data.get("max_seconds"), "max_seconds"), invert=_flag(data.get("invert")))
    if segment.finished_from and segment.finished_until and segment.finished_from >= segment.finished_until:
        raise ValueError("segment finished_from must be before finished_until")
    if segment.min_seconds is not None and segment.max_seconds is not None \
            and segment.min_seconds > segment.max_seconds:
        raise ValueError("segment min_seconds must not be more than max_seconds")
    return segment


def segment_from_json(text: str | None) -> Segment:
    """Parse :meth:`Segment.to_json` (or any JSON object :func:`segment_from_dict` takes); ''/None: everyone."""
    if text is None or not text.strip():
        return EVERYONE
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise ValueError(f"the segment is not valid JSON ({err.msg})") from None
    return segment_from_dict(data)


def matching(sorts: Iterable[Sort], segment: Segment) -> list[str]:
    """The participant ids of the sorts the segment keeps, in the order given."""
    return [s.participant_id for s in sorts if segment.matches(s)]


def options(sorts: Iterable[Sort], attribute: str = "answers", max_values: int = MAX_OPTIONS,
            skip: Collection[str] = FREE_TEXT) -> dict[str, list[tuple[str, int]]]:
    """What a segment can filter on: per question (``'answers'``) or tag (``'tags'``), its values with how
    many sorts have each, most frequent first; the ``skip`` questions and those with more than ``max_values``
    distinct values (free text) are left out."""
    counts: dict[str, Counter[str]] = {}
    for sort in sorts:
        for key, value in getattr(sort, attribute).items():
            if key in skip:
                continue
            counts.setdefault(key, Counter())[value] += 1
    return {key: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))
            for key, c in sorted(counts.items()) if len(c) <= max_values}


# --- comparing two segments ---------------------------------------------------------------------

def wilson_interval(successes: np.ndarray, n: np.ndarray, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval of proportions ``successes / n`` (n > 0), elementwise."""
    x, n = np.asarray(successes, dtype=float), np.asarray(n, dtype=float)
    z2 = z * z
    centre = (x + z2 / 2) / (n + z2)
    half = z * np.sqrt(x * (n - x) / n + z2 / 4) / (n + z2)
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def newcombe_interval(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray,
                      z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's hybrid score interval (1998, method 10) of ``x1/n1 - x2/n2``, from both Wilson intervals."""
    p1, p2 = np.asarray(x1) / np.asarray(n1), np.asarray(x2) / np.asarray(n2)
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    d = p1 - p2
    return d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)


def fisher_exact(x1: np.ndarray, n1: np.ndarray, x2: np.ndarray, n2: np.ndarray,
                 budget: int = 2_000_000) -> np.ndarray:
    """Two-sided p-values of Fisher's exact test of ``x1/n1`` against ``x2/n2``, elementwise.

    Given both margins, the count in the first sample is hypergeometric; the p-value sums the
    probabilities of every table no more likely than the observed one (relative tolerance 1e-7, as R
    and SciPy do). It is the exact permutation test: shuffling participants between the two segments.
    Memory stays near ``budget`` grid cells whatever the sample sizes.
    """
    x1, n1, x2, n2 = (np.asarray(v, dtype=np.int64).ravel() for v in (x1, n1, x2, n2))
    out = np.ones(len(x1))
    if not len(x1):
        return out
    from scipy.special import gammaln

    log_fact = gammaln(np.arange(int((n1 + n2).max()) + 2) + 1.0)

    def log_choose(n, k):
        return log_fact[n] - log_fact[k] - log_fact[n - k]

    total = x1 + x2
    chunk = max(1, budget // (int(n1.max()) + 1))  # pairs at a time: about ``budget`` cells of the grid
    for lo in range(0, len(x1), chunk):
        s = slice(lo, lo + chunk)
        a, m, b, t = x1[s, None], n1[s, None], n2[s, None], total[s, None]
        k = np.arange(int(m.max()) + 1)[None, :]
        valid = (k >= np.maximum(0, t - b)) & (k <= np.minimum(m, t))
        kk, rest = np.where(valid, k, 0), np.where(valid, t - k, 0)
        log_p = log_choose(m, kk) + log_choose(b, rest) - log_choose(m + b, t)
        observed = log_choose(m, a) + log_choose(b, t - a) - log_choose(m + b, t)
        keep = valid & (log_p <= observed + 1e-7)
        out[s] = np.minimum(1.0, np.where(keep, np.exp(log_p), 0.0).sum(axis=1))
    return out


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values): the smallest false discovery rate at which each
    test is called a difference, over all the tests given."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if not m:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(q, 1.0)
    return out


@dataclass(frozen=True)
class PairDifferences:
    """Pairs of cards whose similarity differs between segment A and segment B, most different first.

    Every array has one entry per pair compared (pairs that at least one participant of each segment saw
    both cards of). ``share_a = together_a / seen_a``; ``difference = share_a - share_b`` with its
    Newcombe 95 % interval ``[low, high]``; ``p`` is Fisher's exact two-sided p-value and ``q`` the
    Benjamini–Hochberg q-value over all ``n_compared`` pairs.
    """

    cards: tuple[str, ...]
    first: np.ndarray
    second: np.ndarray
    together_a: np.ndarray
    seen_a: np.ndarray
    together_b: np.ndarray
    seen_b: np.ndarray
    difference: np.ndarray
    low: np.ndarray
    high: np.ndarray
    p: np.ndarray
    q: np.ndarray
    n_pairs: int = 0  # every pair of cards, compared or not
    overlap: tuple[str, ...] = field(default=())  # participants in both segments (the test assumes none)

    @property
    def n_compared(self) -> int:
        return len(self.first)

    def rows(self, top: int | None = None) -> list[dict[str, Any]]:
        """The pairs as JSON-ready rows, the ``top`` most different first (all by default)."""
        out = []
        for i in range(self.n_compared if top is None else min(top, self.n_compared)):
            out.append({
                "card_a": self.cards[self.first[i]], "card_b": self.cards[self.second[i]],
                "together_a": int(self.together_a[i]), "seen_a": int(self.seen_a[i]),
                "share_a": round(float(self.together_a[i] / self.seen_a[i]), 4),
                "together_b": int(self.together_b[i]), "seen_b": int(self.seen_b[i]),
                "share_b": round(float(self.together_b[i] / self.seen_b[i]), 4),
                "difference": round(float(self.difference[i]), 4),
                "low": round(float(self.low[i]), 4), "high": round(float(self.high[i]), 4),
                "p": round(float(self.p[i]), 6), "q": round(float(self.q[i]), 6)})
        return out


def compare_pairs(a: SortTable, b: SortTable, overlap: Sequence[str] = ()) -> PairDifferences:
    """Each pair of cards' similarity in two segments' tables of one study, most different first.

    Both tables must have the same cards in the same order (:func:`cardsort.loading.load_table` of one
    study gives that). Pairs are ordered by the size of the difference, then by p-value, then by the
    cards' order; the q-values adjust for every pair compared, not only the ones shown.
    """
    if a.card_ids != b.card_ids:
        raise ValueError("the two segments' tables must have the same cards in the same order")
    together_a, seen_a = count_pairs(a)
    together_b, seen_b = count_pairs(b)
    first, second = np.triu_indices(a.n_cards, k=1)
    compared = (seen_a[first, second] > 0) & (seen_b[first, second] > 0)
    first, second = first[compared], second[compared]
    xa, na = together_a[first, second], seen_a[first, second]
    xb, nb = together_b[first, second], seen_b[first, second]
    difference = xa / na - xb / nb
    low, high = newcombe_interval(xa, na, xb, nb)
    p = fisher_exact(xa, na, xb, nb)
    q = benjamini_hochberg(p)
    order = np.lexsort((np.arange(len(first)), p, -np.round(np.abs(difference), 12)))
    return PairDifferences(
        cards=a.cards, first=first[order], second=second[order], together_a=xa[order], seen_a=na[order],
        together_b=xb[order], seen_b=nb[order], difference=difference[order], low=low[order], high=high[order],
        p=p[order], q=q[order], n_pairs=a.n_cards * (a.n_cards - 1) // 2, overlap=tuple(overlap))


def overlap(sorts: Sequence[Sort], a: Segment, b: Segment) -> list[str]:
    """Participants both segments keep, in the order of ``sorts``."""
    return [s.participant_id for s in sorts if a.matches(s) and b.matches(s)]
