"""Small helpers the reporters share."""

from __future__ import annotations

import re
from typing import Any

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
