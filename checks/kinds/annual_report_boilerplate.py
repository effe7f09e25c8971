"""annual_report_boilerplate: sections 一 and 五 must not copy last year's (国办公开办函〔2021〕30号 内容雷同)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field

from checks.annual import check_boilerplate
from checks.annual_reports import YearsParams, by_year, judged_years, problem_findings, readable
from checks.context import RuleContext
from checks.model import Finding
from checks.registry import rule_kind


class Params(YearsParams):
    """Parameters of annual_report_boilerplate."""

    # Jaccard similarity of 4-character shingles (digits masked) at or above which a section
    # counts as copied from the previous year's report.
    similarity: float = Field(default=0.7, gt=0, le=1)
    sections: list[str] = Field(default_factory=lambda: ["一", "五"], min_length=1)


@rule_kind("annual_report_boilerplate", Params)
def annual_report_boilerplate(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each section nearly identical to the same section of the previous year's report."""
    reports = by_year(ctx)
    for year in judged_years(ctx, p.years):
        if year not in reports or year - 1 not in reports:
            continue
        report, rec, error = readable(ctx, year, reports[year])
        previous, _, prev_error = readable(ctx, year - 1, reports[year - 1])
        for bad in (error, prev_error):
            if bad is not None:
                yield bad
        if report is None or previous is None:
            continue
        problems = check_boilerplate(report, previous, p.similarity, tuple(p.sections))
        for finding in problem_findings(ctx, year, rec, problems):
            number = finding.evidence["cells"][0]["section"]
            finding.subject = f"{year}年度年报：第{number}部分与上年雷同"
            yield finding
