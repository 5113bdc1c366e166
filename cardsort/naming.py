"""Names for proposed categories, taken from the labels participants gave their own groups."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .table import SortTable

# Arabic-script letters that Persian and Arabic keyboards write differently for the same word.
_LETTER_VARIANTS = str.maketrans({
    "\u064a": "\u06cc",  # ARABIC YEH -> FARSI YEH
    "\u0649": "\u06cc",  # ALEF MAKSURA -> FARSI YEH
    "\u0643": "\u06a9",  # ARABIC KAF -> KEHEH
    "\u0629": "\u0647",  # TEH MARBUTA -> HEH
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627",  # hamza/madda forms of ALEF -> ALEF
    "\u200c": " ",  # ZERO WIDTH NON-JOINER: a space, so "می‌خواهم" and "می خواهم" meet
    "\u200d": None, "\u200b": None, "\ufeff": None,  # zero-width joiner/space, BOM
    "\u0640": None,  # TATWEEL
    "\u0307": None,  # COMBINING DOT ABOVE (casefolded Turkish İ)
})
_MARKS = re.compile(r"[\u064b-\u065f\u0670]")  # Arabic harakat and superscript alef
_EDGE_PUNCT = re.compile(r"^[\W_]+|[\W_]+$")


def normalise_label(label: str) -> str:
    """Key under which labels that differ only in spelling details meet.

    NFKC, case folding, Arabic/Persian letter variants (ي/ی, ك/ک, ة/ه, أ/إ/آ/ا),
    zero-width non-joiner as a space, diacritics and tatweel dropped, punctuation
    at the ends dropped, runs of spaces collapsed.
    """
    text = unicodedata.normalize("NFKC", label).casefold().translate(_LETTER_VARIANTS)
    text = _MARKS.sub("", text)
    text = _EDGE_PUNCT.sub("", re.sub(r"\s+", " ", text).strip())
    return text


@dataclass
class ProposedCategory:
    """One proposed navigation category."""

    name: str
    cards: list[str]
    agreement: float
    name_share: float = 0.0
    alternatives: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"name": self.name, "cards": self.cards, "agreement": round(self.agreement, 4),
                "name_share": round(self.name_share, 4), "alternatives": self.alternatives}


def best_groups(table: SortTable, clusters: np.ndarray) -> pd.DataFrame:
    """For each participant and cluster, the participant's group that holds most of the cluster.

    Ties go to the group with fewer cards outside the cluster.

    Returns
    -------
    DataFrame
        Columns ``participant``, ``cluster``, ``group``, ``overlap`` (cards of the
        cluster in that group); one row per participant who placed any card of the cluster.
    """
    k = int(clusters.max()) + 1 if len(clusters) else 0
    overlap = np.bincount(table.group * k + clusters[table.card],
                          minlength=table.n_groups * k).reshape(table.n_groups, k)
    size = table.group_sizes()
    grp, clu = np.nonzero(overlap)
    frame = pd.DataFrame({
        "participant": table.group_participant[grp], "cluster": clu, "group": grp,
        "overlap": overlap[grp, clu], "outside": size[grp] - overlap[grp, clu],
    })
    frame = frame.sort_values(["participant", "cluster", "overlap", "outside"],
                              ascending=[True, True, False, True], kind="stable")
    return frame.drop_duplicates(["participant", "cluster"])[["participant", "cluster", "group", "overlap"]]


def name_categories(table: SortTable, clusters: np.ndarray, similarity: np.ndarray,
                    n_alternatives: int = 3) -> list[ProposedCategory]:
    """Name each cluster from participants' own labels and score its agreement.

    Each participant who placed cards of a cluster votes with the label of their
    group holding most of it (see :func:`best_groups`); labels are compared after
    :func:`normalise_label`, and the winner is shown in its most frequent spelling.
    ``name_share`` and each alternative's ``share`` are votes divided by the
    participants who placed any card of the cluster. Agreement is the mean
    similarity over pairs of cards within the category; for a single card, the
    share of participants who put it in a group of its own.

    Parameters
    ----------
    table : SortTable
    clusters : ndarray of int, shape (n_cards,)
        Cluster label 0..k-1 of each card.
    similarity : ndarray of float, shape (n_cards, n_cards)
    """
    votes = best_groups(table, clusters)
    labels = np.asarray(table.group_labels, dtype=object)
    votes = votes.assign(label=labels[votes["group"].to_numpy()])
    keys = {label: normalise_label(label) for label in set(table.group_labels)}
    votes["key"] = votes["label"].map(keys)
    group_sizes = table.group_sizes()
    spellings = (votes[votes["key"] != ""].groupby(["cluster", "key", "label"], observed=True).size()
                 .reset_index(name="n").sort_values(["cluster", "key", "n", "label"],
                                                    ascending=[True, True, False, True]))
    spelling = {(c, k): label for c, k, label in
                spellings.drop_duplicates(["cluster", "key"])[["cluster", "key", "label"]].itertuples(index=False)}
    voters_per_cluster = votes.groupby("cluster").size()
    key_counts = votes[votes["key"] != ""].groupby(["cluster", "key"]).size()
    out = []
    for c in range(int(clusters.max()) + 1 if len(clusters) else 0):
        members = np.flatnonzero(clusters == c)
        voters = int(voters_per_cluster.get(c, 0))
        ranked = sorted(key_counts[c].items(), key=lambda kv: (-kv[1], kv[0])) if c in key_counts.index else []
        if len(members) > 1:
            block = similarity[np.ix_(members, members)]
            agreement = float(block[np.triu_indices(len(members), 1)].mean())
        else:
            placed = table.group[table.card == members[0]]
            agreement = float(np.mean(group_sizes[placed] == 1)) if len(placed) else 0.0
        out.append(ProposedCategory(
            name=spelling[(c, ranked[0][0])] if ranked else f"Category {c + 1}",
            cards=[table.cards[i] for i in members],
            agreement=agreement,
            name_share=ranked[0][1] / voters if ranked else 0.0,
            alternatives=[{"name": spelling[(c, key)], "share": round(n / voters, 4)}
                          for key, n in ranked[1:1 + n_alternatives]],
        ))
    return out
