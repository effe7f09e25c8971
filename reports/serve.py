"""`gongkai serve`: the report directory over HTTP on 127.0.0.1 only, for a quick look (issue 5).

Loopback only on purpose: the report names sites' defects before a 通报 is issued, and this
server has no authentication; publish the directory with a real web server instead.
"""

from __future__ import annotations

import functools
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


class ReportHandler(SimpleHTTPRequestHandler):
    """Serve files of one directory; no caching (a new run replaces them), quiet by default."""

    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".css": "text/css; charset=utf-8",
        ".js": "text/javascript; charset=utf-8",
        ".json": "application/json; charset=utf-8",
        ".csv": "text/csv; charset=utf-8",
        ".svg": "image/svg+xml",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }

    def end_headers(self) -> None:
        """Add no-cache and nosniff headers to every answer."""
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server API
        """Log only when the server was started verbose."""
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def make_server(directory: Path, port: int = 8000, verbose: bool = False) -> ThreadingHTTPServer:
    """Return a threading HTTP server for `directory` bound to 127.0.0.1:`port` (0: any free
    port); raises OSError when the port is taken."""
    handler = functools.partial(ReportHandler, directory=str(Path(directory).resolve()))
    server = ThreadingHTTPServer((HOST, port), handler)
    server.daemon_threads = True
    server.verbose = verbose  # type: ignore[attr-defined]
    return server


def url_of(server: ThreadingHTTPServer) -> str:
    """Return the base URL a server listens on."""
    return f"http://{HOST}:{server.server_address[1]}/"
