"""Small helpers the reporters share."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
"""The a11y report templates; they extend the shared ones of ``cardsort/templates``."""

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def format_target(target: list[str]) -> str:
    """One line for an element's selector path; frames and shadow roots already joined by ``>>>``."""
    return ", ".join(target)


def xml_safe(text: Any) -> str:
    """Text with the characters XML 1.0 cannot carry at all (NUL, most C0 controls) removed."""
    return _NOT_XML.sub("", "" if text is None else str(text))


def is_web_url(url: str) -> bool:
    """Whether a URL may be turned into a link (http or https only, never javascript: or data:)."""
    return url.lower().startswith(("http://", "https://"))


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 page"``, ``"3 pages"``."""
    return f"{n} {word if n == 1 else (many or word + 's')}"


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of the audit and site reports.

    :func:`cardsort.templating.make_environment` (autoescape, the shared base layout, CSS and table macros)
    over :data:`TEMPLATES`, plus test ``web_url`` (:func:`is_web_url`) and globals ``plural``,
    ``format_target`` and ``IMPACTS``.
    """
    from a11y.findings import IMPACTS
    from cardsort.templating import make_environment

    env = make_environment(TEMPLATES)
    env.tests["web_url"] = is_web_url
    env.globals.update(plural=plural, format_target=format_target, IMPACTS=IMPACTS)
    return env


def render_template(name: str, context: Mapping[str, Any]) -> str:
    """Render the template ``name`` of :data:`TEMPLATES` (or a shared one) with ``context``."""
    return environment().get_template(name).render(context)
