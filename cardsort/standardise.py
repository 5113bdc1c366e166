"""Label standardisation: merging participants' category labels that mean the same.

Suggestions come from two steps. Labels first meet under :func:`cardsort.naming.normalise_label`
(case, Unicode forms, Arabic/Persian letter variants, zero-width non-joiners, edge punctuation), so
"Help", "help!" and "HELP" are one key. Keys are then compared with RapidFuzz's
``token_set_ratio`` (0-100): 100 when one label's words are all in the other ("Help" and
"Help & support"), high for spelling and inflection variants ("Оплата"/"Оплаты",
"Ödeme"/"Ödemeler"). Keys scoring at least :data:`DEFAULT_THRESHOLD` with a more-used key join
its suggestion; each suggestion is a star around its most-used key, so no chain of
look-alikes ("Shop" - "Shops" - "Shows") merges labels that are far apart.

The UX lead accepts, rejects or edits each suggestion; decisions are stored per label key
(:func:`cardsort.store.save_label_decisions`) and :func:`apply_decisions` rewrites a
:class:`~cardsort.table.SortTable`'s group labels through them before any analysis.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .naming import normalise_label
from .table import SortTable

DEFAULT_THRESHOLD = 75  # catches Turkish plurals ("Ödeme"/"Ödemeler" scores 77); "Help"/"Hello" scores 67
STATUSES = ("accepted", "rejected", "edited")
MERGING = ("accepted", "edited")


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
        Proposed name: the most frequent spelling of the most-used key.
    keys : tuple of str
        Normalised keys merged, most used first.
    labels : tuple of str
        Every spelling participants wrote, most used first.
    groups : int
        Number of groups carrying any of these labels.
    score : int
        Lowest fuzzy score (0-100) of a member key against the head key.
    """

    standard_label: str
    keys: tuple[str, ...]
    labels: tuple[str, ...]
    groups: int
    score: int

    def decisions(self, status: str = "accepted", standard_label: str | None = None,
                  keys: Sequence[str] | None = None) -> list[LabelDecision]:
        """Decisions for this suggestion's keys (or the given subset of them)."""
        name = self.standard_label if standard_label is None else standard_label
        return [LabelDecision(k, name, status) for k in (self.keys if keys is None else keys)]


def suggest_merges(labels: Iterable[str], decisions: Iterable[LabelDecision] = (),
                   threshold: int = DEFAULT_THRESHOLD) -> list[Suggestion]:
    """Suggestions to merge labels, biggest first.

    Parameters
    ----------
    labels : iterable of str
        One entry per group (so counts mean "groups named so"); empty labels are ignored.
    decisions : iterable of LabelDecision
        Keys already decided are left out.
    threshold : int, default=75
        Minimum ``token_set_ratio`` (0-100) of a key against its suggestion's head key.

    Returns
    -------
    list of Suggestion
        Only suggestions that merge at least two different spellings.
    """
    from rapidfuzz import fuzz, process

    if not 0 <= threshold <= 100:
        raise ValueError(f"threshold must be between 0 and 100, not {threshold}")
    decided = {d.label_key for d in decisions}
    spellings = Counter(label for label in labels if label.strip())
    by_key: dict[str, Counter] = {}
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
    for i in range(len(keys)):  # most used first: a key joins the first head it is close to
        heads = np.flatnonzero(head_of[:i] == np.arange(i))
        close = heads[scores[i, heads] >= threshold]
        head_of[i] = close[0] if len(close) else i
        member_score[i] = scores[i, head_of[i]]
    out = []
    for h in np.flatnonzero(head_of == np.arange(len(keys))):
        members = np.flatnonzero(head_of == h)
        merged = Counter()
        for m in members:
            merged.update(by_key[keys[m]])
        if len(merged) < 2:
            continue
        ranked = sorted(merged, key=lambda s: (-merged[s], s))
        head_spelling = sorted(by_key[keys[h]], key=lambda s: (-by_key[keys[h]][s], s))[0]
        out.append(Suggestion(standard_label=head_spelling, keys=tuple(keys[m] for m in members),
                              labels=tuple(ranked), groups=sum(merged.values()),
                              score=int(member_score[members].min())))
    return sorted(out, key=lambda s: (-s.groups, s.standard_label))


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
