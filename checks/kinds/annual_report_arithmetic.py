"""annual_report_arithmetic: the identities of 表三 and 表四 must hold (国办公开办函〔2021〕30号)."""

from __future__ import annotations

from collections.abc import Iterator

from checks.annual import check_arithmetic
from checks.annual_reports import YearsParams, by_year, judged_years, problem_findings, readable
from checks.context import RuleContext
from checks.model import Finding
from checks.registry import rule_kind


@rule_kind("annual_report_arithmetic", YearsParams)
def annual_report_arithmetic(ctx: RuleContext, p: YearsParams) -> Iterator[Finding]:
    """Fail each broken identity, quoting the cells; blank cells (read as 0) warn."""
    reports = by_year(ctx)
    for year in judged_years(ctx, p.years):
        if year not in reports:
            continue
        report, rec, error = readable(ctx, year, reports[year])
        if error is not None or report is None:
            yield error  # type: ignore[misc]
            continue
        yield from problem_findings(ctx, year, rec, check_arithmetic(report))
