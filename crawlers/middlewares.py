"""Crawl plumbing that keys politeness on host:port: download slots, redirects, throttle, progress."""

from __future__ import annotations

import functools
import gc
import hashlib
import json
import logging
import time
from collections import Counter
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import HtmlResponse, Response
from scrapy.statscollectors import MemoryStatsCollector
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.request import fingerprint

from crawlers.guards import RedirectLoop
from crawlers.run import STATUS_MARKER

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("gongkai.crawl")

DEFAULT_PORTS = {"http": 80, "https": 443}


# Issue 7: netloc_of runs for every link of every page (scope checks) and every request
# (download slots), and a site's links name few hosts. urlsplit finds host and port in the
# scheme://netloc prefix alone, so results are cached by that prefix (bounded).
_NETLOC_CACHE: dict[str, str] = {}
_NETLOC_CACHE_MAX = 10_000


def netloc_of(url: str) -> str:
    """Return the site key of a URL: lowercase host plus port, default ports dropped."""
    if url.startswith("http://"):
        start = 7
    elif url.startswith("https://"):
        start = 8
    else:
        return _netloc_of(url)
    end = url.find("/", start)
    if end < 0:
        end = len(url)
    for sep in "?#":
        at = url.find(sep, start, end)
        if at >= 0:
            end = at
    prefix = url[:end]
    netloc = _NETLOC_CACHE.get(prefix)
    if netloc is None:
        netloc = _netloc_of(prefix)
        if len(_NETLOC_CACHE) >= _NETLOC_CACHE_MAX:
            _NETLOC_CACHE.clear()
        _NETLOC_CACHE[prefix] = netloc
    return netloc


def _netloc_of(url: str) -> str:
    """netloc_of without the cache."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:  # e.g. a malformed IPv6 literal in a scraped link
        return ""
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None or DEFAULT_PORTS.get(parts.scheme.lower()) == port:
        return host
    return f"{host}:{port}"


# Sent by SiteSlotMiddleware for each request the engine takes from the scheduler (it is the
# first downloader middleware), so CrawlProgress can tell a site's waiting requests apart.
request_dequeued = object()


class SiteSlotMiddleware:
    """Put every request (redirects and robots.txt included) in the download slot of its host:port.

    Scrapy's default slot key is the bare host name, so two sites on one host (the government
    portal on :80 and its disclosure platform on :8080) would share one politeness budget.
    """

    def __init__(self, crawler: Crawler | None = None) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteSlotMiddleware:
        """Build from the crawler (Scrapy component hook), to signal dequeued requests."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Set meta download_slot to the request's host:port; tell CrawlProgress it left the
        scheduler."""
        request.meta["download_slot"] = netloc_of(request.url)
        if self.crawler is not None and "gk_site" in request.meta:
            self.crawler.signals.send_catch_log(request_dequeued, request=request)


class _RedirectDontFilter:
    """Let redirected requests bypass the dupefilter.

    Otherwise a redirect to a URL fetched before is silently dropped and the link that
    redirected never gets its status row; max redirect times still bounds loops.
    """

    def process_response(self, request: Request, response: Response) -> Request | Response:
        """Run the stock redirect handling, then mark a redirected request dont_filter."""
        result = super().process_response(request, response)  # type: ignore[misc]
        if isinstance(result, Request) and result is not request:
            result.dont_filter = True
            # Issue 8: a loop is given up once it comes back to a URL for the third time
            # (A→B→A→B→A), not after REDIRECT_MAX_TIMES hops. Coming back once is allowed:
            # some gateways redirect to set a cookie and then back to the page.
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if chain.count(result.url) >= 2:
                raise RedirectLoop(f"redirect loop at {result.url}")
        return result


class SiteRedirectMiddleware(_RedirectDontFilter, RedirectMiddleware):
    """RedirectMiddleware whose redirected requests are never deduplicated away."""


class SiteMetaRefreshMiddleware(_RedirectDontFilter, MetaRefreshMiddleware):
    """MetaRefreshMiddleware whose redirected requests are never deduplicated away."""

    def process_response(self, request: Request, response: Response) -> Request | Response:
        """Pass a page that cannot declare a refresh, else run the stock meta-refresh check."""
        if isinstance(response, HtmlResponse) and not _may_refresh(response):
            return response
        return super().process_response(request, response)


# Scrapy looks for <meta http-equiv="refresh"> in the first 4096 characters of response.text,
# which decodes the whole body of every page (issue 7: ~0.1 ms a page). In an encoding where
# ASCII is one byte per character and other characters take at most 4 bytes, those characters
# lie within the first 16 KiB, and "refresh" cannot appear in them unless its bytes do.
_REFRESH_SCAN = 4 * 4096
_PROBE = '<meta http-equiv="refresh" content="0;url=/">'


@functools.lru_cache(maxsize=64)
def _ascii_compatible(encoding: str) -> bool:
    """Whether an encoding writes ASCII as the same single bytes (UTF-16, UTF-7, EBCDIC: no)."""
    try:
        return _PROBE.encode(encoding) == _PROBE.encode("ascii")
    except (LookupError, UnicodeError, TypeError):
        return False


def _may_refresh(response: HtmlResponse) -> bool:
    """False only when the page provably has no "refresh" where Scrapy looks for one."""
    if not _ascii_compatible(response.encoding):
        return True
    # bytes.lower() and `in` run at C speed; a case-insensitive regex tries every position.
    return b"refresh" in response.body[:_REFRESH_SCAN].lower()


class SiteAutoThrottle(AutoThrottle):
    """AutoThrottle that never goes below a site's configured delay (DOWNLOAD_SLOTS delay)."""

    def _response_downloaded(self, response: Response, request: Request, spider: Spider) -> None:
        super()._response_downloaded(response, request, spider)
        key, slot = self._get_slot(request, spider)
        floor = self.crawler.engine.downloader.per_slot_settings.get(key or "", {}).get("delay")
        if slot is not None and floor is not None and slot.delay < floor:
            slot.delay = floor


class SiteRequestFingerprinter:
    """Request fingerprint that includes the site id, so dedupe is per site and run."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteRequestFingerprinter:
        """Build from the crawler (Scrapy component hook)."""
        return cls()

    def fingerprint(self, request: Request) -> bytes:
        """Hash of method, canonical URL, body and the request's site id."""
        site = str(request.meta.get("gk_site", ""))
        return hashlib.sha1(fingerprint(request) + b"|" + site.encode()).digest()


class CrawlStats(MemoryStatsCollector):
    """Scrapy's in-memory stats without the per-attribute deprecation shim (issue 7).

    Scrapy 2.19 routes every attribute read of a stats collector through a Python
    __getattribute__ that wraps each method to warn about a `spider` argument, and reads its
    own `_stats` through a raised and caught AttributeError: some 30 stats calls a page, each
    over ten times dearer than the method itself. The methods and their results are the
    same; only that warning (for code passing `spider`, which the crawl never does) is gone.
    """

    __getattribute__ = object.__getattribute__


# Issue 7: a crawl allocates millions of short-lived containers (requests, responses, parse
# trees, items) while a few hundred thousand start-up objects (modules, classes, the config)
# live for the whole run. With the default thresholds (700, 10, 10) the collector ran ~650
# times on a 2,000-page crawl and its full passes rescanned the start-up heap: about a tenth
# of the crawl's CPU. Freezing the start-up heap and collecting young objects less often
# keeps cyclic garbage bounded (a young collection every 50,000 allocations, a few pages; the
# oldest generation keeps its default) at a fraction of the cost: 10,000 saved ~5 % of the
# crawl's CPU over the defaults, 50,000 another ~3 % (bench/synth_bench.py city, same RSS).
GC_THRESHOLDS = (50_000, 50, 10)


class CrawlTuning:
    """Per-process CPU savings of the crawl (issue 7): garbage-collector thresholds, and debug
    records that the log handlers would only drop."""

    def __init__(self, level: int) -> None:
        self.level = level

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlTuning:
        """Build from the crawler (Scrapy component hook) and wait for spider_opened."""
        level = logging.getLevelName(crawler.settings.get("LOG_LEVEL", "DEBUG"))
        ext = cls(level if isinstance(level, int) else logging.DEBUG)
        ext.quiet_loggers()
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        return ext

    def quiet_loggers(self) -> None:
        """Raise the root and `scrapy` loggers to LOG_LEVEL, so records below it are not built.

        Scrapy sets `scrapy` to DEBUG and filters at its handler, so every response and item
        built a "Crawled"/"Scraped" record only to drop it (and pdfminer one per PDF token);
        the log holds exactly the same lines either way.
        """
        for logger_ in (logging.getLogger(), logging.getLogger("scrapy")):
            if logger_.getEffectiveLevel() < self.level:
                logger_.setLevel(self.level)

    def spider_opened(self) -> None:
        """Raise the loggers again, move every object alive now to the permanent generation
        and raise the thresholds.

        Scrapy puts the root logger back to NOTSET after the extensions are built (its root
        handler is installed again when the crawl starts), so without this every pdfminer
        token built a debug record all crawl long: reading a report PDF cost 2.6× as much CPU
        in the crawl as outside it (issue 7, measured on the recrawl bench's report files).
        """
        self.quiet_loggers()
        gc.freeze()
        gc.set_threshold(*GC_THRESHOLDS)


class CrawlProgress:
    """Log a compact Chinese progress line every few seconds, and its per-site JSON twin; the
    runner forwards the first and parses the second."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task: Any = None
        self.spider: Spider | None = None
        # Per site: requests the engine scheduled, the dupefilter dropped, and the downloader
        # took from the scheduler; scheduled - dropped - dequeued are still waiting.
        self.scheduled: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.dequeued: Counter[str] = Counter()
        self.first_seen: dict[str, float] = {}
        self.done_at: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        """Build from the crawler and connect to spider open/close and the request signals."""
        ext = cls(crawler, crawler.settings.getfloat("GONGKAI_PROGRESS_INTERVAL", 5.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.request_scheduled, signal=signals.request_scheduled)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(ext.request_dequeued, signal=request_dequeued)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        """Start the periodic progress line."""
        self.started = time.monotonic()
        self.spider = spider
        if self.interval > 0:
            self.task = create_looping_call(self.log_progress)
            self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Stop the periodic line and log the final tally."""
        if self.task is not None and self.task.running:
            self.task.stop()
        logger.info("%s%s", STATUS_MARKER, self.status_json(final=True, reason=reason))
        logger.info("完成：%s（%s）", self._tally(with_queue=False), reason)

    def request_scheduled(self, request: Request) -> None:
        """Count a request of a site entering the scheduler."""
        site = request.meta.get("gk_site")
        if site is not None:
            self.scheduled[site] += 1
            self.first_seen.setdefault(site, time.monotonic())

    def request_dropped(self, request: Request) -> None:
        """Count a request of a site the scheduler refused (a duplicate)."""
        site = request.meta.get("gk_site")
        if site is not None:
            self.dropped[site] += 1

    def request_dequeued(self, request: Request) -> None:
        """Count a request of a site leaving the scheduler for the downloader."""
        self.dequeued[request.meta["gk_site"]] += 1

    def log_progress(self) -> None:
        """Log one progress line and its per-site JSON twin."""
        logger.info("进度：%s", self._tally(with_queue=True))
        logger.info("%s%s", STATUS_MARKER, self.status_json(final=False))

    def _in_flight(self) -> Counter[str]:
        """Count each site's requests being downloaded or parsed (out of the scheduler)."""
        busy: Counter[str] = Counter()
        engine = self.crawler.engine
        if engine is None:
            return busy
        requests = list(engine.downloader.active)
        slot = getattr(engine.scraper, "slot", None)
        if slot is not None:
            requests += [queued[1] for queued in slot.queue] + list(slot.active)
        for request in requests:
            site = request.meta.get("gk_site")
            if site is not None:
                busy[site] += 1
        return busy

    def site_status(self, final: bool, reason: str | None = None) -> list[dict[str, Any]]:
        """Return each target site's counters: rows fetched now and stored before (a resumed
        run), requests queued or in flight, error rows, seconds since its first request, and
        its state (waiting, crawling, done; stopped when the crawl closed with work left)."""
        spider = self.spider
        targets = [s.id for s in getattr(spider, "targets", [])]
        fetched = getattr(spider, "site_fetched", Counter())
        errors = getattr(spider, "site_errors", Counter())
        stored = getattr(spider, "stored", {})
        # No request of a site appears once its start requests are all out, except from that
        # site's own responses, which count as in flight until parsed.
        issued = getattr(spider, "start_issued", set())
        start_done = final or bool(getattr(spider, "start_done", False))
        busy: Counter[str] = Counter() if final else self._in_flight()
        now = time.monotonic()
        rows = []
        for site in targets:
            waiting = self.scheduled[site] - self.dropped[site] - self.dequeued[site]
            queued = max(0, waiting) + busy[site]
            if queued == 0 and (start_done or site in issued):
                self.done_at.setdefault(site, now)
            else:
                self.done_at.pop(site, None)
            begin = self.first_seen.get(site)
            if site in self.done_at:
                state = "done"
            elif final and reason != "finished":
                state = "stopped"
            else:
                state = "crawling" if begin is not None else "waiting"
            end = self.done_at.get(site, now)
            rows.append(
                {
                    "id": site,
                    "fetched": fetched[site],
                    "stored": len(stored.get(site, ())),
                    "queued": queued,
                    "errors": errors[site],
                    "elapsed": int(end - begin) if begin is not None else 0,
                    "state": state,
                }
            )
        return rows

    def status_json(self, final: bool, reason: str | None = None) -> str:
        """Return the per-site status as one JSON line (see STATUS_MARKER)."""
        data = {
            "elapsed": int(time.monotonic() - self.started),
            "final": final,
            "reason": reason,
            "sites": self.site_status(final, reason),
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    def _tally(self, with_queue: bool) -> str:
        stats = self.crawler.stats
        done = stats.get_value("gongkai/fetched", 0)
        errors = stats.get_value("gongkai/errors", 0)
        elapsed = int(time.monotonic() - self.started)
        parts = [f"已抓取 {done} 页"]
        if with_queue:
            # Waiting in the scheduler plus handed to the downloader (slot queues, in flight).
            scheduled = stats.get_value("scheduler/enqueued", 0)
            queued = scheduled - stats.get_value("scheduler/dequeued", 0)
            queued += len(self.crawler.engine.downloader.active)
            parts.append(f"队列 {queued}")
        parts += [f"错误 {errors}", f"用时 {elapsed}s"]
        return "，".join(parts)
