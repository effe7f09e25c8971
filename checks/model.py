"""What checks read (a site's crawl snapshot) and what they produce (findings)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Status = Literal["pass", "fail", "warn", "error", "muted"]


@dataclass(slots=True)  # slots: a 300-site run builds millions (issue 7)
class Page:
    """One fetched URL of a site's crawl, as stored."""

    url: str
    kind: str  # page | attachment | image | external
    status: int | None
    error: str | None
    final_url: str | None = None
    content_type: str | None = None
    is_home: bool = False
    depth: int = 0
    referer: str | None = None
    fetched_at: str | None = None
    page_type: str | None = None  # home | list | article | other
    title: str | None = None
    pub_date: dt.date | None = None
    date_source: str | None = None
    date_candidates: list[tuple[str, str]] = field(default_factory=list)
    column: str | None = None
    column_source: str | None = None
    column_key: str | None = None
    metas: dict[str, str] = field(default_factory=dict)
    text_snippet: str | None = None
    placeholder: bool = False  # the page shows 暂无信息-style placeholder text (extract.analyse)
    # Masked personal numbers in the page's main text (crawlers.privacy.PrivacyHit JSON).
    privacy: list[dict[str, Any]] = field(default_factory=list)
    # An attachment's privacy scan record (crawlers.attachments: format, scanned, reason …);
    # its masked hits are in `privacy`. None on pages and on attachments never looked into.
    privacy_scan: dict[str, Any] | None = None
    # What the footer shows (extract.analyse): site_id_code, icp, psb, sponsor, conac.
    footer: dict[str, str] = field(default_factory=dict)
    # An outage notice's facts (crawlers.notices.parse_notice) and a 信息公开指南's 第十二条
    # elements (crawlers.guide.parse_guide); None on every other page.
    notice: dict[str, Any] | None = None
    guide: dict[str, Any] | None = None
    # A 留言/信箱 page's messages (crawlers.interaction.read_interaction); None elsewhere.
    interaction: dict[str, Any] | None = None
    # The 信息公开目录 metadata block (crawlers.catalogue_meta): index_no, publisher,
    # written_date/generated_date/issued_date/published_date (ISO), doc_number, topic, validity.
    catalogue: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Return whether the URL answered with a success status."""
        return self.error is None and self.status is not None and self.status < 400


@dataclass(slots=True)  # slots: a 300-site run builds millions (issue 7)
class Link:
    """A link from one crawled page to a target URL."""

    source_url: str
    target_url: str
    text: str
    kind: str
    on_home: bool = False
    # Why a reader cannot see the link (crawlers/hidden.py reason), None when it is shown.
    hidden: str | None = None


@dataclass
class Entry:
    """One entry of a column's list, in order; `column_key` groups paginated list pages."""

    column_key: str
    page_url: str
    title: str
    url: str
    date: dt.date | None
    position: int = 0


@dataclass
class Column:
    """A column (栏目): its list pages, shown name and entries (newest first)."""

    key: str
    name: str
    name_source: str | None
    pages: list[str]
    entries: list[Entry]

    @property
    def newest(self) -> Entry | None:
        """Return the newest dated entry, or None when no entry carries a date."""
        dated = [e for e in self.entries if e.date is not None]
        return max(dated, key=lambda e: e.date) if dated else None  # type: ignore[arg-type,return-value]


@dataclass
class AnnualReportRecord:
    """A 政府信息公开工作年度报告 found in the crawl (crawlers.items.ReportOut as stored)."""

    url: str
    year: int
    title: str
    format: str
    pub_date: dt.date | None
    source_url: str | None
    data: dict[str, Any] | None  # crawlers.annual_report.AnnualReport JSON; None when unreadable
    error: str | None


@dataclass(frozen=True)
class Probe:
    """One availability probe of a site's home page (crawlers/probe.py), as stored."""

    site_id: str
    url: str
    probed_at: dt.datetime  # naive UTC, the store's convention
    status: int | None  # the final HTTP status after redirects; None when none arrived
    elapsed_ms: int | None
    error: str | None = None  # dns | timeout | connection | tls | protocol | other; None: answered
    detail: str | None = None  # the error text as the client reported it


# Yields (url, main text) for the given URLs, or for every stored page when given None.
BodyLoader = Callable[[Iterable[str] | None], Iterator[tuple[str, str]]]


class BodyTexts:
    """A site's page main texts, read on demand: most kinds never need them, so a snapshot
    does not hold them (the store streams them, one decompressed page at a time)."""

    def __init__(
        self, texts: Mapping[str, str] | None = None, loader: BodyLoader | None = None
    ) -> None:
        """Hold `texts` in memory (tests, a fresh crawl) or read them through `loader`."""
        self._texts = dict(texts or {})
        self._loader = loader
        self._whole = loader is None  # _texts holds every text (a full read kept them all)

    # Characters of main text kept in memory per site (str: up to 4 bytes each, Chinese 2).
    KEEP_CHARS = 16_000_000

    def get(self, url: str) -> str | None:
        """Return one page's main text, or None when none was stored."""
        if url in self._texts:
            return self._texts[url]
        if self._whole or self._loader is None:
            return None
        return next((text for _, text in self._loader([url])), None)

    def items(self, urls: Iterable[str] | None = None) -> Iterator[tuple[str, str]]:
        """Yield (url, main text) of the stored pages (only `urls` if given), in crawl order.

        A first read of every text keeps them (up to KEEP_CHARS characters in all): a site's
        lexicon and text rules each read all of them, one rule after another (issue 7).
        """
        if not self._whole and self._loader is not None:
            if urls is not None:
                yield from self._loader(list(urls))
                return
            kept: dict[str, str] | None = {}
            size = 0
            for url, text in self._loader(None):
                if kept is not None:
                    size += len(text)
                    kept[url] = text
                    if size > self.KEEP_CHARS:
                        kept = None  # a very large site: read from the store each time
                yield url, text
            if kept is not None:
                self._texts.update(kept)
                self._whole = True
            return
        wanted = None if urls is None else set(urls)
        for url, text in self._texts.items():
            if wanted is None or url in wanted:
                yield url, text


@dataclass
class SiteSnapshot:
    """Everything one run crawled for one site; the only input a check may read."""

    run_id: int
    site_id: str
    start_urls: list[str]
    pages: dict[str, Page]
    links: list[Link]
    columns: list[Column]
    annual_reports: list[AnnualReportRecord] = field(default_factory=list)
    # Each HTML page's main text (personal numbers masked), loaded lazily: see BodyTexts.
    bodies: BodyTexts = field(default_factory=BodyTexts)
    # The site's availability probes of the week before the audit date (checks.runner
    # attach_probes); empty when none were stored, and site_unreachable then judges the crawl.
    probes: list[Probe] = field(default_factory=list)
    # Values derived from the snapshot that several rules of a site need (the distinct link
    # texts, the report years mentioned; issue 7: each rule scanning a 3,000-page site's
    # ~26,000 links again cost CPU). checks.runner.check_site sets it to {} while the site's
    # rules run, when nothing changes the snapshot; None (tests that edit a snapshot between
    # rules) computes every time.
    memo: dict[Any, Any] | None = field(default=None, repr=False, compare=False)

    def derived(self, key: Any, compute: Callable[[], Any]) -> Any:
        """Return compute(), remembered under `key` while memo is on (callers only read it)."""
        if self.memo is None:
            return compute()
        try:
            return self.memo[key]
        except KeyError:
            value = self.memo[key] = compute()
            return value

    def link_texts(self) -> list[str]:
        """Return the distinct link texts in first-seen order (menus repeat on every page)."""
        return self.derived("link_texts", lambda: list(dict.fromkeys(lk.text for lk in self.links)))

    @property
    def home(self) -> Page | None:
        """Return the home page (the first start URL) if it was recorded."""
        for url in self.start_urls:
            if url in self.pages:
                return self.pages[url]
        return next((p for p in self.pages.values() if p.is_home), None)


@dataclass
class Finding:
    """One result of a rule on a site; the fields of findings.json."""

    site: str
    rule: str
    check: str
    status: Status
    severity: str
    subject: str
    url: str | None
    message: str
    evidence: dict[str, Any]
    basis: str
    title: str = ""
    mute_reason: str | None = None
    # History against the site's previous complete run, set by checks.history.annotate:
    # fingerprint identifies the problem across runs; change is new | persisting (resolved on
    # the previous run's findings that are gone); first_seen is the ISO audit date of the
    # earliest run of the unbroken chain; previous_status is the status on the previous run.
    fingerprint: str = ""
    change: str | None = None
    first_seen: str | None = None
    previous_status: str | None = None
    # The expiry (ISO date) of the mutes.yaml entry that muted it, shown beside the reason.
    mute_expires: str | None = None

    def key(self) -> tuple[str, str, str, str]:
        """Return the identity used to compare findings across runs and with truth files."""
        return (self.site, self.rule, self.status, self.subject)


@dataclass
class Outcome:
    """The overall result of one rule on one site: worst status of its findings, or pass."""

    site: str
    rule: str
    check: str
    status: Status
    findings: int = 0
    # The rule's own words, so a report can name a rule that passed everywhere.
    title: str = ""
    basis: str = ""
    severity: str = ""
