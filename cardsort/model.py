"""Studies, cards, categories and participants' sorts, as plain dataclasses.

Everything here is validated on construction through :func:`study_from_spec` and
:func:`sort_from_dict`, which raise :class:`ValueError` naming the problem and the
allowed values, so storage and the pages never see a half-valid study.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Literal, overload

from .keys import refuse_unknown
from .panel import Panel, clean_tags, panel_from_dict
from .questions import Question, questions_from_list

KINDS = ("open", "closed", "hybrid")
STATUSES = ("draft", "open", "closed")
_LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def utcnow() -> datetime:
    """Current time, timezone-aware UTC, to the microsecond.

    Microseconds matter: a study's ``updated_at`` keys the pages' cached analyses, and two
    changes within one second (an import, then an exclusion) must give two keys.
    """
    return datetime.now(UTC)


@dataclass(frozen=True)
class Card:
    """A card to sort. ``id`` is unique within its study."""

    id: str
    label: str
    description: str | None = None
    image: str | None = None


@dataclass(frozen=True)
class Category:
    """A fixed category of a closed or hybrid study."""

    id: str
    label: str


@dataclass(frozen=True)
class Settings:
    """How participants meet the cards.

    Parameters
    ----------
    randomize : bool, default=True
        Show cards in a random order per participant.
    subset : int or None, default=None
        Show each participant only this many cards, chosen so that every card is
        seen about equally often.
    require_all_sorted : bool, default=True
        A sort cannot be submitted while cards are left unsorted.
    require_names : bool, default=True
        Groups a participant creates must be named before submitting.
    max_groups : int or None, default=None
        Upper bound on the number of groups a participant may use.
    order_within_groups : bool, default=False
        Participants also order the cards inside each group (a prioritisation sort): the
        order of a group's cards, stored as each placement's ``position``, is then the
        participant's ranking (first = top), reported as the cards' average positions.
        Off, the order inside a group carries no meaning.

    Where a participant screened out by a question goes is the panel's ``screenout_url``
    (:class:`cardsort.panel.Panel`); :func:`fold_screen_out_url` moves the older
    ``settings.screen_out_url`` there.
    """

    randomize: bool = True
    subset: int | None = None
    require_all_sorted: bool = True
    require_names: bool = True
    max_groups: int | None = None
    order_within_groups: bool = False


@dataclass(frozen=True)
class Texts:
    """What participants read, per study; an empty text means the default of the study's language.

    ``title`` heads every participant page (and the browser tab) instead of the study's
    internal name; ``welcome`` and ``instructions`` replace the first page's introduction
    and the kind-specific instruction; ``thank_you`` replaces the text after submitting;
    ``screen_out`` replaces what a participant screened out by a question reads.
    """

    title: str = ""
    welcome: str = ""
    instructions: str = ""
    thank_you: str = ""
    screen_out: str = ""

    def any(self) -> bool:
        return any(asdict(self).values())


TEXT_FIELDS = tuple(Texts.__dataclass_fields__)
TEXT_LIMITS = {"title": 200, "welcome": 2000, "instructions": 2000, "thank_you": 2000, "screen_out": 2000}
"""Most characters each participant-facing text may have."""


@dataclass(frozen=True)
class Study:
    """A card-sort study."""

    id: str
    name: str
    kind: str
    language: str = "en"
    status: str = "open"
    cards: tuple[Card, ...] = ()
    categories: tuple[Category, ...] = ()
    settings: Settings = field(default_factory=Settings)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    texts: Texts = field(default_factory=Texts)
    archived: bool = False
    panel: Panel = field(default_factory=Panel)
    questions: tuple[Question, ...] = ()

    @property
    def participant_path(self) -> str:
        """The link participants open, relative to the app's address."""
        return f"/sort?study={self.id}"

    def card_by_id(self) -> dict[str, Card]:
        return {c.id: c for c in self.cards}

    def to_spec(self) -> dict[str, Any]:
        """The study as its JSON spec (docs/architecture.md, "Study spec"), with card and category ids
        added (``texts``, ``panel`` and ``questions`` when set)."""
        spec = {
            "name": self.name,
            "kind": self.kind,
            "language": self.language,
            "status": self.status,
            "cards": [{k: v for k, v in asdict(c).items() if v is not None} for c in self.cards],
            "categories": [{"id": c.id, "label": c.label} for c in self.categories],
            "settings": asdict(self.settings),
        }
        if self.texts.any():
            spec["texts"] = {k: v for k, v in asdict(self.texts).items() if v}
        if self.panel.any():
            spec["panel"] = self.panel.to_dict()
        if self.questions:
            spec["questions"] = [q.to_spec() for q in self.questions]
        return spec


@dataclass(frozen=True)
class Group:
    """One pile of one participant: its label, the fixed category it is (if any), its cards."""

    label: str
    cards: tuple[str, ...]
    category_id: str | None = None


@dataclass(frozen=True)
class Sort:
    """A participant's sort: submitted, or a draft still in progress."""

    participant_id: str
    groups: tuple[Group, ...]
    started_at: datetime | None = None
    finished_at: datetime | None = None
    answers: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    def placed_cards(self) -> list[str]:
        return [c for g in self.groups for c in g.cards]

    def to_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant_id,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "answers": dict(self.answers),
            "tags": dict(self.tags),
            "groups": [
                {"label": g.label, "category_id": g.category_id, "cards": list(g.cards)}
                for g in self.groups
            ],
        }


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t else None


def parse_time(value: Any, what: str = "time") -> datetime | None:
    """Parse an ISO 8601 time (naive times are taken as UTC); ``None``/'' stay ``None``."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        t = value
    else:
        try:
            t = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what} {value!r} is not an ISO 8601 date and time") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


@overload
def _text(value: Any, what: str, *, required: Literal[True] = True) -> str: ...
@overload
def _text(value: Any, what: str, *, required: bool) -> str | None: ...
def _text(value: Any, what: str, *, required: bool = True) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"{what} is empty")
        return None
    if not isinstance(value, str):
        raise ValueError(f"{what} must be text, not {type(value).__name__}")
    check_no_nul(value, what)
    return value.strip()


def check_no_nul(value: str, what: str) -> str:
    """Refuse NUL characters: no database stores them in text, and no person typed one."""
    if "\x00" in value:
        raise ValueError(f"{what} contains a NUL character")
    return value


def _positive_int_or_none(value: Any, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"settings.{what} must be a positive whole number or null, not {value!r}")
    return value


def settings_from_dict(data: dict[str, Any] | None) -> Settings:
    """Build :class:`Settings`, refusing unknown keys and wrong types."""
    data = dict(data or {})
    refuse_unknown(data, sorted(Settings.__dataclass_fields__), "setting")
    for flag in ("randomize", "require_all_sorted", "require_names", "order_within_groups"):
        if flag in data and not isinstance(data[flag], bool):
            raise ValueError(f"settings.{flag} must be true or false, not {data[flag]!r}")
    return replace(
        Settings(),
        **{k: v for k, v in data.items() if k not in ("subset", "max_groups")},
        subset=_positive_int_or_none(data.get("subset"), "subset"),
        max_groups=_positive_int_or_none(data.get("max_groups"), "max_groups"),
    )


def fold_screen_out_url(settings: Any, panel: Any) -> tuple[Any, Any]:
    """Move an older spec's ``settings.screen_out_url`` to ``panel.screenout_url``, where it belongs.

    Specs and stored studies from before panels had one link for screened-out participants in their
    settings; it is the panel's screen-out redirect now (``{pid}`` is substituted, a link without it is
    used as written). A panel that names its own screen-out redirect keeps it. Anything that is not an
    object is returned as it is, for the validation to name.
    """
    if not isinstance(settings, dict) or "screen_out_url" not in settings:
        return settings, panel
    settings = dict(settings)
    url = settings.pop("screen_out_url")
    if url is None or (isinstance(url, str) and not url.strip()):
        return settings, panel
    if panel is None:
        panel = {}
    if isinstance(panel, dict) and panel.get("screenout_url") in (None, ""):
        panel = {**panel, "screenout_url": url}
    return settings, panel


def texts_from_dict(data: Any) -> Texts:
    """Build :class:`Texts` from the spec's optional ``texts`` object.

    Missing, ``null`` or blank texts are empty (the language's default). Raises
    :class:`ValueError` for an unknown key, a text that is not text, or one that is too long.
    """
    if data is None:
        return Texts()
    if not isinstance(data, dict):
        raise ValueError(f"texts must be an object with {', '.join(TEXT_FIELDS)}")
    refuse_unknown(data, TEXT_FIELDS, "text")
    values = {}
    for name in TEXT_FIELDS:
        value = data.get(name)
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise ValueError(f"texts.{name} must be text, not {type(value).__name__}")
        check_no_nul(value, f"texts.{name}")
        value = value.strip()
        if len(value) > TEXT_LIMITS[name]:
            raise ValueError(f"texts.{name} is {len(value):,} characters long; at most "
                             f"{TEXT_LIMITS[name]:,} are allowed")
        values[name] = value
    return Texts(**values)


def study_from_spec(spec: Any, study_id: str) -> Study:
    """Validate a study spec (the JSON of docs/architecture.md, "Study spec") and build a :class:`Study`.

    Cards may be strings or objects with ``label`` (and optional ``id``,
    ``description``, ``image``); categories strings or objects with ``label``.

    Raises
    ------
    ValueError
        Naming the first problem: a missing name, an unknown kind or status, a
        duplicate card label, categories in an open sort, and so on.
    """
    if not isinstance(spec, dict):
        raise ValueError("a study spec must be a JSON object")
    allowed = {"name", "kind", "language", "status", "cards", "categories", "settings", "texts", "panel", "questions"}
    refuse_unknown(spec, sorted(allowed), "field", " in study spec")
    name = _text(spec.get("name"), "study name")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    status = spec.get("status", "open")
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    language = spec.get("language", "en")
    if not isinstance(language, str) or not _LANGUAGE_RE.match(language):
        raise ValueError(f"language must be a BCP 47 code such as en, fa, ar-EG, not {language!r}")

    raw_cards = spec.get("cards") or []
    if not isinstance(raw_cards, list) or not raw_cards:
        raise ValueError("a study needs at least one card")
    cards: list[Card] = []
    seen_labels: set[str] = set()
    seen_ids: set[str] = set()
    for i, raw in enumerate(raw_cards, start=1):
        raw = {"label": raw} if isinstance(raw, str) else raw
        if not isinstance(raw, dict):
            raise ValueError(f"card {i} must be text or an object with a label")
        extra = sorted(set(raw) - {"id", "label", "description", "image"})
        if extra:
            raise ValueError(f"card {i}: unknown field {extra[0]!r}")
        label = _text(raw.get("label"), f"card {i} label")
        if label in seen_labels:
            raise ValueError(f"card {i}: the label {label!r} is used twice")
        card_id = str(raw.get("id") or f"c{i}")
        if card_id in seen_ids:
            raise ValueError(f"card {i}: the id {card_id!r} is used twice")
        image = _text(raw.get("image"), f"card {i} image", required=False)
        if image and not re.match(r"^https?://", image):
            raise ValueError(f"card {i}: the image must be an http(s) URL, not {image!r}")
        seen_labels.add(label)
        seen_ids.add(card_id)
        cards.append(Card(card_id, label, _text(raw.get("description"), "description", required=False), image))

    raw_categories = spec.get("categories") or []
    if not isinstance(raw_categories, list):
        raise ValueError("categories must be a list")
    if kind == "open" and raw_categories:
        raise ValueError("an open sort has no fixed categories; use kind 'closed' or 'hybrid'")
    if kind in ("closed", "hybrid") and not raw_categories:
        raise ValueError(f"a {kind} sort needs at least one category")
    categories: list[Category] = []
    for i, raw in enumerate(raw_categories, start=1):
        raw = {"label": raw} if isinstance(raw, str) else raw
        if not isinstance(raw, dict):
            raise ValueError(f"category {i} must be text or an object with a label")
        label = _text(raw.get("label"), f"category {i} label")
        if any(c.label == label for c in categories):
            raise ValueError(f"category {i}: the label {label!r} is used twice")
        category_id = str(raw.get("id") or f"k{i}")
        if any(c.id == category_id for c in categories):
            raise ValueError(f"category {i}: the id {category_id!r} is used twice")
        categories.append(Category(category_id, label))

    raw_settings, raw_panel = fold_screen_out_url(spec.get("settings"), spec.get("panel"))
    settings = settings_from_dict(raw_settings)
    texts = texts_from_dict(spec.get("texts"))
    panel = panel_from_dict(raw_panel)
    questions = questions_from_list(spec.get("questions"))
    if settings.subset is not None and settings.subset > len(cards):
        raise ValueError(f"settings.subset ({settings.subset}) is larger than the number of cards ({len(cards)})")
    return Study(
        id=study_id, name=name, kind=kind, language=language, status=status,
        cards=tuple(cards), categories=tuple(categories), settings=settings, texts=texts, panel=panel,
        questions=questions,
    )


def sort_from_dict(data: Any) -> Sort:
    """Build a :class:`Sort` from its JSON form (see :meth:`Sort.to_dict`)."""
    if not isinstance(data, dict):
        raise ValueError("a sort must be a JSON object")
    pid = _text(data.get("participant"), "participant id")
    groups = []
    for i, g in enumerate(data.get("groups") or [], start=1):
        if not isinstance(g, dict) or not isinstance(g.get("cards"), list):
            raise ValueError(f"participant {pid!r}, group {i}: a group needs a list of cards")
        label = g.get("label") or ""
        if not isinstance(label, str):
            raise ValueError(f"participant {pid!r}, group {i}: the label must be text")
        check_no_nul(label, f"participant {pid!r}, group {i}: the label")
        groups.append(Group(label.strip(), tuple(str(c) for c in g["cards"]), g.get("category_id")))
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        raise ValueError(f"participant {pid!r}: answers must be an object")
    if data.get("tags") is not None and not isinstance(data["tags"], dict):
        raise ValueError(f"participant {pid!r}: tags must be an object of URL parameter names and values")
    return Sort(
        participant_id=pid,
        groups=tuple(groups),
        started_at=parse_time(data.get("started_at"), "started_at"),
        finished_at=parse_time(data.get("finished_at"), "finished_at"),
        answers={str(k): str(v) for k, v in answers.items()},
        tags=clean_tags(data.get("tags")),
    )
