"""Baseline for bench.py: a bare Scrapy CrawlSpider over the same sites, doing almost nothing.

Run by bench.py as `python -m scrapy runspider bench/baseline_spider.py -a starts=URL,URL
-a stats_out=FILE [-a netlocs=HOST:PORT,...]`. It follows every on-host link (LinkExtractor
defaults), reads the title, a PubDate meta and the first date-looking string of each page, and
yields a dict to a pipeline that drops it. Concurrency, timeout, retries and robots.txt match
the sample city's config; there is no delay, no autothrottle, no store and no disk queue.
`netlocs` keeps the crawl on those host:port sites (the synthetic city of bench/sitegen.py
serves every site on 127.0.0.1 and links off-site to a closed 127.0.0.1 port); `-s NAME=VALUE`
overrides a setting (the synthetic-city benchmarks set the same concurrency as gongkai's).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule

DATE = re.compile(r"(20\d{2}|19\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


class NoopPipeline:
    """Accept every item and keep nothing (the cost of a bare item pipeline)."""

    def process_item(self, item: Any) -> Any:
        """Return the item unchanged."""
        return item


def _own_slot(request: Request, response: Response | None = None) -> Request:
    """Give each host:port its own download slot, as gongkai's SiteSlotMiddleware does."""
    request.meta["download_slot"] = urlsplit(request.url).netloc
    return request


class BaselineSpider(CrawlSpider):
    """Follow links from the start URLs and yield title, PubDate meta and a regex date."""

    name = "baseline"
    allowed_domains = ["127.0.0.1"]
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 8,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_TIMEOUT": 5,
        "RETRY_TIMES": 1,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "INFO",
        "ITEM_PIPELINES": {f"{__name__}.NoopPipeline": 300},
    }
    rules = (
        Rule(
            LinkExtractor(),
            callback="parse_item",
            follow=True,
            process_links="in_scope",
            process_request=_own_slot,
        ),
    )

    def __init__(
        self, starts: str = "", stats_out: str = "", netlocs: str = "", **kwargs: Any
    ) -> None:
        """Take the comma-separated start URLs, the file to write Scrapy's stats to and,
        optionally, the host:port sites to stay on."""
        super().__init__(**kwargs)
        self.start_urls = [u for u in starts.split(",") if u]
        self.stats_out = stats_out
        self.netlocs = frozenset(n for n in netlocs.split(",") if n)

    def in_scope(self, links: list[Any]) -> list[Any]:
        """Keep the links to the given sites (all links when none were given)."""
        if not self.netlocs:
            return links
        return [link for link in links if urlsplit(link.url).netloc in self.netlocs]

    async def start(self) -> Any:
        """Yield the start URLs, each on its own download slot."""
        for url in self.start_urls:
            # Filtered like any request, so a link back to the home page does not parse it again.
            yield _own_slot(Request(url))

    def parse_start_url(self, response: Response, **kwargs: Any) -> Iterator[dict[str, Any]]:
        """Treat a home page like any other page."""
        yield from self.parse_item(response)

    def parse_item(self, response: Response) -> Iterator[dict[str, Any]]:
        """Yield the little a bare crawler reads from one page."""
        match = DATE.search(response.text)
        yield {
            "url": response.url,
            "title": response.css("title::text").get(),
            "pubdate": response.xpath("//meta[@name='PubDate']/@content").get(),
            "date": "-".join(match.groups()) if match else None,
        }

    def closed(self, reason: str) -> None:
        """Write the crawl's stats for bench.py to read."""
        if self.stats_out:
            stats = self.crawler.stats.get_stats()
            with open(self.stats_out, "w", encoding="utf-8") as fh:
                json.dump(stats, fh, default=str)
