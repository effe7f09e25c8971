"""Annual reports (政府信息公开工作年度报告): reading HTML/PDF/DOCX/text and the pure checks."""

from __future__ import annotations

import io
import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

import cli
from checks.annual import (
    check_arithmetic,
    check_boilerplate,
    check_carryover,
    check_report,
    check_structure,
    similarity,
)
from crawlers.annual_report import (
    SECTION_TITLES,
    T3_COLUMNS,
    T4_BLOCKS,
    T4_COLUMNS,
    AnnualReport,
    ScannedPdfError,
    Section,
    UnreadableReport,
    read_report,
)

REALWORLD = Path(
    os.environ.get("GONGKAI_REALWORLD")
    or Path(__file__).resolve().parents[2] / "shared" / "realworld"
)
AR_DIR = REALWORLD / "annual_reports"


def _real(name: str) -> Path:
    """Return a real report's path; skip (or fail under GONGKAI_REQUIRE_REALWORLD=1) if absent."""
    path = AR_DIR / name
    if path.is_file():
        return path
    reason = f"real annual report not found: {path} (set GONGKAI_REALWORLD)"
    if os.environ.get("GONGKAI_REQUIRE_REALWORLD") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def _read_real(name: str) -> AnnualReport:
    path = _real(name)
    return read_report(path.read_bytes(), path.name)


# --- values read by eye from the rendered PDF pages (not from the parser) -----------------
# 表三 columns: 自然人, 商业企业, 科研机构, 社会公益组织, 法律服务机构, 其他, 总计.

Z = (0, 0, 0, 0, 0, 0, 0)


def _solo(n: int) -> tuple[int, ...]:
    """A row where only 自然人 has cases (so 总计 equals it)."""
    return (n, 0, 0, 0, 0, 0, n)


HONGZE_2023 = {
    "table2": {
        "规章": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
        "行政规范性文件": {"本年制发件数": 0, "本年废止件数": 5, "现行有效件数": 5},
        "行政许可": {"本年处理决定数量": 550},
        "行政处罚": {"本年处理决定数量": 4119},
        "行政强制": {"本年处理决定数量": 195},
        "行政事业性收费": {"本年收费金额（万元）": Decimal("7730.28")},
    },
    "table3": {
        "一": _solo(21),
        "二": Z,
        "三(一)": Z,
        "三(二)": _solo(4),
        "三(三)1": _solo(1),
        "三(三)2": Z,
        "三(三)3": Z,
        "三(三)4": Z,
        "三(三)5": Z,
        "三(三)6": _solo(1),
        "三(三)7": _solo(1),
        "三(三)8": Z,
        "三(四)1": _solo(10),
        "三(四)2": _solo(3),
        "三(四)3": Z,
        "三(五)1": _solo(1),
        "三(五)2": Z,
        "三(五)3": Z,
        "三(五)4": Z,
        "三(五)5": Z,
        "三(六)": Z,  # printed as one undivided row (2019 layout)
        "三(七)": _solo(21),
        "四": Z,
    },
    # 行政复议 | 未经复议直接起诉 | 复议后起诉, each 维持, 纠正, 其他, 尚未审结, 总计
    "table4": ((10, 1, 0, 0, 0), (0, 0, 0, 0, 0), (5, 0, 0, 0, 0)),
}

HONGZE_2024 = {
    "table2": {
        "规章": {"本年制发件数": 0, "本年废止件数": 0, "现行有效件数": 0},
        "行政规范性文件": {"本年制发件数": 3, "本年废止件数": 0, "现行有效件数": 8},
        "行政许可": {"本年处理决定数量": 9487},
        "行政处罚": {"本年处理决定数量": 2776},
        "行政强制": {"本年处理决定数量": 84},
        "行政事业性收费": {"本年收费金额（万元）": Decimal("7545")},
    },
    "table3": {
        "一": _solo(95),
        "二": Z,
        "三(一)": _solo(50),
        "三(二)": _solo(9),
        "三(三)1": Z,
        "三(三)2": Z,
        "三(三)3": _solo(1),
        "三(三)4": Z,
        "三(三)5": Z,
        "三(三)6": _solo(1),
        "三(三)7": _solo(1),
        "三(三)8": Z,
        "三(四)1": _solo(31),
        "三(四)2": _solo(1),
        "三(四)3": Z,
        "三(五)1": _solo(1),
        "三(五)2": Z,
        "三(五)3": Z,
        "三(五)4": Z,
        "三(五)5": Z,
        "三(六)": Z,
        "三(七)": _solo(95),
        "四": Z,
    },
    "table4": ((1, 1, 0, 0, 2), (1, 0, 0, 0, 1), (2, 0, 1, 0, 3)),
}

HUAIAN_2024 = {
    "table2": {
        "规章": {"本年制发件数": 1, "本年废止件数": 0, "现行有效件数": 11},
        "行政规范性文件": {"本年制发件数": 8, "本年废止件数": 26, "现行有效件数": 66},
        "行政许可": {"本年处理决定数量": 447228},
        "行政处罚": {"本年处理决定数量": 3985758},
        "行政强制": {"本年处理决定数量": 88283},
        "行政事业性收费": {"本年收费金额（万元）": Decimal("96171.6")},
    },
    "table3": {
        "一": (3001, 53, 0, 0, 61, 4, 3119),
        "二": _solo(34),
        "三(一)": (1288, 21, 0, 0, 50, 3, 1362),
        "三(二)": (447, 7, 0, 0, 0, 0, 454),
        "三(三)1": _solo(2),
        "三(三)2": (30, 1, 0, 0, 0, 0, 31),
        "三(三)3": _solo(5),
        "三(三)4": _solo(6),
        "三(三)5": (7, 1, 0, 0, 0, 0, 8),
        "三(三)6": _solo(12),
        "三(三)7": _solo(9),
        "三(三)8": _solo(105),
        "三(四)1": (746, 12, 0, 0, 10, 1, 769),
        "三(四)2": _solo(11),
        "三(四)3": _solo(1),
        "三(五)1": (56, 6, 0, 0, 0, 0, 62),
        "三(五)2": _solo(25),
        "三(五)3": Z,
        "三(五)4": Z,
        "三(五)5": _solo(1),
        "三(六)1": (67, 3, 0, 0, 1, 0, 71),
        "三(六)2": _solo(6),
        "三(六)3": (108, 2, 0, 0, 0, 0, 110),
        "三(七)": (2932, 53, 0, 0, 61, 4, 3050),
        "四": _solo(103),
    },
    "table4": ((72, 64, 178, 37, 351), (13, 4, 8, 1, 26), (12, 1, 1, 6, 20)),
}

PDFS = {
    "pdf/hongze_2023_zfxxgknb.pdf": (2023, HONGZE_2023),
    "pdf/hongze_2024_zfxxgknb.pdf": (2024, HONGZE_2024),
    "pdf/huaian_2024_zfxxgknb.pdf": (2024, HUAIAN_2024),
}


def _t3(expected: dict) -> dict[str, dict[str, int]]:
    return {row: dict(zip(T3_COLUMNS, vals, strict=True)) for row, vals in expected.items()}


def _t4(expected: tuple) -> dict[str, dict[str, int]]:
    return {
        block: dict(zip(T4_COLUMNS, vals, strict=True))
        for block, vals in zip(T4_BLOCKS, expected, strict=True)
    }


@pytest.mark.parametrize("name", sorted(PDFS))
def test_real_pdf_every_cell(name: str) -> None:
    year, expected = PDFS[name]
    report = _read_real(name)
    assert report.format == "pdf"
    assert report.year == year
    assert report.template_version == "2021"
    assert [s.number for s in report.sections] == ["一", "二", "三", "四", "五", "六"]
    assert report.period is not None and f"{year}年1月1日" in report.period
    assert report.table2 == expected["table2"]
    assert isinstance(report.table2["行政事业性收费"]["本年收费金额（万元）"], Decimal)
    # Row order matters too: the supervisor reads the JSON top to bottom like the table.
    assert list(report.table3) == list(expected["table3"])
    assert report.table3 == _t3(expected["table3"])
    assert report.table4 == _t4(expected["table4"])
    assert report.blank_cells == []


def test_real_huaian_passes_every_check() -> None:
    report = _read_real("pdf/huaian_2024_zfxxgknb.pdf")
    assert check_report(report) == []


def test_real_hongze_2023_table4_totals_are_wrong() -> None:
    # Printed 表四: 行政复议 10 维持 + 1 纠正 but 总计 0; 复议后起诉 5 维持 but 总计 0.
    report = _read_real("pdf/hongze_2023_zfxxgknb.pdf")
    problems = check_arithmetic(report)
    assert [(p.code, p.cells[0]["row"]) for p in problems] == [
        ("t4_totals", "行政复议"),
        ("t4_totals", "行政诉讼·复议后起诉"),
    ]
    first = problems[0]
    assert [(c["column"], c["value"]) for c in first.cells] == [
        ("结果维持", 10),
        ("结果纠正", 1),
        ("其他结果", 0),
        ("尚未审结", 0),
        ("总计", 0),
    ]
    assert "行政复议" in first.message and "=11" in first.message and "总计 0" in first.message


@pytest.mark.parametrize("year", [2023, 2024])
def test_real_hongze_undivided_other_row_is_flagged(year: int) -> None:
    # 洪泽 keeps the 2019 layout's single 三(六)其他处理 row inside otherwise-2021 tables.
    report = _read_real(f"pdf/hongze_{year}_zfxxgknb.pdf")
    codes = [p.code for p in check_structure(report)]
    assert codes == ["table3_old_rows"]


def test_real_hongze_two_years_carryover_and_similarity() -> None:
    prev = _read_real("pdf/hongze_2023_zfxxgknb.pdf")
    this = _read_real("pdf/hongze_2024_zfxxgknb.pdf")
    assert check_carryover(this, prev) == []  # 2023 四 = 0 in all columns, 2024 二 = 0
    # Rewritten sections are not flagged at the default threshold, but a strict one is.
    assert check_boilerplate(this, prev) == []
    strict = check_boilerplate(this, prev, threshold=0.05)
    assert [p.cells[0]["section"] for p in strict] == ["一", "五"]


@pytest.mark.parametrize("year", [2023, 2024])
def test_real_hongze_text_layout_matches_pdf(year: int) -> None:
    # The pdftotext -layout copy goes through the plain-text reader and must give the same cells.
    pdf = _read_real(f"pdf/hongze_{year}_zfxxgknb.pdf")
    txt = _read_real(f"hongze_{year}_zfxxgknb_pdftotext-layout.txt")
    assert txt.format == "text"
    assert (txt.table2, txt.table3, txt.table4) == (pdf.table2, pdf.table3, pdf.table4)
    assert [s.number for s in txt.sections] == ["一", "二", "三", "四", "五", "六"]
    assert txt.year == year


@pytest.mark.parametrize("year", range(2019, 2026))
def test_real_pingtan_sections_and_template(year: int) -> None:
    report = _read_real(f"pingtan_{year}_zfxxgknb_page.txt")
    assert report.year == year
    assert report.title == f"平潭综合实验区{year}年度政府信息公开工作年度报告"
    assert [s.number for s in report.sections] == ["一", "二", "三", "四", "五", "六"]
    assert all(s.text for s in report.sections)
    assert report.period is not None and f"{year}年12月31日" in report.period
    # 2019 and 2020 were published in the 2019 format; the 2021 format applies from 2021.
    assert report.template_version == ("2019" if year < 2021 else "2021")
    codes = [p.code for p in check_structure(report)]
    assert "template_old" not in codes
    assert not {"section_missing", "section_order", "period_missing"} & set(codes)
    # Cells run together in this page text (e.g. 规章000): nothing is guessed from them.
    assert report.table3 == {} and report.table4 == {}
    assert "table_missing" in codes


def test_real_pingtan_old_template_flagged_when_year_requires_2021() -> None:
    path = _real("pingtan_2020_zfxxgknb_page.txt")
    report = read_report(path.read_bytes(), path.name, year=2021)
    old = [p for p in check_structure(report) if p.code == "template_old"]
    assert len(old) == 1
    assert "本年新制作数量" in old[0].message and "国办公开办函〔2021〕30号" in old[0].message


def test_real_pingtan_section_text() -> None:
    report = _read_real("pingtan_2022_zfxxgknb_page.txt")
    assert report.section("六").text.startswith("2022年，无收取信息处理费情况")
    assert report.section("四").heading == "四、政府信息公开行政法复议、行政诉讼情况"
    assert report.section("五").text.startswith("2022年，平潭综合实验区政府信息公开工作取得了")


def test_real_pingtan_consecutive_years_are_not_copies() -> None:
    a = _read_real("pingtan_2023_zfxxgknb_page.txt")
    b = _read_real("pingtan_2024_zfxxgknb_page.txt")
    assert check_boilerplate(b, a) == []


def test_real_shuyang_ocr_markdown() -> None:
    report = _read_real("shuyang_2025_zfxxgknb_ocr.md.txt")
    assert report.year == 2025
    # Section 五 is headed 五、政府信息公开工作存在的主要问题及改进情况 in this report.
    assert [s.number for s in report.sections] == ["一", "二", "三", "四", "五", "六"]
    assert report.template_version == "2021"
    assert "信息处理费共计380元" in report.section("六").text
    # Read from the OCR text's pipe tables by eye.
    assert report.table3["一"] == dict(zip(T3_COLUMNS, (705, 3, 0, 0, 5, 0, 713), strict=True))
    assert report.table3["三(六)3"]["总计"] == 143
    assert report.table4["行政复议"] == dict(zip(T4_COLUMNS, (27, 10, 9, 15, 61), strict=True))
    assert report.table4["行政诉讼·复议后起诉"]["总计"] == 10
    assert report.table2["行政事业性收费"]["本年收费金额（万元）"] == Decimal("4068.208")
    assert check_report(report) == []


# --- synthetic reports -------------------------------------------------------------------

T3_LABELS = {
    "一": ("一、本年新收政府信息公开申请数量",),
    "二": ("二、上年结转政府信息公开申请数量",),
    "三(一)": ("（一）予以公开",),
    "三(二)": ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）",),
    "三(三)1": ("（三）不予公开", "1.属于国家秘密"),
    "三(三)2": ("", "2.其他法律行政法规禁止公开"),
    "三(三)3": ("", "3.危及“三安全一稳定”"),
    "三(三)4": ("", "4.保护第三方合法权益"),
    "三(三)5": ("", "5.属于三类内部事务信息"),
    "三(三)6": ("", "6.属于四类过程性信息"),
    "三(三)7": ("", "7.属于行政执法案卷"),
    "三(三)8": ("", "8.属于行政查询事项"),
    "三(四)1": ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    "三(四)2": ("", "2.没有现成信息需要另行制作"),
    "三(四)3": ("", "3.补正后申请内容仍不明确"),
    "三(五)1": ("（五）不予处理", "1.信访举报投诉类申请"),
    "三(五)2": ("", "2.重复申请"),
    "三(五)3": ("", "3.要求提供公开出版物"),
    "三(五)4": ("", "4.无正当理由大量反复申请"),
    "三(五)5": ("", "5.要求行政机关确认或重新出具已获取信息"),
    "三(六)1": (
        "（六）其他处理",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    "三(六)2": ("", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "三(六)3": ("", "3.其他"),
    "三(七)": ("（七）总计",),
    "四": ("四、结转下年度继续办理",),
}


def _consistent_t3(new: int, carried: int, carry_next: int) -> dict[str, list[str]]:
    """A 表三 whose identities hold: all cases by 自然人 except two 商业企业 in 三(一)."""
    done = new + carried - carry_next
    rows = {k: [0] * 7 for k in T3_LABELS}
    rows["一"] = [new - 2, 2, 0, 0, 0, 0, new]
    rows["二"] = [carried, 0, 0, 0, 0, 0, carried]
    rows["三(一)"] = [done - 5 - 2, 2, 0, 0, 0, 0, done - 5]
    rows["三(四)1"] = [3, 0, 0, 0, 0, 0, 3]
    rows["三(六)3"] = [2, 0, 0, 0, 0, 0, 2]
    rows["三(七)"] = [done - 2, 2, 0, 0, 0, 0, done]
    rows["四"] = [carry_next, 0, 0, 0, 0, 0, carry_next]
    return {k: [str(v) for v in vals] for k, vals in rows.items()}


SECTION_ONE = (
    "本年度，我局坚持以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《条例》，"
    "围绕主动公开、依申请公开、政府信息管理、平台建设、监督保障五个方面扎实推进工作。"
    "全年主动公开政府信息{n}条，其中政策文件{m}件，政策解读{k}篇。"
)


def _html_report(
    year: int,
    t3: dict[str, list[str]],
    section_one: str,
    section_five: str,
    period: bool = True,
    old_headers: bool = False,
    order: tuple[str, ...] = ("一", "二", "三", "四", "五", "六"),
    penalty: str = "86",
) -> bytes:
    """Render a 2021-format annual report page the way gov CMSs do (rowspans, layout table)."""
    t3_rows = []
    for code, labels in T3_LABELS.items():
        vals = "".join(f"<td>{v}</td>" for v in t3[code])
        if code in ("一", "二", "四"):
            head = f'<td colspan="3">{labels[0]}</td>'
        elif len(labels) == 1:
            head = ('<td rowspan="23">三、本年度办理结果</td>' if code == "三(一)" else "") + (
                f'<td colspan="2">{labels[0]}</td>'
            )
        else:
            group, sub = labels
            span = {"（三）不予公开": 8, "（四）无法提供": 3, "（五）不予处理": 5}.get(group, 3)
            head = (f'<td rowspan="{span}">{group}</td>' if group else "") + f"<td>{sub}</td>"
        t3_rows.append(f"<tr>{head}{vals}</tr>")
    t2_head = (
        "<td>本年新制作数量</td><td>本年新公开数量</td><td>对外公开总数量</td>"
        if old_headers
        else "<td>本年制发件数</td><td>本年废止件数</td><td>现行有效件数</td>"
    )
    sections = {
        "一": f"<h3>一、总体情况</h3><p>{section_one}</p>",
        "二": f"""<h3>二、主动公开政府信息情况</h3>
<table border="1">
<tr><td colspan="4">第二十条第（一）项</td></tr>
<tr><td>信息内容</td>{t2_head}</tr>
<tr><td>规章</td><td>0</td><td>0</td><td>0</td></tr>
<tr><td>行政规范性文件</td><td>4</td><td>1</td><td>37</td></tr>
<tr><td colspan="4">第二十条第（五）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政许可</td><td colspan="3">1,204</td></tr>
<tr><td colspan="4">第二十条第（六）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年处理决定数量</td></tr>
<tr><td>行政处罚</td><td colspan="3">{penalty}</td></tr>
<tr><td>行政强制</td><td colspan="3">3</td></tr>
<tr><td colspan="4">第二十条第（八）项</td></tr>
<tr><td>信息内容</td><td colspan="3">本年收费金额（单位：万元）</td></tr>
<tr><td>行政事业性收费</td><td colspan="3">12.50</td></tr>
</table>""",
        "三": f"""<h3>三、收到和处理政府信息公开申请情况</h3>
<table border="1">
<tr><td colspan="3" rowspan="3">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td>
<td colspan="7">申请人情况</td></tr>
<tr><td rowspan="2">自然人</td><td colspan="5">法人或其他组织</td><td rowspan="2">总计</td></tr>
<tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>
{"".join(t3_rows)}
</table>""",
        "四": """<h3>四、政府信息公开行政复议、行政诉讼情况</h3>
<table border="1">
<tr><td colspan="5">行政复议</td><td colspan="10">行政诉讼</td></tr>
<tr><td rowspan="2">结果维持</td><td rowspan="2">结果纠正</td><td rowspan="2">其他结果</td>
<td rowspan="2">尚未审结</td><td rowspan="2">总计</td>
<td colspan="5">未经复议直接起诉</td><td colspan="5">复议后起诉</td></tr>
<tr><td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>
<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td></tr>
<tr><td>1</td><td>0</td><td>0</td><td>1</td><td>2</td><td>0</td><td>0</td><td>0</td><td>0</td>
<td>0</td><td>0</td><td>1</td><td>0</td><td>0</td><td>1</td></tr>
</table>""",
        "五": f"<h3>五、存在的主要问题及改进情况</h3><p>{section_five}</p>",
        "六": "<h3>六、其他需要报告的事项</h3><p>本年度未收取信息处理费。</p>",
    }
    intro = (
        f"<p>本报告所列数据统计期限自{year}年1月1日起至{year}年12月31日止。</p>" if period else ""
    )
    body = "".join(sections[n] for n in order)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8">
<title>{year}年政府信息公开工作年度报告_示例市水务局</title></head><body>
<table class="layout"><tr><td>
<h1>示例市水务局{year}年政府信息公开工作年度报告</h1>{intro}{body}
</td></tr></table></body></html>""".encode()


def test_html_report_reads_tables_and_passes_when_consistent() -> None:
    t3 = _consistent_t3(new=40, carried=3, carry_next=5)
    data = _html_report(2024, t3, SECTION_ONE.format(n=812, m=4, k=9), "问题一。改进一。")
    report = read_report(data, "report.html")
    assert report.format == "html"
    assert report.title == "示例市水务局2024年政府信息公开工作年度报告"
    assert report.year == 2024 and report.template_version == "2021"
    assert report.table2["行政许可"] == {"本年处理决定数量": 1204}
    assert report.table2["行政事业性收费"] == {"本年收费金额（万元）": Decimal("12.50")}
    assert report.table3 == _t3({k: tuple(int(v) for v in vals) for k, vals in t3.items()})
    assert report.table4["行政诉讼·复议后起诉"] == dict(
        zip(T4_COLUMNS, (0, 1, 0, 0, 1), strict=True)
    )
    assert check_report(report) == []


def test_html_one_arithmetic_error_breaks_three_identities() -> None:
    t3 = _consistent_t3(new=40, carried=3, carry_next=5)
    t3["三(七)"][0] = "37"  # should be 36 (= 38 + 3 - 5)
    report = read_report(_html_report(2024, t3, "甲", "乙"), "text/html")
    problems = check_arithmetic(report)
    assert [p.code for p in problems] == ["t3_flow", "t3_total_column", "t3_total_row"]
    flow, col, row = problems
    assert [(c["row"], c["column"], c["value"]) for c in flow.cells] == [
        ("一", "自然人", 38),
        ("二", "自然人", 3),
        ("三(七)", "自然人", 37),
        ("四", "自然人", 5),
    ]
    assert flow.message == (
        "表三「自然人」列：一、本年新收(38)+二、上年结转(3)=41，"
        "不等于三(七)总计(37)+四、结转下年度(5)=42。"
    )
    assert col.cells[0] == {"table": "表三", "row": "三(七)", "column": "自然人", "value": 37}
    assert "=39" in col.message and "总计列 38" in col.message
    assert row.cells[-1] == {"table": "表三", "row": "三(七)", "column": "自然人", "value": 37}
    assert "=36" in row.message and "三(七)总计 37" in row.message


def test_html_blank_cell_reads_zero_and_is_flagged() -> None:
    t3 = _consistent_t3(new=40, carried=3, carry_next=5)
    t3["三(三)2"][3] = ""  # 社会公益组织 left empty
    t3["三(五)4"][5] = "-"  # 其他 printed as a dash
    report = read_report(_html_report(2024, t3, "甲", "乙"), "report.htm")
    assert report.table3["三(三)2"]["社会公益组织"] == 0
    assert report.table3["三(五)4"]["其他"] == 0
    problems = check_arithmetic(report)
    assert [(p.code, p.cells) for p in problems] == [
        (
            "blank_cell",
            [{"table": "表三", "row": "三(三)2", "column": "社会公益组织", "value": None}],
        ),
        ("blank_cell", [{"table": "表三", "row": "三(五)4", "column": "其他", "value": None}]),
    ]
    assert (
        problems[0].message
        == "表三「三(三)不予公开 2.其他法律行政法规禁止公开」行「社会公益组织」列为空，按 0 计。"
    )


def test_negative_count_is_flagged() -> None:
    t3 = _consistent_t3(new=40, carried=3, carry_next=5)
    report = read_report(_html_report(2024, t3, "甲", "乙", penalty="-3"), "a.html")
    problems = check_arithmetic(report)
    assert [(p.code, p.cells) for p in problems] == [
        (
            "not_non_negative_integer",
            [{"table": "表二", "row": "行政处罚", "column": "本年处理决定数量", "value": -3}],
        )
    ]


def test_html_carryover_mismatch_and_copied_section() -> None:
    prev = read_report(
        _html_report(
            2023,
            _consistent_t3(new=30, carried=0, carry_next=5),
            SECTION_ONE.format(n=700, m=3, k=8),
            "2023年存在的主要问题是解读形式单一。下一步将丰富解读形式。",
        ),
        "2023.html",
    )
    this = read_report(
        _html_report(
            2024,
            _consistent_t3(new=40, carried=3, carry_next=5),
            SECTION_ONE.format(n=812, m=4, k=9),  # same text, only the numbers changed
            "依申请公开答复文书不够规范。2025年将开展专题培训，建立答复模板库并逐件复核。",
        ),
        "2024.html",
    )
    assert check_arithmetic(prev) == [] and check_arithmetic(this) == []
    carry = check_carryover(this, prev)
    assert [
        (p.code, [(c["year"], c["row"], c["column"], c["value"]) for c in p.cells]) for p in carry
    ] == [
        ("t3_carryover", [(2024, "二", "自然人", 3), (2023, "四", "自然人", 5)]),
        ("t3_carryover", [(2024, "二", "总计", 3), (2023, "四", "总计", 5)]),
    ]
    assert carry[0].message == (
        "表三「自然人」列：2024年度年报「二、上年结转」为 3，"
        "而2023年度年报「四、结转下年度继续办理」为 5，两者应相等。"
    )
    copied = check_boilerplate(this, prev)
    assert [p.cells[0]["section"] for p in copied] == ["一"]
    assert copied[0].cells[2]["similarity"] == 1.0
    assert "第一部分「总体情况」与2023年度年报相似度 1.00" in copied[0].message
    every = [p.code for p in check_report(this, prev)]
    assert every == ["t3_carryover", "t3_carryover", "section_copied"]


def test_carryover_refuses_non_adjacent_years() -> None:
    t3 = _consistent_t3(new=40, carried=3, carry_next=5)
    a = read_report(_html_report(2021, t3, "甲", "乙"), "a.html")
    b = read_report(_html_report(2024, t3, "甲", "乙"), "b.html")
    assert [p.code for p in check_carryover(b, a)] == ["carryover_years"]


def test_similarity_measure() -> None:
    text = "一是扎实推进依申请公开工作，全面梳理和优化工作流程。二是加强典型案例研究。"
    assert similarity(text, text.replace("一是", "首先")) < 1.0
    assert similarity("2023年全年公开信息100条", "2024年全年公开信息250条") == 1.0
    assert similarity(text, "今年重点做好政府网站集约化建设和政务新媒体管理工作。") < 0.1
    assert similarity("", text) == 0.0


def test_structure_order_period_section_and_old_headers() -> None:
    t3 = _consistent_t3(new=40, carried=3, carry_next=5)
    shuffled = read_report(
        _html_report(2024, t3, "甲", "乙", period=False, order=("一", "三", "二", "四", "六")),
        "x.html",
    )
    problems = check_structure(shuffled)
    assert [p.code for p in problems] == ["section_missing", "section_order", "period_missing"]
    assert problems[0].message == "缺少第五部分「五、存在的主要问题及改进情况」。"
    assert (
        problems[1].message
        == "六个部分顺序不对：实际顺序为 一、三、二、四、六，应为 一、二、三、四、六。"
    )
    assert problems[2].message == "未写明统计期限（应为 2024年1月1日至2024年12月31日）。"

    old = read_report(_html_report(2022, t3, "甲", "乙", old_headers=True), "old.html")
    assert old.template_version == "2019"
    assert old.table2 == {}  # old-format cells are not forced into 2021 columns
    assert [p.code for p in check_structure(old)] == ["template_old"]


def test_period_of_another_year_is_flagged() -> None:
    sections = [Section(n, f"{n}、{t}", "……") for n, t in SECTION_TITLES.items()]
    report = AnnualReport(
        source="x.txt",
        format="text",
        year=2024,
        sections=sections,
        period="依据国办公开办函〔2021〕30号，统计期限自2023年1月1日至2023年12月31日。",
        template_version="2021",
    )
    problems = [p for p in check_structure(report) if p.code.startswith("period")]
    assert [p.message for p in problems] == [
        "统计期限「依据国办公开办函〔2021〕30号，统计期限自2023年1月1日至2023年12月31日。」"
        "与报告年度 2024 年不一致。"
    ]


# --- DOCX --------------------------------------------------------------------------------


def _docx_report(t3: dict[str, list[str]]) -> bytes:
    """Build a 2024 report with python-docx: headings, 表二/表三/表四, merged label cells."""
    import docx

    d = docx.Document()
    d.core_properties.title = "示例市教育局2024年政府信息公开工作年度报告"
    d.add_paragraph("本报告所列数据统计期限自2024年1月1日至2024年12月31日。")
    d.add_heading("一、总体情况", level=2)
    d.add_paragraph("我局全面推进政务公开。")
    d.add_heading("二、主动公开政府信息情况", level=2)
    t2 = d.add_table(rows=0, cols=4)
    for cells in (
        ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
        ("规章", "0", "0", "0"),
        ("行政规范性文件", "2", "0", "15"),
    ):
        row = t2.add_row().cells
        for cell, text in zip(row, cells, strict=True):
            cell.text = text
    for name, value in (("行政许可", "310"), ("行政处罚", "0"), ("行政强制", "0")):
        row = t2.add_row().cells
        row[0].text = name
        merged = row[1].merge(row[3])
        merged.text = value
    row = t2.add_row().cells
    row[0].text, row[1].text = "行政事业性收费", "0.35"
    d.add_heading("三、收到和处理政府信息公开申请情况", level=2)
    t3_table = d.add_table(rows=0, cols=10)
    header = t3_table.add_row().cells
    for cell, text in zip(header[3:], T3_COLUMNS, strict=True):
        cell.text = text
    for code, labels in T3_LABELS.items():
        row = t3_table.add_row().cells
        if len(labels) == 1:
            label_cell = row[0].merge(row[2])  # merged label: python-docx repeats it per column
            label_cell.text = labels[0]
        else:
            row[1].text, row[2].text = labels
        for cell, v in zip(row[3:], t3[code], strict=True):
            cell.text = v
    d.add_heading("四、政府信息公开行政复议、行政诉讼情况", level=2)
    t4 = d.add_table(rows=0, cols=15)
    head = t4.add_row().cells
    head[0].text, head[5].text = "行政复议", "行政诉讼"
    for cell, v in zip(t4.add_row().cells, "0 0 0 0 0 2 1 0 0 3 0 0 0 0 0".split(), strict=True):
        cell.text = v
    d.add_heading("五、存在的主要问题及改进情况", level=2)
    d.add_paragraph("解读形式单一。")
    d.add_heading("六、其他需要报告的事项", level=2)
    d.add_paragraph("无。")
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_report() -> None:
    t3 = _consistent_t3(new=12, carried=1, carry_next=0)
    report = read_report(_docx_report(t3), "年报.docx")
    assert report.format == "docx"
    assert report.title == "示例市教育局2024年政府信息公开工作年度报告"
    assert report.year == 2024 and report.template_version == "2021"
    assert [s.number for s in report.sections] == ["一", "二", "三", "四", "五", "六"]
    assert report.table2["行政许可"] == {"本年处理决定数量": 310}
    assert report.table2["行政事业性收费"] == {"本年收费金额（万元）": Decimal("0.35")}
    assert report.table3 == _t3({k: tuple(int(v) for v in vals) for k, vals in t3.items()})
    assert report.table4["行政诉讼·未经复议直接起诉"] == dict(
        zip(T4_COLUMNS, (2, 1, 0, 0, 3), strict=True)
    )
    assert check_report(report) == []


def test_docx_arithmetic_error() -> None:
    t3 = _consistent_t3(new=12, carried=1, carry_next=0)
    t3["四"] = ["1", "0", "0", "0", "0", "0", "1"]  # carries one case too many
    report = read_report(_docx_report(t3), _DOCX_MIME)
    flow = [p for p in check_arithmetic(report) if p.code == "t3_flow"]
    assert [p.cells[0]["column"] for p in flow] == ["自然人", "总计"]


_DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- unreadable input --------------------------------------------------------------------


def _image_only_pdf() -> bytes:
    """Hand-write a one-page PDF whose only content is a 2×2 grey image (no text layer)."""
    pixels = bytes([0, 128, 128, 255])
    draw = b"q 200 0 0 200 0 0 cm /Im0 Do Q"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] "
        b"/Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length 4 >>\nstream\n" + pixels + b"\nendstream",
        b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_scanned_pdf_is_a_clear_error() -> None:
    import pdfplumber

    data = _image_only_pdf()
    with pdfplumber.open(io.BytesIO(data)) as pdf:  # it really is a valid PDF with one image
        assert len(pdf.pages) == 1 and len(pdf.pages[0].images) == 1
    with pytest.raises(ScannedPdfError) as exc:
        read_report(data, "scan.pdf")
    assert "没有可读取的文字层" in str(exc.value) and "OCR" in str(exc.value)


def test_broken_and_unsupported_files() -> None:
    with pytest.raises(UnreadableReport, match="PDF"):
        read_report(b"%PDF-1.4\nnot really a pdf", "broken.pdf")
    with pytest.raises(UnreadableReport, match="DOCX"):
        read_report(b"PK\x03\x04 truncated zip", "a.docx")
    with pytest.raises(UnreadableReport, match="WPS"):
        read_report(b"\xd0\xcf\x11\xe0", "2024年报.doc")


# --- CLI ---------------------------------------------------------------------------------


def test_cli_real_pdf_without_problems(capsys: pytest.CaptureFixture[str]) -> None:
    path = _real("pdf/huaian_2024_zfxxgknb.pdf")
    assert cli.main(["annual-report", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["problems"] == []
    assert data["report"]["year"] == 2024
    assert data["report"]["table3"]["三(七)"]["总计"] == 3050
    assert data["report"]["table2"]["行政事业性收费"]["本年收费金额（万元）"] == "96171.6"


def test_cli_real_pdf_with_problems(capsys: pytest.CaptureFixture[str]) -> None:
    path = _real("pdf/hongze_2023_zfxxgknb.pdf")
    assert cli.main(["annual-report", str(path)]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in data["problems"]] == ["table3_old_rows", "t4_totals", "t4_totals"]


def test_cli_previous_year(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    prev = tmp_path / "2023.html"
    prev.write_bytes(_html_report(2023, _consistent_t3(30, 0, 5), "去年概况。", "去年问题。"))
    this = tmp_path / "2024.html"
    this.write_bytes(
        _html_report(2024, _consistent_t3(40, 5, 5), "今年概况全面推进。", "今年问题。")
    )
    assert cli.main(["annual-report", str(this), "--previous", str(prev)]) == 0
    capsys.readouterr()
    this.write_bytes(
        _html_report(2024, _consistent_t3(40, 4, 5), "今年概况全面推进。", "今年问题。")
    )
    assert cli.main(["annual-report", str(this), "--previous", str(prev), "--year", "2024"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["previous"]["year"] == 2023
    assert {p["code"] for p in data["problems"]} == {"t3_carryover"}


def test_cli_unreadable_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(_image_only_pdf())
    assert cli.main(["annual-report", str(scan)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "无法读取年报" in captured.err and "文字层" in captured.err
    assert "Traceback" not in captured.err
    assert cli.main(["annual-report", str(tmp_path / "missing.pdf")]) == 2
    assert "无法读取文件" in capsys.readouterr().err
