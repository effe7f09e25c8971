"""Serve the sample city on 127.0.0.1 (one HTTP server per site) and render its config directory."""

from __future__ import annotations

import email.utils
import hashlib
import re
import shutil
import socket
import sys
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from samplecity import AS_OF, ROOT

REPO_RULES = ROOT.parent / "config" / "rules"
REPO_LEXICONS = ROOT.parent / "config" / "lexicons"
LOCAL_RULES = ROOT / "rules"
REPO_FRAMEWORKS = ROOT.parent / "config" / "frameworks"

# `${base:<site-id>}` in the template, the truth file and the served files stands for that
# site's http://127.0.0.1:PORT; the ports are only known once the servers are bound.
PLACEHOLDER = re.compile(r"\$\{base:([a-z0-9-]+)\}")
_PLACEHOLDER_B = re.compile(rb"\$\{base:([a-z0-9-]+)\}")


@dataclass(frozen=True)
class Serving:
    """How one site is served: the encoding of its files and what its server says about it."""

    encoding: str = "utf-8"  # encoding of the HTML files on disk
    header_charset: str | None = "utf-8"  # charset in the Content-Type header; None: none sent
    statuses: dict[str, int] = field(default_factory=dict)  # path prefix -> forced HTTP status


# Per-site serving. 财政局 declares GBK only in a <meta> (header without charset); 卫健委 only in
# the HTTP header (no <meta charset>), as old TRS/IIS deployments do. Forced statuses are the
# deliberate 403 (an anti-crawler front) and 500 (a broken search script) targets.
SERVING: dict[str, Serving] = {
    "czj": Serving(encoding="gbk", header_charset=None),
    "wjw": Serving(encoding="gbk", header_charset="GBK", statuses={"/zwgk/neibu/": 403}),
    "jyj": Serving(statuses={"/cms/search.jsp": 500}),
}

# Sites in the template whose start URL points at a port where nothing listens.
UNREACHABLE = ("tjj",)

_TYPES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".css": "text/css",
    ".js": "application/javascript",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
}
_TEXT = {".html", ".htm", ".css", ".js", ".txt", ".xml"}

NOT_FOUND_PAGE = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>404 页面不存在</title></head>'
    "<body><h1>404</h1><p>您访问的页面不存在或已被删除。</p></body></html>"
).encode()
STATUS_PAGE = '<!DOCTYPE html><html><head><meta charset="utf-8"><title>{code}</title></head><body><h1>{code} {text}</h1></body></html>'


def substitute(text: str, bases: dict[str, str]) -> str:
    """Replace every `${base:<site>}` placeholder with that site's base URL."""
    return PLACEHOLDER.sub(lambda m: bases[m.group(1)], text)


class _SiteServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer that knows which site it serves."""

    daemon_threads = True

    def __init__(self, site_id: str, site_dir: Path, serving: Serving) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.site_id = site_id
        self.site_dir = site_dir
        self.serving = serving
        self.bases: dict[str, str] = {}

    @property
    def base(self) -> str:
        """Return this server's base URL (no trailing slash)."""
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    """Serve a site's static files with its encoding, placeholders filled in at serve time."""

    server: _SiteServer
    server_version = "SampleCity/1.0"
    protocol_version = "HTTP/1.0"

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        """Answer GET."""
        self._respond(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802 (stdlib naming)
        """Answer HEAD: the same status and headers as GET, no body."""
        self._respond(with_body=False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Stay quiet; the crawl records every status itself."""

    def _respond(self, with_body: bool) -> None:
        status, headers, body = self._resolve()
        if "Last-Modified" in headers:
            # A static file, validated as nginx does (issue 7: conditional recrawls): a strong
            # ETag of the served bytes, and 304 Not Modified when the client's copy is current.
            headers["ETag"] = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            if self._not_modified(headers):
                self.send_response(304)
                for name in ("ETag", "Last-Modified"):
                    self.send_header(name, headers[name])
                self.end_headers()
                return
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _not_modified(self, headers: dict[str, str]) -> bool:
        """Evaluate If-None-Match, else If-Modified-Since, against a file's validators (RFC 9110
        13.2.2: a client's If-None-Match makes its If-Modified-Since irrelevant)."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = {tag.strip().removeprefix("W/") for tag in match.split(",")}
            return "*" in tags or headers["ETag"] in tags
        since = self.headers.get("If-Modified-Since")
        if not since:
            return False
        try:
            client = email.utils.parsedate_to_datetime(since)
            ours = email.utils.parsedate_to_datetime(headers["Last-Modified"])
        except (TypeError, ValueError):
            return False
        return client.tzinfo is not None and ours <= client

    def _resolve(self) -> tuple[int, dict[str, str], bytes]:
        """Map the request path to (status, headers, body)."""
        srv = self.server
        path = unquote(urlsplit(self.path).path)
        for prefix, code in srv.serving.statuses.items():
            if path.startswith(prefix):
                text = HTTPStatus(code).phrase
                page = STATUS_PAGE.format(code=code, text=text).encode()
                return code, {"Content-Type": "text/html; charset=utf-8"}, page
        root = srv.site_dir.resolve()
        target = (root / path.lstrip("/")).resolve()
        if not target.is_relative_to(root) or target.name.startswith("_"):
            return 404, {"Content-Type": "text/html; charset=utf-8"}, NOT_FOUND_PAGE
        if target.is_dir():
            if not path.endswith("/"):
                return 301, {"Location": path + "/"}, b""
            target = target / "index.html"
        if not target.is_file():
            return 404, {"Content-Type": "text/html; charset=utf-8"}, NOT_FOUND_PAGE
        suffix = target.suffix.lower()
        body = target.read_bytes()
        modified = email.utils.formatdate(target.stat().st_mtime, usegmt=True)
        ctype = _TYPES.get(suffix, "application/octet-stream")
        if suffix in _TEXT:
            # Placeholders are ASCII and '$' never occurs inside a GBK multi-byte sequence,
            # so byte-level substitution is safe for both encodings.
            body = _PLACEHOLDER_B.sub(lambda m: _base_of(srv.bases, m), body)
            if suffix in {".html", ".htm"}:
                if srv.serving.header_charset:
                    ctype += f"; charset={srv.serving.header_charset}"
            else:
                ctype += "; charset=utf-8"
        return 200, {"Content-Type": ctype, "Last-Modified": modified}, body


def _base_of(bases: dict[str, str], match: re.Match[bytes]) -> bytes:
    """Return the base URL for a placeholder match; an unknown site id stays as written."""
    base = bases.get(match.group(1).decode())
    return base.encode() if base is not None else match.group(0)


def _reserve_dead_port() -> int:
    """Bind an ephemeral port and close it again, so that nothing listens there."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def template_site_ids(root: Path | None = None) -> list[str]:
    """Return the site ids declared in the sites.yaml template, in order."""
    text = ((root or ROOT) / "sites.yaml").read_text("utf-8")
    return re.findall(r"^\s*-\s*id:\s*([a-z0-9-]+)\s*$", text, re.M)


class SampleCity:
    """The running sample city: one server thread per site plus reserved dead ports."""

    def __init__(self, root: Path, servers: dict[str, _SiteServer], dead: dict[str, int]) -> None:
        self.root = root
        self._servers = servers
        self._threads: list[threading.Thread] = []
        self.bases: dict[str, str] = {sid: srv.base for sid, srv in servers.items()}
        self.bases.update({sid: f"http://127.0.0.1:{port}" for sid, port in dead.items()})
        for srv in servers.values():
            srv.bases = self.bases
        for sid, srv in servers.items():
            thread = threading.Thread(
                target=srv.serve_forever, kwargs={"poll_interval": 0.1}, name=f"samplecity-{sid}"
            )
            thread.daemon = True
            thread.start()
            self._threads.append(thread)

    def substitute(self, text: str) -> str:
        """Fill `${base:<site>}` placeholders with this city's base URLs."""
        return substitute(text, self.bases)

    def stop(self) -> None:
        """Shut every server down and release its port."""
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()

    def __enter__(self) -> SampleCity:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start(root: Path | None = None) -> SampleCity:
    """Start the sample city found under root (default: this package) on 127.0.0.1."""
    root = root or ROOT
    servers: dict[str, _SiteServer] = {}
    dead: dict[str, int] = {}
    try:
        for sid in template_site_ids(root):
            if sid in UNREACHABLE:
                dead[sid] = _reserve_dead_port()
                continue
            site_dir = root / "sites" / sid
            if not site_dir.is_dir():
                raise FileNotFoundError(f"sample site {sid!r} has no directory {site_dir}")
            servers[sid] = _SiteServer(sid, site_dir, SERVING.get(sid, Serving()))
    except BaseException:
        for srv in servers.values():
            srv.server_close()
        raise
    return SampleCity(root, servers, dead)


SETTINGS_YAML = """\
# Crawl settings for the local sample city: no politeness delay is needed on 127.0.0.1.
crawl:
  delay: 0
  autothrottle: false
  concurrency_per_host: 8
  timeout: 5
  obey_robots: true
"""


def render_config(dest_dir: Path, city: SampleCity) -> Path:
    """Write a complete config directory for auditing the running city; return its path."""
    dest_dir = Path(dest_dir)
    (dest_dir / "rules").mkdir(parents=True, exist_ok=True)
    text = (city.root / "sites.yaml").read_text("utf-8")
    # conf's sites.yaml holds only `sites:`; the audit date is exposed as samplecity.AS_OF.
    text = re.sub(r"^as_of:.*$", f"# 检查日期（as_of）：{AS_OF.isoformat()}", text, flags=re.M)
    (dest_dir / "sites.yaml").write_text(city.substitute(text), "utf-8")
    for rule_file in sorted(REPO_RULES.glob("*.yaml")):
        shutil.copyfile(rule_file, dest_dir / "rules" / rule_file.name)
    # The city's own local indicators (generic kinds), beside the national packs.
    for rule_file in sorted(LOCAL_RULES.glob("*.yaml")):
        shutil.copyfile(rule_file, dest_dir / "rules" / rule_file.name)
    # The shipped scoring frameworks too, so the demo shows 19号 scores and verdicts.
    (dest_dir / "frameworks").mkdir(exist_ok=True)
    for framework in sorted(REPO_FRAMEWORKS.glob("*.yaml")):
        shutil.copyfile(framework, dest_dir / "frameworks" / framework.name)
    # Lexicons the term_* rules name (lexicons/*.yaml, relative to the config directory).
    if REPO_LEXICONS.is_dir():
        shutil.copytree(REPO_LEXICONS, dest_dir / "lexicons", dirs_exist_ok=True)
    (dest_dir / "settings.yaml").write_text(SETTINGS_YAML, "utf-8")
    return dest_dir


def main() -> int:
    """Serve the sample city until Ctrl-C, printing each site's base URL."""
    with start() as city:
        print(f"示例市已启动（检查日期 {AS_OF}），按 Ctrl-C 停止：")
        for sid, base in city.bases.items():
            note = "（无服务，模拟无法访问）" if sid in UNREACHABLE else ""
            print(f"  {sid:10s} {base}/{note}")
        sys.stdout.flush()
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("\n已停止。")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
