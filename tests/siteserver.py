"""A tiny real HTTP server for crawl tests: serves fixed routes or a directory on 127.0.0.1."""

from __future__ import annotations

import mimetypes
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

# A route answers with (status, headers, body); str bodies are sent as UTF-8.
Route = tuple[int, Mapping[str, str], bytes | str]


class SiteServer:
    """Serve `routes` (path -> Route) or the files under `root` on 127.0.0.1, port 0, in a thread.

    `head_status` makes every HEAD request answer with that status (e.g. 405) to mimic servers
    that refuse HEAD; `delays` (path -> seconds) makes a path answer late. Every request is
    logged in `requests` as (method, path, user agent).
    """

    def __init__(
        self,
        routes: Mapping[str, Route] | None = None,
        root: Path | None = None,
        head_status: int | None = None,
        delays: Mapping[str, float] | None = None,
    ) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.root = root
        self.head_status = head_status
        self.delays = dict(delays or {})
        self.requests: list[tuple[str, str, str]] = []
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        """The ephemeral port the server listens on."""
        return self._httpd.server_address[1]

    @property
    def base(self) -> str:
        """Base URL without a trailing slash, e.g. http://127.0.0.1:40123."""
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of `path` on this server."""
        return self.base + path

    def paths(self, method: str | None = None) -> list[str]:
        """Paths requested so far, optionally only those requested with `method`."""
        with self._lock:
            return [p for m, p, _ in self.requests if method is None or m == method]

    def start(self) -> SiteServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _lookup(self, path: str) -> Route:
        if path in self.routes:
            return self.routes[path]
        if self.root is not None:
            rel = path.lstrip("/") or "index.html"
            if rel.endswith("/"):
                rel += "index.html"
            file = (self.root / rel).resolve()
            if file.is_file() and self.root.resolve() in file.parents:
                ctype = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                return 200, {"Content-Type": ctype}, file.read_bytes()
        return 404, {"Content-Type": "text/html; charset=utf-8"}, "<html><body>404</body></html>"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self, head: bool) -> None:
                path = urlsplit(self.path).path
                with server._lock:
                    server.requests.append((self.command, path, self.headers.get("User-Agent", "")))
                if path in server.delays:
                    time.sleep(server.delays[path])
                if head and server.head_status is not None:
                    status, headers, body = server.head_status, {}, b""
                else:
                    status, headers, body = server._lookup(path)
                data = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if not head:
                    self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                self._answer(head=False)

            def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
                self._answer(head=True)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler
