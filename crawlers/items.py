"""Items the generic spider yields: one PageItem per fetched URL (page, attachment or external link)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

# What a URL was fetched as. `page`: an on-site HTML page that is parsed and followed;
# `attachment`: an on-site document (pdf, doc, ...) checked by HEAD/GET but not parsed;
# `image`: an <img> target; `external`: an off-site link, status only, never crawled further.
FetchKind = Literal["page", "attachment", "image", "external"]
PageType = Literal["home", "list", "article", "other"]


@dataclass
class LinkOut:
    """A link found on a page: absolute URL, anchor text and what kind of target it is."""

    url: str
    text: str
    kind: FetchKind
    # Why a reader cannot see the link (crawlers.hidden reason, e.g. `offscreen left:-9999px
    # @div`), or None when it is shown somewhere on the page (暗链 detection, link_suspicious).
    hidden: str | None = None


@dataclass
class EntryOut:
    """One entry of a list (column) page, in page order."""

    title: str
    url: str
    date: str | None  # ISO date YYYY-MM-DD as a reader sees it, or None when undated
    position: int


@dataclass
class DateCandidate:
    """One publish-date reading and where it came from."""

    source: str  # visible | meta | list | url
    value: str  # ISO date YYYY-MM-DD (or YYYY-MM-DDTHH:MM when a time is shown)


# A 政府信息公开工作年度报告 title or link text (条例第五十条), with or without 度 after the year.
REPORT_TITLE_RE = re.compile(r"(\d{4})年度?.{0,20}政府信息公开.{0,6}年度?报告")


def report_year(text: str | None) -> int | None:
    """Return the year of an annual-report title or link text, or None if it is not one."""
    m = REPORT_TITLE_RE.search(re.sub(r"\s+", "", text or ""))
    return int(m.group(1)) if m else None


@dataclass
class ReportOut:
    """An annual report recognised in the crawl: what was read from it, or why it could not be."""

    year: int
    title: str
    format: str  # html | pdf | docx | doc | wps | ... (what the file is, read or not)
    pub_date: str | None  # ISO date the report was published (its page, or the page linking it)
    source_url: str | None  # for an attachment: the page that links it
    data: dict[str, Any] | None  # AnnualReport.to_json(with_text=True) minus the full text
    error: str | None  # Chinese reason the report could not be read (scan, old Word, HTTP 404)


@dataclass
class PageItem:
    """Everything the crawl learnt about one URL; written to the store by StorePipeline."""

    run_id: int
    site_id: str
    url: str  # the URL as requested (links point at this)
    kind: FetchKind
    final_url: str | None = None  # after redirects
    status: int | None = None  # HTTP status; None when no response arrived
    error: str | None = None  # dns | timeout | connection | tls | too_large | other:<text>
    content_type: str | None = None
    size: int | None = None
    method: str = "GET"
    depth: int = 0
    referer: str | None = None
    is_home: bool = False
    fetched_at: str | None = None  # ISO timestamp (UTC)
    # Extraction (HTML pages only).
    encoding: str | None = None
    page_type: PageType | None = None
    title: str | None = None
    pub_date: str | None = None  # the date a reader sees (ISO), see extract.analyse
    date_source: str | None = None
    date_candidates: list[DateCandidate] = field(default_factory=list)
    column: str | None = None  # 栏目 name as shown
    column_source: str | None = None  # meta | breadcrumb | heading | title
    column_key: str | None = None  # URL of the first page of the column this list page belongs to
    metas: dict[str, str] = field(default_factory=dict)
    links: list[LinkOut] = field(default_factory=list)
    entries: list[EntryOut] = field(default_factory=list)
    text_snippet: str | None = None  # first ~300 chars of body text, for evidence
    # The whole main text, personal numbers masked (extract.PageAnalysis.body_text); stored
    # compressed in page_texts, not in pages. None on a page read back for a resumed crawl.
    body_text: str | None = None
    placeholder: bool = False  # the list area shows only 暂无信息-style text (19号 空白栏目)
    # Personal numbers in the main text, masked only (crawlers.privacy.PrivacyHit JSON:
    # kind, masked, context, offset, hash); the raw values are never stored.
    privacy: list[dict[str, Any]] = field(default_factory=list)
    # An attachment's privacy scan (crawlers.attachments.AttachmentScan.record: format, scanned,
    # chars, or reason and detail when it was not scanned); its masked hits go in `privacy`.
    # None on pages, and on attachments when scanning is off or the file is off-site.
    privacy_scan: dict[str, Any] | None = None
    # Pagination URLs of a parsed page (extract's next_pages), kept so a resumed crawl can
    # continue the column from the stored page without fetching it again.
    next_pages: list[str] = field(default_factory=list)
    # What the page footer shows (国办发〔2017〕47号): site_id_code, icp, psb, sponsor, conac.
    footer: dict[str, str] = field(default_factory=dict)
    # The 信息公开目录 metadata block (条例第十二条): crawlers.catalogue_meta.FIELDS keys, ISO dates.
    catalogue: dict[str, str] = field(default_factory=dict)
    # An outage notice's parsed facts (crawlers.notices.parse_notice) and a 信息公开指南's
    # 第十二条 elements (crawlers.guide.parse_guide); None on other pages. The text is not kept.
    notice: dict[str, Any] | None = None
    guide: dict[str, Any] | None = None
    # A 留言/信箱 page's messages (crawlers.interaction.read_interaction: layout, messages with
    # title, url, asked, answered, status, unit); None on other pages. No message text is kept.
    interaction: dict[str, Any] | None = None
    # Set when this URL is a 政府信息公开工作年度报告 (an HTML report page or a report attachment).
    annual_report: ReportOut | None = None
    # Weekly recrawl (issue 7): the response's validators, sent back as If-None-Match /
    # If-Modified-Since by the next run; `reused_from` is the run whose stored extraction this
    # row copies because the server answered 304 Not Modified (None: fetched and parsed now);
    # `extract_version` names the extraction code that produced the row (a reused row keeps it).
    etag: str | None = None
    last_modified: str | None = None
    reused_from: int | None = None
    extract_version: str | None = None
