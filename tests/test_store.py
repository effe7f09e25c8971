"""Tests for store.py against a real SQLite file and the real PostgreSQL server."""

from __future__ import annotations

import datetime as dt
import pathlib
import secrets
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa

import store
from checks.history import History, annotate, load_previous
from checks.model import Finding, Outcome
from conf import Site
from crawlers.items import DateCandidate, EntryOut, LinkOut, PageItem
from store import Store, StoreError

AS_OF = dt.date(2024, 6, 30)

Opener = Callable[[], Store]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def open_store(request: pytest.FixtureRequest, tmp_path) -> Iterator[Opener]:
    """Yield a function opening a Store on a fresh database of the parametrised backend."""
    opened: list[Store] = []
    schema: str | None = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db' / 'gongkai.db'}"
    else:
        url = request.getfixturevalue("pg_url")
        schema = f"gk_test_{secrets.token_hex(6)}"

    def opener() -> Store:
        s = Store(url, schema=schema)
        opened.append(s)
        return s

    yield opener
    for s in opened:
        s.close()
    if schema is not None:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def site(site_id: str = "city", **kw) -> Site:
    """Return a site config."""
    base = {
        "id": site_id,
        "name": "样例市人民政府",
        "kind": "government",
        "start_urls": [f"http://{site_id}.example.gov.cn/"],
    }
    return Site(**(base | kw))


def count(s: Store, table: sa.Table, run_id: int) -> int:
    """Return how many rows a table holds for a run."""
    with s.engine.connect() as conn:
        return conn.execute(
            sa.select(sa.func.count()).select_from(table).where(table.c.run_id == run_id)
        ).scalar_one()


# -- runs ----------------------------------------------------------------------------------------


def test_runs_are_kept_with_site_snapshot(open_store: Opener) -> None:
    s = open_store()
    sites = [
        site("city", regulator="市政务公开办", not_applicable=["fiscal"]),
        site(
            "water",
            name="样例水务集团",
            kind="enterprise",
            sector="water",
            profile="enterprise-water",
            allowed_domains=["water.example.cn:8080"],
        ),
    ]
    first = s.start_run(AS_OF, "/etc/gongkai", sites)
    s.finish_run(first, "complete", {"pages": 12, "备注": "完成"})
    second = s.start_run(AS_OF + dt.timedelta(days=1), "/etc/gongkai", sites[:1])
    assert second > first
    s.close()

    s = open_store()  # a new process sees every run
    assert [r.id for r in s.runs()] == [first, second]
    assert s.latest_run_id() == second
    assert s.latest_run_id("complete") == first
    assert s.latest_run_id("failed") is None

    done = s.get_run(first)
    assert done.status == "complete"
    assert done.as_of == AS_OF
    assert done.config_dir == "/etc/gongkai"
    assert done.stats == {"pages": 12, "备注": "完成"}
    assert done.started_at.tzinfo is not None
    assert done.finished_at is not None and done.finished_at >= done.started_at
    running = s.get_run(second)
    assert running.status == "running" and running.finished_at is None
    assert running.as_of == dt.date(2024, 7, 1)

    infos = s.run_sites(first)
    assert [i.site_id for i in infos] == ["city", "water"]
    assert infos[0].name == "样例市人民政府"
    assert infos[0].regulator == "市政务公开办"
    assert infos[0].not_applicable == ["fiscal"]
    assert infos[0].allowed_domains is None
    assert infos[1].kind == "enterprise" and infos[1].sector == "water"
    assert infos[1].profile == "enterprise-water"
    assert infos[1].start_urls == ["http://water.example.gov.cn/"]
    assert infos[1].allowed_domains == ["water.example.cn:8080"]
    assert [i.site_id for i in s.run_sites(second)] == ["city"]

    with pytest.raises(StoreError, match="找不到运行"):
        s.get_run(second + 100)
    with pytest.raises(ValueError):
        s.finish_run(first, "done", {})


# -- pages ---------------------------------------------------------------------------------------

HOME = "http://city.example.gov.cn/"
COL = "http://city.example.gov.cn/zwgk/tzgg/index.html"
COL_P2 = "http://city.example.gov.cn/zwgk/tzgg/index_2.html"
COL_P10 = "http://city.example.gov.cn/zwgk/tzgg/index_10.html"
LONE = "http://city.example.gov.cn/zwgk/zcwj/list.html"
ART = "http://city.example.gov.cn/zwgk/tzgg/202406/t20240601_1.html"
PDF = "http://city.example.gov.cn/files/report.pdf"
EXT = "https://www.gov.cn/"


def list_page(run_id: int, url: str, dates: list[str | None], **kw) -> PageItem:
    """Return a list page item whose entries carry these dates in order."""
    entries = [
        EntryOut(title=f"{url[-12:]} 通知{i}", url=f"{url}#e{i}", date=d, position=i)
        for i, d in enumerate(dates)
    ]
    base = {
        "run_id": run_id,
        "site_id": "city",
        "url": url,
        "kind": "page",
        "status": 200,
        "page_type": "list",
        "depth": 1,
        "entries": entries,
    }
    return PageItem(**(base | kw))


def test_add_page_is_idempotent(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site()])
    links = [
        LinkOut(url=ART, text="关于开展检查的通知", kind="page"),
        LinkOut(url=ART, text="更多", kind="page"),  # same target twice on one page
        LinkOut(url=PDF, text="年度报告", kind="attachment"),
    ]
    item = list_page(run_id, COL, ["2024-06-01", "2024-05-20", None], links=links, title="通知公告")
    s.add_page(item)
    assert count(s, store.links_t, run_id) == 2
    assert count(s, store.entries_t, run_id) == 3

    s.add_page(item)  # a resumed crawl fetches it again
    assert count(s, store.pages_t, run_id) == 1
    assert count(s, store.links_t, run_id) == 2
    assert count(s, store.entries_t, run_id) == 3

    changed = list_page(
        run_id, COL, ["2024-06-02"], links=[LinkOut(url=PDF, text="报告", kind="attachment")]
    )
    s.add_page(changed)  # the newest copy replaces the page with its links and entries
    snap = s.load_snapshot(run_id, "city")
    assert [(lk.target_url, lk.text) for lk in snap.links] == [(PDF, "报告")]
    assert [e.date for e in snap.columns[0].entries] == [dt.date(2024, 6, 2)]
    assert snap.pages[COL].title is None

    # Batch variant: one transaction, duplicates within the batch keep the last copy.
    other = PageItem(run_id=run_id, site_id="city", url=EXT, kind="external", status=200)
    s.add_pages([item, other, changed, other])
    assert count(s, store.pages_t, run_id) == 2
    assert count(s, store.links_t, run_id) == 1
    assert count(s, store.entries_t, run_id) == 1
    assert s.fetched_urls(run_id) == {COL, EXT}
    s.add_pages([])


def test_long_urls_are_stored(open_store: Opener) -> None:
    # Scrapy fetches URLs up to 2083 characters; links found on them may be longer still.
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site()])
    source = HOME + "search?q=" + "x" * 2070
    target = HOME + "download?id=" + "y" * 2500
    s.add_page(
        list_page(
            run_id,
            source,
            ["2024-01-01"],
            links=[
                LinkOut(url=target, text="下载", kind="attachment"),
                LinkOut(url=target, text="再次下载", kind="attachment"),
            ],
        )
    )
    first = s.load_snapshot(run_id, "city").links
    assert [(lk.target_url, lk.text, lk.kind) for lk in first] == [(target, "下载", "attachment")]
    s.add_page(list_page(run_id, source, ["2024-01-01"], links=[LinkOut(target, "下载", "page")]))
    snap = s.load_snapshot(run_id, "city")
    assert [(lk.source_url, lk.target_url, lk.text) for lk in snap.links] == [
        (source, target, "下载")
    ]
    assert snap.columns[0].pages == [source]


def test_same_url_in_two_sites_and_runs(open_store: Opener) -> None:
    s = open_store()
    run_a = s.start_run(AS_OF, "cfg", [site("city"), site("dept")])
    run_b = s.start_run(AS_OF, "cfg", [site("city")])
    s.add_page(PageItem(run_id=run_a, site_id="city", url=EXT, kind="external", status=200))
    s.add_page(PageItem(run_id=run_a, site_id="dept", url=EXT, kind="external", status=404))
    s.add_page(PageItem(run_id=run_b, site_id="city", url=EXT, kind="external", error="timeout"))
    s.add_page(PageItem(run_id=run_a, site_id="city", url=HOME, kind="page", status=200))

    assert s.fetched_urls(run_a) == {EXT, HOME}
    assert s.fetched_urls(run_a, "dept") == {EXT}
    assert s.fetched_urls(run_b) == {EXT}
    assert s.load_snapshot(run_a, "city").pages[EXT].ok
    assert s.load_snapshot(run_a, "dept").pages[EXT].status == 404
    assert s.load_snapshot(run_b, "city").pages[EXT].error == "timeout"
    assert s.page_counts(run_a) == {
        "city": {"pages": 2, "ok": 2, "errors": 0, "html": 1},
        "dept": {"pages": 1, "ok": 0, "errors": 1, "html": 0},
    }
    assert s.page_counts(run_b) == {"city": {"pages": 1, "ok": 0, "errors": 1, "html": 0}}
    assert s.page_counts(run_b + 1) == {}


def test_snapshot_contents(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site()])
    home = PageItem(
        run_id=run_id,
        site_id="city",
        url=HOME,
        kind="page",
        status=200,
        is_home=True,
        page_type="home",
        title="样例市人民政府门户网站",
        fetched_at="2024-06-30T01:02:03+00:00",
        encoding="gb18030",
        metas={"SiteName": "样例市人民政府", "SiteDomain": "city.example.gov.cn"},
        links=[
            LinkOut(url=COL, text="通知公告", kind="page"),
            LinkOut(url=EXT, text="中国政府网", kind="page"),
        ],
        entries=[EntryOut(title="首页要闻", url=ART, date="2024-06-01", position=0)],
    )
    # Pagination pages arrive out of order, as concurrent crawling delivers them.
    p10 = list_page(
        run_id, COL_P10, ["2023-01-02", "2023-01-01"], column_key=COL, column="通知公告"
    )
    p2 = list_page(run_id, COL_P2, ["2024-03-01"], column_key=COL, column="通知公告")
    p1 = list_page(
        run_id,
        COL,
        ["2024-06-01", "2024-05-20"],
        column_key=COL,
        column="通知公告",
        column_source="breadcrumb",
        title="通知公告_样例市",
        links=[LinkOut(url=ART, text="关于开展检查的通知", kind="page")],
    )
    lone = list_page(run_id, LONE, ["2024-02-29", None], title="政策文件_样例市")
    article = PageItem(
        run_id=run_id,
        site_id="city",
        url=ART,
        kind="page",
        status=200,
        final_url=ART + "?from=list",
        content_type="text/html; charset=utf-8",
        depth=2,
        referer=COL,
        page_type="article",
        title="关于开展检查的通知",
        pub_date="2024-06-01",
        date_source="visible",
        date_candidates=[
            DateCandidate(source="visible", value="2024-06-01T09:30"),
            DateCandidate(source="meta", value="2024-05-31"),
        ],
        column="通知公告",
        column_source="meta",
        metas={"ColumnName": "通知公告", "PubDate": "2024-05-31 18:00"},
        text_snippet="为进一步做好政务公开工作……",
    )
    missing = PageItem(
        run_id=run_id, site_id="city", url=PDF, kind="attachment", status=404, method="HEAD"
    )
    lone.placeholder = True
    s.add_pages([home, p10, lone])
    s.add_pages([p2, article, missing, p1])

    snap = s.load_snapshot(run_id, "city")
    assert snap.run_id == run_id and snap.site_id == "city"
    assert snap.start_urls == [HOME]
    assert snap.home is not None and snap.home.url == HOME
    assert set(snap.pages) == {HOME, COL, COL_P2, COL_P10, LONE, ART, PDF}

    h = snap.pages[HOME]
    assert h.is_home and h.page_type == "home" and h.ok
    assert h.fetched_at == "2024-06-30T01:02:03+00:00"
    assert h.metas == {"SiteName": "样例市人民政府", "SiteDomain": "city.example.gov.cn"}

    a = snap.pages[ART]
    assert a.pub_date == dt.date(2024, 6, 1)
    assert a.date_source == "visible"
    assert a.date_candidates == [("visible", "2024-06-01T09:30"), ("meta", "2024-05-31")]
    assert (a.final_url, a.referer, a.depth) == (ART + "?from=list", COL, 2)
    assert a.content_type == "text/html; charset=utf-8"
    assert (a.column, a.column_source) == ("通知公告", "meta")
    assert a.metas["PubDate"] == "2024-05-31 18:00"
    assert a.text_snippet == "为进一步做好政务公开工作……"
    assert not a.is_home

    bad = snap.pages[PDF]
    assert bad.kind == "attachment" and bad.status == 404 and not bad.ok
    assert bad.pub_date is None and bad.date_candidates == [] and bad.metas == {}

    by_link = {(lk.source_url, lk.target_url): lk for lk in snap.links}
    assert set(by_link) == {(HOME, COL), (HOME, EXT), (COL, ART)}
    assert by_link[(HOME, COL)].on_home and by_link[(HOME, EXT)].on_home
    assert by_link[(HOME, EXT)].text == "中国政府网"
    assert not by_link[(COL, ART)].on_home

    # The home page's entries form their own column (read by homepage_stale); the paginated
    # column is one column in page order.
    assert [c.key for c in snap.columns] == [HOME, COL, LONE]
    home_col, col, lone_col = snap.columns
    assert [(e.title, e.date) for e in home_col.entries] == [("首页要闻", dt.date(2024, 6, 1))]
    assert col.pages == [COL, COL_P2, COL_P10]
    assert (col.name, col.name_source) == ("通知公告", "breadcrumb")
    assert [(e.page_url, e.position) for e in col.entries] == [
        (COL, 0),
        (COL, 1),
        (COL_P2, 0),
        (COL_P10, 0),
        (COL_P10, 1),
    ]
    assert [e.date for e in col.entries] == [
        dt.date(2024, 6, 1),
        dt.date(2024, 5, 20),
        dt.date(2024, 3, 1),
        dt.date(2023, 1, 2),
        dt.date(2023, 1, 1),
    ]
    assert all(e.column_key == COL for e in col.entries)
    assert col.entries[0].title == f"{COL[-12:]} 通知0"
    assert col.entries[0].url == f"{COL}#e0"
    assert col.newest is not None and col.newest.date == dt.date(2024, 6, 1)

    assert snap.pages[LONE].placeholder and not snap.pages[COL].placeholder
    assert lone_col.pages == [LONE]
    assert (lone_col.name, lone_col.name_source) == ("政策文件_样例市", "title")
    assert [e.date for e in lone_col.entries] == [dt.date(2024, 2, 29), None]

    with pytest.raises(StoreError, match="没有站点"):
        s.load_snapshot(run_id, "nowhere")


def test_reopen_run_for_resuming(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "/etc/gongkai", [site()])
    s.finish_run(run_id, "incomplete", {"crawl_exit": -9})
    s.add_page(PageItem(run_id=run_id, site_id="city", url=HOME, kind="page", status=200))
    s.close()

    s = open_store()  # the resuming process
    run = s.reopen_run(run_id)
    assert (run.id, run.status, run.finished_at) == (run_id, "running", None)
    assert (run.as_of, run.config_dir) == (AS_OF, "/etc/gongkai")
    assert run.stats == {"resumed": 1}  # the failed attempt's exit code no longer applies
    assert s.get_run(run_id) == run
    assert s.fetched_urls(run_id) == {HOME}  # stored pages stay
    assert [i.site_id for i in s.run_sites(run_id)] == ["city"]

    s.reopen_run(run_id)  # a run killed with its CLI stays running; it resumes too
    s.finish_run(run_id, "complete", s.get_run(run_id).stats)
    assert s.get_run(run_id).stats == {"resumed": 2}
    with pytest.raises(StoreError, match="已完成"):
        s.reopen_run(run_id)
    assert s.get_run(run_id).status == "complete"
    with pytest.raises(StoreError, match="找不到运行"):
        s.reopen_run(run_id + 100)


def test_page_item_returns_what_was_stored(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site(), site("dept")])
    item = list_page(
        run_id,
        COL,
        ["2024-06-01", None],
        column_key=COL,
        column="通知公告",
        column_source="breadcrumb",
        title="通知公告",
        final_url=COL + "?page=1",
        content_type="text/html; charset=gbk",
        size=2048,
        referer=HOME,
        fetched_at="2024-06-30T01:02:03+00:00",
        encoding="gb18030",
        pub_date="2024-06-01",
        date_source="list",
        date_candidates=[DateCandidate(source="url", value="2024-06-01")],
        metas={"ColumnName": "通知公告"},
        links=[
            LinkOut(url=ART, text="关于开展检查的通知", kind="page"),
            LinkOut(url=PDF, text="年度报告", kind="attachment"),
            LinkOut(url=EXT, text="中国政府网", kind="external"),
        ],
        text_snippet="通知公告 关于开展检查的通知",
        placeholder=True,
        # TRS createPageHTML pages are no links: only next_pages remembers them.
        next_pages=[COL_P2, COL_P10],
    )
    s.add_page(item)
    s.add_page(PageItem(run_id=run_id, site_id="dept", url=COL, kind="external", status=404))

    assert s.page_item(run_id, "city", COL) == item
    assert s.page_item(run_id, "dept", COL) == PageItem(
        run_id=run_id, site_id="dept", url=COL, kind="external", status=404
    )
    assert s.page_item(run_id, "city", ART) is None
    assert s.page_item(run_id + 1, "city", COL) is None
    # Links come back once per target, as stored.
    item.links.append(LinkOut(url=ART, text="更多", kind="page"))
    s.add_page(item)
    got = s.page_item(run_id, "city", COL)
    assert got is not None and [lk.text for lk in got.links] == [
        "关于开展检查的通知",
        "年度报告",
        "中国政府网",
    ]


def test_bad_entry_date_is_rejected(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site()])
    with pytest.raises(StoreError, match="日期格式无效"):
        s.add_page(list_page(run_id, COL, ["2024-13-45"]))
    assert s.fetched_urls(run_id) == set()


# -- results -------------------------------------------------------------------------------------


def finding(subject: str, status: str = "fail", **kw) -> Finding:
    """Return a finding."""
    base = {
        "site": "city",
        "rule": "column-freshness",
        "check": "column_freshness",
        "status": status,
        "severity": "high",
        "subject": subject,
        "url": COL,
        "message": f"栏目“{subject}”已超过 90 天未更新",
        "evidence": {"newest": "2024-01-01", "pages": [COL, COL_P2], "age": {"days": 181}},
        "basis": "国办秘函〔2019〕19号",
        "title": "栏目更新及时",
    }
    return Finding(**(base | kw))


def test_results_round_trip(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site()])
    other = s.start_run(AS_OF, "cfg", [site()])
    findings = [
        finding("通知公告"),
        finding("政策文件", status="muted", mute_reason="栏目已停用，经审批", url=None),
        finding(
            "首页",
            status="pass",
            severity="low",
            evidence={"checked_on": dt.date(2024, 6, 30), "ids": {"b", "a"}, "n": None},
        ),
    ]
    outcomes = [
        Outcome(
            site="city",
            rule="column-freshness",
            check="column_freshness",
            status="fail",
            findings=3,
        ),
        Outcome(
            site="city",
            rule="home-links",
            check="link_check",
            status="pass",
            title="首页不可用链接",
            basis="国办秘函〔2019〕19号",
            severity="high",
        ),
    ]
    s.save_results(run_id, findings, outcomes)
    s.save_results(other, [finding("其他")], [])
    s.close()

    s = open_store()
    got = s.findings(run_id)
    assert got[:2] == findings[:2]
    # Evidence is stored as findings.json would show it: dates as ISO text, sets as sorted lists.
    assert got[2].evidence == {"checked_on": "2024-06-30", "ids": ["a", "b"], "n": None}
    assert got[1].mute_reason == "栏目已停用，经审批" and got[1].url is None
    assert s.outcomes(run_id) == outcomes
    assert [f.subject for f in s.findings(other)] == ["其他"]

    s.save_results(run_id, [findings[0]], [outcomes[1]])  # a re-check replaces, not appends
    assert s.findings(run_id) == [findings[0]]
    assert s.outcomes(run_id) == [outcomes[1]]
    assert [f.subject for f in s.findings(other)] == ["其他"]
    s.save_results(run_id, [], [])
    assert s.findings(run_id) == [] and s.outcomes(run_id) == []


# -- finding history -----------------------------------------------------------------------------


def test_history_round_trip(open_store: Opener) -> None:
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site(), site("water")])
    other = s.start_run(AS_OF, "cfg", [site()])
    found = [
        finding(
            "通知公告",
            fingerprint="0123456789abcdef",
            change="persisting",
            first_seen="2024-06-02",
            previous_status="muted",
        ),
        finding("政策文件", fingerprint="fedcba9876543210", change="new", first_seen="2024-06-30"),
    ]
    gone = finding(
        "人事信息",
        status="warn",
        fingerprint="00112233aabbccdd",
        change="resolved",
        first_seen="2024-05-26",
        previous_status="warn",
    )
    history = History(previous={"city": (3, "2024-06-23"), "water": None}, resolved=[gone])
    s.save_results(run_id, found, [], history)
    s.save_results(other, [finding("其他")], [])  # saved without history
    s.close()

    s = open_store()
    assert s.findings(run_id) == found
    assert s.resolved(run_id) == [gone]
    assert s.findings(run_id, site="city") == found and s.findings(run_id, site="water") == []
    # findings() keeps meaning "problems found in this run": resolved ones are apart.
    assert "人事信息" not in {f.subject for f in s.findings(run_id)}
    assert s.history(run_id) == history
    assert s.history(other) is None and s.resolved(other) == []
    plain = s.findings(other)[0]
    assert (plain.fingerprint, plain.change, plain.first_seen, plain.previous_status) == (
        "",
        None,
        None,
        None,
    )

    # A re-check replaces the history too; without history none is kept.
    s.save_results(run_id, found[:1], [], History(previous={"city": None}))
    assert s.history(run_id) == History(previous={"city": None}, resolved=[])
    s.save_results(run_id, found[:1], [])
    assert s.history(run_id) is None and s.resolved(run_id) == []


def test_previous_runs_are_the_latest_earlier_complete_run_per_site(open_store: Opener) -> None:
    s = open_store()
    week = dt.timedelta(days=7)
    r1 = s.start_run(AS_OF, "cfg", [site("city"), site("water")])
    s.finish_run(r1, "complete", {})
    r2 = s.start_run(AS_OF + week, "cfg", [site("city")])  # only city
    s.finish_run(r2, "complete", {})
    r3 = s.start_run(AS_OF + 2 * week, "cfg", [site("city"), site("water")])
    s.finish_run(r3, "incomplete", {})  # a killed crawl: never a baseline
    r4 = s.start_run(AS_OF + 3 * week, "cfg", [site("city"), site("water"), site("gas")])
    r5 = s.start_run(AS_OF + 4 * week, "cfg", [site("city")])
    s.finish_run(r5, "complete", {})  # later than r4: never a baseline for it

    prev = s.previous_runs(r4)
    assert {k: v.id for k, v in prev.items()} == {"city": r2, "water": r1}  # gas: first check
    assert prev["city"].as_of == AS_OF + week and prev["water"].as_of == AS_OF
    assert {k: v.id for k, v in s.previous_runs(r3).items()} == {"city": r2, "water": r1}
    assert {k: v.id for k, v in s.previous_runs(r2).items()} == {"city": r1}
    assert s.previous_runs(r1) == {}
    s.finish_run(r4, "complete", {})
    assert {k: v.id for k, v in s.previous_runs(r5).items()} == {"city": r4}


def test_check_history_end_to_end_in_store(open_store: Opener) -> None:
    # annotate + load_previous against the store: the path cli.do_check takes.
    s = open_store()
    r1 = s.start_run(AS_OF, "cfg", [site()])
    outcomes = [
        Outcome(site="city", rule="column-freshness", check="column_freshness", status="fail")
    ]
    f1, h1 = annotate(
        [finding("通知公告"), finding("政策文件")], outcomes, load_previous(s, r1), AS_OF
    )
    s.save_results(r1, f1, outcomes, h1)
    s.finish_run(r1, "complete", {})
    later = AS_OF + dt.timedelta(days=7)
    r2 = s.start_run(later, "cfg", [site()])
    f2, h2 = annotate([finding("通知公告")], outcomes, load_previous(s, r2), later)
    s.save_results(r2, f2, outcomes, h2)
    s.close()

    s = open_store()
    (kept,) = s.findings(r2)
    assert (kept.change, kept.first_seen, kept.previous_status) == (
        "persisting",
        "2024-06-30",
        "fail",
    )
    assert [(r.subject, r.change, r.first_seen) for r in s.resolved(r2)] == [
        ("政策文件", "resolved", "2024-06-30")
    ]
    assert s.history(r2).previous == {"city": (r1, "2024-06-30")}  # type: ignore[union-attr]
    assert s.history(r1).previous == {"city": None}  # type: ignore[union-attr]


def test_database_from_before_history_is_upgraded(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.MIGRATIONS[: store.MIGRATIONS.index(store._migration_history)]
    monkeypatch.setattr(store, "MIGRATIONS", before)
    s = open_store()
    run_id = s.start_run(AS_OF, "cfg", [site()])
    with s.engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO findings (run_id, site, rule, check_kind, status, severity, subject,"
                " message, evidence, basis, title) VALUES (:r, 'city', 'column-freshness',"
                " 'column_freshness', 'fail', 'high', '通知公告', '旧结果', '{}', '19号', '')"
            ),
            {"r": run_id},
        )
    s.finish_run(run_id, "complete", {})
    s.close()
    monkeypatch.undo()

    s = open_store()
    assert s.schema_version() == len(store.MIGRATIONS)
    (old,) = s.findings(run_id)
    assert (old.subject, old.fingerprint, old.change, old.first_seen) == (
        "通知公告",
        "",
        None,
        None,
    )
    assert s.history(run_id) is None and s.resolved(run_id) == []
    # The old run is still a baseline: its finding persists, first seen on its audit date.
    r2 = s.start_run(AS_OF + dt.timedelta(days=7), "cfg", [site()])
    f2, _ = annotate([finding("通知公告")], [], load_previous(s, r2), AS_OF + dt.timedelta(days=7))
    assert (f2[0].change, f2[0].first_seen) == ("persisting", "2024-06-30")


# -- schema and opening --------------------------------------------------------------------------


def applied(s: Store) -> list[int]:
    """Return the migration numbers recorded in schema_version."""
    with s.engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(store.schema_version.c.version).order_by(store.schema_version.c.version)
            ).scalars()
        )


def test_migrate_is_idempotent_and_appends(
    open_store: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = open_store()
    latest = len(store.MIGRATIONS)
    assert s.schema_version() == latest
    run_id = s.start_run(AS_OF, "cfg", [site()])
    s.close()

    s = open_store()
    assert s.migrate() == latest
    assert applied(s) == list(range(1, latest + 1))  # reopening applied nothing again
    s.close()

    calls = []

    def add_notes(conn: sa.Connection) -> None:
        calls.append(1)
        conn.execute(sa.text("CREATE TABLE run_notes (run_id INTEGER, note TEXT)"))
        conn.execute(sa.text("INSERT INTO run_notes SELECT id, '迁移' FROM runs"))

    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, add_notes])
    s = open_store()
    assert s.schema_version() == latest + 1
    assert calls == [1]
    with s.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT run_id, note FROM run_notes")).all() == [
            (run_id, "迁移")
        ]
    assert s.get_run(run_id).as_of == AS_OF
    s.close()
    s = open_store()
    assert calls == [1]
    assert applied(s) == list(range(1, latest + 2))


def test_failed_migration_rolls_back(open_store: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    open_store().close()
    latest = len(store.MIGRATIONS)

    def broken(conn: sa.Connection) -> None:
        conn.execute(sa.text("CREATE TABLE half_done (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO no_such_table VALUES (1)"))

    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, broken])
    with pytest.raises(StoreError, match=f"升级到版本 {latest + 1} 失败"):
        open_store()
    monkeypatch.undo()
    s = open_store()
    assert s.schema_version() == latest
    assert not sa.inspect(s.engine).has_table("half_done")


def test_newer_database_is_refused(open_store: Opener) -> None:
    s = open_store()
    with s.engine.begin() as conn:
        conn.execute(
            store.schema_version.insert().values(version=99, applied_at=dt.datetime(2030, 1, 1))
        )
    with pytest.raises(StoreError, match="高于本程序支持"):
        open_store()


def test_schema_matches_tables(open_store: Opener) -> None:
    s = open_store()
    inspector = sa.inspect(s.engine)
    for table in store.METADATA.sorted_tables:
        reflected = {c["name"] for c in inspector.get_columns(table.name)}
        assert reflected == {c.name for c in table.columns}, table.name


def test_bad_url_raises_store_error(tmp_path) -> None:
    with pytest.raises(StoreError, match="无法解析数据库地址"):
        Store("这不是地址")
    with pytest.raises(StoreError, match="不支持的数据库类型"):
        Store("nosuchdb://host/db")
    with pytest.raises(StoreError, match="无法打开数据库") as err:
        Store("postgresql+psycopg://gk:s3cret@127.0.0.1:1/test")
    assert "s3cret" not in str(err.value)
    assert "gk:***@127.0.0.1:1" in str(err.value)
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError):
        Store(f"sqlite:///{tmp_path / 'file' / 'db.sqlite'}")  # parent is a file
    with pytest.raises(StoreError, match="只有 PostgreSQL"):
        Store(f"sqlite:///{tmp_path / 'x.db'}", schema="gk")


def test_default_location_and_sqlite_settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GONGKAI_DB", raising=False)
    with Store() as s:
        assert (tmp_path / "var" / "gongkai.db").is_file()
        # Absolute, so the crawl subprocess finds the same file from any working directory.
        assert s.url == f"sqlite:///{(tmp_path / 'var' / 'gongkai.db').resolve()}"
        s.start_run(AS_OF, "cfg", [])
        with s.engine.connect() as conn:
            # WAL lets the CLI read while the crawl subprocess writes.
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000

    monkeypatch.setenv("GONGKAI_DB", f"sqlite:///{tmp_path / 'env' / 'other.db'}")
    with Store() as s:
        assert s.runs() == []
    assert (tmp_path / "env" / "other.db").is_file()
    monkeypatch.chdir(tmp_path / "env")
    with Store(f"sqlite:///{tmp_path / 'var' / 'gongkai.db'}") as s:
        assert len(s.runs()) == 1


def test_reader_sees_committed_pages_from_another_connection(open_store: Opener) -> None:
    writer, reader = open_store(), open_store()
    run_id = writer.start_run(AS_OF, "cfg", [site()])
    with writer.engine.connect() as conn:
        trans = conn.begin()
        conn.execute(store.pages_t.insert(), [writer._page_row(list_page(run_id, COL, []))])
        # An open write transaction neither blocks nor leaks into a reader.
        assert reader.fetched_urls(run_id) == set()
        trans.commit()
    assert reader.fetched_urls(run_id) == {COL}


def _open_store(path: str) -> str:
    """Open (and migrate) a store in a child process; return 'ok' or the error."""
    try:
        Store(f"sqlite:///{path}").engine.dispose()
        return "ok"
    except Exception as exc:  # the test reports what went wrong
        return repr(exc)


def test_processes_opening_a_fresh_sqlite_file_at_once_all_succeed(tmp_path: pathlib.Path) -> None:
    # Two schedulers starting together (issue 6) both migrate a new file: the loser of the
    # write lock must wait, not fail with "database is locked".
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    results = []
    for n in range(5):
        path = str(tmp_path / f"race{n}.db")
        with ctx.Pool(4) as pool:
            results += pool.map(_open_store, [path] * 4)
    assert results == ["ok"] * 20


def test_scheduler_job_table_is_created_by_migration(tmp_path: pathlib.Path) -> None:
    # Created under the migration lock, so two schedulers starting together never race to
    # create it (issue 6); APScheduler's job store then uses it as its own.
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    with Store(f"sqlite:///{tmp_path / 'gk.db'}") as st:
        assert "apscheduler_jobs" in sa.inspect(st.engine).get_table_names()
        jobs = SQLAlchemyJobStore(engine=st.engine, tablename="apscheduler_jobs")
        jobs.start(None, "default")  # type: ignore[arg-type]
        assert jobs.get_all_jobs() == []
