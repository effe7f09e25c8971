"""text_required: terms the operator requires must appear in the site's stored texts.

Limit: only what a snapshot holds today is searched — page titles, column names, link texts
(and list entries' titles) and each page's text_snippet (the first ~300 characters of the main
text). Full page bodies are not stored yet, so a term deep inside an article is not found; name
the fields searched with `fields:`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from checks.context import RuleContext
from checks.model import Finding
from checks.patterns import (
    FIELD_LABELS,
    PatternTimeout,
    TextField,
    check_patterns,
    parse,
    snapshot_texts,
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

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


def fields_label(fields: list[str]) -> str:
    """Return the searched fields in Chinese, e.g. 页面标题、链接文字."""
    return "、".join(FIELD_LABELS[f] for f in fields)


@rule_kind("text_required", Params)
def text_required(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each pattern found in none of the chosen titles, column names, link texts, snippets."""
    home = ctx.home
    if (unreachable := ctx.home_error("检查必须出现的内容")) is not None:
        yield unreachable
        return
    texts = snapshot_texts(ctx, list(p.fields), home_only=p.scope == "home")
    where = ("首页的" if p.scope == "home" else "") + fields_label(p.fields)
    timeout = p.regex_timeout_ms / 1000
    for pattern in parse(p.patterns):
        try:
            hit = next((t for t in texts if pattern.search(t.text, timeout) is not None), None)
        except PatternTimeout:
            yield ctx.error(
                pattern.raw,
                f"正则表达式“{pattern.raw}”单次匹配超过 {p.regex_timeout_ms} 毫秒未完成，"
                f"已停止用它检查，请简化表达式。",
                home.url,
                pattern=pattern.raw,
                timeout_ms=p.regex_timeout_ms,
            )
            continue
        if hit is None:
            yield ctx.fail(
                pattern.raw,
                f"在 {len(texts)} 处{where}中均未找到“{pattern.raw}”。",
                home.url,
                pattern=pattern.raw,
                fields=list(p.fields),
                scope=p.scope,
                candidates=len(texts),
            )
