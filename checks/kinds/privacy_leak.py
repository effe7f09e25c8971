"""privacy_leak: 身份证号, 手机号, 银行卡号 published without 去标识化 (《2018年政务公开工作要点》).

Reads the masked hits the crawl stored per page (crawlers/privacy.py scans each page's main
text) and per on-site attachment (crawlers/attachments.py reads PDF, DOCX, XLSX, CSV and TXT
text); raw numbers never reach a check, so every finding, report and CSV shows masked forms only.
An attachment is judged by the column of the page that links it. Limits: old binary Office/WPS
files, archives and images (no OCR) are not read; each finding counts them as not scanned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from checks.context import RuleContext
from checks.model import Finding, Page, SiteSnapshot
from checks.registry import rule_kind
from crawlers.attachments import REASONS
from crawlers.privacy import KINDS

HitKind = Literal["id_card", "mobile", "bank_card"]
EXAMPLES = 5
SUMMARY_PAGES = 20
# Link texts that do not name the file (附件1, 下载 …): the file name names it instead.
_GENERIC_LINK = re.compile(r"^(附件\s*\d*|下载|点击下载|点击查看|查看|详见附件|全文|原文)?[:：]?$")

# 《2018年政务公开工作要点》: publication of personal information is lawful in 惩戒公示 and
# 强制性信息披露; these columns (or page titles) carry it by design.
DEFAULT_EXEMPT = ["惩戒公示", "失信被执行人", "失信联合惩戒", "失信惩戒", "强制性信息披露"]


class Params(BaseModel):
    """Parameters of privacy_leak."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[HitKind] = Field(
        default_factory=lambda: ["id_card", "mobile", "bank_card"], min_length=1
    )
    # A page whose column name or title contains one of these is not judged; nor is an
    # attachment linked from such a page, or whose link text contains one.
    exempt_columns: list[str] = Field(default_factory=lambda: list(DEFAULT_EXEMPT))
    # A mobile number labelled as a contact line (联系电话, 咨询电话 …): warn (a 联系方式 should
    # be a work number, but publishing one is not a leak of a resident's data), fail, or ignore.
    contact_mobiles: Literal["fail", "warn", "ignore"] = "warn"
    # One finding per page up to this many pages; the rest become one summary finding.
    max_findings: PositiveInt = 50


@dataclass
class _Flagged:
    """A page or attachment showing personal data, with what the finding says about it."""

    page: Page  # the page, or the attachment's row
    hits: list[dict[str, Any]]
    contact_only: bool
    source: Page | None = None  # an attachment's linking page (its referer), when stored
    name: str = ""  # an attachment's link text, or its file name


def _exempt(page: Page, terms: list[str]) -> bool:
    """Return whether a page sits in a column (or has a title) where publication is lawful."""
    names = (page.column or "", page.title or "", page.metas.get("ColumnName", ""))
    return any(term and term in name for term in terms for name in names)


def _link_texts(snapshot: SiteSnapshot, urls: set[str]) -> dict[str, dict[str, str]]:
    """Return target URL → {linking page URL: link text} for the given attachment URLs."""
    out: dict[str, dict[str, str]] = {}
    for link in snapshot.links:
        if link.target_url in urls and link.text.strip():
            out.setdefault(link.target_url, {}).setdefault(link.source_url, link.text.strip())
    return out


def _file_name(url: str) -> str:
    """Return the file name at the end of a URL's path (decoded)."""
    return unquote(urlsplit(url).path).rsplit("/", 1)[-1] or url


def _attachment_name(att: Page, texts: dict[str, str]) -> str:
    """Return how a supervisor knows an attachment: its link text, else its file name."""
    text = texts.get(att.referer or "") or next(iter(texts.values()), "")
    text = re.sub(r"\s+", " ", text).strip()
    return _file_name(att.url) if _GENERIC_LINK.match(text) else text


def _type(att: Page) -> str:
    """Return an attachment's file type as shown (PDF, DOCX, XLSX …)."""
    fmt = (att.privacy_scan or {}).get("format") or _file_name(att.url).rsplit(".", 1)[-1]
    return str(fmt).upper()


def _coverage(snapshot: SiteSnapshot) -> dict[str, Any]:
    """Return how many on-site attachments were scanned, and which were not and why."""
    scans = [
        (p, p.privacy_scan)
        for p in snapshot.pages.values()
        if p.kind == "attachment" and p.privacy_scan is not None
    ]
    scanned = sum(1 for _, s in scans if s.get("scanned"))
    missed = [(p, s) for p, s in scans if not s.get("scanned")]
    if not scans:
        return {}
    out: dict[str, Any] = {"attachments_scanned": scanned}
    if missed:
        by_type = Counter(_type(p) for p, _ in missed)
        reasons = Counter(
            REASONS.get(str(s.get("reason")), str(s.get("reason"))) for _, s in missed
        )
        out["attachments_unscanned"] = dict(sorted(by_type.items()))
        out["unscanned_reasons"] = dict(reasons.most_common())
        out["unscanned_examples"] = [
            {
                "url": p.url,
                "type": _type(p),
                "reason": REASONS.get(str(s.get("reason")), str(s.get("reason"))),
            }
            for p, s in missed[:EXAMPLES]
        ]
    return out


def _counts(hits: list[dict[str, Any]]) -> dict[str, int]:
    """Return hit counts by kind label (身份证号, 手机号, 银行卡号), in KINDS order."""
    got = Counter(h["kind"] for h in hits)
    return {KINDS[k]: got[k] for k in KINDS if got[k]}


def _describe(counts: dict[str, int]) -> str:
    """Return counts as Chinese text: 身份证号 2 个、手机号 1 个."""
    return "、".join(f"{label} {n} 个" for label, n in counts.items())


@rule_kind("privacy_leak", Params)
def privacy_leak(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each page or attachment whose text shows an unmasked 身份证号, 手机号 or 银行卡号."""
    if (unreachable := ctx.home_error("检查个人信息泄露")) is not None:
        yield unreachable
        return
    pages = ctx.snapshot.pages
    attachments = {url for url, page in pages.items() if page.kind == "attachment" and page.privacy}
    texts = _link_texts(ctx.snapshot, attachments)
    flagged: list[_Flagged] = []
    for page in pages.values():
        if page.kind not in ("page", "attachment") or not page.privacy:
            continue
        source: Page | None = None
        name = ""
        if page.kind == "attachment":
            # An attachment belongs to the page that links it: 惩戒公示 lists are lawful there.
            source = pages.get(page.referer or "")
            name = _attachment_name(page, texts.get(page.url, {}))
            if (source is not None and _exempt(source, p.exempt_columns)) or any(
                term and term in name for term in p.exempt_columns
            ):
                continue
        elif _exempt(page, p.exempt_columns):
            continue
        hits = [h for h in page.privacy if h.get("kind") in p.kinds]
        if p.contact_mobiles == "ignore":
            hits = [h for h in hits if not h.get("contact")]
        if not hits:
            continue
        # Only labelled contact mobiles on the page: a warn unless the operator says fail.
        contact_only = all(h.get("contact") for h in hits) and p.contact_mobiles == "warn"
        flagged.append(_Flagged(page, hits, contact_only, source, name))

    coverage = _coverage(ctx.snapshot)
    labels = Counter(f.name if f.page.kind == "attachment" else f.page.title for f in flagged)
    for f in flagged[: p.max_findings]:
        yield _finding(ctx, f, labels, coverage)

    rest = flagged[p.max_findings :]
    if rest:
        counts = _counts([h for f in rest for h in f.hits])
        status = "warn" if all(f.contact_only for f in rest) else "fail"
        yield ctx.finding(
            status,  # type: ignore[arg-type]
            "其他含个人信息的页面",
            f"另有 {len(rest)} 个页面或附件公开了未去标识化的个人信息（{_describe(counts)}），"
            f"如 {rest[0].page.url}；单项结果只列出前 {p.max_findings} 个。",
            rest[0].page.url,
            count=len(rest),
            counts=counts,
            examples=[f.page.url for f in rest[:SUMMARY_PAGES]],
            **coverage,
        )


def _finding(
    ctx: RuleContext, f: _Flagged, labels: Counter[str | None], coverage: dict[str, Any]
) -> Finding:
    """Return the finding of one flagged page or attachment (masked values only)."""
    page, hits = f.page, f.hits
    counts = _counts(hits)
    first = hits[0]
    what = "联系方式中的手机号" if f.contact_only else "未去标识化的个人信息"
    tail = (
        f"{_describe(counts)}，如 {first['masked']}（“{first['context']}”）。"
        "除惩戒公示和强制性信息披露外，个人隐私信息应去标识化后公开。"
    )
    shown = [
        {
            "kind": KINDS[h["kind"]],
            "masked": h["masked"],
            "context": h["context"],
            "hash": h["hash"],
            "contact": bool(h.get("contact")),
        }
        for h in hits[:EXAMPLES]
    ]
    status = "warn" if f.contact_only else "fail"
    if page.kind == "attachment":
        subject = f"附件：{f.name}"
        if labels[f.name] > 1:
            subject = f"附件：{f.name}（{page.url}）"
        source = f.source
        where = ""
        if source is not None:
            where = f"，链接于页面“{source.title}”" if source.title else f"，链接于 {source.url}"
        return ctx.finding(
            status,
            subject,
            f"附件“{f.name}”（{_type(page)} 文件{where}）公开了{what}：{tail}",
            page.url,
            column=source.column if source is not None else None,
            attachment_type=_type(page),
            referer=page.referer,
            referer_title=source.title if source is not None else None,
            counts=counts,
            hits=shown,
            snippet=first["context"],
            **coverage,
        )
    subject = page.title if page.title and labels[page.title] == 1 else None
    subject = f"{page.title}（{page.url}）" if page.title and not subject else subject
    return ctx.finding(
        status,
        subject or page.url,
        f"页面正文公开了{what}：{tail}",
        page.url,
        column=page.column,
        counts=counts,
        hits=shown,
        snippet=first["context"],
        **coverage,
    )
