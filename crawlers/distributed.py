"""Distributed crawling (issue 7): crawl processes on one or more machines share one crawl.

`gongkai crawl --workers N` starts N crawl processes on this machine; `gongkai worker` joins
the crawl from another machine. They share it through Redis, on top of scrapy-redis (its
scheduler, queue and dupefilter are subclassed here), and store pages in one PostgreSQL
database:

- Frontier: one priority queue (a sorted set, scored by Scrapy priority, so shallow pages
  go first as in a single process) and one seen-set of request fingerprints. Pushing checks
  the seen-set and adds to the queue in one Lua script, so "seen" always means "queued".
- Reliable queue: popping moves a request into the popping worker's in-flight hash (its
  lease). The lease is acknowledged only once everything the response led to is safe: the
  requests its callback yielded are in the queue and the row it produced is written to the
  database. A request that replaces a leased one (a redirect, a retry, the GET after a
  refused HEAD, the full download after an unusable 304) is pushed and the lease released in
  one script. Each worker refreshes a heartbeat key with a TTL (crawl.worker_timeout); any
  worker puts the in-flight requests of a worker whose heartbeat has expired back in the
  queue. A killed worker therefore loses nothing: what it held is fetched again by others.
- Claims: the spider's per-process claim set, max_pages and max_pages_per_pattern counters
  live in Redis (one Lua script per claim), so a page is claimed by one worker once and the
  caps hold for the crawl as a whole. A claim records the page that made it (its parent), so
  when a recovered request is parsed again its children may be yielded again (the seen-set
  drops the ones already queued; stored ones are followed from the database again). The per-page limits (max_links_per_page and the
  quarter-of-max_pages share) stay per page, counted by the worker that parses it.
- Politeness: a downloader middleware takes a per-host lock in Redis before each download
  (next allowed time, and a set of leases for the host's concurrency), so a host's delay and
  concurrency hold across all workers together; Scrapy's own per-slot delay is set to 0 and
  AutoThrottle is off, since a second, local wait would shift sends off their reserved time.
- End: a worker closes only when the queue and every worker's in-flight hash are empty and
  no live worker is still issuing its start requests (a resumed run replays stored pages
  there); an idle worker waits (DontCloseSpider) while another may still queue more.
- Stop: the coordinator's time limit or Ctrl-C sets a stop key; every worker then finishes
  what it holds, puts back what it has not started, and exits.

Not covered (see README 分布式抓取): robots.txt is read by each worker; Redis Cluster (the
scripts touch keys they build); a Redis outage stops the workers (the run is incomplete, and
`--resume` continues it from the database once Redis is back).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import socket
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from scrapy import Request, signals
from scrapy.exceptions import CloseSpider, DontCloseSpider
from scrapy.utils.request import request_from_dict
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import Base as RedisQueueBase
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawlers.guards import session_free, warn_trap
from crawlers.items import PageItem
from crawlers.pipelines import StorePipeline

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.settings import Settings

logger = logging.getLogger("gongkai.crawl")

# Meta key of a popped request's lease id. The spider copies every gk_* key into the request
# that replaces one (_get_fallback, _unconditional), and Scrapy's redirect and retry copies
# keep all meta, so a replacement carries the lease it ends (see LeasedScheduler).
LEASE = "gk_lease"
# Meta key of the per-host politeness lease a download holds (HostPoliteness); not gk_*, so
# the spider never copies it into a follow-up request.
HOST_LEASE = "dist_host_lease"
ID_LEN = 16  # hex characters of a queue member's id

# Scrapy settings through which the crawl subprocess learns it is a worker (set by the
# runner's environment, read in crawlers/settings.py).
SETTING_KEY = "GONGKAI_CRAWL_KEY"
SETTING_REDIS = "GONGKAI_REDIS_URL"
SETTING_NAME = "GONGKAI_WORKER_NAME"

# Redis errors a worker survives only by stopping (the run stays incomplete, resumable).
REDIS_ERRORS = (redis.RedisError, OSError)

# -- Lua scripts --------------------------------------------------------------------------------

# KEYS: queue, inflight hash of the worker, workers set. ARGV: worker id.
_POP = """
local got = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #got == 0 then return false end
redis.call('ZREM', KEYS[1], got[1])
redis.call('HSET', KEYS[2], string.sub(got[1], 1, ID_LEN), got[2] .. '|' .. got[1])
redis.call('SADD', KEYS[3], ARGV[1])
return got[1]
""".replace("ID_LEN", str(ID_LEN))

# KEYS: queue, seen set, inflight hash. ARGV: score, member, fingerprint or '', lease or ''.
_PUSH = """
local pushed = 1
if ARGV[3] ~= '' and redis.call('SADD', KEYS[2], ARGV[3]) == 0 then
  pushed = 0
else
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
end
if ARGV[4] ~= '' then redis.call('HDEL', KEYS[3], ARGV[4]) end
return pushed
"""

# Put in-flight requests back in the queue: of every worker whose heartbeat is gone, or (with
# ARGV[2]) of that worker only, or (with ARGV[3]) that one lease of it.
# KEYS: queue, workers set, stats hash, starting set. ARGV: crawl key, worker id or '', lease or ''.
_REQUEUE = """
local dead, moved = 0, 0
local workers = {}
if ARGV[2] ~= '' then workers = {ARGV[2]} else workers = redis.call('SMEMBERS', KEYS[2]) end
for _, w in ipairs(workers) do
  if ARGV[2] ~= '' or redis.call('EXISTS', ARGV[1] .. ':hb:' .. w) == 0 then
    local inflight = ARGV[1] .. ':inflight:' .. w
    local values = {}
    if ARGV[3] ~= '' then
      local v = redis.call('HGET', inflight, ARGV[3])
      if v then values = {v} end
      redis.call('HDEL', inflight, ARGV[3])
    else
      local all = redis.call('HGETALL', inflight)
      for i = 2, #all, 2 do values[#values + 1] = all[i] end
      redis.call('DEL', inflight)
      redis.call('SREM', KEYS[2], w)
      redis.call('SREM', KEYS[4], w)
      if redis.call('SREM', ARGV[1] .. ':replaying', w) == 1 and ARGV[2] == '' then
        redis.call('HINCRBY', KEYS[3], 'dead_replayers', 1)
      end
      if ARGV[2] == '' then dead = dead + 1 end
    end
    for _, v in ipairs(values) do
      local sep = string.find(v, '|', 1, true)
      redis.call('ZADD', KEYS[1], string.sub(v, 1, sep - 1), string.sub(v, sep + 1))
      moved = moved + 1
    end
  end
end
if ARGV[2] == '' and moved > 0 then
  redis.call('HINCRBY', KEYS[3], 'recovered', moved)
  redis.call('HINCRBY', KEYS[3], 'dead_workers', dead)
end
return {dead, moved}
"""

# 0: the crawl is over (queue and every in-flight hash empty, no live worker still issuing
# its start requests); 1: queued; 2: in flight; 3: a worker is starting.
# KEYS: queue, workers set, starting set. ARGV: crawl key.
_BUSY = """
if redis.call('ZCARD', KEYS[1]) > 0 then return 1 end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('HLEN', ARGV[1] .. ':inflight:' .. w) > 0 then return 2 end
end
for _, w in ipairs(redis.call('SMEMBERS', KEYS[3])) do
  if redis.call('EXISTS', ARGV[1] .. ':hb:' .. w) == 1 then return 3 end
end
return 0
"""

# Claim (site, URL) for a parent page; for a page, within max_pages and the pattern cap.
# Returns {code, owner}: 1 claimed, 2 claimed before by the same parent (a recovered request
# parsed again), 0 refused (owner: the claiming parent, or false when a cap is full), 3 over
# the pattern cap, 4 over the pattern cap for the first time (report it).
# KEYS: claims, pages, patterns, traps. ARGV: field, parent, page '1'/'0', site, max_pages,
# pattern field or '', max_per_pattern.
_CLAIM = """
local owner = redis.call('HGET', KEYS[1], ARGV[1])
if owner then
  if owner == ARGV[2] then return {2, owner} end
  return {0, owner}
end
if ARGV[3] == '1' then
  if tonumber(redis.call('HGET', KEYS[2], ARGV[4]) or '0') >= tonumber(ARGV[5]) then
    return {0, false}
  end
  if ARGV[6] ~= '' then
    if tonumber(redis.call('HGET', KEYS[3], ARGV[6]) or '0') >= tonumber(ARGV[7]) then
      if redis.call('SADD', KEYS[4], ARGV[6]) == 1 then return {4, false} end
      return {3, false}
    end
    redis.call('HINCRBY', KEYS[3], ARGV[6], 1)
  end
  redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return {1, false}
"""

# A host's turn: 0 when the download may start now (the lease is taken), else milliseconds
# to wait. Concurrency is a sorted set of leases scored by expiry (a dead worker's lapse);
# the delay is the next allowed start time. Time is Redis's, the same for every machine.
# KEYS: next-time key, busy set. ARGV: delay ms, concurrency, lease token, lease ms.
_HOST_TURN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 20 end
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
if nxt > now then return nxt - now end
local delay = tonumber(ARGV[1])
if delay > 0 then redis.call('SET', KEYS[1], now + delay, 'PX', delay + 60000) end
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) + 60000)
return 0
"""


class DistributedError(Exception):
    """A distributed crawl cannot start; the message is for the operator (Chinese)."""


def crawl_key(prefix: str, run_id: int) -> str:
    """Return the Redis key prefix of one run's distributed crawl."""
    return f"{prefix}:run:{run_id}"


def connect(url: str) -> redis.Redis:
    """Return a Redis client for `url` (binary replies; short timeouts, so an outage shows)."""
    return redis.Redis.from_url(
        url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
    )


def mask_url(url: str) -> str:
    """Return a Redis URL with its password hidden (for messages)."""
    try:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        if parts.password:
            netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
            return parts._replace(netloc=netloc).geturl()
    except ValueError:
        pass
    return url


def config_fingerprint(config: Any, site_ids: list[str]) -> str:
    """Hash what a worker's crawl depends on: the crawled sites and the crawl settings.

    Every machine must crawl with the same configuration (caps, politeness, scope), or the
    workers would disagree on what the crawl is; Redis addresses may differ per machine.
    """
    sites = [s.model_dump(mode="json") for s in config.sites if s.id in site_ids]
    crawl = config.settings.crawl.model_dump(mode="json", exclude={"redis_url", "time_limit"})
    text = json.dumps([sites, crawl], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# -- coordination (CLI side) --------------------------------------------------------------------


class Coordinator:
    """The CLI's view of distributed crawls in one Redis under one key prefix."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self.redis = connect(url)

    def ping(self) -> None:
        """Raise DistributedError (Chinese) unless Redis answers."""
        try:
            self.redis.ping()
        except REDIS_ERRORS as exc:
            raise DistributedError(
                f"无法连接 Redis {mask_url(self.url)}：{exc}。分布式抓取需要 Redis"
                "（settings.yaml 的 crawl.redis_url、GONGKAI_REDIS 或 --redis），请确认其已启动且可访问。"
            ) from exc

    @property
    def announcement_key(self) -> str:
        """Key of the crawl in progress that `gongkai worker` joins."""
        return f"{self.prefix}:current"

    def live_workers(self, run_id: int) -> list[str]:
        """Return the workers of run `run_id` whose heartbeat is alive."""
        key = crawl_key(self.prefix, run_id)
        names = sorted(w.decode() for w in self.redis.smembers(f"{key}:workers"))
        return [w for w in names if self.redis.exists(f"{key}:hb:{w}")]

    def prepare(self, run_id: int) -> int:
        """Make run `run_id`'s Redis state ready for a crawl; return how many workers are live.

        With live workers the crawl goes on and this machine joins it. Otherwise what Redis
        holds of the run is left from a crawl that stopped: it is dropped, and the crawl
        starts again from the database as a single-process resume does (stored pages are
        followed from the store, not fetched again).
        """
        live = self.live_workers(run_id)
        if not live:
            self.delete(run_id)
        return len(live)

    def delete(self, run_id: int) -> None:
        """Delete every key of run `run_id`'s distributed crawl."""
        key = crawl_key(self.prefix, run_id)
        batch: list[bytes] = []
        for name in self.redis.scan_iter(match=f"{key}:*", count=1000):
            batch.append(name)
            if len(batch) >= 500:
                self.redis.delete(*batch)
                batch = []
        if batch:
            self.redis.delete(*batch)

    def announce(self, info: dict[str, Any]) -> None:
        """Publish the crawl that `gongkai worker` should join."""
        self.redis.set(self.announcement_key, json.dumps(info, ensure_ascii=False))

    def withdraw(self, run_id: int) -> None:
        """Remove the announcement if it is run `run_id`'s."""
        current = self.current()
        if current is not None and current.get("run_id") == run_id:
            self.redis.delete(self.announcement_key)

    def current(self) -> dict[str, Any] | None:
        """Return the announced crawl, or None."""
        raw = self.redis.get(self.announcement_key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("run_id"), int) else None

    def finished(self, run_id: int) -> bool:
        """Return whether run `run_id`'s distributed crawl has ended (cleaned up)."""
        return bool(self.redis.exists(f"{crawl_key(self.prefix, run_id)}:done"))

    def summary(self, run_id: int) -> dict[str, int]:
        """Return the crawl's totals: workers that joined, dead workers, requests recovered."""
        key = crawl_key(self.prefix, run_id)
        stats = {k.decode(): int(v) for k, v in self.redis.hgetall(f"{key}:stats").items()}
        return {
            "workers": int(self.redis.scard(f"{key}:joined")),
            "dead_workers": stats.get("dead_workers", 0),
            "recovered": stats.get("recovered", 0),
            # Workers that died while following stored pages of a resumed run from the
            # database (not leased work): what they had not queued yet may be missing.
            "dead_replayers": stats.get("dead_replayers", 0),
        }

    def stop(self, run_id: int) -> None:
        """Ask every worker of the crawl to stop (time limit, Ctrl-C, failed local workers):
        they finish the downloads in hand, put back what they hold and exit."""
        self.redis.set(f"{crawl_key(self.prefix, run_id)}:stop", "1", ex=24 * 3600)

    def finish(self, run_id: int) -> None:
        """Drop the finished crawl's state and mark it done (a late `gongkai worker` skips it)."""
        self.withdraw(run_id)
        self.delete(run_id)
        self.redis.set(f"{crawl_key(self.prefix, run_id)}:done", "1", ex=24 * 3600)


# -- the worker (inside the crawl subprocess) --------------------------------------------------


@dataclass
class _Held:
    """A lease this worker holds: the row its request produces is keyed (site, URL)."""

    key: tuple[str, str]


class DistributedCrawl:
    """One crawl process's membership in a distributed crawl (spider.dist).

    Holds the Redis client, this worker's id and leases, and the claim, politeness and
    idle logic the spider, scheduler, middleware and pipeline delegate to.
    """

    def __init__(self, spider: Any, crawler: Crawler, url: str, key: str, name: str) -> None:
        self.spider = spider
        self.crawler = crawler
        self.url = url
        self.key = key
        # Unique even for containers that share a host name and pid.
        self.worker = f"{name}-{os.getpid()}-{secrets.token_hex(2)}"
        self.redis = connect(url)
        crawl = spider.config.settings.crawl
        self.ttl_ms = int(crawl.worker_timeout * 1000)
        self.tick_s = max(0.2, min(1.0, crawl.worker_timeout / 6))
        self.max_per_pattern = crawl.max_pages_per_pattern
        # Politeness per host:port: the configured slots (DOWNLOAD_SLOTS before zeroing) and
        # the defaults for any other host (off-site link checks).
        self.default_turn = (crawl.delay, crawl.concurrency_per_host)
        self.turns: dict[str, tuple[float, int]] = {}
        # A download ends within the timeout; a dead worker's host lease lapses soon after.
        self.host_lease_ms = int((crawl.timeout + 5) * 1000)
        self.prefix = key.rsplit(":run:", 1)[0]
        self.inflight = f"{key}:inflight:{self.worker}"
        self.held: dict[str, _Held] = {}
        self.awaiting: dict[tuple[str, str], list[str]] = {}
        self.awaiting_since: float | None = None
        self.unsaved: set[tuple[str, str]] = set()  # rows whose write failed: fetch again
        self.refused: dict[str, bytes | None] = {}  # claim field -> owner (None: a cap)
        self.pipeline: LeasedStorePipeline | None = None
        self.failed: str | None = None
        self.stopping = False  # the coordinator asked the crawl to stop (Coordinator.stop)
        self.starting = True  # in the starting set until the start requests are queued
        # Following stored pages while starting (a resumed run): if this worker dies then,
        # the crawl cannot be called complete (Coordinator.summary, dead_replayers).
        self.replaying = False
        self.tokens = 0
        self.loop: Any = None
        self.scripts = {
            name: self.redis.register_script(src)
            for name, src in (
                ("pop", _POP),
                ("push", _PUSH),
                ("requeue", _REQUEUE),
                ("busy", _BUSY),
                ("claim", _CLAIM),
                ("turn", _HOST_TURN),
            )
        }

    # -- settings and lifecycle --

    def configure(self, settings: Settings) -> None:
        """Switch this crawl's Scrapy settings to the shared scheduler, pipeline and politeness."""
        slots = settings.getdict("DOWNLOAD_SLOTS")
        for netloc, slot in slots.items():
            self.turns[netloc] = (
                float(slot.get("delay", self.default_turn[0])),
                int(slot.get("concurrency", self.default_turn[1])),
            )
        # The host's turn in Redis is the only wait: a second, local one would shift the
        # send away from the reserved time (so AutoThrottle, a local delay, is off too).
        local = {n: {**s, "delay": 0.0} for n, s in slots.items()}
        pipelines = settings.getdict("ITEM_PIPELINES")
        order = pipelines.pop("crawlers.pipelines.StorePipeline", 300)
        pipelines["crawlers.distributed.LeasedStorePipeline"] = order
        middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES")
        middlewares["crawlers.distributed.HostPoliteness"] = 950  # last before the download
        values: dict[str, Any] = {
            "SCHEDULER": "crawlers.distributed.LeasedScheduler",
            "DUPEFILTER_CLASS": "crawlers.distributed.SharedDupeFilter",
            "SCHEDULER_QUEUE_CLASS": "crawlers.distributed.LeasedQueue",
            "SCHEDULER_QUEUE_KEY": f"{self.key}:queue",
            "SCHEDULER_DUPEFILTER_KEY": f"{self.key}:seen",
            "SCHEDULER_PERSIST": True,
            "DOWNLOAD_SLOTS": local,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ITEM_PIPELINES": pipelines,
            "DOWNLOADER_MIDDLEWARES": middlewares,
        }
        for name, value in values.items():
            settings.set(name, value, priority="spider")

    def opened(self) -> None:
        """Join the crawl: register, recover dead workers, and watch the engine (spider_opened)."""
        engine = self.crawler.engine
        slot = getattr(engine, "_slot", None)
        if slot is None or not hasattr(slot, "remove_request") or not hasattr(slot, "nextcall"):
            # Signal handlers' exceptions are only logged: stop the worker instead of crawling
            # with leases that would never be released.
            self.failed = "unsupported Scrapy version (engine slot)"
            logger.error("分布式抓取：不支持此 Scrapy 版本（找不到引擎的请求槽），worker 退出")
            return
        # A request leaves the engine's slot once its response was parsed and every output
        # handled (requests scheduled, items through the pipelines): its lease may then be
        # released as soon as its row is stored. Scrapy has no signal for that moment.
        remove = slot.remove_request

        def remove_request(request: Request) -> None:
            remove(request)
            self.finished(request)

        slot.remove_request = remove_request
        try:
            self.redis.sadd(f"{self.key}:joined", self.worker)
            self.redis.sadd(f"{self.key}:starting", self.worker)
            self.heartbeat()
            logger.info("分布式抓取：worker %s 加入（Redis 键 %s）", self.worker, self.key)
            self.recover()
        except REDIS_ERRORS as exc:
            self.fail(exc)
            return
        from scrapy.utils.asyncio import create_looping_call

        self.loop = create_looping_call(self.tick)
        self.loop.start(self.tick_s, now=False)

    def closed(self, reason: str) -> None:
        """Leave the crawl: put back any lease still held, drop the heartbeat (spider_closed)."""
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        if self.failed:
            return
        try:
            _, moved = self.scripts["requeue"](
                keys=self._requeue_keys(), args=[self.key, self.worker, ""]
            )
            if moved:
                logger.info(
                    "分布式抓取：worker %s 退出，%s 个未完成的请求已放回队列", self.worker, moved
                )
            self.redis.delete(f"{self.key}:hb:{self.worker}")
            self.redis.srem(f"{self.key}:workers", self.worker)
            self.redis.srem(f"{self.key}:starting", self.worker)
            self.redis.srem(f"{self.key}:replaying", self.worker)
        except REDIS_ERRORS as exc:
            logger.warning("分布式抓取：退出时无法连接 Redis（%s）", exc)

    def tick(self) -> None:
        """Heartbeat, recover dead workers, flush stored rows' leases, wake an idle engine."""
        if self.failed:
            return
        try:
            self.heartbeat()
            self.started()
            self.recover()
            if not self.stopping and self.redis.exists(f"{self.key}:stop"):
                self.stopping = True
                logger.warning("分布式抓取：发起方要求停止，本 worker 完成手头的请求后退出")
            if self.awaiting and self.pipeline is not None:
                since = self.awaiting_since or time.monotonic()
                if time.monotonic() - since >= 1.0:
                    self.pipeline.flush()
        except REDIS_ERRORS as exc:
            self.fail(exc)
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()  # an idle worker looks for new work at once

    def heartbeat(self) -> None:
        """Refresh this worker's heartbeat key and membership."""
        pipe = self.redis.pipeline()
        pipe.set(f"{self.key}:hb:{self.worker}", str(time.time()), px=self.ttl_ms)
        pipe.sadd(f"{self.key}:workers", self.worker)
        pipe.execute()

    def _requeue_keys(self) -> list[str]:
        return [
            f"{self.key}:queue",
            f"{self.key}:workers",
            f"{self.key}:stats",
            f"{self.key}:starting",
        ]

    def started(self) -> None:
        """Leave the starting set once the spider's start requests are all queued.

        A worker still issuing them (a resumed run replays stored pages from the database
        there) holds no lease yet may queue much more: the crawl is not over meanwhile.
        """
        if not self.starting or not getattr(self.spider, "start_done", True):
            return
        self.redis.srem(f"{self.key}:starting", self.worker)
        self.redis.srem(f"{self.key}:replaying", self.worker)
        self.starting = False

    def recover(self) -> None:
        """Put the in-flight requests of workers whose heartbeat expired back in the queue."""
        dead, moved = self.scripts["requeue"](keys=self._requeue_keys(), args=[self.key, "", ""])
        if dead:
            logger.warning(
                "分布式抓取：%s 个 worker 失联（心跳超过 %s 秒未更新），其 %s 个未完成的请求已放回队列",
                dead,
                self.ttl_ms / 1000,
                moved,
            )
            self.crawler.stats.inc_value("gongkai/dist_recovered", moved)

    def fail(self, exc: BaseException) -> None:
        """Stop taking work after a Redis error; the worker then closes (redis_unavailable)."""
        if self.failed is None:
            self.failed = f"{type(exc).__name__}: {exc}"
            logger.error(
                "分布式抓取：Redis %s 连接中断（%s），本 worker 停止领取新请求并退出；"
                "已入库的页面保留，Redis 恢复后可用 --resume 续抓",
                mask_url(self.url),
                self.failed,
            )

    def idle(self) -> None:
        """Close only when the whole crawl is done (spider_idle).

        An idle worker first stores what it buffered (releasing those leases); then, while
        anything is queued or in another worker's hands, it stays (DontCloseSpider) to take
        what those requests lead to.
        """
        if self.failed:
            raise CloseSpider("redis_unavailable")
        if self.pipeline is not None:
            try:
                self.pipeline.flush()
            except Exception:
                # The rows' requests went back to the queue (unstored): leave them to the
                # others, never close as finished while they are unwritten.
                logger.exception(
                    "分布式抓取：写入数据库失败，本 worker 退出，未写入的请求已放回队列"
                )
                raise CloseSpider("store_error") from None
        if self.stopping:
            raise CloseSpider("stopped")
        try:
            if self.held or self.awaiting or self.redis.hlen(self.inflight):
                # The engine is idle, so no request of this worker is being worked on: a lease
                # still held (or one a timed-out call took unseen) goes back, never lost.
                _, moved = self.scripts["requeue"](
                    keys=self._requeue_keys(), args=[self.key, self.worker, ""]
                )
                logger.warning("分布式抓取：%s 个请求的租约未正常结束，已放回队列", moved)
                self.held.clear()
                self.awaiting.clear()
                self.heartbeat()
            self.started()
            self.recover()
            busy = self.scripts["busy"](
                keys=[f"{self.key}:queue", f"{self.key}:workers", f"{self.key}:starting"],
                args=[self.key],
            )
        except REDIS_ERRORS as exc:
            self.fail(exc)
            raise CloseSpider("redis_unavailable") from None
        if busy:
            raise DontCloseSpider

    # -- leases --

    def leased(self, lease: str, request: Request) -> None:
        """Remember a popped request's lease until its work is stored."""
        meta = request.meta
        self.held[lease] = _Held((str(meta.get("gk_site", "")), str(meta.get("gk_url", ""))))

    def finished(self, request: Request) -> None:
        """A leased request left the engine: release it now, or once its row is stored."""
        lease = request.meta.get(LEASE)
        held = self.held.pop(lease, None) if lease is not None else None
        if held is None:
            return
        if held.key in self.unsaved:
            self.unsaved.discard(held.key)
            self.release(lease)
        elif self.pipeline is not None and self.pipeline.pending.get(held.key):
            if not self.awaiting:
                self.awaiting_since = time.monotonic()
            self.awaiting.setdefault(held.key, []).append(lease)
        else:
            self.ack([lease])

    def stored(self, keys: list[tuple[str, str]]) -> None:
        """Rows were written: release the leases that waited only for them."""
        done: list[str] = []
        for key in keys:
            if self.pipeline is not None and self.pipeline.pending.get(key):
                continue
            done += self.awaiting.pop(key, [])
        if not self.awaiting:
            self.awaiting_since = None
        self.ack(done)

    def unstored(self, keys: list[tuple[str, str]]) -> None:
        """Rows could not be written: put their requests back in the queue (now, or when they
        leave the engine)."""
        for key in keys:
            waiting = self.awaiting.pop(key, [])
            for lease in waiting:
                self.release(lease)
            if not waiting:
                self.unsaved.add(key)

    def ack(self, leases: list[str]) -> None:
        """Drop acknowledged leases from this worker's in-flight hash."""
        if not leases or self.failed:
            return
        try:
            self.redis.hdel(self.inflight, *leases)
        except REDIS_ERRORS as exc:
            self.fail(exc)

    def release(self, lease: str) -> None:
        """Put one leased request back in the queue."""
        if self.failed:
            return
        try:
            self.scripts["requeue"](keys=self._requeue_keys(), args=[self.key, self.worker, lease])
        except REDIS_ERRORS as exc:
            self.fail(exc)

    # -- claims --

    def claim(
        self,
        site_id: str,
        url: str,
        parent: str | None,
        *,
        page: bool = False,
        cap: tuple[str, str] | None = None,
    ) -> bool:
        """Claim (site, url without session ids) for `parent` across all workers.

        A page is counted against max_pages and its cap (URL pattern or column) in Redis. A
        claim `parent` made before (its request was recovered and is parsed again) is granted
        again: the URL is yielded again (the seen-set drops it if it is queued already) or, if
        stored, followed from the database again. Start URLs (no parent), which every worker
        issues, are not granted again once stored.
        """
        key = session_free(url)
        field_ = f"{site_id}\t{key}"
        owner = (parent or "").encode("utf-8")
        if field_ in self.refused:
            known = self.refused[field_]
            if known is None or known != owner:
                return False
            code = 2
        else:
            if self.failed:
                return False
            pattern = f"{site_id}\t{cap[0]}\t{cap[1]}" if page and cap else ""
            try:
                code, got = self.scripts["claim"](
                    keys=[
                        f"{self.key}:claims",
                        f"{self.key}:pages",
                        f"{self.key}:patterns",
                        f"{self.key}:traps",
                    ],
                    args=[
                        field_,
                        owner,
                        "1" if page else "0",
                        site_id,
                        self.spider.max_pages[site_id],
                        pattern,
                        self.max_per_pattern,
                    ],
                )
            except REDIS_ERRORS as exc:
                self.fail(exc)
                return False
            if code in (0, 3, 4):
                self.refused[field_] = got or None
                if code in (3, 4):
                    self._trap(site_id, cap, url, code == 4)
                return False
            if code == 2:
                self.refused[field_] = owner
        if self.spider._stored_as(site_id, url) is None:
            return True
        if code == 2 and not parent:
            return False  # a start URL every worker issues, stored: nothing to yield or replay
        # The spider follows this stored URL from the database (unleased work): a fresh claim
        # in a resumed run, or a recovered page parsed again (the dead worker may have been
        # replaying what it leads to). Done while starting, it marks this worker (summary).
        if not self.replaying and not getattr(self.spider, "start_done", True):
            self.replaying = True
            with contextlib.suppress(*REDIS_ERRORS):
                self.redis.sadd(f"{self.key}:replaying", self.worker)
        return True

    def _trap(self, site_id: str, cap: tuple[str, str] | None, url: str, first: bool) -> None:
        """Count a page refused by its pattern cap; log it once per crawl (as _over_cap does)."""
        self.crawler.stats.inc_value("gongkai/trap_skipped")
        if first and cap is not None:
            warn_trap(site_id, cap, self.max_per_pattern, url)

    # -- politeness --

    def host_turn(self, netloc: str) -> tuple[float, str]:
        """Try to take `netloc`'s turn; return (seconds to wait, lease token); wait 0: taken."""
        delay, concurrency = self.turns.get(netloc, self.default_turn)
        self.tokens += 1
        token = f"{self.worker}:{self.tokens}"
        base = f"{self.prefix}:host:{netloc}"
        wait = self.scripts["turn"](
            keys=[f"{base}:next", f"{base}:busy"],
            args=[int(delay * 1000), concurrency, token, self.host_lease_ms],
        )
        return int(wait) / 1000, token

    def host_done(self, netloc: str, token: str) -> None:
        """Give back a host lease when its download ended."""
        if self.failed:
            return
        try:
            self.redis.zrem(f"{self.prefix}:host:{netloc}:busy", token)
        except REDIS_ERRORS as exc:
            self.fail(exc)


def attach(spider: Any, crawler: Crawler) -> DistributedCrawl | None:
    """Make the spider a worker of a distributed crawl when its settings name one, else None."""
    settings = crawler.settings
    key = settings.get(SETTING_KEY)
    url = settings.get(SETTING_REDIS)
    if not key:
        return None
    if not url:
        raise ValueError("分布式抓取缺少 Redis 地址（GONGKAI_REDIS_URL）")
    db = settings.get("GONGKAI_DB") or ""
    if not db.startswith("postgresql"):
        raise ValueError(
            "分布式抓取需要 PostgreSQL 数据库（GONGKAI_DB），SQLite 不能被多个进程共享"
        )
    name = settings.get(SETTING_NAME) or socket.gethostname()
    dist = DistributedCrawl(spider, crawler, url, key, name)
    dist.configure(settings)
    crawler.signals.connect(dist.opened, signal=signals.spider_opened)
    crawler.signals.connect(dist.idle, signal=signals.spider_idle)
    crawler.signals.connect(dist.closed, signal=signals.spider_closed)
    return dist


# -- Scrapy components -----------------------------------------------------------------------


def _method_name(spider: Any, func: Any) -> Any:
    """Return a spider method's name for serialisation (Request.to_dict's, without its scan
    of every spider attribute per request)."""
    if not callable(func):
        return func
    name = getattr(func, "__name__", "")
    if getattr(spider, name, None) == func:
        return name
    from scrapy.http.request import _find_method

    return _find_method(spider, func)


class LeasedQueue(RedisQueueBase):
    """scrapy-redis priority queue whose pop leases the request to this worker (see module)."""

    def __init__(self, server: Any, spider: Any, key: str, serializer: Any = None) -> None:
        super().__init__(server, spider, key, serializer)
        self.dist: DistributedCrawl = spider.dist

    def _encode_request(self, request: Request) -> bytes:
        d: dict[str, Any] = {
            "url": request.url,
            "callback": _method_name(self.spider, request.callback),
            "errback": _method_name(self.spider, request.errback),
            "headers": dict(request.headers),
        }
        for attr in request.attributes:
            d.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            d["_class"] = request.__module__ + "." + request.__class__.__name__
        return self.serializer.dumps(d)

    def __len__(self) -> int:
        return int(self.server.zcard(self.key))

    def push(
        self, request: Request, fingerprint: str | None = None, ends: str | None = None
    ) -> bool:
        """Queue a request unless its fingerprint was seen; release lease `ends` atomically."""
        member = secrets.token_hex(ID_LEN // 2).encode() + b"|" + self._encode_request(request)
        pushed = self.dist.scripts["push"](
            keys=[self.key, f"{self.dist.key}:seen", self.dist.inflight],
            args=[-request.priority, member, fingerprint or "", ends or ""],
        )
        return bool(pushed)

    def pop(self, timeout: int = 0) -> Request | None:
        """Move the first request into this worker's in-flight hash and return it."""
        dist = self.dist
        member = dist.scripts["pop"](
            keys=[self.key, dist.inflight, f"{dist.key}:workers"],
            args=[dist.worker],
        )
        if not member:
            return None
        lease = member[:ID_LEN].decode()
        try:
            request = request_from_dict(
                self.serializer.loads(member[ID_LEN + 1 :]), spider=self.spider
            )
        except Exception:  # an unreadable entry must not come back forever
            logger.exception("分布式抓取：无法读取队列中的请求，已丢弃")
            dist.ack([lease])
            return None
        request.meta[LEASE] = lease
        dist.leased(lease, request)
        return request


class SharedDupeFilter(RFPDupeFilter):
    """The crawl's seen-set in Redis, keyed by the site-aware fingerprint (SiteRequestFingerprinter)."""

    fingerprinter: Any = None

    @classmethod
    def from_spider(cls, spider: Any) -> SharedDupeFilter:
        """Build on the spider's Redis client and the crawler's request fingerprinter."""
        settings = spider.settings
        df = cls(spider.dist.redis, key=settings.get("SCHEDULER_DUPEFILTER_KEY"))
        df.fingerprinter = spider.crawler.request_fingerprinter
        return df

    def request_fingerprint(self, request: Request) -> str:
        """Return the hex fingerprint: per site, as in a single-process crawl."""
        return self.fingerprinter.fingerprint(request).hex()

    def close(self, reason: str = "") -> None:
        """Keep the seen-set: other workers still use it (the coordinator drops it at the end)."""


class LeasedScheduler(RedisScheduler):
    """scrapy-redis scheduler over LeasedQueue: atomic seen-check and push, lease release."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LeasedScheduler:
        """Build on the spider's Redis client (one connection per worker)."""
        settings = crawler.settings
        dist: DistributedCrawl = crawler.spider.dist  # type: ignore[union-attr]
        scheduler = cls(
            server=dist.redis,
            persist=True,
            queue_key=settings.get("SCHEDULER_QUEUE_KEY"),
            queue_cls=settings.get("SCHEDULER_QUEUE_CLASS"),
            dupefilter_key=settings.get("SCHEDULER_DUPEFILTER_KEY"),
            dupefilter_cls=settings.get("DUPEFILTER_CLASS"),
        )
        scheduler.stats = crawler.stats
        scheduler.dist = dist  # type: ignore[attr-defined]
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        """Push a request to the shared queue (a duplicate is dropped by the seen-set).

        A request carrying a lease replaces the leased one (redirect, retry, GET after HEAD,
        full download after 304): that lease is released in the same script.
        """
        dist: DistributedCrawl = self.dist  # type: ignore[attr-defined]
        ends = request.meta.pop(LEASE, None)
        if dist.failed:
            return False
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        try:
            pushed = self.queue.push(request, fingerprint, ends)
        except REDIS_ERRORS as exc:
            dist.fail(exc)
            return False
        if ends is not None:
            dist.held.pop(ends, None)
        if not pushed:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        """Lease the next request of the crawl, or None."""
        dist: DistributedCrawl = self.dist  # type: ignore[attr-defined]
        if dist.failed or dist.stopping:
            return None
        try:
            request = self.queue.pop()
        except REDIS_ERRORS as exc:
            dist.fail(exc)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """Whether the shared queue holds requests."""
        dist: DistributedCrawl = self.dist  # type: ignore[attr-defined]
        if dist.failed or dist.stopping:
            return False
        try:
            return len(self) > 0
        except REDIS_ERRORS as exc:
            dist.fail(exc)
            return False


async def _sleep(seconds: float) -> None:
    """Wait on the reactor without blocking it."""
    from scrapy.utils.defer import maybe_deferred_to_future
    from twisted.internet import reactor, task

    await maybe_deferred_to_future(task.deferLater(reactor, seconds, lambda: None))


class HostPoliteness:
    """Downloader middleware: wait for the host's turn in Redis before each download.

    It runs last before the download (after robots.txt, retries and redirects decided what to
    send), so the reserved start time is the send time. robots.txt requests take turns too.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPoliteness:
        """Build from the crawler (Scrapy component hook)."""
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        """Hold the request until its host's delay and concurrency allow it across workers."""
        dist: DistributedCrawl | None = getattr(self.crawler.spider, "dist", None)
        if dist is None or dist.failed:
            return None
        from crawlers.middlewares import netloc_of

        netloc = request.meta.get("download_slot") or netloc_of(request.url)
        while True:
            try:
                wait, token = dist.host_turn(netloc)
            except REDIS_ERRORS as exc:
                # Only the downloads already leased go on, with this worker's own limits.
                dist.fail(exc)
                return None
            if wait <= 0:
                request.meta[HOST_LEASE] = (netloc, token)
                return None
            await _sleep(wait)

    def _done(self, request: Request) -> None:
        held = request.meta.pop(HOST_LEASE, None)
        dist: DistributedCrawl | None = getattr(self.crawler.spider, "dist", None)
        if held is not None and dist is not None:
            dist.host_done(*held)

    def process_response(self, request: Request, response: Any) -> Any:
        """Give the host's turn back when the download ends."""
        self._done(request)
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """Give the host's turn back when the download fails."""
        self._done(request)


class LeasedStorePipeline(StorePipeline):
    """StorePipeline that tells the worker which rows are written, to release their leases."""

    dist: DistributedCrawl | None = None

    def __init__(self, db_url: str | None, batch_size: int = 50) -> None:
        super().__init__(db_url, batch_size)
        self.pending: Counter[tuple[str, str]] = Counter()

    @classmethod
    def from_crawler(cls, crawler: Any) -> LeasedStorePipeline:
        """Build as StorePipeline does and register with the worker."""
        pipeline: LeasedStorePipeline = super().from_crawler(crawler)  # type: ignore[assignment]
        pipeline.dist = crawler.spider.dist
        if pipeline.dist is not None:
            pipeline.dist.pipeline = pipeline
        return pipeline

    def process_item(self, item: Any) -> Any:
        """Count the row as pending until written, then queue it as StorePipeline does."""
        if isinstance(item, PageItem):
            self.pending[(item.site_id, item.url)] += 1
        return super().process_item(item)

    def flush(self) -> None:
        """Write the buffered rows, then release the leases that waited for them."""
        keys = [(i.site_id, i.url) for i in self.buffer if isinstance(i, PageItem)]
        if not keys or self.store is None:
            return
        try:
            super().flush()
        except Exception:
            self._settle(keys)
            if self.dist is not None:
                self.dist.unstored(keys)  # fetched again by whoever pops them next
            raise
        self._settle(keys)
        if self.dist is not None:
            self.dist.stored(keys)

    def _settle(self, keys: list[tuple[str, str]]) -> None:
        for key in keys:
            self.pending[key] -= 1
            if self.pending[key] <= 0:
                del self.pending[key]


# -- running workers (CLI side) -------------------------------------------------------------


@dataclass
class WorkerProcess:
    """One crawl subprocess of a distributed crawl, its output forwarded line by line."""

    name: str
    proc: subprocess.Popen[str]
    reader: threading.Thread | None = None
    finished: bool = False
    reason: str | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def code(self) -> int | None:
        """The exit code once the process ended, else None."""
        return self.proc.poll()


def worker_env(db_url: str, redis_url: str, key: str, name: str) -> dict[str, str]:
    """Return the environment of a worker's crawl subprocess."""
    from crawlers.run import crawl_env

    return crawl_env(
        db_url,
        {"GONGKAI_REDIS_URL": redis_url, "GONGKAI_CRAWL_KEY": key, "GONGKAI_WORKER_NAME": name},
    )


def spawn_worker(
    name: str,
    command: list[str],
    env: dict[str, str],
    log_file: Path,
    progress: Callable[[str], None] | None,
) -> WorkerProcess:
    """Start one crawl subprocess; a thread copies its log and forwards its progress lines."""
    from crawlers.run import PROGRESS_MARKERS, STATUS_MARKER, popen_crawl

    log_file.parent.mkdir(parents=True, exist_ok=True)
    proc = popen_crawl(command, env)
    worker = WorkerProcess(name, proc)

    def read() -> None:
        assert proc.stdout is not None
        with log_file.open("a", encoding="utf-8") as log:
            for line in proc.stdout:
                if STATUS_MARKER in line:
                    continue
                log.write(line)
                if "完成：" in line and "（" in line:
                    reason = line.rstrip().rsplit("（", 1)[-1].rstrip("）")
                    worker.reason = reason
                    worker.finished = reason == "finished"
                if progress is not None:
                    for marker in (*PROGRESS_MARKERS, "分布式抓取："):
                        at = line.find(marker)
                        if at >= 0:
                            progress(f"[{name}] {line[at:].rstrip()}")
                            break

    worker.reader = threading.Thread(target=read, name=f"worker-{name}", daemon=True)
    worker.reader.start()
    return worker


def wait_workers(
    workers: list[WorkerProcess], time_limit: float | None, grace: float = 30.0
) -> str:
    """Wait for the workers; return 'finished', 'failed' or 'timeout'.

    Once one worker finished (the whole crawl is done) the others get `grace` seconds to
    close before they are stopped; on Ctrl-C they stop with it (same process group).
    """
    deadline = time.monotonic() + time_limit if time_limit else None
    done_at: float | None = None
    try:
        while any(w.code is None for w in workers):
            now = time.monotonic()
            if done_at is None and any(w.finished for w in workers):
                done_at = now
            if done_at is not None and now - done_at > grace:
                _stop(workers)
                break
            if deadline is not None and now >= deadline:
                _stop(workers)
                _join(workers)
                return "timeout"
            time.sleep(0.2)
    except KeyboardInterrupt:
        for w in workers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                w.proc.wait(10)
        raise
    _join(workers)
    return "finished" if any(w.finished for w in workers) else "failed"


def _stop(workers: list[WorkerProcess]) -> None:
    for w in workers:
        if w.code is None:
            w.proc.terminate()
    for w in workers:
        try:
            w.proc.wait(10)
        except subprocess.TimeoutExpired:
            w.proc.kill()


def _join(workers: list[WorkerProcess]) -> None:
    for w in workers:
        w.proc.wait()
        if w.reader is not None:
            w.reader.join(5)


def local_names(count: int) -> list[str]:
    """Names of this machine's workers: host name and number."""
    host = socket.gethostname().split(".")[0] or "worker"
    return [f"{host}-{i}" for i in range(1, count + 1)]


def run_workers(
    coordinator: Coordinator,
    config: Any,
    db_url: str,
    run_id: int,
    as_of: str,
    site_ids: list[str],
    count: int,
    *,
    log_dir: Path,
    progress: Callable[[str], None],
    time_limit: float | None,
    full: bool = False,
) -> tuple[str, dict[str, int]]:
    """Run a distributed crawl of run `run_id` with `count` workers on this machine.

    Announces the crawl for `gongkai worker` on other machines, waits for the local workers,
    and once the crawl is over drops its Redis state. Returns the outcome ('finished',
    'failed' or 'timeout') and the crawl's totals (Coordinator.summary).
    """
    from crawlers.run import crawl_command

    key = crawl_key(coordinator.prefix, run_id)
    live = coordinator.prepare(run_id)
    if live:
        progress(f"分布式抓取：第 {run_id} 次检查已有 {live} 个 worker 在运行，本机加入")
    coordinator.announce(
        {
            "run_id": run_id,
            "as_of": as_of,
            "sites": site_ids,
            "config": config_fingerprint(config, site_ids),
            "full": full,
            "coordinator": socket.gethostname(),
            "started": time.time(),
        }
    )
    command = crawl_command(Path(config.root), run_id, site_ids, full)
    workers = [
        spawn_worker(
            name,
            command,
            worker_env(db_url, coordinator.url, key, name),
            log_dir / f"crawl-run-{run_id}-{name}.log",
            progress,
        )
        for name in local_names(count)
    ]
    outcome = "failed"
    try:
        outcome = wait_workers(workers, time_limit)
    finally:
        summary: dict[str, int] = {}
        with contextlib.suppress(*REDIS_ERRORS):
            summary = coordinator.summary(run_id)
            if outcome == "finished" and summary["dead_replayers"]:
                progress(
                    "分布式抓取：有 worker 在从数据库续抓已入库页面时失联，部分链接可能未跟进；"
                    "本次检查记为未完成，请按提示再次续抓"
                )
                outcome = "failed"
            if outcome == "finished":
                coordinator.finish(run_id)
            else:
                coordinator.stop(run_id)
                coordinator.withdraw(run_id)
    return outcome, summary


def join_crawl(
    coordinator: Coordinator,
    announcement: dict[str, Any],
    config: Any,
    db_url: str,
    name: str,
    *,
    log_dir: Path,
    progress: Callable[[str], None],
) -> WorkerProcess:
    """Start one worker of the announced crawl on this machine and wait for it."""
    from crawlers.run import crawl_command

    run_id = int(announcement["run_id"])
    sites = [str(s) for s in announcement.get("sites") or []]
    full = bool(announcement.get("full"))
    command = crawl_command(Path(config.root), run_id, sites, full)
    worker = spawn_worker(
        name,
        command,
        worker_env(db_url, coordinator.url, crawl_key(coordinator.prefix, run_id), name),
        log_dir / f"crawl-run-{run_id}-{name}.log",
        progress,
    )
    try:
        worker.proc.wait()
    except KeyboardInterrupt:
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.proc.wait(10)
        raise
    finally:
        if worker.reader is not None:
            worker.reader.join(5)
    return worker
