"""``python -m deploy.nginx``: fill ``deploy/nginx.conf`` with the replicas, and run nginx without root.

``render`` gives the http-level text for ``/etc/nginx/conf.d/`` on a real balancer::

    .venv/bin/python -m deploy.nginx --listen 443 --server-name cardsort.example.org \\
        --tls-cert /etc/ssl/cardsort/fullchain.pem --tls-key /etc/ssl/cardsort/privkey.pem \\
        --replica 10.0.0.11:8501 --replica 10.0.0.12:8501 > /etc/nginx/conf.d/cardsort.conf

:class:`LocalNginx` wraps exactly that text in a main configuration whose pid file, logs and temporary
folders are in a folder of the caller's, so a test or a benchmark runs it as any user on a free port.
"""

from __future__ import annotations

import argparse
import functools
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

TEMPLATE = Path(__file__).with_name("nginx.conf")
NGINX = "/usr/sbin/nginx"
_REPLICA = re.compile(r"^[A-Za-z0-9.\-\[\]:]+:\d{1,5}$")
_NAME = re.compile(r"^[A-Za-z0-9.\-_*~^$]+$")


def render(replicas: Sequence[str], *, listen: str = "80", server_name: str = "_",
           access_log: str = "/var/log/nginx/cardsort.access.log", max_fails: int = 3,
           fail_timeout: int = 10, tls_cert: str | None = None, tls_key: str | None = None) -> str:
    """The template with one ``server`` line per replica (``host:port``); raises ``ValueError`` naming
    the bad value (nothing is half-filled).

    With ``tls_cert`` and ``tls_key`` (PEM files) nginx terminates HTTPS on ``listen``.
    """
    if not replicas:
        raise ValueError("at least one --replica HOST:PORT is needed")
    for replica in replicas:
        if not _REPLICA.match(replica):
            raise ValueError(f"--replica must be HOST:PORT, got {replica!r}")
    if not re.fullmatch(r"[\w.:\[\]]+( [\w=]+)*", listen):
        raise ValueError(f"--listen must be a port or ADDRESS:PORT (nginx's listen), got {listen!r}")
    if not all(_NAME.match(n) for n in server_name.split()):
        raise ValueError(f"--server-name must be host names separated by spaces, got {server_name!r}")
    for option, path in (("--access-log", access_log), ("--tls-cert", tls_cert), ("--tls-key", tls_key)):
        if path is not None and (not path or any(c in path for c in ";{}\n\"' $")):
            raise ValueError(f"{option} must be a plain path, got {path!r}")
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("--tls-cert and --tls-key go together")
    tls = ""
    if tls_cert:
        listen += " ssl"
        tls = (f"    ssl_certificate {tls_cert};\n    ssl_certificate_key {tls_key};\n"
               "    ssl_protocols TLSv1.2 TLSv1.3;")
    if max_fails < 1 or fail_timeout < 1:
        raise ValueError("--max-fails and --fail-timeout must be at least 1")
    servers = "\n".join(f"    server {r} max_fails={max_fails} fail_timeout={fail_timeout}s;" for r in replicas)
    return (TEMPLATE.read_text(encoding="utf-8").replace("@UPSTREAM_SERVERS@", servers)
            .replace("@LISTEN@", listen).replace("@SERVER_NAME@", server_name)
            .replace("@ACCESS_LOG@", access_log).replace("@TLS@\n", f"{tls}\n" if tls else ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalNginx:
    """nginx as the current user, with everything it writes under ``workdir``, in front of ``replicas``.

    ``url`` is where it listens (127.0.0.1 on a free port); ``access_log`` holds one line per request
    with the replica that answered (``upstream=``) and the browser's sticky key (``lb=``).
    """

    def __init__(self, workdir: Path, replicas: Sequence[str], *, max_fails: int = 3, fail_timeout: int = 10,
                 tls: tuple[Path, Path] | None = None):
        if not Path(NGINX).is_file():
            raise RuntimeError(f"{NGINX} is missing: run scripts/ensure-nginx (make setup)")
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.access_log = self.workdir / "access.log"
        self.error_log = self.workdir / "error.log"
        self._render = functools.partial(
            render, listen=f"127.0.0.1:{self.port}", server_name="localhost", access_log=str(self.access_log),
            max_fails=max_fails, fail_timeout=fail_timeout, tls_cert=str(tls[0]) if tls else None,
            tls_key=str(tls[1]) if tls else None)
        (self.workdir / "cardsort.conf").write_text(self._render(replicas), encoding="utf-8")
        temp = {name: self.workdir / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
        for path in temp.values():
            path.mkdir(exist_ok=True)
        main = "\n".join([
            "worker_processes 1;", "daemon off;", f"pid {self.workdir / 'nginx.pid'};",
            f"error_log {self.error_log} notice;", "events { worker_connections 1024; }", "http {",
            *(f"    {name}_temp_path {path};" for name, path in temp.items()),
            f"    include {self.workdir / 'cardsort.conf'};", "}", ""])
        self.conf = self.workdir / "nginx.conf"
        self.conf.write_text(main, encoding="utf-8")
        self.proc: subprocess.Popen | None = None

    def _nginx(self, *args: str) -> None:
        done = subprocess.run([NGINX, *args, "-p", str(self.workdir), "-c", str(self.conf)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"nginx {' '.join(args)} failed: {done.stderr.strip()}")

    def reload(self, replicas: Sequence[str]) -> None:
        """New replicas, as on a real balancer: render, ``nginx -t``, ``nginx -s reload`` (no connection dropped)."""
        site = self.workdir / "cardsort.conf"
        old = site.read_text(encoding="utf-8")
        site.write_text(self._render(replicas), encoding="utf-8")
        try:
            self._nginx("-t")
        except RuntimeError:
            site.write_text(old, encoding="utf-8")  # keep the running configuration's file
            raise
        self._nginx("-s", "reload")

    def start(self, timeout: float = 20) -> LocalNginx:
        self._nginx("-t")
        self.proc = subprocess.Popen([NGINX, "-p", str(self.workdir), "-c", str(self.conf)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"nginx did not listen on {self.port} within {timeout} s")

    def upstreams(self) -> list[tuple[str, str, str]]:
        """``(request, upstream, sticky key)`` of every logged request, oldest first."""
        if not self.access_log.is_file():
            return []
        found = []
        for line in self.access_log.read_text(encoding="utf-8", errors="replace").splitlines():
            m = re.search(r'"([^"]*)" \d+ \d+ upstream=(.+?) lb=(\S+)', line)
            if m:
                found.append((m.group(1), m.group(2), m.group(3)))
        return found

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: let workers finish
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr:
            self.proc.stderr.close()

    def __enter__(self) -> LocalNginx:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.nginx", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replica", action="append", default=[], metavar="HOST:PORT",
                        help="a streamlit replica (repeat for each)")
    parser.add_argument("--listen", default="80", help="nginx's listen: PORT or ADDRESS:PORT (default 80)")
    parser.add_argument("--server-name", default="_", help="host name(s) of the site (default: any)")
    parser.add_argument("--access-log", default="/var/log/nginx/cardsort.access.log")
    parser.add_argument("--max-fails", type=int, default=3)
    parser.add_argument("--fail-timeout", type=int, default=10, help="seconds")
    parser.add_argument("--tls-cert", help="PEM certificate (chain): nginx terminates HTTPS on --listen")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    args = parser.parse_args(argv)
    try:
        text = render(args.replica, listen=args.listen, server_name=args.server_name, access_log=args.access_log,
                      max_fails=args.max_fails, fail_timeout=args.fail_timeout, tls_cert=args.tls_cert,
                      tls_key=args.tls_key)
    except ValueError as err:
        parser.error(str(err))
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
