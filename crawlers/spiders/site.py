"""The generic spider: crawls every configured site of a run in one Scrapy job, driven by config."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import heapq
import logging
import os
import re
import resource
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import scrapy
from scrapy import Request, signals
from scrapy.exceptions import IgnoreRequest, StopDownload
from scrapy.http import Response
from scrapy.settings import Settings
from scrapy.spidermiddlewares.referer import DefaultReferrerPolicy
from twisted.python.failure import Failure

import conf
from crawlers.attachments import SCAN_FORMATS, AttachmentScan, scan_document, unscanned
from crawlers.extract import analyse, parse_date
from crawlers.frontier import SeenSet, frontier_of
from crawlers.guards import RedirectLoop, session_free, url_pattern, warn_trap
from crawlers.items import FetchKind, LinkOut, PageItem, ReportOut, report_year
from crawlers.middlewares import netloc_of
from crawlers.privacy import redact_json
from store import RecrawlHint, Store

logger = logging.getLogger("gongkai.crawl")

# Checked-only targets whose HEAD answers with an error status are asked again with GET:
# many government servers and WAFs answer HEAD with 405/501 (or 403/404) while GET works,
# and a link must not be reported broken on the strength of a refused HEAD.
HEAD_RETRY_FROM_STATUS = 400

# Attachment types an annual report is published as (国办公开办函〔2021〕30号 leaves the file
# type open; sites post PDF, Word or WPS). Such a report is downloaded (GET, within max_bytes)
# and read instead of only status-checked.
REPORT_EXTENSIONS = (".pdf", ".doc", ".docx", ".wps")
_DOWNLOAD_ERRORS = {
    "too_large": "文件超过抓取大小上限 max_bytes",
    "timeout": "下载超时",
    "connection": "连接失败",
    "dns": "域名解析失败",
    "tls": "加密连接失败",
    "redirect_loop": "重定向循环",
    "too_many_redirects": "重定向次数过多",
    "not_html": "内容不是网页",
}
# A body served as text/html that is really binary (issue 8): a browser shows it as garbage.
# Magic numbers of the usual culprits, and WHATWG's "binary data bytes" (mimesniff §7.1).
_BINARY_MAGIC = (
    b"%PDF-",
    b"PK\x03\x04",
    b"\xd0\xcf\x11\xe0",
    b"\x89PNG",
    b"GIF8",
    b"\xff\xd8\xff",
    b"\x1f\x8b",
    b"Rar!",
    b"7z\xbc\xaf",
)
_BINARY_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]")
_YES = ("1", "true", "yes")  # a true spider argument (-a full=1)
# Request headers of a conditional recrawl request (issue 7).
_CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


class Scope:
    """Which URLs are on a site: a host:port set (conf.site_netlocs).

    An allowed_domains entry without a port admits that host on any port and its subdomains,
    as Scrapy's allowed_domains does (conf validates start URLs the same way); without
    allowed_domains only the start URLs' exact host:port are on-site, since another port of
    the same host is another site.
    """

    def __init__(self, site: conf.Site) -> None:
        self.netlocs = frozenset(conf.site_netlocs(site))
        self.hosts = frozenset(
            n for n in self.netlocs if site.allowed_domains and (":" not in n or n.endswith("]"))
        )

    def __contains__(self, url: object) -> bool:
        if not isinstance(url, str):
            return False
        netloc = netloc_of(url)
        if netloc in self.netlocs:
            return True
        if not self.hosts:  # no allowed_domains: the exact host:port set decides (issue 7)
            return False
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            return False
        return bool(host) and any(host == h or host.endswith("." + h) for h in self.hosts)


def classify_failure(failure: Failure) -> str:
    """Map a download failure to the PageItem error vocabulary."""
    excs = _exception_chain(failure.value)
    names = [type(e).__name__ for e in excs]
    modules = [type(e).__module__ for e in excs]
    if any(m.startswith("OpenSSL") for m in modules) or any(
        n in {"SSLError", "CertificateError", "VerificationError"} for n in names
    ):
        return "tls"
    if any(n in {"DNSLookupError", "CannotResolveHostError"} for n in names):
        return "dns"
    if any("Timeout" in n or "TimedOut" in n for n in names):
        return "timeout"
    # Only DOWNLOAD_MAXSIZE cancels a download here: with a Content-Length it raises
    # DownloadCancelledError, while streaming past the limit cancels the deferred.
    if any(n in {"DownloadCancelledError", "CancelledError"} for n in names):
        return "too_large"
    connection = {
        "ConnectionRefusedError",
        "DownloadConnectionRefusedError",
        "ConnectError",
        "ConnectionLost",
        "ConnectionDone",
        "ConnectionAborted",
        "NoRouteError",
        "ResponseNeverReceived",
        "ResponseFailed",
        "DownloadFailedError",
        "ResponseDataLossError",
        "_DataLoss",
    }
    if any(n in connection for n in names):
        return "connection"
    first = excs[0]
    detail = str(first).strip().splitlines()[0] if str(first).strip() else ""
    return f"other:{type(first).__name__}{': ' + detail[:200] if detail else ''}"


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """Flatten an exception, its causes and the failures twisted wraps (ResponseFailed.reasons).

    Scrapy re-raises twisted errors as its own (DownloadFailedError from ResponseNeverReceived
    from an OpenSSL error), so the telling exception is often a few links down.
    """
    out: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(out) < 20:
        current = todo.pop(0)
        if any(current is seen for seen in out):
            continue
        out.append(current)
        for reason in getattr(current, "reasons", None) or []:
            inner = getattr(reason, "value", reason)
            if isinstance(inner, BaseException):
                todo.append(inner)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                todo.append(linked)
    return out


def _refused(failure: Failure) -> bool:
    """Return whether nothing listens at the target (retrying with GET would not help)."""
    names = {type(e).__name__ for e in _exception_chain(failure.value)}
    return bool(names & {"ConnectionRefusedError", "DownloadConnectionRefusedError"})


def _is_html(content_type: str | None) -> bool:
    """Return whether a Content-Type announces an HTML page (absent counts as HTML)."""
    if not content_type:
        return True
    ctype = content_type.split(";")[0].strip().lower()
    return "html" in ctype or not ctype


def looks_binary(body: bytes) -> bool:
    """Return whether an HTML-typed body is binary data (a file's magic, or >2% control bytes).

    UTF-16 pages (with a BOM) and stray NULs in real HTML stay HTML; a PDF, archive, image or
    random bytes do not (issue 8: binary served as text/html).
    """
    head = body[:4096].lstrip()
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf")):
        return False
    if head.startswith(_BINARY_MAGIC):
        return True
    return len(_BINARY_BYTES.findall(head)) * 50 > len(head)


def _header(response: Response, name: bytes) -> str | None:
    """Return a response header as text, or None when absent or empty."""
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


def _disposition_attachment(headers: Any) -> bool:
    """Whether a response asks the browser to save it as a file (Content-Disposition)."""
    value = headers.get(b"Content-Disposition") or b""
    return value.split(b";", 1)[0].strip().lower() == b"attachment"


def ignored_error(failure: Failure) -> str:
    """Map an IgnoreRequest that is not robots.txt to the PageItem error vocabulary."""
    if failure.check(RedirectLoop):
        return "redirect_loop"
    text = str(failure.value)
    if "max redirections reached" in text:
        return "too_many_redirects"
    names = {type(e).__name__ for e in _exception_chain(failure.value)}
    if "_DecompressionMaxSizeExceeded" in names or "during decompression" in text:
        # HttpCompressionMiddleware: the body decompresses past max_bytes (a gzip bomb).
        return "too_large"
    return f"other:{text}"[:200]


def _request(
    url: str, method: str, spider: SiteSpider, callback: Any = None, **kwargs: Any
) -> Request | None:
    """Build a request, or None for a URL Scrapy rejects (a malformed link is not a crash)."""
    try:
        return Request(
            url,
            method=method,
            callback=callback or spider.parse,
            errback=spider.on_error,
            **kwargs,
        )
    except ValueError:
        logger.info("忽略无效链接：%s", url)
        return None


def _priority(depth: int, listing: bool = False) -> int:
    """Return a request's scheduler priority: breadth-first, and within a depth list pages
    first (issue 7: they reveal new and changed entries before the articles are asked for)."""
    return -2 * depth + (1 if listing else 0)


def _now() -> str:
    """Return the current UTC time as an ISO timestamp (fetch time of a row)."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _extension(url: str) -> str:
    """Return the lower-case file extension of a URL's path ('' when it has none)."""
    name = unquote(urlsplit(url).path).rsplit("/", 1)[-1]
    return "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _timed_scan(body: bytes, url: str, content_type: str | None) -> tuple[AttachmentScan, float]:
    """Scan an attachment body and time it (runs in the scan thread)."""
    started = time.perf_counter()
    scan = scan_document(body, url, content_type)
    return scan, time.perf_counter() - started


def report_page_year(item: PageItem) -> int | None:
    """Return the year if a parsed page is an annual report page (by its title), else None."""
    if item.page_type in (None, "list", "home"):
        return None
    return report_year(item.title)


def read_annual_report(
    body: bytes, hint: str, year: int, title: str, pub_date: str | None, source_url: str | None
) -> ReportOut:
    """Read a report body into a ReportOut; an unreadable file becomes its Chinese reason."""
    from crawlers.annual_report import UnreadableReport, read_report

    out = ReportOut(year, title, "html", pub_date, source_url, None, None)
    ext = _extension(hint)
    out.format = ext.lstrip(".") if ext in REPORT_EXTENSIONS else "html"
    try:
        report = read_report(body, hint, year=year)
    except UnreadableReport as exc:
        out.error = str(exc)
        return out
    except Exception as exc:  # a reader bug costs this report, never the crawl
        logger.exception("年报读取失败：%s", source_url or hint)
        out.error = f"年报读取出错：{type(exc).__name__}"
        return out
    out.format = report.format
    data = report.to_json(with_text=True)
    data.pop("text", None)  # sections keep their text; the whole text would only repeat it
    # Section texts are stored: personal numbers in them are masked first (privacy_leak).
    out.data = redact_json(data)
    return out


def peak_rss_kb() -> int:
    """Return this process's peak resident memory in KiB since it was exec'd.

    /proc's VmHWM belongs to the process image, so a crawl forked from a large parent (a long
    pytest session: 2.8 GB seen) reports its own peak; ru_maxrss carries the parent's over
    fork and exec and is only the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


# The modules whose code decides what a parsed page's row holds (crawlers.extract and what it
# imports, and the annual-report reader of report pages).
_EXTRACT_MODULES = (
    "extract",
    "items",
    "privacy",
    "catalogue_meta",
    "guide",
    "hidden",
    "interaction",
    "notices",
    "annual_report",
    "attachments",  # the attachment text reader: a 304 reuses its privacy scan (issue 7)
)


@functools.cache
def extract_version() -> str:
    """Return a digest of the extraction code (and lxml's version) this process runs.

    Issue 7: a recrawl reuses a stored extraction on 304 Not Modified only when the same code
    made it, so an upgraded extractor re-reads every page once instead of keeping stale rows.
    GONGKAI_EXTRACT_VERSION pins it, for tests and benchmarks run in a tree being edited.
    """
    pinned = os.environ.get("GONGKAI_EXTRACT_VERSION", "").strip()
    if pinned:
        return pinned[:40]
    from lxml import etree

    digest = hashlib.sha1(repr(etree.LXML_VERSION).encode())
    crawlers_dir = Path(__file__).resolve().parents[1]
    for name in _EXTRACT_MODULES:
        digest.update((crawlers_dir / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


class SiteSpider(scrapy.Spider):
    """Crawl all (or the chosen) sites of a config directory for one run.

    Arguments (scrapy crawl site -a ...): run_id, config (config directory), sites (optional
    comma-separated site ids). On-site HTML pages are fetched with GET, parsed with
    crawlers.extract.analyse and followed to max_depth; attachments, images and off-site links
    are status-checked with HEAD (GET when HEAD is refused) and never crawled further.

    The store is the crawl's memory: a URL already stored for (run, site) is never fetched
    again. A stored page is followed from its stored links, entries and pagination instead,
    through the same `_follow` a fetched page goes through, so a crawl killed at any point
    resumes by running it again with the same run id: what was written is kept, what was
    fetched but not yet written is fetched again, and the frontier is rebuilt from the store.
    """

    name = "site"
    # Issue 7: the distributed crawl this process is a worker of (crawlers/distributed.py);
    # None for a single-process crawl. Claims and caps then live in Redis.
    dist: Any = None

    def __init__(
        self,
        run_id: str | int,
        config: str,
        sites: str | None = None,
        full: str | bool | None = None,
        **kwargs: Any,
    ) -> None:
        """Load the configuration and work out each site's scope and caps."""
        super().__init__(**kwargs)
        self.run_id = int(run_id)
        # Only sites and settings: the caller validated the rules already (issue 7).
        self.config = conf.load_crawl_config(Path(config))
        wanted = [s.strip() for s in sites.split(",") if s.strip()] if sites else []
        known = {s.id for s in self.config.sites}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise ValueError(f"未知站点：{', '.join(unknown)}")
        self.targets = [s for s in self.config.sites if not wanted or s.id in wanted]
        crawl = self.config.settings.crawl
        self.check_external = crawl.check_external_links
        self.scope = {s.id: Scope(s) for s in self.targets}
        self.max_pages = {s.id: s.max_pages or crawl.max_pages for s in self.targets}
        self.max_depth = {
            s.id: crawl.max_depth if s.max_depth is None else s.max_depth for s in self.targets
        }
        self.obey_robots = {
            s.id: crawl.obey_robots if s.obey_robots is None else s.obey_robots
            for s in self.targets
        }
        # privacy_leak (issue 3): on-site attachments whose text is scanned, up to this size
        # (never above max_bytes, which would cancel the download as an error first).
        self.scan_attachments = {
            s.id: crawl.scan_attachments if s.scan_attachments is None else s.scan_attachments
            for s in self.targets
        }
        self.attachment_max_bytes = min(crawl.attachment_max_bytes, crawl.max_bytes)
        self._scan_pool: Any = None  # twisted ThreadPool, started on the first attachment
        self.pages_scheduled: Counter[str] = Counter()
        # Claimed (site, URL without session ids) pairs: a link that differs only by a session
        # id is the page already claimed (issue 8, crawlers.guards.session_free).
        self.scheduled: set[tuple[str, str]] = set()
        # Hostile sites (issue 8): new targets followed from one page, the share of max_pages a
        # page other than a start page may claim, and pages per URL pattern (plain links) or
        # per column (pagination) with the patterns already reported.
        self.max_links_per_page = crawl.max_links_per_page
        self.page_share = {sid: max(1, cap // 4) for sid, cap in self.max_pages.items()}
        self.max_per_pattern = crawl.max_pages_per_pattern
        self.per_pattern: Counter[tuple[str, str, str]] = Counter()
        self.traps_reported: set[tuple[str, str, str]] = set()
        # Per-site rows and error rows emitted, the sites whose start requests are all out, and
        # whether every start request is: the live per-site progress (CrawlProgress, issue 6).
        self.site_fetched: Counter[str] = Counter()
        self.site_errors: Counter[str] = Counter()
        self.start_issued: set[str] = set()
        self.start_done = False
        # Resuming: the URLs this run already stored per site, and the stored URLs reached but
        # not yet followed, shallowest first (the order a fetching crawl reaches them).
        self.store: Store | None = None
        self.stored: dict[str, set[str]] = {s.id: set() for s in self.targets}
        # The same, keyed by the URL without session ids (what _claim compares).
        self.stored_keys: dict[str, dict[str, str]] = {s.id: {} for s in self.targets}
        self.replay: list[tuple[int, int, str, str]] = []
        # Weekly recrawl (issue 7): per site, the previous complete run whose stored pages are
        # asked for conditionally and whose list pages go first (open_store fills it); `full`
        # (-a full=1, CLI --full) or crawl.conditional_requests: false downloads all again.
        self.conditional = crawl.conditional_requests and str(full).lower() not in _YES
        self.previous: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> SiteSpider:
        """Build the spider, then apply settings.yaml crawl values before settings freeze."""
        spider: SiteSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.apply_settings(crawler.settings)
        if crawler.settings.get("GONGKAI_CRAWL_KEY"):  # a worker of a distributed crawl (issue 7)
            from crawlers.distributed import attach

            spider.dist = attach(spider, crawler)
        # Issue 7, bounded memory: claims are kept as 64-bit hashes, the older ones on disk.
        spider.scheduled = SeenSet(frontier_of(crawler), "claims")  # type: ignore[assignment]
        crawler.signals.connect(spider.scheduled.close, signal=signals.spider_closed)
        spider.open_store(crawler.settings.get("GONGKAI_DB") or None)
        crawler.signals.connect(spider.on_headers, signal=signals.headers_received)
        crawler.signals.connect(spider.on_bytes, signal=signals.bytes_received)
        crawler.signals.connect(spider.close_store, signal=signals.spider_closed)
        crawler.signals.connect(spider.stop_scanner, signal=signals.spider_closed)
        crawler.signals.connect(spider.record_peak_memory, signal=signals.spider_closed)
        return spider

    def open_store(self, db_url: str | None) -> None:
        """Open the run's store and read which URLs each site has already stored."""
        self.store = Store(db_url)
        self.stored = {s.id: self.store.fetched_urls(self.run_id, s.id) for s in self.targets}
        self.stored_keys = {
            site: {session_free(url): url for url in urls} for site, urls in self.stored.items()
        }
        done = sum(len(urls) for urls in self.stored.values())
        if done:  # the CLI tells the operator; this line is for the log file
            logger.info("续抓第 %s 次检查：库中已有 %s 个网址，不再重复抓取", self.run_id, done)
        self.previous = self._previous_runs(self.store)

    def _previous_runs(self, store: Store) -> dict[str, int]:
        """Return per site the previous complete run a recrawl may reuse pages of (issue 7).

        Only a run that crawled the site with the same start URLs and allowed_domains counts:
        with another scope the stored links would be classified differently.
        """
        earlier = store.previous_runs(self.run_id)
        configs = {
            run.id: {i.site_id: i for i in store.run_sites(run.id)} for run in earlier.values()
        }
        previous: dict[str, int] = {}
        for site in self.targets:
            run = earlier.get(site.id)
            if run is None:
                continue
            info = configs[run.id].get(site.id)
            if info is None or (
                list(info.start_urls) != list(site.start_urls)
                or (info.allowed_domains or None) != (site.allowed_domains or None)
            ):
                continue
            previous[site.id] = run.id
            if self.conditional:
                logger.info(
                    "站点 %s 对比第 %s 次检查按条件抓取（未修改的页面沿用上次结果）",
                    site.id,
                    run.id,
                )
        return previous

    def close_store(self) -> None:
        """Release the store's connections (spider_closed signal)."""
        if self.store is not None:
            self.store.close()
            self.store = None

    def record_peak_memory(self) -> None:
        """Put the crawl process's peak RSS in the stats dump (issue 8: bounded memory)."""
        self.crawler.stats.set_value("gongkai/peak_rss_kb", peak_rss_kb())

    def apply_settings(self, settings: Settings) -> None:
        """Copy the crawl settings (politeness, limits, UA) and per-site slots into Scrapy."""
        crawl = self.config.settings.crawl
        values: dict[str, Any] = {
            "USER_AGENT": crawl.user_agent,
            "DOWNLOAD_TIMEOUT": crawl.timeout,
            "DOWNLOAD_MAXSIZE": crawl.max_bytes,
            "CONCURRENT_REQUESTS": crawl.concurrency_total,
            "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_host,
            "DOWNLOAD_DELAY": crawl.delay,
            "DOWNLOAD_DELAY_JITTER": crawl.delay_jitter,  # issue 7: exact delay by default
            "AUTOTHROTTLE_ENABLED": crawl.autothrottle,
            "AUTOTHROTTLE_START_DELAY": crawl.delay,
            "GONGKAI_RETRY_AFTER_MAX": crawl.retry_after_max,  # crawlers.guards (issue 8)
        }
        slots: dict[str, dict[str, Any]] = {}
        for site in self.targets:
            delay = crawl.delay if site.delay is None else site.delay
            for netloc in self.scope[site.id].netlocs:
                old = slots.get(netloc, {}).get("delay", 0.0)
                slots[netloc] = {
                    "concurrency": crawl.concurrency_per_host,
                    "delay": max(old, delay),
                }
        values["DOWNLOAD_SLOTS"] = slots
        for name, value in values.items():
            settings.set(name, value, priority="spider")

    # -- requests ------------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Request]:
        """Yield every site's start URLs, round-robin so all sites start at once."""
        longest = max((len(s.start_urls) for s in self.targets), default=0)
        for index in range(longest):
            for site in self.targets:
                if index < len(site.start_urls):
                    request = self._page_request(
                        site.id, site.start_urls[index], depth=0, referer=None, is_home=index == 0
                    )
                    if request is not None:
                        yield request
                    if index == len(site.start_urls) - 1 and not self.replay:
                        # Nothing of this site is left to start (a resumed run's stored pages
                        # are replayed after every start URL, so it waits for start_done).
                        self.start_issued.add(site.id)
        for request in self._replay():
            yield request
        self.start_done = True

    def _meta(
        self, site_id: str, url: str, kind: FetchKind, depth: int, referer: str | None
    ) -> dict[str, Any]:
        """Build the meta every request of a site carries."""
        meta: dict[str, Any] = {
            "gk_site": site_id,
            "gk_url": url,
            "gk_kind": kind,
            "gk_depth": depth,
            "gk_referer": referer,
            # Politeness is per host:port (a site), not per bare host name.
            "download_slot": netloc_of(url),
        }
        if not self.obey_robots[site_id]:
            meta["dont_obey_robotstxt"] = True
        return meta

    def _claim(
        self,
        site_id: str,
        url: str,
        parent: str | None = None,
        *,
        page: bool = False,
        cap: tuple[str, str] | None = None,
    ) -> bool:
        """Return True the first time (site, url without session ids) is seen in this process.

        In a distributed crawl (issue 7) the claim is also taken in Redis for `parent`, the page
        that links it: refused when another page (of any worker) claimed it first, granted again
        to the same parent (a recovered request parsed anew) unless it is stored.
        """
        key = (site_id, session_free(url))
        if key in self.scheduled:
            return False
        if self.dist is not None and not self.dist.claim(site_id, url, parent, page=page, cap=cap):
            return False
        self.scheduled.add(key)
        return True

    def _stored_as(self, site_id: str, url: str) -> str | None:
        """Return the stored URL of this run that `url` is (session ids aside), or None."""
        if url in self.stored[site_id]:
            return url
        return self.stored_keys[site_id].get(session_free(url))

    def _over_cap(self, site_id: str, cap: tuple[str, str] | None, url: str) -> bool:
        """Count a new page against its URL pattern or column; True once that is full.

        Issue 8: an endless calendar or session-id space, or a 下一页 that never ends, would
        otherwise take max_pages from the rest of the site. Reported once per pattern.
        """
        if cap is None:
            return False
        key = (site_id, *cap)
        if self.per_pattern[key] < self.max_per_pattern:
            self.per_pattern[key] += 1
            return False
        self.crawler.stats.inc_value("gongkai/trap_skipped")
        if key not in self.traps_reported:
            self.traps_reported.add(key)
            warn_trap(site_id, cap, self.max_per_pattern, url)
        return True

    def _page_request(
        self,
        site_id: str,
        url: str,
        depth: int,
        referer: str | None,
        *,
        is_home: bool = False,
        list_date: str | None = None,
        column_key: str | None = None,
        cap: tuple[str, str] | None = None,
        plain: bool = False,
    ) -> Request | None:
        """Request an on-site HTML page, within the site's page cap, and `cap`'s if given (a
        plain link: its URL pattern's)."""
        url = url.split("#", 1)[0]
        if not url.startswith(("http://", "https://")):
            return None
        if (site_id, session_free(url)) in self.scheduled:
            return None
        if self.pages_scheduled[site_id] >= self.max_pages[site_id]:
            return None
        if plain:
            cap = ("pattern", url_pattern(url))
        if self.dist is None and self._over_cap(site_id, cap, url):
            return None
        if not self._claim(site_id, url, referer, page=True, cap=cap):
            return None  # issue 7: another worker's, or max_pages / its cap is full crawl-wide
        self.pages_scheduled[site_id] += 1
        if (stored := self._stored_as(site_id, url)) is not None:
            self._defer(site_id, stored, depth)
            return None
        meta = self._meta(site_id, url, "page", depth, referer)
        meta.update(gk_home=is_home, gk_list_date=list_date, gk_column_key=column_key)
        # Issue 7: list pages (start pages, pagination, and pages the previous run found to be
        # lists) go before the other pages of their depth, since they reveal new entries.
        listing = depth == 0 or (cap is not None and cap[0] == "column")
        headers: dict[bytes, str] = {}
        previous = self.previous.get(site_id)
        if previous is not None and self.store is not None:
            hint = self.store.recrawl_hint(previous, site_id, url)
            if hint is not None:
                listing = listing or hint.is_list
                if self.conditional and not is_home and self._reusable(hint, is_home, list_date):
                    headers = self._validators(hint)
                    meta["gk_prev"] = previous
                    self.crawler.stats.inc_value("gongkai/conditional_requests")
        return _request(
            url, "GET", self, priority=_priority(depth, listing), meta=meta, headers=headers
        )

    @staticmethod
    def _reusable(hint: RecrawlHint, is_home: bool, list_date: str | None) -> bool:
        """Whether a page the previous run stored may be asked for conditionally (issue 7).

        Only if the same extraction code read it whole, as a home page or not alike, and its
        list shows the same date (the list date is one of its date candidates): an entry that
        is new, or whose date changed on its list, is downloaded whole.
        """
        return (
            hint.complete
            and bool(hint.etag or hint.last_modified)
            and hint.is_home == is_home
            and hint.extract_version == extract_version()
            and hint.list_date == parse_date(list_date)
        )

    def _attachment_validators(
        self, site_id: str, url: str, meta: dict[str, Any]
    ) -> dict[bytes, str]:
        """Return conditional headers for an attachment the previous run downloaded and
        scanned with the same code, or for a report file (meta gk_report) one it read as a
        report (and scanned, when a scan is wanted now), and mark the request for reuse on a
        304 (issue 7: on a weekly recrawl the documents are most of the bytes, and a site lists
        every year's report; a file is only read again when the server says it changed)."""
        previous = self.previous.get(site_id)
        if not self.conditional or previous is None or self.store is None:
            return {}
        hint = self.store.recrawl_hint(previous, site_id, url)
        if hint is None:
            return {}
        if "gk_report" in meta:
            usable = hint.report and (hint.scanned or not meta.get("gk_scan"))
        else:
            usable = hint.kind == "attachment" and hint.complete
        if (
            not usable
            or not (hint.etag or hint.last_modified)
            or hint.extract_version != extract_version()
        ):
            return {}
        meta["gk_prev"] = previous
        self.crawler.stats.inc_value("gongkai/conditional_requests")
        return self._validators(hint)

    @staticmethod
    def _validators(hint: RecrawlHint) -> dict[bytes, str]:
        """Return the conditional headers echoing a stored page's validators (RFC 9110 13.1)."""
        headers: dict[bytes, str] = {}
        if hint.etag:
            headers[b"If-None-Match"] = hint.etag
        if hint.last_modified:
            headers[b"If-Modified-Since"] = hint.last_modified
        return headers

    def _check_request(
        self, site_id: str, url: str, kind: FetchKind, depth: int, referer: str | None
    ) -> Request | None:
        """Request a status check (HEAD) of an attachment, image or off-site link."""
        url = url.split("#", 1)[0]
        if not url.startswith(("http://", "https://")) or not self._claim(site_id, url, referer):
            return None
        if (stored := self._stored_as(site_id, url)) is not None:
            self._defer(site_id, stored, depth)
            return None
        meta = self._meta(site_id, url, kind, depth, referer)
        if kind == "attachment" and self.scan_attachments[site_id]:
            ext = _extension(url)
            if ext in SCAN_FORMATS:
                # privacy_leak: the text is read, so the body is needed (GET, size-capped).
                meta["gk_scan"] = True
                return _request(
                    url,
                    "GET",
                    self,
                    callback=self.parse_attachment,
                    priority=_priority(depth),
                    meta=meta,
                    headers=self._attachment_validators(site_id, url, meta),
                )
            meta["gk_scan_skip"] = ext.lstrip(".") or "unknown"  # .doc/.xls/.wps …: not parsed
        return _request(url, "HEAD", self, priority=_priority(depth), meta=meta)

    def _report_request(
        self, site_id: str, url: str, depth: int, item: PageItem, year: int, title: str
    ) -> Request | None:
        """Request a report attachment with GET (its body is read), bounded by max_bytes."""
        url = url.split("#", 1)[0]
        if not url.startswith(("http://", "https://")) or not self._claim(site_id, url, item.url):
            return None
        if (stored := self._stored_as(site_id, url)) is not None:
            self._defer(site_id, stored, depth)
            return None
        meta = self._meta(site_id, url, "attachment", depth, item.url)
        meta["gk_report"] = {
            "year": year,
            "title": title,
            "pub_date": item.pub_date,
            "source_url": item.url,
        }
        callback = None
        if self.scan_attachments[site_id]:
            # The report's text is scanned for personal data too (privacy_leak).
            ext = _extension(url)
            if ext in SCAN_FORMATS:
                meta["gk_scan"] = True
                callback = self.parse_attachment
            else:
                meta["gk_scan_skip"] = ext.lstrip(".") or "unknown"
        return _request(
            url,
            "GET",
            self,
            callback=callback,
            priority=_priority(depth),
            meta=meta,
            headers=self._attachment_validators(site_id, url, meta),
        )

    def _defer(self, site_id: str, url: str, depth: int) -> None:
        """Queue a stored URL, reached and claimed, to be followed from the store."""
        heapq.heappush(self.replay, (depth, len(self.scheduled), site_id, url))

    def _replay(self) -> Iterator[Request]:
        """Follow the queued stored URLs from the store, breadth-first; yield what to fetch.

        A stored page leads where it led when it was fetched (same links, entries, pagination,
        depth and column), and pages it leads to that are stored too are followed in turn.
        Attachments, images, external links and unparsed pages lead nowhere.
        """
        while self.replay and self.store is not None:
            _, _, site_id, url = heapq.heappop(self.replay)
            item = self.store.page_item(self.run_id, site_id, url)
            if item is None or item.kind != "page" or item.page_type is None:
                continue
            parent = item.final_url or item.url
            for request in self._follow(item, item.next_pages):
                # The Referer a fetching crawl would send (RefererMiddleware's default policy):
                # some servers refuse attachment downloads without one.
                referrer = DefaultReferrerPolicy().referrer(parent, request.url)
                if referrer is None:
                    request.meta["referrer_policy"] = "no-referrer"
                else:
                    request.headers["Referer"] = referrer
                yield request

    def _get_fallback(self, request: Request) -> Request:
        """Repeat a refused HEAD as a GET that stops after the headers (no body download)."""
        meta = {k: v for k, v in request.meta.items() if k.startswith("gk_")}
        meta["gk_fallback"] = True
        return self._again(request, meta, self.parse)

    def _again(self, request: Request, meta: dict[str, Any], callback: Any) -> Request:
        """Ask for a request's URL once more (GET, same priority, its site's slot and robots.txt
        choice) with the given gk_ meta. Never filtered as a duplicate: the same URL is asked
        again on purpose (a status check must run even if the site fetched the URL as a page,
        or the link would get no row at all)."""
        meta["download_slot"] = netloc_of(meta["gk_url"])
        if request.meta.get("dont_obey_robotstxt"):
            meta["dont_obey_robotstxt"] = True
        return Request(
            meta["gk_url"],
            callback=callback,
            errback=self.on_error,
            priority=request.priority,
            meta=meta,
            dont_filter=True,
        )

    def on_headers(self, headers: Any, body_length: int, request: Request, **_: Any) -> None:
        """Stop downloads whose body the audit does not need (headers_received signal)."""
        meta = request.meta
        site_id = meta.get("gk_site")
        if site_id is None:  # robots.txt and other non-spider requests
            return
        if meta.get("gk_fallback"):
            raise StopDownload(fail=False)
        if meta.get("gk_kind") == "page":
            if request.url not in self.scope[site_id]:
                raise StopDownload(fail=False)  # redirected off-site: status only
            ctype = headers.get(b"Content-Type")
            if ctype is not None and not _is_html(ctype.decode("latin-1")):
                raise StopDownload(fail=False)  # a document behind a page link
            if _disposition_attachment(headers):
                raise StopDownload(fail=False)  # a file to save, whatever its type says
        elif meta.get("gk_scan") and not meta.get("gk_report"):
            # An attachment to scan: not off-site (those stay status-only), not over the limit.
            if request.url not in self.scope[site_id]:
                meta["gk_scan_stop"] = "offsite"
                raise StopDownload(fail=False)
            if isinstance(body_length, int) and body_length > self.attachment_max_bytes:
                meta["gk_scan_stop"] = "too_large"
                raise StopDownload(fail=False)

    def on_bytes(self, data: bytes, request: Request, **_: Any) -> None:
        """Stop an attachment scan download that streams past attachment_max_bytes."""
        meta = request.meta
        if meta.get("gk_scan") and not meta.get("gk_report"):
            got = meta.get("gk_bytes", 0) + len(data)
            meta["gk_bytes"] = got
            if got > self.attachment_max_bytes:  # no Content-Length told us in advance
                meta["gk_scan_stop"] = "too_large"
                raise StopDownload(fail=False)

    def stop_scanner(self) -> None:
        """Stop the attachment-scan thread (spider_closed signal)."""
        if self._scan_pool is not None:
            pool, self._scan_pool = self._scan_pool, None
            pool.stop()

    async def _scan_off_thread(self, response: Response) -> AttachmentScan:
        """Scan an attachment body in the scan thread, so a long PDF never stalls the reactor.

        Parsing on the reactor thread would hold every download for its duration and let their
        timeouts fire (false 超时 rows); one worker keeps parsing off the 2 CPUs' other work.
        """
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor, threads
        from twisted.python.threadpool import ThreadPool

        if self._scan_pool is None:
            self._scan_pool = ThreadPool(minthreads=0, maxthreads=1, name="gongkai-attachments")
            self._scan_pool.start()
        ctype = response.headers.get(b"Content-Type")
        deferred = threads.deferToThreadPool(
            reactor,  # type: ignore[arg-type]
            self._scan_pool,
            _timed_scan,
            response.body,
            response.url,
            ctype.decode("latin-1") if ctype else None,
        )
        scan, seconds = await maybe_deferred_to_future(deferred)
        stats = self.crawler.stats
        stats.inc_value("gongkai/attachment_scan_ms", round(seconds * 1000))
        return scan

    # -- responses -----------------------------------------------------------------------------

    def _item(self, request: Request) -> PageItem:
        """Start the row of a request's URL from its meta."""
        meta = request.meta
        return PageItem(
            run_id=self.run_id,
            site_id=meta["gk_site"],
            url=meta["gk_url"],
            kind=meta["gk_kind"],
            method=request.method,
            depth=meta["gk_depth"],
            referer=meta.get("gk_referer"),
            is_home=bool(meta.get("gk_home")),
            fetched_at=_now(),
        )

    def _emit(self, item: PageItem) -> PageItem:
        """Count a finished row for the progress line and hand it on."""
        stats = self.crawler.stats
        stats.inc_value("gongkai/fetched")
        self.site_fetched[item.site_id] += 1
        if item.error is not None or (item.status or 0) >= 400:
            stats.inc_value("gongkai/errors")
            self.site_errors[item.site_id] += 1
        return item

    async def parse_attachment(self, response: Response) -> AsyncIterator[Any]:
        """Scan a downloaded attachment's text for personal data, then record it like parse."""
        meta = response.meta
        if (
            response.status < 300
            and "download_stopped" not in response.flags
            and "gk_scan_stop" not in meta
        ):
            if len(response.body) > self.attachment_max_bytes:  # a report, read within max_bytes
                meta["gk_scan_stop"] = "too_large"
            else:
                meta["gk_scan_result"] = await self._scan_off_thread(response)
        for out in self.parse(response):
            yield out

    def _record_scan(
        self, item: PageItem, meta: dict[str, Any], response: Response | None, error: str | None
    ) -> None:
        """Store an attachment's scan record and masked hits on its row (privacy_leak)."""
        if skip := meta.get("gk_scan_skip"):
            scan = unscanned(skip, "format", f"{skip} 格式未解析")
        elif not meta.get("gk_scan"):
            return
        else:
            fmt = SCAN_FORMATS.get(_extension(item.url), "unknown")
            stop = meta.get("gk_scan_stop")
            if error is not None:
                scan = unscanned(fmt, "download", _DOWNLOAD_ERRORS.get(error, error))
            elif response is not None and response.status >= 300:
                scan = unscanned(fmt, "http", f"HTTP {response.status}")
            elif stop == "too_large":
                size = item.size if item.size is not None else meta.get("gk_bytes")
                shown = f"{size} 字节" if size else "大小未知"
                scan = unscanned(
                    fmt, "too_large", f"文件{shown}，超过扫描上限 {self.attachment_max_bytes} 字节"
                )
            elif stop == "offsite":
                scan = unscanned(fmt, "offsite", f"跳转到站外地址 {item.final_url}")
            else:
                scan = meta.get("gk_scan_result") or unscanned(fmt, "unreadable", "未读取到内容")
                if response is not None and "gk_report" not in meta:
                    self.crawler.stats.inc_value("gongkai/attachment_bytes", len(response.body))
        item.privacy = list(scan.hits)
        item.privacy_scan = scan.record()
        if scan.scanned:
            item.extract_version = extract_version()  # a 304 reuses this scan (issue 7)
        state = "scanned" if scan.scanned else "unscanned"
        self.crawler.stats.inc_value(f"gongkai/attachments_{state}")
        if scan.hits:
            self.crawler.stats.inc_value("gongkai/attachments_with_personal_data")

    def parse(self, response: Response) -> Iterator[Any]:
        """Record a response; parse and follow on-site HTML pages."""
        request = response.request
        assert request is not None
        meta = response.meta
        site_id = meta["gk_site"]
        item = self._item(request)
        item.final_url = response.url
        item.status = response.status
        ctype = response.headers.get(b"Content-Type")
        item.content_type = ctype.decode("latin-1") if ctype else None
        stopped = "download_stopped" in response.flags or request.method == "HEAD"
        length = response.headers.get(b"Content-Length")
        if stopped:
            item.size = int(length) if length and length.isdigit() else None
        else:
            item.size = len(response.body)
        # What was downloaded (304s and stopped downloads included): the recrawl's saving.
        self.crawler.stats.inc_value("gongkai/body_bytes", len(response.body))
        item.etag = _header(response, b"ETag")
        item.last_modified = _header(response, b"Last-Modified")
        if response.status == 304 and "gk_prev" in meta:
            yield from self._not_modified(request, response, item)
            return

        if item.kind != "page":
            if (
                request.method == "HEAD"
                and not meta.get("gk_fallback")
                and response.status >= HEAD_RETRY_FROM_STATUS
            ):
                yield self._get_fallback(request)
                return
            report = meta.get("gk_report")
            if report is not None and request.method == "GET" and not meta.get("gk_fallback"):
                if response.status >= 300:
                    item.annual_report = ReportOut(
                        format=_extension(item.url).lstrip(".") or "unknown",
                        data=None,
                        error=f"年报文件无法下载（HTTP {response.status}）",
                        **report,
                    )
                else:
                    item.annual_report = read_annual_report(
                        response.body,
                        item.url if _extension(item.url) else (item.content_type or item.url),
                        report["year"],
                        report["title"],
                        report["pub_date"],
                        report["source_url"],
                    )
                    item.extract_version = extract_version()  # a 304 reuses it (issue 7)
            self._record_scan(item, meta, response, None)
            yield self._emit(item)
            return

        if response.status < 300 and (
            not _is_html(item.content_type) or _disposition_attachment(response.headers)
        ):
            # A page link that serves a document: it is an attachment, status only. So is an
            # "HTML" body the server asks to save as a file (a browser downloads it fine).
            item.kind = "attachment"
            yield self._emit(item)
            return
        if response.status >= 300 or stopped or response.url not in self.scope[site_id]:
            # Error statuses are recorded as found; a redirect off the site is checked, never
            # crawled further.
            if item.depth == 0 and response.url not in self.scope[site_id]:
                logger.warning(
                    "提示：起始页 %s 跳转到站外地址 %s，未继续抓取；请检查站点 %s 的"
                    " start_urls 或 allowed_domains",
                    item.url,
                    response.url,
                    site_id,
                )
            yield self._emit(item)
            return
        if looks_binary(response.body):
            # Issue 8: binary data served as text/html; a reader sees garbage, and parsing it
            # would only invent titles and dates.
            item.error = "not_html"
            logger.info("内容不是网页：%s（%s）", item.url, item.content_type)
            yield self._emit(item)
            return

        try:
            analysis = analyse(
                response.body,
                response.url,
                content_type=item.content_type,
                is_home=item.is_home,
                list_date=meta.get("gk_list_date"),
            )
        except Exception:  # an extractor bug must cost one page's analysis, never the row
            logger.exception("解析失败：%s", response.url)
            self.crawler.stats.inc_value("gongkai/extract_errors")
            yield self._emit(item)
            return

        scope = self.scope[site_id]
        item.extract_version = extract_version()
        item.encoding = analysis.encoding
        item.page_type = analysis.page_type
        item.title = analysis.title
        item.pub_date = analysis.pub_date
        item.date_source = analysis.date_source
        item.date_candidates = list(analysis.date_candidates)
        item.column = analysis.column
        item.column_source = analysis.column_source
        item.metas = dict(analysis.metas)
        item.text_snippet = analysis.text_snippet
        item.body_text = analysis.body_text
        item.placeholder = analysis.placeholder
        item.privacy = list(analysis.privacy)
        item.footer = dict(analysis.footer)
        item.notice = analysis.notice
        item.guide = analysis.guide
        item.interaction = analysis.interaction
        item.catalogue = dict(analysis.catalogue)
        item.entries = list(analysis.entries)
        item.links = [
            link
            if link.kind == "external" or link.url in scope
            else LinkOut(url=link.url, text=link.text, kind="external", hidden=link.hidden)
            for link in analysis.links
        ]
        item.next_pages = list(analysis.next_pages)
        # A list page, or any page with pagination, starts a column unless it continues one.
        item.column_key = meta.get("gk_column_key") or (
            item.url if item.page_type == "list" or analysis.next_pages else None
        )
        year = report_page_year(item)
        if year is not None:
            # 条例第五十条: the report page itself is read as a report; if it only wraps an
            # attachment, the checks choose the attachment (checks.annual_reports.best).
            body = response.body
            if analysis.encoding and analysis.encoding.replace("_", "-").lower() != "utf-8":
                # The reader sees no HTTP header: hand it the text as UTF-8, which it prefers
                # over a <meta> charset (extract.decode_html).
                body = body.decode(analysis.encoding, "replace").encode("utf-8")
            item.annual_report = read_annual_report(
                body,
                item.content_type or "text/html",
                year,
                item.title or "",
                item.pub_date or meta.get("gk_list_date"),
                None,
            )
        yield self._emit(item)
        yield from self._follow(item, item.next_pages)
        yield from self._replay()

    def _not_modified(self, request: Request, response: Response, item: PageItem) -> Iterator[Any]:
        """Store a page the server says is unchanged (304) as the previous run stored it, and
        follow it from there: the same row a fresh download would give (issue 7)."""
        meta = response.meta
        previous = meta["gk_prev"]
        report = meta.get("gk_report")
        old = (
            self.store.reusable_item(previous, item.site_id, item.url, report=report is not None)
            if self.store
            else None
        )
        if old is not None and report is not None and old.annual_report is not None:
            if old.annual_report.year != report["year"]:
                old = None  # the file is listed as another year's report: read it for that year
        if old is None:
            # The stored copy went missing since the request was made, or cannot stand for
            # this request: download it whole.
            self.crawler.stats.inc_value("gongkai/not_modified_refetched")
            yield self._unconditional(request)
            return
        self.crawler.stats.inc_value("gongkai/not_modified")
        reused = dataclasses.replace(
            old,
            run_id=self.run_id,
            final_url=response.url,
            method=item.method,
            depth=item.depth,
            referer=item.referer,
            is_home=item.is_home,
            fetched_at=item.fetched_at,
            etag=item.etag or old.etag,
            last_modified=item.last_modified or old.last_modified,
            reused_from=previous,
            column_key=meta.get("gk_column_key")
            or (item.url if old.page_type == "list" or old.next_pages else None),
        )
        if item.kind != "page":
            self.crawler.stats.inc_value("gongkai/attachments_reused")
            if report is not None and reused.annual_report is not None:
                # What was read from the file is reused; where and how it is listed this week
                # (title, date, linking page) comes from this week's crawl.
                reused.annual_report = dataclasses.replace(reused.annual_report, **report)
                self.crawler.stats.inc_value("gongkai/reports_reused")
            yield self._emit(reused)  # a document leads nowhere
            return
        yield self._emit(reused)
        yield from self._follow(reused, reused.next_pages)
        yield from self._replay()

    def _unconditional(self, request: Request) -> Request:
        """Repeat a conditional request without its validators (a full download)."""
        meta = {k: v for k, v in request.meta.items() if k.startswith("gk_") and k != "gk_prev"}
        return self._again(
            request, meta, self.parse_attachment if meta.get("gk_scan") else self.parse
        )

    def _follow(self, item: PageItem, next_pages: list[str]) -> Iterator[Request]:
        """Schedule what a parsed page leads to, every claim made before the first request is
        handed on: Scrapy consumes several callbacks' output interleaved, and the per-page
        limits of _follow_links count the claims made since the page began (issue 8; found
        by bench/scale_bench.py, issue 7, where list pages crawled together lost pagination)."""
        return iter(list(self._follow_links(item, next_pages)))

    def _follow_links(self, item: PageItem, next_pages: list[str]) -> Iterator[Request]:
        """Schedule what a parsed page leads to: entries, pagination, links."""
        site_id = item.site_id
        scope = self.scope[site_id]
        depth = item.depth
        deeper = depth + 1 <= self.max_depth[site_id]
        kinds = {link.url: link.kind for link in item.links}
        page_year = report_page_year(item)
        # Issue 8: one page sends the crawl to at most max_links_per_page new targets, and a
        # page other than a start page claims at most a quarter of max_pages, so a page of
        # 10,000 links cannot take the whole budget. Counted on claims (stored URLs of a
        # resumed run too), so a resumed crawl follows exactly what the first one did.
        claims0, pages0 = len(self.scheduled), self.pages_scheduled[site_id]
        share = self.page_share[site_id] if depth > 0 else None
        skipped = 0

        def room(url: str, page: bool) -> bool:
            nonlocal skipped
            if len(self.scheduled) - claims0 < self.max_links_per_page and (
                not page or share is None or self.pages_scheduled[site_id] - pages0 < share
            ):
                return True
            if (site_id, session_free(url.split("#", 1)[0])) not in self.scheduled:
                skipped += 1
            return False

        # Entries first, so an entry page carries the date its list shows (list_date).
        if deeper:
            for entry in item.entries:
                kind = kinds.get(entry.url, "page" if entry.url in scope else "external")
                if kind == "page" and room(entry.url, True):
                    req = self._page_request(
                        site_id, entry.url, depth + 1, item.url, list_date=entry.date
                    )
                    if req is not None:
                        yield req
        # Pagination continues the same column at the same depth.
        column_key = item.column_key or item.url
        for url in next_pages:
            if url in scope and room(url, True):
                req = self._page_request(
                    site_id, url, depth, item.url, column_key=column_key, cap=("column", column_key)
                )
                if req is not None:
                    yield req
        for link in item.links:
            # Issue 7: most links of a page (menus, footers) are claimed already, and every
            # request builder below would return None for them; so would room(), uncounted.
            if (site_id, session_free(link.url.split("#", 1)[0])) in self.scheduled:
                continue
            req = None
            if not room(link.url, link.kind == "page" and deeper):
                continue
            if link.kind == "page":
                if deeper:
                    # A plain link (not a list entry): counted per URL pattern (issue 8).
                    req = self._page_request(site_id, link.url, depth + 1, item.url, plain=True)
            elif (
                link.kind == "attachment"
                and _extension(link.url) in REPORT_EXTENSIONS
                and (report_year(link.text) or page_year)
            ):
                # A report attachment: named as one, or any document of a report page.
                year = report_year(link.text) or page_year
                title = link.text if report_year(link.text) else (item.title or link.text)
                req = self._report_request(site_id, link.url, depth + 1, item, year, title)
            elif link.kind != "external" or self.check_external:
                req = self._check_request(site_id, link.url, link.kind, depth + 1, item.url)
            if req is not None:
                yield req
        if skipped:
            self.crawler.stats.inc_value("gongkai/links_not_followed", skipped)
            logger.warning(
                "提示：页面 %s 链接过多，%s 个链接未跟进（每页最多 %s 个新链接"
                "（max_links_per_page）；起始页以外的页面最多占用 %s 个页面名额，即 max_pages 的四分之一）",
                item.url,
                skipped,
                self.max_links_per_page,
                share,
            )

    def on_error(self, failure: Failure) -> Iterator[Any]:
        """Turn a failed download into a row with status None and an error code."""
        request: Request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            if "robots.txt" in str(failure.value):
                # Not fetched by the site's own rule: no row, so no finding on its status.
                self.crawler.stats.inc_value("gongkai/robots_forbidden")
                if request.meta.get("gk_depth") == 0:
                    logger.warning(
                        "提示：robots.txt 禁止抓取起始页 %s；如确需检查，可在 sites.yaml 中为站点 %s"
                        " 设置 obey_robots: false",
                        request.meta["gk_url"],
                        request.meta["gk_site"],
                    )
                    if request.meta.get("gk_referer") is None:
                        # Issue 8: a start page is the exception. Its row says why the site
                        # was not audited (checks: 无法检查, robots.txt 禁止抓取), where no
                        # row read as 首页未出现在抓取记录中, i.e. the site looked down.
                        item = self._item(request)
                        item.error = "robots"
                        yield self._emit(item)
                return
            item = self._item(request)
            item.error = ignored_error(failure)
            yield self._emit(item)
            return
        error = classify_failure(failure)
        meta = request.meta
        if (
            request.method == "HEAD"
            and not meta.get("gk_fallback")
            and (error == "connection" and not _refused(failure) or error.startswith("other:"))
        ):
            # Some servers drop the connection on HEAD; ask once more with GET.
            yield self._get_fallback(request)
            return
        item = self._item(request)
        item.error = error
        report = meta.get("gk_report")
        if report is not None:
            item.annual_report = ReportOut(
                format=_extension(item.url).lstrip(".") or "unknown",
                data=None,
                error=f"年报文件无法下载（{_DOWNLOAD_ERRORS.get(error, error)}）",
                **report,
            )
        self._record_scan(item, meta, None, error)
        logger.info("抓取失败：%s（%s）", meta.get("gk_url"), error)
        yield self._emit(item)
