"""Scrapy settings for the gongkai crawl; per-run values come from config/settings.yaml.

The spider (crawlers/spiders/site.py) overrides the crawl.* values from the operator's
settings.yaml in `from_crawler`; what is here are the fixed choices and safe fallbacks.
"""

from __future__ import annotations

import os

from conf import CrawlSettings

BOT_NAME = "gongkai"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

# Store location for StorePipeline; the runner passes it in the environment.
GONGKAI_DB = os.environ.get("GONGKAI_DB")
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
LOG_LEVEL = "INFO"

# Scope is host:port, which the stock offsite middleware (bare host name) cannot express;
# the spider filters by netloc itself.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
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
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawlers.middlewares.SiteAutoThrottle": 0,
    "crawlers.middlewares.CrawlProgress": 500,
}
ITEM_PIPELINES = {"crawlers.pipelines.StorePipeline": 300}

# Each URL is fetched once per site and run; the fingerprint includes the site id so two
# sites linking the same target each get their own status row.
REQUEST_FINGERPRINTER_CLASS = "crawlers.middlewares.SiteRequestFingerprinter"

# Breadth-first, so the page cap keeps the shallow pages (home, columns) of every site.
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
