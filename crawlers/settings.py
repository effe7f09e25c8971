"""Scrapy settings for the gongkai crawl; per-run values come from config/settings.yaml.

The spider (crawlers/spiders/site.py) overrides the crawl.* values from the operator's
settings.yaml in `from_crawler`; what is here are the fixed choices and safe fallbacks.
"""

from __future__ import annotations

import os

from scrapy.settings.default_settings import EXTENSIONS_BASE as _SCRAPY_EXTENSIONS_BASE

from conf import CrawlSettings

BOT_NAME = "gongkai"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Store location for StorePipeline; the runner passes it in the environment.
GONGKAI_DB = os.environ.get("GONGKAI_DB")
# Distributed crawl (issue 7, crawlers/distributed.py): set by the runner when this crawl
# process is one worker of a crawl shared through Redis; unset, the crawl is single-process.
GONGKAI_CRAWL_KEY = os.environ.get("GONGKAI_CRAWL_KEY")
GONGKAI_REDIS_URL = os.environ.get("GONGKAI_REDIS_URL")
GONGKAI_WORKER_NAME = os.environ.get("GONGKAI_WORKER_NAME")
# Seconds between the Chinese progress lines the runner forwards to the operator.
GONGKAI_PROGRESS_INTERVAL = float(os.environ.get("GONGKAI_PROGRESS_INTERVAL", "5"))

USER_AGENT = CrawlSettings().user_agent  # one default, ASCII-only (see conf.CrawlSettings)

# robots.txt is obeyed by default; a site with `obey_robots: false` marks its requests with
# meta dont_obey_robotstxt, which the stock middleware honours per request.
ROBOTSTXT_OBEY = True

# Politeness. A site is scheme+host+port, so SiteSlotMiddleware keys download slots on
# host:port; these per-slot values are the defaults for every site.
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 15
# DOWNLOAD_MAXSIZE also caps decompression (HttpCompressionMiddleware), so a gzip bomb stops at
# max_bytes of output however small it is on the wire (issue 8, tests/test_hostile.py).
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
# One retry: government servers drop connections now and then, and a dead link must be dead
# twice before it becomes a finding.
RETRY_TIMES = 1

# Every HTTP status is a finding to record, so all of them reach the spider callback.
HTTPERROR_ALLOW_ALL = True
COOKIES_ENABLED = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's remote control would serve a localhost HTTP endpoint that runs Python inside
# the crawl, and writes a job file with its token to the home directory: off, like the telnet
# console. It is also left out of the base extension list, because Scrapy imports every listed
# extension before asking whether it is enabled, and importing this one (aiohttp) cost about
# 0.2 s of every crawl's start-up CPU (issue 7).
REMOTE_CONTROL_ENABLED = False
EXTENSIONS_BASE = {
    name: order
    for name, order in _SCRAPY_EXTENSIONS_BASE.items()
    if name != "scrapy.extensions.remote_control.RemoteControl"
}
LOG_LEVEL = "INFO"
# CPU per page (issue 7). Scrapy hands each callback's output to CONCURRENT_ITEMS asyncio worker
# tasks per response (default 100: ~100 tasks created and cancelled for every page); the item
# pipeline is synchronous, so one worker does the same work in the same order. The generator
# return-value check re-reads and parses the callback's source whenever its cache entry (a
# weak reference to a bound method) has expired, i.e. for most responses.
CONCURRENT_ITEMS = 1
WARN_ON_GENERATOR_RETURN_VALUE = False

# Scope is host:port, which the stock offsite middleware (bare host name) cannot express;
# the spider filters by netloc itself.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    # Basic auth comes only from HTTPAUTH_* settings, which the crawl never sets: a no-op call
    # per request (issue 7).
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "crawlers.middlewares.SiteSlotMiddleware": 90,
    "crawlers.middlewares.SiteMetaRefreshMiddleware": 580,
    "crawlers.middlewares.SiteRedirectMiddleware": 600,
    # Hostile servers (issue 8): Retry-After is waited out before RetryMiddleware (550) asks
    # again; robots.txt is read up to 500 KiB, cut after HttpCompressionMiddleware (590).
    "crawlers.guards.RetryAfterMiddleware": 560,
    "crawlers.guards.RobotsTxtLimitMiddleware": 585,
}
SPIDER_MIDDLEWARES = {
    # Depth is tracked per site by the spider (pagination does not count), not by DEPTH_LIMIT.
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    # A development aid (warns once if a spider copies response.meta into new requests; ours
    # builds fresh meta) that costs an async-generator layer per response (issue 7).
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawlers.middlewares.SiteAutoThrottle": 0,
    "crawlers.middlewares.CrawlProgress": 500,
    "crawlers.middlewares.CrawlTuning": 900,  # GC thresholds, debug records (issue 7)
}
ITEM_PIPELINES = {"crawlers.pipelines.StorePipeline": 300}
STATS_CLASS = "crawlers.middlewares.CrawlStats"  # the stock collector, minus a shim (issue 7)

# Each URL is fetched once per site and run; the fingerprint includes the site id so two
# sites linking the same target each get their own status row.
REQUEST_FINGERPRINTER_CLASS = "crawlers.middlewares.SiteRequestFingerprinter"

# Breadth-first, so the page cap keeps the shallow pages (home, columns) of every site.
# Issue 7, bounded memory: the FIFO queues keep GONGKAI_FRONTIER_MEMORY requests in memory
# across the crawl and spill the rest to a per-process temp file (crawlers/frontier.py; no
# JOBDIR, so nothing outlives the process); the dupefilter's fingerprints, like the spider's
# claimed URLs, are 64-bit hashes, the latest GONGKAI_SEEN_MEMORY in memory, older ones on disk.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "crawlers.frontier.SpillQueue"
SCHEDULER_START_MEMORY_QUEUE = "crawlers.frontier.SpillQueue"
DUPEFILTER_CLASS = "crawlers.frontier.SeenDupeFilter"
GONGKAI_FRONTIER_MEMORY = int(os.environ.get("GONGKAI_FRONTIER_MEMORY", "5000"))
GONGKAI_SEEN_MEMORY = int(os.environ.get("GONGKAI_SEEN_MEMORY", "100000"))
GONGKAI_FRONTIER_DIR = os.environ.get("GONGKAI_FRONTIER_DIR") or None  # default: the temp dir
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
