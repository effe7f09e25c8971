"""guide_outdated: the 政府信息公开指南 is missing, lacks 第十二条 elements, or is out of date.

The guide's elements were read at crawl time (crawlers.guide.parse_guide, stored as Page.guide).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt

from checks.context import RuleContext, reachable
from checks.model import Finding, Page
from checks.registry import rule_kind
from crawlers.guide import LABELS

Element = Literal["classification", "access", "address", "hours", "phone", "fax", "internet"]
Advisory = Literal["application"]


class Params(BaseModel):
    """Parameters of guide_outdated."""

    model_config = ConfigDict(extra="forbid")

    # 条例第十二条: 分类、编排体系、获取方式, 办公地址、办公时间、联系电话、传真号码、互联网联系方式.
    required: list[Element] = Field(
        default_factory=lambda: [
            "classification", "access", "address", "hours", "phone", "fax", "internet",
        ]
    )  # fmt: skip
    # Not a 第十二条 element, but a guide should explain it: missing → warn.
    advisory: list[Advisory] = Field(default_factory=lambda: ["application"])
    # 条例第十二条 asks the guide to be kept updated: older than this → warn.
    max_age_years: PositiveInt = 2
    # No guide page in the crawl → fail (False: leave it to a page_required rule).
    missing_is_fail: bool = True


def _date(page: Page) -> dt.date | None:
    """Return the date the guide states, else its publish date."""
    value = (page.guide or {}).get("date")
    try:
        return dt.date.fromisoformat(value) if value else page.pub_date
    except ValueError:
        return page.pub_date


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@rule_kind("guide_outdated", Params)
def guide_outdated(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail when the 信息公开指南 is missing or lacks 第十二条 elements; warn when it is old."""
    subject = "政府信息公开指南"
    if (unreachable := ctx.home_error("检查政府信息公开指南", subject)) is not None:
        yield unreachable
        return
    guides = [
        page
        for page in ctx.snapshot.pages.values()
        if page.guide is not None and page.kind == "page" and reachable(page)
    ]
    if not guides:
        if p.missing_is_fail:
            yield ctx.fail(
                subject,
                "本次抓取未找到政府信息公开指南页面（条例第十二条要求编制并公布）。",
                ctx.home.url if ctx.home else None,
                pages=len(ctx.snapshot.pages),
            )
        return
    # The current guide: the newest by its stated date (undated ones last), then by URL.
    guide = max(guides, key=lambda g: (_date(g) or dt.date.min, g.url))
    title = guide.title or guide.url
    facts = guide.guide or {}
    present = set(facts.get("elements") or []) | set(facts.get("advisory") or [])
    missing = [e for e in p.required if e not in present]
    if missing:
        names = "、".join(LABELS[e] for e in missing)
        yield ctx.fail(
            f"{subject}：缺少{names}",
            f"政府信息公开指南“{title}”未写明{names}（条例第十二条）。",
            guide.url,
            missing=missing,
            present=sorted(present),
            guides=len(guides),
        )
    soft = [e for e in p.advisory if e not in present]
    if soft:
        names = "、".join(LABELS[e] for e in soft)
        yield ctx.warn(
            f"{subject}：未说明{names}",
            f"政府信息公开指南“{title}”未说明{names}。",
            guide.url,
            missing=soft,
        )
    day = _date(guide)
    if day is None:
        yield ctx.warn(
            f"{subject}：未注明日期",
            f"政府信息公开指南“{title}”未注明发布或更新日期，无法判断是否及时更新。",
            guide.url,
        )
    elif day < _years_before(ctx.now, p.max_age_years):
        age = (ctx.now - day).days
        yield ctx.warn(
            f"{subject}：超过{p.max_age_years}年未更新",
            f"政府信息公开指南“{title}”的日期为 {day.isoformat()}（已 {age} 天），"
            f"超过 {p.max_age_years} 年未更新，请核实是否与现行机构、地址和联系方式一致。",
            guide.url,
            date=day.isoformat(),
            date_source=facts.get("date_source") if facts.get("date") else "pub_date",
            age_days=age,
            max_age_years=p.max_age_years,
        )
