"""The one check every JSON object of the study spec and its companions makes first: no unknown keys."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def refuse_unknown(data: Mapping[str, Any], allowed: Iterable[str], noun: str, where: str = "") -> None:
    """Raise ``ValueError("unknown <noun> 'x'<where>; allowed: a, b")`` for the first unknown key (sorted),
    listing ``allowed`` in the order given."""
    allowed = tuple(allowed)
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {noun} {unknown[0]!r}{where}; allowed: {', '.join(allowed)}")
