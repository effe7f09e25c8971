"""meta_missing (发展指引 page tags, 网站标识码, PubDate, footer) and the footer extraction it reads."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

import conf
from checks.model import Finding, Page, SiteSnapshot
from checks.registry import kinds
from checks.runner import evaluate
from crawlers.extract import analyse

NOW = dt.date(2024, 6, 30)
HOME = "http://www.city.gov.cn/"
LIST = "http://www.city.gov.cn/tzgg/index.html"
ART = "http://www.city.gov.cn/tzgg/202406/t20240620_1.html"
# 10:00 on the audit day in Beijing time.
FETCHED = "2024-06-30T02:00:00+00:00"

SITE_TAGS = {
    "SiteName": "示例市人民政府",
    "SiteDomain": "www.city.gov.cn",
    "SiteIDCode": "1234560001",
}
LIST_TAGS = {
    **SITE_TAGS,
    "ColumnName": "通知公告",
    "ColumnType": "通知公告",
    "ColumnDescription": "示例市人民政府通知公告",
    "ColumnKeywords": "通知公告",
}
ART_TAGS = {
    **SITE_TAGS,
    "ColumnName": "通知公告",
    "ArticleTitle": "关于开展安全生产大检查的通知",
    "PubDate": "2024-06-20 09:30",
    "ContentSource": "示例市应急管理局",
    "Keywords": "安全生产",
    "Description": "关于开展安全生产大检查的通知",
}
FOOTER = {
    "site_id_code": "1234560001",
    "icp": "示ICP备12345678号",
    "psb": "示公网安备 12345602000001号",
    "sponsor": "示例市人民政府办公室",
}


def page(url: str, page_type: str, metas: dict[str, str], **kw: Any) -> Page:
    """Build a fetched HTML page."""
    kw.setdefault("fetched_at", FETCHED)
    return Page(
        url=url,
        kind=kw.pop("kind", "page"),
        status=kw.pop("status", 200),
        error=kw.pop("error", None),
        page_type=page_type,
        metas=dict(metas),
        **kw,
    )


def home(metas: dict[str, str] | None = None, **kw: Any) -> Page:
    """Build the home page (complete tags and footer unless overridden)."""
    kw.setdefault("footer", dict(FOOTER))
    return page(HOME, "home", SITE_TAGS if metas is None else metas, is_home=True, **kw)


def article(url: str = ART, drop: tuple[str, ...] = (), **kw: Any) -> Page:
    """Build an article page with every tag except `drop`; metas=... adds or replaces tags."""
    metas = {k: v for k, v in ART_TAGS.items() if k not in drop}
    metas.update(kw.pop("metas", {}))
    kw.setdefault("date_candidates", [("visible", "2024-06-20T09:30"), ("meta", "2024-06-20")])
    return page(url, "article", metas, **kw)


def list_page(url: str = LIST, drop: tuple[str, ...] = ()) -> Page:
    """Build a column page with every tag except `drop`."""
    return page(url, "list", {k: v for k, v in LIST_TAGS.items() if k not in drop})


def snap(*pages: Page, with_home: bool = True) -> SiteSnapshot:
    """Build a snapshot: the complete home page, a complete list page and the given pages."""
    stored = {HOME: home(), LIST: list_page()} if with_home else {LIST: list_page()}
    stored.update({p.url: p for p in pages})
    return SiteSnapshot(
        run_id=1, site_id="city", start_urls=[HOME], pages=stored, links=[], columns=[]
    )


def run(snapshot: SiteSnapshot, params: dict[str, Any] | None = None) -> list[Finding]:
    """Evaluate meta_missing through the runner's per-rule boundary on the audit date."""
    rule = conf.Rule(
        id="meta-missing",
        check="meta_missing",
        title="页面标签和页脚不规范",
        severity="medium",
        basis="国办发〔2017〕47号",
        params=params or {},
    )
    site = conf.Site(id="city", name="示例市人民政府", kind="government", start_urls=[HOME])
    return evaluate(rule, site, snapshot, NOW)


def statuses(found: list[Finding]) -> list[tuple[str, str]]:
    """Return (status, subject) pairs."""
    return [(f.status, f.subject) for f in found]


# --- one table per branch ----------------------------------------------------------------

CASES: list[tuple[str, SiteSnapshot, dict[str, Any], list[tuple[str, str]]]] = [
    ("complete site passes", snap(article()), {}, []),
    (
        "home without SiteIDCode",
        snap(home({k: v for k, v in SITE_TAGS.items() if k != "SiteIDCode"})),
        {},
        [("fail", "首页缺少 SiteIDCode")],
    ),
    (
        "an empty tag counts as missing",
        snap(home({**SITE_TAGS, "SiteName": "  "})),
        {},
        [("fail", "首页缺少 SiteName")],
    ),
    (
        "list page: required fails, recommended warns",
        snap(list_page(drop=("ColumnType", "ColumnKeywords"))),
        {},
        [("fail", "栏目页缺少 ColumnType"), ("warn", "栏目页缺少 ColumnKeywords")],
    ),
    (
        "article without ContentSource",
        snap(article(drop=("ContentSource",))),
        {},
        [("fail", "文章页缺少 ContentSource")],
    ),
    (
        "tag names are case-insensitive",
        snap(article(drop=("PubDate",), metas={"pubdate": "2024-06-20 09:30"})),
        {},
        [],
    ),
    (
        "recommended list can be cleared",
        snap(list_page(drop=("ColumnDescription",))),
        {"recommended": {"list": []}},
        [],
    ),
    (
        "required override for one type keeps the defaults of the others",
        snap(home({"SiteName": "示例市人民政府"}), article(drop=("ContentSource",))),
        {"required": {"article": ["ArticleTitle"]}},
        [("fail", "首页缺少 SiteDomain"), ("fail", "首页缺少 SiteIDCode")],
    ),
    (
        "other pages, failed pages and attachments are not judged",
        snap(
            page("http://www.city.gov.cn/search.html", "other", {}),
            page("http://www.city.gov.cn/gone.html", "article", {}, status=404),
            page("http://www.city.gov.cn/a.pdf", "article", {}, kind="attachment"),
        ),
        {},
        [],
    ),
    (
        "malformed SiteIDCode",
        snap(article(metas={"SiteIDCode": "12345"})),
        {},
        [("fail", "SiteIDCode 格式不正确：12345")],
    ),
    (
        "bm + 8 digits is a valid 国务院部门 code",
        snap(
            home(
                {**SITE_TAGS, "SiteIDCode": "bm01000001"},
                footer={**FOOTER, "site_id_code": "bm01000001"},
            ),
            article(metas={"SiteIDCode": "bm01000001"}),
        ),
        {},
        [],
    ),
    (
        "SiteIDCode differs from the footer",
        snap(home(footer={**FOOTER, "site_id_code": "1234560002"})),
        {},
        [("fail", "SiteIDCode 与页脚网站标识码不一致")],
    ),
    (
        "SiteDomain differs from the crawled host",
        snap(article(metas={"SiteDomain": "www.other.gov.cn"})),
        {},
        [("warn", "SiteDomain 与网站域名不一致：www.other.gov.cn")],
    ),
    (
        "SiteDomain written as a URL still matches",
        snap(article(metas={"SiteDomain": "http://WWW.city.gov.cn/"})),
        {},
        [],
    ),
    (
        "PubDate on a later day than the audit",
        snap(article(metas={"PubDate": "2024-07-01 09:00"}, date_candidates=[])),
        {},
        [("fail", "PubDate 晚于抓取时间")],
    ),
    (
        "PubDate later the same day than the fetch (10:00 Beijing)",
        snap(article(metas={"PubDate": "2024-06-30 11:00"}, date_candidates=[])),
        {},
        [("fail", "PubDate 晚于抓取时间")],
    ),
    (
        "PubDate earlier the same day than the fetch",
        snap(article(metas={"PubDate": "2024-06-30 09:59"}, date_candidates=[])),
        {},
        [],
    ),
    (
        "without a fetch time the audit day's end is the limit",
        snap(
            article(metas={"PubDate": "2024-06-30 23:00"}, date_candidates=[], fetched_at=None),
            article(
                ART + "?2", metas={"PubDate": "2024-07-01"}, date_candidates=[], fetched_at=None
            ),
        ),
        {},
        [("fail", "PubDate 晚于抓取时间")],
    ),
    (
        "PubDate one day before the visible date",
        snap(article(metas={"PubDate": "2024-06-19 16:45"})),
        {},
        [("fail", "PubDate 与页面显示日期不一致")],
    ),
    (
        "a one-day gap within pubdate_max_diff_days",
        snap(article(metas={"PubDate": "2024-06-19 16:45"})),
        {"pubdate_max_diff_days": 1},
        [],
    ),
    (
        "PubDate that is no date",
        snap(article(metas={"PubDate": "待定"})),
        {},
        [("warn", "PubDate 无法识别")],
    ),
    (
        "home footer without 公网安备 and 主办单位",
        snap(home(footer={"site_id_code": "1234560001", "icp": "示ICP备12345678号"})),
        {},
        [("fail", "首页页脚缺少公安机关备案号"), ("fail", "首页页脚缺少主办单位")],
    ),
    (
        "footer checks off",
        snap(home(footer={"site_id_code": "1234560009"})),
        {"check_footer": False},
        [],
    ),
    (
        "党政机关网站标识 required by the pack",
        snap(),
        {"footer_required": ["site_id_code", "conac"]},
        [("fail", "首页页脚缺少党政机关网站标识")],
    ),
    (
        "home unreachable",
        snap(home(status=None, error="timeout")),
        {},
        [("error", "首页")],
    ),
    ("home never fetched", snap(with_home=False), {}, [("error", "首页")]),
    (
        "unknown parameter",
        snap(),
        {"footer_required": ["fax"]},
        [("error", "规则配置")],
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "params", "expected"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_meta_missing(snapshot: SiteSnapshot, params: dict, expected: list) -> None:
    assert statuses(run(snapshot, params)) == expected


def test_missing_tag_aggregates_with_count_total_and_five_examples() -> None:
    bad = [article(f"http://www.city.gov.cn/a{i}.html", drop=("ContentSource",)) for i in range(7)]
    good = article("http://www.city.gov.cn/ok.html")
    found = run(snap(*bad, good))
    assert statuses(found) == [("fail", "文章页缺少 ContentSource")]
    f = found[0]
    assert f.message == (
        '7 个文章页（共 8 个）缺少 <meta name="ContentSource"> 标签或内容为空，'
        "如 http://www.city.gov.cn/a0.html。"
    )
    assert f.url == "http://www.city.gov.cn/a0.html"
    assert f.evidence == {
        "page_type": "article",
        "tag": "ContentSource",
        "total": 8,
        "count": 7,
        "examples": [f"http://www.city.gov.cn/a{i}.html" for i in range(5)],
    }
    assert (f.rule, f.check, f.severity, f.basis) == (
        "meta-missing", "meta_missing", "medium", "国办发〔2017〕47号"
    )  # fmt: skip


def test_messages_and_evidence_of_site_code_pubdate_and_footer() -> None:
    found = run(
        snap(
            home(footer={"site_id_code": "1234560002", "icp": "示ICP备12345678号"}),
            article(metas={"PubDate": "2024-07-08 09:00"}),
        )
    )
    by_subject = {f.subject: f for f in found}
    mismatch = by_subject["SiteIDCode 与页脚网站标识码不一致"]
    assert mismatch.message == (
        "首页 SiteIDCode 为“1234560001”，页脚显示的网站标识码为“1234560002”，两者不一致"
        "（http://www.city.gov.cn/）。"
    )
    assert mismatch.evidence == {"meta": "1234560001", "footer": "1234560002"}
    future = by_subject["PubDate 晚于抓取时间"]
    assert "伪造发稿日期" in future.message and "2024-07-08 09:00" in future.message
    assert future.evidence["examples"] == [
        {"url": ART, "pubdate": "2024-07-08 09:00", "fetched_at": FETCHED}
    ]
    differ = by_subject["PubDate 与页面显示日期不一致"]
    assert differ.evidence["examples"] == [
        {"url": ART, "pubdate": "2024-07-08 09:00", "visible": "2024-06-20"}
    ]
    assert "页面显示 2024-06-20" in differ.message
    missing = by_subject["首页页脚缺少公安机关备案号"]
    assert missing.message == "首页页脚没有显示公安机关备案号（http://www.city.gov.cn/）。"
    assert missing.evidence["element"] == "psb"


def test_site_domain_is_not_compared_when_crawled_by_ip_address() -> None:
    # The sample city and intranet audits are served from 127.0.0.1: no domain to compare.
    ip_home = "http://127.0.0.1:8080/"
    p = page(ip_home, "home", SITE_TAGS, is_home=True, footer=dict(FOOTER))
    snapshot = SiteSnapshot(
        run_id=1, site_id="city", start_urls=[ip_home], pages={ip_home: p}, links=[], columns=[]
    )
    site = conf.Site(id="city", name="示例市人民政府", kind="government", start_urls=[ip_home])
    rule = conf.Rule(
        id="meta-missing", check="meta_missing", title="t", severity="low", basis="b", params={}
    )
    assert evaluate(rule, site, snapshot, NOW) == []


def test_one_finding_per_distinct_bad_value() -> None:
    found = run(
        snap(
            article("http://www.city.gov.cn/a.html", metas={"SiteIDCode": "51013200"}),
            article("http://www.city.gov.cn/b.html", metas={"SiteIDCode": "51013200"}),
            article("http://www.city.gov.cn/c.html", metas={"SiteIDCode": "BM0100001"}),
        )
    )
    assert statuses(found) == [
        ("fail", "SiteIDCode 格式不正确：51013200"),
        ("fail", "SiteIDCode 格式不正确：BM0100001"),
    ]
    assert found[0].evidence["count"] == 2


# --- footer extraction ---------------------------------------------------------------------


def html(body: str) -> bytes:
    """Wrap body markup in a UTF-8 page."""
    return f'<html><head><meta charset="utf-8"><title>t</title></head><body>{body}</body></html>'.encode()


FOOTER_CASES: list[tuple[str, str, dict[str, str]]] = [
    (
        "footer tag",
        "<p>正文</p><footer><p>主办单位：示例市人民政府办公室　地址：示例路1号</p>"
        "<p>网站标识码：4399000001　示ICP备20260001号　示公网安备 43990002000001号</p></footer>",
        {
            "site_id_code": "4399000001",
            "icp": "示ICP备20260001号",
            "psb": "示公网安备 43990002000001号",
            "sponsor": "示例市人民政府办公室",
        },
    ),
    (
        "class name with foot, number split over spans, full-width digits",
        '<div class="foot-info">网站标识码：<span>bm１４000002</span> | 京<span>ICP</span>备'
        "<span>19054529</span>号<span>-1</span></div>",
        {"site_id_code": "bm14000002", "icp": "京ICP备19054529号-1"},
    ),
    (
        "sponsor written before 主办, conac badge image",
        '<div id="bottom"><p>中共示例市委、示例市人民政府主办</p>'
        '<a href="http://bszs.conac.cn/sitename?method=show&id=1"><img src="/red.png"></a></div>',
        {
            "sponsor": "中共示例市委、示例市人民政府",
            "conac": "http://bszs.conac.cn/sitename?method=show&id=1",
        },
    ),
    (
        "no container: the end of the page text",
        "<div>正文</div><table><tr><td>主办：示例县人民政府 承办：示例县大数据中心</td></tr>"
        "<tr><td>政府网站标识码 4399220011 示ICP备11002306号-1</td></tr></table>",
        {"sponsor": "示例县人民政府", "site_id_code": "4399220011", "icp": "示ICP备11002306号-1"},
    ),
    (
        "an organiser named in the article is not the footer's sponsor",
        '<div class="content"><p>主办单位：示例市体育协会</p>'
        + "<p>活动内容介绍。</p>" * 60
        + '</div><div class="copyright">主办单位：示例市体育局 网站标识码：4399000020</div>',
        {"sponsor": "示例市体育局", "site_id_code": "4399000020"},
    ),
    ("a page without a footer", "<p>正文</p>", {}),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in FOOTER_CASES], ids=[c[0] for c in FOOTER_CASES]
)
def test_footer_extraction(body: str, expected: dict[str, str]) -> None:
    assert analyse(html(body), "http://www.city.gov.cn/a.html").footer == expected


def test_hidden_footer_is_not_read() -> None:
    body = '<div class="footer" style="display:none">网站标识码：4399000001</div>'
    assert analyse(html(body), "http://www.city.gov.cn/").footer == {}


REALWORLD = Path(
    os.environ.get("GONGKAI_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)

# Read by hand from each page's footer.
REAL_FOOTERS: dict[str, dict[str, str]] = {
    "gne_govcn_gazette_article_2007.html": {
        "site_id_code": "bm01000001",
        "icp": "京ICP备05070218号",
        "psb": "京公网安备11010202000001号",
        "sponsor": "国务院办公厅",
        "conac": "https://bszs.conac.cn/sitename?method=show&id=081D1D6883441A53E053012819AC0DAA",
    },
    # The ICP number is split over <span>s; the conac badge is only written by a script.
    "ccgp_cjgg_article_2021.html": {
        "site_id_code": "bm14000002",
        "icp": "京ICP备19054529号-1",
        "psb": "京公网安备 11010602060068 号",
        "sponsor": "中华人民共和国财政部国库司",
    },
    # "中共青岛市委、青岛市人民政府主办".
    "mhx_lszqingdao_article.html": {
        "site_id_code": "3702000025",
        "icp": "鲁ICP备05038584号",
        "psb": "鲁公网安备 37020202000341号",
        "sponsor": "中共青岛市委、青岛市人民政府",
        "conac": "http://bszs.conac.cn/sitename?method=show&id=06B1544CE6E924C0E053012819ACF3A6",
    },
    # Two sponsors on one line; no conac badge.
    "mhx_zgy2jyt-ah_article.html": {
        "site_id_code": "3400000072",
        "icp": "皖ICP备20004145号",
        "psb": "皖公网安备34010302000782号",
        "sponsor": "中共安徽省委教育工委 安徽省教育厅",
    },
    # The article names a 主办单位 of an event; the footer names none.
    "mhx_wjmoe_article.html": {
        "site_id_code": "bm05000001",
        "icp": "京ICP备10028400号-1",
        "psb": "京公网安备11010202007625号",
        "conac": "http://bszs.conac.cn/sitename?method=show&id=05FDD4B7206C29B0E053012819AC4C18",
    },
    # "主办：宜春市人民政府 承办：…" on a home page.
    "simon_yichun_portal_homepage_list.html": {
        "site_id_code": "3609000002",
        "icp": "赣ICP备06000141号",
        "psb": "赣公网安备 36090202000004号",
        "sponsor": "宜春市人民政府",
        "conac": "http://bszs.conac.cn/sitename?method=show&id=0ADCC2E0BA270DA2E053012819ACECB2",
    },
    # A footer drawn by document.write: nothing is shown without scripts.
    "mhx_myzgd_article.html": {},
}


@pytest.mark.parametrize("name", sorted(REAL_FOOTERS))
def test_footer_on_real_pages(name: str) -> None:
    path = REALWORLD / "html" / name
    if not path.is_file():
        if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
            pytest.fail(f"real-world page not found: {path}")
        pytest.skip(f"real-world page not found: {path} (set GONGKAI_REALWORLD)")
    got = analyse(path.read_bytes(), f"https://example.gov.cn/{name}")
    assert got.footer == REAL_FOOTERS[name]


def test_readme_example_loads_as_a_rule_pack(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "meta_missing" in b)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "meta.yaml").write_text(block, encoding="utf-8")
    (tmp_path / "sites.yaml").write_text(
        "sites:\n  - {id: city, name: 示例市人民政府, kind: government,"
        " start_urls: ['http://www.city.gov.cn/']}\n",
        encoding="utf-8",
    )
    config = conf.load_config(tmp_path)
    (rule,) = config.rules
    assert (rule.check, rule.applies_to.kinds) == ("meta_missing", ["government", "department"])
    params = kinds()["meta_missing"].params_model.model_validate(rule.params)
    assert params.footer_required == ["site_id_code", "icp", "psb", "sponsor"]
    # The README example and the shipped pack run the same rule on the same snapshot.
    broken = snap(article(drop=("ContentSource",)), home(footer={}))
    site = conf.Site(id="city", name="示例市人民政府", kind="government", start_urls=[HOME])
    shipped = next(
        r
        for r in conf.load_config(Path(__file__).resolve().parents[1] / "config").rules
        if r.check == "meta_missing"
    )
    assert statuses(evaluate(rule, site, broken, NOW)) == statuses(
        evaluate(shipped, site, broken, NOW)
    )
