"""Rule engine tests: every check kind, the runner (mutes, errors, outcomes), profiles, matching."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import conf
from checks.matching import matches, tokens
from checks.model import Column, Entry, Finding, Link, Page, SiteSnapshot
from checks.profiles import load_profile, profile_names, site_profile_name
from checks.registry import kinds
from checks.runner import evaluate, run_checks, worst

NOW = dt.date(2024, 6, 30)
HOME = "http://gov.test/"


def days_ago(n: int) -> dt.date:
    """Return the date n days before the audit date."""
    return NOW - dt.timedelta(days=n)


def page(url: str, status: int | None = 200, error: str | None = None, **kw: Any) -> Page:
    """Build a stored page."""
    return Page(url=url, kind=kw.pop("kind", "page"), status=status, error=error, **kw)


def home_page(**kw: Any) -> Page:
    """Build the reachable home page."""
    return page(HOME, is_home=True, page_type="home", **kw)


def column(key: str, name: str, dated: list[tuple[str, dt.date | None]] | None = None) -> Column:
    """Build a column from (title, date) pairs, one list page at `key`."""
    entries = [
        Entry(column_key=key, page_url=key, title=t, url=f"{key}e{i}.html", date=d, position=i)
        for i, (t, d) in enumerate(dated or [])
    ]
    return Column(key=key, name=name, name_source="meta", pages=[key], entries=entries)


def snap(
    pages: list[Page] | None = None,
    links: list[Link] | None = None,
    columns: list[Column] | None = None,
    start_urls: list[str] | None = None,
    with_home: bool = True,
) -> SiteSnapshot:
    """Build a snapshot; the home page is reachable unless given otherwise; list pages are added."""
    stored = {p.url: p for p in pages or []}
    if with_home:
        stored.setdefault(HOME, home_page())
    for col in columns or []:
        for url in col.pages:
            stored.setdefault(url, page(url, page_type="list", column=col.name))
    return SiteSnapshot(
        run_id=1,
        site_id="city",
        start_urls=start_urls or [HOME],
        pages=stored,
        links=links or [],
        columns=columns or [],
    )


def make_site(**kw: Any) -> conf.Site:
    """Build a site config (a city government portal unless overridden)."""
    data: dict[str, Any] = {"id": "city", "name": "示例市人民政府", "kind": "government"}
    data["start_urls"] = [HOME]
    data.update(kw)
    return conf.Site(**data)


def make_rule(check: str, params: dict[str, Any] | None = None, **kw: Any) -> conf.Rule:
    """Build a rule instance of a kind."""
    data: dict[str, Any] = {
        "id": check.replace("_", "-"),
        "check": check,
        "title": f"{check} 标题",
        "severity": "high",
        "basis": f"{check} 依据",
        "params": params or {},
    }
    data.update(kw)
    return conf.Rule(**data)


def run_kind(
    check: str,
    snapshot: SiteSnapshot,
    params: dict[str, Any] | None = None,
    site: conf.Site | None = None,
) -> list[Finding]:
    """Evaluate one kind through the runner's per-rule boundary."""
    return evaluate(make_rule(check, params), site or make_site(), snapshot, NOW)


def statuses(findings: list[Finding]) -> list[tuple[str, str]]:
    """Return (status, subject) pairs, the shape most assertions compare."""
    return [(f.status, f.subject) for f in findings]


# --- registry --------------------------------------------------------------------------


def test_all_kinds_registered_with_strict_params_and_docstrings() -> None:
    registered = kinds()
    assert set(registered) == {
        "site_unreachable",
        "homepage_stale",
        "column_stale",
        "column_empty",
        "link_broken",
        "link_suspicious",
        "catalogue_missing",
        "meta_missing",
        "column_freshness",
        "page_required",
        "text_required",
        "text_forbidden",
        "term_forbidden",
        "term_required",
        "outage_notice_late",
        "guide_outdated",
        "timeliness",
        "interpretation_missing",
        "interaction_unanswered",
        "privacy_leak",
        "annual_report_missing",
        "annual_report_late",
        "annual_report_structure",
        "annual_report_arithmetic",
        "annual_report_carryover",
        "annual_report_boilerplate",
    }
    for kind in registered.values():
        assert kind.doc and "\n" not in kind.doc
        assert kind.params_model.model_config.get("extra") == "forbid"
        kind.params_model()  # every kind works with the defaults (rule packs may give params: {})


# --- site_unreachable ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("home", "expected", "evidence"),
    [
        (home_page(), [], {}),
        (home_page(status=301), [], {}),  # status < 400 answered
        (home_page(status=500), [("fail", HOME)], {"status": 500}),
        (home_page(status=404), [("fail", HOME)], {"status": 404}),
        (home_page(status=None, error="dns"), [("fail", HOME)], {"error": "dns"}),
        (home_page(status=None, error="timeout"), [("fail", HOME)], {"error": "timeout"}),
        (home_page(status=403), [("warn", HOME)], {"blocked": True, "status": 403}),
        (home_page(status=429), [("warn", HOME)], {"blocked": True, "status": 429}),
        (None, [("fail", HOME)], {"error": "not_fetched"}),
    ],
)
def test_site_unreachable(home: Page | None, expected: list, evidence: dict) -> None:
    snapshot = snap(pages=[home] if home else [], with_home=False)
    found = run_kind("site_unreachable", snapshot)
    assert statuses(found) == expected
    for key, value in evidence.items():
        assert found[0].evidence[key] == value


def test_site_unreachable_messages_and_metadata() -> None:
    [f] = run_kind("site_unreachable", snap(pages=[home_page(status=500)]))
    assert f.message == "首页 http://gov.test/ 无法访问（HTTP 500）。"
    assert (f.site, f.rule, f.check, f.severity, f.url) == (
        "city",
        "site-unreachable",
        "site_unreachable",
        "high",
        HOME,
    )
    assert f.basis == "site_unreachable 依据" and f.title == "site_unreachable 标题"
    [f] = run_kind("site_unreachable", snap(pages=[home_page(status=None, error="dns")]))
    assert f.message == "首页 http://gov.test/ 无法访问（域名解析失败）。"
    [f] = run_kind("site_unreachable", snap(pages=[home_page(status=403)]))
    assert "疑似拒绝" in f.message and "HTTP 403" in f.message


def test_site_unreachable_checks_every_start_url_and_tolerates_trailing_slash() -> None:
    second = "http://gov.test/zwgk/"
    site = make_site(start_urls=["http://gov.test", second])
    snapshot = snap(pages=[page(second, status=502)], start_urls=["http://gov.test", second])
    found = run_kind("site_unreachable", snapshot, site=site)
    assert statuses(found) == [("fail", second)]
    assert found[0].message == "起始页 http://gov.test/zwgk/ 无法访问（HTTP 502）。"


def test_site_unreachable_blocked_statuses_param() -> None:
    found = run_kind(
        "site_unreachable", snap(pages=[home_page(status=403)]), {"blocked_statuses": []}
    )
    assert statuses(found) == [("fail", HOME)]


# --- homepage_stale --------------------------------------------------------------------


def home_column(*dated: tuple[str, dt.date | None]) -> Column:
    """Build the home page's own list (column key == home URL)."""
    return column(HOME, "首页", list(dated))


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [
        (snap(columns=[home_column(("要闻", days_ago(14)), ("旧闻", days_ago(40)))]), {}, []),
        (snap(columns=[home_column(("要闻", days_ago(15)))]), {}, [("fail", "首页")]),
        (snap(columns=[home_column(("要闻", days_ago(15)))]), {"max_age_days": 15}, []),
        (snap(columns=[home_column(("要闻", days_ago(0)))]), {}, []),
        # 国办发〔2015〕15号: no date at all counts as not updated.
        (snap(columns=[home_column(("要闻", None), ("公告", None))]), {}, [("fail", "首页")]),
        (snap(), {}, [("fail", "首页")]),
        # The home page's own publish date counts.
        (snap(pages=[home_page(pub_date=days_ago(3))]), {}, []),
        # A future date proves nothing; the real newest is 20 days old.
        (
            snap(columns=[home_column(("伪", NOW + dt.timedelta(days=5)), ("旧", days_ago(20)))]),
            {},
            [("fail", "首页")],
        ),
        # Unreachable home page: cannot be evaluated.
        (
            snap(pages=[home_page(status=500)], columns=[home_column(("新", NOW))]),
            {},
            [("error", "首页")],
        ),
        (snap(with_home=False), {}, [("error", "首页")]),
        # 预警 line (开普云 10 days): 11-14 days warn, 10 days pass, 15 days fail only.
        (
            snap(columns=[home_column(("要闻", days_ago(11)))]),
            {"prewarn_days": 10},
            [("warn", "首页")],
        ),
        (
            snap(columns=[home_column(("要闻", days_ago(14)))]),
            {"prewarn_days": 10},
            [("warn", "首页")],
        ),
        (snap(columns=[home_column(("要闻", days_ago(10)))]), {"prewarn_days": 10}, []),
        (
            snap(columns=[home_column(("要闻", days_ago(15)))]),
            {"prewarn_days": 10},
            [("fail", "首页")],
        ),
    ],
)
def test_homepage_stale(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run_kind("homepage_stale", snapshot, params)) == expected


def test_homepage_prewarn_is_marked_for_scoring() -> None:
    [f] = run_kind(
        "homepage_stale", snap(columns=[home_column(("要闻", days_ago(12)))]), {"prewarn_days": 10}
    )
    assert f.evidence["prewarn"] is True and f.evidence["age_days"] == 12
    assert f.message == (
        "首页最新信息“要闻”发布于 2024-06-18，距检查日已 12 天，超过预警线 10 天（14 天未更新即单项否决）。"
    )


def test_homepage_prewarn_must_be_below_the_veto_line() -> None:
    from checks.kinds.homepage_stale import Params

    with pytest.raises(ValueError, match="prewarn_days（14）必须小于 max_age_days（14）"):
        Params(max_age_days=14, prewarn_days=14)


def test_homepage_stale_message_and_evidence() -> None:
    snapshot = snap(
        columns=[home_column(("市政府召开常务会议", days_ago(15)), ("旧", days_ago(30)))]
    )
    [f] = run_kind("homepage_stale", snapshot)
    assert f.message == (
        "首页最新信息“市政府召开常务会议”发布于 2024-06-15，距检查日 2024-06-30 已 15 天，"
        "超过 14 天未更新。"
    )
    assert f.evidence["newest"] == "2024-06-15"
    assert f.evidence["age_days"] == 15 and f.evidence["limit"] == 14
    assert f.evidence["newest_url"] == f"{HOME}e0.html"
    [f] = run_kind("homepage_stale", snap(columns=[home_column(("要闻", None))]))
    assert (
        f.message
        == "首页 1 条信息均未注明发布日期，按国办发〔2015〕15号“未注明发布时间的视为不更新”处理。"
    )
    [f] = run_kind("homepage_stale", snap())
    assert (
        f.message
        == "首页没有注明发布日期的信息，按国办发〔2015〕15号“未注明发布时间的视为不更新”处理。"
    )
    [f] = run_kind("homepage_stale", snap(pages=[home_page(status=None, error="timeout")]))
    assert f.message == "首页无法访问（连接超时），无法判断首页更新情况。"


def test_homepage_stale_uses_entries_listed_on_the_home_page_under_other_columns() -> None:
    news = column("http://gov.test/xw/", "要闻", [("今日要闻", days_ago(2))])
    news.entries[0].page_url = HOME  # shown on the home page, grouped under its column
    stale = column("http://gov.test/tz/", "通知", [("旧通知", days_ago(100))])
    assert run_kind("homepage_stale", snap(columns=[news, stale])) == []
    assert statuses(run_kind("homepage_stale", snap(columns=[stale]))) == [("fail", "首页")]


# --- column_stale ----------------------------------------------------------------------

XW = "http://gov.test/xwdt/"
TZ = "http://gov.test/tzgg/"
RS = "http://gov.test/rsxx/"


@pytest.mark.parametrize(
    ("col", "expected"),
    [
        (column(XW, "工作动态", [("a", days_ago(14))]), []),
        (column(XW, "工作动态", [("a", days_ago(15))]), [("fail", "工作动态")]),
        (column(XW, "新闻中心", [("a", days_ago(15)), ("b", days_ago(2))]), []),
        (column(TZ, "通知公告", [("a", days_ago(183))]), []),
        (column(TZ, "通知公告", [("a", days_ago(184))]), [("fail", "通知公告")]),
        (column(TZ, "政策文件", [("a", days_ago(200))]), [("fail", "政策文件")]),
        (column(RS, "人事信息", [("a", days_ago(365))]), []),
        (column(RS, "人事信息", [("a", days_ago(366))]), [("fail", "人事信息")]),
        (column(RS, "规划计划", [("a", days_ago(400))]), [("fail", "规划计划")]),
        # Unclassified columns have no cycle and are not judged.
        (column(RS, "领导之窗", [("a", days_ago(900))]), []),
        # Undated entries count as not updated (国办发〔2015〕15号).
        (column(XW, "工作动态", [("a", None), ("b", None)]), [("fail", "工作动态")]),
        # Blank columns are column_empty's business (19号: one column is not counted twice).
        (column(XW, "工作动态", []), []),
        (column(XW, "工作动态", [("暂无信息", None)]), []),
        # Future dates are ignored: left with only undated → stale.
        (column(XW, "工作动态", [("a", NOW + dt.timedelta(days=3))]), [("fail", "工作动态")]),
    ],
)
def test_column_stale(col: Column, expected: list) -> None:
    assert statuses(run_kind("column_stale", snap(columns=[col]))) == expected


def test_column_stale_message_and_evidence() -> None:
    col = column(XW, "工作动态", [("区长调研防汛工作", days_ago(15)), ("b", days_ago(20))])
    [f] = run_kind("column_stale", snap(columns=[col]))
    assert f.message == (
        "栏目“工作动态”最新信息“区长调研防汛工作”发布于 2024-06-15，已 15 天未更新，"
        "超过动态要闻类栏目 14 天的更新周期。"
    )
    assert f.url == XW
    assert f.evidence == {
        "column_class": "动态要闻",
        "newest": "2024-06-15",
        "title": "区长调研防汛工作",
        "newest_url": f"{XW}e0.html",
        "age_days": 15,
        "limit": 14,
        "entries": 2,
    }
    [f] = run_kind("column_stale", snap(columns=[column(XW, "工作动态", [("a", None)])]))
    assert f.message == (
        "栏目“工作动态”的 1 条信息均未注明有效发布日期，"
        "按国办发〔2015〕15号“未注明发布时间的视为不更新”处理。"
    )


def test_column_stale_params_and_column_type_meta() -> None:
    undated = column(XW, "工作动态", [("a", None)])
    assert run_kind("column_stale", snap(columns=[undated]), {"undated_is_stale": False}) == []
    classes = [{"name": "专题", "keywords": ["专题"], "max_age_days": 30}]
    special = column(RS, "专题专栏", [("a", days_ago(31))])
    found = run_kind("column_stale", snap(columns=[special]), {"classes": classes})
    assert statuses(found) == [("fail", "专题专栏")]
    # A column whose name says nothing is classified by its ColumnType meta (发展指引 tags).
    meta = column(TZ, "综合信息", [("a", days_ago(200))])
    typed = page(TZ, page_type="list", metas={"ColumnType": "通知公告"})
    assert statuses(run_kind("column_stale", snap(pages=[typed], columns=[meta]))) == [
        ("fail", "综合信息")
    ]
    assert run_kind("column_stale", snap(columns=[meta])) == []


def test_column_stale_skips_home_list_and_disambiguates_duplicate_names() -> None:
    home = home_column(("要闻", days_ago(100)))
    a = column(XW, "工作动态", [("a", days_ago(30))])
    b = column("http://gov.test/bm/xwdt/", "工作动态", [("b", days_ago(40))])
    found = run_kind("column_stale", snap(columns=[home, a, b]))
    assert [f.subject for f in found] == [
        "工作动态（http://gov.test/xwdt/）",
        "工作动态（http://gov.test/bm/xwdt/）",
    ]


# --- column_empty ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("col", "list_page", "expected", "reason"),
    [
        (column(TZ, "通知公告", [("a", days_ago(1))]), None, [], None),
        (column(TZ, "通知公告", []), None, [("fail", "通知公告")], "no_entries"),
        (
            column(TZ, "通知公告", [("暂无信息", None)]),
            None,
            [("fail", "通知公告")],
            "placeholders",
        ),
        (
            column(TZ, "通知公告", [("栏目建设中，敬请期待", None)]),
            None,
            [("fail", "通知公告")],
            "placeholders",
        ),
        (
            column(TZ, "通知公告", [("返回首页", None)]),
            page(TZ, page_type="list", placeholder=True),
            [("fail", "通知公告")],
            "placeholder_page",
        ),
        # No entry at all on a page showing 暂无信息: the supervisor sees the placeholder text.
        (
            column(TZ, "通知公告", []),
            page(TZ, page_type="list", placeholder=True),
            [("fail", "通知公告")],
            "placeholder_page",
        ),
        # A page that says 暂无 somewhere but lists dated entries has content.
        (
            column(TZ, "通知公告", [("a", days_ago(1))]),
            page(TZ, page_type="list", placeholder=True),
            [],
            None,
        ),
        # A list page that failed to load is link_broken's business, not a blank column.
        (column(TZ, "通知公告", []), page(TZ, status=404), [], None),
        # The home page's own list is never a blank column.
        (column(HOME, "首页", []), None, [], None),
    ],
)
def test_column_empty(
    col: Column, list_page: Page | None, expected: list, reason: str | None
) -> None:
    found = run_kind("column_empty", snap(pages=[list_page] if list_page else [], columns=[col]))
    assert statuses(found) == expected
    if reason:
        assert found[0].evidence["reason"] == reason


def test_column_empty_messages_and_params() -> None:
    [f] = run_kind("column_empty", snap(columns=[column(TZ, "通知公告", [])]))
    assert f.message == "栏目“通知公告”列表中没有任何信息（http://gov.test/tzgg/）。"
    assert f.url == TZ
    [f] = run_kind("column_empty", snap(columns=[column(TZ, "通知公告", [("暂无数据", None)])]))
    assert f.message == "栏目“通知公告”列表中只有“暂无数据”等占位内容（http://gov.test/tzgg/）。"
    custom = column(TZ, "通知公告", [("内容更新中", None)])
    assert run_kind("column_empty", snap(columns=[custom])) == []
    found = run_kind("column_empty", snap(columns=[custom]), {"placeholders": ["更新中"]})
    assert statuses(found) == [("fail", "通知公告")]


# --- link_broken -----------------------------------------------------------------------

A = "http://gov.test/a.html"
B = "http://gov.test/b.html"
DEAD = "http://gov.test/dead.html"


def link(source: str, target: str, text: str = "链接", kind: str = "page") -> Link:
    """Build a link; on_home follows the source."""
    return Link(source_url=source, target_url=target, text=text, kind=kind, on_home=source == HOME)


@pytest.mark.parametrize(
    ("target", "links", "scope", "expected"),
    [
        (page(DEAD, status=404), [link(HOME, DEAD)], "home", [("fail", DEAD)]),
        (page(DEAD, status=404), [link(HOME, DEAD)], "other", []),
        (page(DEAD, status=404), [link(A, DEAD)], "home", []),
        (page(DEAD, status=404), [link(A, DEAD)], "other", [("fail", DEAD)]),
        # Linked from both: reported once, by the home scope.
        (page(DEAD, status=404), [link(A, DEAD), link(HOME, DEAD)], "other", []),
        (page(DEAD, status=404), [link(A, DEAD), link(HOME, DEAD)], "home", [("fail", DEAD)]),
        (page(DEAD, status=404), [link(A, DEAD), link(HOME, DEAD)], "all", [("fail", DEAD)]),
        (page(DEAD, status=500), [link(HOME, DEAD)], "home", [("fail", DEAD)]),
        (page(DEAD, status=None, error="dns"), [link(HOME, DEAD)], "home", [("fail", DEAD)]),
        (page(DEAD, status=None, error="connection"), [link(A, DEAD)], "all", [("fail", DEAD)]),
        # Blocked is not broken.
        (page(DEAD, status=403), [link(HOME, DEAD)], "home", [("warn", DEAD)]),
        (page(DEAD, status=429), [link(A, DEAD)], "other", [("warn", DEAD)]),
        # Working, oversized or never fetched targets are not findings.
        (page(DEAD, status=200), [link(HOME, DEAD)], "home", []),
        (page(DEAD, status=200, error="too_large"), [link(HOME, DEAD)], "home", []),
        (None, [link(HOME, DEAD)], "home", []),
    ],
)
def test_link_broken(target: Page | None, links: list[Link], scope: str, expected: list) -> None:
    snapshot = snap(pages=[page(A)] + ([target] if target else []), links=links)
    found = run_kind("link_broken", snapshot, {"scope": scope})
    assert statuses(found) == expected
    if found:
        assert found[0].evidence["blocked"] is (found[0].status == "warn")


def test_link_broken_messages_and_evidence() -> None:
    pdf = "http://gov.test/files/2024.pdf"
    snapshot = snap(
        pages=[page(pdf, status=404, kind="attachment")],
        links=[link(HOME, pdf, "2024年部门预算", "attachment")],
    )
    [f] = run_kind("link_broken", snapshot, {"scope": "home"})
    assert f.message == (
        "首页上的附件链接“2024年部门预算”（http://gov.test/files/2024.pdf）无法打开（HTTP 404）。"
    )
    assert f.evidence["kind"] == "attachment" and f.evidence["status"] == 404
    assert f.evidence["sources"] == [HOME] and f.evidence["text"] == "2024年部门预算"

    ext = "http://other.test/"
    sources = [f"http://gov.test/p{i}.html" for i in range(7)]
    snapshot = snap(
        pages=[page(ext, status=None, error="timeout", kind="external")],
        links=[link(s, ext, "" if i else "友情链接") for i, s in enumerate(sources)],
    )
    [f] = run_kind("link_broken", snapshot, {"scope": "other"})
    assert f.message == (
        "http://gov.test/p0.html 等 7 个页面上的外部链接“友情链接”（http://other.test/）"
        "无法打开（连接超时）。"
    )
    assert f.evidence["sources"] == sorted(sources)[:5] and f.evidence["source_count"] == 7

    img = "http://gov.test/logo.png"
    snapshot = snap(pages=[page(img, status=403, kind="image")], links=[link(A, img, "", "image")])
    [f] = run_kind("link_broken", snapshot, {"scope": "other"})
    assert f.message == (
        "页面 http://gov.test/a.html 上的图片 http://gov.test/logo.png 返回 HTTP 403，"
        "疑似被拦截，未计为不可用链接。"
    )


def test_link_broken_ignores_home_page_as_target() -> None:
    snapshot = snap(pages=[home_page(status=500)], links=[link(A, HOME, "首页")])
    # The home page is never reported as a broken link target (site_unreachable's business);
    # with the home page down the rule cannot judge the site at all: one `error`, no `fail`.
    assert statuses(run_kind("link_broken", snapshot, {"scope": "all"})) == [("error", "首页")]


# --- catalogue_missing -----------------------------------------------------------------

# Column names as a real city portal shows them: each names one catalogue item.
PORTAL_COLUMNS = {
    "规章和规范性文件": "政策文件",
    "机构职能": "领导之窗",
    "规划信息": "规划信息",
    "统计信息": "统计信息",
    "行政许可": "双公示",
    "行政处罚和行政强制": "行政执法公示",
    "财政预决算": "财政预决算",
    "行政事业性收费": "收费目录清单",
    "政府采购": "政府采购",
    "重大建设项目": "重大建设项目",
    "民生政策措施": "乡村振兴",
    "应急管理": "应急管理",
    "监督检查": "安全生产",
    "公务员招考": "公务员招录",
    "政府信息公开指南": "政府信息公开指南",
    "政府信息公开制度": "政府信息公开制度",
    "法定主动公开内容": "法定主动公开内容",
    "政府信息公开年报": "政府信息公开年报",
    "市政建设": "市政建设",
    "公共服务": "公共服务",
    "公益事业": "公益事业",
    "土地征收": "征地信息",
    "房屋征收": "房屋征收",
    "治安管理": "社会治安",
    "社会救助": "社会救助",
}


def portal(replace: dict[str, str | None] | None = None, **kw: Any) -> SiteSnapshot:
    """Build a portal snapshot whose home links name every item, with some texts replaced."""
    names = dict(PORTAL_COLUMNS)
    names.update(replace or {})
    links = [link(HOME, f"http://gov.test/c{i}/", t) for i, t in enumerate(names.values()) if t]
    return snap(links=links, **kw)


def missing(found: list[Finding]) -> list[str]:
    """Return the subjects of fail findings."""
    return [f.subject for f in found if f.status == "fail"]


def test_catalogue_complete_portal_passes_and_optional_item_is_never_missing() -> None:
    assert run_kind("catalogue_missing", portal()) == []
    assert "其他法定公开内容" not in PORTAL_COLUMNS


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("财政预决算", True),
        ("2024年部门预算公开", True),  # 预算/部门预算 as whole words
        ("2023年度部门决算", True),
        ("“三公”经费", True),  # full-width quotes are not words
        ("预算外资金管理办法", False),  # 预算外 is one word: near-miss, must not match
        ("审计报告", False),
        (None, False),
    ],
)
def test_catalogue_budget_item_matched_by_jieba_words(text: str | None, found: bool) -> None:
    result = run_kind("catalogue_missing", portal({"财政预决算": text}))
    assert ("财政预决算" not in missing(result)) is found
    assert missing(result) in ([], ["财政预决算"])


def test_catalogue_missing_message_and_evidence() -> None:
    [f] = run_kind("catalogue_missing", portal({"政府采购": None}))
    assert f.status == "fail" and f.subject == "政府采购" and f.url is None
    assert f.message == (
        "在 24 处栏目名、链接文字和页面标题中均未找到“政府采购”"
        "（《政府信息公开条例》第二十条第（九）项（政府集中采购项目的目录、标准及实施情况））。"
    )
    assert f.evidence["candidates"] == 24 and f.evidence["profile"] == "gov-portal"
    assert "集中采购" in f.evidence["synonyms"]


def test_catalogue_searches_column_names_titles_and_column_name_metas() -> None:
    base = {"政府采购": None, "统计信息": None, "应急管理": None}
    snapshot = portal(
        base,
        pages=[
            page("http://gov.test/tj/", title="2024年1-5月全市经济运行统计数据"),
            page("http://gov.test/yj/", metas={"ColumnName": "突发事件应对"}),
        ],
        columns=[column("http://gov.test/cg/", "采购公告", [("a", NOW)])],
    )
    assert missing(run_kind("catalogue_missing", snapshot)) == []


def test_catalogue_not_applicable_and_unknown_names() -> None:
    site = make_site(not_applicable=["重大建设项目", "不存在的事项"])
    found = run_kind("catalogue_missing", portal({"重大建设项目": None}), site=site)
    assert statuses(found) == [("warn", "不存在的事项")]
    assert "不在公开目录“gov-portal”中" in found[0].message


def test_catalogue_profile_follows_site_kind() -> None:
    # A department is not bound by 第二十一条: its seven items are not asked for.
    dept = make_site(kind="department")
    snapshot = portal({k: None for k in ("市政建设", "公共服务", "公益事业", "社会救助")})
    assert run_kind("catalogue_missing", snapshot, site=dept) == []
    assert set(missing(run_kind("catalogue_missing", snapshot))) == {
        "市政建设",
        "公共服务",
        "公益事业",
        "社会救助",
    }
    water = make_site(kind="enterprise", sector="water")
    texts = ["公司简介", "营业网点", "水价标准", "用水报装流程", "停水通知", "水质公告", "信息公开"]
    snapshot = snap(links=[link(HOME, f"http://w.test/{i}", t) for i, t in enumerate(texts)])
    assert run_kind("catalogue_missing", snapshot, site=water) == []
    snapshot.links = [lk for lk in snapshot.links if lk.text != "水质公告"]
    assert missing(run_kind("catalogue_missing", snapshot, site=water)) == ["水质信息"]


def test_catalogue_min_matches() -> None:
    snapshot = portal()
    found = run_kind("catalogue_missing", snapshot, {"min_matches": 2})
    assert "政府采购" in missing(found)
    snapshot.links.append(link(HOME, "http://gov.test/cg2/", "政府采购意向公开"))
    assert "政府采购" not in missing(run_kind("catalogue_missing", snapshot, {"min_matches": 2}))


def test_catalogue_needs_the_home_page() -> None:
    [f] = run_kind("catalogue_missing", portal(pages=[home_page(status=503)]))
    assert (
        f.status == "error"
        and f.message == "首页无法访问（HTTP 503），无法检查公开目录事项是否齐全。"
    )


# --- runner ----------------------------------------------------------------------------


def config(
    sites: list[conf.Site], rules: list[conf.Rule], mutes: list | None = None
) -> conf.Config:
    """Build a config object."""
    return conf.Config(root=None, sites=sites, rules=rules, mutes=mutes or [])  # type: ignore[arg-type]


def test_exception_inside_a_kind_becomes_one_error_finding() -> None:
    site = make_site(profile="no-such-profile")
    [f] = run_kind("catalogue_missing", snap(), site=site)
    assert f.status == "error" and f.subject == "规则执行"
    assert f.message.startswith("规则执行出错：ValueError: 未知的公开目录配置“no-such-profile”")
    assert f.evidence["exception"] == "ValueError"


def test_invalid_params_unknown_kind_and_missing_snapshot_are_errors() -> None:
    [f] = run_kind("homepage_stale", snap(), {"max_age_dayz": 3})
    assert f.status == "error" and "规则参数无效" in f.message and "max_age_dayz" in f.message
    [f] = run_kind("homepage_stale", snap(), {"max_age_days": 0})
    assert f.status == "error"
    [f] = evaluate(make_rule("no_such_kind"), make_site(), snap(), NOW)
    assert f.status == "error" and "no_such_kind" in f.message
    findings, outcomes = run_checks({}, config([make_site()], [make_rule("homepage_stale")]), NOW)
    assert statuses(findings) == [("error", "抓取数据")]
    assert [(o.rule, o.status, o.findings) for o in outcomes] == [("homepage-stale", "error", 1)]
    # The outcome carries the rule's words, so a report can name it even where it passed.
    assert (outcomes[0].title, outcomes[0].basis, outcomes[0].severity) == (
        "homepage_stale 标题",
        "homepage_stale 依据",
        "high",
    )


def test_applies_to_selects_sites() -> None:
    gov = make_site(id="gov")
    water = make_site(id="water", kind="enterprise", sector="water")
    gas = make_site(id="gas", kind="enterprise", sector="gas")
    rules = [
        make_rule("site_unreachable"),
        make_rule("homepage_stale", applies_to={"kinds": ["government"]}),
        make_rule("column_empty", applies_to={"sectors": ["water"]}),
        make_rule("column_stale", applies_to={"sites": ["gas"]}),
    ]
    fresh = [home_column(("要闻", days_ago(1)))]
    snapshots = {s: snap(columns=fresh) for s in ("gov", "water", "gas")}
    _, outcomes = run_checks(snapshots, config([water, gov, gas], rules), NOW)
    assert [(o.site, o.rule) for o in outcomes] == [
        ("gas", "column-stale"),
        ("gas", "site-unreachable"),
        ("gov", "homepage-stale"),
        ("gov", "site-unreachable"),
        ("water", "column-empty"),
        ("water", "site-unreachable"),
    ]
    assert {o.status for o in outcomes} == {"pass"}


def mute(
    subject: str = "*", expires: dt.date = NOW, rule: str = "column-empty", site: str = "city"
):
    """Build a mute."""
    return conf.Mute(
        rule=rule, site=site, subject=subject, reason="栏目已撤销，待下线", expires=expires
    )


@pytest.mark.parametrize(
    ("mutes", "expected"),
    [
        ([], ["fail", "fail"]),
        ([mute()], ["muted", "muted"]),  # expires == now: still active
        ([mute(expires=NOW - dt.timedelta(days=1))], ["fail", "fail"]),  # expired
        ([mute(subject="通知*")], ["fail", "muted"]),  # glob on the subject
        ([mute(site="other")], ["fail", "fail"]),
        ([mute(rule="column-stale")], ["fail", "fail"]),
    ],
)
def test_mutes(mutes: list[conf.Mute], expected: list[str]) -> None:
    cols = [column(TZ, "通知公告", []), column(XW, "工作动态", [])]
    findings, outcomes = run_checks(
        {"city": snap(columns=cols)}, config([make_site()], [make_rule("column_empty")], mutes), NOW
    )
    assert [f.subject for f in findings] == ["工作动态", "通知公告"]  # sorted by subject
    assert [f.status for f in findings] == expected
    for f in findings:
        assert (f.mute_reason == "栏目已撤销，待下线") is (f.status == "muted")
    assert outcomes[0].status == ("fail" if "fail" in expected else "muted")
    assert outcomes[0].findings == 2


@pytest.mark.parametrize(
    ("found", "outcome"),
    [
        ([], "pass"),
        (["muted"], "muted"),
        (["warn", "muted"], "warn"),
        (["warn", "error"], "error"),
        (["error", "fail", "warn"], "fail"),
    ],
)
def test_outcome_is_worst_status(found: list, outcome: str) -> None:
    assert worst(found) == outcome


def test_run_checks_end_to_end_outcomes_and_ordering() -> None:
    rules = [
        make_rule("site_unreachable"),
        make_rule("homepage_stale"),
        make_rule("link_broken", {"scope": "home"}, id="link-broken-home"),
        make_rule("column_empty"),
    ]
    city = snap(
        pages=[page(DEAD, status=403), page(B, status=404)],
        links=[link(HOME, DEAD, "外链"), link(HOME, B, "乙")],
        columns=[home_column(("要闻", days_ago(1))), column(TZ, "通知公告", [("a", days_ago(3))])],
    )
    down = snap(pages=[home_page(status=None, error="dns")])
    sites = [make_site(), make_site(id="down")]
    findings, outcomes = run_checks({"city": city, "down": down}, config(sites, rules), NOW)
    assert [(f.site, f.rule, f.status, f.subject) for f in findings] == [
        ("city", "link-broken-home", "fail", B),
        ("city", "link-broken-home", "warn", DEAD),
        # A site that cannot be reached is 无法检查 for every rule that needs its pages.
        ("down", "column-empty", "error", "首页"),
        ("down", "homepage-stale", "error", "首页"),
        ("down", "link-broken-home", "error", "首页"),
        ("down", "site-unreachable", "fail", HOME),
    ]
    assert [(o.site, o.rule, o.status) for o in outcomes] == [
        ("city", "column-empty", "pass"),
        ("city", "homepage-stale", "pass"),
        ("city", "link-broken-home", "fail"),
        ("city", "site-unreachable", "pass"),
        ("down", "column-empty", "error"),
        ("down", "homepage-stale", "error"),
        ("down", "link-broken-home", "error"),
        ("down", "site-unreachable", "fail"),
    ]


# --- profiles and matching -------------------------------------------------------------


def test_profiles_load_and_cite_their_basis() -> None:
    assert set(profile_names()) >= {
        "gov-portal",
        "gov-department",
        "enterprise-water",
        "enterprise-power",
        "enterprise-gas",
        "enterprise-heat",
        "enterprise-health",
        "enterprise-education",
        "enterprise-other",
    }
    for name in profile_names():
        profile = load_profile(name)
        assert profile.description
        assert all(item.basis and item.synonyms for item in profile.items)
    portal_items = load_profile("gov-portal").items
    assert len(portal_items) == 15 + 4 + 7
    art20 = [i for i in portal_items if "第二十条第" in i.basis]
    assert len(art20) == 15 and [i.name for i in art20 if i.optional] == ["其他法定公开内容"]
    assert sum("第二十一条" in i.basis for i in portal_items) == 7
    assert len(load_profile("gov-department").items) == 15 + 4
    with pytest.raises(ValueError, match="未知的公开目录配置"):
        load_profile("nope")


@pytest.mark.parametrize(
    ("site", "profile"),
    [
        ({"kind": "government"}, "gov-portal"),
        ({"kind": "department"}, "gov-department"),
        ({"kind": "enterprise", "sector": "power"}, "enterprise-power"),
        ({"kind": "enterprise", "sector": "transit"}, "enterprise-other"),
        ({"kind": "enterprise"}, "enterprise-other"),
        ({"kind": "government", "profile": "gov-department"}, "gov-department"),
    ],
)
def test_site_profile_name(site: dict, profile: str) -> None:
    assert site_profile_name(make_site(**site)) == profile


@pytest.mark.parametrize(
    ("term", "text", "expected"),
    [
        ("预算", "2024年部门预算公开", True),
        ("预算", "预算外资金管理办法", False),
        ("统计", "市统计局", False),
        ("信息公开指南", "政府信息公开指南", True),
        ("公开指南", "政府信息公开指南", True),
        ("年度报告", "2023年度政府信息公开工作年度报告", True),
        ("征地", "征地补偿安置方案公告", True),
        ("公益", "公益广告", False),
        ("政府采购", "政府 采购", True),  # whitespace is not a word
        ("95598", "９５５９８服务热线", True),  # full-width digits are normalised
        ("行政处罚", "行政许可和行政处罚", True),
    ],
)
def test_whole_word_matching(term: str, text: str, expected: bool) -> None:
    assert matches(term, text) is expected


def test_profile_terms_are_units_but_keep_inner_word_boundaries() -> None:
    # Plain jieba cuts 区政府|信息|公开|制度, hiding the term's left edge; as an added unit the
    # term gets its own edges. Added units still split into plain words for matching:
    # 部门预算 is a profile term, yet 预算 matches inside it.
    assert matches("政府信息公开制度", "区政府信息公开制度")
    assert matches("政府信息公开工作年度报告", "市政府信息公开工作年度报告")
    assert tokens("2024年部门预算公开") == ["2024", "年", "部门", "预算", "公开"]
    assert matches("预算", "2024年部门预算公开")


def test_shipped_rule_packs_validate_against_their_kinds() -> None:
    from pathlib import Path

    from ruamel.yaml import YAML

    packs = sorted((Path(__file__).resolve().parents[1] / "config" / "rules").glob("*.yaml"))
    assert packs
    registered = kinds()
    for pack in packs:
        for data in YAML(typ="safe").load(pack.read_text(encoding="utf-8"))["rules"]:
            rule = conf.Rule(**data)
            registered[rule.check].params_model.model_validate(rule.params)
