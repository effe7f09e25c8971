"""privacy_leak: 身份证号, 手机号, 银行卡号 published without 去标识化 (《2018年政务公开工作要点》).

Reads the masked hits the crawl stored per page (crawlers/privacy.py scans each page's main
text); raw numbers never reach a check, so every finding, report and CSV shows masked forms only.
Limit: page text only; attachment text (pdf, docx, xlsx) and images are not scanned yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from checks.context import RuleContext
from checks.model import Finding, Page
from checks.registry import rule_kind
from crawlers.privacy import KINDS

HitKind = Literal["id_card", "mobile", "bank_card"]
EXAMPLES = 5
SUMMARY_PAGES = 20

# 《2018年政务公开工作要点》: publication of personal information is lawful in 惩戒公示 and
# 强制性信息披露; these columns (or page titles) carry it by design.
DEFAULT_EXEMPT = ["惩戒公示", "失信被执行人", "失信联合惩戒", "失信惩戒", "强制性信息披露"]


class Params(BaseModel):
    """Parameters of privacy_leak."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[HitKind] = Field(
        default_factory=lambda: ["id_card", "mobile", "bank_card"], min_length=1
    )
    # A page whose column name or title contains one of these is not judged.
    exempt_columns: list[str] = Field(default_factory=lambda: list(DEFAULT_EXEMPT))
    # A mobile number labelled as a contact line (联系电话, 咨询电话 …): warn (a 联系方式 should
    # be a work number, but publishing one is not a leak of a resident's data), fail, or ignore.
    contact_mobiles: Literal["fail", "warn", "ignore"] = "warn"
    # One finding per page up to this many pages; the rest become one summary finding.
    max_findings: PositiveInt = 50


def _exempt(page: Page, terms: list[str]) -> bool:
    """Return whether a page sits in a column (or has a title) where publication is lawful."""
    names = (page.column or "", page.title or "", page.metas.get("ColumnName", ""))
    return any(term and term in name for term in terms for name in names)


def _counts(hits: list[dict[str, Any]]) -> dict[str, int]:
    """Return hit counts by kind label (身份证号, 手机号, 银行卡号), in KINDS order."""
    got = Counter(h["kind"] for h in hits)
    return {KINDS[k]: got[k] for k in KINDS if got[k]}


def _describe(counts: dict[str, int]) -> str:
    """Return counts as Chinese text: 身份证号 2 个、手机号 1 个."""
    return "、".join(f"{label} {n} 个" for label, n in counts.items())


@rule_kind("privacy_leak", Params)
def privacy_leak(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each page whose text shows an unmasked 身份证号, 手机号 or 银行卡号."""
    if (unreachable := ctx.home_error("检查个人信息泄露")) is not None:
        yield unreachable
        return
    flagged: list[tuple[Page, list[dict[str, Any]], bool]] = []
    for page in ctx.snapshot.pages.values():
        if page.kind != "page" or not page.privacy or _exempt(page, p.exempt_columns):
            continue
        hits = [h for h in page.privacy if h.get("kind") in p.kinds]
        if p.contact_mobiles == "ignore":
            hits = [h for h in hits if not h.get("contact")]
        if not hits:
            continue
        # Only labelled contact mobiles on the page: a warn unless the operator says fail.
        contact_only = all(h.get("contact") for h in hits) and p.contact_mobiles == "warn"
        flagged.append((page, hits, contact_only))

    titles = Counter(page.title for page, _, _ in flagged if page.title)
    for page, hits, contact_only in flagged[: p.max_findings]:
        subject = page.title if page.title and titles[page.title] == 1 else None
        subject = f"{page.title}（{page.url}）" if page.title and not subject else subject
        counts = _counts(hits)
        first = hits[0]
        what = "联系方式中的手机号" if contact_only else "未去标识化的个人信息"
        message = (
            f"页面正文公开了{what}：{_describe(counts)}，如 {first['masked']}"
            f"（“{first['context']}”）。除惩戒公示和强制性信息披露外，个人隐私信息应去标识化后公开。"
        )
        yield ctx.finding(
            "warn" if contact_only else "fail",
            subject or page.url,
            message,
            page.url,
            column=page.column,
            counts=counts,
            hits=[
                {
                    "kind": KINDS[h["kind"]],
                    "masked": h["masked"],
                    "context": h["context"],
                    "hash": h["hash"],
                    "contact": bool(h.get("contact")),
                }
                for h in hits[:EXAMPLES]
            ],
            snippet=first["context"],
        )

    rest = flagged[p.max_findings :]
    if rest:
        counts = _counts([h for _, hits, _ in rest for h in hits])
        status = "warn" if all(c for _, _, c in rest) else "fail"
        yield ctx.finding(
            status,  # type: ignore[arg-type]
            "其他含个人信息的页面",
            f"另有 {len(rest)} 个页面公开了未去标识化的个人信息（{_describe(counts)}），"
            f"如 {rest[0][0].url}；单页结果只列出前 {p.max_findings} 个页面。",
            rest[0][0].url,
            count=len(rest),
            counts=counts,
            examples=[page.url for page, _, _ in rest[:SUMMARY_PAGES]],
        )
