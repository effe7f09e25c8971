"""homepage_stale: the home page must show new information within 2 weeks (国办秘函〔2019〕19号)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, PositiveInt, model_validator

from checks.context import RuleContext, iso
from checks.model import Entry, Finding
from checks.registry import rule_kind

SUBJECT = "首页"


class Params(BaseModel):
    """Parameters of homepage_stale."""

    model_config = ConfigDict(extra="forbid")

    max_age_days: PositiveInt = 14
    # 预警 below the veto line: newest item older than this many days (开普云 default 10,
    # standards §7 kp_prewarn, V). None: no pre-warning.
    prewarn_days: PositiveInt | None = None

    @model_validator(mode="after")
    def _prewarn_below_veto(self) -> Params:
        """Reject a pre-warning line that is not below the veto line."""
        if self.prewarn_days is not None and self.prewarn_days >= self.max_age_days:
            raise ValueError(
                f"prewarn_days（{self.prewarn_days}）必须小于 max_age_days（{self.max_age_days}）"
            )
        return self


@rule_kind("homepage_stale", Params)
def homepage_stale(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail when the newest dated item on the home page is older than max_age_days, or undated."""
    home = ctx.home
    if (unreachable := ctx.home_error("判断首页更新情况", SUBJECT)) is not None:
        yield unreachable
        return
    urls = ctx.home_urls()
    entries: dict[str, Entry] = {}
    for column in ctx.snapshot.columns:
        for entry in column.entries:
            if column.key in urls or entry.page_url in urls:
                entries.setdefault(entry.url, entry)
    dated = [(e.date, e.title, e.url) for e in entries.values() if e.date is not None]
    if home.pub_date is not None:
        dated.append((home.pub_date, home.title or "首页", home.url))
    # A date after the audit date is no evidence of an update (19号 counts 伪造发稿日期 as a veto).
    future = [d for d in dated if d[0] > ctx.now]
    dated = [d for d in dated if d[0] <= ctx.now]
    if not dated:
        shown = (
            f"首页 {len(entries)} 条信息均未注明发布日期"
            if entries
            else "首页没有注明发布日期的信息"
        )
        yield ctx.fail(
            SUBJECT,
            f"{shown}，按国办发〔2015〕15号“未注明发布时间的视为不更新”处理。",
            home.url,
            entries=len(entries),
            future_dated=len(future),
            limit=p.max_age_days,
        )
        return
    newest, title, url = max(dated)
    age = (ctx.now - newest).days
    if age > p.max_age_days:
        yield ctx.fail(
            SUBJECT,
            f"首页最新信息“{title}”发布于 {newest.isoformat()}，距检查日 {ctx.now.isoformat()} 已 {age} 天，"
            f"超过 {p.max_age_days} 天未更新。",
            home.url,
            newest=iso(newest),
            title=title,
            newest_url=url,
            age_days=age,
            limit=p.max_age_days,
            entries=len(entries),
            future_dated=len(future),
        )
    elif p.prewarn_days is not None and age > p.prewarn_days:
        # evidence prewarn=True makes the 19号 requirement 预警 (checks/scoring.py).
        yield ctx.warn(
            SUBJECT,
            f"首页最新信息“{title}”发布于 {newest.isoformat()}，距检查日已 {age} 天，超过预警线 "
            f"{p.prewarn_days} 天（{p.max_age_days} 天未更新即单项否决）。",
            home.url,
            newest=iso(newest),
            title=title,
            newest_url=url,
            age_days=age,
            limit=p.max_age_days,
            prewarn_days=p.prewarn_days,
            prewarn=True,
        )
