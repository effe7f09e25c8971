"""Pure checks over a parsed 政府信息公开工作年度报告 (structure, arithmetic, carry-over, copying).

Rules come from standards.md §4 (国办公开办函〔2021〕30号 report format) and 条例第五十条. Each
problem quotes the cells it is about (table, row, column, value) so a supervisor can verify it
against the published report by hand.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from crawlers.annual_report import (
    SECTION_NUMBERS,
    SECTION_TITLES,
    T3_APPLICANT_COLUMNS,
    T3_COLUMNS,
    T3_RESULT_ROWS,
    T3_ROWS,
    T4_BLOCKS,
    AnnualReport,
)

# Short row names used in messages (the full 2021 labels are long).
_SHORT = {
    "一": "一、本年新收",
    "二": "二、上年结转",
    "三(七)": "三(七)总计",
    "四": "四、结转下年度继续办理",
}
_T3_SUBROWS_2021 = ("三(六)1", "三(六)2", "三(六)3")


@dataclass
class Problem:
    """One problem found in a report: which check, a stable code, a Chinese sentence, the cells."""

    check: str  # 'structure' | 'arithmetic' | 'carryover' | 'boilerplate'
    code: str
    message: str
    cells: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Return a JSON-ready dict (Decimal values as strings)."""
        data = asdict(self)
        for cell in data["cells"]:
            if isinstance(cell.get("value"), Decimal):
                cell["value"] = str(cell["value"])
        return data


def _cell(table: str, row: str, column: str, value: Any, year: int | None = None) -> dict:
    """Build the quoted-cell record used in problems."""
    out: dict[str, Any] = {"table": table, "row": row, "column": column, "value": value}
    if year is not None:
        out["year"] = year
    return out


def _row_name(code: str) -> str:
    """Return a readable row name for messages."""
    return _SHORT.get(code) or T3_ROWS.get(code, code)


# --- structure ---------------------------------------------------------------------------


def check_structure(report: AnnualReport, new_format_from: int = 2021) -> list[Problem]:
    """Six sections in order, statistics period stated, 2021-format tables (standards §4a)."""
    out: list[Problem] = []
    found = [s.number for s in report.sections]
    for number in SECTION_NUMBERS:
        if number not in found:
            out.append(
                Problem(
                    "structure",
                    "section_missing",
                    f"缺少第{number}部分「{number}、{SECTION_TITLES[number]}」。",
                )
            )
    present = [n for n in SECTION_NUMBERS if n in found]
    if found != present:
        out.append(
            Problem(
                "structure",
                "section_order",
                f"六个部分顺序不对：实际顺序为 {'、'.join(found)}，应为 {'、'.join(present)}。",
            )
        )
    if report.period is None:
        y = report.year or "Y"
        out.append(
            Problem(
                "structure",
                "period_missing",
                f"未写明统计期限（应为 {y}年1月1日至{y}年12月31日）。",
            )
        )
    elif report.year is not None:
        # Only the years on the two end dates count (the sentence may cite other documents).
        years = {int(y) for y in re.findall(r"(\d{4})年(?:0?1月0?1日|12月31日)", report.period)}
        if years and years != {report.year}:
            out.append(
                Problem(
                    "structure",
                    "period_year",
                    f"统计期限「{report.period}」与报告年度 {report.year} 年不一致。",
                )
            )
    new_format = report.year is None or report.year >= new_format_from
    if report.template_version == "2019" and new_format:
        old = "、".join(m for m in report.template_markers if m not in _MARKERS_2021)
        out.append(
            Problem(
                "structure",
                "template_old",
                f"{report.year or '本'}年度年报仍使用2019年旧格式表头（{old}），"
                f"{new_format_from}年及以后应使用国办公开办函〔2021〕30号格式。",
            )
        )
    elif report.template_version is None:
        out.append(
            Problem(
                "structure",
                "template_unknown",
                "未找到统计表表头（本年制发件数、本年处理决定数量等），无法确认使用2021年格式。",
            )
        )
    out.extend(_table_presence(report, new_format))
    return out


_MARKERS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额")


def _table_presence(report: AnnualReport, new_format: bool) -> list[Problem]:
    """Report statistics tables or 表三 rows that could not be read."""
    out: list[Problem] = []
    if report.template_version == "2021" and not report.table2:
        out.append(Problem("structure", "table_missing", "未能读取表二（主动公开政府信息情况）。"))
    if not report.table3:
        out.append(Problem("structure", "table_missing", "未能读取表三（收到和处理申请情况）。"))
    else:
        t3 = report.table3
        undivided = "三(六)" in t3 and not any(k in t3 for k in _T3_SUBROWS_2021)
        expected = [k for k in T3_ROWS if k != "三(六)"]
        if undivided:
            expected = [k for k in expected if k not in _T3_SUBROWS_2021]
        missing = [k for k in expected if k not in t3]
        if missing:
            out.append(
                Problem(
                    "structure",
                    "table3_rows_missing",
                    f"表三缺少 {len(missing)} 行：{'、'.join(_row_name(k) for k in missing)}。",
                )
            )
        if undivided and new_format and report.template_version == "2021":
            vals = t3["三(六)"]
            out.append(
                Problem(
                    "structure",
                    "table3_old_rows",
                    "表三「三(六)其他处理」只有一行（总计 "
                    f"{vals.get('总计')}），2021年格式要求分为 1.逾期不补正、2.逾期未缴费、"
                    "3.其他 三行。",
                    [_cell("表三", "三(六)", "总计", vals.get("总计"))],
                )
            )
    if not report.table4:
        out.append(
            Problem("structure", "table_missing", "未能读取表四（行政复议、行政诉讼情况）。")
        )
    elif len(report.table4) < len(T4_BLOCKS):
        lost = [b for b in T4_BLOCKS if b not in report.table4]
        out.append(Problem("structure", "table_missing", f"表四缺少：{'、'.join(lost)}。"))
    return out


# --- arithmetic --------------------------------------------------------------------------


def check_arithmetic(report: AnnualReport) -> list[Problem]:
    """表三 and 表四 identities of the 2021 format plus non-negative integer cells (§4b–4d)."""
    out: list[Problem] = []
    for b in report.blank_cells:
        out.append(
            Problem(
                "arithmetic",
                "blank_cell",
                f"{b.table}「{_row_name(b.row)}」行「{b.column}」列为空，按 0 计。",
                [_cell(b.table, b.row, b.column, None)],
            )
        )
    out.extend(_non_negative(report))
    out.extend(_t3_flow(report))
    out.extend(_t3_total_column(report))
    out.extend(_t3_total_row(report))
    out.extend(_t4_totals(report))
    return out


def _non_negative(report: AnnualReport) -> list[Problem]:
    """Counts must be non-negative integers; the fee (万元) may have decimals but not be < 0."""
    out = []
    tables = (("表二", report.table2), ("表三", report.table3), ("表四", report.table4))
    for name, table in tables:
        for row, cols in table.items():
            for col, v in cols.items():
                is_fee = row == "行政事业性收费"
                bad = v < 0 or (not is_fee and not isinstance(v, int))
                if bad:
                    what = "不能为负数" if v < 0 else "应为整数"
                    out.append(
                        Problem(
                            "arithmetic",
                            "not_non_negative_integer",
                            f"{name}「{_row_name(row)}」行「{col}」列为 {v}，{what}。",
                            [_cell(name, row, col, v)],
                        )
                    )
    return out


def _t3_flow(report: AnnualReport) -> list[Problem]:
    """一 + 二 = 三(七) + 四 in every column (the note printed in the template)."""
    t3 = report.table3
    if not all(k in t3 for k in ("一", "二", "三(七)", "四")):
        return []
    out = []
    for c in T3_COLUMNS:
        a, b, t, d = t3["一"][c], t3["二"][c], t3["三(七)"][c], t3["四"][c]
        if a + b != t + d:
            out.append(
                Problem(
                    "arithmetic",
                    "t3_flow",
                    f"表三「{c}」列：一、本年新收({a})+二、上年结转({b})={a + b}，"
                    f"不等于三(七)总计({t})+四、结转下年度({d})={t + d}。",
                    [
                        _cell("表三", "一", c, a),
                        _cell("表三", "二", c, b),
                        _cell("表三", "三(七)", c, t),
                        _cell("表三", "四", c, d),
                    ],
                )
            )
    return out


def _t3_total_column(report: AnnualReport) -> list[Problem]:
    """总计 = the six applicant columns, in every row."""
    out = []
    for row, cols in report.table3.items():
        parts = [cols[c] for c in T3_APPLICANT_COLUMNS]
        if sum(parts) != cols["总计"]:
            shown = "+".join(f"{c}({cols[c]})" for c in T3_APPLICANT_COLUMNS)
            out.append(
                Problem(
                    "arithmetic",
                    "t3_total_column",
                    f"表三「{_row_name(row)}」行：{shown}={sum(parts)}，"
                    f"不等于总计列 {cols['总计']}。",
                    [_cell("表三", row, c, cols[c]) for c in T3_COLUMNS],
                )
            )
    return out


def _t3_total_row(report: AnnualReport) -> list[Problem]:
    """三(七) = sum of every 三 sub-row (三(六) counts once: undivided or its three parts)."""
    t3 = report.table3
    if "三(七)" not in t3:
        return []
    leaves = [k for k in T3_RESULT_ROWS if k in t3]
    if "三(六)" in leaves and any(k in t3 for k in _T3_SUBROWS_2021):
        leaves.remove("三(六)")  # a subtotal next to its parts would count twice
    out = []
    for c in T3_COLUMNS:
        total = sum(t3[k][c] for k in leaves)
        if total != t3["三(七)"][c]:
            nonzero = [k for k in leaves if t3[k][c]]
            shown = "+".join(f"{k}({t3[k][c]})" for k in nonzero) or "0"
            out.append(
                Problem(
                    "arithmetic",
                    "t3_total_row",
                    f"表三「{c}」列：三(一)至三(六)各项之和 {shown}={total}，"
                    f"不等于三(七)总计 {t3['三(七)'][c]}。",
                    [_cell("表三", k, c, t3[k][c]) for k in leaves]
                    + [_cell("表三", "三(七)", c, t3["三(七)"][c])],
                )
            )
    return out


def _t4_totals(report: AnnualReport) -> list[Problem]:
    """In each 表四 block: 总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结."""
    out = []
    for block, cols in report.table4.items():
        parts = ("结果维持", "结果纠正", "其他结果", "尚未审结")
        s = sum(cols[p] for p in parts)
        if s != cols["总计"]:
            shown = "+".join(f"{p}({cols[p]})" for p in parts)
            out.append(
                Problem(
                    "arithmetic",
                    "t4_totals",
                    f"表四「{block}」：{shown}={s}，不等于总计 {cols['总计']}。",
                    [_cell("表四", block, p, cols[p]) for p in (*parts, "总计")],
                )
            )
    return out


# --- across two years --------------------------------------------------------------------


def check_carryover(report: AnnualReport, previous: AnnualReport) -> list[Problem]:
    """This year's 二、上年结转 must equal last year's 四、结转下年度继续办理, per column."""
    y, py = report.year, previous.year
    if y is not None and py is not None and py != y - 1:
        return [
            Problem(
                "carryover",
                "carryover_years",
                f"用于核对结转的上一份年报是 {py} 年度，不是 {y - 1} 年度，无法核对结转数。",
            )
        ]
    this, prev = report.table3.get("二"), previous.table3.get("四")
    if this is None or prev is None:
        return []
    out = []
    for c in T3_COLUMNS:
        if this[c] != prev[c]:
            out.append(
                Problem(
                    "carryover",
                    "t3_carryover",
                    f"表三「{c}」列：{y or '本'}年度年报「二、上年结转」为 {this[c]}，"
                    f"而{py or '上'}年度年报「四、结转下年度继续办理」为 {prev[c]}，两者应相等。",
                    [_cell("表三", "二", c, this[c], y), _cell("表三", "四", c, prev[c], py)],
                )
            )
    return out


_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_NOISE = re.compile(r"[\s\W_]+")


def similarity(a: str, b: str, k: int = 4) -> float:
    """Jaccard similarity of k-character shingles, digits masked (years and counts change)."""

    # Why shingles, not difflib: SequenceMatcher's autojunk drops common CJK characters in long
    # texts and is quadratic; shingle sets also catch copied paragraphs that were reordered.
    def shingles(s: str) -> set[str]:
        s = _NOISE.sub("", _DIGITS.sub("0", s))
        return {s[i : i + k] for i in range(max(len(s) - k + 1, 1))} if s else set()

    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def check_boilerplate(
    report: AnnualReport,
    previous: AnnualReport,
    threshold: float = 0.7,
    sections: tuple[str, ...] = ("一", "五"),
) -> list[Problem]:
    """Sections 一 and 五 nearly identical to last year's: the format forbids 内容雷同."""
    out = []
    for number in sections:
        a, b = report.section(number), previous.section(number)
        if a is None or b is None or not a.text or not b.text:
            continue
        ratio = similarity(a.text, b.text)
        if ratio >= threshold:
            out.append(
                Problem(
                    "boilerplate",
                    "section_copied",
                    f"第{number}部分「{SECTION_TITLES[number]}」与{previous.year or '上'}年度年报"
                    f"相似度 {ratio:.2f}（阈值 {threshold:.2f}），内容基本雷同。",
                    [
                        {"section": number, "year": report.year, "chars": len(a.text)},
                        {"section": number, "year": previous.year, "chars": len(b.text)},
                        {"similarity": round(ratio, 3)},
                    ],
                )
            )
    return out


def check_report(
    report: AnnualReport,
    previous: AnnualReport | None = None,
    boilerplate_threshold: float = 0.7,
    new_format_from: int = 2021,
) -> list[Problem]:
    """Run every check; the cross-year ones only when the previous year's report is given."""
    out = check_structure(report, new_format_from) + check_arithmetic(report)
    if previous is not None:
        out += check_carryover(report, previous)
        out += check_boilerplate(report, previous, boilerplate_threshold)
    return out
