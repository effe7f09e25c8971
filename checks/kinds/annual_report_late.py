"""annual_report_late: last year's annual report must be published by the deadline (条例第四十九条)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from checks.annual_reports import DeadlineParams, by_year, deadline, mentioned_years, subject
from checks.context import RuleContext
from checks.model import Finding
from checks.registry import rule_kind


@rule_kind("annual_report_late", DeadlineParams)
def annual_report_late(ctx: RuleContext, p: DeadlineParams) -> Iterator[Finding]:
    """Fail when the previous year's report was first published after the deadline."""
    due = deadline(ctx, p)
    if due is None or ctx.now <= due:
        return  # only judged once the deadline has passed
    year = ctx.now.year - 1
    recs = by_year(ctx).get(year, [])
    listed = mentioned_years(ctx).get(year)
    if not recs and listed is None:
        return  # absent: annual_report_missing's finding
    dates: list[tuple[dt.date, str]] = [(r.pub_date, r.url) for r in recs if r.pub_date]
    dates += [(d, "列表") for d in listed or [] if d is not None]
    if not dates:
        url = recs[0].url if recs else None
        yield ctx.warn(
            subject(year),
            f"{year}年度政府信息公开工作年度报告没有标注发布日期，无法判断是否在 "
            f"{due.isoformat()} 前公开。",
            url,
            year=year,
            deadline=due.isoformat(),
        )
        return
    published, where = min(dates)
    if published > due:
        days = (published - due).days
        yield ctx.fail(
            subject(year),
            f"{year}年度政府信息公开工作年度报告发布于 {published.isoformat()}，"
            f"晚于 {due.isoformat()} 的期限 {days} 天。",
            where if where != "列表" else (recs[0].url if recs else None),
            year=year,
            published=published.isoformat(),
            deadline=due.isoformat(),
            days_late=days,
        )
