"""Issue 7 (CPU per page): the crawl's shortcuts give exactly the answers of the slow paths.

Each saving in the crawl's hot path (a cached netloc, a byte scan ruling out meta refresh, a
digit-run prefilter before the privacy scan, one tree walk instead of iterwalk events, direct
SQLite inserts, a stats collector without Scrapy's shim, quieter loggers and GC thresholds)
is checked here against the plain computation it replaces, and one real crawl checks that a
meta refresh is still followed.
"""

from __future__ import annotations

import datetime as dt
import gc
import glob
import logging
import random
import re
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from lxml import etree
from scrapy.http import HtmlResponse
from scrapy.utils.response import get_meta_refresh
from scrapy.utils.test import get_crawler

import conf
import store as store_mod
from crawlers import extract, privacy
from crawlers.middlewares import (
    GC_THRESHOLDS,
    CrawlStats,
    CrawlTuning,
    _may_refresh,
    _netloc_of,
    netloc_of,
)
from tests.siteserver import SiteServer
from tests.test_crawl import FAST, crawl_once, site

REPO = Path(__file__).resolve().parents[1]


# -- netloc_of -----------------------------------------------------------------------------------


def test_netloc_cache_gives_the_uncached_answer() -> None:
    urls = [
        "http://a.gov.cn/x",
        "https://A.Gov.cn:443/x?y#z",
        "http://a:80",
        "http://a:8080?q=1/2",
        "http://a#frag/x",
        "http://[::1]:8080/x",
        "http://[::1/x",
        "http://u:p@Host:81/p",
        "http://host:abc/",
        "http://ho\nst/x",
        "http://",
        "ftp://x/y",
        "HTTP://X:8080/",
        "http://例子.cn:8080/x",
    ]
    rnd = random.Random(7)
    alphabet = "ab:/?#[]@\n 1%.AZ"
    urls += [
        rnd.choice(["http://", "https://"])
        + "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        for _ in range(20_000)
    ]
    for url in urls:
        expected = _netloc_of(url)
        assert netloc_of(url) == expected, url
        assert netloc_of(url) == expected, url  # the cached answer, asked again


# -- meta refresh ------------------------------------------------------------------------------


def _bodies() -> list[bytes]:
    refresh = '<meta http-equiv="Refresh" content="0; URL=/moved.html">'
    pages = [
        f"<html><head>{refresh}</head><body>x</body></html>",
        f"<html><head>{refresh.upper()}</head><body>x</body></html>",
        f"<html><head><title>{'标题' * 900}</title>{refresh}</head></html>",  # past 4 KiB of bytes
        f"<html><head><title>{'标题' * 3000}</title>{refresh}</head></html>",  # past 4096 chars
        "<html><head><title>无跳转</title></head><body><p>refresh 一词</p></body></html>",
        "<html><head><title>无跳转</title></head><body><p>正文</p></body></html>",
    ]
    bodies = [p.encode("utf-8") for p in pages] + [p.encode("gb18030") for p in pages]
    bodies += [p.encode("utf-16") for p in pages[:2]]  # BOM: ASCII is not one byte a char
    bodies += [p.encode("utf-16-le") for p in pages[:2]]
    for path in sorted(
        glob.glob(str(REPO / "samplecity" / "sites" / "**" / "*.htm*"), recursive=True)
    ):
        bodies.append(Path(path).read_bytes())
    return bodies


def test_meta_refresh_byte_scan_never_hides_a_refresh() -> None:
    headers = [
        {},
        {"Content-Type": "text/html"},
        {"Content-Type": "text/html; charset=utf-8"},
        {"Content-Type": "text/html; charset=gbk"},
        {"Content-Type": "text/html; charset=utf-16"},
        {"Content-Type": "text/html; charset=utf-16le"},
        {"Content-Type": "text/html; charset=cp500"},  # EBCDIC: never ruled out on bytes
    ]
    ruled_out = found = 0
    for body in _bodies():
        for h in headers:
            quick = HtmlResponse("http://a.example/p.html", body=body, headers=h)
            full = HtmlResponse("http://a.example/p.html", body=body, headers=h)
            interval, url = get_meta_refresh(full)
            found += url is not None
            if not _may_refresh(quick):
                ruled_out += 1
                assert url is None, (h, body[:80])
    assert found > 0 and ruled_out > 0  # both kinds of page were seen


def test_meta_refresh_is_still_followed(tmp_path: Path) -> None:
    moved = '<html><head><meta charset="utf-8"><title>新地址</title></head><body>新</body></html>'
    refresh = (
        '<html><head><META HTTP-EQUIV="REFRESH" CONTENT="0; URL=/moved.html">'
        "<title>旧地址</title></head><body>已迁移</body></html>"
    )
    home = (
        '<html><head><meta charset="utf-8"><title>首页</title></head><body>'
        '<a href="/old.html">旧栏目</a><a href="/plain.html">普通页</a></body></html>'
    )
    plain = '<html><head><meta charset="utf-8"><title>普通页</title></head><body>p</body></html>'
    html = {"Content-Type": "text/html; charset=utf-8"}
    server = SiteServer(
        {
            "/": (200, html, home),
            "/old.html": (200, html, refresh),
            "/moved.html": (200, html, moved),
            "/plain.html": (200, html, plain),
        }
    )
    with server:
        crawl = crawl_once(tmp_path, [site("s", server.url("/"))], FAST)
    assert crawl.rc == 0
    old = crawl.row("s", server.url("/old.html"))
    assert old["final_url"] == server.url("/moved.html")
    assert old["title"] == "新地址"
    assert crawl.row("s", server.url("/plain.html"))["title"] == "普通页"
    assert "/moved.html" in server.paths("GET")
    log = (tmp_path / "crawl.log").read_text("utf-8")
    assert "Dumping Scrapy stats" in log and "'downloader/response_count'" in log


# -- privacy prefilter ---------------------------------------------------------------------------


def test_privacy_prefilter_keeps_every_hit(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = random.Random(11)
    texts = ["联系电话13812345678", "卡号 6222 0212 3456 7890 123", "身份证110101199003074514"]
    texts += ["１３８１２３４５６７８", "编号13812345678", "2024年5月6日 0571-88888888"]
    for alphabet in ("0123456789 Xx１２-a中号卡", "0123456789 ", "01 a"):
        texts += [
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 60))) for _ in range(3000)
        ]
    fast = [privacy.redact(t) for t in texts]
    monkeypatch.setattr(privacy, "_ANY_CANDIDATE_RE", re.compile(""))  # always scan fully
    assert fast == [privacy.redact(t) for t in texts]
    # Many texts hold a candidate the slow scan must look at, and some of those are hits.
    norm = [t.translate(privacy._FULLWIDTH) for t in texts]
    assert sum(privacy._CANDIDATE_RE.search(t) is not None for t in norm) > 1000
    assert sum(bool(hits) for _, hits in fast) > 10


# -- the tree walk -------------------------------------------------------------------------------


def _reference_walk(root: Any) -> tuple[Any, ...]:
    """extract._walk as it was before issue 7, on iterwalk start/end events."""
    segs: list[str] = []
    flags: list[int] = []
    owner: list[Any] = []
    start: dict[Any, int] = {}
    end: dict[Any, int] = {}
    eflag: dict[Any, int] = {}
    headings: list[Any] = []
    crumbs: list[Any] = []
    footers: list[Any] = []
    stack = [0]
    parents: list[Any] = [None]
    names = extract._TITLE_NAME | extract._CRUMB_NAME | extract._FOOT_NAME
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag
        if tag.__class__ is not str:
            continue
        if event == "start":
            own = extract._own_flag(el)
            f = (stack[-1] | own) & ~names
            stack.append(f)
            parents.append(el)
            eflag[el] = f
            start[el] = len(segs)
            if f & extract._SKIP:
                continue
            if tag in extract._HEADING_TAGS or own & extract._TITLE_NAME:
                headings.append(el)
            if own & extract._CRUMB_NAME:
                crumbs.append(el)
            if own & extract._FOOT_NAME:
                footers.append(el)
            if tag in extract._BLOCK_TAGS and segs and segs[-1] != "\n":
                segs.append("\n")
                flags.append(f)
                owner.append(el)
            text = el.text
            if text and not text.isspace():
                segs.append(" ".join(text.split()))
                flags.append(f)
                owner.append(el)
        else:
            stack.pop()
            parents.pop()
            end[el] = len(segs)
            f = stack[-1]
            if f & extract._SKIP:
                continue
            if tag in extract._BLOCK_TAGS and segs and segs[-1] != "\n":
                segs.append("\n")
                flags.append(f)
                owner.append(parents[-1])
            text = el.tail
            if text and not text.isspace():
                segs.append(" ".join(text.split()))
                flags.append(f)
                owner.append(parents[-1])
    nsegs = [s.translate(extract._FW_TABLE) for s in segs]
    return segs, nsegs, flags, owner, start, end, eflag, headings, crumbs, footers


def test_tree_walk_matches_iterwalk_events() -> None:
    docs = [
        "<p>a<!-- c -->b<?pi x?>c</p>tail",
        "<html><body><div>x</div></body></html><div>after</div>",
        "<table><tr><td>1<td>２０２４年</table>",
        "<b><i>x</b>y</i>z",
        "plain text only",
        "<div hidden style='display: none'>a<p>b</p>c</div>d<script>var x;</script>e",
        '<div class="title">标题</div><div id="position">当前位置</div><footer>页脚</footer>',
        "<nav><ul><li>一<li>二</ul></nav><aside>旁</aside><h2>小标题</h2>&nbsp;<p>　全角</p>",
    ]
    bodies = [d.encode("utf-8") for d in docs]
    for path in sorted(
        glob.glob(str(REPO / "samplecity" / "sites" / "**" / "*.htm*"), recursive=True)
    ):
        bodies.append(Path(path).read_bytes())
    for body in bodies:
        text, _ = extract.decode_html(body)
        root = extract._parse(text)
        if root is None:
            continue
        w = extract._walk(root)
        ref = _reference_walk(root)
        got = (w.segs, w.nsegs, w.flags, w.owner, w.start, w.end, w.eflag)
        assert got[:3] == ref[:3]
        assert len(w.owner) == len(ref[3]) and all(
            a is b for a, b in zip(w.owner, ref[3], strict=True)
        )
        assert (w.start, w.end, w.eflag) == (ref[4], ref[5], ref[6])
        assert (w.headings, w.crumb_named, w.footers) == (ref[7], ref[8], ref[9])


# -- configuration for the crawl --------------------------------------------------------------


def _config_dir(root: Path, rules: bool) -> Path:
    root.mkdir(parents=True)
    (root / "sites.yaml").write_text(
        "sites:\n  - id: a\n    name: 甲局\n    kind: department\n"
        "    start_urls: ['http://127.0.0.1:8001/']\n",
        "utf-8",
    )
    (root / "settings.yaml").write_text("crawl:\n  delay: 0.25\n  max_pages: 77\n", "utf-8")
    if rules:
        import shutil

        shutil.copytree(REPO / "config" / "rules", root / "rules")
    return root


def test_crawl_config_reads_sites_and_settings_only(tmp_path: Path) -> None:
    full = conf.load_config(_config_dir(tmp_path / "full", rules=True))
    crawl = conf.load_crawl_config(tmp_path / "full")
    assert crawl.sites == full.sites and crawl.settings == full.settings
    assert crawl.settings.crawl.max_pages == 77 and crawl.rules == []
    # Without rules/ the CLI refuses the directory; the crawl subprocess (started only after
    # that check) reads what it needs.
    bare = _config_dir(tmp_path / "bare", rules=False)
    with pytest.raises(conf.ConfigError):
        conf.load_config(bare)
    assert [s.id for s in conf.load_crawl_config(bare).sites] == ["a"]
    (bare / "sites.yaml").write_text("sites:\n  - id: a\n", "utf-8")
    with pytest.raises(conf.ConfigError):
        conf.load_crawl_config(bare)


# -- direct SQLite inserts -----------------------------------------------------------------------


def test_direct_inserts_store_what_sqlalchemy_stores(tmp_path: Path) -> None:
    rows = [
        {
            "run_id": 1,
            "site_id": "a",
            "url": f"http://a/{i}",
            "final_url": None if i % 2 else f"http://a/{i}?x",
            "kind": "page",
            "status": 200,
            "error": None,
            "content_type": "text/html",
            "size": 10 * i,
            "method": "GET",
            "depth": i,
            "referer": None,
            "is_home": i == 0,
            "fetched_at": "2025-01-06T00:00:00+00:00",
            "encoding": "utf-8",
            "page_type": "article",
            "title": "标题",
            "pub_date": dt.date(2024, 5, i + 1) if i % 3 else None,
            "date_source": "meta",
            "date_candidates": [["meta", "2024-05-06"]] if i % 2 else [],
            "column_name": None,
            "column_source": None,
            "column_key": None,
            "metas": {"SiteName": "甲局"} if i % 2 else {},
            "text_snippet": "正文",
            "placeholder": False,
            "next_pages": None if i % 3 == 1 else [],
            "notice": None,
            "privacy": [{"kind": "mobile", "masked": "138****5678"}] if i == 2 else [],
        }
        for i in range(7)
    ]
    dbs = []
    for name in ("direct", "sqlalchemy"):
        path = tmp_path / f"{name}.db"
        engine = sa.create_engine(f"sqlite:///{path}", json_serializer=store_mod._dumps)
        store_mod.METADATA.tables["pages"].create(engine)
        with engine.begin() as conn:
            if name == "direct":
                store_mod._insert_rows(conn, store_mod.pages_t, rows)
            else:
                conn.execute(store_mod.pages_t.insert(), rows)
        engine.dispose()
        dbs.append(path)
    read = []
    for path in dbs:
        with sqlite3.connect(path) as db:
            cols = [c[1] for c in db.execute("PRAGMA table_info(pages)")]
            typed = ", ".join(f"{c}, typeof({c})" for c in cols)
            read.append(db.execute(f"SELECT {typed} FROM pages ORDER BY id").fetchall())
    assert read[0] == read[1] and len(read[0]) == 7


# -- Scrapy stats and process tuning -------------------------------------------------------------


def test_crawl_stats_keep_scrapys_results() -> None:
    crawler = get_crawler(settings_dict={"STATS_CLASS": "crawlers.middlewares.CrawlStats"})
    stats = crawler.stats
    assert isinstance(stats, CrawlStats)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation shim in the way
        stats.inc_value("gongkai/fetched")
        stats.inc_value("gongkai/fetched", 2)
        stats.max_value("gongkai/peak", 5)
        stats.max_value("gongkai/peak", 3)
        stats.set_value("x", "y")
    assert stats.get_value("gongkai/fetched") == 3
    assert stats.get_value("gongkai/peak") == 5
    assert stats.get_stats()["x"] == "y"


def test_crawl_tuning_raises_loggers_and_gc_thresholds() -> None:
    root, scrapy_logger = logging.getLogger(), logging.getLogger("scrapy")
    levels = root.level, scrapy_logger.level
    thresholds = gc.get_threshold()
    try:
        root.setLevel(logging.NOTSET)
        scrapy_logger.setLevel(logging.DEBUG)
        tuning = CrawlTuning.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "INFO"}))
        assert not scrapy_logger.isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("pdfminer.psparser").isEnabledFor(logging.DEBUG)
        assert scrapy_logger.isEnabledFor(logging.INFO)
        # Scrapy installs its root handler again when the crawl starts (root back to NOTSET):
        # spider_opened raises it once more, or pdfminer builds a record per PDF token.
        root.setLevel(logging.NOTSET)
        assert logging.getLogger("pdfminer.psparser").isEnabledFor(logging.DEBUG)
        tuning.spider_opened()
        assert not logging.getLogger("pdfminer.psparser").isEnabledFor(logging.DEBUG)
        assert gc.get_threshold() == GC_THRESHOLDS
        assert gc.get_freeze_count() > 0
        # A DEBUG crawl keeps its debug lines.
        scrapy_logger.setLevel(logging.DEBUG)
        CrawlTuning.from_crawler(get_crawler(settings_dict={"LOG_LEVEL": "DEBUG"}))
        assert scrapy_logger.isEnabledFor(logging.DEBUG)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
        root.setLevel(levels[0])
        scrapy_logger.setLevel(levels[1])
