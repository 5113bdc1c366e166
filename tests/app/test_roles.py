"""Roles on every page: one parametrised AppTest over every page streamlit_app.py registers, and every write action.

Built so that nothing can be forgotten:

- the pages come from ``ACCESS`` in streamlit_app.py (read from its source), and every file in app_pages/ must be
  registered there or be one of the two public pages; ``POLICY`` below is the rule stated again, so a new page
  fails until someone decides who may open it;
- **a write widget** is any enabled widget on a page that is not a view control (``VIEW_KEYS``: pickers,
  filters, segments, refresh, downloads, building the report) plus every editable table. Viewers must see none;
  researchers and admins must see exactly ``WRITES[page]``, so a new widget fails here until it is classified;
- **a write action** is a widget callback (``on_click``/``on_change``) in app_pages/: each is decorated with
  ``@requires(...)`` (``app_pages/_signin.py``), which refuses it server-side, or is named in ``UI_CALLBACKS``
  as one that only changes what the form shows. A demoted researcher's click is refused (last test).
"""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from a11y import history
from cardsort import accounts, demo, store
from tests.a11y.test_report import v1_report, v2_report
from tests.app._researcher import EMAILS, ENTRY, PAGES, app, texts

ROOT = Path(__file__).resolve().parents[2]
PUBLIC = {"app_pages/login.py", "app_pages/sort.py"}  # the sign-in page and the participants' page
POLICY = {"studies": "edit", "results": "read", "standardise": "edit", "trust": "read", "import": "edit",
          "paper": "edit", "audit": "edit", "audit-results": "read", "audit-history": "read", "preview": "read",
          "site-report": "read", "accounts": "admin"}
VIEW_KEYS = re.compile("|".join([
    r"study_choice|trust_study|site_report_study|method|trust_method",  # which study, which method
    r"(segment|compare):.*|k:.*|max_distance",  # which participants, how many categories
    r"refresh|live|build_report:.*|notes_read:.*",  # read again; build the report to download; notes, read-only
    r"results_audit|f_.*|history_site|diff_before|diff_after|site_report_audit",  # which audit, which findings
    r"preview_url|FormSubmitter:preview_form-Show the preview",  # a screen-reader preview of a page
]))
WRITES = {"trust": ["editable table", "exclude_flagged", "notes:demo1", "save_exclusions", "save_notes"]}
UI_CALLBACKS = {"_add_rows", "_load_cards_csv", "_ask", "_cancel"}  # change only what a form shows
WIDGETS = ("button", "checkbox", "toggle", "text_input", "text_area", "number_input", "selectbox", "multiselect",
           "radio", "slider", "select_slider", "date_input", "time_input", "color_picker", "chat_input")
ROLES = (None, "viewer", "researcher", "admin")
TITLES = {"studies": "Studies", "results": "Results", "standardise": "Standardise category names",
          "trust": "Trust the results", "import": "Import results", "paper": "Paper sorts", "audit": "Audit a site",
          "audit-results": "Audit results", "audit-history": "Audit history", "preview": "Screen-reader preview",
          "site-report": "Site report", "accounts": "Accounts"}


def registered() -> list[tuple[str, str, str, str]]:
    """``ACCESS`` of streamlit_app.py, read from its source: (file, title, url path, what it needs)."""
    tree = ast.parse(ENTRY.read_text(encoding="utf-8"))
    [node] = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "ACCESS"]
    return ast.literal_eval(node.value)


PAGE_FILES = {url: path for path, _, url, _ in registered()}


def test_every_page_is_registered_with_the_access_the_policy_gives_it():
    assert {url: needs for _, _, url, needs in registered()} == POLICY
    files = {f"app_pages/{p.name}" for p in PAGES.glob("*.py") if not p.name.startswith("_")}
    assert files == set(PAGE_FILES.values()) | PUBLIC
    assert set(TITLES) == set(POLICY)


@pytest.fixture
def seeded(app_db):
    """The demo study with its sorts (id demo1) and two stored audits: every page has something to show."""
    study = store.create_study(app_db, demo.demo_study("demo1"))
    store.import_sorts(app_db, study.id, demo.demo_sorts(study))
    t0 = datetime(2026, 11, 1, 9, tzinfo=UTC)
    history.save_audit(app_db, v1_report(), finished_at=t0)
    history.save_audit(app_db, v2_report(), finished_at=t0 + timedelta(days=1))
    return app_db


def open_as(role: str | None, url: str) -> AppTest:
    at = app(signed_in=role is not None, role=role or "admin").run()
    at.query_params["study"] = "demo1"
    at.switch_page(PAGE_FILES[url])
    return at.run()


def write_widgets(at: AppTest, *, enabled: bool = True) -> list[str]:
    """The keys of the page's write widgets (see the module's docstring; only the enabled ones unless told),
    "editable table" and "file upload"."""
    found = [str(w.key) for kind in WIDGETS for w in at.main.get(kind)
             if not (enabled and getattr(w, "disabled", False)) and not VIEW_KEYS.fullmatch(str(w.key))]
    found += ["editable table" for d in at.main.dataframe if d.proto.editing_mode != 0]
    found += ["file upload" for _ in at.main.get("file_uploader")]
    return sorted(found)


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "signed-out")
@pytest.mark.parametrize("url", list(POLICY))
def test_each_role_gets_what_the_policy_gives_it_on_every_page(seeded, url, role):
    at = open_as(role, url)
    assert not at.exception, at.exception
    titles = [t.value for t in at.title]
    if role is None:
        assert titles == ["Sign in"]
        assert [t.label for t in at.text_input] == ["Email", "Password"] and "demo1" not in texts(at)
        return
    if not accounts.can(role, POLICY[url]):
        assert titles == ["Not for your role"]
        does = {"edit": "changes studies, results or audits", "admin": "manages the team's accounts"}[POLICY[url]]
        assert [e.value for e in at.error] == [f"This page {does}. Your account ({EMAILS[role]}) is a {role}, so it "
                                               "cannot. An admin can change your role on the Accounts page."]
        assert sum(len(at.main.get(kind)) for kind in WIDGETS) == 0 and len(at.main.dataframe) == 0
        return
    assert titles[0] == TITLES[url]
    if POLICY[url] == "read":
        if role == "viewer":
            assert write_widgets(at) == []
        else:  # every widget classified, the disabled ones too
            assert write_widgets(at, enabled=False) == WRITES.get(url, [])


def test_each_role_starts_on_the_first_page_it_may_open(seeded):
    for role, first in (("viewer", "Results"), ("researcher", "Studies"), ("admin", "Studies")):
        assert [t.value for t in app(signed_in=True, role=role).run().title] == [first], role


def _callbacks(path: Path) -> list[tuple[str, bool]]:
    """(callback, guarded) for every on_click/on_change of a page: guarded if decorated with or wrapped in requires."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}

    def is_requires(node) -> bool:
        return isinstance(node, ast.Call) and getattr(node.func, "id", "") == "requires"

    found = []
    for call in ast.walk(tree):
        for kw in getattr(call, "keywords", []) if isinstance(call, ast.Call) else []:
            if kw.arg not in ("on_click", "on_change") or isinstance(kw.value, ast.Constant):
                continue  # on_click="ignore": a download, nothing runs
            if isinstance(kw.value, ast.Call) and is_requires(kw.value.func):
                found.append((ast.unparse(kw.value), True))
            elif isinstance(kw.value, ast.Name) and kw.value.id in functions:
                decorators = functions[kw.value.id].decorator_list
                found.append((kw.value.id, any(is_requires(d) for d in decorators)))
            else:
                found.append((ast.unparse(kw.value), False))
    return found


@pytest.mark.parametrize("path", sorted(p for p in PAGES.glob("*.py") if p.name != "_signin.py"), ids=lambda p: p.name)
def test_every_write_callback_is_refused_server_side_unless_the_role_may(path):
    unguarded = [name for name, guarded in _callbacks(path) if not guarded and name not in UI_CALLBACKS]
    assert unguarded == []


def test_a_researcher_demoted_while_the_page_is_open_cannot_write(seeded):
    at = app(signed_in=True, role="researcher").run()
    at.query_params["study"] = "demo1"
    at.switch_page(PAGE_FILES["studies"]).run()
    researcher = accounts.find_by_email(seeded, EMAILS["researcher"])
    accounts.set_role(seeded, researcher.id, "viewer")  # an admin, elsewhere
    at.button(key="dup:demo1").click().run()  # the button this page showed before
    assert len(store.list_studies(seeded)) == 1  # not duplicated
    assert "Your role cannot do this: it changes studies, results or audits." in [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Not for your role"]
