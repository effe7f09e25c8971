"""text_forbidden: terms the operator forbids (sensitive, obsolete words) must not appear.

By default page titles, column names, link texts (and list entries' titles) and each page's
text_snippet (the first ~300 characters of the main text) are searched; add `body` to `fields:`
to search each page's whole stored main text too (read from the store page by page). For a
lexicon with categories and replacement hints, see term_forbidden.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from checks.context import RuleContext
from checks.kinds.text_required import body_error, fields_label
from checks.model import Finding
from checks.patterns import (
    FIELD_LABELS,
    Pattern,
    PatternTimeout,
    Text,
    TextField,
    bodies_missing,
    check_patterns,
    masked_snippet,
    page_texts,
    parse,
)
from checks.registry import rule_kind

EXAMPLES = 5


class Params(BaseModel):
    """Parameters of text_forbidden."""

    model_config = ConfigDict(extra="forbid")

    # No pattern may be found: jieba whole-word terms, globs or `regex:` expressions.
    patterns: list[str] = []
    fields: list[TextField] = Field(
        default_factory=lambda: ["title", "column", "link_text", "snippet"], min_length=1
    )
    scope: Literal["site", "home"] = "site"  # home: only texts shown on the home page
    regex_timeout_ms: PositiveInt = 200  # per search; a slower regex is reported, not run on
    # What a supervisor reads instead of a pattern (subject and message); unlisted: as written.
    labels: dict[str, str] = {}
    # One finding per (pattern, page) up to this many pages; the rest become one summary finding.
    max_pages: PositiveInt = 20

    @field_validator("patterns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


@rule_kind("text_forbidden", Params)
def text_forbidden(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each page whose titles, column names, link texts, snippets or body hold a pattern."""
    home = ctx.home
    if (unreachable := ctx.home_error("检查禁用内容")) is not None:
        yield unreachable
        return
    home_only = p.scope == "home"
    if "body" in p.fields and bodies_missing(ctx, home_only):
        yield body_error(ctx, "禁用内容")
        return
    timeout = p.regex_timeout_ms / 1000
    patterns = parse(p.patterns)
    # One pass over the texts (bodies stream from the store), every pattern on each text.
    found: dict[Pattern, dict[str, list[tuple[Text, tuple[int, int]]]]] = {
        pattern: {} for pattern in patterns
    }
    timed_out: set[Pattern] = set()
    for text in page_texts(ctx, list(p.fields), home_only=home_only):
        for pattern in patterns:
            if pattern in timed_out:
                continue
            try:
                span = pattern.search(text.text, timeout)
            except PatternTimeout:
                timed_out.add(pattern)
                continue
            if span is not None:
                found[pattern].setdefault(text.url, []).append((text, span))
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
            continue
        by_page = found[pattern]
        urls = sorted(by_page)
        label = p.labels.get(pattern.raw, pattern.raw)
        for url in urls[: p.max_pages]:
            hits = by_page[url]
            first, span = hits[0]
            snippet = masked_snippet(first.text, span)
            yield ctx.fail(
                f"{label}（{url}）",
                f"页面 {url} 的{FIELD_LABELS[first.field]}中出现禁用内容“{label}”（摘录：{snippet}）。",
                url,
                pattern=pattern.raw,
                field=first.field,
                snippet=snippet,
                hits=len(hits),
                pages_total=len(urls),
            )
        rest = urls[p.max_pages :]
        if rest:
            yield ctx.fail(
                f"{label}（其余页面）",
                f"另有 {len(rest)} 个页面的{fields_label(p.fields)}出现禁用内容“{label}”，"
                f"如 {rest[0]}（共 {len(urls)} 个页面）。",
                rest[0],
                pattern=pattern.raw,
                count=len(rest),
                pages_total=len(urls),
                examples=rest[:EXAMPLES],
            )
