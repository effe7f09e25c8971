"""The sample city's PDF writer (samplecity/pdf.py) and its PDF annual report (issue 4)."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pdfplumber
import pytest

import samplecity
from checks.annual import check_structure
from crawlers.annual_report import T3_COLUMNS, T4_BLOCKS, T4_COLUMNS, AnnualReport, read_report
from samplecity.annual import Report, report_html, report_pdf
from samplecity.pdf import PAGE_W, Table, pdf_document
from samplecity.spec import SITES


def _pages(data: bytes) -> list[pdfplumber.page.Page]:
    return pdfplumber.open(io.BytesIO(data)).pages


def _text_lines(data: bytes) -> list[str]:
    """Return the extracted text lines of every page, in order."""
    return [line for p in _pages(data) for line in (p.extract_text() or "").splitlines()]


@pytest.mark.parametrize(
    "lines",
    [
        ["示例市政府信息公开工作年度报告"],
        ["一、总体情况", "全年主动公开政府信息510条，发布政策解读25篇。"],
        ["所列数据统计期限自2025年1月1日起至2025年12月31日止。", "收费金额18.60万元"],
        ["（三）不予公开 1.属于国家秘密", "3.危及“三安全一稳定”", "—…、《》：；？！"],
        ["ASCII only: A-Z a-z 0-9 %/()", "混排 mixed 文字 text"],
    ],
)
def test_text_lines_read_back_unchanged(lines: list[str]) -> None:
    assert _text_lines(pdf_document(lines)) == lines


def test_title_comes_first_and_is_centred() -> None:
    data = pdf_document(["正文一行。"], title="示例标题")
    assert _text_lines(data) == ["示例标题", "正文一行。"]
    chars = _pages(data)[0].chars
    title = [c for c in chars if c["size"] > 11]
    assert len(title) == 4
    assert abs((title[0]["x0"] + title[-1]["x1"]) / 2 - PAGE_W / 2) < 1


def test_long_paragraph_wraps_without_splitting_numbers() -> None:
    para = "全年新增主动公开信息" + "，受理公开申请12345件" * 8 + "。"
    lines = _text_lines(pdf_document([para]))
    assert len(lines) > 1 and "".join(lines) == para
    for line in lines:  # a number is never cut at a line end
        assert set(re.findall(r"\d+", line)) <= {"12345"}, line
    for c in _pages(pdf_document([para]))[0].chars:
        assert 56 - 0.01 <= c["x0"] and c["x1"] <= PAGE_W - 56 + 0.01


def test_many_lines_flow_onto_further_pages() -> None:
    lines = [f"第{i}行文字" for i in range(1, 121)]
    data = pdf_document(lines)
    assert len(_pages(data)) == 3
    assert _text_lines(data) == lines


def test_ruled_table_cells_read_back() -> None:
    rows = [
        ["信息内容", "本年制发件数", "本年废止件数"],
        ["规章", "0", ""],
        ["行政规范性文件", "3", "1"],
    ]
    data = pdf_document(["表头之前", Table(rows), "表格之后"])
    tables = [t for p in _pages(data) for t in p.extract_tables()]
    assert tables == [rows]
    assert _text_lines(data)[0] == "表头之前" and _text_lines(data)[-1] == "表格之后"


def test_wrapped_cell_keeps_its_text_in_one_cell() -> None:
    label = "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"
    data = pdf_document([Table([[label, "7"]], weights=[1, 4])])
    (table,) = [t for p in _pages(data) for t in p.extract_tables()]
    assert table[0][1] == "7"
    assert table[0][0] is not None and "\n" in table[0][0]
    assert table[0][0].replace("\n", "") == label


def test_output_is_byte_stable_and_has_no_clock_or_ids() -> None:
    r = Report("示例市住房和城乡建设局", 2025, 52, 2, 3, published=510)
    a, b = report_pdf(r), report_pdf(r)
    assert a == b and a.startswith(b"%PDF-1.4")
    for marker in (b"/CreationDate", b"/ModDate", b"/ID", b"/FontFile"):
        assert marker not in a
    assert b"/BaseFont /STSong-Light" in a and b"/Encoding /UniGB-UCS2-H" in a


def test_characters_outside_the_bmp_are_refused() -> None:
    with pytest.raises(ValueError, match="BMP"):
        pdf_document(["𠀀"])


# --- the sample report -------------------------------------------------------------------


def _expected_tables(r: Report) -> tuple[dict, dict, dict]:
    """Return 表二, 表三 and 表四 as read_report should give them for this Report."""
    t2 = {
        "规章": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
        "行政规范性文件": {"本年制发件数": 3, "本年废止件数": 1, "现行有效件数": 26},
        "行政许可": {"本年处理决定数量": 412},
        "行政处罚": {"本年处理决定数量": 57},
        "行政强制": {"本年处理决定数量": 4},
        "行政事业性收费": {"本年收费金额（万元）": Decimal("18.60")},
    }
    t3 = {code: dict(zip(T3_COLUMNS, vals, strict=True)) for code, vals in r.table3().items()}
    v4 = r.table4()
    t4 = {
        name: dict(zip(T4_COLUMNS, v4[i * 5 : i * 5 + 5], strict=True))
        for i, name in enumerate(T4_BLOCKS)
    }
    return t2, t3, t4


def _shipped_pdf_reports() -> list[tuple[str, Report]]:
    """Return (file under samplecity/sites, Report) for every PDF report attachment."""
    found = []
    for site in SITES:
        site.finalize()
        for col in site.cols:
            for art in col.own:
                for att in art.attachments:
                    if att.report is not None and att.href.endswith(".pdf"):
                        found.append((f"{site.id}{att.href}", att.report))
    return found


def _tables(a: AnnualReport) -> tuple[dict, dict, dict]:
    return a.table2, a.table3, a.table4


def test_the_sample_city_ships_a_pdf_report() -> None:
    assert [path for path, _ in _shipped_pdf_reports()] == ["zjj/xxgk/nb/202602/nb2025.pdf"]


@pytest.mark.parametrize(("path", "r"), _shipped_pdf_reports())
def test_shipped_pdf_report_reads_as_its_report(path: str, r: Report) -> None:
    data = (samplecity.ROOT / "sites" / path).read_bytes()
    assert data == report_pdf(r)
    got = read_report(data, path)
    assert got.format == "pdf" and len(_pages(data)) > 1  # 表三 runs onto the next page
    assert got.title == r.title and got.year == r.year == 2025
    assert _tables(got) == _expected_tables(r)
    assert got.blank_cells == [] and got.notes == []
    assert [s.number for s in got.sections] == ["一", "二", "三", "四", "五", "六"]
    # DEFECT annual-report-structure: the period is missing, and only that is reported.
    assert got.period is None and not r.states_period
    assert [p.code for p in check_structure(got)] == ["period_missing"]


@pytest.mark.parametrize(
    "r",
    [
        Report("示例市住房和城乡建设局", 2025, 52, 2, 3, published=510),
        Report("示例市财政局", 2025, 41, 3, 4, five_from=2024),
        Report("示例市卫生健康委员会", 2025, 60, 5, 1, review_total_error=1),
    ],
)
def test_pdf_and_html_versions_read_the_same(r: Report) -> None:
    pdf = read_report(report_pdf(r), "nb.pdf")
    page = f"<html><body><h1>{r.title}</h1>{report_html(r)}</body></html>".encode()
    html = read_report(page, "nb.html")
    assert _tables(pdf) == _tables(html) == _expected_tables(r)
    assert (pdf.title, pdf.year, pdf.period, pdf.template_version) == (
        html.title,
        html.year,
        html.period,
        html.template_version,
    )
    assert pdf.period is not None and "12月31日" in pdf.period
    # Prose sections match word for word; 三 and 四 are tables, whose cells wrap differently.
    for number in ("一", "二", "五", "六"):
        assert pdf.section(number) == html.section(number), number
