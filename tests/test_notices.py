"""Outage notices: parsing (crawlers/notices.py), extraction hook, storage, outage_notice_late."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

import conf
from checks.model import Page
from checks.runner import evaluate
from crawlers.extract import analyse
from crawlers.items import PageItem
from crawlers.notices import is_notice_title, notice_type, parse_notice, parse_range
from store import Store
from tests.test_checks import HOME, NOW, make_rule, page, snap

PUB = "2026-11-20"

# --------------------------------------------------------------------------------- parse_range

RANGES = [
    # (text, publish date, start, end)
    ("停水时间：2026年11月25日8:00至18:00", PUB, "2026-11-25T08:00", "2026-11-25T18:00"),
    ("11月25日（星期三）8时至17时", PUB, "2026-11-25T08:00", "2026-11-25T17:00"),
    ("2026-11-25 08:00—2026-11-25 18:00", PUB, "2026-11-25T08:00", "2026-11-25T18:00"),
    ("11月25日22:00至次日6:00", PUB, "2026-11-25T22:00", "2026-11-26T06:00"),
    ("12月30日 22:00-6:00", PUB, "2026-12-30T22:00", "2026-12-31T06:00"),
    ("2026年11月25日8时30分至11月26日下午5时", PUB, "2026-11-25T08:30", "2026-11-26T17:00"),
    ("11月25日上午9点至下午3点半", PUB, "2026-11-25T09:00", "2026-11-25T15:30"),
    ("11月25日下午2时至5时", PUB, "2026-11-25T14:00", "2026-11-25T17:00"),
    ("2026年11月25日(周三)8:30～17:30", PUB, "2026-11-25T08:30", "2026-11-25T17:30"),
    ("２０２６年１１月２５日８：００—１８：００", PUB, "2026-11-25T08:00", "2026-11-25T18:00"),
    ("11月25日20:00至24:00", PUB, "2026-11-25T20:00", "2026-11-26T00:00"),
    ("停暖时间为11月25日至11月27日", PUB, "2026-11-25", "2026-11-27"),
    # Published in December about January: the outage is in the next year.
    ("1月3日9:00至17:00", "2026-12-28", "2027-01-03T09:00", "2027-01-03T17:00"),
    ("12月31日22:00至1月1日6:00", "2026-12-28", "2026-12-31T22:00", "2027-01-01T06:00"),
    # Start only: no end stated.
    ("定于2026年11月25日8:00起停水", PUB, "2026-11-25T08:00", None),
    # A 停水时间 label wins over an earlier date in the text (the publish line).
    ("我公司于11月20日10:00至11:00召开会议。停水时间：11月25日7:00-19:00", PUB,
     "2026-11-25T07:00", "2026-11-25T19:00"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "pub", "start", "end"), RANGES)
def test_parse_range(text: str, pub: str, start: str, end: str | None) -> None:
    got = parse_range(text, pub)
    assert got is not None
    assert (got["start"], got["end"]) == (start, end)


def test_year_is_inferred_only_when_missing() -> None:
    assert parse_range("11月25日8时至17时", PUB)["year_inferred"] is True  # type: ignore[index]
    assert parse_range("2026年11月25日8时至17时", PUB)["year_inferred"] is False  # type: ignore[index]


@pytest.mark.parametrize(
    "text",
    ["请用户提前做好储水准备", "11月25日", "本公司将于近日对管网进行改造", "11月25日至"],
)
def test_no_time_range(text: str) -> None:
    assert parse_range(text, PUB) is None


def test_year_less_date_without_publish_date_is_unparseable() -> None:
    assert parse_range("11月25日8时至17时", None) is None


# --------------------------------------------------------------------------------- titles, type


@pytest.mark.parametrize(
    ("title", "notice"),
    [
        ("关于人民路部分区域计划停水的公告", True),
        ("10kV城东线计划停电通知", True),
        ("关于解放路燃气管道碰口施工停气的公告", True),
        ("关于城北水厂检修期间降压供水的公告", True),
        ("2026年11月停电预告", True),
        ("关于南湖路供水管道抢修停水的通知", True),
        ("停水公告", True),  # a column title: analyse only reads articles
        ("公司开展供水管网抢修应急演练", False),
        ("关于调整居民用水价格的公告", False),
        ("用水过户办理指南", False),
        (None, False),
    ],
)
def test_is_notice_title(title: str | None, notice: bool) -> None:
    assert is_notice_title(title) is notice


@pytest.mark.parametrize(
    ("title", "kind", "plan"),
    [
        ("关于人民路部分区域计划停水的公告", "water", "planned"),
        ("关于东城片区管网改造临时停水的公告", "water", "temporary"),
        ("关于南湖路供水管道抢修停水的通知", "water", "emergency"),
        ("10kV城东线计划停电通知", "power", "planned"),
        ("临时停电公告", "power", "temporary"),
        ("关于城南片区调压站检修降压供气的通知", "gas", "planned"),
        ("关于热力管网故障停暖的通知", "heat", "emergency"),
        ("停水通知", "water", None),
    ],
)
def test_type_and_plan_from_title(title: str, kind: str, plan: str | None) -> None:
    got = parse_notice(title, "请用户做好准备。", PUB)
    assert (got["type"], got["plan"]) == (kind, plan)


def test_type_from_text_when_title_is_generic() -> None:
    assert notice_type("检修公告", "因燃气管道检修，届时将暂停供气。") == "gas"
    assert notice_type("检修公告", "请用户做好准备。") is None


NOTICE_TEXT = (
    "尊敬的用户：因人民路供水管网改造施工需要，我公司定于2026年11月25日8:00至18:00对人民路"
    "部分区域停止供水。\n停水范围：人民路（解放路至中山路段）沿线用户。\n请用户提前做好储水准备，"
    "如遇抢修顺延。如有疑问请致电服务热线：0571-12345678。\n示例市自来水有限公司\n2026年11月20日"
)


def test_parse_notice_fields() -> None:
    got = parse_notice("关于人民路部分区域计划停水的公告", NOTICE_TEXT, PUB)
    assert got == {
        "type": "water",
        "plan": "planned",
        "start": "2026-11-25T08:00",
        "end": "2026-11-25T18:00",
        "time_text": "2026年11月25日8:00至18:00",
        "year_inferred": False,
        "area": "人民路（解放路至中山路段）沿线用户",
        "reason": "人民路供水管网改造施工需要",
        "contact": True,
        "phone": "0571-12345678",
    }


def test_parse_notice_missing_facts_and_masked_mobile() -> None:
    got = parse_notice("停电通知", "近日将对线路进行检修，联系人手机13912345678。", PUB)
    assert (got["start"], got["end"], got["area"]) == (None, None, None)
    assert got["phone"] == "139****5678"
    assert got["plan"] == "planned"  # 检修 in the opening sentence


@pytest.mark.parametrize(
    ("label", "area"),
    [
        ("降压供水范围", "城北片区及北湖新区"),
        ("降压供气范围", "城南片区南环路以南区域"),
        ("停水范围", "东湖小区"),
        ("影响区域", "东湖小区"),
    ],
)
def test_area_labels(label: str, area: str) -> None:
    # 降压供水/降压供气 notices name their area "降压供水范围", not "降压范围".
    got = parse_notice("降压供水公告", f"一、时间：11月21日8:00至18:00。二、{label}：{area}。", PUB)
    assert got["area"] == area


# --------------------------------------------------------------------------------- analyse hook


def _html(title: str, body: str, date: str = "发布时间：2026-11-20 09:30") -> bytes:
    paras = "".join(f"<p>{line}</p>" for line in body.split("\n"))
    return (
        f"<html><head><title>{title}_示例市自来水有限公司</title></head><body>"
        '<div class="header">服务热线 0571-88888888 地址：示例路1号</div>'
        f'<div class="main"><h1>{title}</h1><div class="info">{date}</div>'
        f'<div class="content">{paras}</div></div>'
        '<div class="footer">版权所有 示例市自来水有限公司</div></body></html>'
    ).encode()


def test_analyse_reads_notice_of_article() -> None:
    pa = analyse(_html("关于人民路部分区域计划停水的公告", NOTICE_TEXT), "http://w.test/t/1.html")
    assert pa.page_type == "article"
    assert pa.notice is not None and pa.guide is None
    assert (pa.notice["start"], pa.notice["end"]) == ("2026-11-25T08:00", "2026-11-25T18:00")
    assert pa.notice["area"] == "人民路(解放路至中山路段)沿线用户"  # extract normalises brackets
    assert pa.to_json()["notice"]["type"] == "water"


def test_analyse_leaves_other_pages_alone() -> None:
    pa = analyse(_html("公司召开安全生产工作会议", NOTICE_TEXT), "http://w.test/t/2.html")
    assert (pa.notice, pa.guide) == (None, None)


def test_inline_pieces_of_a_time_are_kept_apart() -> None:
    body = "停水时间：<span>2026-11-25</span><span>08:00</span>—<span>2026-11-25</span>18:00"
    pa = analyse(_html("计划停水通知", body + "\n停水范围：全市。"), "http://w.test/t/3.html")
    assert pa.notice is not None
    assert (pa.notice["start"], pa.notice["end"]) == ("2026-11-25T08:00", "2026-11-25T18:00")


# --------------------------------------------------------------------------------- store


def test_notice_survives_the_store(tmp_path: Path) -> None:
    s = Store(f"sqlite:///{tmp_path / 'g.db'}")
    site = conf.Site(
        id="water", name="示例市自来水有限公司", kind="enterprise", sector="water",
        start_urls=["http://w.test/"],
    )  # fmt: skip
    run_id = s.start_run(dt.date(2026, 11, 26), "cfg", [site])
    notice = parse_notice("计划停水的公告", NOTICE_TEXT, PUB)
    s.add_page(
        PageItem(
            run_id=run_id, site_id="water", url="http://w.test/t/1.html", kind="page",
            status=200, page_type="article", title="计划停水的公告", pub_date=PUB,
            notice=notice,
        )
    )  # fmt: skip
    s.add_page(PageItem(run_id=run_id, site_id="water", url="http://w.test/", kind="page"))
    pages = s.load_snapshot(run_id, "water").pages
    assert pages["http://w.test/t/1.html"].notice == notice
    assert pages["http://w.test/"].notice is None and pages["http://w.test/"].guide is None
    item = s.page_item(run_id, "water", "http://w.test/t/1.html")
    assert item is not None and item.notice == notice
    s.close()


# --------------------------------------------------------------------------------- the kind

WATER = conf.Site(
    id="water", name="示例市自来水有限公司", kind="enterprise", sector="water", start_urls=[HOME]
)


def notice_page(n: int, title: str, published: str, start: str | None, **facts: Any) -> Page:
    """A stored notice page published at `published` ('YYYY-MM-DD' or with 'THH:MM')."""
    data: dict[str, Any] = {
        "type": "water", "plan": "planned", "start": start, "end": start,
        "time_text": None, "year_inferred": False, "area": "人民路沿线", "reason": None,
        "contact": True, "phone": "0571-12345678",
    }  # fmt: skip
    data.update(facts)
    cands = [("visible", published)]
    return page(
        f"{HOME}tsgg/{n}.html",
        page_type="article",
        title=title,
        pub_date=dt.date.fromisoformat(published[:10]),
        date_source="visible",
        date_candidates=cands,
        notice=data,
    )


def run(pages: list[Page], params: dict[str, Any] | None = None, **kw: Any) -> list:
    rule = make_rule("outage_notice_late", params)
    return evaluate(rule, WATER, snap(pages, **kw), NOW)


def test_water_notice_published_late_fails_with_evidence() -> None:
    p = notice_page(1, "关于人民路计划停水的公告", "2024-06-20T09:30", "2024-06-21T08:00")
    [f] = run([p])
    assert (f.status, f.subject, f.url) == ("fail", "关于人民路计划停水的公告", p.url)
    assert f.message == (
        "计划停水公告“关于人民路计划停水的公告”发布于 2024-06-20 09:30，停水开始于 "
        "2024-06-21 08:00，仅提前 22.5 小时，少于规定的 24 小时。"
    )
    assert f.evidence["notice_hours"] == 22.5
    assert f.evidence["required_hours"] == 24
    assert f.evidence["published"] == "2024-06-20T09:30"


def test_water_notice_in_time_passes() -> None:
    assert run([notice_page(1, "计划停水公告", "2024-06-20T09:30", "2024-06-21T10:00")]) == []


def test_publish_time_comes_from_the_matching_date_candidate_only() -> None:
    p = notice_page(1, "计划停水公告", "2024-06-20", "2024-06-21T10:00")
    p.date_candidates = [("visible", "2024-06-20"), ("url", "2024-06-19T08:00")]
    [f] = run([p])  # publish time unknown: 10..34 hours of notice
    assert f.status == "warn"
    assert f.evidence["notice_hours"] == [10.0, 34.0]
    assert "因未注明具体时刻，提前量在 10～34 小时之间" in f.message


def test_day_only_readings_fail_only_when_even_the_best_case_is_short() -> None:
    gas = {"type": "gas"}
    short = notice_page(1, "燃气管道改造停气公告", "2024-06-20", "2024-06-21T20:00", **gas)
    unsure = notice_page(2, "燃气管道改造停气公告（二）", "2024-06-19", "2024-06-21T08:00", **gas)
    found = {f.subject: f for f in run([short, unsure])}
    assert found[short.title].status == "fail"  # at most 44 h < 48 h
    assert found[short.title].evidence["notice_hours"] == [20.0, 44.0]
    assert found[unsure.title].status == "warn"  # 32..56 h
    day_start = notice_page(3, "停气公告", "2024-06-10T10:00", "2024-06-20", **gas)
    assert run([day_start]) == []  # at least 230 h


def test_power_planned_temporary_and_unknown() -> None:
    power = {"type": "power"}
    planned = notice_page(1, "计划停电公告", "2024-06-20T09:00", "2024-06-25T09:00", **power)
    temporary = notice_page(
        2, "临时停电公告", "2024-06-20T09:00", "2024-06-21T15:00", plan="temporary", type="power"
    )
    unknown = notice_page(3, "停电通知", "2024-06-20T09:00", "2024-06-22T09:00", plan=None, **power)
    found = {f.subject: f for f in run([planned, temporary, unknown])}
    assert found["计划停电公告"].status == "fail"
    assert found["计划停电公告"].evidence["required_hours"] == 168
    assert "临时停电公告" not in found  # 30 h ≥ 24 h
    assert found["停电通知"].status == "warn"
    assert found["停电通知"].message == (
        "停电公告“停电通知”未写明是计划停电还是临时停电，提前 48 小时，"
        "若为计划停电则少于规定的 168 小时。"
    )


def test_emergency_repairs_are_exempt() -> None:
    p = notice_page(
        1, "供水管道抢修停水通知", "2024-06-20T09:30", "2024-06-20T08:00", plan="emergency"
    )
    assert run([p]) == []


def test_missing_facts_warn_and_unparseable_start_never_passes() -> None:
    p = notice_page(1, "计划停水公告", "2024-06-20T09:30", None, end=None, area=None)
    [f] = run([p])
    assert (f.status, f.subject) == ("warn", "计划停水公告：缺少影响范围、开始时间、结束时间")
    assert f.message == (
        "停水公告“计划停水公告”未写明影响范围、开始时间、结束时间（或写法无法识别），"
        "用户无法据此安排。"
    )
    # Even when the operator does not require a start time, an unreadable one is reported.
    [g] = run([p], {"required_fields": []})
    assert (g.status, g.subject) == ("warn", "计划停水公告")
    assert g.message == "停水公告“计划停水公告”未能识别停水开始时间，无法核对是否按规定提前公告。"


def test_unknown_type_warns() -> None:
    p = notice_page(1, "检修公告", "2024-06-20T09:30", "2024-06-25T08:00", type=None)
    [f] = run([p])
    assert f.status == "warn" and "无法判断是停水、停电、停气还是停暖" in f.message


def test_types_and_age_filters() -> None:
    power = notice_page(1, "计划停电公告", "2024-06-20T09:00", "2024-06-20T10:00", type="power")
    assert run([power], {"types": ["water"]}) == []
    old = notice_page(2, "计划停水公告", "2023-01-10T09:00", "2023-01-10T10:00")
    assert run([old]) == []  # older than since_days (365)
    assert [f.status for f in run([old], {"since_days": 1000})] == ["fail"]


def test_unreachable_home_is_an_error() -> None:
    p = notice_page(1, "计划停水公告", "2024-06-20T09:30", "2024-06-21T08:00")
    home = page(HOME, status=None, error="timeout", is_home=True)
    [f] = run([p, home])
    assert f.status == "error" and "无法检查停水、停电、停气、停暖公告" in f.message


def test_readme_examples_validate() -> None:
    from ruamel.yaml import YAML

    from checks.registry import kinds
    from tests.test_docs import yaml_blocks

    rules = [
        rule
        for block in yaml_blocks()
        if "check: outage_notice_late" in block or "check: guide_outdated" in block
        for rule in YAML(typ="safe").load(block)["rules"]
    ]
    assert {r["check"] for r in rules} == {"outage_notice_late", "guide_outdated"}
    for raw in rules:
        rule = conf.Rule(**raw)
        kinds()[rule.check].params_model.model_validate(rule.params)


def test_times_in_a_table_beside_the_body_are_found() -> None:
    body = (
        "<p>因10kV线路检修需要，我公司将对下列线路停电，届时将影响部分用户用电，请提前做好准备。"
        "由此带来的不便，敬请谅解。</p><p>服务热线：95598。如遇恶劣天气顺延，另行通知。感谢支持。</p>"
    )
    table = (
        "<table><tr><td>停电时间</td><td>停电范围</td></tr>"
        "<tr><td>2026年11月28日 8:00-17:00</td><td>城东路沿线</td></tr></table>"
    )
    html_page = (
        "<html><head><title>计划停电公告</title></head><body><h1>计划停电公告</h1>"
        f"<div>发布时间：2026-11-20</div><div><div class='txt'>{body}</div>{table}</div>"
        "</body></html>"
    ).encode()
    pa = analyse(html_page, "http://p.test/tdgg/1.html")
    assert pa.notice is not None
    assert (pa.notice["type"], pa.notice["plan"]) == ("power", "planned")
    assert (pa.notice["start"], pa.notice["end"]) == ("2026-11-28T08:00", "2026-11-28T17:00")
