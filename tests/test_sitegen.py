"""The benchmark harness's synthetic city (issue 7): generated sites, both servers, a real crawl."""

from __future__ import annotations

import datetime as dt
import hashlib
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from scrapy.core.downloader import _default_jitter
from scrapy.settings import Settings

import conf
from bench import sitegen
from crawlers.run import run_crawl
from crawlers.spiders.site import SiteSpider
from store import Store

# nginx is tested where it is installed (the harness installs it; tests never run apt).
KINDS = ["python"] + (["nginx"] if sitegen.find_nginx() else [])


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[sitegen.GenSite]]:
    root = tmp_path_factory.mktemp("city")
    return root, sitegen.generate(root, 3, 60)


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def test_generate_is_deterministic_and_sized(tmp_path: Path, city) -> None:
    root, sites = city
    again = sitegen.generate(tmp_path, 3, 60)

    def digest(base: Path) -> dict[str, str]:
        return {
            p.relative_to(base).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in sorted(base.rglob("*"))
            if p.is_file() and p.name != sitegen.MANIFEST
        }

    assert digest(root) == digest(tmp_path)
    for site, twin in zip(sites, again, strict=True):
        assert site.html_pages == twin.html_pages == 60
        assert len(set(site.html_paths)) == 60
        assert sum(c.list_pages for c in site.columns) == len(site.list_paths)
        assert 6 <= len(site.columns) <= 10
    assert [s.encoding for s in sites] == ["utf-8", "gbk", "utf-8"]
    # Planted defects: a stale column on s001 and s003, an empty one on s002.
    assert sites[0].stale_column and sites[2].stale_column and sites[1].empty_column
    stale = next(c for c in sites[0].columns if c.stale)
    assert (sitegen.AS_OF - dt.date.fromisoformat(stale.newest)).days > 365
    assert all(len(s.broken) >= 2 and s.attachments for s in sites)
    assert sitegen.load(root)[1].article_paths == sites[1].article_paths


@pytest.mark.parametrize("kind", KINDS)
def test_served_charset_etag_pagination(city, kind: str) -> None:
    root, sites = city
    with sitegen.serve(root, sites, prefer_nginx=kind == "nginx", install_nginx=False) as served:
        assert served.kind == kind
        assert len(set(served.ports.values())) == 3 and served.pids
        for site in sites:
            base = served.bases[site.id]
            status, headers, body = fetch(base)
            assert status == 200
            assert headers["Content-Type"].lower() == f"text/html; charset={site.encoding}"
            text = body.decode(site.encoding)  # strict: GBK pages are real GBK
            assert f'<meta charset="{site.encoding}">' in text and site.name in text
            if site.encoding == "gbk":
                with pytest.raises(UnicodeDecodeError):
                    body.decode("utf-8")
            # Conditional requests: both validators answer 304 without a body.
            etag, modified = headers["ETag"], headers["Last-Modified"]
            assert fetch(base, {"If-None-Match": etag})[0] == 304
            assert fetch(base, {"If-Modified-Since": modified})[0] == 304
            assert fetch(base, {"If-None-Match": '"other"'})[0] == 200
            # Pagination: the busiest column has a 下一页 link to a page that exists.
            status, _, body = fetch(base + "gzdt/index.html")
            page1 = body.decode(site.encoding)
            assert status == 200 and '<a href="index_1.html">下一页</a>' in page1
            assert "尾页" in page1 and fetch(base + "gzdt/index_1.html")[0] == 200
            assert fetch(base + "robots.txt")[2] == b"User-agent: *\nAllow: /\n"
            assert fetch(base + site.broken[0].lstrip("/"))[0] == 404
            status, headers, _ = fetch(base + site.attachments[0].lstrip("/"))
            assert status == 200 and headers["Content-Type"].startswith("application/")


@pytest.mark.parametrize("kind", KINDS)
def test_gongkai_crawl_stores_every_page(tmp_path: Path, city, kind: str) -> None:
    root, sites = city
    with sitegen.serve(root, sites, prefer_nginx=kind == "nginx", install_nginx=False) as served:
        config_dir = sitegen.write_config(tmp_path / "config", served, sites)
        config = conf.load_config(config_dir)
        assert [s.id for s in config.sites] == ["s001", "s002", "s003"]
        store = Store(f"sqlite:///{tmp_path / 'crawl.db'}")
        run_id = store.start_run(sitegen.AS_OF, str(config_dir), config.sites)
        code = run_crawl(config_dir, store.url, run_id, None, log_file=tmp_path / "crawl.log")
        assert code == 0
        query = sa.text(
            "SELECT site_id, url, kind, status, page_type, encoding FROM pages WHERE run_id = :r"
        )
        with store.engine.connect() as db:
            rows = db.execute(query, {"r": run_id}).all()
        store.close()
    for site in sites:
        base = served.bases[site.id].rstrip("/")
        mine = [r for r in rows if r.site_id == site.id]
        parsed = {r.url for r in mine if r.kind == "page" and r.status == 200 and r.page_type}
        assert parsed == {base + p for p in site.html_paths}
        not_found = {r.url for r in mine if r.status == 404}
        assert {base + p for p in site.broken} <= not_found
        encodings = {r.encoding for r in mine if r.kind == "page" and r.status == 200}
        assert encodings == ({"gb18030"} if site.encoding == "gbk" else {"utf-8"})
        assert {base + p for p in site.attachments} <= {r.url for r in mine if r.status == 200}


def test_generated_annual_reports_are_read_by_the_crawl(tmp_path: Path) -> None:
    # Opt-in (the recrawl bench): each site lists its last reports as PDFs on its 指南 page,
    # which the crawl reads as annual reports, tables included. The HTML pages stay as many.
    sites = sitegen.generate(tmp_path / "city", 2, 60, reports=2)
    assert [s.html_pages for s in sites] == [60, 60]
    assert [s.reports for s in sites] == [["/xxgkzn/nb2025.pdf", "/xxgkzn/nb2024.pdf"]] * 2
    with sitegen.serve(tmp_path / "city", sites, prefer_nginx=False) as served:
        config_dir = sitegen.write_config(tmp_path / "config", served, sites)
        config = conf.load_config(config_dir)
        store = Store(f"sqlite:///{tmp_path / 'crawl.db'}")
        run_id = store.start_run(sitegen.AS_OF, str(config_dir), config.sites)
        assert run_crawl(config_dir, store.url, run_id, None, log_file=tmp_path / "c.log") == 0
        query = sa.text("SELECT site_id, url, year, format, data, error FROM annual_reports")
        with store.engine.connect() as db:
            rows = db.execute(query).all()
        store.close()
    got = {(r.site_id, r.url, r.year, r.format, r.error) for r in rows}
    assert got == {
        (s.id, served.bases[s.id].rstrip("/") + f"/xxgkzn/nb{y}.pdf", y, "pdf", None)
        for s in sites
        for y in (2025, 2024)
    }
    assert all(r.data for r in rows)  # tables read, not only a title
    with pytest.raises(ValueError):
        sitegen.generate(tmp_path / "more", 1, 60, reports=3)


def test_mutate_changes_validators(tmp_path: Path) -> None:
    sites = sitegen.generate(tmp_path, 2, 60)
    before = {
        (s.id, p): (s.dir / (p.lstrip("/") or "index.html")).read_bytes()
        for s in sites
        for p in s.html_paths
    }
    with sitegen.serve(tmp_path, sites, prefer_nginx=False) as served:
        url = served.bases["s001"] + sites[0].article_paths[0].lstrip("/")
        etag = fetch(url)[1]["ETag"]
        changed = sitegen.mutate(tmp_path, sites, 0.1)
        urls = sitegen.changed_urls(served, changed)
        # 10% of each site's articles, one new article, its list page and the home page.
        assert len(changed) == sum(round(0.1 * (s.articles - 1)) + 3 for s in sites)
        for item, full in zip(changed, urls, strict=True):
            sid, path = item.split(":", 1)
            site = next(s for s in sites if s.id == sid)
            status, headers, body = fetch(full, {"If-None-Match": etag})
            assert status == 200 and body != before.get((sid, path))
            assert path in site.html_paths
        new_article = changed[-3].split(":", 1)[1]
        assert new_article.encode() in fetch(sitegen.changed_urls(served, [changed[-2]])[0])[2]
        unchanged = next(p for p in sites[1].article_paths if f"s002:{p}" not in changed)
        first = fetch(served.bases["s002"] + unchanged.lstrip("/"))[1]["ETag"]
        assert (
            fetch(served.bases["s002"] + unchanged.lstrip("/"), {"If-None-Match": first})[0] == 304
        )
    assert sitegen.load(tmp_path)[0].html_pages == 61


def test_delay_jitter_reaches_scrapy(tmp_path: Path, city) -> None:
    root, sites = city
    served = sitegen.Served(
        bases={s.id: f"http://127.0.0.1:{9000 + i}/" for i, s in enumerate(sites)},
        kind="python",
        pids=[],
    )
    for jitter, expected in ((None, 0.0), (0.3, 0.3)):
        config_dir = sitegen.write_config(
            tmp_path / f"c{jitter}", served, sites, delay=0.25, delay_jitter=jitter, rules=False
        )
        spider = SiteSpider(run_id=1, config=str(config_dir))
        settings = Settings()  # Scrapy's defaults: DOWNLOAD_DELAY_JITTER 0.5
        assert _default_jitter(settings) == 0.5
        spider.apply_settings(settings)
        assert _default_jitter(settings) == expected
        assert settings.getfloat("DOWNLOAD_DELAY") == 0.25


def test_floor_spider_fetches_exactly_the_listed_pages(tmp_path: Path, city) -> None:
    # The synthetic-city bench's fetch-only floor (issue 7) must fetch every listed page once
    # and nothing else, so its CPU per page is Scrapy's own cost for the same pages.
    from bench import synth_bench

    root, sites = city
    with sitegen.serve(root, sites[:1], prefer_nginx=False) as served:
        urls = [served.bases[sites[0].id].rstrip("/") + p for p in sites[0].html_paths]
        spec = {"urls": urls, "per_host": 4, "total": 8, "delay": 0, "tmp": str(tmp_path)}
        result = synth_bench.worker_bare(spec)
    assert result["exit"] == 0
    assert result["html"] == len(urls) == 60
    # robots.txt, then each page once: no link was followed.
    assert result["requests"] == len(urls) + 1
