"""Bounded crawl memory (issue 7): a request queue that spills to disk and a disk-backed seen-set.

A breadth-first crawl queues every article of a site before it fetches the first one, so the
pending requests, each a Request with its meta dict (~2 KB in memory), grow with the site:
held in memory, a 200,000-page crawl peaked at 581 MB (bench/RESULTS.md; 150 MB now). Here
the scheduler's queues keep at most GONGKAI_FRONTIER_MEMORY requests in memory across all
queues and append the rest, pickled, to files; the seen-sets (the spider's claimed URLs, the
dupefilter's fingerprints) keep 64-bit hashes, the recent GONGKAI_SEEN_MEMORY in memory and
the rest in a SQLite table.

The files live in a fresh temp directory per crawl process, created on the first spill and
removed when the engine stops (and at exit; directories of dead processes are removed by the
next crawl). They are never read by another process: the store stays the only resume truth
(crawlers/run.py), so this is not Scrapy's JOBDIR, whose queues and fingerprints would outlive
the process. A crawl that never outgrows the budgets touches no disk and keeps Scrapy's order.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import pickle
import re
import shutil
import sqlite3
import struct
import tempfile
import weakref
from collections import OrderedDict, deque
from collections.abc import Hashable
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from scrapy import Request, signals
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.request import request_from_dict

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger("gongkai.crawl")

# Requests kept in memory across all queues of a crawl (~2 KB each), and seen-set hashes kept
# in memory per set (~70 bytes each) before the oldest go to disk.
QUEUE_MEMORY = 5000
SEEN_MEMORY = 100_000
# Spilled requests read back per file read once a queue's in-memory head is empty.
REFILL = 64
# Queue files kept open for appending at once (the rest are reopened when next written).
OPEN_FILES = 128
DIR_PREFIX = "gongkai-frontier-"
_DIR_PID = re.compile(re.escape(DIR_PREFIX) + r"(\d+)-")
_LEN = struct.Struct("<I")


class Frontier:
    """A crawl's spill directory (made on first use) and its in-memory request budget."""

    def __init__(
        self,
        queue_memory: int = QUEUE_MEMORY,
        seen_memory: int = SEEN_MEMORY,
        parent: str | None = None,
        crawler: Crawler | None = None,
    ) -> None:
        self.queue_memory = max(1, queue_memory)
        self.seen_memory = max(1, seen_memory)
        self.parent = parent
        # For its stats (set only once the crawl starts); weak, since atexit holds this object.
        self._crawler = weakref.ref(crawler) if crawler is not None else None
        self.in_memory = 0  # requests held in memory by all SpillQueues
        self._dir: Path | None = None
        self._files = 0
        # Open appenders of the queue files, least recently used first: a crawl of 300 sites
        # has thousands of queues (a slot and priority each), more than a process may open.
        self._writers: OrderedDict[Path, BinaryIO] = OrderedDict()
        atexit.register(self.close)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Frontier:
        """Build from settings (GONGKAI_FRONTIER_MEMORY, GONGKAI_SEEN_MEMORY, GONGKAI_FRONTIER_DIR)."""
        settings = crawler.settings
        frontier = cls(
            settings.getint("GONGKAI_FRONTIER_MEMORY", QUEUE_MEMORY),
            settings.getint("GONGKAI_SEEN_MEMORY", SEEN_MEMORY),
            settings.get("GONGKAI_FRONTIER_DIR") or None,
            crawler,
        )
        crawler.signals.connect(frontier.close, signal=signals.engine_stopped)
        remove_stale(frontier.parent)
        return frontier

    def new_file(self, suffix: str) -> Path:
        """Return a fresh file name in the spill directory (created on the first call)."""
        if self._dir is None:
            self._dir = Path(
                tempfile.mkdtemp(prefix=f"{DIR_PREFIX}{os.getpid()}-", dir=self.parent)
            )
            logger.info(
                "待抓取队列或已见网址超出内存上限，溢出部分暂存于 %s（抓取结束后删除）", self._dir
            )
        self._files += 1
        return self._dir / f"{self._files}{suffix}"

    @property
    def directory(self) -> Path | None:
        """The spill directory, None until something spilled."""
        return self._dir

    def count(self, stat: str, n: int = 1) -> None:
        """Add to a gongkai/ stats counter."""
        crawler = self._crawler() if self._crawler is not None else None
        if crawler is None:
            return
        try:
            stats = crawler.stats
        except RuntimeError:  # not set before the crawl starts
            return
        stats.inc_value(f"gongkai/{stat}", n)

    def append(self, path: Path, data: bytes) -> None:
        """Append to a queue file, keeping at most OPEN_FILES of them open."""
        writer = self._writers.pop(path, None)
        if writer is None:
            if len(self._writers) >= OPEN_FILES:
                self._writers.popitem(last=False)[1].close()
            writer = open(path, "ab")  # noqa: SIM115 - closed by flush/forget/close
        self._writers[path] = writer
        writer.write(data)

    def flush(self, path: Path) -> None:
        """Write out what is buffered for a queue file, before it is read."""
        writer = self._writers.get(path)
        if writer is not None:
            writer.flush()

    def forget(self, path: Path) -> None:
        """Close and delete a queue file."""
        writer = self._writers.pop(path, None)
        if writer is not None:
            writer.close()
        with contextlib.suppress(OSError):
            path.unlink()

    def close(self) -> None:
        """Remove the spill directory (engine_stopped signal, and at exit)."""
        atexit.unregister(self.close)
        while self._writers:
            self._writers.popitem()[1].close()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None


def remove_stale(parent: str | None = None) -> list[Path]:
    """Remove spill directories left by crawl processes that no longer run (killed ones)."""
    removed = []
    root = Path(parent or tempfile.gettempdir())
    with contextlib.suppress(OSError):
        for path in root.glob(f"{DIR_PREFIX}*"):
            m = _DIR_PID.match(path.name)
            if not m or not path.is_dir() or _alive(int(m.group(1))):
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    """Return whether a process with this pid runs (as any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_FRONTIERS: weakref.WeakKeyDictionary[Any, Frontier] = weakref.WeakKeyDictionary()


def frontier_of(crawler: Crawler) -> Frontier:
    """Return the crawler's Frontier, built on first use."""
    frontier = _FRONTIERS.get(crawler)
    if frontier is None:
        frontier = _FRONTIERS[crawler] = Frontier.from_crawler(crawler)
    return frontier


def _method_name(func: Any, spider: Any) -> Any:
    """Name a callback that is a method of the spider; ValueError for any other callable."""
    if func is None or not callable(func):
        return func
    name = getattr(getattr(func, "__func__", None), "__name__", None)
    if getattr(func, "__self__", None) is spider and name and getattr(spider, name) == func:
        return name
    raise ValueError(f"not a spider method: {func!r}")


def request_state(request: Request, spider: Any) -> dict[str, Any]:
    """Return `request.to_dict(spider=spider)` for request_from_dict, without its method search.

    Scrapy's to_dict finds a callback's name with inspect.getmembers over the whole spider,
    ~250 µs a request here; a bound method of the spider names itself.
    """
    d: dict[str, Any] = {
        "url": request.url,
        "callback": _method_name(request.callback, spider),
        "errback": _method_name(request.errback, spider),
        "headers": dict(request.headers),
    }
    for attr in request.attributes:
        d.setdefault(attr, getattr(request, attr))
    if type(request) is not Request:
        d["_class"] = type(request).__module__ + "." + type(request).__name__
    return d


# Classes a spilled request's state may name when read back: its own types and plain data.
# The file is this process's own (a private temp directory), but a reader that can build any
# class is still one path to running code (tests/test_hardening.py forbids pickle.loads).
_SAFE_BUILTINS = frozenset(
    {"set", "frozenset", "tuple", "list", "dict", "bytes", "bytearray", "int", "float", "str"}
)
_SAFE_MODULES = ("scrapy.", "crawlers.", "datetime", "collections", "decimal")


class _StateUnpickler(pickle.Unpickler):
    """Unpickler that only builds Scrapy's and gongkai's classes and plain data types."""

    def find_class(self, module: str, name: str) -> Any:
        """Resolve a class named in the pickle, refusing anything outside the allow-list."""
        if (module == "builtins" and name in _SAFE_BUILTINS) or module.startswith(_SAFE_MODULES):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused class in spilled request: {module}.{name}")


def _load(data: bytes) -> Any:
    """Read back one spilled request's state (see _StateUnpickler)."""
    return _StateUnpickler(io.BytesIO(data)).load()


class SpillQueue:
    """FIFO request queue (SCHEDULER_MEMORY_QUEUE) that appends requests to a file once the
    crawl holds its budget of requests in memory.

    While anything of this queue is on disk every push goes to disk too, and pops read the
    spilled requests back in order, so the order is Scrapy's FifoMemoryQueue's. A request that
    cannot be pickled (a callback that is not a spider method) stays in memory and is served
    before the spilled ones, as Scrapy's own scheduler serves its memory queue first.
    """

    def __init__(self, crawler: Crawler, key: str = "") -> None:
        self.crawler = crawler
        self.frontier = frontier_of(crawler)
        self.key = key
        self.mem: deque[Request] = deque()
        self.on_disk = 0
        self._path: Path | None = None  # the file of spilled requests, from _offset on
        self._offset = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler, key: str = "", *args: Any, **kwargs: Any) -> SpillQueue:
        """Build for one priority (and slot) of the scheduler's priority queue."""
        return cls(crawler, key)

    def push(self, request: Request) -> None:
        """Queue a request: in memory within the budget, else on disk."""
        frontier = self.frontier
        if not self.on_disk and frontier.in_memory < frontier.queue_memory:
            self.mem.append(request)
            frontier.in_memory += 1
            return
        try:
            data = pickle.dumps(
                request_state(request, self.crawler.spider), protocol=pickle.HIGHEST_PROTOCOL
            )
        except (ValueError, TypeError, AttributeError, pickle.PicklingError):
            self.mem.append(request)
            frontier.in_memory += 1
            frontier.count("frontier_unspillable")
            return
        if self._path is None:
            self._path, self._offset = frontier.new_file(".q"), 0
        frontier.append(self._path, _LEN.pack(len(data)) + data)
        self.on_disk += 1
        frontier.count("frontier_spilled")

    def _refill(self) -> None:
        """Read the oldest spilled requests back into memory."""
        assert self._path is not None
        frontier = self.frontier
        frontier.flush(self._path)
        spider = self.crawler.spider
        # A batch while the budget allows, else one: many slots refilling at once must not
        # add REFILL requests each over the budget (300 sites × 64).
        n = min(REFILL, self.on_disk, max(1, frontier.queue_memory - frontier.in_memory))
        with open(self._path, "rb") as f:
            f.seek(self._offset)
            for _ in range(n):
                (size,) = _LEN.unpack(f.read(_LEN.size))
                self.mem.append(request_from_dict(_load(f.read(size)), spider=spider))
            self._offset = f.tell()
        self.on_disk -= n
        frontier.in_memory += n
        if not self.on_disk:
            # Drained: drop the file, so disk use follows the queue, not the crawl.
            frontier.forget(self._path)
            self._path = None

    def pop(self) -> Request | None:
        """Return the oldest request, None when empty."""
        if not self.mem:
            if not self.on_disk:
                return None
            self._refill()
        self.frontier.in_memory -= 1
        return self.mem.popleft()

    def peek(self) -> Request | None:
        """Return the oldest request without removing it."""
        if not self.mem and self.on_disk:
            self._refill()
        return self.mem[0] if self.mem else None

    def __len__(self) -> int:
        return len(self.mem) + self.on_disk

    def close(self) -> None:
        """Drop what is left (the store, not this queue, is what a resumed run starts from)."""
        self.frontier.in_memory -= len(self.mem)
        self.mem.clear()
        self.on_disk = 0
        if self._path is not None:
            self.frontier.forget(self._path)
            self._path = None


class SeenSet:
    """A set of keys kept as 64-bit hashes: the recent ones in memory, the rest in SQLite.

    Python's hash() (SipHash for str, combined for tuples) is stable within one process,
    which is this set's lifetime; two keys share a hash with probability ~n²/2⁶⁴ (about 1e-9
    for 200,000 URLs). Keys found on disk are cached in memory again, so a menu link that
    every page repeats costs one lookup per spill, not one per page.
    """

    def __init__(self, frontier: Frontier, name: str = "seen") -> None:
        self.frontier = frontier
        self.name = name
        self.fresh: set[int] = set()  # not on disk yet
        self.cached: set[int] = set()  # on disk, seen again since the last spill
        self.size = 0
        self.db: sqlite3.Connection | None = None
        self._missed: int | None = None  # the last hash not found on disk

    def __contains__(self, key: Hashable) -> bool:
        return self._has(hash(key))

    def _has(self, h: int) -> bool:
        if h in self.fresh or h in self.cached:
            return True
        if self.db is None or h == self._missed:
            return False
        if self.db.execute("SELECT 1 FROM seen WHERE h = ?", (h,)).fetchone() is None:
            # The spider asks, then claims: the add that follows a miss needs no second look.
            self._missed = h
            return False
        self.cached.add(h)
        if len(self.cached) > self.frontier.seen_memory:
            self.cached.clear()
        return True

    def add(self, key: Hashable) -> None:
        """Add a key (no-op when present)."""
        h = hash(key)
        if self._has(h):
            return
        self.fresh.add(h)
        self.size += 1
        if len(self.fresh) + len(self.cached) > self.frontier.seen_memory:
            self.spill()

    def __len__(self) -> int:
        return self.size

    def spill(self) -> None:
        """Move the in-memory hashes to the SQLite table."""
        if self.db is None:
            self.db = sqlite3.connect(
                self.frontier.new_file(f".{self.name}.db"), isolation_level=None
            )
            # Scratch data of one process: no journal, no fsync.
            self.db.execute("PRAGMA journal_mode = OFF")
            self.db.execute("PRAGMA synchronous = OFF")
            self.db.execute("CREATE TABLE seen (h INTEGER PRIMARY KEY)")
        self.db.execute("BEGIN")
        self.db.executemany(
            "INSERT OR IGNORE INTO seen VALUES (?)", ((h,) for h in sorted(self.fresh))
        )
        self.db.execute("COMMIT")
        self.frontier.count(f"{self.name}_spilled", len(self.fresh))
        self.fresh.clear()
        self.cached.clear()
        self._missed = None

    def close(self) -> None:
        """Close the SQLite table (its file goes with the spill directory)."""
        if self.db is not None:
            self.db.close()
            self.db = None


class SeenDupeFilter(RFPDupeFilter):
    """Scrapy's RFPDupeFilter with its fingerprints in a SeenSet (issue 7: bounded memory).

    Scrapy keeps every 20-byte fingerprint in a Python set (~90 bytes each); here the first 8
    bytes are kept, the older ones on disk. No JOBDIR: nothing outlives the process.
    """

    seen: SeenSet

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeenDupeFilter:
        """Build with the crawler's fingerprinter and a SeenSet in its Frontier."""
        df = cls(
            None,
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )
        df.seen = SeenSet(frontier_of(crawler), "fingerprints")
        return df

    def request_seen(self, request: Request) -> bool:
        """Return True for a request seen before, else remember it."""
        key = int.from_bytes(self._fingerprint(request)[:8], "little", signed=True)
        seen = self.seen
        size = len(seen)
        seen.add(key)
        return len(seen) == size

    def close(self, reason: str) -> None:
        """Close the seen table."""
        super().close(reason)
        self.seen.close()
