"""Floor for the synthetic-city bench: Scrapy downloading a known URL list and doing nothing.

Run by bench/synth_bench.py as `python -m scrapy runspider bench/floor_spider.py -a
urls_file=FILE -a stats_out=FILE`. It requests every HTML page of the generated city (the list
sitegen wrote, so there is no link extraction and no duplicate filtering of links) with the
same concurrency, robots.txt, timeout and retries as the other crawlers, and its callback
returns nothing. What it costs per page is what Scrapy itself costs to schedule, download and
hand over one response: no crawler built on Scrapy can go below it on the same machine, so the
synthetic-city section shows it beside gongkai and the bare CrawlSpider (issue 7).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.http import Response


class FloorSpider(Spider):
    """Fetch each listed URL once on its host:port's own download slot; keep nothing."""

    name = "floor"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 10,
        "RETRY_TIMES": 1,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
    }

    def __init__(self, urls_file: str = "", stats_out: str = "", **kwargs: Any) -> None:
        """Take the file of URLs (one per line) and the file to write Scrapy's stats to."""
        super().__init__(**kwargs)
        with open(urls_file, encoding="utf-8") as fh:
            self.urls = [line.strip() for line in fh if line.strip()]
        self.stats_out = stats_out

    async def start(self) -> AsyncIterator[Request]:
        """Yield every URL, each on its host:port's download slot (as the other crawlers do)."""
        for url in self.urls:
            yield Request(url, meta={"download_slot": urlsplit(url).netloc})

    def parse(self, response: Response, **kwargs: Any) -> None:
        """Count the page and keep nothing."""
        self.crawler.stats.inc_value("floor/pages")

    def closed(self, reason: str) -> None:
        """Write the crawl's stats for synth_bench.py to read."""
        if self.stats_out:
            with open(self.stats_out, "w", encoding="utf-8") as fh:
                json.dump(self.crawler.stats.get_stats(), fh, default=str)
