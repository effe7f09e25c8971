"""page_required: a page named by the operator must exist, optionally newer than N days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from checks.context import RuleContext, iso, reachable
from checks.model import Finding
from checks.patterns import PatternTimeout, check_patterns, parse
from checks.registry import rule_kind

REGEX_TIMEOUT = 0.2


class Params(BaseModel):
    """Parameters of page_required."""

    model_config = ConfigDict(extra="forbid")

    # Title or column patterns: jieba whole-word terms, globs or `regex:` expressions; any one
    # matching is enough. The default is the guide every agency must publish (条例第十二条).
    patterns: list[str] = Field(default_factory=lambda: ["政府信息公开指南"])
    # title: page titles and list entries' titles; column: a page's column and column names
    # (a matching column's entries count as the page).
    fields: list[Literal["title", "column"]] = Field(
        default_factory=lambda: ["title", "column"], min_length=1
    )
    # None: existing is enough; else the newest matching page must be at most this old.
    max_age_days: PositiveInt | None = None
    # With max_age_days: pages found but none dated count as too old (国办发〔2015〕15号).
    undated_is_stale: bool = True
    # The subject of findings; default: the patterns joined with 、.
    name: str | None = None

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


Candidate = tuple[dt.date | None, str, str]  # (date, title, url)


def _candidates(ctx: RuleContext, p: Params) -> list[Candidate]:
    """Return every page or list entry whose title or column matches a pattern."""
    patterns = parse(p.patterns)

    def hit(text: str | None) -> bool:
        return bool(text) and any(
            pat.search(text, REGEX_TIMEOUT) is not None  # type: ignore[arg-type]
            for pat in patterns
        )

    found: dict[str, Candidate] = {}
    for page in ctx.snapshot.pages.values():
        if page.kind != "page" or not reachable(page):
            continue
        if ("title" in p.fields and hit(page.title)) or ("column" in p.fields and hit(page.column)):
            found[page.url] = (page.pub_date, page.title or page.url, page.url)
    for column in ctx.snapshot.columns:
        in_column = "column" in p.fields and hit(column.name)
        for entry in column.entries:
            if in_column or ("title" in p.fields and hit(entry.title)):
                # A list date is the page's date when the page itself was not fetched or undated.
                known = found.get(entry.url)
                if known is None or known[0] is None:
                    found[entry.url] = (entry.date, entry.title, entry.url)
    return list(found.values())


@rule_kind("page_required", Params)
def page_required(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail when no page or list entry matches the patterns, or the newest one is too old."""
    home = ctx.home
    subject = p.name or "、".join(p.patterns)
    if (unreachable := ctx.home_error(f"检查“{subject}”页面是否存在", subject)) is not None:
        yield unreachable
        return
    try:
        candidates = _candidates(ctx, p)
    except PatternTimeout as exc:
        yield ctx.error(
            subject,
            f"正则表达式“{exc}”匹配页面标题超过 {REGEX_TIMEOUT} 秒未完成，已跳过该规则，请简化表达式。",
            home.url,
            pattern=str(exc),
            timeout_seconds=REGEX_TIMEOUT,
        )
        return
    where = (
        "页面标题和栏目名称"
        if len(p.fields) == 2
        else {"title": "页面标题", "column": "栏目名称"}[p.fields[0]]
    )
    if not candidates:
        yield ctx.fail(
            subject,
            f"在本次抓取的{where}中未找到“{subject}”页面。",
            home.url,
            patterns=p.patterns,
            fields=p.fields,
            pages=len(ctx.snapshot.pages),
        )
        return
    if p.max_age_days is None:
        return
    dated = [c for c in candidates if c[0] is not None and c[0] <= ctx.now]
    if not dated:
        if p.undated_is_stale:
            yield ctx.fail(
                subject,
                f"找到 {len(candidates)} 个“{subject}”页面，但均未注明有效发布日期，"
                f"无法证明在 {p.max_age_days} 天内有更新。",
                candidates[0][2],
                found=len(candidates),
                examples=[c[2] for c in candidates[:5]],
                limit=p.max_age_days,
            )
        return
    newest, title, url = max(dated, key=lambda c: (c[0], c[1]))
    age = (ctx.now - newest).days  # type: ignore[operator]
    if age > p.max_age_days:
        yield ctx.fail(
            subject,
            f"最新的“{subject}”页面“{title}”发布于 {iso(newest)}，已 {age} 天，"
            f"超过 {p.max_age_days} 天的要求。",
            url,
            newest=iso(newest),
            title=title,
            age_days=age,
            limit=p.max_age_days,
            found=len(candidates),
        )
