"""timeliness: 成文/生成日期 → 发布日期 within 20 working days (条例第二十六条)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from checks.model import Page
from tests.test_checks import HOME, page, run_kind, snap, statuses

D = dt.date
ART = "http://gov.test/zwgk/"


def doc(n: int, catalogue: dict[str, str], pub: dt.date | None = None, **kw: Any) -> Page:
    """Build an article page with a catalogue block."""
    return page(
        f"{ART}t{n}.html",
        page_type="article",
        title=kw.pop("title", f"文件{n}"),
        pub_date=pub,
        catalogue=catalogue,
        **kw,
    )


@pytest.mark.parametrize(
    ("catalogue", "pub", "params", "expected"),
    [
        # 2024-02-01 → 2024-03-06: 春节 02-10..02-17 off, make-up Sundays 02-04 and 02-18 on:
        # Feb 02, 04, 05-09, 18, 19-23, 26-29 = 17, Mar 01, 04-06 = 4 → 21 working days.
        ({"written_date": "2024-02-01", "published_date": "2024-03-06"}, None, {}, "fail"),
        # Same span with the limit raised to 21: on time.
        (
            {"written_date": "2024-02-01", "published_date": "2024-03-06"},
            None,
            {"max_workdays": 21},
            "pass",
        ),
        # 2024-02-01 → 2024-03-05: 20 working days exactly → on time.
        ({"written_date": "2024-02-01", "published_date": "2024-03-05"}, None, {}, "pass"),
        # No 发布日期 in the block: the page's own date is used (06-03 → 07-03 = 21, 端午 off).
        ({"generated_date": "2024-06-03"}, D(2024, 7, 3), {}, "fail"),
        ({"generated_date": "2024-06-03"}, D(2024, 7, 2), {}, "pass"),
        # 成文日期 wins over 生成日期.
        (
            {"written_date": "2024-05-01", "generated_date": "2024-06-20"},
            D(2024, 6, 21),
            {},
            "fail",
        ),
        # No formation date, or no publish date at all: nothing to judge.
        ({"index_no": "x/2024-1", "published_date": "2024-06-21"}, None, {}, "pass"),
        ({"generated_date": "2024-01-02", "index_no": "x/2024-1"}, None, {}, "pass"),
        # Published before it was formed: a data error, not lateness.
        ({"written_date": "2024-06-21", "published_date": "2024-01-02"}, None, {}, "pass"),
    ],
)
def test_timeliness_table(
    catalogue: dict[str, str], pub: dt.date | None, params: dict[str, Any], expected: str
) -> None:
    got = run_kind("timeliness", snap([doc(1, catalogue, pub)]), params)
    assert [f.status for f in got] == ([] if expected == "pass" else [expected])


def test_timeliness_message_and_evidence() -> None:
    pages = [
        doc(1, {"written_date": "2024-02-01", "published_date": "2024-03-06"}, title="甲文件"),
        doc(2, {"generated_date": "2024-01-02", "published_date": "2024-04-01"}, title="乙文件"),
        doc(3, {"generated_date": "2024-04-01", "published_date": "2024-04-02"}, title="丙文件"),
    ]
    got = run_kind("timeliness", snap(pages), {"examples": 1})
    assert statuses(got) == [("fail", "信息发布时效")]
    f = got[0]
    # 2024-01-02 → 2024-04-01: Jan 21 + Feb 18 (with 02-04, 02-18) + Mar 21 + Apr 1 = 61.
    assert f.message == (
        "2 篇主动公开信息自形成到公开超过 20 个工作日（共核对 3 篇）："
        "《乙文件》生成日期 2024-01-02、发布日期 2024-04-01，相隔 61 个工作日等。"
    )
    assert f.url == f"{ART}t2.html"
    assert f.evidence["count"] == 2
    assert f.evidence["examples"][1] == {
        "url": f"{ART}t1.html",
        "title": "甲文件",
        "formed": "2024-02-01",
        "formed_label": "成文日期",
        "published": "2024-03-06",
        "published_label": "发布日期",
        "workdays": 21,
    }


def test_dates_outside_the_calendar_warn() -> None:
    pages = [doc(1, {"written_date": "2018-12-01", "published_date": "2019-03-01"})]
    got = run_kind("timeliness", snap(pages))
    assert statuses(got) == [("warn", "工作日日历")]
    assert got[0].message.startswith("日历缺少 2018 年数据，1 篇信息")


def test_failed_pages_are_not_judged() -> None:
    late = {"written_date": "2024-02-01", "published_date": "2024-04-01"}
    got = run_kind("timeliness", snap([doc(1, late, status=404)]))
    assert got == []


def test_unreachable_home_is_an_error() -> None:
    got = run_kind("timeliness", snap([page(HOME, status=503, is_home=True)]))
    assert statuses(got) == [("error", "首页")]
