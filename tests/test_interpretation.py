"""interpretation_missing: policy documents and their 解读 (三同步, 3 working days, cross-links)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

import conf
from checks.kinds.interpretation_missing import title_cores
from checks.model import Link, Page
from checks.registry import kinds
from tests.test_checks import HOME, column, page, run_kind, snap, statuses

D = dt.date
DAY = D(2024, 6, 3)  # a Monday
DOC = "http://gov.test/zcwj/t1.html"
JD = "http://gov.test/zcjd/t2.html"
DOC_TITLE = "示例市人民政府办公室关于印发示例市促进消费若干措施的通知"


def doc_page(pub: dt.date = DAY, number: str = "示府办发〔2024〕12号", **kw: Any) -> Page:
    """Build a policy document in the 政策文件 column."""
    catalogue = {"index_no": "x/2024-1", "generated_date": "2024-06-01"}
    if number:
        catalogue["doc_number"] = number
    return page(
        DOC,
        page_type="article",
        title=kw.pop("title", DOC_TITLE),
        pub_date=pub,
        column=kw.pop("col", "政策文件"),
        catalogue=catalogue,
        **kw,
    )


def jd_page(title: str = "《示例市促进消费若干措施》政策解读", pub: dt.date = DAY) -> Page:
    """Build a 解读 page."""
    return page(JD, page_type="article", title=title, pub_date=pub, column="政策解读")


LINKED = [Link(source_url=DOC, target_url=JD, text="相关解读", kind="page")]


@pytest.mark.parametrize(
    ("pages", "links", "params", "expected"),
    [
        # Same day, linked: pass.
        ([doc_page(), jd_page()], LINKED, {}, []),
        # No 解读 at all: fail.
        ([doc_page()], [], {}, ["fail"]),
        # 解读 matched by title but no link either way: warn (interp_link).
        ([doc_page(), jd_page()], [], {}, ["warn"]),
        ([doc_page(), jd_page()], [], {"require_link": False}, []),
        # The link alone pairs them, whatever the 解读 is called.
        ([doc_page(), jd_page("一图读懂：消费新政")], LINKED, {}, []),
        # A link from the 解读 back to the document counts too.
        (
            [doc_page(), jd_page("一图读懂：消费新政")],
            [Link(source_url=JD, target_url=DOC, text="原文", kind="page")],
            {},
            [],
        ),
        # Mon 06-03 → Thu 06-06 = 3 working days: on time; Fri 06-07 = 4: late.
        ([doc_page(), jd_page(pub=D(2024, 6, 6))], LINKED, {}, []),
        ([doc_page(), jd_page(pub=D(2024, 6, 7))], LINKED, {}, ["fail"]),
        # Fri 06-07 → Wed 06-12: 端午 Mon 06-10 off, so 06-11, 06-12 = 2 working days.
        ([doc_page(pub=D(2024, 6, 7)), jd_page(pub=D(2024, 6, 12))], LINKED, {}, []),
        ([doc_page(), jd_page(pub=D(2024, 6, 7))], LINKED, {"max_workdays": 5}, []),
        # No 文号: not required by default; required when the rule asks for 政策文件 columns.
        ([doc_page(number="")], [], {}, []),
        ([doc_page(number="")], [], {"require_for": ["政策文件"]}, ["fail"]),
        # Only 规范性文件 required: a 政策文件 with a 文号 is out of scope.
        ([doc_page()], [], {"require_for": ["规范性文件"]}, []),
        # A news article with no 文号 outside the policy columns is not a policy document.
        ([doc_page(number="", col="工作动态")], [], {"require_for": [".*"]}, []),
        # The 文号 in the title makes it a document even without a catalogue field.
        (
            [
                doc_page(
                    number="", col="通知公告", title="关于印发某办法的通知（示府发〔2024〕3号）"
                )
            ],
            [],
            {},
            ["fail"],
        ),
    ],
)
def test_interpretation_table(
    pages: list[Page], links: list[Link], params: dict[str, Any], expected: list[str]
) -> None:
    got = run_kind("interpretation_missing", snap(pages, links), params)
    assert [f.status for f in got] == expected


def test_missing_interpretation_message() -> None:
    got = run_kind("interpretation_missing", snap([doc_page()]))
    assert statuses(got) == [("fail", DOC_TITLE)]
    assert got[0].message == (
        f"政策文件《{DOC_TITLE}》（示府办发〔2024〕12号）未发现配套解读，也没有链接到解读页面。"
    )
    assert got[0].url == DOC
    assert got[0].evidence == {
        "doc_title": DOC_TITLE,
        "doc_url": DOC,
        "doc_date": "2024-06-03",
        "doc_number": "示府办发〔2024〕12号",
    }


def test_late_interpretation_message_and_evidence() -> None:
    pages = [doc_page(), jd_page(pub=D(2024, 6, 7))]
    got = run_kind("interpretation_missing", snap(pages, LINKED))
    assert statuses(got) == [("fail", DOC_TITLE)]
    assert got[0].message == (
        f"政策文件《{DOC_TITLE}》发布于 2024-06-03，解读“《示例市促进消费若干措施》政策解读”"
        "发布于 2024-06-07，相隔 4 个工作日，超过 3 个工作日。"
    )
    assert got[0].url == JD
    ev = got[0].evidence
    assert (ev["interp_url"], ev["interp_date"], ev["workdays"], ev["linked"]) == (
        JD,
        "2024-06-07",
        4,
        True,
    )


def test_unlinked_pair_message() -> None:
    got = run_kind("interpretation_missing", snap([doc_page(), jd_page()]))
    assert got[0].message == (
        f"政策文件《{DOC_TITLE}》与解读“《示例市促进消费若干措施》政策解读”之间没有相互链接。"
    )


def test_unrelated_interpretation_does_not_pair() -> None:
    pages = [doc_page(), jd_page("《示例市养老服务体系建设规划》解读")]
    got = run_kind("interpretation_missing", snap(pages))
    assert statuses(got) == [("fail", DOC_TITLE)]


@pytest.mark.parametrize(
    ("doc", "interp", "match"),
    [
        (DOC_TITLE, "关于《示例市促进消费若干措施的通知》的解读", True),
        (DOC_TITLE, "一图读懂示例市促进消费若干措施", True),
        (
            "万载县2022年国民经济和社会发展统计公报",
            "图文解读：《万载县2022年国民经济和社会发展统计公报》",
            True,
        ),
        (DOC_TITLE, "《实施方案》解读", False),
    ],
)
def test_title_pairing(doc: str, interp: str, match: bool) -> None:
    a, b = title_cores(doc), title_cores(interp)
    assert any(x == y or x in y or y in x for x in a for y in b) is match


def test_calendar_gap_warns() -> None:
    old = page(
        DOC,
        page_type="article",
        title=DOC_TITLE,
        pub_date=D(2018, 12, 28),
        column="政策文件",
        catalogue={
            "index_no": "x",
            "doc_number": "示府发〔2018〕9号",
            "generated_date": "2018-12-20",
        },
    )
    got = run_kind("interpretation_missing", snap([old, jd_page(pub=D(2019, 1, 8))], LINKED))
    assert statuses(got) == [("warn", "工作日日历")]


def test_column_listing_marks_documents() -> None:
    # The article's own column is unknown; the 规范性文件 list page that lists it decides.
    listed = column("http://gov.test/gfxwj/", "规范性文件", [(DOC_TITLE, D(2024, 6, 3))])
    listed.entries[0].url = DOC
    got = run_kind(
        "interpretation_missing",
        snap([doc_page(number="", col=None)], columns=[listed]),
        {"require_for": ["规范性文件"]},
    )
    assert statuses(got) == [("fail", DOC_TITLE)]


def test_unreachable_home_is_an_error() -> None:
    got = run_kind("interpretation_missing", snap([page(HOME, status=503, is_home=True)]))
    assert statuses(got) == [("error", "首页")]


def test_title_holding_quotes_is_quoted_plainly() -> None:
    title = "示例市人民政府关于印发《示例市行政规范性文件管理办法》的通知"
    got = run_kind("interpretation_missing", snap([doc_page(title=title)]))
    assert got[0].message.startswith(f"政策文件“{title}”（示府办发〔2024〕12号）未发现配套解读")


def test_readme_examples_load() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    seen = set()
    for block in re.findall(r"```yaml\n(.*?)```", readme, flags=re.S):
        for raw in (YAML(typ="safe").load(block) or {}).get("rules") or []:
            if raw.get("check") in ("timeliness", "interpretation_missing"):
                rule = conf.Rule(**raw)
                kinds()[rule.check].params_model.model_validate(rule.params)
                seen.add(rule.check)
    assert seen == {"timeliness", "interpretation_missing"}
