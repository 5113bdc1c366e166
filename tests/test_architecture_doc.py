"""docs/architecture.md stays true: every module has its line, every setting the code reads is listed,
and nothing in the repository points at a design file outside it."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGES = ("cardsort", "a11y", "app_pages", "bench")


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


def environment_variables(source: str) -> set[str]:
    """Names read with ``os.environ.get("X")`` or ``os.environ["X"]`` in Python source."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            target, args = node.func.value, node.args
        elif isinstance(node, ast.Subscript):
            target, args = node.value, [node.slice]
        else:
            continue
        if (isinstance(target, ast.Attribute) and target.attr == "environ" and args
                and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str)):
            names.add(args[0].value)
    return names


def test_environment_variables_finds_both_forms():
    source = 'import os\nos.environ.get("A")\nos.environ["B"]\nx = {"D": 1}["D"]\n'
    assert environment_variables(source) == {"A", "B"}


def test_every_setting_the_app_reads_is_documented():
    settings = DOC[DOC.index("### Settings"):DOC.index("### Participant link")]
    files = [ROOT / "streamlit_app.py", *(p for pkg in ("cardsort", "a11y", "app_pages")
                                          for p in (ROOT / pkg).rglob("*.py"))]
    read = set().union(*(environment_variables(p.read_text(encoding="utf-8")) for p in files))
    assert {"DATABASE_URL", "RESEARCHER_PASSWORD", "A11Y_CHROMIUM"} <= read
    # Read through a parameter, not os.environ directly:
    read |= {"A11Y_ALLOWED_HOSTS"}
    assert sorted(name for name in read if f"`{name}`" not in settings) == []


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
