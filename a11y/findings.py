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
from typing import Any

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
    source: str = "axe"  # "axe" or "custom"
    nodes: list[Node] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        nodes = [Node(**{k: n.get(k, "") for k in ("target", "html", "summary", "fingerprint")})
                 for n in data.get("nodes", [])]
        return cls(
            rule=data["rule"], impact=data.get("impact"), tags=list(data.get("tags", [])),
            help=data.get("help", ""), help_url=data.get("help_url", ""),
            screen_reader=bool(data.get("screen_reader")), source=data.get("source", "axe"),
            nodes=nodes,
        )


@dataclass
class PageResult:
    """What one page gave: its findings, or an error saying why it could not be audited."""

    url: str
    status: str = "ok"  # "ok" or "error"
    error: str | None = None
    violations: list[Finding] = field(default_factory=list)
    incomplete: list[Finding] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url, "status": self.status, "error": self.error,
            "violations": [f.to_dict() for f in self.violations],
            "incomplete": [f.to_dict() for f in self.incomplete],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PageResult":
        return cls(
            url=data["url"], status=data.get("status", "ok"), error=data.get("error"),
            violations=[Finding.from_dict(f) for f in data.get("violations", [])],
            incomplete=[Finding.from_dict(f) for f in data.get("incomplete", [])],
        )


# --- fingerprints ----------------------------------------------------------------------------

_GENERATED_PREFIX = re.compile(r"^(css|sc|jsx|svelte|emotion|tw|chakra|mui|ember|ng-tns|astro)-", re.I)
_RANDOMISH = re.compile(r"(?=[A-Za-z_]*\d)(?=\d*[A-Za-z])[A-Za-z0-9]{5,}$")


def _is_generated(token: str) -> bool:
    """Class names and ids a build tool made up: ``css-1x2y3z``, ``sc-bdVaJa``, ``_3xYz9``, ``ember123``."""
    if _GENERATED_PREFIX.match(token):
        return True
    last = re.split(r"[-_]", token)[-1] or token
    return bool(_RANDOMISH.match(last)) or bool(re.fullmatch(r"[A-Za-z]+\d{3,}", token))


def normalise_selector(selector: str) -> str:
    """Drop generated class names and ids from a CSS selector, keep the rest."""
    def fix(match: re.Match) -> str:
        return "" if _is_generated(match.group(2)) else match.group(0)
    parts = []
    for part in re.split(r"(\s*[>+~]\s*|\s+)", selector.strip()):
        if not part.strip() or part.strip() in "> + ~":
            parts.append(" " + part.strip() + " " if part.strip() else " ")
            continue
        parts.append(re.sub(r"([.#])(-?[_A-Za-z][-_A-Za-z0-9]*)", fix, part) or "*")
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def normalise_snippet(html: str) -> str:
    """Element snippet with generated classes/ids removed, styles dropped and spacing collapsed."""
    def fix_attr(match: re.Match) -> str:
        name, quote, value = match.group(1).lower(), match.group(2), match.group(3)
        if name == "style" or name.startswith("data-react") or name.startswith("data-v-"):
            return ""
        if name in ("class", "id", "for", "aria-labelledby", "aria-describedby", "aria-controls"):
            kept = [t for t in value.split() if not _is_generated(t)]
            return f" {name}={quote}{' '.join(kept)}{quote}" if kept else ""
        return match.group(0)
    out = re.sub(r"\s([A-Za-z_:][-A-Za-z0-9_:.]*)=(\"|')(.*?)\2", fix_attr, html)
    return re.sub(r"\s+", " ", out).strip()


def fingerprint(rule: str, target: list[str] | str, html: str) -> str:
    """A stable id of one failing element: rule + normalised selector + normalised snippet.

    The same component on another page, or after a rebuild that renamed its
    generated class names, gets the same fingerprint.
    """
    selector = " | ".join(target) if isinstance(target, list) else target
    key = "\x1f".join([rule, normalise_selector(selector), normalise_snippet(html)])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


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
