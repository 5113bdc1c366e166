"""docs/deploy.md's commands are the ones the tests run: each is read from the page and run, or compared with
what ``tests/reliability/test_balancer.py`` runs (the replica command, the nginx rendering)."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

from bench.deployment import replica_command
from cardsort import auth, settings
from deploy.nginx import render

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "deploy.md"
VENV_PYTHON = ".venv/bin/python"


def section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/deploy.md has no section {title!r}"
    return match.group(1)


def commands(title: str) -> list[str]:
    """The shell commands of a section's ```sh blocks, continuation lines joined."""
    found = []
    for block in re.findall(r"```sh\n(.*?)```", section(title), re.S):
        found += [line.strip() for line in block.replace("\\\n", " ").splitlines() if line.strip()]
    return found


def run(command: str, stdin: str = "") -> str:
    """A documented command as the shell runs it, from the project's folder, without a terminal."""
    done = subprocess.run(["bash", "-c", command], cwd=ROOT, input=stdin, capture_output=True, text=True,
                          timeout=60, start_new_session=True)  # no controlling terminal: getpass reads stdin
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_documented_sections_are_there_in_order():
    headings = re.findall(r"^## (.+)$", DOC.read_text(encoding="utf-8"), re.M)
    assert headings == ["The shape", "Secrets", "Database: PostgreSQL", "Migrations", "Replicas",
                        "Load balancer: nginx", "Failover: what a replica's death means", "Audit workers",
                        "Sign-in with an identity provider", "Browsers on a grid", "Which URLs may be audited",
                        "Load against a deployment"]


def test_the_secret_commands_make_a_cookie_secret_and_a_password_hash_the_app_accepts():
    make_secret, make_hash = commands("Secrets")
    assert make_secret.startswith(VENV_PYTHON) and make_hash.startswith(VENV_PYTHON)
    secret = run(make_secret)
    assert len(secret) == 43
    assert settings.value("COOKIE_SECRET", environ={"COOKIE_SECRET": secret}) == secret
    assert run(make_secret) != secret
    password_hash = run(make_hash, stdin="a researcher's password\n")
    assert password_hash.startswith("scrypt$")
    assert auth.verify_password("a researcher's password", password_hash)
    assert not auth.verify_password("another password", password_hash)


def test_the_replica_command_is_the_one_the_balancer_test_starts():
    (documented,) = commands("Replicas")
    tested = replica_command(8501)
    assert tested[0] == sys.executable
    expected = [VENV_PYTHON, *tested[1:]]
    expected[expected.index("127.0.0.1")] = "0.0.0.0"
    assert shlex.split(documented) == expected


def test_the_nginx_commands_render_the_tested_configuration():
    render_command, check_and_reload = commands("Load balancer: nginx")
    assert check_and_reload == "nginx -t && nginx -s reload"  # what LocalNginx.start and .reload run
    to_stdout = render_command.split(" > ")[0]
    assert render_command.endswith("> /etc/nginx/conf.d/cardsort.conf")
    assert run(to_stdout) == render(
        ["10.0.0.11:8501", "10.0.0.12:8501"], listen="443", server_name="cardsort.example.org",
        tls_cert="/etc/ssl/cardsort/fullchain.pem", tls_key="/etc/ssl/cardsort/privkey.pem").strip()


def test_the_load_commands_use_options_the_benchmark_has():
    help_text = run(f"{VENV_PYTHON} -m bench load --help")
    documented = commands("Load against a deployment")
    assert len(documented) == 2
    for command in documented:
        assert f" {VENV_PYTHON} -m bench load " in f" {command} "
        for option in re.findall(r"(--[a-z-]+)", command):
            assert option in help_text, option


def test_the_worker_commands_use_options_the_worker_has():
    help_text = run(f"{VENV_PYTHON} -m a11y worker --help")
    documented = [c.split("#")[0].strip() for c in commands("Audit workers") if not c.startswith("#")]
    assert documented == [f"{VENV_PYTHON} -m a11y worker --concurrency 2", f"{VENV_PYTHON} -m a11y worker --once"]
    for command in documented:
        for option in re.findall(r"(--[a-z-]+)", command):
            assert option in help_text, option
