"""column_freshness: columns named by the operator must be updated within N days (local rules)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, PositiveInt, field_validator

from checks.context import RuleContext, iso, unique_subjects
from checks.model import Column, Finding
from checks.patterns import Pattern, PatternTimeout, check_patterns, parse
from checks.registry import rule_kind

# Column names are short: a regex over one name gets this long before it counts as hung.
REGEX_TIMEOUT = 0.2


class Params(BaseModel):
    """Parameters of column_freshness."""

    model_config = ConfigDict(extra="forbid")

    # Column-name patterns: jieba whole-word terms, globs (*预决算*) or `regex:` expressions.
    # Empty: every content column (the home page's own list is homepage_stale's).
    columns: list[str] = []
    max_age_days: PositiveInt = 365
    # 国办发〔2015〕15号: 未注明发布时间的视为不更新.
    undated_is_stale: bool = True
    # A pattern that matches no column is a finding (the column must exist) unless false.
    required: bool = True

    @field_validator("columns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


def _matching(columns: list[Column], pattern: Pattern) -> list[Column]:
    """Return the columns whose shown name matches the pattern."""
    return [c for c in columns if pattern.search(c.name, REGEX_TIMEOUT) is not None]


@rule_kind("column_freshness", Params)
def column_freshness(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each column matching the patterns whose newest entry is older than max_age_days."""
    home = ctx.home
    if (unreachable := ctx.home_error("检查栏目更新情况")) is not None:
        yield unreachable
        return
    columns = ctx.content_columns()
    chosen: dict[str, Column] = {}
    if not p.columns:
        chosen = {c.key: c for c in columns}
    for pattern in parse(p.columns):
        try:
            found = _matching(columns, pattern)
        except PatternTimeout:
            yield ctx.error(
                pattern.raw,
                f"正则表达式“{pattern.raw}”匹配栏目名称超过 {REGEX_TIMEOUT} 秒未完成，已跳过该规则，"
                f"请简化表达式。",
                home.url,
                pattern=pattern.raw,
                timeout_seconds=REGEX_TIMEOUT,
            )
            continue
        chosen.update((c.key, c) for c in found)
        if not found and p.required:
            yield ctx.fail(
                pattern.raw,
                f"在本次抓取的 {len(columns)} 个栏目中未找到名称符合“{pattern.raw}”的栏目，"
                f"无法证明该栏目在 {p.max_age_days} 天内有更新。",
                home.url,
                pattern=pattern.raw,
                columns=len(columns),
                limit=p.max_age_days,
            )
    picked = [c for c in columns if c.key in chosen]
    subjects = unique_subjects([c.name for c in picked], [c.key for c in picked])
    for column, subject in zip(picked, subjects, strict=True):
        # Entries dated after the audit date cannot prove an update.
        dated = [e for e in column.entries if e.date is not None and e.date <= ctx.now]
        if not dated:
            if p.undated_is_stale:
                what = (
                    f"的 {len(column.entries)} 条信息均未注明有效发布日期"
                    if column.entries
                    else "列表中没有任何信息"
                )
                yield ctx.fail(
                    subject,
                    f"栏目“{column.name}”{what}，无法证明在 {p.max_age_days} 天内有更新"
                    f"（未注明发布时间的视为不更新）。",
                    column.key,
                    entries=len(column.entries),
                    limit=p.max_age_days,
                )
            continue
        newest = max(dated, key=lambda e: (e.date, e.title))
        age = (ctx.now - newest.date).days  # type: ignore[operator]
        if age > p.max_age_days:
            yield ctx.fail(
                subject,
                f"栏目“{column.name}”最新信息“{newest.title}”发布于 {iso(newest.date)}，"
                f"已 {age} 天未更新，超过 {p.max_age_days} 天的更新要求。",
                column.key,
                newest=iso(newest.date),
                title=newest.title,
                newest_url=newest.url,
                age_days=age,
                limit=p.max_age_days,
                entries=len(column.entries),
            )
