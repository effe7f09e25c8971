"""A hostile HTTP server for crawl hardening tests (issue 8): one route per server fault.

HostileServer is a real HTTP/1.1 server on a loopback address, like tests/siteserver.py, but
its routes are handlers that write the raw response themselves, so they can stall, trickle,
reset the connection, lie about the body or never end. Every request is logged as a Hit (when
it began and ended, the bytes the server got out before the client hung up), which is how the
tests and bench/hostile_bench.py measure what each fault cost the crawl.

`hostile_city()` builds the test scenario: a small normal site whose home page links every
fault route, plus one small site per robots.txt fault. tests/test_hostile.py crawls it with
`gongkai run`; bench/hostile_bench.py crawls it again and writes the figures.
"""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import gzip
import io
import json
import os
import random
import re
import shutil
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

import cli
import store as store_mod
from store import Store

HTML = "text/html; charset=utf-8"
# Hard ceiling for a stalling handler (a trickle, a slow first byte): a crawler that never
# hangs up must still let the test server shut down.
STALL_MAX = 60.0


@dataclass
class Hit:
    """One request the server saw: what was asked, when, and how many bytes went out."""

    method: str
    path: str  # path with its ;params, without the query
    query: str
    headers: dict[str, str]
    start: float  # time.monotonic()
    end: float | None = None
    sent: int = 0  # bytes written to the socket before the handler returned or the peer left
    aborted: bool = False  # the client hung up before the handler finished

    @property
    def seconds(self) -> float:
        """Seconds the server spent on the request (to now, if still running)."""
        return (self.end if self.end is not None else time.monotonic()) - self.start


class Reply:
    """What a route handler uses to answer: whole responses, raw bytes, stalls and resets."""

    def __init__(self, handler: BaseHTTPRequestHandler, hit: Hit, stop: threading.Event) -> None:
        self._h = handler
        self.hit = hit
        self.stop = stop

    @property
    def query(self) -> dict[str, str]:
        """The request's query parameters (first value of each)."""
        return {k: v[0] for k, v in parse_qs(self.hit.query, keep_blank_values=True).items()}

    def write(self, data: bytes) -> None:
        """Write raw bytes (raises OSError once the client has gone), counting what got out."""
        for at in range(0, len(data), 65536):
            piece = data[at : at + 65536]
            self._h.wfile.write(piece)
            self._h.wfile.flush()
            self.hit.sent += len(piece)

    def head(self, status: int, headers: dict[str, str] | list[tuple[str, str]]) -> None:
        """Write a status line and headers (no Content-Length unless given)."""
        items = headers.items() if isinstance(headers, dict) else headers
        reason = self._h.responses.get(status, ("",))[0]
        lines = [f"HTTP/1.1 {status} {reason}"] + [f"{k}: {v}" for k, v in items]
        self.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))

    def send(self, status: int, headers: dict[str, str], body: bytes | str = b"") -> None:
        """Write a whole response with its Content-Length."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.head(status, {**headers, "Content-Length": str(len(data))})
        if self.hit.method != "HEAD":
            self.write(data)

    def html(self, body: str, status: int = 200, **headers: str) -> None:
        """Write a UTF-8 HTML page."""
        self.send(status, {"Content-Type": HTML, **headers}, body)

    def sleep(self, seconds: float) -> bool:
        """Wait; False when the server is stopping."""
        return not self.stop.wait(seconds)

    def close_now(self) -> None:
        """Close the connection after the handler (no keep-alive)."""
        self._h.close_connection = True

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), as a crashing backend does."""
        sock = self._h.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._h.close_connection = True
        sock.close()


Handler = Callable[[Reply], None]


class HostileServer:
    """Serve route handlers on `host`, port 0, in a thread; log every request as a Hit.

    `routes` maps an exact path to a handler; `prefixes` maps a path prefix to one (longest
    prefix wins). Unknown paths answer 404.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Handler] = {}
        self.prefixes: dict[str, Handler] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        """Base URL without a trailing slash."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str = "/") -> str:
        """Absolute URL of `path` on this server."""
        return self.base + path

    def start(self) -> HostileServer:
        """Start serving in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; stalling handlers give up."""
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def hits_for(self, match: Callable[[str], bool]) -> list[Hit]:
        """The hits whose path matches."""
        with self._lock:
            return [h for h in self.hits if match(h.path)]

    def paths(self, method: str | None = None) -> list[str]:
        """Paths requested so far, optionally only those requested with `method`."""
        with self._lock:
            return [h.path for h in self.hits if method is None or h.method == method]

    def _find(self, path: str) -> Handler | None:
        if path in self.routes:
            return self.routes[path]
        best = max((p for p in self.prefixes if path.startswith(p)), key=len, default=None)
        return self.prefixes[best] if best is not None else None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                parts = urlsplit(self.path)
                hit = Hit(
                    method=self.command,
                    path=parts.path,
                    query=parts.query,
                    headers={k: v for k, v in self.headers.items()},
                    start=time.monotonic(),
                )
                with server._lock:
                    server.hits.append(hit)
                reply = Reply(self, hit, server._stop)
                route = server._find(parts.path)
                try:
                    if route is None:
                        reply.html("<html><body>404</body></html>", status=404)
                    else:
                        route(reply)
                except OSError:  # the crawler hung up (timeout, size limit, reset)
                    hit.aborted = True
                    self.close_connection = True
                finally:
                    hit.end = time.monotonic()

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                self._answer()

            def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
                self._answer()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def handle(self) -> None:
                try:
                    super().handle()
                except OSError:
                    pass

        return Handler


# ---------------------------------------------------------------------------------------------
# Page builders


def page(title: str, body: str = "", head: str = '<meta charset="utf-8">') -> str:
    """A small HTML page."""
    return (
        f"<html><head>{head}<title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>"
    )


def links(*hrefs: str, texts: list[str] | None = None) -> str:
    """Anchors to `hrefs`, one per line."""
    out = []
    for i, href in enumerate(hrefs):
        text = texts[i] if texts else f"链接{i}"
        out.append(f'<p><a href="{href}">{text}</a></p>')
    return "".join(out)


def list_page(title: str, entries: list[tuple[str, str, str]]) -> str:
    """A column list page with dated entries."""
    rows = "".join(
        f'<li><a href="{href}">{text}</a><span class="date">{date}</span></li>'
        for href, text, date in entries
    )
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="crumb">首页 &gt; 政府信息公开 &gt; {title}</div>'
        f'<div class="column"><ul class="list">{rows}</ul></div></body></html>'
    )


def article(title: str, text: str, extra: str = "") -> str:
    """An article page."""
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="article"><h1>{title}</h1><div class="content">{f"<p>{text}</p>" * 3}'
        f"</div>{extra}</div></body></html>"
    )


# ---------------------------------------------------------------------------------------------
# Fault handlers


def static(body: str | bytes, status: int = 200, ctype: str = HTML, **headers: str) -> Handler:
    """A fixed response."""

    def handle(r: Reply) -> None:
        r.send(status, {"Content-Type": ctype, **headers}, body)

    return handle


def slow_first_byte(delay: float, body: str) -> Handler:
    """Answer only after `delay` seconds (past the crawler's timeout)."""

    def handle(r: Reply) -> None:
        if r.sleep(delay):
            r.html(body)

    return handle


def trickle_body(total: int = 100_000, every: float = 0.2) -> Handler:
    """Headers at once, then one byte of the announced body every `every` seconds."""

    def handle(r: Reply) -> None:
        r.head(200, {"Content-Type": HTML, "Content-Length": str(total)})
        r.write(b"<html><head><title>")
        deadline = time.monotonic() + STALL_MAX
        while time.monotonic() < deadline and r.sleep(every):
            r.write(b"x")

    return handle


def trickle_headers(every: float = 0.2) -> Handler:
    """A status line, then header bytes one at a time (slowloris on the response side)."""

    def handle(r: Reply) -> None:
        r.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        deadline = time.monotonic() + STALL_MAX
        while time.monotonic() < deadline and r.sleep(every):
            r.write(b"a")

    return handle


def reset_mid_body(announce: int = 200_000, send: int = 50_000) -> Handler:
    """Announce `announce` bytes, send `send`, then reset the connection."""

    def handle(r: Reply) -> None:
        r.head(200, {"Content-Type": HTML, "Content-Length": str(announce)})
        r.write(b"<html><head><title>reset</title></head><body>" + b"a" * send)
        time.sleep(0.05)
        r.reset()

    return handle


def fails_first(times: int, status: int, body: str, **headers: str) -> Handler:
    """Answer `status` (with `headers`) to the first `times` requests of each path, then 200."""
    seen: dict[str, int] = {}
    lock = threading.Lock()

    def handle(r: Reply) -> None:
        with lock:
            n = seen.get(r.hit.path, 0)
            seen[r.hit.path] = n + 1
        if n < times:
            hdrs = {k.replace("_", "-"): v for k, v in headers.items()}
            if hdrs.get("Retry-After") == "date+1":
                when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=2)
                hdrs["Retry-After"] = format_datetime(when, usegmt=True)
            r.send(status, {"Content-Type": HTML, **hdrs}, f"<html><body>{status}</body></html>")
        else:
            r.html(body)

    return handle


def redirect(target: Callable[[Reply], str], status: int = 302, **headers: str) -> Handler:
    """Redirect to `target(reply)`."""

    def handle(r: Reply) -> None:
        r.send(status, {"Location": target(r), "Content-Type": HTML, **headers}, b"")

    return handle


def huge(size: int, content_length: bool) -> Handler:
    """Stream `size` bytes of HTML, with or without a Content-Length (then close-delimited)."""
    chunk = (b"<p>" + "政务公开".encode() * 100 + b"</p>\n") * 50

    def handle(r: Reply) -> None:
        headers = {"Content-Type": HTML}
        if content_length:
            headers["Content-Length"] = str(size)
        else:
            headers["Connection"] = "close"
            r.close_now()
        r.head(200, headers)
        r.write(b"<html><head><title>huge</title></head><body>")
        sent = 0
        deadline = time.monotonic() + STALL_MAX
        while sent < size and time.monotonic() < deadline and not r.stop.is_set():
            piece = chunk[: size - sent]
            r.write(piece)
            sent += len(piece)

    return handle


_BOMBS: dict[int, bytes] = {}


def gzip_bomb_bytes(expanded: int) -> bytes:
    """gzip of `expanded` bytes of spaces (about 1000:1), built once per size.

    One 16 MiB member, repeated: gzip readers (Scrapy's too) decompress concatenated members
    as one stream, so a 1 GiB bomb costs a millisecond to build.
    """
    if expanded not in _BOMBS:
        block = 16 << 20
        buf = io.BytesIO()
        with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9, mtime=0) as gz:
            gz.write(b"<html><head><title>bomb</title></head><body>")
            gz.write(b" " * (block - 44))
        _BOMBS[expanded] = buf.getvalue() * max(1, expanded // block)
    return _BOMBS[expanded]


def deflate_bomb_bytes(expanded: int) -> bytes:
    """zlib (Content-Encoding: deflate) of `expanded` spaces."""
    comp = zlib.compressobj(9)
    out = [comp.compress(b"<html><body>")]
    block = b" " * (1 << 20)
    for _ in range(expanded >> 20):
        out.append(comp.compress(block))
    out.append(comp.flush())
    return b"".join(out)


def bomb(data: bytes, encoding: str) -> Handler:
    """A small body that decompresses to far more than max_bytes."""
    return static(data, **{"Content-Encoding": encoding})  # type: ignore[arg-type]


def random_bytes(size: int, seed: int, prefix: bytes = b"") -> bytes:
    """Deterministic random bytes."""
    rnd = random.Random(seed)
    return prefix + bytes(rnd.getrandbits(8) for _ in range(size))


def calendar_day(prefix: str) -> Handler:
    """An endless 活动日历: every day links the day before and after and its month."""

    def handle(r: Reply) -> None:
        try:
            day = dt.date.fromisoformat(r.query.get("d", "2024-05-01"))
        except ValueError:
            day = dt.date(2024, 5, 1)
        one = dt.timedelta(days=1)
        prev = day - one if day > dt.date.min else day
        nxt = day + one if day < dt.date.max else day
        body = (
            f"<p>{day.year}年{day.month:02d}月{day.day:02d}日 暂无活动安排。</p>"
            f'<a href="{prefix}day?d={prev.isoformat()}">前一天</a>'
            f'<a href="{prefix}day?d={nxt.isoformat()}">后一天</a>'
            f'<a href="{prefix}month?m={day.year:04d}-{day.month:02d}">本月</a>'
        )
        r.html(page("活动日历", body))

    return handle


def calendar_month(prefix: str) -> Handler:
    """An endless month view: every day of the month plus the months before and after."""

    def handle(r: Reply) -> None:
        try:
            year, month = (int(x) for x in r.query.get("m", "2024-05").split("-"))
            dt.date(year, month, 1)
        except ValueError:
            year, month = 2024, 5
        prev = (year - 1, 12) if month == 1 else (year, month - 1)
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        days = calendar.monthrange(year, month)[1]
        cells = "".join(
            f'<a href="{prefix}day?d={year:04d}-{month:02d}-{d:02d}">{d}</a>'
            for d in range(1, days + 1)
        )
        body = (
            f"<p>{year}年{month:02d}月 活动安排</p>{cells}"
            f'<a href="{prefix}month?m={prev[0]:04d}-{prev[1]:02d}">上个月</a>'
            f'<a href="{prefix}month?m={nxt[0]:04d}-{nxt[1]:02d}">下个月</a>'
        )
        r.html(page("活动日历", body))

    return handle


def session_pages(prefix: str, count: int) -> Handler:
    """`count` pages whose every link carries a new session id (path ;jsessionid= or ?sid=)."""
    rnd = random.Random(8)
    lock = threading.Lock()

    def sid() -> str:
        with lock:
            return f"{rnd.getrandbits(64):016x}"

    def handle(r: Reply) -> None:
        name = r.hit.path[len(prefix) :].split(";", 1)[0]
        try:
            k = int(name.removeprefix("p").removesuffix(".html"))
        except ValueError:
            k = 0
        hrefs = [
            f"{prefix}p{(k + 1) % count}.html;jsessionid={sid()}",
            f"{prefix}p{(k - 1) % count}.html?sid={sid()}",
            f"{prefix}p{k}.html;jsessionid={sid()}",
        ]
        texts = ["下一篇", "上一篇", "刷新"]
        r.html(page(f"办事指南{k}", f"<p>第{k}项服务说明。</p>" + links(*hrefs, texts=texts)))

    return handle


def letters(n: int) -> str:
    """A name without digits for n (0 → a, 26 → ba): each farm URL its own URL pattern."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(97 + r) + out
        if not n:
            return out


def link_farm(prefix: str, count: int) -> Handler:
    """One page linking `count` distinct on-site pages (names without digits, so no two share
    a URL pattern: the per-page limits, not the pattern cap, must hold them)."""
    body = "".join(f'<a href="{prefix}{letters(i)}.html">条目{i}</a> ' for i in range(count))
    text = page("资料汇编", body)

    def handle(r: Reply) -> None:
        r.html(text)

    return handle


def farm_leaf(prefix: str) -> Handler:
    """A leaf page of the link farm."""

    def handle(r: Reply) -> None:
        name = r.hit.path[len(prefix) :]
        r.html(page(f"资料{name}", "<p>资料内容。</p>"))

    return handle


def malformed_html(child: str) -> str:
    """Broken markup: unclosed and misnested tags, 20,000 nested divs, junk, a real link."""
    deep = "<div>" * 20_000 + "深层内容" + "</div>" * 100
    return (
        "<html><head><meta charset=utf-8><title>畸形页面</title>"
        "<script>document.write('<a href=\"/x\">')</script></head>"
        "<body><table><tr><td><p><b><i>未闭合<td>错位</b></i>"
        '<<<>>> <a href=\'/a\' href="/b" class=>重复属性</a> <a href="\x01\x02">控制字符</a>'
        '<a href="http://[::1">坏地址</a><a href="javascript:void(0)">脚本</a>'
        f'</table></html><p>第二个html之后<a href="{child}">子页面</a>'
        f'<img src="data:image/png;base64,{"A" * 5000}">' + deep
    )


ROBOTS_JUNK_LINE = "Disallow: /junk/{:07d}/\n"


def huge_robots(size: int) -> bytes:
    """A robots.txt of `size` bytes: a real rule first, then endless junk rules."""
    head = "User-agent: *\nDisallow: /private/\n"
    lines = [head]
    total, i = len(head), 0
    while total < size:
        line = ROBOTS_JUNK_LINE.format(i)
        lines.append(line)
        total += len(line)
        i += 1
    return "".join(lines).encode()


# ---------------------------------------------------------------------------------------------
# The scenario


@dataclass
class Fault:
    """One fault of the scenario: where it lives and which paths belong to it."""

    id: str
    title: str  # Chinese, for the figures
    site: str
    # Exact paths or prefixes ending in '*', on `server`, or on another one as 'name:/path'.
    paths: tuple[str, ...]
    server: str = "hostile"

    def where(self) -> dict[str, list[str]]:
        """The paths of this fault per server name."""
        out: dict[str, list[str]] = {}
        for p in self.paths:
            name, _, path = p.rpartition(":") if not p.startswith("/") else ("", "", p)
            out.setdefault(name or self.server, []).append(path)
        return out


@dataclass
class City:
    """The running scenario: servers, sites (sites.yaml entries) and the fault catalogue."""

    servers: dict[str, HostileServer]
    sites: list[dict[str, Any]]
    faults: list[Fault]
    normal: list[str]  # normal page URLs of the hostile site, expected stored and parsed

    def stop(self) -> None:
        """Stop every server."""
        for server in self.servers.values():
            server.stop()

    def fault(self, fault_id: str) -> Fault:
        """The fault with this id."""
        return next(f for f in self.faults if f.id == fault_id)

    def hits(self, fault_id: str) -> list[Hit]:
        """The requests the servers saw for a fault's paths."""
        out: list[Hit] = []
        for name, paths in self.fault(fault_id).where().items():
            out += self.servers[name].hits_for(lambda path, ps=paths: _matches(path, ps))
        return sorted(out, key=lambda h: h.start)

    def url(self, path: str, server: str = "hostile") -> str:
        """Absolute URL of a path on one of the servers."""
        return self.servers[server].url(path)


COLUMNS = {"tzgg": "通知公告", "zcwj": "政策文件", "gzdt": "工作动态"}
ARTICLES = 4
FARM_SIZE = 10_000
SESSION_PAGES = 6
GZIP_BOMB = 1 << 30  # 1 GiB of spaces, about 1 MB gzipped
DEFLATE_BOMB = 256 << 20  # 256 MiB, about 250 KB deflated
HUGE = 50 << 20
ROBOTS_HUGE = 16 << 20  # under max_bytes, so only the robots.txt limit can stop it


def _normal_routes(s: HostileServer, fault_links: list[tuple[str, str]]) -> list[str]:
    """The normal site: home, three columns, articles (depth 2) and related pages (depth 3)."""
    urls = ["/"]
    cols = list(COLUMNS.items())
    # The fault links come first, so a fault that eats the page budget does so before the
    # normal columns are parsed (the worst order for the rest of the site).
    home_links = [href for href, _ in fault_links] + [f"/col/{c}/index.html" for c, _ in cols]
    texts = [text for _, text in fault_links] + [name for _, name in cols]
    s.routes["/"] = static(
        page("示例市测试局", links(*home_links, texts=texts)),
        **{"Set-Cookie": "gksess=s3cr3t-cookie; Path=/"},
    )
    for c, name in cols:
        entries = [
            (f"/col/{c}/a{i}.html", f"{name}第{i}号文件", f"2024-0{i + 1}-1{i}")
            for i in range(1, ARTICLES + 1)
        ]
        s.routes[f"/col/{c}/index.html"] = static(list_page(name, entries))
        urls.append(f"/col/{c}/index.html")
        for i in range(1, ARTICLES + 1):
            rel = f"/col/{c}/rel{i}.html"
            s.routes[f"/col/{c}/a{i}.html"] = static(
                article(f"{name}第{i}号文件", f"{name}正文内容。" * 10, links(rel, texts=["相关"]))
            )
            s.routes[rel] = static(page(f"{name}相关{i}", "<p>相关说明。</p>"))
            urls += [f"/col/{c}/a{i}.html", rel]
    return urls


def hostile_city(timeout: float) -> City:
    """Start the scenario's servers; `timeout` is the crawl's, which the stalls outlast."""
    h = HostileServer().start()
    off = HostileServer("127.0.0.2").start()
    servers = {"hostile": h, "offsite": off}
    stall = timeout + 4.0  # well past the timeout, even if the crawl process is starved of CPU

    off.routes["/landing.html"] = static(page("站外页面", links("/o2.html")))
    off.routes["/o2.html"] = static(page("站外页面二"))

    gbk_title = "编码错误页面"
    gbk_body = page(gbk_title, "<p>本页以国标编码发送。</p>", head="").encode("gbk")
    utf8_meta_gb = page(
        "声明错误页面", "<p>声明国标实为UTF-8。</p>", head='<meta charset="gb2312">'
    )
    pdf = random_bytes(30_000, 2, b"%PDF-1.4\n")
    f: list[Fault] = []

    def add(
        fid: str, title: str, routes: dict[str, Handler], prefixes: dict[str, Handler] | None = None
    ) -> None:
        h.routes.update(routes)
        h.prefixes.update(prefixes or {})
        f.append(Fault(fid, title, "hostile", (*routes, *(p + "*" for p in prefixes or {}))))

    add(
        "slow_first_byte",
        "首字节超时",
        {"/fault/slow.html": slow_first_byte(stall, page("慢页面"))},
    )
    add(
        "trickle",
        "慢速滴灌（slowloris）",
        {"/fault/trickle.html": trickle_body(), "/fault/trickle-head.html": trickle_headers()},
    )
    add("reset", "传输中连接被重置", {"/fault/reset.html": reset_mid_body()})
    flaky = fails_first(1, 503, page("偶发故障后恢复", "<p>恢复正常。</p>"))
    add(
        "server_errors",
        "成批 500/503",
        {
            **{f"/fault/flaky{i}.html": flaky for i in range(4)},
            "/fault/err500.html": static(page("错误"), status=500),
            "/fault/err503.html": static(page("维护中"), status=503),
        },
    )
    add(
        "retry_after",
        "429 + Retry-After",
        {
            "/fault/busy.html": fails_first(1, 429, page("限流后恢复"), Retry_After="3600"),
            "/fault/busy-date.html": fails_first(1, 503, page("维护后恢复"), Retry_After="date+1"),
            "/fault/always429.html": fails_first(99, 429, page("从不恢复"), Retry_After="1"),
        },
    )
    add(
        "redirect_loop",
        "重定向循环",
        {
            "/fault/loop-a": redirect(lambda r: "/fault/loop-b"),
            "/fault/loop-b": redirect(lambda r: "/fault/loop-a"),
        },
        {
            "/fault/chain/": redirect(
                lambda r: f"/fault/chain/{int(r.hit.path.rsplit('/', 1)[-1] or 0) + 1}"
            )
        },
    )
    add(
        "redirect_offsite",
        "重定向到站外",
        {"/fault/away.html": redirect(lambda r: off.url("/landing.html"))},
    )
    f[-1].paths += ("offsite:*",)
    add(
        "huge_page",
        "50 MB 页面",
        {"/fault/huge.html": huge(HUGE, True), "/fault/huge-stream.html": huge(HUGE, False)},
    )
    add(
        "gzip_bomb",
        "压缩炸弹",
        {
            "/fault/bomb.html": bomb(gzip_bomb_bytes(GZIP_BOMB), "gzip"),
            "/fault/bomb-deflate.html": bomb(deflate_bomb_bytes(DEFLATE_BOMB), "deflate"),
        },
    )
    add(
        "binary_as_html",
        "二进制内容冒充网页",
        {
            "/fault/binary.html": static(random_bytes(64_000, 1)),
            "/fault/pdf-as-html": static(pdf),
            "/fault/download": static(
                pdf, **{"Content-Disposition": 'attachment; filename="guide.pdf"'}
            ),
        },
    )
    add(
        "charset",
        "字符集错误或缺失",
        {
            "/fault/cs-wrong.html": static(gbk_body, ctype="text/html; charset=utf-8"),
            "/fault/cs-missing.html": static(gbk_body, ctype="text/html"),
            "/fault/cs-meta-wrong.html": static(utf8_meta_gb.encode(), ctype="text/html"),
        },
    )
    add(
        "malformed_html",
        "畸形 HTML",
        {
            "/fault/malformed.html": static(malformed_html("/fault/malformed-child.html")),
            "/fault/malformed-child.html": static(page("畸形页面的子页面")),
        },
    )
    add(
        "calendar_trap",
        "无限日历",
        {},
        {
            "/fault/cal/": lambda r: (
                calendar_month if r.hit.path.endswith("month") else calendar_day
            )("/fault/cal/")(r)
        },
    )
    add(
        "session_trap",
        "会话 ID 网址空间",
        {},
        {"/fault/s/": session_pages("/fault/s/", SESSION_PAGES)},
    )
    add(
        "link_farm",
        "一页一万个链接",
        {"/fault/farm.html": link_farm("/farm/", FARM_SIZE)},
        {"/farm/": farm_leaf("/farm/")},
    )
    fault_links = [
        ("/fault/farm.html", "资料汇编"),
        ("/fault/cal/day?d=2024-05-01", "活动日历"),
        ("/fault/s/p0.html;jsessionid=0000000000000000", "办事指南"),
        ("/fault/slow.html", "慢页面"),
        ("/fault/trickle.html", "滴灌页面"),
        ("/fault/trickle-head.html", "滴灌头部"),
        ("/fault/reset.html", "重置页面"),
        *[(f"/fault/flaky{i}.html", f"偶发故障{i}") for i in range(4)],
        ("/fault/err500.html", "服务器错误"),
        ("/fault/err503.html", "服务不可用"),
        ("/fault/busy.html", "限流页面"),
        ("/fault/busy-date.html", "维护页面"),
        ("/fault/always429.html", "总是限流"),
        ("/fault/loop-a", "循环跳转"),
        ("/fault/chain/0", "无尽跳转"),
        ("/fault/away.html", "站外跳转"),
        ("/fault/huge.html", "超大页面"),
        ("/fault/huge-stream.html", "超大流式页面"),
        ("/fault/bomb.html", "压缩炸弹"),
        ("/fault/bomb-deflate.html", "deflate炸弹"),
        ("/fault/binary.html", "二进制页面"),
        ("/fault/pdf-as-html", "PDF冒充网页"),
        ("/fault/download", "下载文件"),
        ("/fault/cs-wrong.html", "编码错误"),
        ("/fault/cs-missing.html", "编码缺失"),
        ("/fault/cs-meta-wrong.html", "声明错误"),
        ("/fault/malformed.html", "畸形页面"),
    ]
    normal = [h.url(u) for u in _normal_routes(h, fault_links)]
    sites: list[dict[str, Any]] = [_site("hostile", "恶意服务器测试站", h.url("/"))]

    # robots.txt faults: one small normal site each (robots.txt is per host:port).
    robots: dict[str, tuple[str, Handler]] = {
        "robots_huge": ("超大 robots.txt", static(huge_robots(ROBOTS_HUGE), ctype="text/plain")),
        "robots_binary": (
            "二进制 robots.txt",
            static(random_bytes(200_000, 3), ctype="text/plain"),
        ),
        "robots_redirect": ("循环跳转的 robots.txt", redirect(lambda r: "/robots-again.txt")),
        "robots_disallow": (
            "怪异语法的全站禁止",
            static(
                "\ufeffUSER-AGENT :\t*\r\n\r\n# 全站禁止\r\nDISALLOW : / # all\r\n",
                ctype="text/plain",
            ),
        ),
        "robots_broken": ("robots.txt 服务器错误", static(page("错误"), status=500)),
        "robots_slow": ("robots.txt 超时", slow_first_byte(stall, "User-agent: *\nDisallow: /\n")),
    }
    for fid, (title, handler) in robots.items():
        srv = HostileServer().start()
        servers[fid] = srv
        srv.routes["/robots.txt"] = handler
        if fid == "robots_redirect":
            srv.routes["/robots-again.txt"] = redirect(lambda r: "/robots.txt")
        srv.routes["/"] = static(
            page(f"{title}测试站", links("/p1.html", "/p2.html", "/private/p3.html"))
        )
        for p in ("/p1.html", "/p2.html", "/private/p3.html"):
            srv.routes[p] = static(page(f"{title}页面{p}"))
        paths = ("/robots.txt", "/robots-again.txt")
        f.append(Fault(fid, title, fid.replace("_", "-"), paths, server=fid))
        sites.append(_site(fid.replace("_", "-"), f"{title}测试站", srv.url("/")))
    return City(servers=servers, sites=sites, faults=f, normal=normal)


def _matches(path: str, patterns: list[str]) -> bool:
    """Whether a requested path is one of `patterns` (exact, or a prefix ending in '*')."""
    return any(path.startswith(p[:-1]) if p.endswith("*") else path == p for p in patterns)


def _site(sid: str, name: str, url: str) -> dict[str, Any]:
    """A sites.yaml entry."""
    return {"id": sid, "name": name, "kind": "department", "start_urls": [url]}


# ---------------------------------------------------------------------------------------------
# Running the scenario through `gongkai run`

# The crawl settings of the scenario: the shipped defaults (max_pages 500, max_depth 6,
# max_bytes 20 MB, max_links_per_page, max_pages_per_pattern, autothrottle, 2 requests per
# host) except what would make it slow: no delay, a 2 s timeout the stalls outlast, Retry-After
# capped at 2 s. time_limit bounds the whole crawl: past it `gongkai run` exits 3.
TIMEOUT = 2.0
CRAWL = {"delay": 0, "timeout": TIMEOUT, "retry_after_max": 2, "time_limit": 300}
AS_OF = "2025-01-06"


@dataclass
class CityRun:
    """One `gongkai run` of the scenario: exit code, wall time, output, rows, findings, stats."""

    code: int
    wall: float
    stdout: str
    rows: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    stats: dict[str, int]  # integer Scrapy stats of the crawl (its final dump)
    tmp: Path

    def row(self, site_id: str, url: str) -> dict[str, Any]:
        """The stored row of `url` (KeyError if absent)."""
        for r in self.rows:
            if r["site_id"] == site_id and r["url"] == url:
                return r
        raise KeyError((site_id, url))

    def site_rows(self, site_id: str) -> list[dict[str, Any]]:
        """All stored rows of a site."""
        return [r for r in self.rows if r["site_id"] == site_id]

    def site_findings(self, site_id: str, rule: str | None = None) -> list[dict[str, Any]]:
        """A site's findings, optionally of one rule."""
        return [f for f in self.findings if f["site"] == site_id and rule in (None, f["rule"])]

    @property
    def hints(self) -> list[str]:
        """The crawl's 提示 lines as `gongkai run` printed them."""
        return [line.strip() for line in self.stdout.splitlines() if "提示：" in line]


def run_city(city: City, tmp: Path, crawl: dict[str, Any] | None = None) -> CityRun:
    """Write the scenario's config under `tmp`, run `gongkai run` there, read everything back."""
    repo = Path(__file__).resolve().parents[1]
    cfg = tmp / "config"
    cfg.mkdir(parents=True, exist_ok=True)
    shutil.copytree(repo / "config" / "rules", cfg / "rules", dirs_exist_ok=True)
    sites = {"sites": city.sites}
    (cfg / "sites.yaml").write_text(json.dumps(sites, ensure_ascii=False), "utf-8")
    settings = {"crawl": {**CRAWL, **(crawl or {})}}
    (cfg / "settings.yaml").write_text(json.dumps(settings, ensure_ascii=False), "utf-8")
    db = f"sqlite:///{tmp / 'gk.db'}"
    out = io.StringIO()
    cwd = Path.cwd()
    os.chdir(tmp)  # `gongkai run` writes its crawl log under ./var/logs
    try:
        started = time.monotonic()
        with contextlib.redirect_stdout(out):
            code = cli.main(
                ["run", "--config", str(cfg), "--db", db, "--as-of", AS_OF, "--out", "report"]
            )
        wall = time.monotonic() - started
    finally:
        os.chdir(cwd)
    with Store(db) as st, st.engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(sa.select(store_mod.pages_t))]
    report = json.loads((tmp / "report" / "findings.json").read_text("utf-8"))
    log = "".join(p.read_text("utf-8") for p in sorted((tmp / "var" / "logs").glob("crawl-*.log")))
    stats = {k: int(v) for k, v in re.findall(r"'([\w/]+)': (\d+),?\n", log)}
    return CityRun(code, wall, out.getvalue(), rows, report["findings"], stats, tmp)
