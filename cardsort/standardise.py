"""Label standardisation: merging participants' category labels that mean the same.

Suggestions come from two steps. Labels first meet under :func:`cardsort.naming.normalise_label`
(case, Unicode forms, Arabic/Persian letter variants, zero-width non-joiners, edge punctuation), so
"Help", "help!" and "HELP" are one key. Keys are then compared with RapidFuzz's
``token_set_ratio`` (0-100): 100 when one label's words are all in the other ("Help" and
"Help & support"), high for spelling and inflection variants ("Оплата"/"Оплаты",
"Ödeme"/"Ödemeler"). Keys scoring at least :data:`DEFAULT_THRESHOLD` with a more-used key join
its suggestion; each suggestion is a star around its most-used key, so no chain of
look-alikes ("Shop" - "Shops" - "Shows") merges labels that are far apart.

Two guards keep the fuzzy step from merging labels that mean different things:

- a key joins a suggestion only if it is :func:`compatible` with every key already in it:
  when each label has words the other lacks, those words must be spelling or inflection
  variants of each other, so "Future students" and "Current students", or "Undergraduate
  courses" and "Postgraduate courses", stay apart while "Help" and "Help & support" meet
  (filler such as "&", "and", "the" and "us" does not count as a word, see :data:`FILLER`);
- labels that are mostly a card's own name (a participant who calls a one-card group after
  the card in it, :func:`card_named_keys`) are left out of suggestions.

Suggestions show and propose what participants wrote: each key in its most common original
spelling, and the proposed name is the most common spelling across the suggestion.

The UX lead accepts, rejects or edits each suggestion; decisions are stored per label key
(:func:`cardsort.store.save_label_decisions`) and :func:`apply_decisions` rewrites a
:class:`~cardsort.table.SortTable`'s group labels through them before any analysis.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd

from .naming import normalise_label
from .table import SortTable

DEFAULT_THRESHOLD = 75  # catches Turkish plurals ("Ödeme"/"Ödemeler" scores 77); "Help"/"Hello" scores 67
STATUSES = ("accepted", "rejected", "edited")
MERGING = ("accepted", "edited")
# Words that do not tell two labels apart ("Help & support" / "Help and support", "About us" / "About").
FILLER = frozenset({
    "and", "or", "the", "a", "an", "of", "for", "to", "in", "on", "at", "with", "us", "our", "your", "my",
    "und", "et", "y", "и", "ve", "و",
})
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class LabelDecision:
    """The UX lead's decision on one label key.

    ``accepted`` and ``edited`` map every label with ``label_key`` to ``standard_label``
    (edited: a name the lead typed); ``rejected`` keeps the participants' labels and stops
    the suggestion from coming back.
    """

    label_key: str
    standard_label: str
    status: str

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if not self.label_key:
            raise ValueError("label_key must not be empty")
        if self.status in MERGING and not self.standard_label.strip():
            raise ValueError("a merged label needs a non-empty standard label")

    def to_row(self) -> dict[str, str]:
        return {"label_key": self.label_key, "standard_label": self.standard_label, "status": self.status}


def decisions_from_rows(rows: Iterable[dict[str, str]]) -> list[LabelDecision]:
    """:class:`LabelDecision` objects from :func:`cardsort.store.load_label_decisions` rows."""
    return [LabelDecision(r["label_key"], r["standard_label"], r["status"]) for r in rows]


@dataclass(frozen=True)
class Suggestion:
    """Labels that probably mean the same.

    Attributes
    ----------
    standard_label : str
        Proposed name: the most frequent original spelling among all its labels (ties: the spelling
        of the more used key, then code-point order, so "Loans" before "loans").
    keys : tuple of str
        Normalised keys merged, most used first.
    names : tuple of str
        Each key in its most frequent original spelling, in the order of ``keys``: what the page shows.
    labels : tuple of str
        Every spelling participants wrote, most used first (ties: code-point order).
    groups : int
        Number of groups carrying any of these labels.
    score : int
        Lowest fuzzy score (0-100) of a member key against the head key.
    """

    standard_label: str
    keys: tuple[str, ...]
    names: tuple[str, ...]
    labels: tuple[str, ...]
    groups: int
    score: int

    @property
    def id(self) -> str:
        """A short stable identity from its member keys (order-free): the page keys its widgets by it."""
        return suggestion_id(self.keys)

    def name_of(self, key: str) -> str:
        """The most frequent original spelling of one of its keys."""
        return self.names[self.keys.index(key)]

    def decisions(self, status: str = "accepted", standard_label: str | None = None,
                  keys: Sequence[str] | None = None) -> list[LabelDecision]:
        """Decisions for this suggestion's keys (or the given subset of them)."""
        name = self.standard_label if standard_label is None else standard_label
        return [LabelDecision(k, name, status) for k in (self.keys if keys is None else keys)]


def suggestion_id(keys: Iterable[str]) -> str:
    """12 hex digits of SHA-1 over the sorted keys: the same members give the same id on every rerun."""
    return hashlib.sha1("\n".join(sorted(keys)).encode("utf-8")).hexdigest()[:12]


@lru_cache(maxsize=4096)
def _words(key: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(key) if w not in FILLER)


def compatible(a: str, b: str, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """Whether two normalised keys may name the same thing, judged by their words.

    True when one key's words (less :data:`FILLER`) are all in the other ("help" and
    "help & support"), or when every word either lacks has a typo or inflection variant
    among the other's extra words ("ödeme" and "ödemeler", "shop" and "shops", "suport"
    and "support"). False when they differ in a distinguishing word: "future students" and
    "current students", "online resources" and "offline resources".
    """
    wa, wb = _words(a), _words(b)
    only_a, only_b = wa - wb, wb - wa
    if not only_a or not only_b:
        return True
    return (all(any(_variant(x, y, threshold) for y in only_b) for x in only_a)
            and all(any(_variant(y, x, threshold) for x in only_a) for y in only_b))


def _variant(x: str, y: str, threshold: int) -> bool:
    """One word is a typo (``ratio`` >= 90) or an inflection (same start, other ending) of the other.

    "suport"/"support" (92) and "ödeme"/"ödemeler" (shared start "ödeme", 77) are variants;
    "online"/"offline" (77, but they part after "o") and "future"/"current" are not.
    """
    from rapidfuzz import fuzz

    score = fuzz.ratio(x, y)
    if score >= 90:
        return True
    prefix = 0
    for cx, cy in zip(x, y):
        if cx != cy:
            break
        prefix += 1
    return score >= threshold and prefix >= max(3, min(len(x), len(y)) - 2)


def card_named_keys(table: SortTable, share: float = 0.5) -> frozenset[str]:
    """Label keys that are mostly a card's own name.

    A group is named after a card when its label's key equals the key of a card it holds
    (a participant who puts "Alumni" alone and calls the group "Alumni"). Keys where more than
    ``share`` of the groups carrying them are so named are returned; suggestions leave them out.
    """
    if table.n_groups == 0:
        return frozenset()
    group_keys = [normalise_label(label) for label in table.group_labels]
    card_keys = [normalise_label(label) for label in table.cards]
    named = np.zeros(table.n_groups, dtype=bool)
    for g, c in zip(table.group.tolist(), table.card.tolist()):
        if group_keys[g] and group_keys[g] == card_keys[c]:
            named[g] = True
    totals: Counter = Counter(k for k in group_keys if k)
    named_counts: Counter = Counter(group_keys[g] for g in np.flatnonzero(named).tolist())
    return frozenset(k for k, n in named_counts.items() if n > share * totals[k])


def suggest_merges(labels: Iterable[str], decisions: Iterable[LabelDecision] = (),
                   threshold: int = DEFAULT_THRESHOLD, card_names: Collection[str] = ()) -> list[Suggestion]:
    """Suggestions to merge labels, biggest first.

    Parameters
    ----------
    labels : iterable of str
        One entry per group (so counts mean "groups named so"); empty labels are ignored.
    decisions : iterable of LabelDecision
        Keys already decided are left out.
    threshold : int, default=75
        Minimum ``token_set_ratio`` (0-100) of a key against its suggestion's head key; a key
        must also be :func:`compatible` with every key already in the suggestion.
    card_names : collection of str, default=()
        Keys that are mostly card names (:func:`card_named_keys`): left out.

    Returns
    -------
    list of Suggestion
        Only suggestions that merge at least two different spellings.
    """
    from rapidfuzz import fuzz, process

    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold must be between 0 and 100, not {threshold}")
    decided = {d.label_key for d in decisions} | set(card_names)
    spellings = Counter(label for label in labels if label.strip())
    by_key: dict[str, Counter[str]] = {}
    for label, n in spellings.items():
        key = normalise_label(label)
        if key and key not in decided:
            by_key.setdefault(key, Counter())[label] += n
    keys = sorted(by_key, key=lambda k: (-sum(by_key[k].values()), k))
    if not keys:
        return []
    scores = process.cdist(keys, keys, scorer=fuzz.token_set_ratio, dtype=np.uint8, workers=1)
    head_of = np.full(len(keys), -1)
    member_score = np.zeros(len(keys), dtype=np.int64)
    is_head = np.zeros(len(keys), dtype=bool)
    members_of: dict[int, list[int]] = {}
    for i in range(len(keys)):  # most used first: a key joins the first head it is close to
        head_of[i] = i
        for h in np.flatnonzero(is_head[:i] & (scores[i, :i] >= threshold)).tolist():
            if all(compatible(keys[i], keys[m], threshold) for m in members_of[h]):
                head_of[i] = h
                break
        if head_of[i] == i:
            is_head[i] = True
        members_of.setdefault(int(head_of[i]), []).append(i)
        member_score[i] = scores[i, head_of[i]]
    out = []
    for head in np.flatnonzero(head_of == np.arange(len(keys))):
        members = np.flatnonzero(head_of == head)
        merged: Counter[str] = Counter()
        for m in members:
            merged.update(by_key[keys[m]])
        if len(merged) < 2:
            continue
        key_total = {s: sum(by_key[keys[m]].values()) for m in members for s in by_key[keys[m]]}
        ranked = sorted(merged, key=lambda s: (-merged[s], s))
        name = min(merged, key=lambda s: (-merged[s], -key_total[s], s))  # ties: the more used key's spelling
        names = tuple(_most_used(by_key[keys[m]]) for m in members)
        out.append(Suggestion(standard_label=name, keys=tuple(keys[m] for m in members), names=names,
                              labels=tuple(ranked), groups=sum(merged.values()),
                              score=int(member_score[members].min())))
    return sorted(out, key=lambda s: (-s.groups, s.standard_label))


def spellings(labels: Iterable[str]) -> dict[str, str]:
    """``{key: most frequent original spelling}`` over one entry per group (ties: code-point order)."""
    by_key: dict[str, Counter[str]] = {}
    for label, n in Counter(labels).items():
        key = normalise_label(label)
        if key:
            by_key.setdefault(key, Counter())[label] += n
    return {key: _most_used(c) for key, c in by_key.items()}


def _most_used(counts: Counter[str]) -> str:
    """The most counted spelling (ties: code-point order)."""
    return min(counts, key=lambda s: (-counts[s], s))


def label_mapping(decisions: Iterable[LabelDecision]) -> dict[str, str]:
    """``{label_key: standard_label}`` for the accepted and edited decisions."""
    return {d.label_key: d.standard_label for d in decisions if d.status in MERGING}


def apply_decisions(table: SortTable, decisions: Iterable[LabelDecision]) -> SortTable:
    """The same sorts with each group label replaced by its standard label where one was decided.

    Groups stay groups (a participant's two piles that end up with one name stay two piles);
    only ``group_labels`` change, so naming and the standardised-categories table see the merge.
    """
    mapping = label_mapping(decisions)
    if not mapping:
        return table
    keys = {label: normalise_label(label) for label in set(table.group_labels)}
    return replace(table, group_labels=tuple(mapping.get(keys[label], label) for label in table.group_labels))


def standardised_categories(table: SortTable) -> pd.DataFrame:
    """The standardised-categories table: one row per category label (after :func:`normalise_label`).

    Agreement is Donna Spencer's: cards placed ÷ (participants who used the category ×
    distinct cards placed in it); 1.0 when everyone who used it put the same cards in it.

    Returns
    -------
    DataFrame
        Columns ``category`` (most frequent spelling), ``participants``, ``distinct_cards``,
        ``placements``, ``agreement`` (float 0-1) and ``cards`` (list of ``(card label, count)``,
        most placed first); sorted by participants, then category. Unnamed groups are left out.
    """
    columns = ["category", "participants", "distinct_cards", "placements", "agreement", "cards"]
    labels = np.asarray(table.group_labels, dtype=object)
    keys = np.array([normalise_label(x) for x in table.group_labels], dtype=object)
    frame = pd.DataFrame({"key": keys[table.group], "label": labels[table.group],
                          "participant": table.placement_participant, "card": table.card})
    frame = frame[frame["key"] != ""]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    spelling = (pd.DataFrame({"key": keys, "label": labels})[keys != ""]
                .value_counts().reset_index(name="n")
                .sort_values(["key", "n", "label"], ascending=[True, False, True])
                .drop_duplicates("key").set_index("key")["label"])
    rows = []
    for key, part in frame.groupby("key", sort=True):
        counts = sorted(part["card"].value_counts().items(), key=lambda cn: (-cn[1], cn[0]))
        n_participants = part["participant"].nunique()
        rows.append({
            "category": spelling[key], "participants": n_participants, "distinct_cards": len(counts),
            "placements": len(part), "agreement": len(part) / (n_participants * len(counts)),
            "cards": [(table.cards[c], int(n)) for c, n in counts],
        })
    return (pd.DataFrame(rows, columns=columns)
            .sort_values(["participants", "category"], ascending=[False, True], ignore_index=True))
