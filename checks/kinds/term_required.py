"""term_required: terms of the operator's lexicons must appear on the site, or on the pages of
the columns named (the current leaders on 领导信息, the 主办单位 name in the footer).

A 领导信息 page that still lists a predecessor, or lacks a current leader, is the 严重表述错误
of 国办秘函〔2019〕19号 (单项否决, 安全、泄密事故等严重问题): the wrong name is term_forbidden's,
the missing one is this kind's. Terms match as term_forbidden's do (whole words, `regex:` with a
time limit); the pages' texts are read until every term is found, the bodies from the store one
page at a time. One finding per term found nowhere.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, field_validator

from checks.context import RuleContext, reachable
from checks.kinds.term_forbidden import scan_text, timeout_error
from checks.kinds.text_required import body_error, fields_label
from checks.lexicon import LexiconError, LexiconParams, Term, TermField, scanner
from checks.model import Finding
from checks.patterns import (
    PatternTimeout,
    bodies_missing,
    check_patterns,
    html_pages,
    page_texts,
    parse,
)
from checks.registry import rule_kind

REGEX_TIMEOUT = 0.2  # per column name, as page_required


class Params(LexiconParams):
    """Parameters of term_required."""

    category: str = Field(default="必备内容", min_length=1)
    fields: list[TermField] = Field(
        default_factory=lambda: ["title", "body", "footer"], min_length=1
    )
    # Column name patterns (jieba terms, globs, `regex:`): only pages of matching columns (their
    # list pages, entries and pages whose column matches) are searched. Empty: the whole site.
    columns: list[str] = Field(default_factory=list)

    @field_validator("columns")
    @classmethod
    def _valid_columns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


def column_pages(ctx: RuleContext, patterns: list[str]) -> tuple[set[str], list[str]]:
    """Return the URLs of the pages in columns whose name matches, and those columns' names."""
    pats = parse(patterns)
    seen: dict[str, bool] = {}  # by name: every page of a column repeats it (issue 7)

    def hit(name: str | None) -> bool:
        if not name:
            return False
        if name not in seen:
            try:
                seen[name] = any(pat.search(name, REGEX_TIMEOUT) is not None for pat in pats)
            except PatternTimeout:
                seen[name] = False
        return seen[name]

    urls: set[str] = set()
    names: dict[str, None] = {}
    for column in ctx.snapshot.columns:
        if hit(column.name):
            names[column.name] = None
            urls.update(column.pages)
            urls.update(e.url for e in column.entries)
    for page in ctx.snapshot.pages.values():
        if page.kind == "page" and reachable(page) and hit(page.column):
            names.setdefault(page.column or "", None)
            urls.add(page.url)
    return urls, list(names)


@rule_kind("term_required", Params)
def term_required(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each lexicon term found on no page of the site (or of the columns named)."""
    home_url = ctx.home.url if ctx.home else None
    if (unreachable := ctx.home_error("检查必须出现的词语")) is not None:
        yield unreachable
        return
    try:
        terms = p.rule_terms()
    except LexiconError as exc:
        yield ctx.error("词表", f"{exc}。", home_url)
        return
    if not terms:
        return  # no terms configured: nothing to look for
    home_only = p.scope == "home"
    urls: set[str] | None = None
    where = "首页" if home_only else "全站"
    if p.columns:
        urls, names = column_pages(ctx, p.columns)
        label = "、".join(p.columns)
        if not urls:
            yield ctx.error(
                "栏目",
                f"未找到名称符合“{label}”的栏目或页面，无法检查其中必须出现的词语。",
                home_url,
                columns=list(p.columns),
            )
            return
        where = f"栏目“{'、'.join(names)}”"
    if "body" in p.fields and bodies_missing(ctx, home_only):
        yield body_error(ctx, "必须出现的词语")
        return
    scan = scanner(terms)
    timeout = p.regex_timeout_ms / 1000
    pending: dict[Term, None] = dict.fromkeys(terms)
    dead: set[str] = set()
    pages = html_pages(ctx, home_only)
    if urls is not None:
        pages &= urls
    for text in page_texts(ctx, list(p.fields), home_only=home_only, urls=urls):
        hits = scan_text(scan, text.text, timeout, dead)
        for hit in hits:
            pending.pop(hit.term, None)
        if not pending or all(t.text in dead for t in pending):
            break
    for raw in sorted(dead):
        yield timeout_error(ctx, raw, next((t for t in terms if t.text == raw), None), p)
    searched = fields_label(list(p.fields))
    for term in pending:
        if term.text in dead:
            continue
        yield ctx.finding(
            term.status,
            term.shown,
            f"{where}（{len(pages)} 个页面的{searched}）均未出现{term.category}“{term.shown}”。",
            home_url,
            term=term.shown,
            category=term.category,
            lexicon=term.source,
            scope=where,
            fields=list(p.fields),
            pages_searched=len(pages),
            examples=sorted(pages)[:5],
        )
