"""Names for proposed categories, taken from the labels participants gave their own groups."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np

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


def best_groups(table: SortTable, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each participant and cluster, the participant's group that holds most of the cluster.

    Ties go to the group with fewer cards outside the cluster, then to the earlier group.

    Returns
    -------
    participant, cluster, group, overlap : ndarray of int, shape (n_votes,)
        One entry per participant who placed any card of a cluster, sorted by
        participant then cluster: the group chosen and its cards of the cluster.
    """
    k = int(clusters.max()) + 1 if len(clusters) else 0
    overlap = np.bincount(table.group * k + clusters[table.card],
                          minlength=table.n_groups * k).reshape(table.n_groups, k)
    grp, clu = np.nonzero(overlap)
    participant = table.group_participant[grp]
    inside = overlap[grp, clu]
    outside = table.group_sizes()[grp] - inside
    order = np.lexsort((outside, -inside, clu, participant))  # stable: earlier group wins ties
    pair = participant[order] * max(k, 1) + clu[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = pair[1:] != pair[:-1]
    chosen = order[first]
    return participant[chosen], clu[chosen], grp[chosen], inside[chosen]


def name_categories(table: SortTable, clusters: np.ndarray, similarity: np.ndarray,
                    n_alternatives: int = 3) -> list[ProposedCategory]:
    """Name each cluster from participants' own labels and score its agreement.

    Each participant who placed cards of a cluster votes with the label of their
    group holding most of it (see :func:`best_groups`); labels are compared after
    :func:`normalise_label`, and the winner is shown in its most frequent spelling
    (ties: the first in code-point order). ``name_share`` and each alternative's
    ``share`` are votes divided by the participants who placed any card of the
    cluster; names with equal votes are ranked by their normalised key. Agreement is
    the mean similarity over pairs of cards within the category; for a single card,
    the share of participants who put it in a group of its own.

    Votes are counted with NumPy on label codes; only the distinct (cluster, label)
    pairs are visited in Python.

    Parameters
    ----------
    table : SortTable
    clusters : ndarray of int, shape (n_cards,)
        Cluster label 0..k-1 of each card.
    similarity : ndarray of float, shape (n_cards, n_cards)
    """
    k = int(clusters.max()) + 1 if len(clusters) else 0
    _, vote_cluster, vote_group, _ = best_groups(table, clusters)
    label_code: dict[str, int] = {}
    group_label = np.array([label_code.setdefault(label, len(label_code)) for label in table.group_labels],
                           dtype=np.int64)
    labels = list(label_code)
    keys = [normalise_label(label) for label in labels]
    vote_label = group_label[vote_group] if len(vote_group) else np.zeros(0, dtype=np.int64)
    voters = np.bincount(vote_cluster, minlength=k)
    pairs, counts = np.unique(vote_cluster * max(len(labels), 1) + vote_label, return_counts=True)
    key_votes: list[dict[str, int]] = [{} for _ in range(k)]
    spelling: list[dict[str, tuple[int, str]]] = [{} for _ in range(k)]  # key -> (-votes, label)
    for pair, n in zip(pairs.tolist(), counts.tolist()):
        c, label = divmod(pair, max(len(labels), 1))
        key = keys[label]
        if key == "":
            continue
        key_votes[c][key] = key_votes[c].get(key, 0) + n
        spelling[c][key] = min(spelling[c].get(key, (0, labels[label])), (-n, labels[label]))
    group_sizes = table.group_sizes()
    out = []
    for c in range(k):
        members = np.flatnonzero(clusters == c)
        ranked = sorted(key_votes[c].items(), key=lambda kv: (-kv[1], kv[0]))
        if len(members) > 1:
            block = similarity[np.ix_(members, members)]
            agreement = float(block[np.triu_indices(len(members), 1)].mean())
        else:
            placed = table.group[table.card == members[0]]
            agreement = float(np.mean(group_sizes[placed] == 1)) if len(placed) else 0.0
        out.append(ProposedCategory(
            name=spelling[c][ranked[0][0]][1] if ranked else f"Category {c + 1}",
            cards=[table.cards[i] for i in members],
            agreement=agreement,
            name_share=ranked[0][1] / int(voters[c]) if ranked else 0.0,
            alternatives=[{"name": spelling[c][key][1], "share": round(n / int(voters[c]), 4)}
                          for key, n in ranked[1:1 + n_alternatives]],
        ))
    return out
