"""timeliness: information published more than 20 working days after it was formed (条例第二十六条).

Reads the 信息公开目录 block of each page (crawlers/catalogue_meta.py): the date the document was
formed is its 成文日期, else 发文日期, else 生成日期; the publish date is the block's 发布日期, else
the page's own publish date. Working days follow the bundled State Council calendar
(checks/workdays.py). Findings aggregate over the site, like meta_missing: one `fail` with the
count and the worst pages (URL, title, both dates, working days), never one per page, because a
site that publishes late usually does so for hundreds of documents.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, PositiveInt

from checks.context import RuleContext, reachable
from checks.model import Finding, Page
from checks.registry import rule_kind
from checks.workdays import load_calendar

# The formation date, most specific first, with the label a supervisor reads on the page.
FORMED_FIELDS = (
    ("written_date", "成文日期"),
    ("issued_date", "发文日期"),
    ("generated_date", "生成日期"),
)


class Params(BaseModel):
    """Parameters of timeliness."""

    model_config = ConfigDict(extra="forbid")

    max_workdays: PositiveInt = 20  # 条例第二十六条: 20 个工作日内及时公开
    examples: PositiveInt = 5  # pages named in the message (evidence keeps up to 4x as many)


@dataclass
class Dated:
    """A page's formation and publish dates as the check reads them."""

    page: Page
    formed: dt.date
    formed_label: str
    published: dt.date
    published_label: str


def page_dates(page: Page) -> Dated | None:
    """Return a page's formation and publish dates, or None when either is missing."""
    cat = page.catalogue
    formed = next(
        ((dt.date.fromisoformat(cat[k]), label) for k, label in FORMED_FIELDS if cat.get(k)), None
    )
    if formed is None:
        return None
    if cat.get("published_date"):
        published = (dt.date.fromisoformat(cat["published_date"]), "发布日期")
    elif page.pub_date is not None:
        published = (page.pub_date, "页面发布日期")
    else:
        return None
    return Dated(page, formed[0], formed[1], published[0], published[1])


def calendar_gap_warning(ctx: RuleContext, years: set[int], pages: int) -> Finding:
    """Return the `warn` finding for dates the bundled calendar has no data for."""
    names = "、".join(str(y) for y in sorted(years))
    return ctx.warn(
        "工作日日历",
        f"日历缺少 {names} 年数据，{pages} 篇信息的工作日间隔无法计算，请补充 "
        "checks/calendar/cn_workdays.yaml。",
        None,
        years=sorted(years),
        pages=pages,
    )


@rule_kind("timeliness", Params)
def timeliness(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail when 成文/生成日期 to 发布日期 exceeds the working-day limit (条例第二十六条)."""
    if (unreachable := ctx.home_error("检查信息发布时效")) is not None:
        yield unreachable
        return
    cal = load_calendar()
    late: list[tuple[int, Dated]] = []
    missing: set[int] = set()
    uncounted = 0
    checked = 0
    for page in ctx.snapshot.pages.values():
        if not page.catalogue or not reachable(page):
            continue
        dated = page_dates(page)
        if dated is None or dated.published < dated.formed:
            continue  # a publish date before the document exists is a data error, not lateness
        gap_years = cal.missing_years(dated.formed, dated.published)
        if gap_years:
            missing.update(gap_years)
            uncounted += 1
            continue
        checked += 1
        days = cal.workdays_between(dated.formed, dated.published)
        if days > p.max_workdays:
            late.append((days, dated))
    if missing:
        yield calendar_gap_warning(ctx, missing, uncounted)
    if not late:
        return
    late.sort(key=lambda x: (-x[0], x[1].page.url))
    shown = "；".join(
        f"《{d.page.title or d.page.url}》{d.formed_label} {d.formed.isoformat()}、"
        f"{d.published_label} {d.published.isoformat()}，相隔 {days} 个工作日"
        for days, d in late[: p.examples]
    )
    more = "等" if len(late) > p.examples else ""
    yield ctx.fail(
        "信息发布时效",
        f"{len(late)} 篇主动公开信息自形成到公开超过 {p.max_workdays} 个工作日"
        f"（共核对 {checked} 篇）：{shown}{more}。",
        late[0][1].page.url,
        count=len(late),
        checked=checked,
        limit=p.max_workdays,
        examples=[
            {
                "url": d.page.url,
                "title": d.page.title,
                "formed": d.formed.isoformat(),
                "formed_label": d.formed_label,
                "published": d.published.isoformat(),
                "published_label": d.published_label,
                "workdays": days,
            }
            for days, d in late[: p.examples * 4]
        ],
    )
