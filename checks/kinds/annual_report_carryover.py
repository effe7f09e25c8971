"""annual_report_carryover: 二、上年结转 must equal last year's 四、结转下年度继续办理 (国办公开办函〔2021〕30号)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.annual import check_carryover
from checks.annual_reports import YearsParams, by_year, judged_years, problem_findings, readable
from checks.context import RuleContext
from checks.model import Finding
from checks.registry import rule_kind


@rule_kind("annual_report_carryover", YearsParams)
def annual_report_carryover(ctx: RuleContext, p: YearsParams) -> Iterator[Finding]:
    """Fail each 表三 column whose carry-over differs from the previous year's report."""
    reports = by_year(ctx)
    for year in judged_years(ctx, p.years):
        if year not in reports or year - 1 not in reports:
            continue  # needs both years' reports on the site
        report, rec, error = readable(ctx, year, reports[year])
        previous, _, prev_error = readable(ctx, year - 1, reports[year - 1])
        for bad in (error, prev_error):
            if bad is not None:
                yield bad
        if report is None or previous is None:
            continue
        yield from problem_findings(ctx, year, rec, check_carryover(report, previous))
