"""Settings stay declared in one place: README.md lists exactly the declared settings, and no module but
``cardsort/settings.py`` reads one itself (read from the source with ``ast``, so a new read cannot slip by)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cardsort.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
SETTINGS_MODULE = ROOT / "cardsort" / "settings.py"
APP_CODE = (ROOT / "streamlit_app.py",
            *(p for pkg in ("cardsort", "a11y", "app_pages") for p in (ROOT / pkg).rglob("*.py")))
ALL_CODE = (*APP_CODE, *(p for pkg in ("bench", "tests") for p in (ROOT / pkg).rglob("*.py")))


def readme_settings() -> dict[str, str]:
    """The README's settings table: each setting's name and its secrets.toml key ('' when it has none)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## Settings\n(.*?)(?=^## )", readme, re.M | re.S)
    assert match, "README.md has no '## Settings' section"
    return {name: key for name, key in re.findall(r"^\| `([A-Z0-9_]+)` \| (?:`([\w.]+)`)? *\|", match.group(1), re.M)}


def test_the_readme_lists_every_declared_setting_and_no_other():
    documented = readme_settings()
    assert sorted(set(SETTINGS) - set(documented)) == [], "declared but missing from README.md's settings table"
    assert sorted(set(documented) - set(SETTINGS)) == [], "in README.md's settings table but not declared"
    assert documented == {name: s.secrets_key or "" for name, s in SETTINGS.items()}


def setting_reads(source: str, names: set[str]) -> list[tuple[int, str]]:
    """(line, name) of every read of one of ``names``: ``os.environ.get("X")``, ``os.getenv("X")``,
    ``environ["X"]``, ``"X" in os.environ``, and the same on any mapping (a parsed secrets file, a
    parameter standing for the environment). Writes (``env["X"] = …``, ``dict(os.environ, X=…)``,
    ``monkeypatch.setenv("X", …)``) are not reads."""
    def named(node: ast.AST | None) -> str | None:
        if isinstance(node, ast.Constant) and node.value in names:
            return node.value
        return None

    def declarations(node: ast.AST) -> bool:  # settings.SETTINGS["X"] is the declaration, not a read
        return (isinstance(node, ast.Name) and node.id == "SETTINGS") or (
            isinstance(node, ast.Attribute) and node.attr == "SETTINGS")

    found = []
    for node in ast.walk(ast.parse(source)):
        name = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if called in ("get", "getenv", "getenvb"):
                name = named(node.args[0])
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) and not declarations(node.value):
            name = named(node.slice)
        elif isinstance(node, ast.Compare) and isinstance(node.ops[0], ast.In | ast.NotIn):
            name = named(node.left)
        if name:
            found.append((node.lineno, name))
    return found


def test_setting_reads_finds_every_form_and_no_write():
    source = ('import os\nos.environ.get("A")\nos.getenv("B")\nos.environ["C"]\n"D" in os.environ\n'
              '(os.environ if e is None else e).get("E")\ntomllib.loads(t).get("F")\n'
              'env = dict(os.environ, A="1")\nenv["B"] = "2"\nmonkeypatch.setenv("C", "3")\nos.environ.get("Z")\n'
              'settings.SETTINGS["A"].default\nSETTINGS["B"]\n')
    assert setting_reads(source, {"A", "B", "C", "D", "E", "F"}) == [
        (2, "A"), (3, "B"), (4, "C"), (5, "D"), (6, "E"), (7, "F")]


def test_no_module_but_the_settings_module_reads_a_declared_setting():
    offenders = [f"{path.relative_to(ROOT)}:{line} reads {name}"
                 for path in ALL_CODE if path != SETTINGS_MODULE
                 for line, name in setting_reads(path.read_text(encoding="utf-8"), set(SETTINGS))]
    assert offenders == []


def test_the_app_code_touches_the_environment_only_in_the_settings_module():
    """Stricter for the app's own code: not even an undeclared or computed name (``os.environ.get(env)``)."""
    pattern = re.compile(r"\bos\.(environ|getenv|getenvb)\b|\bfrom os import\b")
    offenders = [str(path.relative_to(ROOT)) for path in APP_CODE
                 if path != SETTINGS_MODULE and pattern.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
