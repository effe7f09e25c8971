"""annual_report_structure: six sections, statistics period and 2021 table headers (国办公开办函〔2021〕30号)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from checks.annual import check_structure
from checks.annual_reports import YearsParams, by_year, judged_years, problem_findings, readable
from checks.context import RuleContext
from checks.model import Finding
from checks.registry import rule_kind


class Params(YearsParams):
    """Parameters of annual_report_structure."""

    # Reports for this year on must use the 2021 format (its first use: the 2021 reports).
    new_format_from: int = Field(default=2021, ge=2019)


@rule_kind("annual_report_structure", Params)
def annual_report_structure(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each structural problem of the judged years' reports; unreadable ones are errors."""
    reports = by_year(ctx)
    for year in judged_years(ctx, p.years):
        if year not in reports:
            continue
        report, rec, error = readable(ctx, year, reports[year])
        if error is not None or report is None:
            yield error  # type: ignore[misc]
            continue
        yield from problem_findings(ctx, year, rec, check_structure(report, p.new_format_from))
