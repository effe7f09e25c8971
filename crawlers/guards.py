"""Defences against hostile or broken servers (issue 8): Retry-After, robots.txt limits, traps.

The downloader middlewares here are registered in crawlers/settings.py; the URL helpers are
used by the spider to keep endless URL spaces (calendars, session ids) from using up a site's
page budget. tests/test_hostile.py crawls a server with one route per fault through them.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("gongkai.crawl")

# RFC 9309 §2.5: crawlers MAY stop parsing robots.txt after at least 500 KiB. Parsing is done on
# the reactor thread and every request is matched against every rule, so an 8 MB robots.txt
# stalled the whole crawl for seconds (downloads' timeouts misfired) before this cap.
ROBOTS_MAX_BYTES = 500 * 1024


class RedirectLoop(IgnoreRequest):
    """A redirect chain came back to a URL it had already visited twice."""


class RetryAfterMiddleware:
    """Wait out a 429/503's Retry-After (capped) before RetryMiddleware asks again.

    Scrapy retries 429 and 503 at once; a server that says when to come back is told the
    truth by asking then. The wait is capped (crawl.retry_after_max), so a Retry-After of an
    hour costs the crawl seconds, and only when a retry is left. The wait holds this request
    only: the download slot is free meanwhile, so the site's other pages go on.
    """

    STATUSES = (429, 503)

    def __init__(self, cap: float, retries: int) -> None:
        self.cap = cap
        self.retries = retries

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        """Build from the crawler's settings (GONGKAI_RETRY_AFTER_MAX, RETRY_TIMES)."""
        settings = crawler.settings
        mw = cls(settings.getfloat("GONGKAI_RETRY_AFTER_MAX", 30.0), settings.getint("RETRY_TIMES"))
        mw.crawler = crawler  # type: ignore[attr-defined]
        return mw

    async def process_response(self, request: Request, response: Response) -> Response:
        """Sleep min(Retry-After, cap) when the response will be retried."""
        if response.status not in self.STATUSES or request.meta.get("dont_retry"):
            return response
        left = request.meta.get("max_retry_times", self.retries) - request.meta.get(
            "retry_times", 0
        )
        if left <= 0:  # the last answer is recorded as it is: no point waiting
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"), dt.datetime.now(dt.UTC))
        if wait is None or wait <= 0:
            return response
        wait = min(wait, self.cap)
        request.meta["gk_retry_after"] = wait
        crawler = getattr(self, "crawler", None)
        if crawler is not None:
            crawler.stats.inc_value("gongkai/retry_after_waits")
        await _sleep(wait)
        return response


def retry_after_seconds(value: bytes | None, now: dt.datetime) -> float | None:
    """Parse Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date) as seconds from now."""
    if not value:
        return None
    text = value.decode("latin-1", "replace").strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


async def _sleep(seconds: float) -> None:
    """Wait on the reactor without blocking it."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor, task

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class RobotsTxtLimitMiddleware:
    """Read at most ROBOTS_MAX_BYTES of a robots.txt (RFC 9309 §2.5), whatever its size.

    Marks Scrapy's robots.txt requests (RobotsTxtMiddleware sends them with NO_CALLBACK and no
    site meta), stops their download past the limit, and cuts the (decompressed) body at the
    last full line within it, so the rules before the limit still apply.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.on_bytes, signal=signals.bytes_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RobotsTxtLimitMiddleware:
        """Build from the crawler and listen to received body bytes."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Mark a robots.txt request of RobotsTxtMiddleware."""
        if (
            "gk_site" not in request.meta
            and request.callback is NO_CALLBACK
            and request.meta.get("dont_obey_robotstxt")
            and urlsplit(request.url).path == "/robots.txt"
        ):
            request.meta["gk_robots"] = True

    def on_bytes(self, data: bytes, request: Request, **_: Any) -> None:
        """Stop a robots.txt download once it is past the limit."""
        meta = request.meta
        if meta.get("gk_robots"):
            got = meta.get("gk_bytes", 0) + len(data)
            meta["gk_bytes"] = got
            if got > ROBOTS_MAX_BYTES:
                self.crawler.stats.inc_value("gongkai/robots_truncated")
                raise StopDownload(fail=False)

    def process_response(self, request: Request, response: Response) -> Response:
        """Keep the whole lines within the limit of an over-long robots.txt."""
        if not request.meta.get("gk_robots") or len(response.body) <= ROBOTS_MAX_BYTES:
            return response
        body = response.body[:ROBOTS_MAX_BYTES]
        cut = body.rfind(b"\n")
        logger.info(
            "robots.txt %s 超过 %s 字节，只读取前面部分（RFC 9309）", response.url, ROBOTS_MAX_BYTES
        )
        return response.replace(body=body[: cut + 1] if cut >= 0 else b"")


# ---------------------------------------------------------------------------------------------
# Endless URL spaces

# Query names that carry a session, never content (Java, PHP, ASP, ColdFusion, generic).
SESSION_PARAMS = frozenset(
    {"jsessionid", "phpsessid", "sessionid", "session_id", "sessid", "cfid", "cftoken"}
)
# Short names that are a session only with a long random value ("sid=3" may be a site id).
_MAYBE_SESSION = frozenset({"sid", "s", "token", "_sid"})
_TOKEN_RE = re.compile(r"[0-9a-fA-F]{16,}|(?=[0-9A-Za-z_-]*\d)[0-9A-Za-z_-]{24,}")
_PATH_SESSION_RE = re.compile(r";(?:jsessionid|phpsessid|sessionid)=[^/?#]*", re.I)
_ASPNET_SESSION_RE = re.compile(r"/\([A-Z]\([^)]*\)\)", re.I)  # cookieless /(S(abc))/
_DIGITS_RE = re.compile(r"\d+")


def _is_session(name: str, value: str) -> bool:
    """Whether a query parameter is a session id."""
    low = name.lower()
    if low in SESSION_PARAMS or low.startswith("aspsessionid"):
        return True
    return low in _MAYBE_SESSION and bool(_TOKEN_RE.fullmatch(value))


def session_free(url: str) -> str:
    """Return `url` without session ids (path ;jsessionid=…, /(S(…))/, session query names).

    Two links to one page that differ only by a session id are the same page: the spider
    keys its dedupe on this, so a server that hands out a new id with every link cannot make
    its pages endless (issue 8).
    """
    if ";" not in url and "(" not in url and "?" not in url:
        return url  # fast path: nothing that could be a session id
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = _ASPNET_SESSION_RE.sub("", _PATH_SESSION_RE.sub("", parts.path)) or "/"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _is_session(k, v)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def url_pattern(url: str) -> str:
    """Return the shape of a URL: path with digit runs as 0, session ids dropped, query keys.

    /cal/day?d=2024-05-01 and /cal/day?d=1999-12-31 share the pattern /cal/day?d; so do
    /farm/p1.html and /farm/p9999.html (/farm/p0.html). Host and port are left out: patterns
    are counted per site.
    """
    try:
        parts = urlsplit(session_free(url))
    except ValueError:
        return url
    path = _DIGITS_RE.sub("0", parts.path.split(";", 1)[0])
    path = "/".join(
        "*" if len(seg) >= 16 and _TOKEN_RE.fullmatch(seg) else seg for seg in path.split("/")
    )
    if not parts.query:
        return path
    keys = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{path}?{'&'.join(keys)}"


def warn_trap(site_id: str, cap: tuple[str, str], limit: int, url: str) -> None:
    """Tell the operator, once per pattern, that a URL pattern or column hit its page cap (issue 8)."""
    what = "网址模式" if cap[0] == "pattern" else "栏目分页"
    logger.warning(
        "提示：站点 %s 的%s %s 已抓取 %s 页（max_pages_per_pattern），疑似无限网址空间"
        "（日历、会话 ID 或无尽分页），其余同类网址不再抓取；如 %s",
        site_id,
        what,
        cap[1],
        limit,
        url,
    )
