"""Crawl plumbing that keys politeness on host:port: download slots, redirects, throttle, progress."""

from __future__ import annotations

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
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.request import fingerprint

from crawlers.guards import RedirectLoop
from crawlers.run import STATUS_MARKER

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("gongkai.crawl")

DEFAULT_PORTS = {"http": 80, "https": 443}


def netloc_of(url: str) -> str:
    """Return the site key of a URL: lowercase host plus port, default ports dropped."""
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
