"""Names for proposed categories, taken from the labels participants gave their own groups."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
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
    g = table.group_matrix()
    onehot = np.zeros((table.n_cards, k), dtype=np.float32)
    onehot[np.arange(table.n_cards), clusters] = 1.0
    overlap = np.asarray(g @ onehot).round().astype(np.int64)  # (n_groups, k)
    size = np.asarray(g.sum(axis=1)).ravel().round().astype(np.int64)
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
    norm_cache: dict[str, str] = {}
    votes["key"] = [norm_cache.setdefault(x, normalise_label(x)) for x in votes["label"]]
    group_sizes = np.bincount(table.group, minlength=table.n_groups)
    out = []
    for c in range(int(clusters.max()) + 1 if len(clusters) else 0):
        members = np.flatnonzero(clusters == c)
        mine = votes[votes["cluster"] == c]
        voters = len(mine)
        named = mine[mine["key"] != ""]
        counts = Counter(named["key"])
        ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

        def spelling(key: str) -> str:
            return Counter(named.loc[named["key"] == key, "label"]).most_common(1)[0][0]

        if len(members) > 1:
            block = similarity[np.ix_(members, members)]
            agreement = float(block[np.triu_indices(len(members), 1)].mean())
        else:
            card = members[0]
            placed = table.group[table.card == card]
            agreement = float(np.mean(group_sizes[placed] == 1)) if len(placed) else 0.0
        name = spelling(ranked[0][0]) if ranked else f"Category {c + 1}"
        out.append(ProposedCategory(
            name=name,
            cards=[table.cards[i] for i in members],
            agreement=agreement,
            name_share=ranked[0][1] / voters if ranked else 0.0,
            alternatives=[{"name": spelling(key), "share": round(n / voters, 4)}
                          for key, n in ranked[1:1 + n_alternatives]],
        ))
    return out
