"""bench.a11y_bench and bench.pages: the script-rendered pages, the stage flags and the report logic (no timing)."""

import json
import subprocess
import sys

import pytest

from bench.a11y_bench import (
    Run,
    serve,
    stage_cost_rows,
    stage_costs,
    stage_flags,
    summarise,
    summarise_spa,
)
from bench.common import ROOT
from bench.pages import SPA_RENDER_DELAY_MS, generate_site, generate_spa_site
from bench.pages.site import LANG_RULE, TITLE_RULE

HELP_WITHOUT_STATES = """usage: python -m a11y audit [-h] [--no-best-practice] [--no-viewport]
                            [--no-keyboard] [--workers N] [--no-settle]
  --no-viewport         skip the reflow (320 px wide) and text-spacing checks
  --no-keyboard         skip the keyboard walk
  --no-settle           audit right after load: no waiting, no scrolling
"""


def test_stage_flags_are_read_from_the_help_text():
    assert stage_flags(HELP_WITHOUT_STATES) == {"settle": "--no-settle", "viewport": "--no-viewport",
                                                "keyboard": "--no-keyboard"}
    with_states = HELP_WITHOUT_STATES + "  --no-states           leave disclosures closed\n"
    assert stage_flags(with_states) == {"settle": "--no-settle", "viewport": "--no-viewport",
                                        "keyboard": "--no-keyboard", "states": "--no-states"}
    # A longer flag that merely starts with a known one is not taken for it.
    assert stage_flags("[--no-statesman] [--no-settled]") == {}


def test_spa_pages_hold_the_static_pages_content_and_defects_in_their_json(tmp_path):
    static = generate_site(tmp_path, n_pages=10)
    spa = generate_spa_site(tmp_path, n_pages=10)
    assert [p.path for p in spa.pages] == [f"spa-{n:02d}.html" for n in range(1, 11)]
    assert [p.planted for p in spa.pages] == [p.planted for p in static.pages]
    page4, page5 = spa.pages[3], spa.pages[4]
    # Page 4 has no lang (planted in the shell, so not late); page 5 has an iframe with a button-name defect.
    assert LANG_RULE in page4.planted and page4.rendered_late == page4.planted - {LANG_RULE}
    assert page5.rendered_late == {"button-name", "label", "link-name", "color-contrast"}
    shell = (tmp_path / "spa-05.html").read_text(encoding="utf-8")
    data = json.loads((tmp_path / "data" / "spa-05.json").read_text(encoding="utf-8"))
    assert data["title"] == "Digital lending | Northwind Public Library"
    assert '<p role="status">Loading...</p>' in shell and "<title>Loading: Digital lending" in shell
    assert f"}}, {SPA_RENDER_DELAY_MS}));" in shell and 'fetch("data/spa-05.json")' in shell
    for planted in ("<!-- planted: link-name -->", "<!-- planted: label -->", 'src="frames/frame-05.html"'):
        assert planted in data["html"] and planted not in shell
    # Without a title the JSON carries none, so the document-title defect stays after the render.
    page7 = spa.pages[6]
    assert TITLE_RULE in page7.planted and TITLE_RULE not in page7.rendered_late
    assert json.loads((tmp_path / "data" / "spa-07.json").read_text(encoding="utf-8"))["title"] is None
    # Deterministic: the same seed writes the same bytes.
    generate_spa_site(tmp_path / "again", n_pages=10)
    assert (tmp_path / "again" / "spa-05.html").read_bytes() == shell.encode()
    assert (tmp_path / "again" / "data" / "spa-05.json").read_text(encoding="utf-8") == json.dumps(data)


def _run(tool, seconds, cpu, found, n=2, **detail):
    return Run(tool, tool, seconds, n, found=found, cpu_s=cpu, detail=detail)


def test_summarise_spa_counts_found_missed_and_late_defects(tmp_path):
    site = generate_spa_site(tmp_path, n_pages=5)
    base = "http://127.0.0.1:9/"
    urls = site.urls(base)
    everything = {url: set(page.planted) for url, page in zip(urls, site.pages)}
    shell_only = {url: set(page.planted - page.rendered_late) for url, page in zip(urls, site.pages)}
    spa = summarise_spa({"ours-w2": _run("ours-w2", 10.0, 12.0, everything, n=5),
                         "pa11y-ci": _run("pa11y-ci", 5.0, 8.0, shell_only, n=5)}, site, base)
    total = sum(len(p.planted) for p in site.pages)
    late = sum(len(p.rendered_late) for p in site.pages)
    assert (total, late) == (17, 16)  # page 4 has no lang: the one defect of the loading state
    ours, peer = spa["tools"]["ours-w2"], spa["tools"]["pa11y-ci"]
    assert (ours["found"], ours["missed"], ours["late_found"], ours["late_total"], ours["sane"]) == (17, 0, 16, 16,
                                                                                                     True)
    assert (peer["found"], peer["missed"], peer["late_found"], peer["sane"]) == (1, 16, 0, False)
    assert (peer["pages_per_minute"], peer["cpu_seconds_per_page"]) == (60.0, 1.6)


def test_stage_costs_and_targets_from_the_runs(tmp_path):
    site = generate_site(tmp_path, n_pages=2)
    base = "http://127.0.0.1:9/"
    found = {url: set(page.planted) for url, page in zip(site.urls(base), site.pages)}
    walks = {"pages": 2, "mean_seconds": 1.25, "median_seconds": 1.25, "max_seconds": 1.5, "mean_presses": 60,
             "mean_stops": 30, "ended": {"complete": 2}}
    runs = {"pa11y-ci": _run("pa11y-ci", 4.0, 6.0, found), "axe-cli": _run("axe-cli", 6.0, 7.0, found),
            "ours-w2": _run("ours-w2", 1.8, 5.0, found), "ours-w1": _run("ours-w1", 9.0, 8.0, found, keyboard=walks),
            "ours-lean": _run("ours-lean", 5.0, 4.0, found), "ours-no-states": _run("ours-no-states", 8.0, 7.5, found),
            "reference": _run("reference", 2.0, 2.0, found)}
    one_page = _run("ours-lean", 3.8, 3.0, found, n=1)
    results = summarise(runs, one_page, site, base)
    assert stage_costs(runs) == {
        "all_stages": {"seconds_per_page": 2.0, "cpu_seconds_per_page": 2.0, "method": "ours-w1 - ours-lean, per page"},
        "states": {"seconds_per_page": 0.5, "cpu_seconds_per_page": 0.25,
                   "method": "ours-w1 - ours-no-states, per page"},
        "keyboard": {"seconds_per_page": 1.25, "method": "mean of the report's per-page keyboard seconds"}}
    assert results["stage_costs"] == stage_costs(runs)
    # pages/min: ours-w2 66.7, pa11y-ci 30, axe-cli 20; lean marginal (5.0 - 3.8) / 1 = 1.2 s vs 1.0 s reference.
    assert [(t["value"], t["pass"]) for t in results["targets"]] == [(2.22, True), (2.22, False), (3.33, True),
                                                                     (1.2, True)]
    assert results["tools"]["ours-lean"]["marginal_seconds_per_page"] == 1.2
    results["settle_cost"] = {"static": {"mean_ms": 20.0}, "scripted": {"mean_ms": 400.0}, "spa": {"mean_ms": 1600.0}}
    results["viewport_checks"] = {"mean_s": 0.3, "cpu_s_per_page": 0.2}
    results["stage_flags"] = {"settle": "--no-settle"}
    assert [row[:3] for row in stage_cost_rows(results)] == [
        ["settle + scroll (static pages)", "0.020", "-"], ["settle + scroll (one inert script)", "0.400", "-"],
        ["settle + scroll (script-rendered pages)", "1.600", "-"], ["viewport checks", "0.300", "0.200"],
        ["keyboard walk", "1.250", "-"], ["open states", "0.500", "0.250"], ["all stages together", "2.000", "2.000"]]
    del runs["ours-no-states"]
    assert [row[0] for row in stage_cost_rows({**results, "stage_costs": stage_costs(runs)})][-3:] == [
        "keyboard walk", "all stages together", "open states"]


def _audit(url: str, output, *flags: str) -> dict[str, set[str]]:
    subprocess.run([sys.executable, "-m", "a11y", "audit", url, "--format", "json", "--output", str(output),
                    "--no-keyboard", "--no-viewport", *flags], cwd=ROOT, timeout=600, capture_output=True)
    report = json.loads(output.read_text(encoding="utf-8"))
    return {p["url"]: {v["rule"] for v in p["violations"] if v["source"] == "axe"} for p in report["pages"]}


@pytest.mark.browser
def test_a_spa_page_renders_its_defects_late_and_our_default_audit_waits_for_them(tmp_path):
    site = generate_spa_site(tmp_path / "site", n_pages=5)
    # A page without an iframe: a frame inserted by the render may still be loading when the quiet
    # window ends (the settle stage does not wait for frame loads), which would make this test flaky.
    page = site.pages[0]
    with serve(site.root) as base:
        url = site.urls(base)[0]
        settled = _audit(url, tmp_path / "settled.json")[url]
        at_load = _audit(url, tmp_path / "at-load.json", "--no-settle")[url]
    assert page.rendered_late == page.planted == {"color-contrast", "link-name", "select-name"}
    assert page.planted <= settled
    assert not (page.rendered_late & at_load)


def test_the_tool_lists_are_checked(capsys):
    from bench.a11y_bench import _parse_args

    args = _parse_args(["--pages", "4", "--tools", "ours-w2,pa11y-ci", "--spa-tools", ""])
    assert (args.pages, args.tools, args.spa_tools) == (4, ["ours-w2", "pa11y-ci"], [])
    assert _parse_args([]).spa_tools == ["pa11y-ci", "axe-cli", "ours-w2"]
    with pytest.raises(SystemExit):
        _parse_args(["--spa-tools", "reference"])
    assert "unknown tool(s) reference in --spa-tools" in capsys.readouterr().err
