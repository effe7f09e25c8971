"""interpretation_missing: policy documents without a 解读, a late 解读, or no cross-link.

政策文件/规范性文件 and their 解读 are to be 同步组织、同步审签、同步部署 (国办发〔2016〕80号
实施细则; standards §6 interp_sync); the 解读 is published with the document and at the latest
within 3 working days (local practice, e.g. 郑州 2016 rule: interp_deadline_3wd), and the two
link to each other (interp_link). A document and a 解读 pair when a link joins them either way,
or when the 解读's title names the document (《…》 or the same core after dropping 关于/印发/的通知).
One finding per document: policy documents are few, and each is a concrete page to fix.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

import regex
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, field_validator

from checks.context import RuleContext, iso, reachable, unique_subjects
from checks.kinds.timeliness import calendar_gap_warning
from checks.model import Finding, Page
from checks.registry import rule_kind
from checks.workdays import load_calendar

# 文号 such as 宜府发〔2024〕12号 (also written with [] ［］ 【】 or () around the year).
DOC_NUMBER = r"[〔\[［【(（]\s*(?:19|20)\d{2}\s*[〕\]］】)）]\s*第?\s*\d+\s*号"
_DOC_NUMBER_RE = re.compile(DOC_NUMBER)
_INTERP_WORDS_RE = re.compile(
    r"(?:政策|图文|文字|视频|动漫|专家|权威|新闻发布会|一图)?解读|一图(?:读|看)懂|图解"
)
_QUOTED_RE = re.compile(r"《([^《》]{4,})》")
_PUNCT_RE = re.compile(r"[\s《》“”\"'「」〈〉()（）:：，,。、·—\-_|｜]")
_PREFIX_RE = re.compile(r"^(?:印发|转发|发布|公布|出台)")
_SUFFIX_RE = re.compile(r"(?:的)?(?:通知|意见|决定|批复|公告|通告|函)?(?:的)?$")
MIN_CORE = 6  # shorter cores (实施方案) would pair unrelated documents


class Params(BaseModel):
    """Parameters of interpretation_missing."""

    model_config = ConfigDict(extra="forbid")

    # Columns (or catalogue 主题分类) whose articles are policy documents.
    doc_columns: list[str] = Field(default_factory=lambda: ["政策文件", "规范性文件"])
    # Columns holding 解读 pages; a title with 解读/一图读懂/图解 is a 解读 wherever it sits.
    interp_columns: list[str] = Field(default_factory=lambda: ["政策解读", "解读"])
    # Regexes over "column topic 文号": a document needs a 解读 when one matches (default: it
    # has a 文号; ["规范性文件"] limits the rule to 规范性文件).
    require_for: list[str] = Field(default_factory=lambda: [DOC_NUMBER], min_length=1)
    max_workdays: NonNegativeInt = 3  # local practice (standards §6 interp_deadline_3wd)
    require_link: bool = True  # interp_link: warn when a pair has no link either way
    # require_for runs on crawled text: a catastrophic regex stops after this long per search
    # and the rule reports it as not evaluated (issue 8), as text_forbidden does.
    regex_timeout_ms: PositiveInt = 200

    @field_validator("require_for")
    @classmethod
    def _compile(cls, value: list[str]) -> list[str]:
        """Reject patterns that are not valid regular expressions."""
        for pattern in value:
            try:
                regex.compile(pattern)
            except regex.error as exc:  # not a ValueError: pydantic would not catch it
                raise ValueError(f"正则表达式“{pattern}”无法解析：{exc}") from None
        return value


@dataclass
class Doc:
    """A policy document or a 解读 page with what pairing needs."""

    page: Page
    title: str
    date: dt.date | None
    cores: set[str]
    urls: set[str]


def core(title: str) -> str:
    """Return the core of a title: no 解读 words, agency, 关于/印发, 的通知, punctuation."""
    t = _INTERP_WORDS_RE.sub("", title)
    t = _PUNCT_RE.sub("", t)
    if "关于" in t:
        t = t[t.index("关于") + 2 :]
    t = _PREFIX_RE.sub("", t)
    return _SUFFIX_RE.sub("", t)


def title_cores(title: str) -> set[str]:
    """Return the cores a title may be matched by: the whole title and each 《quoted》 part."""
    cores = {core(title)} | {core(q) for q in _QUOTED_RE.findall(title)}
    return {c for c in cores if len(c) >= MIN_CORE}


def cores_match(a: set[str], b: set[str]) -> bool:
    """Return whether two sets of cores share a core or one contains the other."""
    return any(x == y or x in y or y in x for x in a for y in b)


def _column_of(ctx: RuleContext) -> dict[str, str]:
    """Map entry URLs to the column that lists them (an article's own column may be unnamed)."""
    out: dict[str, str] = {}
    for column in ctx.snapshot.columns:
        for entry in column.entries:
            out.setdefault(entry.url, column.name)
    return out


def _date(page: Page) -> dt.date | None:
    """Return the date a page was published: catalogue 发布日期, else the page's own date."""
    value = page.catalogue.get("published_date")
    return dt.date.fromisoformat(value) if value else page.pub_date


def _doc_number(page: Page) -> str:
    """Return the page's 文号: the catalogue's, else one written in the title."""
    if page.catalogue.get("doc_number"):
        return page.catalogue["doc_number"]
    m = _DOC_NUMBER_RE.search(page.title or "")
    return m.group(0) if m else ""


def _book(title: str) -> str:
    """Quote a title for a message: 《title》, or “title” when it already holds 《…》."""
    return f"“{title}”" if "《" in title else f"《{title}》"


@rule_kind("interpretation_missing", Params)
def interpretation_missing(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail policy documents without a 解读 or with a late one; warn when a pair is not linked."""
    if (unreachable := ctx.home_error("检查政策解读")) is not None:
        yield unreachable
        return
    listed_in = _column_of(ctx)
    required = [regex.compile(x) for x in p.require_for]
    timeout = p.regex_timeout_ms / 1000
    slow: list[str] = []

    def needs_interp(text: str) -> bool:
        for rx in required:
            try:
                if rx.search(text, timeout=timeout):
                    return True
            except TimeoutError:
                slow.append(rx.pattern)
                required.remove(rx)  # stop using it; the rule is reported as not evaluated
                return False
        return False

    docs: list[tuple[Doc, str]] = []
    interps: list[Doc] = []
    for page in ctx.snapshot.pages.values():
        if page.kind != "page" or not reachable(page) or page.is_home:
            continue
        if page.page_type != "article" and not page.catalogue:
            continue
        title = page.title or page.catalogue.get("title") or ""
        if not title:
            continue
        column = " ".join(x for x in (page.column, listed_in.get(page.url)) if x)
        topic = page.catalogue.get("topic", "")
        urls = {page.url} | ({page.final_url} if page.final_url else set())
        # Title cores only for pages that pair (issue 7: most articles are neither).
        item = Doc(page, title, _date(page), set(), urls)
        if _INTERP_WORDS_RE.search(title) or any(k in column for k in p.interp_columns):
            item.cores = title_cores(title)
            interps.append(item)
            continue
        number = _doc_number(page)
        is_doc = any(k in column or k in topic for k in p.doc_columns) or bool(number)
        if is_doc and needs_interp(f"{column} {topic} {number}"):
            item.cores = title_cores(title)
            if page.catalogue.get("title"):
                item.cores |= title_cores(page.catalogue["title"])
            docs.append((item, number))
    for pattern in slow:
        yield ctx.error(
            pattern,
            f"正则表达式“{pattern}”（require_for）单次匹配超过 {p.regex_timeout_ms} 毫秒未完成，"
            "无法判断哪些文件需要解读，请简化表达式。",
            ctx.home.url,
            pattern=pattern,
            timeout_ms=p.regex_timeout_ms,
        )
    if slow or not docs:
        return
    # Only links between two documents or 解读 pages can pair them (issue 7: a site has ~10
    # links per page, mostly menus).
    ends = {u for d, _ in docs for u in d.urls} | {u for i in interps for u in i.urls}
    linked: set[tuple[str, str]] = set()
    for link in ctx.snapshot.links:
        if link.source_url in ends and link.target_url in ends:
            linked.add((link.source_url, link.target_url))
            linked.add((link.target_url, link.source_url))

    def is_linked(a: Doc, b: Doc) -> bool:
        return any((x, y) in linked for x in a.urls for y in b.urls)

    cal = load_calendar()
    missing: set[int] = set()
    uncounted = 0
    docs.sort(key=lambda d: d[0].page.url)
    subjects = unique_subjects([d.title for d, _ in docs], [d.page.url for d, _ in docs])
    for (doc, number), subject in zip(docs, subjects, strict=True):
        found = [
            (is_linked(doc, i), i)
            for i in interps
            if is_linked(doc, i) or cores_match(doc.cores, i.cores)
        ]
        base = {
            "doc_title": doc.title,
            "doc_url": doc.page.url,
            "doc_date": iso(doc.date),
            "doc_number": number or None,
        }
        if not found:
            yield ctx.fail(
                subject,
                f"政策文件{_book(doc.title)}{f'（{number}）' if number else ''}未发现配套解读，"
                "也没有链接到解读页面。",
                doc.page.url,
                **base,
            )
            continue
        # Prefer a linked 解读, then the earliest one.
        found.sort(key=lambda x: (not x[0], x[1].date or dt.date.max, x[1].page.url))
        has_link, interp = found[0]
        pair = {
            **base,
            "interp_title": interp.title,
            "interp_url": interp.page.url,
            "interp_date": iso(interp.date),
            "linked": has_link,
        }
        if doc.date is not None and interp.date is not None and interp.date > doc.date:
            gap_years = cal.missing_years(doc.date, interp.date)
            if gap_years:
                missing.update(gap_years)
                uncounted += 1
            else:
                days = cal.workdays_between(doc.date, interp.date)
                if days > p.max_workdays:
                    yield ctx.fail(
                        subject,
                        f"政策文件{_book(doc.title)}发布于 {iso(doc.date)}，解读“{interp.title}”"
                        f"发布于 {iso(interp.date)}，相隔 {days} 个工作日，"
                        f"超过 {p.max_workdays} 个工作日。",
                        interp.page.url,
                        **pair,
                        workdays=days,
                        limit=p.max_workdays,
                    )
        if p.require_link and not has_link:
            yield ctx.warn(
                subject,
                f"政策文件{_book(doc.title)}与解读“{interp.title}”之间没有相互链接。",
                doc.page.url,
                **pair,
            )
    if missing:
        yield calendar_gap_warning(ctx, missing, uncounted)
