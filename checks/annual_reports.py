"""Shared helpers of the annual_report_* kinds: choose each year's report, rebuild it, quote it.

A site may publish one year's 政府信息公开工作年度报告 as a page, as an attachment of a page, or
both; the crawl stores every candidate (checks.model.AnnualReportRecord) and these helpers pick
the one to judge. Pure: they read the snapshot only.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from checks.annual import Problem
from checks.context import RuleContext
from checks.model import AnnualReportRecord, Finding, SiteSnapshot
from crawlers.annual_report import AnnualReport, BlankCell, Section
from crawlers.items import report_year

# 条例第四十九条: departments report to their government by 1月31日, governments publish by
# 3月31日. Parameters, since local rules and the 2011 document differ.
DEFAULT_DEADLINES = {"department": "01-31", "government": "03-31"}


class DeadlineParams(BaseModel):
    """Parameters of annual_report_missing and annual_report_late."""

    model_config = ConfigDict(extra="forbid")

    # Site kind -> month-day of the publication deadline of the previous year's report; sites
    # of other kinds are not judged.
    deadlines: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_DEADLINES))

    @field_validator("deadlines")
    @classmethod
    def _month_days(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, md in value.items():
            try:
                dt.date.fromisoformat(f"2024-{md}")  # a leap year admits 02-29
            except ValueError:
                raise ValueError(f"{kind} 的截止日期“{md}”应为 MM-DD，如 01-31") from None
        return value


class YearsParams(BaseModel):
    """Parameters of the content kinds: how many past years' reports to judge."""

    model_config = ConfigDict(extra="forbid")

    # 1: only the previous year's report (the one the site had to publish this year).
    years: int = Field(default=1, ge=1, le=20)


def deadline(ctx: RuleContext, p: DeadlineParams) -> dt.date | None:
    """Return this year's deadline for last year's report, or None if the site is not judged."""
    md = p.deadlines.get(ctx.site.kind)
    if md is None:
        return None
    month, day = (int(x) for x in md.split("-"))
    if (month, day) == (2, 29) and not _leap(ctx.now.year):
        day = 28
    return dt.date(ctx.now.year, month, day)


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def by_year(ctx: RuleContext) -> dict[int, list[AnnualReportRecord]]:
    """Return the site's report candidates grouped by year, in crawl order."""
    out: dict[int, list[AnnualReportRecord]] = {}
    for rec in ctx.snapshot.annual_reports:
        out.setdefault(rec.year, []).append(rec)
    return out


def substantive(rec: AnnualReportRecord) -> bool:
    """Return whether a candidate holds a report (statistics or most sections), not a wrapper."""
    data = rec.data
    return bool(data) and (bool(data.get("table3")) or len(data.get("sections") or []) >= 3)


def best(recs: list[AnnualReportRecord]) -> AnnualReportRecord:
    """Pick the candidate to judge: the most complete readable one (a page that only links
    its attachment loses to the attachment); ties keep crawl order."""

    def score(rec: AnnualReportRecord) -> tuple[int, int]:
        data = rec.data or {}
        return (
            int(substantive(rec)),
            len(data.get("sections") or []) + len(data.get("table3") or {}),
        )

    return max(recs, key=score)


def judged_years(ctx: RuleContext, years: int) -> list[int]:
    """Return the report years to judge, newest first (Y−1 back to Y−years)."""
    return [ctx.now.year - k for k in range(1, years + 1)]


def to_report(rec: AnnualReportRecord) -> AnnualReport:
    """Rebuild the AnnualReport a stored candidate was read into (Decimal strings restored)."""
    data = dict(rec.data or {})

    def tables(raw: dict[str, dict[str, Any]] | None) -> dict[str, dict[str, int | Decimal]]:
        return {
            row: {c: v if isinstance(v, int) else Decimal(str(v)) for c, v in cols.items()}
            for row, cols in (raw or {}).items()
        }

    return AnnualReport(
        source=rec.url,
        format=data.get("format", rec.format),
        title=data.get("title"),
        year=data.get("year") or rec.year,
        text="",
        sections=[Section(s["number"], s["heading"], s["text"]) for s in data.get("sections", [])],
        period=data.get("period"),
        template_version=data.get("template_version"),
        template_markers=list(data.get("template_markers", [])),
        table2=tables(data.get("table2")),
        table3=tables(data.get("table3")),
        table4=tables(data.get("table4")),
        blank_cells=[BlankCell(**b) for b in data.get("blank_cells", [])],
        notes=list(data.get("notes", [])),
    )


def subject(year: int) -> str:
    """Return the subject naming one year's report."""
    return f"{year}年度年报"


def readable(
    ctx: RuleContext, year: int, recs: list[AnnualReportRecord]
) -> tuple[AnnualReport | None, AnnualReportRecord, Finding | None]:
    """Return (report, chosen candidate, None), or (None, candidate, error finding) when no
    candidate of the year could be read (a scan, old Word, a failed download)."""
    rec = best(recs)
    if substantive(rec):
        return to_report(rec), rec, None
    errors = [r for r in recs if r.error]
    if errors:
        bad = errors[0]
        return (
            None,
            bad,
            ctx.error(
                subject(year),
                f"{year}年度政府信息公开工作年度报告无法读取：{bad.error}（{bad.url}）",
                bad.url,
                year=year,
                reason=bad.error,
                report_url=bad.url,
            ),
        )
    return (
        None,
        rec,
        ctx.error(
            subject(year),
            f"{year}年度政府信息公开工作年度报告页面上没有可读取的正文和统计表（{rec.url}），"
            "无法核对。",
            rec.url,
            year=year,
            report_url=rec.url,
        ),
    )


_LABELS = {
    "t3_flow": "一+二≠三(七)+四",
    "t3_total_column": "总计≠各类申请人之和",
    "t3_total_row": "三(七)≠各项之和",
    "t4_totals": "总计≠各项之和",
    "blank_cell": "空白单元格",
    "not_non_negative_integer": "不是非负整数",
    "t3_carryover": "上年结转≠上年度结转下年度",
}


def problem_findings(
    ctx: RuleContext, year: int, rec: AnnualReportRecord, problems: list[Problem]
) -> Iterator[Finding]:
    """Turn checks.annual problems into findings that quote the cells (blank cells warn)."""
    seen: dict[str, int] = {}
    for problem in problems:
        head = re.split(r"[：，。]", problem.message, maxsplit=1)[0]
        label = _LABELS.get(problem.code)
        subj = f"{subject(year)}：{head}" + (f" {label}" if label else "")
        seen[subj] = seen.get(subj, 0) + 1
        if seen[subj] > 1:
            subj = f"{subj}（{seen[subj]}）"
        status = "warn" if problem.code == "blank_cell" else "fail"
        yield ctx.finding(
            status,
            subj,
            f"{year}年度年报：{problem.message}",
            url=rec.url,
            year=year,
            code=problem.code,
            cells=problem.to_json()["cells"],
            report_url=rec.url,
            report_format=rec.format,
        )


def mentioned_years(ctx: RuleContext) -> dict[int, list[dt.date | None]]:
    """Return the report years named by list entries and link texts, with the entry dates.

    A report the crawl saw listed but did not fetch (page cap) still exists. Computed once per
    site for annual_report_late and annual_report_missing (issue 7); callers only read it.
    """
    return ctx.snapshot.derived("mentioned_years", lambda: _mentioned_years(ctx.snapshot))


def _mentioned_years(snapshot: SiteSnapshot) -> dict[int, list[dt.date | None]]:
    """Compute mentioned_years."""
    out: dict[int, list[dt.date | None]] = {}
    for column in snapshot.columns:
        for entry in column.entries:
            year = report_year(entry.title)
            if year is not None:
                out.setdefault(year, []).append(entry.date)
    # Each distinct link text once: menus repeat on every page (issue 7).
    for text in snapshot.link_texts():
        year = report_year(text)
        if year is not None:
            out.setdefault(year, [])
    return out
