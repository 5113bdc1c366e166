"""Dependencies run one way (docs/architecture.md, "Dependencies").

Tree access (``a11y.axtree``) is at the bottom; the checks and the screen-reader preview build on it.
Read from the source with ``ast``, so an import hidden in a function or behind ``TYPE_CHECKING`` counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imports_of(source: str, package: str) -> set[str]:
    """Every module ``source`` imports, as absolute names; ``from a11y import x`` gives ``a11y`` and ``a11y.x``.

    ``package`` is the package the source lives in (for relative imports).
    """
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parent = parts[: len(parts) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def imported_modules(path: Path) -> set[str]:
    package = ".".join(path.relative_to(ROOT).parts[:-1])
    return imports_of(path.read_text(encoding="utf-8"), package)


def test_imports_of_reads_every_form():
    source = ("import a11y.checks\nfrom a11y import preview\nfrom . import crawl\nfrom .reporters import csv\n"
              "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a11y.engine import audit_page\n"
              "def later():\n    import streamlit\n")
    assert imports_of(source, "a11y") == {
        "a11y", "a11y.checks", "a11y.preview", "a11y.crawl", "a11y.reporters", "a11y.reporters.csv",
        "typing", "typing.TYPE_CHECKING", "a11y.engine", "a11y.engine.audit_page", "streamlit"}


@pytest.mark.parametrize(("module", "must_not_import"), [
    ("a11y/axtree.py", {"a11y.checks", "a11y.preview", "a11y.engine"}),
    ("a11y/checks.py", {"a11y.preview", "a11y.engine"}),
    ("a11y/preview.py", {"a11y.checks", "a11y.engine"}),
])
def test_tree_access_is_below_the_checks_and_the_preview(module, must_not_import):
    assert imported_modules(ROOT / module) & must_not_import == set()


def test_the_checks_and_the_preview_build_on_the_tree():
    assert "a11y.axtree" in imported_modules(ROOT / "a11y" / "checks.py")
    assert "a11y.axtree" in imported_modules(ROOT / "a11y" / "preview.py")


@pytest.mark.parametrize(("package", "forbidden"), [
    ("cardsort", {"streamlit", "a11y", "app_pages"}),
    ("a11y", {"streamlit", "app_pages"}),
])
def test_logic_imports_no_pages_and_card_sorting_no_audits(package, forbidden):
    offenders = sorted(str(path.relative_to(ROOT)) for path in (ROOT / package).rglob("*.py")
                       if any(name.split(".")[0] in forbidden for name in imported_modules(path))
                       and path not in SHARED_SCHEMA)
    assert offenders == []


SHARED_SCHEMA = {ROOT / "cardsort" / "migrations" / "models.py"}
"""The one exception: the database is shared, so the list of every table its migrations must match names the
audit tables too (imported only to compare the schema, docs/architecture.md "Dependencies")."""


def test_only_the_schema_list_in_cardsort_names_the_audits_and_only_to_read_their_tables():
    assert {name for name in imported_modules(ROOT / "cardsort" / "migrations" / "models.py")
            if name.startswith("a11y")} == {"a11y", "a11y.history", "a11y.jobs"}
    assert "cardsort.migrations.models" not in imported_modules(ROOT / "cardsort" / "store.py")
