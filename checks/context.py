"""What a check kind sees: one site's snapshot, its config and rule, the audit date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from checks.model import Column, Finding, Page, Probe, SiteSnapshot, Status

if TYPE_CHECKING:
    import conf
    from checks.profiles import Profile


@dataclass
class RuleContext:
    """One rule evaluated on one site; helpers build findings that carry the rule's metadata."""

    snapshot: SiteSnapshot
    site: conf.Site
    rule: conf.Rule
    now: dt.date

    @cached_property
    def profile(self) -> Profile:
        """Return the site's catalogue profile (loaded on first use: most kinds never need it)."""
        from checks.profiles import load_profile, site_profile_name

        return load_profile(site_profile_name(self.site))

    def finding(
        self, status: Status, subject: str, message: str, /, url: str | None = None, **evidence: Any
    ) -> Finding:
        """Return a finding of this rule on this site (evidence may use any key but `url`)."""
        return Finding(
            site=self.site.id,
            rule=self.rule.id,
            check=self.rule.check,
            status=status,
            severity=self.rule.severity,
            subject=subject,
            url=url,
            message=message,
            evidence=evidence,
            basis=self.rule.basis,
            title=self.rule.title,
        )

    def fail(
        self, subject: str, message: str, /, url: str | None = None, **evidence: Any
    ) -> Finding:
        """Return a `fail` finding: the site breaks the rule."""
        return self.finding("fail", subject, message, url=url, **evidence)

    def warn(
        self, subject: str, message: str, /, url: str | None = None, **evidence: Any
    ) -> Finding:
        """Return a `warn` finding: suspicious, but not proof of a breach."""
        return self.finding("warn", subject, message, url=url, **evidence)

    def error(
        self, subject: str, message: str, /, url: str | None = None, **evidence: Any
    ) -> Finding:
        """Return an `error` finding: the rule could not be evaluated (never counted as pass)."""
        return self.finding("error", subject, message, url=url, **evidence)

    # --- snapshot helpers shared by kinds -------------------------------------------------

    def page(self, url: str) -> Page | None:
        """Return the stored page for a URL, tolerating a missing or extra trailing slash."""
        pages = self.snapshot.pages
        if url in pages:
            return pages[url]
        alt = url[:-1] if url.endswith("/") else url + "/"
        return pages.get(alt)

    def body_text(self, url: str) -> str | None:
        """Return a page's stored main text (read on demand), or None when none was stored."""
        return self.snapshot.bodies.get(url)

    def body_texts(self, urls: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
        """Yield (url, main text) of the site's pages (only `urls` if given), read on demand."""
        return self.snapshot.bodies.items(urls)

    @property
    def home(self) -> Page | None:
        """Return the home page (first start URL) if the crawl recorded it."""
        page = self.page(self.site.start_urls[0]) if self.site.start_urls else None
        return page or self.snapshot.home

    def home_error(self, what: str, subject: str = "首页") -> Finding | None:
        """Return an `error` finding when the home page was not reached, else None.

        A rule that cannot look at the site must say so (无法检查), never pass silently.
        """
        home = self.home
        if home is not None and reachable(home):
            return None
        reason = describe_failure(home) if home else "未抓取到首页"
        return self.error(
            subject,
            f"首页无法访问（{reason}），无法{what}。",
            self.site.start_urls[0],
            status=home.status if home else None,
            error=home.error if home else "not_fetched",
        )

    def home_urls(self) -> set[str]:
        """Return every URL the home page is known by (start URLs, stored and final URL)."""
        urls = set(self.snapshot.start_urls) | set(self.site.start_urls)
        home = self.home
        if home is not None:
            urls.add(home.url)
            if home.final_url:
                urls.add(home.final_url)
        return urls | {u[:-1] if u.endswith("/") else u + "/" for u in urls}

    def content_columns(self) -> list[Column]:
        """Return the columns to judge for freshness and blankness.

        The home page's own list is homepage_stale's business; a column whose list pages all
        failed to load is link_broken's (its emptiness would be the crawler's, not the site's).
        """
        home = self.home_urls()
        out = []
        for column in self.snapshot.columns:
            pages = [self.snapshot.pages[u] for u in column.pages if u in self.snapshot.pages]
            if column.key in home or (pages and not any(reachable(p) for p in pages)):
                continue
            out.append(column)
        return out


def reachable(page: Page) -> bool:
    """Return whether a URL answered with success; a body over the size cap still answered."""
    if page.ok:
        return True
    return page.error == "too_large" and (page.status is None or page.status < 400)


def describe_failure(page: Page) -> str:
    """Return a short Chinese description of why a fetch failed (status or network error)."""
    if page.error:
        return ERROR_LABELS.get(page.error, f"请求出错：{page.error}")
    if page.status is not None:
        return f"HTTP {page.status}"
    return "未收到响应"


# Spider error codes (crawlers/items.py PageItem.error) in the supervisors' words.
ERROR_LABELS = {
    "dns": "域名解析失败",
    "timeout": "连接超时",
    "connection": "连接失败",
    "tls": "证书或加密连接错误",
    "too_large": "文件过大未下载",
    # Hostile servers (issue 8, crawlers/spiders/site.py).
    "redirect_loop": "重定向循环",
    "too_many_redirects": "重定向次数过多",
    "not_html": "返回的内容不是网页（以网页类型发送的二进制数据）",
    "robots": "robots.txt 禁止抓取",
    # crawlers/probe.py only
    "protocol": "响应不符合 HTTP 协议或重定向过多",
    "other": "请求出错",
}


def probe_failed(probe: Probe, blocked_statuses: Collection[int]) -> bool | None:
    """Return whether an availability probe failed: True when the page did not open (no
    answer, an error, HTTP >= 400), False when it opened, None when the server answered with
    a blocked status (it refused the checker, which proves nothing about the public)."""
    if probe.error is not None or probe.status is None:
        return True
    if probe.status in blocked_statuses:
        return None
    return probe.status >= 400


# Audit dates are Beijing days; the store keeps naive UTC times.
BEIJING = dt.timezone(dt.timedelta(hours=8))
# 国办秘函〔2019〕19号 站点无法访问: the home page is monitored for one week.
PROBE_WINDOW_DAYS = 7


def probe_window(now: dt.date, days: int = PROBE_WINDOW_DAYS) -> tuple[dt.datetime, dt.datetime]:
    """Return the naive-UTC [start, end) of the `days` Beijing days before audit date `now`.

    The window ends at 00:00 of the audit date, so re-checking a run later judges the same
    probes whatever has been stored since.
    """
    end = dt.datetime.combine(now, dt.time(), tzinfo=BEIJING).astimezone(dt.UTC)
    end = end.replace(tzinfo=None)
    return end - dt.timedelta(days=days), end


def iso(day: dt.date | None) -> str | None:
    """Return a date as ISO text for JSON evidence."""
    return day.isoformat() if day else None


def unique_subjects(names: list[str], keys: list[str]) -> list[str]:
    """Return column names as subjects, adding the list URL where two columns share a name."""
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return [n if counts[n] == 1 else f"{n}（{k}）" for n, k in zip(names, keys, strict=True)]


# 国办秘函〔2019〕19号 空白栏目: a list that shows only such text counts as having no content.
DEFAULT_PLACEHOLDERS = [
    "暂无信息",
    "暂无数据",
    "暂无内容",
    "暂无记录",
    "正在建设",
    "建设中",
    "敬请期待",
]


def blank_reason(snapshot: SiteSnapshot, column: Column, placeholders: list[str]) -> str | None:
    """Return why a column counts as blank (空白栏目), or None when it has real content.

    `no_entries`: the list has no entry; `placeholders`: every entry is placeholder text;
    `placeholder_page`: the list page says 暂无信息 and no entry carries a date (undated
    "entries" on such a page are navigation debris, not content).
    """
    pages = [snapshot.pages[u] for u in column.pages if u in snapshot.pages]
    placeholder_page = bool(pages) and all(p.placeholder for p in pages)
    if not column.entries:
        # Name the 暂无信息 text when the page shows it: it is what a supervisor will see.
        return "placeholder_page" if placeholder_page else "no_entries"
    if all(any(ph in e.title for ph in placeholders) for e in column.entries):
        return "placeholders"
    if placeholder_page and all(e.date is None for e in column.entries):
        return "placeholder_page"
    return None
