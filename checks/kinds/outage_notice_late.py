"""outage_notice_late: 停水/停电/停气/停暖 notices published too late, or missing their facts.

The notice's facts were read at crawl time (crawlers.notices.parse_notice, stored as
Page.notice). Notice hours are publish time → outage start. When the publish time or the start
shows only a day, the hours are a range (earliest/latest moment of that day): the rule fails
only when even the most favourable reading is short, and warns when the answer depends on the
missing clock time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt

from checks.context import RuleContext, reachable
from checks.model import Finding, Page
from checks.registry import rule_kind

OutageType = Literal["water", "power", "gas", "heat"]
FieldKey = Literal["area", "start", "end", "reason", "contact"]

TYPE_LABELS: dict[str, str] = {"water": "停水", "power": "停电", "gas": "停气", "heat": "停暖"}
PLAN_LABELS: dict[str, str] = {"planned": "计划", "temporary": "临时", "emergency": "抢修/故障"}
FIELD_LABELS: dict[str, str] = {
    "area": "影响范围",
    "start": "开始时间",
    "end": "结束时间",
    "reason": "原因",
    "contact": "联系电话",
}


class Params(BaseModel):
    """Parameters of outage_notice_late."""

    model_config = ConfigDict(extra="forbid")

    # Hours of notice required before the outage starts, per outage type (planned outages).
    # 《城市供水条例》第二十二条: 24 h; 《城镇燃气管理条例》: 48 h; 《电力供应与使用条例》/
    # 《供电监管办法》第十三条: 计划检修 7 days. Heat has no national figure: set it locally.
    hours: dict[OutageType, NonNegativeInt] = Field(
        default_factory=lambda: {"water": 24, "gas": 48, "power": 168, "heat": 24}
    )
    # 临时 outages where a type has its own figure (电力: 临时检修 24 h); others use `hours`.
    temporary_hours: dict[OutageType, NonNegativeInt] = Field(default_factory=lambda: {"power": 24})
    # Which outage types this rule judges (default: all four).
    types: list[OutageType] = Field(default_factory=lambda: ["water", "power", "gas", "heat"])
    # Facts a notice must state (outage_generic): missing ones → warn.
    required_fields: list[FieldKey] = Field(default_factory=lambda: ["area", "start", "end"])
    # Only notices published within this many days of the audit date (None: all).
    since_days: PositiveInt | None = 365


def _parse_dt(value: str | None) -> tuple[dt.datetime, dt.datetime] | None:
    """Return the earliest and latest moment a stored date or date-time can mean."""
    if not value:
        return None
    try:
        if len(value) > 10:
            moment = dt.datetime.fromisoformat(value[:16])
            return moment, moment
        day = dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    start = dt.datetime.combine(day, dt.time())
    return start, start + dt.timedelta(days=1)


def _published(page: Page) -> str | None:
    """Return the page's publish date, with its clock time when a date candidate shows one."""
    if page.pub_date is None:
        return None
    iso = page.pub_date.isoformat()
    timed = [v for _s, v in page.date_candidates if len(v) > 10 and v[:10] == iso]
    return timed[0][:16] if timed else iso


def _hours(delta: dt.timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def _fmt_hours(h: float) -> str:
    return f"{h:g}"


def _notices(ctx: RuleContext, p: Params) -> list[tuple[Page, dict[str, Any]]]:
    """Return the reachable notice pages in scope, oldest first."""
    out = []
    for page in ctx.snapshot.pages.values():
        if page.notice is None or page.kind != "page" or not reachable(page):
            continue
        if p.since_days is not None and page.pub_date is not None:
            if (ctx.now - page.pub_date).days > p.since_days:
                continue
        out.append((page, page.notice))
    return sorted(out, key=lambda pn: (pn[0].pub_date or dt.date.min, pn[0].url))


@rule_kind("outage_notice_late", Params)
def outage_notice_late(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail when an outage notice was published with less notice than the sector rule asks."""
    if (unreachable := ctx.home_error("检查停水、停电、停气、停暖公告")) is not None:
        yield unreachable
        return
    for page, notice in _notices(ctx, p):
        yield from _judge(ctx, p, page, notice)


def _judge(ctx: RuleContext, p: Params, page: Page, notice: dict[str, Any]) -> Iterator[Finding]:
    """Findings for one notice: missing facts (warn), then its notice period."""
    kind = notice.get("type")
    plan = notice.get("plan")
    subject = page.title or page.url
    if kind is not None and kind not in p.types:
        return
    label = TYPE_LABELS.get(kind or "", "停止供应")
    if plan == "emergency":
        return  # 抢修/故障: announced during the repair, no notice period owed (条例第二十二条)
    present = {
        "area": bool(notice.get("area")),
        "start": bool(notice.get("start")),
        "end": bool(notice.get("end")),
        "reason": bool(notice.get("reason")),
        "contact": bool(notice.get("contact")),
    }
    missing = [f for f in p.required_fields if not present[f]]
    if missing:
        names = "、".join(FIELD_LABELS[f] for f in missing)
        yield ctx.warn(
            f"{subject}：缺少{names}",
            f"{label}公告“{subject}”未写明{names}（或写法无法识别），用户无法据此安排。",
            page.url,
            missing=missing,
            notice=notice,
        )
    if kind is None:
        yield ctx.warn(
            subject,
            f"公告“{subject}”无法判断是停水、停电、停气还是停暖，未能核对提前公告时间。",
            page.url,
            notice=notice,
        )
        return
    published = _published(page)
    pub = _parse_dt(published)
    start = _parse_dt(notice.get("start"))
    if start is None and "start" in missing:
        return  # already reported above as a missing start time
    if pub is None or start is None:
        what = "发布日期" if pub is None else f"{label}开始时间"
        yield ctx.warn(
            subject,
            f"{label}公告“{subject}”未能识别{what}，无法核对是否按规定提前公告。",
            page.url,
            published=published,
            start=notice.get("start"),
            time_text=notice.get("time_text"),
        )
        return
    # A notice not saying 计划 or 临时 is held to the lower (临时) figure; see the last branch.
    unknown_plan = plan is None and kind in p.temporary_hours
    if plan == "temporary" or unknown_plan:
        required = p.temporary_hours.get(kind, p.hours[kind])
    else:
        required = p.hours[kind]
    low = _hours(start[0] - pub[1])  # start as early and publication as late as possible
    high = _hours(start[1] - pub[0])
    evidence = {
        "type": kind,
        "plan": plan,
        "published": published,
        "start": notice["start"],
        "end": notice.get("end"),
        "notice_hours": low if low == high else [low, high],
        "required_hours": required,
        "time_text": notice.get("time_text"),
    }
    what = f"{PLAN_LABELS[plan]}{label}" if plan in ("planned", "temporary") else label
    if high < required:
        yield ctx.fail(
            subject,
            f"{what}公告“{subject}”发布于 {published.replace('T', ' ')}，{label}开始于 "
            f"{notice['start'].replace('T', ' ')}，仅提前 {_fmt_hours(max(high, 0))} 小时，"
            f"少于规定的 {required} 小时。",
            page.url,
            **evidence,
        )
    elif low < required:
        yield ctx.warn(
            subject,
            f"{what}公告“{subject}”发布于 {published.replace('T', ' ')}，{label}开始于 "
            f"{notice['start'].replace('T', ' ')}，因未注明具体时刻，提前量在 "
            f"{_fmt_hours(max(low, 0))}～{_fmt_hours(high)} 小时之间，可能少于规定的 "
            f"{required} 小时。",
            page.url,
            **evidence,
        )
    elif unknown_plan and low < p.hours[kind]:
        # Not stated as 计划 or 临时 (电力: 7 days if planned, 24 hours if temporary).
        yield ctx.warn(
            subject,
            f"{label}公告“{subject}”未写明是计划{label}还是临时{label}，提前 {_fmt_hours(low)} "
            f"小时，若为计划{label}则少于规定的 {p.hours[kind]} 小时。",
            page.url,
            **evidence,
        )
