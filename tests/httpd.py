"""A tiny local HTTP server for tests that need their own routes (redirects, hangs, request logs)."""

from __future__ import annotations

import http.server
import threading


class Handler(http.server.BaseHTTPRequestHandler):
    """Quiet handler with a helper to answer a small HTML page."""

    def send_html(self,
                  body: bytes = b"<!doctype html><html lang='en'><title>ok</title><main><h1>ok</h1></main></html>",
                  status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def serve(handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.ThreadingHTTPServer:
    """Start ``handler`` on a free 127.0.0.1 port in a daemon thread; call ``shutdown()`` when done."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
