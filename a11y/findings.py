"""One finding shape for every audit source (axe-core and our own accessibility-tree checks).

The adapter :func:`findings_from_axe` turns axe's raw result into this shape; custom
checks build :class:`Finding` directly with ``source="custom"``. Reporters, the
baseline comparison and the app only ever see these dataclasses (or their
``to_dict()`` JSON, which is the contract in docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit, urlunsplit

IMPACTS = ("minor", "moderate", "serious", "critical")
"""axe impact levels, least to most severe."""

# Which axe rule categories change what a screen-reader user hears or can reach.
# Categories come from axe's "cat.*" tags. Keyboard is included: screen-reader users
# navigate by keyboard, so focus traps and unfocusable scroll regions block them too.
SCREEN_READER_CATEGORIES = frozenset({
    "aria", "name-role-value", "text-alternatives", "forms", "language", "structure",
    "semantics", "tables", "parsing", "keyboard",
})
NOT_SCREEN_READER_CATEGORIES = frozenset({"color", "sensory-and-visual-cues", "time-and-media"})
# Rules whose category says one thing but whose effect on screen-reader users says another.
SCREEN_READER_RULE_OVERRIDES = {
    "no-autoplay-audio": True,   # autoplaying sound drowns out the screen reader
    "meta-viewport": False,      # zoom: low vision, not screen readers
    "meta-viewport-large": False,
    "target-size": False,        # pointer target size
}


def is_screen_reader_rule(rule: str, tags: list[str]) -> bool:
    """Whether a rule's findings change what a screen-reader user hears or can reach.

    Documented mapping: axe categories aria, name-role-value, text-alternatives,
    forms, language, structure, semantics, tables, parsing and keyboard are
    screen-reader issues; colour, sensory-and-visual-cues and time-and-media are
    not; a few rules are overridden by :data:`SCREEN_READER_RULE_OVERRIDES`.
    """
    if rule in SCREEN_READER_RULE_OVERRIDES:
        return SCREEN_READER_RULE_OVERRIDES[rule]
    cats = {t[4:] for t in tags if t.startswith("cat.")}
    return bool(cats & SCREEN_READER_CATEGORIES)


@dataclass
class Node:
    """One element that a finding points at."""

    target: list[str]
    html: str
    summary: str = ""
    fingerprint: str = ""


@dataclass
class Finding:
    """A rule that failed (or needs review) on a page, with the elements concerned."""

    rule: str
    impact: str | None
    tags: list[str]
    help: str
    help_url: str
    screen_reader: bool
    source: str = "axe"  # "axe", "custom" (a11y.checks), "viewport" (a11y.viewport) or "keyboard" (a11y.keyboard)
    nodes: list[Node] = field(default_factory=list)
    state: str | None = None
    """Which state of the page showed it (:mod:`a11y.states`, an ``audit`` step); ``None``: the page as loaded."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if self.state is None:  # the key exists only on findings from a state (an additive contract change)
            del data["state"]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        nodes = [Node(**{k: n.get(k, "") for k in ("target", "html", "summary", "fingerprint")})
                 for n in data.get("nodes", [])]
        return cls(
            rule=data["rule"], impact=data.get("impact"), tags=list(data.get("tags", [])),
            help=data.get("help", ""), help_url=data.get("help_url", ""),
            screen_reader=bool(data.get("screen_reader")), source=data.get("source", "axe"),
            nodes=nodes, state=data.get("state"),
        )


FIND_TARGET_JS = """
const find = (chain) => {
  let root = document, el = null;
  for (const part of chain.split(' >>> ')) {
    if (!root) return null;
    try { el = root.querySelector(part); } catch (e) { return null; }
    if (!el) return null;
    root = el.shadowRoot;
  }
  return el;
};
"""
"""In-page JavaScript defining ``find(chain)``: the element a ``Node.target`` selector names (shadow
levels joined by ``" >>> "``), or null. Scripts that look elements up by target start with it."""

UNDERSTANDING = "https://www.w3.org/WAI/WCAG22/Understanding/"
"""Where the W3C explains each success criterion; our own rules link their help there."""


@dataclass(frozen=True)
class Rule:
    """One of our own rules (tree checks, viewport checks, keyboard walk): what reporters show beside it."""

    id: str
    impact: str
    tags: tuple[str, ...]
    help: str
    help_url: str
    screen_reader: bool = True

    def finding(self, nodes: list[Node], source: str) -> Finding:
        """The finding of this rule on ``nodes``, from ``source`` (``Finding.source``)."""
        return Finding(rule=self.id, impact=self.impact, tags=list(self.tags), help=self.help,
                       help_url=self.help_url, screen_reader=self.screen_reader, source=source, nodes=nodes)


@dataclass
class PageResult:
    """What one page gave: its findings, or an error saying why it could not be audited."""

    url: str
    status: str = "ok"  # "ok" or "error"
    error: str | None = None
    violations: list[Finding] = field(default_factory=list)
    incomplete: list[Finding] = field(default_factory=list)
    keyboard: dict[str, Any] | None = None  # the keyboard walk's cost (a11y.keyboard.KeyboardWalk.cost), if it ran
    settle: dict[str, Any] | None = None
    """How waiting for the page went (``a11y.settle.Settled.to_dict()``); ``None`` when nothing was waited for."""
    states: dict[str, Any] | None = None
    """What exploring automatic states cost (:class:`a11y.states.StateStats`); ``None``: not explored."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "url": self.url, "status": self.status, "error": self.error,
            "violations": [f.to_dict() for f in self.violations],
            "incomplete": [f.to_dict() for f in self.incomplete],
        }
        if self.keyboard is not None:
            data["keyboard"] = dict(self.keyboard)
        if self.settle is not None:
            data["settle"] = dict(self.settle)
        if self.states is not None:
            data["states"] = self.states
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PageResult:
        return cls(
            url=data["url"], status=data.get("status", "ok"), error=data.get("error"),
            violations=[Finding.from_dict(f) for f in data.get("violations", [])],
            incomplete=[Finding.from_dict(f) for f in data.get("incomplete", [])],
            keyboard=data.get("keyboard"),
            settle=data.get("settle"),
            states=data.get("states"),
        )


# --- fingerprints ----------------------------------------------------------------------------

_GENERATED_PREFIX = re.compile(
    r"^(css|sc|jsx|svelte|emotion|tw|chakra|mui|ember|ng-tns|astro|headlessui|radix|downshift|react-aria)-", re.I)
_RANDOMISH = re.compile(r"(?=[A-Za-z_]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{5,}$")
_USE_ID = re.compile(r"[:«»]")  # React's useId: ":r1:", "«r1»"


def _is_generated(token: str) -> bool:
    """Class names and ids a build tool made up: ``css-1x2y3z``, ``sc-bdVaJa``, ``_3xYz9``, ``ember123``, ``:r1:``."""
    if _GENERATED_PREFIX.match(token) or _USE_ID.search(token):
        return True
    last = re.split(r"[-_]", token)[-1] or token
    return bool(_RANDOMISH.match(last)) or bool(re.fullmatch(r"[A-Za-z]+\d{3,}", token))


IDENTITY_ATTRIBUTES = ("id", "name", "type", "role", "href", "src", "for", "action", "placeholder")
"""Attributes of an element's own opening tag that say which element it is (not how it looks or
what state it is in): the fingerprint keeps these, with generated ids and hashed file names dropped."""
NAME_FROM_CONTENT = frozenset({"a", "button", "summary", "label", "legend", "caption", "option", "th", "td",
                               "h1", "h2", "h3", "h4", "h5", "h6", "dt"})
"""Elements whose whole text is their name."""
BLOCKS = frozenset({"address", "article", "aside", "blockquote", "dd", "details", "div", "dl", "dt", "fieldset",
                    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "li", "main", "nav",
                    "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"})
"""Other elements are named by their own text: not the text inside these blocks within them, so a
``<ul>`` or a ``<main>`` keeps its fingerprint when an item is added inside it."""
_NAME_MAX = 120
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                   "track", "wbr"})


class _Snippet(HTMLParser):
    """The first element of an HTML snippet: its tag, attributes, whole text and own text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tag = ""
        self.attrs: dict[str, str] = {}
        self.open: list[str] = []  # elements open inside the first one
        self.text: list[str] = []
        self.own: list[str] = []
        try:
            self.feed(html)
            self.close()
        except Exception:  # noqa: BLE001 - a snippet axe cut short is still an element
            pass

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = tag.lower()
        if not self.tag:
            self.tag, self.attrs = tag, {k.lower(): v or "" for k, v in attrs}
        elif tag not in _VOID:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if not self.tag:
            self.tag, self.attrs = tag.lower(), {k.lower(): v or "" for k, v in attrs}

    def handle_endtag(self, tag: str) -> None:
        if tag.lower() in self.open:
            del self.open[len(self.open) - 1 - self.open[::-1].index(tag.lower()):]

    def handle_data(self, data: str) -> None:
        if self.tag:
            self.text.append(data)
            if not BLOCKS.intersection(self.open):
                self.own.append(data)


def _clean(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()[:_NAME_MAX]


def _identity_value(name: str, value: str) -> str:
    value = value.strip()
    if name in ("id", "for"):
        return " ".join(t for t in value.split() if not _is_generated(t))
    if name == "src":  # cache-busting queries and hashed file names change with every build
        parts = urlsplit(value)
        head, sep, file = parts.path.rpartition("/")
        kept = [t for t in re.split(r"[.\-_]", file) if t and not _is_generated(t)]
        return urlunsplit((parts.scheme, parts.netloc, head + sep + ".".join(kept), "", ""))
    return value


def element_identity(html: str) -> tuple[str, str, str]:
    """``(tag, identity, name)`` of the element an HTML snippet starts with.

    ``identity`` is :data:`IDENTITY_ATTRIBUTES` with their values (generated ids
    and hashed file names dropped); ``name`` is what the snippet alone tells of
    its accessible name: ``aria-label``, ``alt`` or ``title``, else its text
    (all of it for :data:`NAME_FROM_CONTENT` elements, its own otherwise).
    """
    snippet = _Snippet(html)
    identity = []
    for attr in IDENTITY_ATTRIBUTES:
        if attr in snippet.attrs:
            value = _identity_value(attr, snippet.attrs[attr])
            if value or attr not in ("id", "for"):
                identity.append(f"{attr}={value}")
    name = next((_clean(snippet.attrs.get(a)) for a in ("aria-label", "alt", "title")
                 if _clean(snippet.attrs.get(a))), "")
    if not name:
        name = _clean("".join(snippet.text if snippet.tag in NAME_FROM_CONTENT else snippet.own))
    return snippet.tag, " ".join(identity), name


def fingerprint(rule: str, target: list[str] | str, html: str, anchor: dict[str, str] | None = None) -> str:
    """A stable id of one failing element, the same across audits while the element itself is unchanged.

    Made of the rule and the element itself: its tag, :data:`IDENTITY_ATTRIBUTES`
    (id when not generated, name, type, role, href, src...) and its name; with an
    ``anchor`` read in the page (:func:`a11y.engine.anchor_findings`), also the
    nearest landmark and the heading above it there. Never the selector
    (``target`` is accepted for callers and ignored): selectors hold sibling
    positions (``:nth-child``) and the shortest unique path, which change whenever
    a neighbour is added or removed. Generated class names and ids never count.

    Parameters
    ----------
    rule : str
    target : list of str or str
        Ignored (see above).
    html : str
        The element's snippet (outer HTML, or its opening tag when long).
    anchor : dict or None, default=None
        ``{"name", "landmark", "heading"}``: the accessible name (labels
        included), e.g. ``"navigation Main"``, and the text of the nearest heading
        before the element inside that landmark. Without it, the name comes from
        the snippet alone and there is no landmark: :func:`loose_fingerprint`.
    """
    tag, identity, name = element_identity(html)
    parts = [rule, tag, identity]
    if anchor is None:
        parts.append(name)
    else:
        parts += ["\x1eanchor", _clean(anchor.get("name")) or name, _clean(anchor.get("landmark")),
                  _clean(anchor.get("heading"))]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def loose_fingerprint(rule: str, html: str) -> str:
    """The fingerprint of the element alone, from its snippet (no landmark, no heading).

    The baseline comparison falls back on it for elements whose fingerprint found
    no match: an element that moved under another heading, or a report stored
    before fingerprints had anchors.
    """
    return fingerprint(rule, [], html)


# --- the axe adapter ---------------------------------------------------------------------------

def _target_list(target: Any) -> list[str]:
    """axe targets: strings, or lists of selectors through iframes / shadow roots."""
    out = []
    for t in target or []:
        out.append(" >>> ".join(t) if isinstance(t, list) else str(t))
    return out


def finding_from_axe(rule: dict[str, Any]) -> Finding:
    """Turn one axe result entry (a violation or an incomplete) into a :class:`Finding`."""
    tags = list(rule.get("tags", []))
    nodes = []
    for n in rule.get("nodes", []):
        target = _target_list(n.get("target"))
        html = n.get("html", "")
        nodes.append(Node(target=target, html=html, summary=n.get("failureSummary") or "",
                          fingerprint=fingerprint(rule["id"], target, html)))
    return Finding(
        rule=rule["id"], impact=rule.get("impact"), tags=tags,
        help=rule.get("help", ""), help_url=rule.get("helpUrl", ""),
        screen_reader=is_screen_reader_rule(rule["id"], tags), source="axe", nodes=nodes,
    )


def findings_from_axe(raw: dict[str, Any]) -> tuple[list[Finding], list[Finding]]:
    """``(violations, incomplete)`` from axe's ``axe.run`` / ``axe.finishRun`` result."""
    return ([finding_from_axe(r) for r in raw.get("violations", [])],
            [finding_from_axe(r) for r in raw.get("incomplete", [])])


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Screen-reader issues first, then by impact (most severe first), then by rule id."""
    rank = {imp: i for i, imp in enumerate(reversed(IMPACTS))}
    return sorted(findings, key=lambda f: (not f.screen_reader, rank.get(f.impact or "", 9), f.rule))
