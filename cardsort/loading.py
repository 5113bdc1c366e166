"""The table every analysis takes (:class:`~cardsort.table.SortTable`), from a stored study or from sorts.

:func:`load_table` is the one road from the database to :func:`cardsort.analysis.analyze` and every
other analysis: the study's included sorts (exclusions applied), its cards in order, its label
decisions applied. The placements come in one SQL query as arrays (:func:`cardsort.store.load_placements`),
never as :class:`~cardsort.model.Sort` objects. :func:`analysis_table` gives the same table for sorts
already in memory. Both take an optional :class:`~cardsort.segments.Segment`: only the sorts it keeps are read.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

import numpy as np

from . import formats
from .model import Sort, Study
from .segments import EVERYONE, Segment, matching
from .standardise import LabelDecision, apply_decisions, decisions_from_rows
from .table import SortTable

if TYPE_CHECKING:  # the store (SQLAlchemy) is imported only when a stored study is read
    from sqlalchemy.engine import Engine

    from .store import StoredPlacements


def load_table(engine: Engine, study_id: str, study: Study | None = None, segment: Segment = EVERYONE,
               sorts: Iterable[Sort] | None = None) -> SortTable | None:
    """The analysis table of a stored study: included sorts, label decisions applied.

    Parameters
    ----------
    engine : Engine
    study_id : str
    study : Study, optional
        The study as already read (:func:`cardsort.store.get_study`), to save reading it again.
    segment : Segment, optional
        Only the sorts this segment keeps (default: every included sort). Which ones is decided on the sorts'
        answers, tags and times (``store.load_sorts(groups=False)``, one more small query, or ``sorts``);
        the placements are still read in one query, which names the segment's participants (up to
        ``store.MAX_IN_LIST``; a larger segment is filtered as arrays after the query).
    sorts : iterable of Sort, optional
        The study's sorts as already read (their groups are not needed), to save reading them again for
        the segment.

    Returns
    -------
    SortTable or None
        Exactly :func:`analysis_table` of the study's stored sorts, exclusions and label decisions;
        ``None`` when there is nothing to analyse (no included placements, or fewer than 2 cards).

    Raises
    ------
    cardsort.store.NotFound
        When there is no study with that id.
    """
    from . import store

    study = study if study is not None else store.get_study(engine, study_id)
    if len(study.cards) < 2:
        return None
    participants = None
    if segment:
        if sorts is None:
            sorts = store.load_sorts(engine, study_id, include_excluded=False, groups=False)
        participants = matching(sorts, segment)
        if not participants:
            return None
    decisions = decisions_from_rows(store.load_label_decisions(engine, study_id))
    if participants is not None and len(participants) <= store.MAX_IN_LIST:  # the database leaves the others out
        stored = store.load_placements(engine, study_id, participants=participants)
        return table_from_placements(study, stored, decisions)
    return table_from_placements(study, store.load_placements(engine, study_id), decisions, participants)


def table_from_placements(study: Study, stored: StoredPlacements, decisions: Iterable[LabelDecision] = (),
                          participants: Collection[str] | None = None) -> SortTable | None:
    """The analysis table of placements read by :func:`cardsort.store.load_placements`.

    As :func:`cardsort.formats.frame_from_sorts` reads sorts: placements of cards no longer in
    the study are skipped; a group is keyed by its category id, or ``g1``, ``g2``, ... by its place
    in the participant's sort, and named by its label, or its category's label when it has none.
    With ``participants``, only their placements are kept. ``None`` when no placement is left.
    """
    index = {c.id: i for i, c in enumerate(study.cards)}
    position = np.array([index.get(card_id, -1) for card_id in stored.card_ids], dtype=np.int64)
    card = position[stored.card] if len(stored.card) else stored.card
    keep = card >= 0
    if participants is not None:
        wanted = set(participants)
        chosen = np.array([p in wanted for p in stored.participants], dtype=bool)
        keep &= chosen[stored.group_participant[stored.group]]
    if not keep.any():
        return None
    categories = {c.id: c.label for c in study.categories}
    key_codes, keys = _codes(category or f"g{i + 1}"
                             for category, i in zip(stored.group_category_ids, stored.group_index.tolist()))
    label_codes, labels = _codes(label or categories.get(category or "", "")
                                 for label, category in zip(stored.group_labels, stored.group_category_ids))
    group = stored.group[keep]
    card_ids = np.array([c.id for c in study.cards], dtype=object)
    columns = {
        "participant": (stored.group_participant[group], np.array(stored.participants, dtype=object)),
        "card_id": (card[keep], card_ids),
        "card_label": (card[keep], card_ids),  # read only without a card order; labels need not be distinct
        "group_key": (key_codes[group], np.array(keys, dtype=object)),
        "group_label": (label_codes[group], np.array(labels, dtype=object)),
    }
    table = SortTable.from_codes(columns, [(c.id, c.label) for c in study.cards])
    return apply_decisions(table, decisions) if table.n_participants else None


def analysis_table(study: Study, sorts: list[Sort], excluded: set[str] | frozenset[str] = frozenset(),
                   decisions: Iterable[LabelDecision] = (), segment: Segment = EVERYONE) -> SortTable | None:
    """The table every analysis reads, from sorts in memory: included sorts (those ``segment`` keeps), label
    decisions applied.

    ``None`` when there is nothing to analyse (no included placements, or fewer than 2 cards).
    """
    included = [s for s in sorts if s.participant_id not in excluded and segment.matches(s)]
    if not included or len(study.cards) < 2:
        return None
    table = SortTable.from_frame(formats.frame_from_sorts(study, included), [(c.id, c.label) for c in study.cards])
    return apply_decisions(table, decisions) if table.n_participants else None


def _codes(values: Iterable[str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """Integer codes of ``values`` in order of first appearance, and the distinct values."""
    index: dict[str, int] = {}
    codes = np.fromiter((index.setdefault(v, len(index)) for v in values), dtype=np.int64)
    return codes, tuple(index)
