"""The Jinja2 environment of the HTML reports, and the parts all of them share.

Templates are plain files in ``cardsort/templates/`` (the base layout ``base.html.j2``, the shared CSS
``base.css``, the table macros ``macros.html.j2`` and the stakeholder report); ``a11y`` passes its own
template folder to :func:`environment` and extends the same base, so every report is one self-contained
page with the same shell, CSS and tables.

Escaping: autoescape is on for every template, and :func:`escape` (``html.escape``, quotes included) is
the ``finalize`` of every ``{{ … }}``, so text from participants, studies and audited sites is escaped
exactly as the reports always escaped it (``&quot;``, ``&#x27;``). Only values that are already markup
(``markupsafe.Markup``: macro output, ``{% set %}`` blocks, inline SVG built by the report code) pass
through. Undefined names are errors, not empty text.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from .i18n import counted

TEMPLATES = Path(__file__).resolve().parent / "templates"
"""The shared templates (and the stakeholder report's)."""
RTL_LANGUAGES = ("ar", "fa", "he", "ur", "ps", "ckb", "yi")
"""Primary language subtags written right to left; their text gets ``dir="rtl"`` in every report."""


def escape(value: Any) -> Markup:
    """``value`` as HTML text: ``& < > " '`` escaped (``html.escape``); markup (``__html__``) kept as it is."""
    if hasattr(value, "__html__"):
        return Markup(value.__html__())
    return Markup(html.escape("" if value is None else str(value), quote=True))


def is_rtl(lang: str | None) -> bool:
    """Whether the language tag ``lang`` (``'fa'``, ``'ar-EG'``) is written right to left."""
    return (lang or "").split("-")[0].strip().lower() in RTL_LANGUAGES


def lang_attrs(lang: str | None) -> Markup:
    """`` lang="…"`` plus `` dir="rtl"`` for right-to-left languages: the attributes of an element in ``lang``."""
    direction = ' dir="rtl"' if is_rtl(lang) else ""
    return Markup(f' lang="{escape(lang or "")}"{direction}')


def pct(x: float) -> str:
    """A share as a whole percentage: ``0.256`` -> ``'26%'``."""
    return f"{x:.0%}"


def make_environment(*folders: Path) -> jinja2.Environment:
    """A new Jinja2 environment that finds templates in ``folders`` first, then in :data:`TEMPLATES`.

    Shared helpers are available in every template: filters ``pct`` and ``lang_attrs``, test ``rtl``,
    global ``counted`` (:func:`cardsort.i18n.counted`). Whitespace: ``trim_blocks`` and
    ``lstrip_blocks``, so a line holding only a ``{% … %}`` tag writes nothing.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*map(str, folders), str(TEMPLATES)]),
        autoescape=True, finalize=escape, undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, auto_reload=False)
    env.filters.update(pct=pct, lang_attrs=lang_attrs)
    env.tests["rtl"] = is_rtl
    env.globals["counted"] = counted
    return env


@cache
def environment(*folders: Path) -> jinja2.Environment:
    """:func:`make_environment`, made once per ``folders``."""
    return make_environment(*folders)


def render(template: str, context: Mapping[str, Any], folders: tuple[Path, ...] = ()) -> str:
    """Render ``template`` (a file name in ``folders`` or :data:`TEMPLATES`) with ``context``."""
    return environment(*folders).get_template(template).render(context)
