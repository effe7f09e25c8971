"""Operator patterns of the generic kinds: jieba whole-word terms, globs and time-limited regexes.

A pattern is written in a rule pack as text:
- `regex:EXPR` — a regular expression (the `regex` package), run with a time limit per search so
  that a catastrophic pattern such as `(a|aa)+$` cannot hang a run: on timeout the search raises
  `PatternTimeout` and the kind reports the pattern as not evaluated (status `error`);
- text containing `*`, `?` or `[` — a shell-style glob over the whole (normalised) text;
- anything else — a term matched as a run of whole words (checks/matching.py), so 预算 matches
  2024年部门预算公开 but not 预算外资金.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from functools import cached_property
from typing import TYPE_CHECKING, Literal

import regex

from checks.context import reachable
from checks.matching import matches

if TYPE_CHECKING:
    from checks.context import RuleContext
    from checks.model import SiteSnapshot

REGEX_PREFIX = "regex:"
GLOB_CHARS = "*?["
# Masked evidence shows this many characters on each side of a hit.
CONTEXT_CHARS = 20


class PatternTimeout(Exception):
    """A regex search ran past its time limit."""


@dataclass(frozen=True)
class Pattern:
    """One operator pattern, parsed from its text."""

    raw: str

    @cached_property
    def kind(self) -> Literal["regex", "glob", "term"]:
        """Return how the pattern matches: regex, glob or jieba whole-word term."""
        if self.raw.startswith(REGEX_PREFIX):
            return "regex"
        if any(ch in self.raw for ch in GLOB_CHARS):
            return "glob"
        return "term"

    @cached_property
    def folded(self) -> str:
        """Return the raw pattern folded as texts are (_fold), computed once: a pattern is
        searched in every link text of a site (issue 7)."""
        return _fold(self.raw)

    @cached_property
    def compiled(self) -> regex.Pattern[str]:
        """Return the compiled regex (only for regex patterns)."""
        return regex.compile(self.raw[len(REGEX_PREFIX) :])

    def search(self, text: str, timeout: float) -> tuple[int, int] | None:
        """Return the span of the first hit in `text` (best effort for terms and globs), or None.

        Raises PatternTimeout when a regex search exceeds `timeout` seconds.
        """
        if not text:
            return None
        kind = self.kind
        if kind == "regex":
            try:
                found = self.compiled.search(text, timeout=timeout)
            except TimeoutError as exc:
                raise PatternTimeout(self.raw) from exc
            return found.span() if found else None
        if kind == "glob":
            # Not normalize(): it drops punctuation, and * ? [ are punctuation.
            if not fnmatchcase(_fold(text).strip(), self.folded.strip()):
                return None
            return 0, len(text)
        if not matches(self.raw, text):
            return None
        # The whole-word test runs on normalised text; locate the hit in the shown text.
        start = _fold(text).find(self.folded)
        return (start, start + len(self.raw)) if start >= 0 else (0, len(text))

    def spans(self, text: str, timeout: float) -> Iterator[tuple[int, int]]:
        """Yield the span of every hit of a regex pattern in `text`, left to right.

        The time limit covers the whole scan of `text`; past it PatternTimeout is raised.
        """
        try:
            for found in self.compiled.finditer(text, timeout=timeout):
                yield found.span()
        except TimeoutError as exc:
            raise PatternTimeout(self.raw) from exc


def _fold(text: str) -> str:
    """Return text in NFKC form, lower-cased (keeps length for CJK, digits and letters)."""
    return unicodedata.normalize("NFKC", text).lower()


def parse(patterns: list[str]) -> list[Pattern]:
    """Return the patterns, raising ValueError (in Chinese) on an empty or invalid one."""
    out = []
    for raw in patterns:
        if not raw.strip() or raw.strip() == REGEX_PREFIX:
            raise ValueError("匹配规则不能为空")
        pattern = Pattern(raw)
        if pattern.kind == "regex":
            try:
                pattern.compiled  # noqa: B018  (compile now so config loading reports it)
            except regex.error as exc:
                raise ValueError(f"正则表达式“{raw}”无法解析：{exc}") from exc
        out.append(pattern)
    return out


def check_patterns(patterns: list[str]) -> list[str]:
    """Pydantic validator: reject empty or uncompilable patterns at config load."""
    parse(patterns)
    return patterns


def masked_snippet(
    text: str, span: tuple[int, int], context: int = CONTEXT_CHARS, mask: bool = True
) -> str:
    """Return the text around a hit with the hit masked (first character kept): 某某**网站;
    with mask=False the hit is shown in 【】 instead (an obsolete name a supervisor must read)."""
    start, end = span
    hit = text[start:end]
    if mask:
        masked = mask_term(hit)
    else:
        masked = f"【{hit}】"
    before = text[max(0, start - context) : start]
    after = text[end : end + context]
    lead = "…" if start > context else ""
    tail = "…" if end + context < len(text) else ""
    return f"{lead}{before}{masked}{after}{tail}"


def mask_term(term: str) -> str:
    """Return a term with all but its first character masked: 赌** (a report must not repeat it)."""
    return term[:1] + "*" * (len(term) - 1) if len(term) > 1 else "*"


# The texts an operator can name in `fields:` of text_required / text_forbidden. `body` is each
# HTML page's whole main text, kept in the store apart from the snapshot and read on demand.
TextField = Literal["title", "column", "link_text", "snippet", "body"]
FIELD_LABELS: dict[str, str] = {
    "title": "页面标题",
    "column": "栏目名称",
    "link_text": "链接文字",
    "snippet": "正文开头摘要",
    "body": "正文",
    "footer": "页脚",
}


@dataclass(frozen=True)
class Text:
    """One searchable text of a snapshot: which field it is, the text, and the page showing it."""

    field: str
    text: str
    url: str


def snapshot_texts(ctx: RuleContext, fields: list[str], home_only: bool = False) -> list[Text]:
    """Return the distinct texts of the chosen fields, each with the page that shows it.

    Remembered per site: term_forbidden, text_forbidden and the required-text rules of one
    site mostly ask for the same fields (issue 7). Callers only read the list.
    """
    home = ctx.home_urls()
    key = ("snapshot_texts", tuple(sorted(set(fields))), home_only, frozenset(home))
    return ctx.snapshot.derived(key, lambda: _snapshot_texts(ctx.snapshot, fields, home_only, home))


def _snapshot_texts(
    snapshot: SiteSnapshot, fields: list[str], home_only: bool, home: set[str]
) -> list[Text]:
    """Compute snapshot_texts."""
    pages = [
        p
        for p in snapshot.pages.values()
        if p.kind == "page" and reachable(p) and (not home_only or p.url in home)
    ]
    out: dict[tuple[str, str, str], Text] = {}
    # Loops over fields not chosen are skipped whole: a site has ~10 links per page (issue 7).
    wanted = set(fields)

    def add(field: str, text: str | None, url: str) -> None:
        if field in wanted and text and text.strip():
            out.setdefault((field, text.strip(), url), Text(field, text.strip(), url))

    if wanted & {"title", "column", "snippet", "footer"}:
        title, column, snippet = "title" in wanted, "column" in wanted, "snippet" in wanted
        for page in pages:
            if title:
                add("title", page.title, page.url)
            if column:
                add("column", page.column, page.url)
            if snippet:
                add("snippet", page.text_snippet, page.url)
            for value in page.footer.values() if "footer" in wanted else ():
                add("footer", value, page.url)
    if wanted & {"column", "link_text"}:
        for column in snapshot.columns:
            if not home_only or column.key in home:
                add("column", column.name, column.key)
            for entry in column.entries if "link_text" in wanted else ():
                if not home_only or entry.page_url in home:
                    add("link_text", entry.title, entry.page_url)
    if "link_text" in wanted:
        for link in snapshot.links:
            if not home_only or link.on_home or link.source_url in home:
                add("link_text", link.text, link.source_url)
    return list(out.values())


def page_texts(
    ctx: RuleContext,
    fields: list[str],
    home_only: bool = False,
    urls: set[str] | None = None,
) -> Iterator[Text]:
    """Yield snapshot_texts, then (when `body` is chosen) each reachable HTML page's stored main
    text, read from the store one page at a time (bodies are not part of the snapshot).

    `urls` keeps only texts shown on those pages (a column's pages, for term_required).
    """
    for text in snapshot_texts(ctx, [f for f in fields if f != "body"], home_only):
        if urls is None or text.url in urls:
            yield text
    if "body" not in fields:
        return
    wanted = html_pages(ctx, home_only)
    if urls is not None:
        wanted &= urls
    narrow = home_only or urls is not None
    for url, text in ctx.body_texts(sorted(wanted) if narrow else None):
        if url in wanted and text.strip():
            yield Text("body", text, url)


def html_pages(ctx: RuleContext, home_only: bool) -> set[str]:
    """Return the URLs of the reachable HTML pages (only the home page's with home_only)."""
    home = ctx.home_urls()
    return {
        p.url
        for p in ctx.snapshot.pages.values()
        if p.kind == "page" and reachable(p) and (not home_only or p.url in home)
    }


def bodies_missing(ctx: RuleContext, home_only: bool = False) -> bool:
    """Return whether reachable HTML pages exist but none has a stored main text (a run crawled
    before page texts were stored): a body search there would pass without having looked."""
    urls = html_pages(ctx, home_only)
    return bool(urls) and next(iter(ctx.body_texts(sorted(urls))), None) is None
