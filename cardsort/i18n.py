"""Participant-facing strings in the study's language.

One JSON file per language in ``cardsort/locales/`` holds every string the
participant sees (pages and board). Adding a language means adding one file with
the same keys; ``tests/cardsort/test_i18n.py`` fails when a key or a placeholder
is missing. Strings that depend on a number are objects keyed by CLDR plural
category (``zero``, ``one``, ``two``, ``few``, ``many``, ``other``).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

LOCALES = Path(__file__).resolve().parent / "locales"
DEFAULT_LANGUAGE = "en"
PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")


def available_languages() -> tuple[str, ...]:
    """Language codes with a locale file, sorted, e.g. ``('ar', 'en', 'fa', 'ru', 'tr')``."""
    return tuple(sorted(p.stem for p in LOCALES.glob("*.json")))


def resolve_language(tag: str | None) -> str:
    """The locale to use for a BCP 47 tag: ``'fa-IR'`` -> ``'fa'``; unknown or empty -> ``'en'``."""
    primary = (tag or "").split("-")[0].strip().lower()
    return primary if primary in available_languages() else DEFAULT_LANGUAGE


@cache
def _catalog(lang: str) -> dict[str, Any]:
    path = LOCALES / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8"))


def messages(lang: str) -> dict[str, Any]:
    """Every string of ``lang`` (English for missing keys), plus ``_meta`` (name, direction).

    Returns
    -------
    dict
        ``{key: str or {plural category: str}}``; a fresh copy the caller may change.
    """
    lang = resolve_language(lang)
    merged = dict(_catalog(DEFAULT_LANGUAGE))
    merged.update(_catalog(lang))
    return json.loads(json.dumps(merged))


def direction(lang: str) -> str:
    """``'rtl'`` for right-to-left languages (Persian, Arabic), else ``'ltr'``."""
    return _catalog(resolve_language(lang))["_meta"]["direction"]


def plural_category(lang: str, n: int) -> str:
    """CLDR plural category of the whole number ``n`` in ``lang``.

    Examples
    --------
    >>> plural_category("ru", 3), plural_category("ru", 11), plural_category("ar", 2)
    ('few', 'many', 'two')
    """
    lang = resolve_language(lang)
    n = abs(int(n))
    if lang == "ru":
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    if lang == "ar":
        if n in (0, 1, 2):
            return ("zero", "one", "two")[n]
        if 3 <= n % 100 <= 10:
            return "few"
        if 11 <= n % 100 <= 99:
            return "many"
        return "other"
    if lang == "fa":
        return "one" if n in (0, 1) else "other"
    return "one" if n == 1 else "other"


def counted(n: int, forms: dict[str, str], lang: str = "en") -> str:
    """``n`` with the plural form of a noun that fits it in ``lang``, e.g. ``'1 label'``, ``'3 labels'``.

    ``forms`` maps CLDR plural categories to the word (``{'one': 'label', 'other': 'labels'}``);
    a category missing from ``forms`` falls back to ``'other'``. The researcher pages use this for
    every count they print, with the same plural rules as the participant side.

    >>> counted(1, {"one": "category", "other": "categories"}), counted(2_024, {"one": "sort", "other": "sorts"})
    ('1 category', '2,024 sorts')
    """
    word = forms.get(plural_category(lang, n)) or forms["other"]
    return f"{n:,} {word}"


def format_number(n: int, digits: str | None = None) -> str:
    """``n`` written with the ten ``digits`` of a script, e.g. ``'۰۱۲۳۴۵۶۷۸۹'`` (default ASCII)."""
    text = str(n)
    return text.translate(str.maketrans("0123456789", digits)) if digits else text


def translate(lang: str, key: str, /, count: int | None = None, **values: Any) -> str:
    """The string ``key`` in ``lang`` with ``{placeholders}`` filled in.

    Parameters
    ----------
    lang : str
        Study language (BCP 47); unknown languages fall back to English.
    key : str
        A key of the locale files, e.g. ``'req_unsorted'``.
    count : int or None, default=None
        Picks the plural form of plural strings, and fills ``{count}``.
    **values
        Other placeholders, e.g. ``group='Visit'``.

    Raises
    ------
    ValueError
        For an unknown key, a plural string without ``count``, or a missing placeholder value.
    """
    catalog = messages(lang)
    if key not in catalog or key.startswith("_"):
        raise ValueError(f"unknown message key {key!r}")
    text = catalog[key]
    if isinstance(text, dict):
        if count is None:
            raise ValueError(f"message {key!r} has plural forms: pass count")
        category = plural_category(lang, count)
        text = text.get(category) or text["other"]
    if count is not None:
        values["count"] = count

    digits = catalog["_meta"].get("digits")

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise ValueError(f"message {key!r} needs a value for {{{name}}}")
        value = values[name]
        if digits and isinstance(value, int) and not isinstance(value, bool):
            return format_number(value, digits)
        return str(value)

    return _PLACEHOLDER_RE.sub(fill, text)


__all__ = [
    "available_languages", "counted", "direction", "format_number", "messages", "plural_category", "resolve_language",
    "translate",
]
