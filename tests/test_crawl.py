"""Crawl tests: the real `scrapy crawl site` subprocess against real HTTP servers on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from twisted.internet import error as txerror
from twisted.python.failure import Failure

import conf
import store as store_mod
from crawlers.run import run_crawl
from crawlers.spiders.site import classify_failure
from store import Store
from tests.siteserver import SiteServer

REPO = Path(__file__).resolve().parents[1]
HTML = {"Content-Type": "text/html; charset=utf-8"}
UA = "gongkai-test/1.0 (+https://example.org/gongkai)"


def page(title: str, body: str = "") -> str:
    """A small UTF-8 HTML page."""
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><h1>{title}</h1>{body}</body></html>"
    )


def links(*hrefs: str) -> str:
    """Anchors to `hrefs`, one per line."""
    return "".join(f'<p><a href="{h}">链接{i}</a></p>' for i, h in enumerate(hrefs))


def list_page(title: str, entries: list[tuple[str, str, str]], next_href: str | None) -> str:
    """A column list page: dated entries and an optional 下一页 link."""
    rows = "".join(
        f'<li><a href="{href}">{text}</a><span class="date">{date}</span></li>'
        for href, text, date in entries
    )
    nxt = f'<div class="page"><a href="{next_href}">下一页</a></div>' if next_href else ""
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="crumb">首页 &gt; 政府信息公开 &gt; {title}</div>'
        f'<div class="column"><ul class="list">{rows}</ul>{nxt}</div>'
        "</body></html>"
    )


def article(title: str, text: str) -> str:
    """An article page without a visible date (its date comes from the list)."""
    para = f"<p>{text}</p>" * 3
    return (
        f'<html><head><meta charset="utf-8"><title>{title}</title></head><body>'
        f'<div class="article"><h1>{title}</h1><div class="content">{para}</div></div>'
        "</body></html>"
    )


def free_port() -> int:
    """A port nothing listens on (bound once, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(root: Path, sites: list[dict[str, Any]], crawl: dict[str, Any]) -> Path:
    """Write a config directory (sites.yaml, settings.yaml, the shipped rules)."""
    import json

    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "config" / "rules", root / "rules", dirs_exist_ok=True)
    # JSON is YAML: no quoting surprises for URLs and Chinese names.
    (root / "sites.yaml").write_text(json.dumps({"sites": sites}, ensure_ascii=False), "utf-8")
    (root / "settings.yaml").write_text(json.dumps({"crawl": crawl}, ensure_ascii=False), "utf-8")
    return root


def site(sid: str, url: str, **extra: Any) -> dict[str, Any]:
    """A sites.yaml entry."""
    return {"id": sid, "name": f"测试站点{sid}", "kind": "government", "start_urls": [url], **extra}


@dataclass
class Crawl:
    """One finished crawl: exit code, progress lines and the stored rows."""

    rc: int
    run_id: int
    progress: list[str]
    rows: list[dict[str, Any]]
    servers: dict[str, SiteServer] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def row(self, site_id: str, url: str) -> dict[str, Any]:
        """The stored row of `url` for `site_id` (KeyError if absent)."""
        for r in self.rows:
            if r["site_id"] == site_id and r["url"] == url:
                return r
        raise KeyError((site_id, url))

    def urls(self, site_id: str) -> set[str]:
        """All URLs stored for a site."""
        return {r["url"] for r in self.rows if r["site_id"] == site_id}


def crawl_once(tmp: Path, sites: list[dict[str, Any]], crawl: dict[str, Any], **kw: Any) -> Crawl:
    """Write the config, open a run in a temp SQLite store, crawl it and read the rows back."""
    cfg = write_config(tmp / "config", sites, crawl)
    db = f"sqlite:///{tmp / 'gongkai.db'}"
    with Store(db) as st:
        run_id = st.start_run(dt.date(2025, 1, 6), str(cfg), conf.load_config(cfg).sites)
    lines: list[str] = []
    rc = run_crawl(
        cfg,
        db,
        run_id,
        log_file=tmp / "crawl.log",
        progress=lines.append,
        **kw,
    )
    with Store(db) as st, st.engine.connect() as conn:
        result = conn.execute(
            sa.select(store_mod.pages_t).where(store_mod.pages_t.c.run_id == run_id)
        )
        rows = [dict(r._mapping) for r in result]
    return Crawl(rc=rc, run_id=run_id, progress=lines, rows=rows)


# A quick crawl: no delay, short timeout, our own User-Agent.
FAST = {"delay": 0, "timeout": 5, "user_agent": UA, "autothrottle": True, "max_bytes": 100_000}


@pytest.fixture(scope="module")
def main_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawl]:
    """Crawl seven sites in one job and keep the result for the tests below."""
    tmp = tmp_path_factory.mktemp("crawl")
    b = SiteServer().start()
    head405 = SiteServer(
        {"/doc": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 doc")}, head_status=405
    ).start()
    refused = free_port()
    b.routes.update(
        {
            "/": (200, HTML, page("乙站首页", links("/b2.html", "/b3.html"))),
            "/b2.html": (200, HTML, page("乙站页面二")),
            "/b3.html": (200, HTML, page("乙站页面三")),
            "/b4.html": (200, HTML, page("乙站页面四", links("/b5.html"))),
            "/b5.html": (200, HTML, page("乙站页面五")),
        }
    )
    gbk = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">'
        "<title>政务公开编码测试</title></head><body><h1>政务公开编码测试</h1>"
        "<p>本页使用国标编码。</p></body></html>"
    ).encode("gbk")
    a = SiteServer().start()
    a.routes.update(
        {
            "/": (
                200,
                HTML,
                page(
                    "甲站首页",
                    links(
                        "/list/index.html",
                        "/files/report.pdf",
                        "/missing.html",
                        "/gbk.html",
                        "/big.html",
                        "/empty/index.html",
                        "/moved",
                        "/away",
                        b.url("/"),
                        b.url("/b2.html"),
                        head405.url("/doc"),
                        f"http://127.0.0.1:{refused}/gone",
                        # TLS spoken to a plain-HTTP server: the handshake fails.
                        b.url("/tls").replace("http://", "https://"),
                    )
                    + '<img src="/logo.png">'
                    # Malformed links are skipped, never a crash of the page's callback.
                    + '<a href="http://[bad/x">坏链接</a><a href="http://:99999/">坏端口</a>',
                ),
            ),
            "/list/index.html": (
                200,
                HTML,
                list_page(
                    "通知公告",
                    [
                        ("/list/a1.html", "关于开展政府信息公开工作年度检查的通知", "2024-05-10"),
                        ("/list/a2.html", "关于公布政务服务事项清单的公告", "2024-04-02"),
                        ("/list/a3.html", "关于调整部分行政审批事项的通知", "2024-03-15"),
                    ],
                    "/list/index_1.html",
                ),
            ),
            "/list/index_1.html": (
                200,
                HTML,
                list_page(
                    "通知公告",
                    [
                        ("/list/a4.html", "关于做好防汛抗旱工作的通知", "2024-02-20"),
                        ("/list/a5.html", "关于印发年度工作要点的通知", "2024-01-08"),
                        ("/list/a6.html", "关于开展安全生产大检查的通知", "2023-12-01"),
                    ],
                    "/list/index_2.html",
                ),
            ),
            "/list/index_2.html": (
                200,
                HTML,
                list_page(
                    "通知公告",
                    [
                        ("/list/a7.html", "关于公布年度政府信息公开报告的公告", "2023-11-11"),
                        ("/list/a8.html", "关于征求意见的公告", "2023-10-10"),
                        ("/list/a9.html", "关于举办政务开放日活动的通知", "2023-09-09"),
                    ],
                    None,
                ),
            ),
            **{
                f"/list/a{i}.html": (200, HTML, article(f"文章{i}", "政府信息公开正文内容。" * 5))
                for i in range(1, 10)
            },
            "/files/report.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 " * 100),
            "/logo.png": (200, {"Content-Type": "image/png"}, b"\x89PNG\r\n"),
            "/empty/index.html": (
                200,
                HTML,
                '<html><head><meta charset="utf-8"><title>专项资金</title></head><body>'
                '<div class="crumb">首页 &gt; 政府信息公开 &gt; 专项资金</div>'
                '<div class="list"><p>暂无信息</p></div></body></html>',
            ),
            "/gbk.html": (200, {"Content-Type": "text/html"}, gbk),
            "/big.html": (200, HTML, page("大页面", "<p>政务公开</p>" * 20_000)),
            "/moved": (302, {"Location": "/list/a1.html"}, b""),
            "/away": (302, {"Location": b.url("/b4.html")}, b""),
        }
    )
    robots = "User-agent: *\nDisallow: /private/\n"
    robot_routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, robots),
        "/": (200, HTML, page("机器人协议测试", links("/private/secret.html", "/public.html"))),
        "/private/secret.html": (200, HTML, page("内部页面")),
        "/public.html": (200, HTML, page("公开页面")),
    }
    r_obey = SiteServer(robot_routes).start()
    blocked = SiteServer(
        {
            "/robots.txt": (200, {"Content-Type": "text/plain"}, "User-agent: *\nDisallow: /\n"),
            "/": (200, HTML, page("禁止抓取")),
        }
    ).start()
    r_ignore = SiteServer(robot_routes).start()
    chain = {
        f"/p{i}.html": (200, HTML, page(f"第{i}层", links(f"/p{i + 1}.html"))) for i in range(1, 6)
    }
    chain["/"] = (200, HTML, page("深度测试", links("/p1.html")))
    deep = SiteServer(chain).start()
    wide = SiteServer(
        {
            "/": (200, HTML, page("数量测试", links(*[f"/w{i}.html" for i in range(10)]))),
            **{f"/w{i}.html": (200, HTML, page(f"页面{i}")) for i in range(10)},
        }
    ).start()
    dead_start = f"http://127.0.0.1:{free_port()}/"
    sites = [
        site("a", a.url("/")),
        site("b", b.url("/")),
        site("robots", r_obey.url("/")),
        site("norobots", r_ignore.url("/"), obey_robots=False),
        site("deep", deep.url("/"), max_depth=2),
        site("wide", wide.url("/"), max_pages=4),
        site("dead", dead_start),
        site("blocked", blocked.url("/")),
        site("hop", a.url("/away")),
    ]
    servers = {
        "a": a,
        "b": b,
        "head405": head405,
        "robots": r_obey,
        "norobots": r_ignore,
        "blocked": blocked,
        "deep": deep,
        "wide": wide,
    }
    try:
        result = crawl_once(tmp, sites, FAST)
        result.servers = servers
        result.extra = {"refused": refused, "dead_start": dead_start}
        yield result
    finally:
        for server in servers.values():
            server.stop()


def test_crawl_exits_zero_and_reports_progress(main_crawl: Crawl) -> None:
    assert main_crawl.rc == 0
    assert main_crawl.progress and main_crawl.progress[-1].startswith("完成：已抓取")


def test_pages_are_attributed_to_their_own_site(main_crawl: Crawl) -> None:
    a, b = main_crawl.servers["a"], main_crawl.servers["b"]
    assert main_crawl.row("a", a.url("/"))["is_home"]
    assert main_crawl.row("b", b.url("/"))["is_home"]
    assert main_crawl.row("b", b.url("/b3.html"))["status"] == 200
    for r in main_crawl.rows:
        if r["site_id"] == "b":
            assert r["url"].startswith(b.base + "/")
    assert main_crawl.row("a", a.url("/list/a1.html"))["kind"] == "page"


def test_link_to_other_site_is_external_and_not_crawled(main_crawl: Crawl) -> None:
    b = main_crawl.servers["b"]
    home = main_crawl.row("a", b.url("/"))
    assert (home["kind"], home["status"], home["method"]) == ("external", 200, "HEAD")
    assert main_crawl.row("a", b.url("/b2.html"))["kind"] == "external"
    # B's own pages belong to B's crawl only: A never recorded a page B links to.
    assert b.url("/b3.html") not in main_crawl.urls("a")
    assert all(
        r["kind"] == "external"
        for r in main_crawl.rows
        if r["site_id"] == "a" and b.base in r["url"]
    )


def test_user_agent_from_settings(main_crawl: Crawl) -> None:
    agents = {ua for _, _, ua in main_crawl.servers["a"].requests}
    assert agents == {UA}


def test_404_attachment_and_image_get_statuses(main_crawl: Crawl) -> None:
    a = main_crawl.servers["a"]
    missing = main_crawl.row("a", a.url("/missing.html"))
    assert (missing["status"], missing["error"]) == (404, None)
    pdf = main_crawl.row("a", a.url("/files/report.pdf"))
    assert (pdf["kind"], pdf["status"], pdf["method"]) == ("attachment", 200, "GET")
    assert pdf["content_type"] == "application/pdf"
    # A PDF is downloaded to scan its text (privacy_leak); this one is no real PDF.
    assert (pdf["privacy_scan"]["scanned"], pdf["privacy_scan"]["reason"]) == (False, "unreadable")
    logo = main_crawl.row("a", a.url("/logo.png"))
    assert (logo["kind"], logo["status"]) == ("image", 200)
    # Images are checked, never downloaded.
    assert "/logo.png" not in a.paths("GET")


def test_head_405_falls_back_to_get(main_crawl: Crawl) -> None:
    server = main_crawl.servers["head405"]
    row = main_crawl.row("a", server.url("/doc"))
    assert (row["kind"], row["status"], row["method"], row["error"]) == (
        "external",
        200,
        "GET",
        None,
    )
    assert server.paths("HEAD") == ["/doc"]
    assert server.paths("GET") == ["/robots.txt", "/doc"]


def test_connection_refused_link_is_an_error_row(main_crawl: Crawl) -> None:
    port = main_crawl.extra["refused"]
    row = main_crawl.row("a", f"http://127.0.0.1:{port}/gone")
    assert (row["kind"], row["status"], row["error"]) == ("external", None, "connection")


def test_tls_failure_is_an_error_row(main_crawl: Crawl) -> None:
    url = main_crawl.servers["b"].url("/tls").replace("http://", "https://")
    row = main_crawl.row("a", url)
    assert (row["kind"], row["status"], row["error"]) == ("external", None, "tls")


def test_dead_start_url_is_recorded_not_a_crash(main_crawl: Crawl) -> None:
    url = main_crawl.extra["dead_start"]
    row = main_crawl.row("dead", url)
    assert row["is_home"] and row["status"] is None and row["error"] == "connection"


def test_robots_obeyed_by_default_and_ignored_when_configured(main_crawl: Crawl) -> None:
    obey, ignore = main_crawl.servers["robots"], main_crawl.servers["norobots"]
    assert "/robots.txt" in obey.paths()
    assert "/private/secret.html" not in obey.paths()
    assert obey.url("/private/secret.html") not in main_crawl.urls("robots")
    assert main_crawl.row("robots", obey.url("/public.html"))["status"] == 200
    assert "/robots.txt" not in ignore.paths()
    assert main_crawl.row("norobots", ignore.url("/private/secret.html"))["status"] == 200


def test_start_page_forbidden_by_robots_is_reported(main_crawl: Crawl) -> None:
    blocked = main_crawl.servers["blocked"]
    assert blocked.paths() == ["/robots.txt"]
    # Only the start page gets a row, saying why (issue 8): checks report 无法检查, not down.
    assert main_crawl.urls("blocked") == {blocked.url("/")}
    row = main_crawl.row("blocked", blocked.url("/"))
    assert (row["status"], row["error"], row["is_home"]) == (None, "robots", True)
    hints = [line for line in main_crawl.progress if line.startswith("提示：")]
    assert any(blocked.url("/") in line and "obey_robots" in line for line in hints)


def test_start_page_redirected_off_site_is_reported(main_crawl: Crawl) -> None:
    a, b = main_crawl.servers["a"], main_crawl.servers["b"]
    row = main_crawl.row("hop", a.url("/away"))
    assert (row["is_home"], row["status"], row["final_url"]) == (True, 200, b.url("/b4.html"))
    assert main_crawl.urls("hop") == {a.url("/away")}
    assert any(
        line.startswith("提示：起始页") and b.url("/b4.html") in line
        for line in main_crawl.progress
    )


def test_max_depth_cap(main_crawl: Crawl) -> None:
    deep = main_crawl.servers["deep"]
    assert {deep.url("/"), deep.url("/p1.html"), deep.url("/p2.html")} == main_crawl.urls("deep")
    assert "/p3.html" not in deep.paths()


def test_max_pages_cap(main_crawl: Crawl) -> None:
    wide = main_crawl.servers["wide"]
    pages = [r for r in main_crawl.rows if r["site_id"] == "wide"]
    assert len(pages) == 4 and all(r["kind"] == "page" for r in pages)
    assert len([p for p in wide.paths("GET") if p != "/robots.txt"]) == 4


def test_gbk_page_is_decoded(main_crawl: Crawl) -> None:
    row = main_crawl.row("a", main_crawl.servers["a"].url("/gbk.html"))
    assert row["title"] == "政务公开编码测试"
    assert row["encoding"] and row["encoding"].lower().replace("-", "") in {"gbk", "gb18030"}


def test_paginated_list_pages_share_column_key(main_crawl: Crawl) -> None:
    a = main_crawl.servers["a"]
    first = a.url("/list/index.html")
    keys = {
        main_crawl.row("a", a.url(p))["column_key"]
        for p in ("/list/index.html", "/list/index_1.html", "/list/index_2.html")
    }
    assert keys == {first}
    assert main_crawl.row("a", first)["page_type"] == "list"
    # Pagination does not count as depth: the last list page sits at the first one's depth.
    assert main_crawl.row("a", a.url("/list/index_2.html"))["depth"] == 1


def test_placeholder_list_page_is_flagged(main_crawl: Crawl) -> None:
    row = main_crawl.row("a", main_crawl.servers["a"].url("/empty/index.html"))
    assert row["placeholder"] is True
    assert (
        main_crawl.row("a", main_crawl.servers["a"].url("/list/index.html"))["placeholder"] is False
    )


def test_list_date_reaches_entry_pages(main_crawl: Crawl) -> None:
    row = main_crawl.row("a", main_crawl.servers["a"].url("/list/a7.html"))
    assert row["pub_date"] == dt.date(2023, 11, 11)
    assert row["date_source"] == "list"
    assert row["depth"] == 2


def test_page_over_max_bytes_is_too_large(main_crawl: Crawl) -> None:
    row = main_crawl.row("a", main_crawl.servers["a"].url("/big.html"))
    assert (row["status"], row["error"]) == (None, "too_large")


def test_redirects_record_final_url_and_stop_off_site(main_crawl: Crawl) -> None:
    a, b = main_crawl.servers["a"], main_crawl.servers["b"]
    moved = main_crawl.row("a", a.url("/moved"))
    assert (moved["status"], moved["final_url"]) == (200, a.url("/list/a1.html"))
    away = main_crawl.row("a", a.url("/away"))
    assert (away["status"], away["final_url"]) == (200, b.url("/b4.html"))
    assert away["title"] is None  # checked, not parsed
    assert "/b5.html" not in b.paths()


def test_sites_subset(tmp_path: Path) -> None:
    one = SiteServer({"/": (200, HTML, page("一号站"))}).start()
    two = SiteServer({"/": (200, HTML, page("二号站"))}).start()
    try:
        result = crawl_once(
            tmp_path,
            [site("one", one.url("/")), site("two", two.url("/"))],
            FAST,
            site_ids=["two"],
        )
    finally:
        one.stop()
        two.stop()
    assert result.rc == 0
    assert {r["site_id"] for r in result.rows} == {"two"}
    assert one.requests == []


def test_progress_lines_while_crawling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GONGKAI_PROGRESS_INTERVAL", "0.2")
    server = SiteServer(
        {
            "/": (200, HTML, page("进度测试", links(*[f"/s{i}.html" for i in range(6)]))),
            **{f"/s{i}.html": (200, HTML, page(f"页面{i}")) for i in range(6)},
        }
    ).start()
    try:
        # A per-site delay makes the crawl last long enough for periodic lines.
        result = crawl_once(tmp_path, [site("slow", server.url("/"), delay=0.3)], FAST)
    finally:
        server.stop()
    assert result.rc == 0
    periodic = [line for line in result.progress if line.startswith("进度：")]
    assert periodic
    assert re.fullmatch(r"进度：已抓取 \d+ 页，队列 -?\d+，错误 \d+，用时 \d+s", periodic[0])
    assert result.progress[-1].startswith("完成：已抓取 7 页，错误 0")


def test_rerun_resumes_from_store(tmp_path: Path) -> None:
    server = SiteServer(
        {
            "/": (200, HTML, page("续抓测试", links("/r1.html"))),
            "/r1.html": (200, HTML, page("页面")),
        }
    ).start()
    try:
        first = crawl_once(tmp_path, [site("resume", server.url("/"))], FAST)
        seen = list(server.requests)
        rc = run_crawl(
            tmp_path / "config",
            f"sqlite:///{tmp_path / 'gongkai.db'}",
            first.run_id,
        )
    finally:
        server.stop()
    assert first.rc == 0 and rc == 0
    assert len(first.rows) == 2
    # Everything was already fetched in this run: the resumed job asks the server nothing.
    assert server.requests == seen


def test_timeout_and_dns_failure_become_error_rows(tmp_path: Path) -> None:
    slow = SiteServer(
        {
            "/": (200, HTML, page("超时测试", links("/slow.html", "http://gongkai-test.invalid/"))),
            "/slow.html": (200, HTML, page("慢页面")),
        },
        delays={"/slow.html": 2.5},
    ).start()
    try:
        result = crawl_once(tmp_path, [site("slow", slow.url("/"))], {**FAST, "timeout": 1})
    finally:
        slow.stop()
    assert result.rc == 0
    timed_out = result.row("slow", slow.url("/slow.html"))
    assert (timed_out["status"], timed_out["error"]) == (None, "timeout")
    unresolved = result.row("slow", "http://gongkai-test.invalid/")
    assert (unresolved["kind"], unresolved["error"]) == ("external", "dns")


def test_unknown_site_fails(tmp_path: Path) -> None:
    result = crawl_once(tmp_path, [site("one", "http://127.0.0.1:9/")], FAST, site_ids=["nope"])
    assert result.rc != 0
    assert result.rows == []


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (txerror.DNSLookupError("no such host"), "dns"),
        (txerror.TimeoutError(), "timeout"),
        (txerror.ConnectionRefusedError(), "connection"),
        (txerror.ConnectionLost(), "connection"),
        (ValueError("odd"), "other:ValueError: odd"),
    ],
)
def test_classify_failure(exc: Exception, code: str) -> None:
    assert classify_failure(Failure(exc)) == code


def test_classify_tls_failure_inside_response_never_received() -> None:
    from OpenSSL import SSL
    from scrapy.exceptions import DownloadFailedError
    from twisted.web._newclient import ResponseNeverReceived

    tls = ResponseNeverReceived([Failure(SSL.Error([("SSL routines", "", "bad certificate")]))])
    assert classify_failure(Failure(tls)) == "tls"
    # As Scrapy re-raises it: DownloadFailedError from ResponseNeverReceived.
    try:
        try:
            raise tls
        except ResponseNeverReceived as inner:
            raise DownloadFailedError(str(inner)) from inner
    except DownloadFailedError as outer:
        wrapped = outer
    assert classify_failure(Failure(wrapped)) == "tls"
