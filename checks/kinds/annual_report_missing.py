"""annual_report_missing: last year's 政府信息公开工作年度报告 must be published (条例第四十九条、第五十条)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.annual_reports import DeadlineParams, deadline, mentioned_years, subject
from checks.context import RuleContext
from checks.model import Finding
from checks.registry import rule_kind


@rule_kind("annual_report_missing", DeadlineParams)
def annual_report_missing(ctx: RuleContext, p: DeadlineParams) -> Iterator[Finding]:
    """Fail when, after the deadline, the site shows no report for the previous year."""
    due = deadline(ctx, p)
    if due is None or ctx.now <= due:
        return  # not yet due: absence is no breach before the deadline
    year = ctx.now.year - 1
    if (
        unreachable := ctx.home_error(f"检查{year}年度政府信息公开工作年度报告是否发布")
    ) is not None:
        yield unreachable
        return
    found = {r.year for r in ctx.snapshot.annual_reports} | set(mentioned_years(ctx))
    if year in found:
        return
    older = sorted((y for y in found if y < year), reverse=True)
    latest = f"，最近一份是{older[0]}年度" if older else "，也没有找到往年的年报"
    yield ctx.fail(
        subject(year),
        f"截至 {ctx.now.isoformat()} 未在网站上找到{year}年度政府信息公开工作年度报告"
        f"（应于 {due.isoformat()} 前公开）{latest}。",
        ctx.site.start_urls[0],
        year=year,
        deadline=due.isoformat(),
        years_found=sorted(found),
    )
