"""``python -m a11y``: exit codes, page sources, report output, preview."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from a11y.__main__ import build_parser, collect_urls, main

from .conftest import HEADER

ROOT = Path(__file__).resolve().parents[2]


def run(*argv: str, driver=None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err, driver=driver)
    return code, out.getvalue(), err.getvalue()


def rules(page: dict) -> dict[str, int]:
    return {f["rule"]: len(f["nodes"]) for f in page["violations"]}


# --- bad input: exit 2, nothing loaded ----------------------------------------------------------

@pytest.mark.parametrize("url", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,x",
                                 "chrome://version", "about:blank"])
def test_refused_schemes_exit_2_before_anything_loads(site_url, site_server, url):
    before = len(site_server.requests)
    code, out, err = run("audit", f"{site_url}/clean/index.html", url)
    assert code == 2
    assert out == ""
    assert err.startswith("a11y: error: refused URL") and err.count("\n") == 1
    assert site_server.requests[before:] == []


def test_refused_url_in_urls_file_exits_2(tmp_path, site_url, site_server):
    urls = tmp_path / "urls.txt"
    urls.write_text(f"# two pages\n{site_url}/clean/index.html\n\nfile:///etc/shadow\n")
    before = len(site_server.requests)
    code, _, err = run("audit", "--urls-file", str(urls))
    assert code == 2
    assert "refused URL 'file:///etc/shadow' (file:)" in err
    assert site_server.requests[before:] == []


@pytest.mark.parametrize("argv, message", [
    (["audit", "http://x.test/", "--standard", "wcag3"], "argument --standard: invalid choice: 'wcag3'"),
    (["audit", "http://x.test/", "--workers", "0"], "argument --workers: expected a whole number >= 1"),
    (["audit", "http://x.test/", "--fail-on", "high"], "argument --fail-on: invalid choice: 'high'"),
    (["audit", "http://x.test/", "--format", "pdf"], "argument --format: invalid choice: 'pdf'"),
])
def test_bad_options_exit_2_with_one_line(capsys, argv, message):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


@pytest.mark.parametrize("argv, message", [
    (["audit", "http://x.test/", "--cookie", "nope"], "bad cookie 'nope': expected NAME=VALUE"),
    (["audit", "http://x.test/", "--header", "nope"], 'bad header \'nope\': expected "Name: value"'),
    (["audit"], "no pages to audit: give URLs, --urls-file or --sitemap"),
    (["audit", "--crawl", "3"], "--crawl needs start pages"),
    (["audit", "http://x.test/", "--remote", "ftp://grid/"], "refused URL 'ftp://grid/'"),
])
def test_bad_values_exit_2_with_one_line(argv, message):
    code, _, err = run(*argv)
    assert code == 2
    assert err == f"a11y: error: {err.removeprefix('a11y: error: ')}" and message in err
    assert err.count("\n") == 1


def test_bad_baseline_and_axe_script_exit_2(tmp_path):
    bad = tmp_path / "old.json"
    bad.write_text('{"pages": "no"}')
    assert run("audit", "http://x.test/", "--baseline", str(bad))[0] == 2
    assert run("audit", "http://x.test/", "--axe-script", str(tmp_path / "none.js"))[0] == 2


# --- which pages (no browser) -------------------------------------------------------------------

def urls_for(*argv: str) -> list[str]:
    return collect_urls(build_parser().parse_args(["audit", *argv]), [], [])


def test_urls_from_arguments_file_and_sitemap_in_order_without_duplicates(tmp_path, site_url):
    listed = tmp_path / "urls.txt"
    listed.write_text(f"{site_url}/clean/data.html\n# skip me\n{site_url}/clean/about.html\n")
    assert urls_for(f"{site_url}/clean/about.html", "--urls-file", str(listed),
                    "--sitemap", f"{site_url}/sitemap-index.xml") == [
        f"{site_url}/clean/about.html", f"{site_url}/clean/data.html", f"{site_url}/clean/contact.html",
        f"{site_url}/defects/images.html"]


def test_crawl_from_the_given_pages(site_url):
    assert urls_for(f"{site_url}/clean/history.html", "--crawl", "4") == [
        f"{site_url}/clean/{p}.html" for p in ("history", "index", "about", "contact")]


def test_allowed_hosts_env_refuses_other_hosts(monkeypatch, site_url):
    monkeypatch.setenv("A11Y_ALLOWED_HOSTS", "example.org")
    code, _, err = run("audit", f"{site_url}/clean/index.html")
    assert code == 2 and "is not in the allowed hosts (example.org)" in err


# --- real audits --------------------------------------------------------------------------------

@pytest.mark.browser
def test_exit_0_below_fail_on_then_1_at_it_with_baseline_and_header(tmp_path, site_url, driver):
    first = tmp_path / "first.json"
    headings = f"{site_url}/defects/headings.html"
    # heading-order is moderate, empty-heading minor: below the default --fail-on serious.
    code, out, err = run("audit", headings, "--output", str(first), driver=driver)
    assert (code, out) == (0, "")
    report = json.loads(first.read_text())
    assert list(report) == ["axe_version", "standard", "pages", "summary"]
    assert (report["axe_version"], report["standard"]) == ("4.10.2", "wcag22aa")
    [page] = report["pages"]
    assert (page["url"], page["status"], page["error"]) == (headings, "ok", None)
    assert rules(page) == {"heading-order": 1, "empty-heading": 1}
    assert "a11y: [1/1] " + headings in err
    assert f"-> {first}; exit 0" in err

    # Same page plus the protected one (header lets it in: image-alt, critical), against the baseline.
    private = f"{site_url}/private/account.html"
    code, out, err = run("audit", headings, private, "--header", ": ".join(HEADER),
                         "--baseline", str(first), "--fail-on", "moderate", driver=driver)
    assert code == 1
    report = json.loads(out)
    assert [rules(p) for p in report["pages"]] == [{"heading-order": 1, "empty-heading": 1}, {"image-alt": 1}]
    assert (report["baseline"]["new"], report["baseline"]["unchanged"], report["baseline"]["fixed"]) == (1, 2, 0)
    assert "a11y: [2/2] " in err


@pytest.mark.browser
def test_exit_2_when_a_page_cannot_be_audited_and_the_rest_is_reported(tmp_path, site_url, driver):
    out_file = tmp_path / "report.sarif"
    code, _, err = run("audit", f"{site_url}/status/500", "--sitemap", f"{site_url}/sitemap.xml",
                       "--format", "sarif", "--output", str(out_file), "--fail-on", "none", driver=driver)
    assert code == 2
    assert f"a11y: not audited: {site_url}/status/500: HTTP 500" in err
    assert "a11y: auditing 3 pages with 1 browser" in err
    sarif = json.loads(out_file.read_text())
    assert sarif["version"] == "2.1.0"
    # The clean sitemap pages give no results; the page that failed is a tool notification.
    [sarif_run] = sarif["runs"]
    assert sarif_run["results"] == []
    [note] = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert f"{site_url}/status/500" in note["message"]["text"] and "HTTP 500" in note["message"]["text"]


@pytest.mark.browser
def test_module_entry_point_writes_json_to_stdout_and_exits_1(site_url):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-m", "a11y", "audit", f"{site_url}/defects/images.html",
                           "--no-best-practice", "--standard", "wcag2a"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["standard"] == "wcag2a"
    assert rules(report["pages"][0]) == {"image-alt": 2, "input-image-alt": 1, "role-img-alt": 1}


@pytest.mark.browser
def test_preview_json(site_url, driver):
    code, out, _ = run("preview", f"{site_url}/clean/contact.html", "--json", driver=driver)
    assert code == 0
    data = json.loads(out)
    assert data["title"] == "Contact us"
    assert data["headings"] == [{"level": 1, "text": "Contact us"}]
    assert [(f["role"], f["name"], f["name_source"]) for f in data["form_fields"]] == [
        ("textbox", "Your name", "label"), ("textbox", "Email address", "label"),
        ("radio", "By email", "label"), ("radio", "By phone", "label"),
        ("combobox", "Topic", "label"), ("textbox", "Message", "label")]


@pytest.mark.browser
def test_preview_text_and_its_errors(site_url, driver):
    code, out, _ = run("preview", f"{site_url}/clean/about.html", driver=driver)
    assert code == 0
    assert out.startswith(f"Screen-reader preview of {site_url}/clean/about.html\nTitle: About the library\n")
    code, _, err = run("preview", f"{site_url}/status/500", driver=driver)
    assert (code, err) == (2, "a11y: error: HTTP 500\n")
    assert run("preview", "file:///etc/passwd", driver=driver)[0] == 2
    assert driver.execute_script("return 1") == 1  # the caller's browser is left open


@pytest.mark.browser
def test_axe_script_replaces_the_packaged_build(tmp_path, site_url, driver):
    # A "newer" build: the packaged one under another version banner (made here, never committed).
    from a11y.engine import default_axe_path
    source = default_axe_path().read_text(encoding="utf-8")
    custom = tmp_path / "axe.min.js"
    custom.write_text("/*! axe v4.99.0-local */\n" + source, encoding="utf-8")
    code, out, _ = run("audit", f"{site_url}/defects/lists.html", "--axe-script", str(custom), driver=driver)
    assert code == 1
    report = json.loads(out)
    assert report["axe_version"] == "4.99.0-local"
    assert rules(report["pages"][0]) == {"list": 1, "listitem": 1}


@pytest.mark.browser
def test_aaa_standard_from_the_command_line(site_url, driver):
    code, out, _ = run("audit", f"{site_url}/precision/contrast-aaa.html", "--standard", "wcag2aaa", driver=driver)
    report = json.loads(out)
    assert (code, report["standard"]) == (1, "wcag2aaa")
    assert rules(report["pages"][0]) == {"color-contrast-enhanced": 1}


@pytest.mark.browser
def test_extra_rules_an_older_axe_does_not_know_are_skipped(tmp_path, site_url, driver):
    # An axe build without td-has-header (renamed here, never committed): asking for it would make axe throw.
    from a11y.engine import default_axe_path
    source = default_axe_path().read_text(encoding="utf-8").replace('"td-has-header"', '"td-has-header-old"')
    custom = tmp_path / "axe.min.js"
    custom.write_text(source, encoding="utf-8")
    code, out, _ = run("audit", f"{site_url}/precision/tables.html", "--axe-script", str(custom), driver=driver)
    assert code == 1
    assert rules(json.loads(out)["pages"][0]) == {"table-fake-caption": 1}
