"""政府信息公开指南: element reading (crawlers/guide.py), the analyse hook, guide_outdated."""

from __future__ import annotations

import datetime as dt
import html
import os
from pathlib import Path
from typing import Any

import pytest

from checks.model import Page
from checks.runner import evaluate
from crawlers.extract import analyse
from crawlers.guide import ELEMENTS, is_guide_title, parse_guide
from tests.test_checks import HOME, NOW, make_rule, make_site, page, snap

REALWORLD = Path(
    os.environ.get("GONGKAI_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)
PINGTAN = REALWORLD / "text" / "pingtan_zfxxgkzn_guide_page.txt"


def pingtan_body() -> str:
    """Return the body of the real 平潭 guide (the archive text after its 正文 marker)."""
    if not PINGTAN.is_file():
        reason = f"real guide not found at {PINGTAN} (set GONGKAI_REALWORLD)"
        if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return PINGTAN.read_text(encoding="utf-8").split("正文 ====================", 1)[1]


# --------------------------------------------------------------------------------- parse_guide


def test_real_pingtan_guide_elements() -> None:
    got = parse_guide(pingtan_body(), "2024-03-23")
    # Read off the page: 编排体系 (三), 公开渠道 (四), 通信地址/地址, 咨询时间 周一至周五,
    # 咨询电话, 电子邮箱 pzxxgkb＠163.com, 依申请公开 (二); no 传真 anywhere; no stated update date.
    assert got == {
        "elements": ["classification", "access", "address", "hours", "phone", "internet"],
        "advisory": ["application"],
        "date": "2024-03-23",
        "date_source": "pub_date",
    }


def test_real_pingtan_guide_through_analyse() -> None:
    # The archive text wrapped in a minimal page (read at test time, never stored in the repo).
    paras = "".join(f"<p>{html.escape(x)}</p>" for x in pingtan_body().split("。") if x.strip())
    body = (
        "<html><head><title>平潭综合实验区政府信息公开指南</title></head><body>"
        '<div class="header">地址：首页头部 传真：0591-0000000</div>'
        "<h1>平潭综合实验区政府信息公开指南</h1><div>发布时间：2024-03-23 16:23</div>"
        f'<div class="content">{paras}</div></body></html>'
    ).encode()
    pa = analyse(body, "https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgkzn/202311/t20231104_51587.htm")
    assert pa.notice is None
    assert pa.guide is not None
    # The header's 传真 is page chrome, not the guide: fax stays missing.
    assert "fax" not in pa.guide["elements"]
    assert set(ELEMENTS) - set(pa.guide["elements"]) == {"fax"}
    assert pa.guide["date"] == "2024-03-23"


@pytest.mark.parametrize(
    ("text", "date"),
    [
        ("本指南更新日期：2023年5月8日。", "2023-05-08"),
        ("（2021年6月1日修订）", "2021-06-01"),
        ("修订时间：2020-03-01；更新时间：2022-09-30", "2022-09-30"),
        ("２０２２年９月３０日更新", "2022-09-30"),
        ("自2020年1月1日起施行", "2024-01-01"),  # not an update date: the pub_date is used
    ],
)
def test_stated_date(text: str, date: str) -> None:
    assert parse_guide(text, "2024-01-01")["date"] == date


def test_no_date_at_all() -> None:
    assert parse_guide("联系电话：12345", None)["date"] is None


@pytest.mark.parametrize(
    ("title", "guide"),
    [
        ("平潭综合实验区政府信息公开指南", True),
        ("示例市自来水有限公司信息公开指南", True),
        ("示例市人民医院办事公开指南", True),
        ("用水过户办理指南", False),
        ("就医指南", False),
        (None, False),
    ],
)
def test_is_guide_title(title: str | None, guide: bool) -> None:
    assert is_guide_title(title) is guide


# --------------------------------------------------------------------------------- the kind

FULL = ["classification", "access", "address", "hours", "phone", "fax", "internet"]


def guide_page(
    n: int, pub: dt.date | None, elements: list[str], date: str | None = None, **kw: Any
) -> Page:
    """A stored guide page with the elements its text showed."""
    stated = date or (pub.isoformat() if pub else None)
    return page(
        f"{HOME}xxgk/zn/{n}.html",
        page_type="article",
        title=kw.pop("title", "示例市人民政府政府信息公开指南"),
        pub_date=pub,
        guide={
            "elements": elements,
            "advisory": kw.pop("advisory", ["application"]),
            "date": stated,
            "date_source": "text" if date else "pub_date" if pub else None,
        },
        **kw,
    )


def run(pages: list[Page], params: dict[str, Any] | None = None) -> list:
    return evaluate(make_rule("guide_outdated", params), make_site(), snap(pages), NOW)


def test_complete_recent_guide_passes() -> None:
    assert run([guide_page(1, dt.date(2024, 3, 1), FULL)]) == []


def test_no_guide_fails() -> None:
    [f] = run([page(f"{HOME}about.html", page_type="article", title="关于我们")])
    assert (f.status, f.subject, f.url) == ("fail", "政府信息公开指南", HOME)
    assert f.message == "本次抓取未找到政府信息公开指南页面（条例第十二条要求编制并公布）。"
    assert run([], {"missing_is_fail": False}) == []


def test_missing_elements_fail_listing_them() -> None:
    g = guide_page(1, dt.date(2024, 3, 1), [e for e in FULL if e not in ("fax", "hours")])
    [f] = run([g])
    assert (f.status, f.subject, f.url) == (
        "fail",
        "政府信息公开指南：缺少办公时间、传真号码",
        g.url,
    )
    assert f.message == (
        "政府信息公开指南“示例市人民政府政府信息公开指南”未写明办公时间、传真号码（条例第十二条）。"
    )
    assert f.evidence["missing"] == ["hours", "fax"]
    assert run([g], {"required": ["address", "phone"]}) == []


def test_advisory_application_warns() -> None:
    [f] = run([guide_page(1, dt.date(2024, 3, 1), FULL, advisory=[])])
    assert (f.status, f.subject) == ("warn", "政府信息公开指南：未说明依申请公开程序")


def test_old_guide_warns() -> None:
    g = guide_page(1, dt.date(2024, 3, 1), FULL, date="2022-06-29")
    [f] = run([g])
    assert (f.status, f.subject) == ("warn", "政府信息公开指南：超过2年未更新")
    assert f.message == (
        "政府信息公开指南“示例市人民政府政府信息公开指南”的日期为 2022-06-29（已 732 天），"
        "超过 2 年未更新，请核实是否与现行机构、地址和联系方式一致。"
    )
    assert (f.evidence["date"], f.evidence["date_source"]) == ("2022-06-29", "text")
    # Exactly two years old is still within the limit.
    assert run([guide_page(1, None, FULL, date="2022-06-30")]) == []
    assert run([g], {"max_age_years": 3}) == []


def test_undated_guide_warns() -> None:
    [f] = run([guide_page(1, None, FULL)])
    assert (f.status, f.subject) == ("warn", "政府信息公开指南：未注明日期")


def test_newest_guide_is_judged() -> None:
    old = guide_page(1, dt.date(2019, 5, 1), FULL[:3])
    new = guide_page(2, dt.date(2024, 1, 5), FULL)
    assert run([old, new]) == []


def test_unreachable_home_is_an_error() -> None:
    home = page(HOME, status=None, error="dns", is_home=True)
    [f] = run([home, guide_page(1, dt.date(2024, 3, 1), FULL)])
    assert f.status == "error" and "无法检查政府信息公开指南" in f.message
