"""Crawl-level recognition of 政府信息公开工作年度报告: pages read, attachments downloaded and read."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.model import AnnualReportRecord
from samplecity.annual import Report, report_docx_parts, report_html
from samplecity.build import _zip, pdf_bytes
from store import Store
from tests.siteserver import SiteServer
from tests.test_crawl import FAST, crawl_once, list_page, page, site

HTML = {"Content-Type": "text/html; charset=utf-8"}
DOCX = {"Content-Type": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
R25 = Report("测试市人民政府", 2025, 40, 2, 3)
R24 = Report("测试市人民政府", 2024, 35, 1, 2)


def report_page(r: Report) -> str:
    """An undated article page carrying the whole report."""
    return (
        f'<html><head><meta charset="utf-8"><title>{r.title}</title></head><body>'
        f'<div class="article"><h1>{r.title}</h1><div class="content">{report_html(r)}</div>'
        "</div></body></html>"
    )


@pytest.fixture(scope="module")
def crawled(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[dict[str, AnnualReportRecord], SiteServer, list]:
    """Crawl one site whose 年报 column holds every way a report is published."""
    tmp: Path = tmp_path_factory.mktemp("annual")
    s = SiteServer().start()
    entries = [
        ("/nb/2025.html", R25.title, "2026-01-20"),
        ("/nb/2024.html", R24.title, "2025-01-18"),
        ("/nb/guide.html", "政府信息公开指南", "2025-03-01"),
    ]
    files = (
        '<p><a href="/nb/nb2023.wps">2023年度政府信息公开工作年度报告</a></p>'
        '<p><a href="/nb/nb2022.pdf">2022年政府信息公开工作年度报告</a></p>'
        '<p><a href="/nb/bszn.pdf">办事指南</a></p>'
    )
    listing = list_page("政府信息公开年报", entries, None).replace("</body>", files + "</body>")
    s.routes.update(
        {
            "/": (
                200,
                HTML,
                page("测试市人民政府", '<a href="/nb/index.html">政府信息公开年报</a>'),
            ),
            "/nb/index.html": (200, HTML, listing),
            "/nb/2025.html": (200, HTML, report_page(R25)),
            "/nb/2024.html": (
                200,
                HTML,
                page(R24.title, '<p>全文见附件。</p><a href="/nb/nb2024.docx">年度报告全文</a>'),
            ),
            "/nb/guide.html": (
                200,
                HTML,
                page("政府信息公开指南", '<a href="/nb/sqb.docx">申请表</a>'),
            ),
            "/nb/nb2024.docx": (200, DOCX, _zip(report_docx_parts(R24))),
            "/nb/sqb.docx": (200, DOCX, _zip(report_docx_parts(R24))),
            "/nb/nb2023.wps": (200, {"Content-Type": "application/octet-stream"}, b"WPS binary"),
            "/nb/bszn.pdf": (200, {"Content-Type": "application/pdf"}, pdf_bytes("bszn")),
        }
    )
    try:
        result = crawl_once(tmp, [site("s", s.url("/"))], FAST)
        assert result.rc == 0
        with Store(f"sqlite:///{tmp / 'gongkai.db'}") as st:
            snapshot = st.load_snapshot(result.run_id, "s")
    finally:
        s.stop()
    records = {r.url.removeprefix(s.base): r for r in snapshot.annual_reports}
    return records, s, result.rows


def test_reports_found_by_page_title_and_link_text(crawled) -> None:
    records, _, _ = crawled
    assert sorted(records) == [
        "/nb/2024.html",
        "/nb/2025.html",
        "/nb/nb2022.pdf",
        "/nb/nb2023.wps",
        "/nb/nb2024.docx",
    ]
    assert {u: r.year for u, r in records.items()} == {
        "/nb/2024.html": 2024,
        "/nb/2025.html": 2025,
        "/nb/nb2022.pdf": 2022,
        "/nb/nb2023.wps": 2023,
        "/nb/nb2024.docx": 2024,
    }


def test_html_report_page_is_read_with_its_list_date(crawled) -> None:
    r = crawled[0]["/nb/2025.html"]
    assert (r.format, r.error, r.source_url) == ("html", None, None)
    assert r.pub_date is not None and r.pub_date.isoformat() == "2026-01-20"
    assert r.data is not None
    assert [s["number"] for s in r.data["sections"]] == ["一", "二", "三", "四", "五", "六"]
    assert r.data["table3"]["一"]["总计"] == 40
    assert r.data["table2"]["行政事业性收费"] == {"本年收费金额（万元）": "18.60"}


def test_attachment_of_a_report_page_is_downloaded_and_read(crawled) -> None:
    records, server, _ = crawled
    r = records["/nb/nb2024.docx"]
    assert (r.format, r.error) == ("docx", None)
    assert r.source_url == server.url("/nb/2024.html")
    assert r.pub_date is not None and r.pub_date.isoformat() == "2025-01-18"
    assert r.data is not None and r.data["table3"]["四"]["总计"] == 2
    # The wrapper page is recorded too, without sections: the checks choose the DOCX.
    assert records["/nb/2024.html"].data["sections"] == []  # type: ignore[index]
    assert "/nb/nb2024.docx" in server.paths("GET")


def test_unreadable_and_missing_report_files_keep_their_reason(crawled) -> None:
    records, server, _ = crawled
    assert "WPS" in (records["/nb/nb2023.wps"].error or "")
    assert records["/nb/nb2023.wps"].data is None
    assert records["/nb/nb2022.pdf"].error == "年报文件无法下载（HTTP 404）"
    assert "/nb/nb2023.wps" in server.paths("GET")


def test_other_attachments_are_scanned_not_read_as_reports(crawled) -> None:
    records, server, rows = crawled
    # Not reports (no annual_reports row); downloaded only so privacy_leak can scan their
    # text (scan_attachments, on by default).
    assert not {"/nb/bszn.pdf", "/nb/sqb.docx"} & set(records)
    scans = {r["url"].removeprefix(server.base): r["privacy_scan"] for r in rows}
    assert scans["/nb/bszn.pdf"]["scanned"] and scans["/nb/sqb.docx"]["scanned"]
    methods = {r["url"].removeprefix(server.base): r["method"] for r in rows}
    assert methods["/nb/bszn.pdf"] == "GET" and methods["/nb/nb2024.docx"] == "GET"
