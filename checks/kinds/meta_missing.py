"""meta_missing: 发展指引 page tags, 网站标识码 and footer elements (国办发〔2017〕47号).

Findings aggregate over the site (a real site has thousands of pages): one per page type and
missing tag, with the count and a few example URLs, never one per page.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Iterator
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, ValidationInfo, field_validator

from checks.context import RuleContext
from checks.model import Finding, Page
from checks.registry import rule_kind
from crawlers.extract import parse_date

PageKind = Literal["home", "list", "article"]
FooterKey = Literal["site_id_code", "icp", "psb", "sponsor", "conac"]

PAGE_LABELS: dict[str, str] = {"home": "首页", "list": "栏目页", "article": "文章页"}
FOOTER_LABELS: dict[str, str] = {
    "site_id_code": "网站标识码",
    "icp": "ICP备案编号",
    "psb": "公安机关备案号",
    "sponsor": "主办单位",
    "conac": "党政机关网站标识",
}
# 《政府网站发展指引》: the tags each page type carries (site tags everywhere, column tags on
# column and article pages, article tags on articles).
DEFAULT_REQUIRED: dict[str, list[str]] = {
    "home": ["SiteName", "SiteDomain", "SiteIDCode"],
    "list": ["SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ColumnType"],
    "article": [
        "SiteName", "SiteDomain", "SiteIDCode", "ColumnName", "ArticleTitle", "PubDate",
        "ContentSource",
    ],
}  # fmt: skip
DEFAULT_RECOMMENDED: dict[str, list[str]] = {
    "home": [],
    "list": ["ColumnDescription", "ColumnKeywords"],
    "article": ["Keywords", "Description"],
}
# 网站标识码: 6-digit 行政区划代码 + 4-digit sequence, or bm + 8 digits for 国务院部门.
SITE_ID_CODE_RE = re.compile(r"^(?:\d{10}|bm\d{8})$")
EXAMPLES = 5
# PubDate is written in Beijing time; fetch times are stored in UTC.
BEIJING = dt.timezone(dt.timedelta(hours=8))


class Params(BaseModel):
    """Parameters of meta_missing."""

    model_config = ConfigDict(extra="forbid")

    required: dict[PageKind, list[str]] = Field(default_factory=lambda: dict(DEFAULT_REQUIRED))
    recommended: dict[PageKind, list[str]] = Field(
        default_factory=lambda: dict(DEFAULT_RECOMMENDED)
    )
    check_footer: bool = True
    footer_required: list[FooterKey] = Field(
        default_factory=lambda: ["site_id_code", "icp", "psb", "sponsor"]
    )
    pubdate_max_diff_days: NonNegativeInt = 0

    @field_validator("required", "recommended")
    @classmethod
    def _keep_defaults(
        cls, value: dict[str, list[str]], info: ValidationInfo
    ) -> dict[str, list[str]]:
        """Fill page types the operator did not list from the defaults (an empty list clears)."""
        base = DEFAULT_REQUIRED if info.field_name == "required" else DEFAULT_RECOMMENDED
        return {**base, **value}


class _Tags:
    """Pages' meta tags, each page indexed once by lower-case name (issue 7: a tag is looked
    up about 12 times per page, on every page of a 3,000-page site)."""

    def __init__(self) -> None:
        self._by_page: dict[int, dict[str, str]] = {}  # id(page): pages outlive the rule

    def index(self, page: Page) -> dict[str, str]:
        """Return a page's first non-empty value of each tag, stripped, by lower-case name."""
        index = self._by_page.get(id(page))
        if index is None:
            index = {}
            for key, value in page.metas.items():
                if value and (stripped := value.strip()):
                    index.setdefault(key.lower(), stripped)
            self._by_page[id(page)] = index
        return index

    def __call__(self, page: Page, name: str) -> str:
        """Return a meta tag's first non-empty value, stripped (name case-insensitive), else ''."""
        return self.index(page).get(name.lower(), "")


def _page_kind(page: Page, home_urls: set[str]) -> str | None:
    """Return home | list | article for a page this rule judges, else None."""
    if page.url in home_urls or page.is_home:
        return "home"
    return page.page_type if page.page_type in ("list", "article") else None


def _fetch_limit(page: Page, now: dt.date) -> dt.datetime:
    """Return the latest honest publish time: the fetch time (Beijing) or the audit day's end."""
    limit = dt.datetime.combine(now, dt.time(23, 59))
    if page.fetched_at:
        try:
            fetched = dt.datetime.fromisoformat(page.fetched_at)
        except ValueError:
            return limit
        if fetched.tzinfo is None:
            fetched = fetched.replace(tzinfo=dt.UTC)
        limit = min(limit, fetched.astimezone(BEIJING).replace(tzinfo=None))
    return limit


def _domain(value: str) -> str:
    """Return the host named by a SiteDomain value (tolerating a scheme, port or path)."""
    value = value.strip().lower()
    if "//" not in value:
        value = "//" + value
    return (urlsplit(value).hostname or "").rstrip(".")


def _host(url: str) -> str:
    """Return a URL's lower-case host, parsing each scheme://host prefix once (issue 7: every
    page of a site shares it): the host is the same whether the path follows or not."""
    start = url.find("://")
    if start < 0:
        return _prefix_host(url)
    end = url.find("/", start + 3)
    return _prefix_host(url if end < 0 else url[:end])


@functools.lru_cache(maxsize=4096)
def _prefix_host(prefix: str) -> str:
    """Return the lower-case host of a URL (its scheme://host prefix when _host cut it)."""
    return (urlsplit(prefix).hostname or "").lower()


@functools.lru_cache(maxsize=4096)
def _is_ip(host: str) -> bool:
    """Return whether a crawled host is an IP address or localhost (no domain to compare)."""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _shown(urls: list[str]) -> dict[str, Any]:
    """Return the count and up to EXAMPLES example URLs for evidence."""
    return {"count": len(urls), "examples": urls[:EXAMPLES]}


@rule_kind("meta_missing", Params)
def meta_missing(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Report missing 发展指引 tags per page type, bad SiteIDCode, dubious PubDate, footer gaps."""
    home = ctx.home
    if (unreachable := ctx.home_error("检查页面标签和页脚")) is not None:
        yield unreachable
        return
    home_urls = ctx.home_urls()
    groups: dict[str, list[Page]] = {k: [] for k in PAGE_LABELS}
    for page in ctx.snapshot.pages.values():
        kind = _page_kind(page, home_urls) if page.kind == "page" and page.ok else None
        if kind is not None:
            groups[kind].append(page)

    meta = _Tags()
    yield from _missing_tags(ctx, p, groups, meta)
    pages = [pg for kind in PAGE_LABELS for pg in groups[kind]]
    yield from _site_id_codes(ctx, p, pages, home, meta)
    yield from _site_domains(ctx, pages, meta)
    yield from _pub_dates(ctx, p, pages, meta)
    if p.check_footer:
        for key in p.footer_required:
            if not home.footer.get(key):
                label = FOOTER_LABELS[key]
                yield ctx.fail(
                    f"首页页脚缺少{label}",
                    f"首页页脚没有显示{label}（{home.url}）。",
                    home.url,
                    element=key,
                    footer=dict(home.footer),
                )


def _missing_tags(
    ctx: RuleContext, p: Params, groups: dict[str, list[Page]], meta: _Tags
) -> Iterator[Finding]:
    """One finding per page type and missing tag: fail for required, warn for recommended."""
    for kind, label in PAGE_LABELS.items():
        group = groups[kind]
        indexed = [(pg.url, meta.index(pg)) for pg in group]
        for status, tags in (("fail", p.required[kind]), ("warn", p.recommended[kind])):
            for tag in tags:
                want = tag.lower()
                urls = [url for url, index in indexed if not index.get(want)]
                if not urls:
                    continue
                if kind == "home":
                    message = f'首页缺少 <meta name="{tag}"> 标签或内容为空（{urls[0]}）。'
                else:
                    message = (
                        f"{len(urls)} 个{label}（共 {len(group)} 个）缺少 "
                        f'<meta name="{tag}"> 标签或内容为空，如 {urls[0]}。'
                    )
                yield ctx.finding(
                    status,  # type: ignore[arg-type]
                    f"{label}缺少 {tag}",
                    message,
                    urls[0],
                    page_type=kind,
                    tag=tag,
                    total=len(group),
                    **_shown(urls),
                )


def _site_id_codes(
    ctx: RuleContext, p: Params, pages: list[Page], home: Page, meta: _Tags
) -> Iterator[Finding]:
    """Fail each malformed SiteIDCode value, and a home SiteIDCode unlike the footer's code."""
    bad: dict[str, list[str]] = {}
    for page in pages:
        value = meta(page, "SiteIDCode")
        if value and not SITE_ID_CODE_RE.match(value):
            bad.setdefault(value, []).append(page.url)
    for value, urls in bad.items():
        yield ctx.fail(
            f"SiteIDCode 格式不正确：{value}",
            f"{len(urls)} 个页面的 SiteIDCode 为“{value}”，不是 10 位数字或 bm 加 8 位数字的"
            f"网站标识码，如 {urls[0]}。",
            urls[0],
            value=value,
            **_shown(urls),
        )
    shown = home.footer.get("site_id_code", "")
    home_code = meta(home, "SiteIDCode")
    if p.check_footer and shown and home_code and shown != home_code:
        yield ctx.fail(
            "SiteIDCode 与页脚网站标识码不一致",
            f"首页 SiteIDCode 为“{home_code}”，页脚显示的网站标识码为“{shown}”，两者不一致（{home.url}）。",
            home.url,
            meta=home_code,
            footer=shown,
        )


def _site_domains(ctx: RuleContext, pages: list[Page], meta: _Tags) -> Iterator[Finding]:
    """Warn each SiteDomain value that differs from the host the page was crawled on."""
    bad: dict[str, tuple[str, list[str]]] = {}
    for page in pages:
        value = meta(page, "SiteDomain")
        if not value:
            continue
        host = _host(page.final_url or page.url)
        if not host or _is_ip(host):
            continue  # crawled by IP address: there is no domain name to compare with
        if _domain(value) != host:
            bad.setdefault(value, (host, []))[1].append(page.url)
    for value, (host, urls) in bad.items():
        yield ctx.warn(
            f"SiteDomain 与网站域名不一致：{value}",
            f"{len(urls)} 个页面的 SiteDomain 为“{value}”，与实际访问的域名 {host} 不一致，"
            f"如 {urls[0]}。",
            urls[0],
            value=value,
            host=host,
            **_shown(urls),
        )


def _pub_dates(ctx: RuleContext, p: Params, pages: list[Page], meta: _Tags) -> Iterator[Finding]:
    """Fail PubDate values later than the fetch (伪造发稿日期) or unlike the visible date."""
    future: list[dict[str, str | None]] = []
    differ: list[dict[str, str]] = []
    unreadable: list[str] = []
    parsed: dict[str, str | None] = {}  # pages share PubDate values (issue 7)
    for page in pages:
        value = meta(page, "PubDate")
        if not value:
            continue
        if value not in parsed:
            parsed[value] = parse_date(value)
        iso = parsed[value]
        if iso is None:
            unreadable.append(page.url)
            continue
        when = dt.datetime.fromisoformat(iso)
        if when > _fetch_limit(page, ctx.now):
            future.append({"url": page.url, "pubdate": value, "fetched_at": page.fetched_at})
        visible = next((v for s, v in page.date_candidates if s == "visible"), None)
        if visible is not None:
            gap = abs((when.date() - dt.date.fromisoformat(visible[:10])).days)
            if gap > p.pubdate_max_diff_days:
                differ.append({"url": page.url, "pubdate": value, "visible": visible[:10]})
    if future:
        first = future[0]
        yield ctx.fail(
            "PubDate 晚于抓取时间",
            f"{len(future)} 个页面的 PubDate 晚于抓取时间，有伪造发稿日期之嫌（国办秘函〔2019〕19号"
            f"单项否决），如 {first['url']} 的 PubDate 为 {first['pubdate']}。",
            first["url"],
            count=len(future),
            examples=future[:EXAMPLES],
        )
    if differ:
        first = differ[0]
        within = f"相差超过 {p.pubdate_max_diff_days} 天" if p.pubdate_max_diff_days else "不一致"
        yield ctx.fail(
            "PubDate 与页面显示日期不一致",
            f"{len(differ)} 个页面的 PubDate 与页面显示的发布日期{within}，"
            f"如 {first['url']} 的 PubDate 为 {first['pubdate']}，页面显示 {first['visible']}。",
            first["url"],
            count=len(differ),
            limit=p.pubdate_max_diff_days,
            examples=differ[:EXAMPLES],
        )
    if unreadable:
        yield ctx.warn(
            "PubDate 无法识别",
            f"{len(unreadable)} 个页面的 PubDate 不是 yyyy-MM-dd HH:mm 格式的日期，如 {unreadable[0]}。",
            unreadable[0],
            **_shown(unreadable),
        )
