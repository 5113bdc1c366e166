"""Re-record the raw axe-core results under tests/data/axe/ (run by hand, not by pytest).

Serves ``site/v1`` and ``site/v2`` on 127.0.0.1, runs the ``axe.min.js`` shipped in the
installed axe-selenium-python package in Debian's headless Chromium (WCAG 2.2 AA plus best
practices), trims each result to what the reporters read (no passes, no check details) and
writes ``v1/<page>.json`` and ``v2/<page>.json``. URLs are rewritten to port 8000 so a
re-recording only differs where axe's output does.

Usage: ``.venv/bin/python tests/data/axe/record.py``
"""

from __future__ import annotations

import functools
import json
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import axe_selenium_python

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from a11y.browser import make_driver  # noqa: E402

AXE_JS = Path(axe_selenium_python.__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN_AXE = """
const [options, done] = arguments;
axe.run(document, options).then(r => done(r), e => done({error: String(e)}));
"""
NODE_KEYS = ("target", "html", "impact", "failureSummary")
RULE_KEYS = ("id", "impact", "tags", "help", "helpUrl")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: D102
        pass


def trim(raw: dict, port: int) -> dict:
    """Keep the engine version, URL, violations and incomplete; drop passes and check details."""
    def rule(r):
        out = {k: r[k] for k in RULE_KEYS if k in r}
        out["nodes"] = [{k: n[k] for k in NODE_KEYS if k in n} for n in r["nodes"]]
        return out
    return {
        "testEngine": raw["testEngine"],
        "url": raw["url"].replace(f"127.0.0.1:{port}", "127.0.0.1:8000"),
        "violations": [rule(r) for r in raw["violations"]],
        "incomplete": [rule(r) for r in raw["incomplete"]],
    }


def record(version: str, driver, axe_js: str) -> None:
    site = HERE / "site" / version
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(QuietHandler, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    try:
        out_dir = HERE / version
        out_dir.mkdir(exist_ok=True)
        for page in sorted(site.glob("*.html")):
            driver.get(f"http://127.0.0.1:{port}/{page.name}")
            driver.execute_script(axe_js)
            raw = driver.execute_async_script(RUN_AXE, {
                "runOnly": {"type": "tag", "values": TAGS},
                "resultTypes": ["violations", "incomplete"],
            })
            if "error" in raw:
                raise RuntimeError(f"axe failed on {page.name}: {raw['error']}")
            path = out_dir / f"{page.stem}.json"
            path.write_text(json.dumps(trim(raw, port), indent=1, ensure_ascii=False) + "\n")
            print(f"{path.relative_to(HERE)}: {len(raw['violations'])} violations, "
                  f"{len(raw['incomplete'])} incomplete")
    finally:
        server.shutdown()
        server.server_close()


def main() -> None:
    axe_js = AXE_JS.read_text(encoding="utf-8")
    driver = make_driver()
    try:
        driver.set_script_timeout(30)
        for version in ("v1", "v2"):
            record(version, driver, axe_js)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
