"""column_stale: columns must be updated within their cycle (国办秘函〔2019〕19号; 国办发〔2015〕15号)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from checks.context import DEFAULT_PLACEHOLDERS, RuleContext, blank_reason, iso, unique_subjects
from checks.model import Column, Finding, SiteSnapshot
from checks.registry import rule_kind


class ColumnClass(BaseModel):
    """A class of columns recognised by keywords in the name, with its update cycle."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    keywords: list[str] = Field(min_length=1)
    max_age_days: PositiveInt


# Cycles of 19号 (动态要闻 2 weeks, 通知公告/政策文件 6 months) and 15号 (人事/规划计划 1 year).
DEFAULT_CLASSES = [
    ColumnClass(name="动态要闻", keywords=["动态", "要闻", "新闻", "资讯"], max_age_days=14),
    ColumnClass(
        name="通知公告、政策文件",
        keywords=["通知", "公告", "公示", "政策", "文件"],
        max_age_days=183,
    ),
    ColumnClass(name="人事、规划计划", keywords=["人事", "任免", "规划", "计划"], max_age_days=365),
]


class Params(BaseModel):
    """Parameters of column_stale."""

    model_config = ConfigDict(extra="forbid")

    classes: list[ColumnClass] = Field(default_factory=lambda: list(DEFAULT_CLASSES))
    undated_is_stale: bool = True  # 国办发〔2015〕15号: 未注明发布时间的视为不更新
    # Blank columns are column_empty's finding; 19号 does not count one column twice.
    placeholders: list[str] = Field(default_factory=lambda: list(DEFAULT_PLACEHOLDERS))


def classify(
    snapshot: SiteSnapshot, column: Column, classes: list[ColumnClass]
) -> ColumnClass | None:
    """Return the first class whose keyword is in the column name, else in its ColumnType meta."""
    column_types = [
        snapshot.pages[u].metas.get("ColumnType", "") for u in column.pages if u in snapshot.pages
    ]
    for texts in ([column.name], column_types):
        for cls in classes:
            if any(k in text for text in texts for k in cls.keywords):
                return cls
    return None


@rule_kind("column_stale", Params)
def column_stale(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each classified column whose newest entry is older than its class's cycle."""
    if (unreachable := ctx.home_error("检查栏目更新情况")) is not None:
        yield unreachable
        return
    columns = ctx.content_columns()
    subjects = unique_subjects([c.name for c in columns], [c.key for c in columns])
    for column, subject in zip(columns, subjects, strict=True):
        cls = classify(ctx.snapshot, column, p.classes)
        if cls is None or blank_reason(ctx.snapshot, column, p.placeholders):
            continue
        dated = [e for e in column.entries if e.date is not None and e.date <= ctx.now]
        if not dated:
            if p.undated_is_stale:
                yield ctx.fail(
                    subject,
                    f"栏目“{column.name}”的 {len(column.entries)} 条信息均未注明有效发布日期，"
                    f"按国办发〔2015〕15号“未注明发布时间的视为不更新”处理。",
                    column.key,
                    column_class=cls.name,
                    entries=len(column.entries),
                    limit=cls.max_age_days,
                )
            continue
        # Entries dated after the audit date are ignored: they cannot prove an update.
        newest = max(dated, key=lambda e: (e.date, e.title))
        age = (ctx.now - newest.date).days  # type: ignore[operator]
        if age > cls.max_age_days:
            yield ctx.fail(
                subject,
                f"栏目“{column.name}”最新信息“{newest.title}”发布于 {iso(newest.date)}，"
                f"已 {age} 天未更新，超过{cls.name}类栏目 {cls.max_age_days} 天的更新周期。",
                column.key,
                column_class=cls.name,
                newest=iso(newest.date),
                title=newest.title,
                newest_url=newest.url,
                age_days=age,
                limit=cls.max_age_days,
                entries=len(column.entries),
            )
