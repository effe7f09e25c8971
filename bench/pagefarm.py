"""A fast dynamic page server for scale benchmarks (issue 7): N sites × M pages generated from the URL.

200,000 static files would be ~2 GB on disk; these pages are built on request instead, each
the same every time (deterministic from the site number and path). A site is a government
department as the crawl sees it: a home page with a column menu, column list pages of 20
entries with pagination (TRS `createPageHTML` on even sites, a 下一页/尾页 pager on odd ones),
and ~2 KB articles that repeat the menu and link to their neighbours, so most links a page
carries are duplicates and the crawl's frontier (every article of a site is queued before the
first is fetched, breadth-first) and seen-set grow with the site.

One asyncio server process serves every site, each on its own 127.0.0.1 port (a site is
host:port, so per-host politeness applies to each), with HTTP/1.1 keep-alive.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import multiprocessing
import re
import socket
from dataclasses import dataclass
from types import TracebackType

ENTRIES_PER_LIST = 20
COLUMNS = (
    "工作动态",
    "通知公告",
    "政策文件",
    "政策解读",
    "人事信息",
    "财政信息",
    "规划计划",
    "行政执法",
    "建议提案办理",
    "统计信息",
)
TOPICS = ("安全生产", "优化营商环境", "乡村振兴", "防汛抗旱", "政务公开", "数字政府", "民生实事")
FILLER = (
    "为深入贯彻落实党中央、国务院决策部署，进一步提升政务服务水平，现就有关事项通知如下。"
    "各单位要高度重视，加强组织领导，明确责任分工，确保各项任务按期完成。"
    "对工作中遇到的问题，请及时与我局办公室联系。"
)
BASE_DATE = dt.date(2026, 6, 30)
_ARTICLE = re.compile(r"^/c(\d+)/(\d{6})/t(\d{8})_(\d+)\.html$")
_LIST = re.compile(r"^/c(\d+)/index(?:_(\d+))?\.html$")


@dataclass(frozen=True)
class Shape:
    """How many columns, list pages and articles a site of `pages` pages has."""

    pages: int
    columns: int
    lists: int  # list pages per column
    articles: int  # articles per column (the last list page may be short)

    @classmethod
    def of(cls, pages: int) -> Shape:
        """Lay out a site of about `pages` pages (home + lists + articles)."""
        columns = max(1, min(len(COLUMNS), pages // 50))
        per_column = max(1, (pages - 1) // columns)
        # Each list page shows ENTRIES_PER_LIST articles: lists + articles = per_column.
        lists = max(1, math.ceil(per_column / (ENTRIES_PER_LIST + 1)))
        articles = max(0, per_column - lists)
        lists = max(1, math.ceil(articles / ENTRIES_PER_LIST))
        return cls(1 + columns * (lists + articles), columns, lists, articles)


def _date(n: int) -> dt.date:
    """Publication date of article n of a column (newest first, three a day)."""
    return BASE_DATE - dt.timedelta(days=n // 3)


def article_path(column: int, n: int) -> str:
    """Path of article n of a column."""
    d = _date(n)
    return f"/c{column}/{d:%Y%m}/t{d:%Y%m%d}_{column * 100000 + n}.html"


def list_path(column: int, k: int) -> str:
    """Path of list page k (0-based) of a column."""
    return f"/c{column}/index.html" if k == 0 else f"/c{column}/index_{k}.html"


class Site:
    """One generated site: its number, name and shape; renders any of its paths."""

    def __init__(self, number: int, pages: int) -> None:
        self.number = number
        self.shape = Shape.of(pages)
        self.name = f"示例市第{number + 1}局"
        self.code = f"43990{number:05d}"
        columns = self.shape.columns
        self.nav = (
            '<div class="nav"><ul><li><a href="/">首页</a></li>'
            + "".join(
                f'<li><a href="{list_path(j, 0)}">{COLUMNS[j]}</a></li>' for j in range(columns)
            )
            + "</ul></div>"
        )
        self.footer = (
            f'<div class="footer"><p>主办单位：{self.name}　联系电话：0799-8800{number:04d}'
            f'　<a href="mailto:office{number}@example.gov.cn">联系我们</a></p>'
            f"<p>网站标识码：{self.code}　示ICP备2026{number:04d}号</p></div>"
        )

    def _head(self, title: str, metas: str) -> str:
        return (
            '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="SiteName" content="{self.name}"><meta name="SiteIDCode" content="{self.code}">'
            f"{metas}<title>{title}</title></head><body>"
            f'<div class="header"><a href="/">{self.name}</a></div>{self.nav}<div class="container">'
        )

    def _tail(self) -> str:
        return f"</div>{self.footer}</body></html>"

    def title(self, column: int, n: int) -> str:
        """Title of article n of a column."""
        return f"{self.name}关于做好{TOPICS[n % len(TOPICS)]}工作的通知（{COLUMNS[column]}第{n + 1}号）"

    def home(self) -> str:
        """The home page: menu and the latest articles of each column."""
        items = []
        for j in range(self.shape.columns):
            for n in range(min(3, self.shape.articles)):
                items.append(
                    f'<li><a href="{article_path(j, n)}">{self.title(j, n)}</a>'
                    f'<span class="date">{_date(n):%Y-%m-%d}</span></li>'
                )
        return (
            self._head(f"{self.name}", "")
            + f'<div class="news"><h2>最新信息</h2><ul>{"".join(items)}</ul></div>'
            + self._tail()
        )

    def list_page(self, column: int, k: int) -> str:
        """List page k of a column: ENTRIES_PER_LIST entries and the pager."""
        lists = self.shape.lists
        first = k * ENTRIES_PER_LIST
        items = "".join(
            f'<li><span class="date">{_date(n):%Y-%m-%d}</span>'
            f'<a href="{article_path(column, n)}" title="{self.title(column, n)}">'
            f"{self.title(column, n)}</a></li>"
            for n in range(first, min(first + ENTRIES_PER_LIST, self.shape.articles))
        )
        if self.number % 2 == 0:
            pager = f'<script>createPageHTML({lists}, {k}, "index", "html");</script>'
        else:
            links = [f'<a href="{list_path(column, 0)}">首页</a>']
            if k > 0:
                links.append(f'<a href="{list_path(column, k - 1)}">上一页</a>')
            if k + 1 < lists:
                links.append(f'<a href="{list_path(column, k + 1)}">下一页</a>')
            links.append(f'<a href="{list_path(column, lists - 1)}">尾页</a>')
            pager = " ".join(links)
        name = COLUMNS[column]
        return (
            self._head(f"{name}_{self.name}", f'<meta name="ColumnName" content="{name}">')
            + f'<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="{list_path(column, 0)}">{name}</a></div>'
            + f'<h2 class="column-title">{name}</h2><ul class="list">{items}</ul>'
            + f'<div class="pagination">{pager}</div>'
            + self._tail()
        )

    def article(self, column: int, n: int) -> str:
        """Article n of a column: ~2 KB of text, the menu, and links to its neighbours."""
        title = self.title(column, n)
        name = COLUMNS[column]
        d = _date(n)
        related = "".join(
            f'<li><a href="{article_path(column, m)}">{self.title(column, m)}</a></li>'
            for m in (n - 2, n - 1, n + 1, n + 2)
            if 0 <= m < self.shape.articles
        )
        text = "".join(f"<p>{FILLER}</p>" for _ in range(4))
        return (
            self._head(
                f"{title}_{name}_{self.name}",
                f'<meta name="ColumnName" content="{name}"><meta name="ArticleTitle" content="{title}">'
                f'<meta name="PubDate" content="{d:%Y-%m-%d} 09:30">',
            )
            + f'<div class="location">当前位置：<a href="/">首页</a> &gt; <a href="{list_path(column, 0)}">{name}</a></div>'
            + f'<div class="article"><h1>{title}</h1><div class="info"><span>发布日期：{d:%Y-%m-%d}</span>'
            + f'<span>来源：{self.name}</span></div><div class="content" id="zoom"><p>{title}</p>{text}</div></div>'
            + f'<div class="related"><h3>相关信息</h3><ul>{related}</ul></div>'
            + self._tail()
        )

    def render(self, path: str) -> tuple[int, str, bytes]:
        """Return (status, content type, body) for a path of this site."""
        html = "text/html; charset=utf-8"
        if path in ("/", "/index.html"):
            return 200, html, self.home().encode()
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n"
        m = _LIST.match(path)
        if m and int(m.group(1)) < self.shape.columns:
            k = int(m.group(2) or 0)
            if k < self.shape.lists:
                return 200, html, self.list_page(int(m.group(1)), k).encode()
        m = _ARTICLE.match(path)
        if m:
            column, number = int(m.group(1)), int(m.group(4))
            n = number - column * 100000
            if column < self.shape.columns and 0 <= n < self.shape.articles:
                if article_path(column, n) == path:
                    return 200, html, self.article(column, n).encode()
        return 404, html, b"<html><body>404</body></html>"


_REASONS = {200: "OK", 404: "Not Found"}


async def _handle(site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Serve HTTP/1.1 requests on one connection until the client closes it."""
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            parts = line.split()
            keep = True
            while True:
                header = await reader.readline()
                if header in (b"\r\n", b"\n", b""):
                    break
                if header[:11].lower() == b"connection:" and b"close" in header.lower():
                    keep = False
            if len(parts) < 2:
                break
            method = parts[0]
            path = parts[1].decode("latin-1").split("?", 1)[0]
            status, ctype, body = site.render(path)
            head = (
                f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            writer.write(head if method == b"HEAD" else head + body)
            await writer.drain()
            if not keep:
                break
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def _serve(
    socks: list[socket.socket], pages: int, ready: multiprocessing.synchronize.Event
) -> None:
    """Server process body: serve site i on socks[i] forever."""

    async def main() -> None:
        servers = []
        for i, sock in enumerate(socks):
            site = Site(i, pages)
            servers.append(
                await asyncio.start_server(
                    lambda r, w, s=site: _handle(s, r, w), sock=sock, backlog=256
                )
            )
        ready.set()
        await asyncio.gather(*(s.serve_forever() for s in servers))

    asyncio.run(main())


class PageFarm:
    """Serve `sites` generated sites of about `pages` pages each in a child process."""

    def __init__(self, sites: int, pages: int) -> None:
        self.sites = sites
        self.pages = pages
        self.socks: list[socket.socket] = []
        self.proc: multiprocessing.process.BaseProcess | None = None

    @property
    def shape(self) -> Shape:
        """The layout every site has."""
        return Shape.of(self.pages)

    @property
    def bases(self) -> list[str]:
        """Base URL of each site, http://127.0.0.1:PORT."""
        return [f"http://127.0.0.1:{s.getsockname()[1]}" for s in self.socks]

    def start(self) -> PageFarm:
        """Bind the ports here (so they are known at once) and serve them from a child."""
        for _ in range(self.sites):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", 0))
            sock.listen(256)
            self.socks.append(sock)
        ctx = multiprocessing.get_context("fork")
        ready = ctx.Event()
        self.proc = ctx.Process(target=_serve, args=(self.socks, self.pages, ready), daemon=True)
        self.proc.start()
        if not ready.wait(30):
            raise RuntimeError("page server did not start")
        return self

    def stop(self) -> None:
        """Stop the server process and close the ports."""
        if self.proc is not None:
            self.proc.terminate()
            self.proc.join(10)
            self.proc = None
        for sock in self.socks:
            sock.close()

    def __enter__(self) -> PageFarm:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
