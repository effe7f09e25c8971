"""column_empty: a column must not be blank (国办秘函〔2019〕19号 单项否决“空白栏目”)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, Field

from checks.context import DEFAULT_PLACEHOLDERS, RuleContext, blank_reason, unique_subjects
from checks.model import Finding
from checks.registry import rule_kind


class Params(BaseModel):
    """Parameters of column_empty."""

    model_config = ConfigDict(extra="forbid")

    placeholders: list[str] = Field(default_factory=lambda: list(DEFAULT_PLACEHOLDERS))


@rule_kind("column_empty", Params)
def column_empty(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each column whose list has no entry, only placeholder entries, or a placeholder page."""
    if (unreachable := ctx.home_error("检查空白栏目")) is not None:
        yield unreachable
        return
    columns = ctx.content_columns()
    subjects = unique_subjects([c.name for c in columns], [c.key for c in columns])
    for column, subject in zip(columns, subjects, strict=True):
        reason = blank_reason(ctx.snapshot, column, p.placeholders)
        if reason is None:
            continue
        if reason == "no_entries":
            what = "列表中没有任何信息"
        elif reason == "placeholders":
            shown = "、".join(dict.fromkeys(e.title for e in column.entries[:3]))
            what = f"列表中只有“{shown}”等占位内容"
        else:
            what = "列表页只显示“暂无信息”类提示，没有注明日期的信息"
        yield ctx.fail(
            subject,
            f"栏目“{column.name}”{what}（{column.key}）。",
            column.key,
            reason=reason,
            entries=len(column.entries),
            pages=column.pages[:5],
        )
