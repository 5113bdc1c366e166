"""JSON reporter: the report itself, the contract in docs/architecture.md."""

from __future__ import annotations

import json
from typing import Any


def render_json(report: dict[str, Any]) -> str:
    """The report as indented UTF-8 JSON text (keys in the report's own order)."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"
