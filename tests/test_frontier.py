"""Bounded crawl memory (issue 7): the spilling request queue and the disk-backed seen-sets.

The crawls are real (`run_crawl` against the sample city or bench/pagefarm.py's generated
sites); budgets of a few requests and keys force everything through the disk paths, and the
stored rows must be exactly what a crawl held in memory stores.
"""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
from scrapy import Request, Spider
from scrapy.utils.test import get_crawler

import conf
import samplecity
from bench.pagefarm import PageFarm
from crawlers import frontier as frontier_module
from crawlers.frontier import DIR_PREFIX, Frontier, SeenSet, SpillQueue, frontier_of, remove_stale
from crawlers.run import run_crawl
from samplecity.serve import render_config, start
from store import Store
from tests.test_resume import assert_same_crawl, crawled

_STAT = re.compile(r"'(gongkai/[a-z_]+)': (\d+)")


def crawl_stats(log: Path) -> dict[str, int]:
    """Return the gongkai/ counters of a crawl log's final stats dump."""
    text = log.read_text("utf-8", "replace")
    return {k: int(v) for k, v in _STAT.findall(text[text.rfind("Dumping Scrapy stats") :])}


def test_spilled_crawl_stores_what_an_in_memory_crawl_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start() as city:
        config = render_config(tmp_path / "config", city)
        sites = conf.load_config(config).sites
        runs = {}
        for name, budgets in (("memory", None), ("spilled", ("2", "10"))):
            if budgets is not None:
                monkeypatch.setenv("GONGKAI_FRONTIER_MEMORY", budgets[0])
                monkeypatch.setenv("GONGKAI_SEEN_MEMORY", budgets[1])
                monkeypatch.setenv("GONGKAI_FRONTIER_DIR", str(tmp_path / "spill"))
                (tmp_path / "spill").mkdir()
            db = f"sqlite:///{tmp_path / name}.db"
            with Store(db) as st:
                run_id = st.start_run(samplecity.AS_OF, str(config), sites)
            log = tmp_path / f"{name}.log"
            assert run_crawl(config, db, run_id, log_file=log) == 0
            runs[name] = (crawled(db, run_id), crawl_stats(log))
    (memory, quiet), (spilled, stats) = runs["memory"], runs["spilled"]
    assert len(memory.pages) > 400
    assert_same_crawl(spilled, memory)
    # Everything went through the disk paths, and nothing of them is left behind.
    assert "gongkai/frontier_spilled" not in quiet
    assert stats["gongkai/frontier_spilled"] > 300
    assert stats["gongkai/claims_spilled"] > 300
    assert stats["gongkai/fingerprints_spilled"] > 300
    assert "溢出部分暂存于" in (tmp_path / "spilled.log").read_text("utf-8")
    assert list((tmp_path / "spill").iterdir()) == []


def test_lists_crawled_together_keep_their_pagination(tmp_path: Path) -> None:
    # Scrapy consumes the output of several callbacks interleaved; the per-page limits
    # (max_links_per_page, a quarter of max_pages) must count each page's own claims, or list
    # pages parsed together drop each other's pagination (seen at 491-page sites).
    with PageFarm(4, 491) as farm:
        config = tmp_path / "config"
        (config / "rules").mkdir(parents=True)
        (config / "settings.yaml").write_text(
            f"crawl:\n  max_pages: {farm.shape.pages}\n  delay: 0\n  autothrottle: false\n",
            "utf-8",
        )
        (config / "sites.yaml").write_text(
            "sites:\n"
            + "".join(
                f"  - id: s{i}\n    name: 示例局{i}\n    kind: department\n"
                f"    start_urls: [{base}/]\n"
                for i, base in enumerate(farm.bases)
            ),
            "utf-8",
        )
        db = f"sqlite:///{tmp_path / 'farm.db'}"
        with Store(db) as st:
            run_id = st.start_run(samplecity.AS_OF, str(config), conf.load_config(config).sites)
        log = tmp_path / "crawl.log"
        assert run_crawl(config, db, run_id, log_file=log) == 0
        with Store(db) as st:
            counts = st.page_counts(run_id)
    assert {site: c["pages"] for site, c in counts.items()} == {
        f"s{i}": farm.shape.pages for i in range(4)
    }
    assert "gongkai/links_not_followed" not in crawl_stats(log)


def test_seen_set_answers_as_a_set_across_spills(tmp_path: Path) -> None:
    frontier = Frontier(seen_memory=50, parent=str(tmp_path))
    seen, want = SeenSet(frontier, "claims"), set()
    rng = random.Random(7)
    for _ in range(5000):
        key = (f"s{rng.randrange(3)}", f"http://127.0.0.1:8000/a/{rng.randrange(2000)}.html")
        assert (key in seen) == (key in want)
        if rng.random() < 0.6:
            seen.add(key)
            want.add(key)
        assert len(seen) == len(want)
    assert seen.db is not None  # it did spill: most keys are only on disk
    assert len(seen.fresh) + len(seen.cached) <= 51
    directory = frontier.directory
    assert directory is not None and directory.parent == tmp_path
    seen.close()
    frontier.close()
    assert not directory.exists()


class _Spider(Spider):
    name = "frontier-test"

    def parse(self, response: object) -> None:
        """Callback named in spilled requests."""

    def failed(self, failure: object) -> None:
        """Errback named in spilled requests."""


def test_spill_queue_keeps_fifo_order_through_disk(tmp_path: Path) -> None:
    crawler = get_crawler(
        _Spider, {"GONGKAI_FRONTIER_MEMORY": 3, "GONGKAI_FRONTIER_DIR": str(tmp_path)}
    )
    spider = crawler.spider = _Spider()
    queue = SpillQueue.from_crawler(crawler, "/127.0.0.1:8000/-2")
    other = SpillQueue.from_crawler(crawler, "/127.0.0.1:8001/-2")
    pushed = []
    for i in range(40):
        request = Request(
            f"http://127.0.0.1:8000/{i}.html",
            callback=spider.parse,
            errback=spider.failed,
            priority=-2,
            headers={"Referer": "http://127.0.0.1:8000/"},
            meta={"gk_site": "a", "gk_depth": 2, "gk_report": {"year": 2025}},
        )
        pushed.append(request)
        queue.push(request)
    # The budget is the crawl's, not the queue's: a second queue starts on disk.
    other.push(Request("http://127.0.0.1:8001/", callback=spider.parse))
    assert queue.on_disk == 37 and other.on_disk == 1 and len(queue) == 40
    # A callback that is not a spider method cannot be pickled: it stays in memory.
    queue.push(Request("http://127.0.0.1:8000/odd.html", callback=lambda r: None))
    assert queue.on_disk == 37 and len(queue) == 41
    popped = [queue.pop() for _ in range(41)]
    assert queue.pop() is None and len(queue) == 0
    assert all(r is not None for r in popped)
    got = [r for r in popped if r is not None and not r.url.endswith("/odd.html")]
    assert [r.url for r in got] == [r.url for r in pushed]
    for a, b in zip(got, pushed, strict=True):
        assert (a.callback, a.errback, a.priority, a.meta) == (b.callback, b.errback, -2, b.meta)
        assert a.headers.get("Referer") == b"http://127.0.0.1:8000/"
    # The odd one was served with the in-memory head, before the spilled requests.
    assert popped[3] is not None and popped[3].url == "http://127.0.0.1:8000/odd.html"
    last = other.pop()
    assert last is not None and last.url == "http://127.0.0.1:8001/"
    queue.close()
    other.close()
    frontier = frontier_of(crawler)
    assert frontier.in_memory == 0
    frontier.close()
    assert list(tmp_path.iterdir()) == []


def test_stale_spill_directories_are_removed(tmp_path: Path) -> None:
    dead = tmp_path / f"{DIR_PREFIX}999999999-x"
    live = tmp_path / f"{DIR_PREFIX}{os.getpid()}-y"
    for d in (dead, live):
        d.mkdir()
        (d / "1.q").write_bytes(b"x")
    assert remove_stale(str(tmp_path)) == [dead]
    assert live.exists() and not dead.exists()


def test_many_spilled_queues_share_a_few_open_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A crawl of hundreds of sites has a queue per site and priority: the queue files are
    # written through at most OPEN_FILES open handles, and each queue keeps its order.
    monkeypatch.setattr(frontier_module, "OPEN_FILES", 4)
    crawler = get_crawler(
        _Spider, {"GONGKAI_FRONTIER_MEMORY": 1, "GONGKAI_FRONTIER_DIR": str(tmp_path)}
    )
    spider = crawler.spider = _Spider()
    queues = [SpillQueue.from_crawler(crawler, f"/host{q}/0") for q in range(10)]
    frontier = frontier_of(crawler)
    for i in range(30):
        for q, queue in enumerate(queues):
            queue.push(Request(f"http://127.0.0.1:{8000 + q}/{i}.html", callback=spider.parse))
            assert len(frontier._writers) <= 4
    for q, queue in enumerate(queues):
        urls = []
        while (request := queue.pop()) is not None:
            urls.append(request.url)
        assert urls == [f"http://127.0.0.1:{8000 + q}/{i}.html" for i in range(30)]
        queue.close()
    frontier.close()
    assert list(tmp_path.iterdir()) == []
