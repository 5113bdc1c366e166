"""docs/architecture.md stays true: every module has its line, every declared setting is listed,
and nothing in the repository points at a design file outside it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from cardsort.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGES = ("cardsort", "a11y", "app_pages", "bench", "deploy")


def section(heading: str) -> str:
    """The text of the ``### `heading` …`` section of the layout."""
    match = re.search(rf"^### `{re.escape(heading)}`.*?(?=^#{{2,3}} )", DOC, re.M | re.S)
    assert match, f"docs/architecture.md has no section for {heading}"
    return match.group(0)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_has_its_line(package):
    text = section(f"{package}/")
    missing = [p.name for p in sorted((ROOT / package).glob("*.py"))
               if p.name != "__init__.py" and f"`{p.name}`" not in text]
    missing += [f"{d.name}/" for d in sorted((ROOT / package).iterdir())
                if (d / "__init__.py").is_file() and f"`{d.name}/`" not in text]
    assert missing == []


def test_every_declared_setting_is_documented_and_nothing_else():
    """The Settings contract names each setting of ``cardsort/settings.py`` (and its secrets.toml key), and only those
    (that no module reads a setting around the declarations is ``tests/test_settings.py``)."""
    table = DOC[DOC.index("### Settings"):DOC.index("### Participant link")]
    first_column = " ".join(re.findall(r"^\| ([^|]+) \|", table, re.M))
    missing = [name for s in SETTINGS.values() for name in (s.name, s.secrets_key) if name and f"`{name}`" not in table]
    assert missing == []
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", first_column))
    assert sorted(documented - set(SETTINGS)) == []


def repository_files():
    """Text files of the project, not entering hidden folders (.venv, .git, bench/.peers) or data/."""
    for folder, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d not in ("data", "node_modules", "__pycache__")]
        for name in files:
            path = Path(folder) / name
            if path.suffix in (".py", ".md", ".toml", ".ini", ".txt", ".js", ".html") and path != Path(__file__):
                yield path


def test_nothing_points_at_a_design_file_outside_the_repository():
    pattern = re.compile(r"DESIGN\.md|COMMON\.md|\.\./shared/")
    offenders = [str(path.relative_to(ROOT)) for path in repository_files()
                 if pattern.search(path.read_text(encoding="utf-8", errors="replace"))]
    assert offenders == []


def test_links_into_the_document_land_on_a_heading():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    anchors = (set(re.findall(r"docs/architecture\.md#([\w-]+)", readme + DOC))
               | set(re.findall(r"\]\(#([\w-]+)\)", DOC)))
    headings = {re.sub(r"[^\w -]", "", h).strip().lower().replace(" ", "-")
                for h in re.findall(r"^#{2,3} (.+)$", DOC, re.M)}
    assert anchors and anchors <= headings
