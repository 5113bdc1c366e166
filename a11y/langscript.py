"""Which writing system a text is in, and which ones a ``lang`` tag allows. Unicode ranges, no ML.

A screen reader picks its voice from ``lang``: Persian text under ``lang="en"`` is
spelled out letter by letter or skipped. Telling Persian from Arabic, or German
from English, needs more than scripts, so the checks built on this module only
catch a ``lang`` whose *script* cannot be right — which is also where the damage is.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections import Counter
from functools import lru_cache

# (first code point, last code point, script), sorted; letters outside every range count as "Other".
_RANGES: list[tuple[int, int, str]] = sorted([
    (0x0041, 0x005A, "Latin"), (0x0061, 0x007A, "Latin"), (0x00C0, 0x024F, "Latin"),
    (0x0250, 0x02AF, "Latin"), (0x1E00, 0x1EFF, "Latin"), (0xFF21, 0xFF3A, "Latin"),
    (0xFF41, 0xFF5A, "Latin"),
    (0x0370, 0x03FF, "Greek"), (0x1F00, 0x1FFF, "Greek"),
    (0x0400, 0x052F, "Cyrillic"), (0x2DE0, 0x2DFF, "Cyrillic"), (0xA640, 0xA69F, "Cyrillic"),
    (0x0530, 0x058F, "Armenian"), (0x0590, 0x05FF, "Hebrew"), (0xFB1D, 0xFB4F, "Hebrew"),
    (0x0600, 0x06FF, "Arabic"), (0x0750, 0x077F, "Arabic"), (0x08A0, 0x08FF, "Arabic"),
    (0xFB50, 0xFDFF, "Arabic"), (0xFE70, 0xFEFF, "Arabic"),
    (0x0780, 0x07BF, "Thaana"), (0x0900, 0x097F, "Devanagari"), (0x0980, 0x09FF, "Bengali"),
    (0x0A00, 0x0A7F, "Gurmukhi"), (0x0A80, 0x0AFF, "Gujarati"), (0x0B00, 0x0B7F, "Oriya"),
    (0x0B80, 0x0BFF, "Tamil"), (0x0C00, 0x0C7F, "Telugu"), (0x0C80, 0x0CFF, "Kannada"),
    (0x0D00, 0x0D7F, "Malayalam"), (0x0D80, 0x0DFF, "Sinhala"), (0x0E00, 0x0E7F, "Thai"),
    (0x0E80, 0x0EFF, "Lao"), (0x0F00, 0x0FFF, "Tibetan"), (0x1000, 0x109F, "Myanmar"),
    (0x10A0, 0x10FF, "Georgian"), (0x1100, 0x11FF, "Hangul"), (0x3130, 0x318F, "Hangul"),
    (0xAC00, 0xD7AF, "Hangul"), (0x1200, 0x137F, "Ethiopic"), (0x1780, 0x17FF, "Khmer"),
    (0x3040, 0x309F, "Hiragana"), (0x30A0, 0x30FF, "Katakana"), (0x31F0, 0x31FF, "Katakana"),
    (0x3400, 0x4DBF, "Han"), (0x4E00, 0x9FFF, "Han"), (0xF900, 0xFAFF, "Han"),
])
_STARTS = [r[0] for r in _RANGES]

_LATIN_LANGS = (
    "af br ca co cs cy da de en eo es et eu fi fil fo fr fy ga gd gl gv ha haw hr ht hu id ig is "
    "it jv kl la lb lt lv mg mi ms mt nb nl nn no oc pl pt qu rm ro rw sk sl sm sn so sq sv sw "
    "tk tl tn to tr vi wo xh yo zu"
).split()
SCRIPTS_OF_LANGUAGE: dict[str, frozenset[str]] = {
    **{lang: frozenset({"Latin"}) for lang in _LATIN_LANGS},
    **{lang: frozenset({"Cyrillic"}) for lang in "ru uk be bg mk kk ky tg mn tt ba cv ce os".split()},
    **{lang: frozenset({"Arabic"}) for lang in "ar fa ur ps sd ug ckb prs".split()},
    **{lang: frozenset({"Hebrew"}) for lang in "he iw yi".split()},
    **{lang: frozenset({"Devanagari"}) for lang in "hi mr ne sa kok mai".split()},
    **{lang: frozenset({"Bengali"}) for lang in "bn as".split()},
    "sr": frozenset({"Cyrillic", "Latin"}), "az": frozenset({"Latin", "Cyrillic"}),
    "uz": frozenset({"Latin", "Cyrillic"}), "ku": frozenset({"Latin", "Arabic"}),
    "bs": frozenset({"Latin", "Cyrillic"}), "pa": frozenset({"Gurmukhi", "Arabic"}),
    "el": frozenset({"Greek"}), "hy": frozenset({"Armenian"}), "ka": frozenset({"Georgian"}),
    "th": frozenset({"Thai"}), "lo": frozenset({"Lao"}), "km": frozenset({"Khmer"}),
    "my": frozenset({"Myanmar"}), "bo": frozenset({"Tibetan"}), "dv": frozenset({"Thaana"}),
    "am": frozenset({"Ethiopic"}), "ti": frozenset({"Ethiopic"}), "si": frozenset({"Sinhala"}),
    "ta": frozenset({"Tamil"}), "te": frozenset({"Telugu"}), "kn": frozenset({"Kannada"}),
    "ml": frozenset({"Malayalam"}), "gu": frozenset({"Gujarati"}), "or": frozenset({"Oriya"}),
    "zh": frozenset({"Han"}), "ja": frozenset({"Han", "Hiragana", "Katakana"}),
    "ko": frozenset({"Hangul", "Han"}),
}
"""Primary language subtag -> scripts its text is written in. Languages not listed are never checked."""

_SCRIPT_SUBTAGS = {
    "latn": {"Latin"}, "cyrl": {"Cyrillic"}, "arab": {"Arabic"}, "hebr": {"Hebrew"}, "grek": {"Greek"},
    "deva": {"Devanagari"}, "hans": {"Han"}, "hant": {"Han"}, "hani": {"Han"},
    "jpan": {"Han", "Hiragana", "Katakana"}, "kore": {"Hangul", "Han"}, "armn": {"Armenian"},
    "geor": {"Georgian"}, "thai": {"Thai"}, "beng": {"Bengali"}, "guru": {"Gurmukhi"},
}


def script_of(char: str) -> str:
    """The script of one letter (``"Latin"``, ``"Arabic"``, ...), ``"Other"`` when not in a known range."""
    code = ord(char)
    i = bisect.bisect_right(_STARTS, code) - 1
    if i >= 0 and _RANGES[i][0] <= code <= _RANGES[i][1]:
        return _RANGES[i][2]
    return "Other"


@lru_cache(maxsize=65536)
def _letter_script(char: str) -> str | None:
    return script_of(char) if unicodedata.category(char).startswith("L") else None


def count_scripts(text: str) -> Counter:
    """Letters of ``text`` per script; digits, punctuation, marks and spaces are not counted."""
    counts: Counter = Counter()
    for char, n in Counter(text).items():
        script = _letter_script(char)
        if script is not None:
            counts[script] += n
    return counts


def scripts_for_lang(lang: str | None) -> frozenset[str] | None:
    """Scripts a BCP 47 tag allows (``"fa-IR"`` -> Arabic, ``"sr-Latn"`` -> Latin), or None if unknown.

    An explicit script subtag wins over the language's usual scripts.
    """
    if not lang or not lang.strip():
        return None
    subtags = lang.strip().replace("_", "-").lower().split("-")
    for sub in subtags[1:]:
        if sub in _SCRIPT_SUBTAGS:
            return frozenset(_SCRIPT_SUBTAGS[sub])
    return SCRIPTS_OF_LANGUAGE.get(subtags[0])


def foreign_share(counts: Counter, allowed: frozenset[str]) -> tuple[str | None, float]:
    """The most common script not in ``allowed`` and its share of all letters.

    Returns ``(None, 0.0)`` when there are no letters or all are in allowed scripts.
    """
    total = sum(counts.values())
    foreign = [(n, s) for s, n in counts.items() if s not in allowed and s != "Other"]
    if not total or not foreign:
        return None, 0.0
    n, script = max(foreign)
    return script, n / total
