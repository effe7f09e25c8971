"""term_forbidden: terms of the operator's lexicons (sensitive words, wrong leaders' titles,
obsolete agency names) must not appear in page text.

国办秘函〔2019〕19号 makes 严重表述错误 (and publishing 反动/暴力/色情 content) a 单项否决 item
under 安全、泄密事故等严重问题; a lexicon is how an auditor finds them. By default each page's
title and whole stored main text are searched (the body is read from the store page by page,
never held for the whole site); terms match as whole words (checks/lexicon.py: one trie regex
over all literal terms, jieba only around hits), `regex:` entries with a time limit.

One finding per (term, page) up to `max_pages` pages per term, then one summary finding for the
term; each names the page, the category, the replacement hint and a snippet around the hit. An
entry's `since` (the day the term became wrong) spares pages dated before it, and a lexicon's
`allow_prefixes` (原) spares 原国家工商总局-style historical references.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import Field, PositiveInt

from checks.context import RuleContext, iso
from checks.kinds.text_required import body_error, fields_label
from checks.lexicon import (
    Hit,
    LexiconError,
    LexiconParams,
    PatternTimeout,
    Scanner,
    Term,
    TermField,
    scanner,
)
from checks.model import Finding
from checks.patterns import FIELD_LABELS, Text, bodies_missing, masked_snippet, page_texts
from checks.registry import rule_kind

EXAMPLES = 5
SNIPPET_CHARS = 30  # characters of context either side of a hit


class Params(LexiconParams):
    """Parameters of term_forbidden."""

    fields: list[TermField] = Field(default_factory=lambda: ["title", "body"], min_length=1)
    # One finding per (term, page) up to this many pages per term; the rest become one summary.
    max_pages: PositiveInt = 20


@dataclass
class PageHits:
    """The hits of one term on one page: the first (shown) and how many in all."""

    text: Text
    hit: Hit
    count: int = 1


def scan_text(scan: Scanner, text: str, timeout: float, dead: set[str]) -> list[Hit]:
    """Return a text's hits, skipping the regexes in `dead`; a regex that times out on it is
    added to `dead` (never run again) and the text is scanned again without it."""
    while True:
        try:
            return list(scan.scan(text, timeout, skip=dead))
        except PatternTimeout as exc:
            dead.add(str(exc.args[0]))


def timeout_error(ctx: RuleContext, raw: str, term: Term | None, p: LexiconParams) -> Finding:
    """Return the `error` finding of a regex that ran past its time limit."""
    source = f"（{term.source}）" if term is not None else ""
    return ctx.error(
        raw,
        f"词表中的正则表达式“{raw}”{source}在一个页面上匹配超过 {p.regex_timeout_ms} 毫秒未完成，"
        f"已停止用它检查，请简化表达式。",
        ctx.home.url if ctx.home else None,
        pattern=raw,
        timeout_ms=p.regex_timeout_ms,
    )


@rule_kind("term_forbidden", Params)
def term_forbidden(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each page whose title or main text holds a lexicon term (one finding per term/page)."""
    if (unreachable := ctx.home_error("检查词表中的禁用词语")) is not None:
        yield unreachable
        return
    try:
        terms = p.rule_terms()
    except LexiconError as exc:
        yield ctx.error("词表", f"{exc}。", ctx.home.url if ctx.home else None)
        return
    if not terms:
        return  # no terms configured: nothing to look for
    home_only = p.scope == "home"
    if "body" in p.fields and bodies_missing(ctx, home_only):
        yield body_error(ctx, "词表中的词语")
        return
    scan = scanner(terms)
    timeout = p.regex_timeout_ms / 1000
    pages = ctx.snapshot.pages
    found: dict[Term, dict[str, PageHits]] = {}
    dead: set[str] = set()
    for text in page_texts(ctx, list(p.fields), home_only=home_only):
        hits = scan_text(scan, text.text, timeout, dead)
        if not hits:
            continue
        page = pages.get(text.url)
        day = page.pub_date if page is not None else None
        for hit in hits:
            if hit.term.since is not None and day is not None and day < hit.term.since:
                continue  # the term was still right when this page was published
            by_page = found.setdefault(hit.term, {})
            if text.url in by_page:
                by_page[text.url].count += 1
            else:
                by_page[text.url] = PageHits(text, hit)
    for raw in sorted(dead):
        yield timeout_error(ctx, raw, next((t for t in terms if t.text == raw), None), p)
    for term in terms:
        if term.text in dead or term not in found:
            continue
        yield from _findings(ctx, p, term, found[term])


def _findings(
    ctx: RuleContext, p: Params, term: Term, by_page: dict[str, PageHits]
) -> Iterator[Finding]:
    """Yield one finding per page (up to max_pages) and a summary of the rest, for one term."""
    shown = term.shown
    hint = f"，应改为“{term.replacement}”" if term.replacement else ""
    common = {
        "term": shown,
        "category": term.category,
        "replacement": term.replacement,
        "lexicon": term.source,
    }
    if term.note:
        common["note"] = term.note
    if term.since:
        common["since"] = iso(term.since)
    urls = sorted(by_page)
    for url in urls[: p.max_pages]:
        rec = by_page[url]
        page = ctx.snapshot.pages.get(url)
        title = f"《{page.title}》" if page is not None and page.title else ""
        snippet = masked_snippet(
            rec.text.text, (rec.hit.start, rec.hit.end), SNIPPET_CHARS, mask=term.mask
        )
        times = f"共 {rec.count} 处，" if rec.count > 1 else ""
        yield ctx.finding(
            term.status,
            f"{shown}（{url}）",
            f"页面{title}（{url}）的{FIELD_LABELS[rec.text.field]}中出现{term.category}“{shown}”"
            f"{hint}（{times}摘录：{snippet}）。",
            url,
            **common,
            field=rec.text.field,
            snippet=snippet,
            occurrences=rec.count,
            page_date=iso(page.pub_date) if page is not None else None,
            pages_total=len(urls),
        )
    rest = urls[p.max_pages :]
    if rest:
        yield ctx.finding(
            term.status,
            f"{shown}（其余页面）",
            f"另有 {len(rest)} 个页面的{fields_label(list(p.fields))}出现{term.category}“{shown}”"
            f"{hint}，如 {rest[0]}（共 {len(urls)} 个页面）。",
            rest[0],
            **common,
            count=len(rest),
            pages_total=len(urls),
            examples=rest[:EXAMPLES],
        )
