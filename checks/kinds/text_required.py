"""text_required: terms the operator requires must appear in the site's stored texts.

By default page titles, column names, link texts (and list entries' titles) and each page's
text_snippet (the first ~300 characters of the main text) are searched; add `body` to `fields:`
to search each page's whole stored main text too (read from the store page by page, stopping
once every pattern is found). For a lexicon with categories, see term_required.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from checks.context import RuleContext
from checks.model import Finding
from checks.patterns import (
    FIELD_LABELS,
    Pattern,
    PatternTimeout,
    TextField,
    bodies_missing,
    check_patterns,
    page_texts,
    parse,
)
from checks.registry import rule_kind


class Params(BaseModel):
    """Parameters of text_required."""

    model_config = ConfigDict(extra="forbid")

    # Each pattern must be found: jieba whole-word terms, globs or `regex:` expressions.
    patterns: list[str] = []
    fields: list[TextField] = Field(
        default_factory=lambda: ["title", "column", "link_text", "snippet"], min_length=1
    )
    scope: Literal["site", "home"] = "site"  # home: only texts shown on the home page
    regex_timeout_ms: PositiveInt = 200  # per search; a slower regex is reported, not run on
    # What a supervisor reads instead of a pattern (subject and message), e.g.
    # {"regex:办事服务|政务服务": 办事服务入口}; patterns not listed show as written.
    labels: dict[str, str] = {}

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


def fields_label(fields: list[str]) -> str:
    """Return the searched fields in Chinese, e.g. 页面标题、链接文字."""
    return "、".join(FIELD_LABELS[f] for f in fields)


def body_error(ctx: RuleContext, what: str) -> Finding:
    """Return the `error` finding for a body search on a run that stored no page texts."""
    return ctx.error(
        "正文",
        f"本次抓取未保存页面正文（可能由旧版本抓取），无法在正文中检查{what}；请重新抓取。",
        ctx.home.url if ctx.home else None,
        fields=["body"],
    )


@rule_kind("text_required", Params)
def text_required(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each pattern found in none of the chosen titles, column names, link texts, snippets."""
    home = ctx.home
    if (unreachable := ctx.home_error("检查必须出现的内容")) is not None:
        yield unreachable
        return
    home_only = p.scope == "home"
    if "body" in p.fields and bodies_missing(ctx, home_only):
        yield body_error(ctx, "必须出现的内容")
        return
    where = ("首页的" if home_only else "") + fields_label(p.fields)
    timeout = p.regex_timeout_ms / 1000
    patterns = parse(p.patterns)
    # One pass over the texts (bodies stream from the store), stopping once all are found.
    pending: list[Pattern] = list(dict.fromkeys(patterns))
    timed_out: set[Pattern] = set()
    candidates = 0
    for text in page_texts(ctx, list(p.fields), home_only=home_only):
        if not pending:
            break
        candidates += 1
        for pattern in list(pending):
            try:
                if pattern.search(text.text, timeout) is not None:
                    pending.remove(pattern)
            except PatternTimeout:
                timed_out.add(pattern)
                pending.remove(pattern)
    missing = set(pending)  # with some missing, every text was read: candidates counts them all
    for pattern in patterns:
        if pattern in timed_out:
            yield ctx.error(
                pattern.raw,
                f"正则表达式“{pattern.raw}”单次匹配超过 {p.regex_timeout_ms} 毫秒未完成，"
                f"已停止用它检查，请简化表达式。",
                home.url,
                pattern=pattern.raw,
                timeout_ms=p.regex_timeout_ms,
            )
        elif pattern in missing:
            label = p.labels.get(pattern.raw, pattern.raw)
            yield ctx.fail(
                label,
                f"在 {candidates} 处{where}中均未找到“{label}”。",
                home.url,
                pattern=pattern.raw,
                fields=list(p.fields),
                scope=p.scope,
                candidates=candidates,
            )
