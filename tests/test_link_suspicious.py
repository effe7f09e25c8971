"""link_suspicious (暗链): the hidden-link detector, the check kind, and a real crawl."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

import conf
from checks.kinds.link_suspicious import describe_hidden, host_term, registrable_domain
from checks.model import Finding, Link
from checks.registry import kinds
from checks.runner import evaluate
from crawlers.extract import _parse, analyse
from crawlers.hidden import HiddenLinks, is_named, technique
from crawlers.items import LinkOut, PageItem
from store import Store
from tests.siteserver import SiteServer
from tests.test_checks import HOME, home_page, make_rule, page, run_kind, snap
from tests.test_crawl import FAST, HTML, crawl_once, site

ROOT = Path(__file__).resolve().parents[1]
CASINO = "http://www.amylc-casino.com/"
PARTNER = "http://old-partner.com.cn/"


def reason_of(body: str, css: str = "") -> str | None:
    """Return the detector's reason for the one <a id="x"> in `body`."""
    style = f"<style>{css}</style>" if css else ""
    root = _parse(f"<html><head>{style}</head><body>{body}</body></html>")
    [link] = root.xpath("//a[@id='x']")
    return HiddenLinks(root).reason(link)


A = '<a id="x" href="http://other.test/">澳门百家乐</a>'


# --- the detector -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "css", "expected"),
    [
        # Shown.
        (f"<div>{A}</div>", "", None),
        (f'<div style="color:red;width:100px">{A}</div>', "", None),
        # display:none / visibility:hidden / hidden, on a bare element or the link itself.
        (f'<div style="display:none">{A}</div>', "", "display-none @div"),
        (f'<div STYLE="DISPLAY : NONE !important">{A}</div>', "", "display-none @div"),
        (
            '<a id="x" style="display:none" href="http://other.test/">x</a>',
            "",
            "display-none @a#x",
        ),
        (f'<span style="visibility:hidden">{A}</span>', "", "visibility-hidden @span"),
        # visibility:visible on a descendant shows it again; display:none cannot be undone.
        (f'<div style="visibility:hidden"><p style="visibility:visible">{A}</p></div>', "", None),
        (
            f'<div style="display:none"><p style="display:block">{A}</p></div>',
            "",
            "display-none @div",
        ),
        (f"<div hidden>{A}</div>", "", "hidden-attribute @div"),
        # Off-screen: positioned and at least 999px out; margins need no position.
        (
            f'<div style="position:absolute;left:-9999px;top:0">{A}</div>',
            "",
            "offscreen left:-9999px @div",
        ),
        (f'<div style="position: fixed; top: -1000px">{A}</div>', "", "offscreen top:-1000px @div"),
        (f'<div style="position:absolute;left:-500px">{A}</div>', "", None),  # still on screen
        (f'<div style="left:-9999px">{A}</div>', "", None),  # static: left does nothing
        (f'<div style="margin-left:-99em">{A}</div>', "", "offscreen margin-left:-99em @div"),
        (f'<p style="text-indent:-9999px">{A}</p>', "", "text-indent -9999px @p"),
        # Zero size needs overflow:hidden, else the content spills out and shows.
        (
            f'<div style="height:0;overflow:hidden">{A}</div>',
            "",
            "zero-size height:0;overflow:hidden @div",
        ),
        (
            f'<div style="width:1px;height:1px;overflow:hidden">{A}</div>',
            "",
            "zero-size height:1px;overflow:hidden @div",
        ),
        (f'<div style="height:0">{A}</div>', "", None),
        # font-size:0 hides text on the link or its inline wrappers; on a block container it
        # is the inline-block whitespace trick (children set their own size), and an image
        # link stays visible.
        (f'<div style="font-size:0">{A}</div>', "", "font-size-0 @div"),
        (f'<div style="font-size:0"><span>{A}</span></div>', "", "font-size-0 @div"),
        (f'<div style="font-size:0"><li>{A}</li></div>', "", None),
        (f'<div style="font-size:0"><span style="font-size:14px">{A}</span></div>', "", None),
        (
            '<div style="font-size:0"><a id="x" href="http://o.test/"><img src="b.png"></a></div>',
            "",
            None,
        ),
        # A tiny marquee hides; a news ticker does not.
        (f'<marquee height="1" width="2">{A}</marquee>', "", "marquee height:1px @marquee"),
        (f'<marquee style="height:3px">{A}</marquee>', "", "marquee height:3px @marquee"),
        (f'<marquee height="30">{A}</marquee>', "", None),
        # Simple top-level <style> rules: .class, #id, tag.class.
        (f'<div class="a dl">{A}</div>', ".dl{display:none}", "display-none .dl{} @div.a"),
        (
            f'<div id="k">{A}</div>',
            "p{margin:0} #k { position:absolute; left:-5000px }",
            "offscreen left:-5000px #k{} @div#k",
        ),
        (
            f'<div class="z">{A}</div>',
            "div.z,.y{height:0;overflow:hidden}",
            "zero-size height:0;overflow:hidden .z{} @div.z",
        ),
        # Not taken: inside @media (some screens only), commented out, complex selectors,
        # or undone by the element's own inline style.
        (f'<div class="m">{A}</div>', "@media (max-width:600px){.m{display:none}}", None),
        (f'<div class="c">{A}</div>', "/* .c{display:none} */ .d{color:red}", None),
        (f'<div class="n">{A}</div>', ".nav .n{display:none}", None),
        (f'<div class="h" style="display:block">{A}</div>', ".h{display:none}", None),
        # The strongest reason wins: a bare off-screen box inside a script-toggled menu.
        (
            f'<ul class="sub" style="display:none"><li style="position:absolute;left:-9999px">{A}</li></ul>',
            "",
            "offscreen left:-9999px @li",
        ),
    ],
)
def test_hidden_reason(body: str, css: str, expected: str | None) -> None:
    assert reason_of(body, css) == expected


def test_nav_dropdown_is_a_named_toggle_not_a_deliberate_hide() -> None:
    # The common government menu: a second level a script opens on hover.
    body = (
        '<ul class="nav"><li><a href="/">首页</a>'
        '<ul class="subnav" style="display:none"><li><a id="x" href="/zwgk/">政务公开</a></li></ul>'
        "</li></ul>"
    )
    reason = reason_of(body)
    assert reason == "display-none @ul.subnav"
    assert technique(reason) == "display-none" and is_named(reason)
    assert not is_named("display-none @div") and not is_named("offscreen left:-9999px @div")


def test_analyse_stores_the_reason_and_a_link_shown_elsewhere_is_not_hidden() -> None:
    html = (
        '<html><head><meta charset="utf-8"><title>首页</title></head><body>'
        '<div style="position:absolute;top:-3000px"><a href="http://c.test/">百家乐</a>'
        '<a href="http://ok.test/">合作单位</a></div>'
        '<p><a href="http://ok.test/">合作单位</a><a href="/a.html">本站</a></p>'
        "</body></html>"
    ).encode()
    links = {lk.url: lk for lk in analyse(html, "http://gov.test/", is_home=True).links}
    assert links["http://c.test/"].hidden == "offscreen top:-3000px @div"
    assert links["http://ok.test/"].hidden is None
    assert links["http://gov.test/a.html"].hidden is None


# --- helpers of the kind ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("www.bjft.gov.cn", "bjft.gov.cn"),
        ("banshi.beijing.gov.cn", "beijing.gov.cn"),
        ("a.b.example.com.cn", "example.com.cn"),
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "localhost"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


@pytest.mark.parametrize(
    ("host", "word"),
    [
        ("www.livecasino88.net", "casino"),
        ("bet365.com", "bet"),
        ("av8d.cc", "av"),
        ("www.java.com", None),
        ("www.avic.com", None),
        ("better.example.com", None),
        ("sussex.ac.uk", None),
    ],
)
def test_host_term(host: str, word: str | None) -> None:
    assert host_term(host, ["casino", "porn", "av", "bet", "sex"]) == word


def test_describe_hidden() -> None:
    assert describe_hidden("offscreen left:-9999px @div") == (
        "定位到屏幕之外（left:-9999px），所在元素 <div>"
    )
    assert describe_hidden("display-none .dl{} @div.dl") == "样式 display:none，所在元素 <div.dl>"


# --- the kind ---------------------------------------------------------------------------

NEWS = "http://gov.test/news/a.html"


def ext(target: str, text: str, hidden: str | None = None, source: str = HOME) -> Link:
    """An off-site link."""
    return Link(source, target, text, "external", on_home=source == HOME, hidden=hidden)


def own(target: str, text: str, hidden: str | None = None, source: str = NEWS) -> Link:
    """An in-site link."""
    return Link(source, target, text, "page", hidden=hidden)


def found(
    links: list[Link], params: dict[str, Any] | None = None, pages: list | None = None
) -> list:
    """(status, subject, reasons) of the findings on a site holding `links`."""
    result = run_kind("link_suspicious", snap(pages=pages, links=links), params)
    return [(f.status, f.subject, f.evidence.get("reasons")) for f in result]


OFF = "offscreen left:-9999px @div"
BARE = "display-none @div"
MENU = "display-none @ul.subnav"


@pytest.mark.parametrize(
    ("links", "params", "expected"),
    [
        # Off-site and hidden on purpose: fail with a lexicon word, and without one when the
        # technique serves no reader (off-screen); a bare display:none box warns.
        ([ext(CASINO, "澳门百家乐", OFF)], {}, [("fail", CASINO, ["hidden", "text", "host"])]),
        ([ext("http://x.test/", "合作", OFF)], {}, [("fail", "http://x.test/", ["hidden"])]),
        ([ext("http://x.test/", "合作", BARE)], {}, [("warn", "http://x.test/", ["hidden"])]),
        # A menu or share panel a script opens: not reported unless asked.
        ([ext("http://x.test/", "人民网", MENU)], {}, []),
        (
            [ext("http://x.test/", "人民网", MENU)],
            {"named_toggles": True},
            [("warn", "http://x.test/", ["hidden"])],
        ),
        (
            [ext("http://x.test/", "真人视讯", MENU)],
            {},
            [("fail", "http://x.test/", ["hidden", "text"])],
        ),
        # Visible off-site links: the lexicon and host words decide.
        ([ext("http://x.test/", "六合彩开奖结果")], {}, [("fail", "http://x.test/", ["text"])]),
        ([ext("http://bet365.test/", "体育")], {}, [("fail", "http://bet365.test/", ["host"])]),
        ([ext("http://x.test/", "成人教育报名")], {}, []),  # 成人 only as a whole word
        ([ext("http://x.test/", "java 下载")], {}, []),
        ([ext("http://x.test/", "我市开展打击六合彩专项行动")], {}, []),  # news about it
        (
            [ext("http://x.test/", "代开发票")],
            {"exempt_terms": []},
            [("fail", "http://x.test/", ["text"])],
        ),
        (
            [ext("http://x.test/", "合作单位")],
            {"terms": ["regex:合作.位"]},
            [("fail", "http://x.test/", ["text"])],
        ),
        # Trusted domains are never reported hidden or by lexicon.
        ([ext("http://www.gov.cn/", "国务院", OFF)], {}, []),
        ([ext("http://zwfw.sc.gov.cn/", "严厉打击赌博", BARE)], {}, []),
        ([ext("http://x.test/", "合作", OFF)], {"trusted_domains": ["x.test"]}, []),
        # In-site hidden links: the nav menu never; spam text only if asked (onsite).
        ([own("http://gov.test/zwgk/", "政务公开", MENU)], {"onsite": "all"}, []),
        ([own("http://gov.test/bjl/", "百家乐", BARE)], {}, []),
        (
            [own("http://gov.test/bjl/", "百家乐", BARE)],
            {"onsite": "lexicon"},
            [("fail", "http://gov.test/bjl/", ["hidden", "text"])],
        ),
        ([own("http://gov.test/bjl/", "百家乐")], {"onsite": "lexicon"}, []),  # shown: content
        ([own("http://gov.test/x/", "说明", BARE)], {"onsite": "lexicon"}, []),
        (
            [own("http://gov.test/x/", "说明", BARE)],
            {"onsite": "all"},
            [("warn", "http://gov.test/x/", ["hidden"])],
        ),
    ],
)
def test_link_suspicious(links: list[Link], params: dict, expected: list) -> None:
    assert found(links, params) == expected


def external_page(url: str, final: str | None, status: int = 200) -> Any:
    """The stored status check of an off-site link (HEAD, redirects followed)."""
    return page(url, status=status, kind="external", final_url=final)


@pytest.mark.parametrize(
    ("final", "params", "expected"),
    [
        ("http://parked.com/landing", {}, [("warn", PARTNER, ["redirect"])]),
        ("http://www.casino-royal.com/", {}, [("fail", PARTNER, ["redirect"])]),
        ("http://parked.com/landing", {"redirects": False}, []),
        ("https://www.old-partner.com.cn/new/", {}, []),  # same registrable domain
        ("http://www.zj.gov.cn/", {}, []),  # trusted landing
        ("http://gov.test/moved.html", {}, []),  # back to this site
        (PARTNER, {}, []),  # no redirect
        (None, {}, []),  # not checked / failed
    ],
)
def test_redirects(final: str | None, params: dict, expected: list) -> None:
    target = PARTNER
    pages = [external_page(target, final)]
    assert found([ext(target, "合作单位")], params, pages) == expected


def test_message_and_evidence_of_a_hidden_gambling_link() -> None:
    links = [
        ext(CASINO, "澳门百家乐官网", OFF),
        ext(CASINO, "澳门百家乐官网", OFF, source=NEWS),
    ]
    [f] = run_kind("link_suspicious", snap(links=links))
    assert f.url == HOME and f.subject == CASINO
    assert f.message == (
        "http://gov.test/ 等 2 个页面的站外链接“澳门百**官网”（http://www.amylc-casino.com/）："
        "被隐藏，访问者看不到（定位到屏幕之外（left:-9999px），所在元素 <div>）；"
        "链接文字含博彩、色情等违规词“百**”；链接域名含“casino”，"
        "疑似暗链或链接有害内容，请立即核查删除并排查网站是否被篡改。"
    )
    assert f.evidence == {
        "target": CASINO,
        "text": "澳门百家乐官网",
        "reasons": ["hidden", "text", "host"],
        "hidden": OFF,
        "term": "百家乐",
        "host_word": "casino",
        "final_url": None,
        "final_host_word": None,
        "offsite": True,
        "sources": [HOME, NEWS],
        "source_count": 2,
    }


def test_redirect_message() -> None:
    pages = [external_page(PARTNER, "http://parked.com/landing")]
    [f] = run_kind("link_suspicious", snap(pages=pages, links=[ext(PARTNER, "合作单位")]))
    assert f.status == "warn" and f.evidence["final_url"] == "http://parked.com/landing"
    assert f.message == (
        "首页的站外链接“合作单位”（http://old-partner.com.cn/）：检查时跳转到其他域名 "
        "http://parked.com/landing，疑似域名过期被抢注或被劫持，请核查该链接是否为本网站有意设置。"
    )


def test_cap_keeps_fails_first_and_summarises_the_rest() -> None:
    links = [ext(f"http://w{i}.test/", "合作", BARE) for i in range(3)]
    links += [ext(f"http://f{i}.test/", "百家乐") for i in range(2)]
    result = run_kind("link_suspicious", snap(links=links), {"max_findings": 3})
    assert [(f.status, f.subject) for f in result] == [
        ("fail", "http://f0.test/"),
        ("fail", "http://f1.test/"),
        ("warn", "http://w0.test/"),
        ("warn", "其余可疑链接"),
    ]
    assert result[-1].evidence["count"] == 2
    assert result[-1].evidence["examples"] == ["http://w1.test/", "http://w2.test/"]


def test_unreachable_home_is_an_error() -> None:
    snapshot = snap(pages=[home_page(status=503)], links=[ext(CASINO, "百家乐", OFF)])
    assert [(f.status, f.subject) for f in run_kind("link_suspicious", snapshot)] == [
        ("error", "首页")
    ]


def test_params_are_validated() -> None:
    model = kinds()["link_suspicious"].params_model
    with pytest.raises(ValidationError, match="无法解析"):
        model.model_validate({"terms": ["regex:([x"]})
    with pytest.raises(ValidationError):
        model.model_validate({"onsite": "sometimes"})
    with pytest.raises(ValidationError):
        model.model_validate({"trusted_domains": [" "]})


def test_readme_example_validates() -> None:
    import re

    from ruamel.yaml import YAML

    readme = (ROOT / "README.md").read_text("utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "link_suspicious" in b]
    [rule] = YAML(typ="safe").load(block)["rules"]
    conf.Rule(**rule)
    kinds()["link_suspicious"].params_model.model_validate(rule["params"])


def test_shipped_rule_is_high_and_cites_19() -> None:
    rules = conf.load_config(ROOT / "config").rules
    [rule] = [r for r in rules if r.check == "link_suspicious"]
    assert rule.id == "link-suspicious" and rule.severity == "high"
    assert "国办秘函〔2019〕19号" in (rule.basis or "")
    kinds()["link_suspicious"].params_model.model_validate(rule.params)


# --- a real crawl -----------------------------------------------------------------------


def test_crawl_stores_the_hidden_reason_and_the_rule_reports_it(tmp_path: Path) -> None:
    """Real Scrapy against local servers: a hidden off-site gambling link and a redirect."""
    with SiteServer() as other, SiteServer() as parked, SiteServer() as gov:
        parked.routes["/"] = (200, HTML, "<html><body>parked</body></html>")
        # The old partner domain now redirects to another host (localhost, not 127.0.0.1).
        landing = f"http://localhost:{parked.port}/"
        other.routes["/bjl"] = (200, HTML, "<html><body>casino</body></html>")
        other.routes["/partner"] = (302, {"Location": landing}, "")
        other.routes["/menu"] = (200, HTML, "<html><body>ok</body></html>")
        gov.routes["/"] = (
            200,
            HTML,
            '<html><head><meta charset="utf-8"><title>测试市人民政府</title></head><body>'
            '<ul class="nav"><li><a href="/zwgk/">政务公开</a>'
            f'<ul class="subnav" style="display:none"><li><a href="{other.url("/menu")}">'
            "友情链接</a></li></ul></li></ul>"
            '<div style="position:absolute;left:-9999px;top:-9999px">'
            f'<a href="{other.url("/bjl")}">澳门百家乐</a></div>'
            f'<p><a href="{other.url("/partner")}">合作单位</a></p>'
            "</body></html>",
        )
        gov.routes["/zwgk/"] = (200, HTML, "<html><body><h1>政务公开</h1></body></html>")
        crawl = crawl_once(tmp_path, [site("gov", gov.url("/"))], FAST)
        assert crawl.rc == 0, crawl.progress
        db = f"sqlite:///{tmp_path / 'gongkai.db'}"
        with Store(db) as st:
            snapshot = st.load_snapshot(crawl.run_id, "gov")
            item = st.page_item(crawl.run_id, "gov", gov.url("/"))
    hidden = {lk.target_url: lk.hidden for lk in snapshot.links}
    assert hidden == {
        gov.url("/zwgk/"): None,
        other.url("/menu"): "display-none @ul.subnav",
        other.url("/bjl"): "offscreen left:-9999px @div",
        other.url("/partner"): None,
    }
    assert item is not None and {lk.url: lk.hidden for lk in item.links} == hidden
    assert snapshot.pages[other.url("/partner")].final_url == landing

    config = conf.load_config(tmp_path / "config")
    rule = make_rule("link_suspicious", title="暗链", basis="国办秘函〔2019〕19号")
    result: list[Finding] = evaluate(rule, config.sites[0], snapshot, dt.date(2025, 1, 6))
    assert [(f.status, f.subject, f.evidence["reasons"]) for f in result] == [
        ("fail", other.url("/bjl"), ["hidden", "text"]),
        ("warn", other.url("/partner"), ["redirect"]),
    ]
    assert result[0].url == gov.url("/")
    assert "定位到屏幕之外（left:-9999px）" in result[0].message
    assert result[1].evidence["final_url"] == landing


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of the parametrised backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gongkai.db'}"
    return request.getfixturevalue("pg_schema_url")


def test_store_keeps_the_reason_on_both_backends(db_url: str) -> None:
    site_cfg = conf.Site(id="city", name="示例市", kind="government", start_urls=[HOME])
    item = PageItem(
        run_id=0,
        site_id="city",
        url=HOME,
        kind="page",
        status=200,
        is_home=True,
        page_type="home",
        links=[
            LinkOut(CASINO, "百家乐", "external", hidden=OFF),
            LinkOut("http://gov.test/a.html", "本站", "page"),
        ],
    )
    with Store(db_url) as st:
        item.run_id = st.start_run(dt.date(2025, 1, 6), "config", [site_cfg])
        st.add_pages([item])
        snapshot = st.load_snapshot(item.run_id, "city")
        back = st.page_item(item.run_id, "city", HOME)
    assert [(lk.target_url, lk.hidden) for lk in snapshot.links] == [
        (CASINO, OFF),
        ("http://gov.test/a.html", None),
    ]
    assert back is not None and back.links == item.links
