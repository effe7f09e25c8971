"""The annual_report_* check kinds over stored report candidates (table-driven)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

import conf
from checks.annual_reports import best, to_report
from checks.model import AnnualReportRecord, Column, Entry, Finding, Link, SiteSnapshot
from checks.runner import evaluate
from crawlers.annual_report import read_report
from crawlers.spiders.site import read_annual_report
from samplecity.annual import Report, report_docx_parts, report_html
from samplecity.build import _zip
from tests.test_checks import HOME, page, snap

NOW = dt.date(2026, 11, 23)
D = dt.date.fromisoformat


def html_page(r: Report) -> bytes:
    """Render a report as a CMS article page (title, report body, footer)."""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        f"{r.title}_政府信息公开年报</title></head><body><h1>{r.title}</h1>"
        f'<div class="content">{report_html(r)}</div><div class="footer">主办单位：{r.org}</div>'
        "</body></html>"
    ).encode()


def stored(out: Any, url: str) -> AnnualReportRecord:
    """Turn a spider ReportOut into the record load_snapshot returns (through JSON, as stored)."""
    data = json.loads(json.dumps(out.data)) if out.data is not None else None
    return AnnualReportRecord(
        url=url,
        year=out.year,
        title=out.title,
        format=out.format,
        pub_date=D(out.pub_date) if out.pub_date else None,
        source_url=out.source_url,
        data=data,
        error=out.error,
    )


def rec(r: Report, pub: str | None = "2026-01-20", url: str | None = None) -> AnnualReportRecord:
    """Read an HTML report page the way the spider does and store it."""
    out = read_annual_report(html_page(r), "text/html", r.year, r.title, pub, None)
    return stored(out, url or f"{HOME}xxgk/nb/{r.year}.html")


def docx_rec(r: Report, pub: str = "2026-01-20") -> AnnualReportRecord:
    """Read a DOCX report attachment the way the spider does and store it."""
    url = f"{HOME}xxgk/nb/nb{r.year}.docx"
    out = read_annual_report(
        _zip(report_docx_parts(r)), url, r.year, "年度报告全文", pub, f"{HOME}nb.html"
    )
    return stored(out, url)


def error_rec(year: int, error: str = "PDF 没有可读取的文字层") -> AnnualReportRecord:
    """A candidate that could not be read."""
    url = f"{HOME}xxgk/nb/nb{year}.pdf"
    return AnnualReportRecord(
        url, year, f"{year}年政府信息公开工作年度报告", "pdf", None, None, None, error
    )


def wrapper_rec(year: int) -> AnnualReportRecord:
    """An HTML page that only says the report is attached."""
    body = (
        f"<html><body><h1>{year}年政府信息公开工作年度报告</h1><p>全文见附件。</p></body></html>"
    ).encode()
    out = read_annual_report(body, "text/html", year, "t", "2026-01-20", None)
    return stored(out, f"{HOME}xxgk/nb/w{year}.html")


GOOD24 = Report("示例市人民政府", 2024, 74, 3, 6)
GOOD25 = Report("示例市人民政府", 2025, 86, 6, 5)


def site(kind: str = "government") -> conf.Site:
    """A site of the given kind."""
    return conf.Site(id="city", name="示例市人民政府", kind=kind, start_urls=[HOME])


def run(
    check: str,
    reports: list[AnnualReportRecord],
    params: dict[str, Any] | None = None,
    kind: str = "government",
    now: dt.date = NOW,
    **snap_kw: Any,
) -> list[Finding]:
    """Evaluate one annual kind on a snapshot holding these report candidates."""
    snapshot = snap(**snap_kw)
    snapshot.annual_reports = reports
    rule = conf.Rule(
        id=check.replace("_", "-"),
        check=check,
        title="t",
        severity="high",
        basis="条例第四十九条",
        params=params or {},
    )
    return evaluate(rule, site(kind), snapshot, now)


def pairs(findings: list[Finding]) -> list[tuple[str, str]]:
    """Return (status, subject) pairs."""
    return [(f.status, f.subject) for f in findings]


def listed(title: str, day: str | None) -> dict[str, Any]:
    """Snapshot kwargs for a 年报 column that lists one entry (not fetched)."""
    key = f"{HOME}xxgk/nb/index.html"
    entry = Entry(key, key, title, f"{HOME}xxgk/nb/a.html", D(day) if day else None)
    return {"columns": [Column(key, "政府信息公开年报", "meta", [key], [entry])]}


# --- missing and late ----------------------------------------------------------------------

MISSING = "2025年度年报"

DEADLINE_CASES: list[tuple[str, str, dict[str, Any], list[tuple[str, str]]]] = [
    # (id, check, run kwargs, expected (status, subject))
    (
        "gov-none-after-deadline",
        "annual_report_missing",
        {"now": D("2026-04-01")},
        [("fail", MISSING)],
    ),
    ("gov-none-on-deadline-day", "annual_report_missing", {"now": D("2026-03-31")}, []),
    (
        "dept-none-after-its-deadline",
        "annual_report_missing",
        {"kind": "department", "now": D("2026-02-01")},
        [("fail", MISSING)],
    ),
    ("enterprise-not-judged", "annual_report_missing", {"kind": "enterprise"}, []),
    (
        "deadline-is-a-parameter",
        "annual_report_missing",
        {"now": D("2026-04-01"), "params": {"deadlines": {"government": "05-31"}}},
        [],
    ),
    ("found-as-report", "annual_report_missing", {"reports": [rec(GOOD25)]}, []),
    ("unreadable-still-published", "annual_report_missing", {"reports": [error_rec(2025)]}, []),
    ("only-older-year", "annual_report_missing", {"reports": [rec(GOOD24)]}, [("fail", MISSING)]),
    (
        "found-as-link-text",
        "annual_report_missing",
        {"links": [Link(HOME, f"{HOME}nb.pdf", "2025年度政府信息公开工作年度报告", "attachment")]},
        [],
    ),
    (
        "found-as-list-entry",
        "annual_report_missing",
        listed("示例市人民政府2025年政府信息公开年度报告", "2026-03-01"),
        [],
    ),
    (
        "home-down-is-error",
        "annual_report_missing",
        {"pages": [page(HOME, status=None, error="connection", is_home=True)]},
        [("error", "首页")],
    ),
    ("gov-on-time", "annual_report_late", {"reports": [rec(GOOD25, "2026-03-31")]}, []),
    (
        "gov-one-day-late",
        "annual_report_late",
        {"reports": [rec(GOOD25, "2026-04-01")]},
        [("fail", MISSING)],
    ),
    (
        "dept-late",
        "annual_report_late",
        {"kind": "department", "reports": [rec(GOOD25, "2026-02-16")]},
        [("fail", MISSING)],
    ),
    (
        "earliest-copy-counts",
        "annual_report_late",
        {"kind": "department", "reports": [rec(GOOD25, "2026-02-16"), rec(GOOD25, "2026-01-30")]},
        [],
    ),
    (
        "not-yet-due",
        "annual_report_late",
        {"reports": [rec(GOOD25, "2026-04-10")], "now": D("2026-03-01")},
        [],
    ),
    ("absent-is-missing-not-late", "annual_report_late", {}, []),
    ("undated-warns", "annual_report_late", {"reports": [rec(GOOD25, None)]}, [("warn", MISSING)]),
    (
        "late-by-list-date",
        "annual_report_late",
        listed("示例市人民政府2025年政府信息公开工作年度报告", "2026-04-02"),
        [("fail", MISSING)],
    ),
]


@pytest.mark.parametrize(
    ("check", "kw", "expected"), [c[1:] for c in DEADLINE_CASES], ids=[c[0] for c in DEADLINE_CASES]
)
def test_missing_and_late(check: str, kw: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    kw = dict(kw)
    reports = kw.pop("reports", [])
    assert pairs(run(check, reports, **kw)) == expected


def test_late_quotes_dates() -> None:
    (f,) = run("annual_report_late", [rec(GOOD25, "2026-02-16")], kind="department")
    assert f.evidence == {
        "year": 2025,
        "published": "2026-02-16",
        "deadline": "2026-01-31",
        "days_late": 16,
    }
    assert "晚于 2026-01-31 的期限 16 天" in f.message


def test_bad_deadline_parameter_is_a_config_error() -> None:
    (f,) = run("annual_report_missing", [], params={"deadlines": {"government": "3月31日"}})
    assert (f.status, f.subject) == ("error", "规则配置")


# --- content kinds -----------------------------------------------------------------------

NO_PERIOD = dataclasses.replace(GOOD25, states_period=False)
T4_WRONG = dataclasses.replace(GOOD25, review_total_error=1)
COPIED = dataclasses.replace(GOOD25, five_from=2024)
CARRY_WRONG = dataclasses.replace(GOOD25, carried=4)

CONTENT_CASES: list[
    tuple[str, str, list[AnnualReportRecord], dict[str, Any], list[tuple[str, str]]]
] = [
    ("structure-clean", "annual_report_structure", [rec(GOOD25)], {}, []),
    (
        "structure-no-period",
        "annual_report_structure",
        [rec(NO_PERIOD)],
        {},
        [("fail", "2025年度年报：未写明统计期限（应为 2025年1月1日至2025年12月31日）")],
    ),
    (
        "structure-older-year-ignored-by-default",
        "annual_report_structure",
        [rec(GOOD25), rec(dataclasses.replace(GOOD24, states_period=False))],
        {},
        [],
    ),
    (
        "structure-years-param",
        "annual_report_structure",
        [rec(GOOD25), rec(dataclasses.replace(GOOD24, states_period=False))],
        {"years": 2},
        [("fail", "2024年度年报：未写明统计期限（应为 2024年1月1日至2024年12月31日）")],
    ),
    (
        "structure-scan-is-error",
        "annual_report_structure",
        [error_rec(2025)],
        {},
        [("error", MISSING)],
    ),
    (
        "structure-readable-copy-wins-over-scan",
        "annual_report_structure",
        [error_rec(2025), rec(GOOD25)],
        {},
        [],
    ),
    (
        "structure-empty-wrapper-is-error",
        "annual_report_structure",
        [wrapper_rec(2025)],
        {},
        [("error", MISSING)],
    ),
    (
        "structure-wrapper-gives-way-to-docx",
        "annual_report_structure",
        [wrapper_rec(2025), docx_rec(NO_PERIOD)],
        {},
        [("fail", "2025年度年报：未写明统计期限（应为 2025年1月1日至2025年12月31日）")],
    ),
    ("arithmetic-clean", "annual_report_arithmetic", [rec(GOOD25), docx_rec(GOOD25)], {}, []),
    (
        "arithmetic-t4-total",
        "annual_report_arithmetic",
        [rec(T4_WRONG)],
        {},
        [("fail", "2025年度年报：表四「行政复议」 总计≠各项之和")],
    ),
    (
        "arithmetic-docx",
        "annual_report_arithmetic",
        [wrapper_rec(2025), docx_rec(T4_WRONG)],
        {},
        [("fail", "2025年度年报：表四「行政复议」 总计≠各项之和")],
    ),
    (
        "arithmetic-scan-is-error",
        "annual_report_arithmetic",
        [error_rec(2025, "无法下载")],
        {},
        [("error", MISSING)],
    ),
    ("carryover-clean", "annual_report_carryover", [rec(GOOD25), rec(GOOD24)], {}, []),
    ("carryover-needs-last-year", "annual_report_carryover", [rec(CARRY_WRONG)], {}, []),
    (
        "carryover-mismatch",
        "annual_report_carryover",
        [rec(CARRY_WRONG), rec(GOOD24)],
        {},
        [
            ("fail", "2025年度年报：表三「自然人」列 上年结转≠上年度结转下年度"),
            ("fail", "2025年度年报：表三「总计」列 上年结转≠上年度结转下年度"),
        ],
    ),
    (
        "carryover-previous-unreadable",
        "annual_report_carryover",
        [rec(GOOD25), error_rec(2024)],
        {},
        [("error", "2024年度年报")],
    ),
    ("boilerplate-clean", "annual_report_boilerplate", [rec(GOOD25), rec(GOOD24)], {}, []),
    (
        "boilerplate-copied-five",
        "annual_report_boilerplate",
        [rec(COPIED), rec(GOOD24)],
        {},
        [("fail", "2025年度年报：第五部分与上年雷同")],
    ),
    (
        "boilerplate-only-chosen-sections",
        "annual_report_boilerplate",
        [rec(COPIED), rec(GOOD24)],
        {"sections": ["一"]},
        [],
    ),
    (
        "boilerplate-threshold-param",
        "annual_report_boilerplate",
        [rec(GOOD25), rec(GOOD24)],
        # The two 第一部分 share a few phrases (similarity 0.046); the 第五部分 share none.
        {"similarity": 0.04},
        [("fail", "2025年度年报：第一部分与上年雷同")],
    ),
]


@pytest.mark.parametrize(
    ("check", "reports", "params", "expected"),
    [c[1:] for c in CONTENT_CASES],
    ids=[c[0] for c in CONTENT_CASES],
)
def test_content_kinds(
    check: str,
    reports: list[AnnualReportRecord],
    params: dict[str, Any],
    expected: list[tuple[str, str]],
) -> None:
    assert pairs(run(check, reports, params)) == expected


def test_arithmetic_finding_quotes_the_cells() -> None:
    (f,) = run("annual_report_arithmetic", [rec(T4_WRONG)])
    assert f.url == f"{HOME}xxgk/nb/2025.html"
    assert f.evidence["code"] == "t4_totals"
    cells = {c["column"]: c["value"] for c in f.evidence["cells"]}
    assert cells == {"结果维持": 1, "结果纠正": 0, "其他结果": 0, "尚未审结": 1, "总计": 3}
    assert "不等于总计 3" in f.message


def test_carryover_quotes_both_years() -> None:
    f = run("annual_report_carryover", [rec(CARRY_WRONG), rec(GOOD24)])[0]
    assert f.evidence["cells"] == [
        {"table": "表三", "row": "二", "column": "自然人", "value": 4, "year": 2025},
        {"table": "表三", "row": "四", "column": "自然人", "value": 6, "year": 2024},
    ]


def test_blank_cell_warns() -> None:
    r = rec(GOOD25)
    assert r.data is not None
    r.data["blank_cells"] = [{"table": "表三", "row": "三(二)", "column": "科研机构"}]
    (f,) = run("annual_report_arithmetic", [r])
    assert f.status == "warn" and "空白单元格" in f.subject
    assert f.evidence["cells"] == [
        {"table": "表三", "row": "三(二)", "column": "科研机构", "value": None}
    ]


def test_unreadable_error_names_the_reason() -> None:
    (f,) = run("annual_report_structure", [error_rec(2025, "不支持旧版 Word/WPS 文件")])
    assert "不支持旧版 Word/WPS 文件" in f.message and f.url == f"{HOME}xxgk/nb/nb2025.pdf"


def test_stored_report_round_trips_to_the_reader_result() -> None:
    r = docx_rec(GOOD25)
    direct = read_report(_zip(report_docx_parts(GOOD25)), "nb2025.docx", year=2025)
    rebuilt = to_report(r)
    for name in ("title", "year", "sections", "period", "template_version", "table2", "table3"):
        assert getattr(rebuilt, name) == getattr(direct, name), name
    assert rebuilt.table4 == direct.table4 and rebuilt.blank_cells == direct.blank_cells
    # Decimals survive the JSON column as strings.
    assert str(rebuilt.table2["行政事业性收费"]["本年收费金额（万元）"]) == "18.60"


def test_best_prefers_the_complete_candidate() -> None:
    wrapper, full = wrapper_rec(2025), docx_rec(GOOD25)
    assert best([wrapper, full]) is full and best([full, wrapper]) is full
    assert best([error_rec(2025), wrapper]) is not None


def test_snapshot_field_defaults_to_empty() -> None:
    s = SiteSnapshot(1, "x", [HOME], {}, [], [])
    assert s.annual_reports == []
