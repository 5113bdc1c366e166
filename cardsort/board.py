"""The participant's board, as pure functions: which cards, in which order, and is it done.

Board state is the JSON object the sorting board and the draft store exchange::

    {"groups": [{"id": "k1", "label": "Visit", "category_id": "k1", "cards": ["c3", "c1"]},
                {"id": "g-5f2a", "label": "My pile", "category_id": null, "cards": ["c2"]}],
     "unsorted": ["c4"]}

``groups`` are the study's fixed categories (``category_id`` set) followed by the
participant's own groups (``category_id`` null) in the order they were made; the
cards of all groups plus ``unsorted`` are exactly the cards this participant was
shown. The order of a group's ``cards`` is kept everywhere here (validated, stored as
each placement's ``position``); with the study setting ``order_within_groups`` it is
the participant's ranking inside the group, first = most important. Nothing here
imports Streamlit.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .i18n import direction, messages, resolve_language, translate
from .model import Group, Sort, Study, check_no_nul
from .questions import Question
from .questions import clean_answers as _clean_answers

MAX_ID_LENGTH = 100
MAX_LABEL_LENGTH = 200




def participant_seed(study_id: str, participant_id: str) -> int:
    """A stable 64-bit seed for one participant of one study (same link, same order)."""
    digest = hashlib.sha256(f"{study_id}\x1f{participant_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def choose_cards(card_ids: Sequence[str], *, seed: int, randomize: bool = True,
                 subset: int | None = None, exposure: Mapping[str, int] | None = None) -> list[str]:
    """The cards one participant sees, in the order they are dealt.

    Parameters
    ----------
    card_ids : sequence of str
        All card ids of the study, in the study's order.
    seed : int
        Seed of this participant's random choices (see :func:`participant_seed`).
    randomize : bool, default=True
        Shuffle the dealt cards; otherwise keep the study's order.
    subset : int or None, default=None
        Deal only this many cards: the ones shown least often so far
        (``exposure``), ties broken at random, so every card is seen about
        equally often across participants.
    exposure : mapping of str to int or None, default=None
        How many participants have already been shown each card; missing cards count 0.

    Returns
    -------
    list of str
        ``subset`` (or all) card ids, each once.

    Raises
    ------
    ValueError
        If ``subset`` is not between 1 and the number of cards.
    """
    ids = list(card_ids)
    if len(set(ids)) != len(ids):
        raise ValueError("card ids must be unique")
    rng = random.Random(seed)
    if subset is not None:
        if isinstance(subset, bool) or not isinstance(subset, int) or not 1 <= subset <= len(ids):
            raise ValueError(f"subset must be a whole number from 1 to {len(ids)}, not {subset!r}")
        exposure = exposure or {}
        tie_break = {card: rng.random() for card in ids}
        chosen = set(sorted(ids, key=lambda c: (exposure.get(c, 0), tie_break[c]))[:subset])
        ids = [c for c in ids if c in chosen]
    if randomize:
        rng.shuffle(ids)
    return ids


def cards_for_participant(study: Study, participant_id: str,
                          exposure: Mapping[str, int] | None = None) -> list[str]:
    """:func:`choose_cards` with the study's settings and the participant's own seed."""
    return choose_cards(
        [c.id for c in study.cards], seed=participant_seed(study.id, participant_id),
        randomize=study.settings.randomize, subset=study.settings.subset, exposure=exposure,
    )


def initial_state(study: Study, card_ids: Sequence[str]) -> dict[str, Any]:
    """A fresh board: the study's categories, empty, and ``card_ids`` all unsorted."""
    known = study.card_by_id()
    unknown = [c for c in card_ids if c not in known]
    if unknown:
        raise ValueError(f"unknown card {unknown[0]!r}")
    return {
        "groups": [{"id": c.id, "label": c.label, "category_id": c.id, "cards": []}
                   for c in study.categories],
        "unsorted": list(card_ids),
    }


def _text(value: Any, what: str, limit: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    value = check_no_nul(value, what).strip()
    if len(value) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    return value


def validate_state(study: Study, state: Any) -> dict[str, Any]:
    """Check a board state against the study and return it normalised.

    Normalised means: labels stripped, category groups carry the study's category
    label and come first in the study's order (missing ones added, empty), own
    groups follow in their order. The cards inside each group keep the order given:
    with ``order_within_groups`` that order is the participant's ranking.

    Raises
    ------
    ValueError
        For a malformed state, an unknown card or category, a card placed twice,
        a repeated group id, or an own group in a closed sort.
    """
    if not isinstance(state, Mapping):
        raise ValueError("board state must be an object with 'groups' and 'unsorted'")
    groups, unsorted = state.get("groups"), state.get("unsorted")
    if not isinstance(groups, list) or not isinstance(unsorted, list):
        raise ValueError("board state needs a 'groups' list and an 'unsorted' list")
    known = study.card_by_id()
    categories = {c.id: c for c in study.categories}
    seen_cards: set[str] = set()
    seen_groups: set[str] = set()

    def take(cards: Any, where: str) -> list[str]:
        if not isinstance(cards, list):
            raise ValueError(f"the cards of {where} must be a list")
        for card in cards:
            if not isinstance(card, str) or card not in known:
                raise ValueError(f"unknown card {card!r} in {where}")
            if card in seen_cards:
                raise ValueError(f"card {card!r} is placed twice")
            seen_cards.add(card)
        return list(cards)

    by_category: dict[str, dict[str, Any]] = {}
    own: list[dict[str, Any]] = []
    for i, group in enumerate(groups, start=1):
        if not isinstance(group, Mapping):
            raise ValueError(f"group {i} must be an object")
        gid = _text(group.get("id"), f"group {i} id", MAX_ID_LENGTH)
        if not gid or gid in seen_groups:
            raise ValueError(f"group {i} has an empty or repeated id {gid!r}")
        seen_groups.add(gid)
        category_id = group.get("category_id")
        cards = take(group.get("cards"), f"group {gid!r}")
        if category_id is not None:
            if category_id not in categories:
                raise ValueError(f"group {gid!r}: unknown category {category_id!r}; "
                                 f"allowed: {', '.join(categories) or 'none'}")
            if category_id in by_category:
                raise ValueError(f"category {category_id!r} appears twice")
            by_category[category_id] = {"id": gid, "label": categories[category_id].label,
                                        "category_id": category_id, "cards": cards}
        else:
            if study.kind == "closed":
                raise ValueError(f"group {gid!r}: a closed sort has only the study's categories")
            label = _text(group.get("label", ""), f"group {gid!r} label", MAX_LABEL_LENGTH)
            own.append({"id": gid, "label": label, "category_id": None, "cards": cards})
    rest = take(unsorted, "the unsorted cards")
    fixed = [by_category.get(c.id) or {"id": c.id, "label": c.label, "category_id": c.id, "cards": []}
             for c in study.categories]
    return {"groups": fixed + own, "unsorted": rest}


def reconcile_state(study: Study, state: Any) -> dict[str, Any]:
    """Fit a stored draft to the study as it is now, keeping all the participant's work that still fits.

    A study may be edited while participants are sorting: cards that no longer
    exist are dropped, cards of removed categories (or of own groups, if the study
    became closed) go back to unsorted, repeated cards keep their first place.
    Anything unreadable counts as an empty board.

    Returns
    -------
    dict
        A state that :func:`validate_state` accepts.
    """
    known = study.card_by_id()
    categories = {c.id for c in study.categories}
    seen: set[str] = set()

    def keep(cards: Any) -> list[str]:
        out = []
        for card in cards if isinstance(cards, list) else []:
            if isinstance(card, str) and card in known and card not in seen:
                seen.add(card)
                out.append(card)
        return out

    state = state if isinstance(state, Mapping) else {}
    groups: list[dict[str, Any]] = []
    back: list[str] = []
    group_ids: set[str] = set()
    for i, group in enumerate(state.get("groups") if isinstance(state.get("groups"), list) else []):
        if not isinstance(group, Mapping):
            continue
        cards = keep(group.get("cards"))
        category_id = group.get("category_id")
        raw_id = group.get("id")
        gid = (raw_id if isinstance(raw_id, str) and raw_id.strip() else f"g{i}").strip()[:MAX_ID_LENGTH]
        fits = (category_id in categories) if category_id is not None else study.kind != "closed"
        if not fits or gid in group_ids or (category_id is not None
                                             and any(g["category_id"] == category_id for g in groups)):
            back.extend(cards)
            continue
        raw_label = group.get("label")
        label = raw_label if isinstance(raw_label, str) else ""
        group_ids.add(gid)
        groups.append({"id": gid, "label": label.strip()[:MAX_LABEL_LENGTH],
                       "category_id": category_id, "cards": cards})
    unsorted = keep(state.get("unsorted")) + back
    return validate_state(study, {"groups": groups, "unsorted": unsorted})


def shown_cards(state: Mapping[str, Any]) -> list[str]:
    """Every card on the board (grouped and unsorted), in board order."""
    return [c for g in state["groups"] for c in g["cards"]] + list(state["unsorted"])


def state_to_sort(study: Study, state: Any, participant_id: str, *,
                  started_at: datetime | None = None, finished_at: datetime | None = None,
                  answers: Mapping[str, str] | None = None) -> Sort:
    """The :class:`~cardsort.model.Sort` a board state stands for (empty groups dropped).

    Each group keeps its cards in the board's order: the order the store writes as their
    ``position`` (0 first), the participant's ranking when the study orders within groups.
    """
    state = validate_state(study, state)
    groups = tuple(
        Group(label=g["label"], cards=tuple(g["cards"]), category_id=g["category_id"])
        for g in state["groups"] if g["cards"]
    )
    return Sort(participant_id=participant_id, groups=groups, started_at=started_at,
                finished_at=finished_at, answers=dict(answers or {}))


def sort_to_state(study: Study, sort: Sort, card_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """The board state of a sort; ``card_ids`` it does not place (default: all study cards) stay unsorted.

    Own groups get ids ``g1``, ``g2``, ... in the sort's order.
    """
    placed = set(sort.placed_cards())
    universe = list(card_ids) if card_ids is not None else [c.id for c in study.cards]
    groups: list[dict[str, Any]] = []
    n_own = 0
    for g in sort.groups:
        if g.category_id is None:
            n_own += 1
            gid = f"g{n_own}"
        else:
            gid = g.category_id
        groups.append({"id": gid, "label": g.label, "category_id": g.category_id, "cards": list(g.cards)})
    state = {"groups": groups, "unsorted": [c for c in universe if c not in placed]}
    return validate_state(study, state)


def check_requirements(study: Study, state: Any, lang: str | None = None) -> list[str]:
    """What keeps this board from being submitted, as messages for the participant.

    Parameters
    ----------
    study : Study
    state : dict
        Board state (validated here).
    lang : str or None, default=None
        Language of the messages; default the study's.

    Returns
    -------
    list of str
        Empty when the sort may be submitted. In this order: cards left
        unsorted (with how many), nothing sorted at all, empty own groups (by
        name), unnamed own groups (how many), more groups than allowed.
    """
    lang = lang or study.language
    state = validate_state(study, state)
    settings = study.settings
    problems: list[str] = []
    if settings.require_all_sorted and state["unsorted"]:
        problems.append(translate(lang, "req_unsorted", count=len(state["unsorted"])))
    if not any(g["cards"] for g in state["groups"]):
        problems.append(translate(lang, "req_nothing_sorted"))
    own = [g for g in state["groups"] if g["category_id"] is None]
    for g in own:
        if not g["cards"]:
            name = g["label"] or translate(lang, "unnamed_group")
            problems.append(translate(lang, "req_empty_group", group=name))
    unnamed = sum(1 for g in own if g["cards"] and not g["label"])
    if settings.require_names and unnamed:
        problems.append(translate(lang, "req_unnamed", count=unnamed))
    used = sum(1 for g in state["groups"] if g["cards"])
    if settings.max_groups is not None and used > settings.max_groups:
        problems.append(translate(lang, "req_max_groups", used=used, max=settings.max_groups))
    return problems


def clean_answers(answers: Any, questions: Sequence[Question] = ()) -> dict[str, str]:
    """Keep the known answers: the built-in optional ones (``comments``, ``hard_cards``), stripped, non-empty,
    at most 5,000 characters; and those to the study's ``questions`` that still fit them
    (:func:`cardsort.questions.clean_answers`)."""
    return _clean_answers(questions, answers)


_BOARD_STRINGS = (
    "board_label", "board_help", "unsorted_heading", "groups_heading", "unsorted_empty", "group_empty",
    "category_badge", "new_group", "create_group", "new_group_name", "group_name", "unnamed_group",
    "rename", "save_name", "cancel", "remove_group", "move_to", "move_to_short", "option_unsorted",
    "option_new_group", "drag_handle", "show_description", "group_count", "max_groups_note",
    "move", "remove", "rename_group", "take_back", "take_back_short", "new_group_drop", "live_moved", "live_unsorted",
    "live_created", "live_created_with",
    "live_renamed", "live_removed", "live_max_groups", "progress",
)
_ORDER_STRINGS = ("order_help", "move_up", "move_down", "move_up_card", "move_down_card", "live_position",
                  "live_first", "live_last")


def board_payload(study: Study, state: Any, *, instance: str) -> dict[str, Any]:
    """The JSON data the sorting board component is mounted with.

    Parameters
    ----------
    study : Study
    state : dict
        Board state to start from (validated here).
    instance : str
        Identifies this participant's board; the browser keeps its own newer
        state across re-renders of the same instance.

    Returns
    -------
    dict
        ``lang``, ``dir``, ``kind``, ``own_groups`` (bool), ``max_groups``,
        ``order_within_groups`` (bool: the participant orders the cards inside each group),
        ``cards`` (``{id: {label, description, image}}`` for the cards on the
        board), ``state``, ``strings`` (board strings of the study language) and ``instance``.
    """
    state = validate_state(study, state)
    lang = resolve_language(study.language)
    catalog = messages(lang)
    known = study.card_by_id()
    return {
        "instance": instance,
        "lang": study.language,
        "dir": direction(lang),
        "kind": study.kind,
        "own_groups": study.kind != "closed",
        "max_groups": study.settings.max_groups,
        "order_within_groups": study.settings.order_within_groups,
        "cards": {cid: {"label": known[cid].label, "description": known[cid].description,
                        "image": known[cid].image} for cid in shown_cards(state)},
        "state": state,
        "strings": {k: catalog[k] for k in _BOARD_STRINGS + _ORDER_STRINGS},
    }


__all__ = [
    "board_payload", "cards_for_participant", "check_requirements", "choose_cards", "clean_answers",
    "initial_state", "participant_seed", "reconcile_state", "shown_cards", "sort_to_state", "state_to_sort",
    "validate_state",
]
