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
    """One proposed navigation category.

    ``tied_with`` lists the other names that got as many votes as ``name`` (participants did not
    decide between them); ``repeats`` is the name this category would share with an earlier one
    (its top name went to the category that got more votes for it), else ``None``. Neither is part
    of :meth:`to_dict` (the ``analyze --json`` contract); :func:`naming_note` says them in words.
    """

    name: str
    cards: list[str]
    agreement: float
    name_share: float = 0.0
    alternatives: list[dict] = field(default_factory=list)
    tied_with: list[str] = field(default_factory=list)
    repeats: str | None = None

    def to_dict(self) -> dict:
        return {"name": self.name, "cards": self.cards, "agreement": round(self.agreement, 4),
                "name_share": round(self.name_share, 4), "alternatives": self.alternatives}


def naming_note(category: ProposedCategory) -> str:
    """Why a category is named as it is, when that needs saying; ``''`` otherwise.

    >>> print(naming_note(ProposedCategory("About us (2)", ["Team"], 0.5, 0.6, [{"name": "Team", "share": 0.3}],
    ...                                    repeats="About us")))  # doctest: +NORMALIZE_WHITESPACE
    Participants named this "About us", a name another category has with as many votes or more;
    next choice: Team (30%).
    """
    parts = []
    if category.repeats is not None:
        runner = category.alternatives[0] if category.alternatives else None
        parts.append(f'Participants named this "{category.repeats}", a name another category has with as many '
                     "votes or more; " + (f"next choice: {runner['name']} ({runner['share']:.0%})." if runner
                                  else "no other name was given."))
    if category.tied_with:
        others = ", ".join(f'"{n}"' for n in category.tied_with)
        parts.append(f"Votes tie ({category.name_share:.0%} each) with {others}.")
    return " ".join(parts)


def best_groups(table: SortTable, clusters: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each participant and cluster, the participant's group that holds most of the cluster.

    Ties go to the group with fewer cards outside the cluster, then to the earlier group. The best
    group is found by scattering each (group, cluster) overlap onto its (participant, cluster)
    with :func:`numpy.maximum.at`, in linear time, without sorting the overlaps.

    Returns
    -------
    participant, cluster, group, overlap : ndarray of int, shape (n_votes,)
        One entry per participant who placed any card of a cluster, sorted by
        participant then cluster: the group chosen and its cards of the cluster.
    """
    k = max(int(clusters.max()) + 1 if len(clusters) else 0, 1)
    overlap = np.bincount(table.group * k + clusters[table.card],
                          minlength=table.n_groups * k).reshape(table.n_groups, k)
    grp, clu = np.nonzero(overlap)
    inside = overlap[grp, clu]
    outside = table.group_sizes()[grp] - inside
    score = inside * (int(outside.max(initial=0)) + 1) - outside  # more inside first, then fewer outside
    vote = table.group_participant[grp] * k + clu  # one (participant, cluster) per vote, in that order
    best = np.full(table.n_participants * k, -1, dtype=np.int64)
    np.maximum.at(best, vote, score)
    top = score == best[vote]
    chosen = np.full(table.n_participants * k, table.n_groups, dtype=np.int64)
    np.minimum.at(chosen, vote[top], grp[top])  # the earliest of the best groups
    voted = np.flatnonzero(chosen < table.n_groups)
    group, cluster = chosen[voted], voted % k
    return voted // k, cluster, group, overlap[group, cluster]


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

    No two categories share a name: categories choose in order of their top name's share;
    one whose top names (all tied) are taken keeps its first one with a number, ``'About us (2)'``
    (see :class:`ProposedCategory` ``tied_with`` and ``repeats``).

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
    labels = list(dict.fromkeys(table.group_labels))  # distinct, in order of first use
    label_code = {label: i for i, label in enumerate(labels)}
    group_label = np.fromiter(map(label_code.__getitem__, table.group_labels), dtype=np.int64, count=table.n_groups)
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
    ranked = [sorted(key_votes[c].items(), key=lambda kv: (-kv[1], kv[0])) for c in range(k)]
    chosen = _unique_names(ranked, voters)
    used = {key for key, _ in chosen if key is not None}
    out = []
    for c in range(k):
        members = np.flatnonzero(clusters == c)
        if len(members) > 1:
            block = similarity[np.ix_(members, members)]
            agreement = float(block[np.triu_indices(len(members), 1)].mean())
        else:
            placed = table.group[table.card == members[0]]
            agreement = float(np.mean(group_sizes[placed] == 1)) if len(placed) else 0.0
        key, repeat = chosen[c]
        votes = dict(ranked[c])
        if key is None:
            name, share, tied = _fallback_name(c, used), 0.0, []
        else:
            label = spelling[c][key][1]
            name = label if repeat == 1 else _numbered(label, repeat, used)
            share = votes[key] / int(voters[c])
            tied = [spelling[c][other][1] for other, n in ranked[c] if n == votes[key] and other != key]
        out.append(ProposedCategory(
            name=name,
            cards=[table.cards[i] for i in members],
            agreement=agreement,
            name_share=share,
            alternatives=[{"name": spelling[c][other][1], "share": round(n / int(voters[c]), 4)}
                          for other, n in ranked[c] if other != key][:n_alternatives],
            tied_with=tied,
            repeats=spelling[c][key][1] if key is not None and repeat > 1 else None,
        ))
    return out


def _unique_names(ranked: list[list[tuple[str, int]]], voters: np.ndarray) -> list[tuple[str | None, int]]:
    """The name key each cluster takes, and 1, or n > 1 for the n-th cluster that takes the same key.

    Clusters choose in order of their top name's share of voters (then votes, then cluster order).
    A cluster takes the first of its top-voted names (tied, in key order) that no cluster took yet;
    when every one of them is taken, it repeats its first top name and gets a number.
    """
    order = sorted((c for c in range(len(ranked)) if ranked[c]),
                   key=lambda c: (-ranked[c][0][1] / max(int(voters[c]), 1), -ranked[c][0][1], c))
    taken: dict[str, int] = {}
    chosen: list[tuple[str | None, int]] = [(None, 1)] * len(ranked)
    for c in order:
        top = [key for key, n in ranked[c] if n == ranked[c][0][1]]
        free = [key for key in top if key not in taken]
        key = free[0] if free else top[0]
        taken[key] = taken.get(key, 0) + 1
        chosen[c] = (key, taken[key])
    return chosen


def _numbered(label: str, n: int, used: set[str]) -> str:
    """``'About us (2)'``: the n-th category named ``label``, never the key of another category's name."""
    while normalise_label(f"{label} ({n})") in used:
        n += 1
    used.add(normalise_label(f"{label} ({n})"))
    return f"{label} ({n})"


def _fallback_name(c: int, used: set[str]) -> str:
    """``'Category 3'`` for a cluster nobody named, unless a category already has that name."""
    name = f"Category {c + 1}"
    while normalise_label(name) in used:
        name += "*"
    used.add(normalise_label(name))
    return name


def export_navigation(categories: list[ProposedCategory]) -> str:
    """The proposed navigation as CSV, one row per card, formula-like cells neutralised.

    Columns ``category``, ``card``, ``agreement`` (the category's, 0-1), ``named_so_by``
    (share of voters who gave the name), ``other_names`` (``'Team (30%); Contact (20%)'``)
    and ``note`` (:func:`naming_note`).
    """
    from .formats import csv_text  # the one CSV writer that neutralises cells for spreadsheets

    return csv_text(["category", "card", "agreement", "named_so_by", "other_names", "note"], (
        [c.name, card, f"{c.agreement:.4f}", f"{c.name_share:.4f}",
         "; ".join(f"{a['name']} ({a['share']:.0%})" for a in c.alternatives), naming_note(c)]
        for c in categories for card in c.cards))
