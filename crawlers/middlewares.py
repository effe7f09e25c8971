"""Crawl plumbing that keys politeness on host:port: download slots, redirects, throttle, progress."""

from __future__ import annotations

import hashlib
import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy import Request, Spider, signals
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.request import fingerprint

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


class SiteSlotMiddleware:
    """Put every request (redirects and robots.txt included) in the download slot of its host:port.

    Scrapy's default slot key is the bare host name, so two sites on one host (the government
    portal on :80 and its disclosure platform on :8080) would share one politeness budget.
    """

    def process_request(self, request: Request) -> None:
        """Set meta download_slot to the request's host:port."""
        request.meta["download_slot"] = netloc_of(request.url)


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
    """Log a compact Chinese progress line every few seconds; the runner forwards these lines."""

    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlProgress:
        """Build from the crawler and connect to spider open/close."""
        ext = cls(crawler, crawler.settings.getfloat("GONGKAI_PROGRESS_INTERVAL", 5.0))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        """Start the periodic progress line."""
        self.started = time.monotonic()
        if self.interval > 0:
            self.task = create_looping_call(self.log_progress)
            self.task.start(self.interval, now=False)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Stop the periodic line and log the final tally."""
        if self.task is not None and self.task.running:
            self.task.stop()
        logger.info("完成：%s（%s）", self._tally(with_queue=False), reason)

    def log_progress(self) -> None:
        """Log one progress line."""
        logger.info("进度：%s", self._tally(with_queue=True))

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
