"""interaction_unanswered: 留言/信箱 messages left unanswered for more than 3 months (19号 veto).

国办秘函〔2019〕19号《政府网站与政务新媒体检查指标》单项否决: in the year before the check a
政务咨询-type column (not 在线访谈, 调查征集, 网上信访 or 纪检举报) holds a valid message left
unanswered for more than 3 months. The messages were read at crawl time (crawlers/interaction.py,
stored as Page.interaction): a list page gives each message's title, 留言时间, status and
sometimes the reply date; its detail page gives the same, and wins where both were read.
A reply that came more than 3 months after the message fails too (standards.md: reply − receive
> 90 d). Replies slower than a local number of working days only warn (the 19号 互动交流
deduction figures could not be retrieved, standards.md §1d).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, field_validator

from checks.context import RuleContext, reachable
from checks.model import Finding, Page
from checks.patterns import Pattern, PatternTimeout, check_patterns, parse
from checks.registry import rule_kind
from checks.workdays import load_calendar

# Channel names are short: a regex over one gets this long before it counts as hung.
REGEX_TIMEOUT = 0.2

# 政务咨询-type channels as sites name them (领导信箱, 咨询投诉, 网上留言 …): globs, so no word
# segmentation is needed.
DEFAULT_COLUMNS = [
    "*信箱*", "*留言*", "*咨询*", "*投诉*", "*问政*", "*诉求*", "*建言*", "*来信*", "*写信*",
    "*互动交流*", "*政民互动*", "*12345*", "*民意*",
]  # fmt: skip
# 19号 leaves out 在线访谈, 调查征集, 网上信访 and 纪检举报; 代表建议/政协提案 replies and 办件
# (service cases) are not messages from the public either.
DEFAULT_EXCLUDE = [
    "*访谈*", "*调查*", "*征集*", "*信访*", "*纪检*", "*纪委*", "*监察*", "*廉政*", "*代表建议*",
    "*人大建议*", "*提案*", "*议案*", "*办件*",
]  # fmt: skip


class Params(BaseModel):
    """Parameters of interaction_unanswered."""

    model_config = ConfigDict(extra="forbid")

    # 19号: 超过3个月未回复. More days than this without a reply (or before it) → fail.
    max_days_unanswered: PositiveInt = 90
    # 19号: 检查前1年内. Messages sent within this many days before the audit date are judged.
    window_days: PositiveInt = 365
    # A local reply limit in working days (e.g. 5 or 10; no national figure): a slower reply,
    # or a message waiting longer, → warn. None: not checked.
    slow_reply_workdays: PositiveInt | None = None
    # Channel names (globs, jieba terms or `regex:`) that show a 政务咨询 channel exists, read in
    # link texts, column names and page titles when no message list could be read.
    columns: list[str] = Field(default_factory=lambda: list(DEFAULT_COLUMNS))
    # Channels 19号 does not judge: messages on pages (or under list pages) so named are skipped.
    exclude_columns: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    # No 政务咨询 channel found at all (19号 also vetoes 无有效互动交流渠道; detecting it from one
    # crawl is uncertain, hence warn by default).
    no_channel: Literal["warn", "fail", "ignore"] = "warn"
    # Findings per status before the rest are summed up in one finding.
    max_findings: PositiveInt = 20

    @field_validator("columns", "exclude_columns")
    @classmethod
    def _valid_patterns(cls, value: list[str]) -> list[str]:
        return check_patterns(value)


@dataclass
class Message:
    """One message as judged: list and detail readings merged."""

    title: str
    url: str | None  # its detail page
    source: str  # the page it was read from
    channel: str
    asked: dt.date | None
    answered: dt.date | None
    status: str | None  # answered | pending | invalid | None
    status_text: str | None
    unit: str | None
    number: str | None


def _day(value: object) -> dt.date | None:
    """Return a stored ISO date, or None."""
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class _Matcher:
    """Operator patterns over channel names."""

    def __init__(self, patterns: list[Pattern]) -> None:
        self.patterns = patterns
        # Per text: a site repeats the same link texts (menus) on every page (issue 7).
        self._seen: dict[str, bool] = {}

    def any(self, *texts: str | None) -> bool:
        """Return whether any pattern matches any of the texts (PatternTimeout propagates)."""
        return any(self._one(t) for t in texts if t)

    def _one(self, text: str) -> bool:
        """Return whether any pattern matches one text, remembering the answer."""
        seen = self._seen.get(text)
        if seen is None:
            seen = self._seen[text] = any(
                p.search(text, REGEX_TIMEOUT) is not None for p in self.patterns
            )
        return seen


def _channel_names(page: Page, pages: dict[str, Page]) -> list[str]:
    """Return the names a page's channel goes by: its column and title; a detail page's column
    and its referring list's column and title (its own title is the message's)."""
    layout = (page.interaction or {}).get("layout")
    names = [page.column or ""]
    if layout == "detail":
        ref = pages.get(page.referer or "")
        if ref is not None:
            names += [ref.column or "", ref.title or ""]
    else:
        names.append(page.title or "")
    return [n for n in names if n]


def _messages(ctx: RuleContext, exclude: _Matcher) -> tuple[list[Message], int]:
    """Return the site's messages (detail readings over list readings) and how many were
    skipped as excluded channels."""
    pages = ctx.snapshot.pages
    found: dict[object, Message] = {}
    skipped = 0
    stored = [p for p in pages.values() if p.interaction and p.kind == "page" and reachable(p)]
    # Lists first, so a detail page's reading (more reliable) overrides its list row.
    stored.sort(key=lambda p: (p.interaction or {}).get("layout") == "detail")
    for page in stored:
        names = _channel_names(page, pages)
        if exclude.any(*names):
            skipped += len((page.interaction or {}).get("messages") or [])
            continue
        for raw in (page.interaction or {}).get("messages") or []:
            msg = Message(
                title=str(raw.get("title") or "").strip() or "（无标题）",
                url=raw.get("url") or None,
                source=page.url,
                channel=names[0] if names else "",
                asked=_day(raw.get("asked")),
                answered=_day(raw.get("answered")),
                status=raw.get("status"),
                status_text=raw.get("status_text"),
                unit=raw.get("unit"),
                number=raw.get("number"),
            )
            key: object = msg.url or (page.url, msg.title, msg.asked)
            old = found.get(key)
            if old is None:
                found[key] = msg
                continue
            # A later (detail) reading fills in and overrides what it states.
            merged = replace(
                old,
                **{
                    f.name: getattr(msg, f.name)
                    for f in fields(Message)
                    if f.name not in ("title", "source", "channel", "url")
                    and getattr(msg, f.name) is not None
                },
            )
            if msg.status is not None and msg.status != old.status:
                merged.status_text = msg.status_text  # never quote the list's contradicted word
            if len(msg.title) > len(old.title):
                merged.title = msg.title
            found[key] = merged
    return list(found.values()), skipped


def _evidence(m: Message, **extra: object) -> dict[str, object]:
    """Return the evidence of one message finding."""
    return {
        "title": m.title,
        "asked": m.asked.isoformat() if m.asked else None,
        "answered": m.answered.isoformat() if m.answered else None,
        "status": m.status,
        "status_text": m.status_text,
        "unit": m.unit,
        "number": m.number,
        "detail_url": m.url,
        "list_url": m.source if m.source != m.url else None,
        "channel": m.channel,
        **extra,
    }


def _subject(m: Message) -> str:
    """Return a finding subject: the message title and the day it was sent."""
    title = m.title if len(m.title) <= 60 else m.title[:59] + "…"
    return f"{title}（{m.asked.isoformat() if m.asked else '未注明时间'}）"


def _capped(
    ctx: RuleContext, found: list[tuple[Message, Finding]], cap: int, what: str
) -> Iterator[Finding]:
    """Yield the first `cap` findings, then one finding summing up the rest."""
    for _m, finding in found[:cap]:
        yield finding
    rest = found[cap:]
    if rest:
        status = rest[0][1].status
        names = "；".join(f"“{m.title}”（{m.asked}）" for m, _ in rest[:5])
        yield ctx.finding(
            status,
            f"互动交流：其余{what}留言",
            f"另有 {len(rest)} 条留言{what}，例如：{names}。",
            url=rest[0][0].url or rest[0][0].source,
            count=len(rest),
            examples=[_evidence(m) for m, _ in rest[: cap * 4]],
        )


@rule_kind("interaction_unanswered", Params)
def interaction_unanswered(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each 留言 of the last year left unanswered (or answered) after more than 3 months."""
    if (unreachable := ctx.home_error("检查互动交流留言办理情况", "互动交流")) is not None:
        yield unreachable
        return
    try:
        include, exclude = _Matcher(parse(p.columns)), _Matcher(parse(p.exclude_columns))
        messages, skipped = _messages(ctx, exclude)
        if not messages:
            yield from _no_messages(ctx, p, include, exclude, skipped)
            return
    except PatternTimeout as exc:
        yield ctx.error(
            "规则配置",
            f"正则表达式“{exc}”匹配栏目名称超过 {REGEX_TIMEOUT} 秒未完成，无法检查互动交流。",
            None,
            pattern=str(exc),
        )
        return
    if all(m.asked is None for m in messages):
        first = messages[0]
        yield ctx.warn(
            "互动交流：留言未注明时间",
            f"读取到 {len(messages)} 条留言，但均未显示留言时间，无法判断是否超过 "
            f"{p.max_days_unanswered} 天未回复，请人工核查。",
            first.url or first.source,
            messages=len(messages),
        )
        return

    since = ctx.now - dt.timedelta(days=p.window_days)
    cal = load_calendar()
    limit = p.max_days_unanswered
    fails: list[tuple[Message, Finding]] = []
    warns: list[tuple[Message, Finding]] = []
    for m in sorted(messages, key=lambda m: (m.asked or dt.date.max, m.title)):
        if m.asked is None or not since <= m.asked <= ctx.now or m.status == "invalid":
            continue
        url = m.url or m.source
        replied = m.answered if m.answered and m.answered >= m.asked else None
        if m.status == "answered" or (m.status is None and replied):
            if replied is None:
                continue  # answered, day unknown: nothing shows it was late
            days = (replied - m.asked).days
            if days > limit:
                fails.append(
                    (
                        m,
                        ctx.fail(
                            _subject(m),
                            f"留言“{m.title}”{m.asked} 提交，{replied} 才答复，用时 {days} 天，"
                            f"超过 {limit} 天（3个月）。",
                            url,
                            **_evidence(m, days=days, max_days=limit),
                        ),
                    )
                )
            elif p.slow_reply_workdays is not None:
                workdays = cal.workdays_between(m.asked, replied)
                if workdays > p.slow_reply_workdays:
                    warns.append(
                        (
                            m,
                            ctx.warn(
                                _subject(m),
                                f"留言“{m.title}”{m.asked} 提交，{replied} 答复，用时 "
                                f"{workdays} 个工作日，超过 {p.slow_reply_workdays} 个工作日。",
                                url,
                                **_evidence(m, workdays=workdays, limit=p.slow_reply_workdays),
                            ),
                        )
                    )
            continue
        age = (ctx.now - m.asked).days
        shown = f"页面显示“{m.status_text}”" if m.status_text else "答复栏为空"
        if age > limit and m.status == "pending":
            fails.append(
                (
                    m,
                    ctx.fail(
                        _subject(m),
                        f"留言“{m.title}”{m.asked} 提交，截至 {ctx.now} 已 {age} 天未答复"
                        f"（{shown}），超过 {limit} 天（3个月）。",
                        url,
                        **_evidence(m, days=age, max_days=limit),
                    ),
                )
            )
        elif age > limit:
            warns.append(
                (
                    m,
                    ctx.warn(
                        _subject(m),
                        f"留言“{m.title}”{m.asked} 提交，已 {age} 天，页面未显示是否已答复"
                        f"（状态：{m.status_text or '无'}），请人工核查。",
                        url,
                        **_evidence(m, days=age, max_days=limit),
                    ),
                )
            )
        elif p.slow_reply_workdays is not None and m.status == "pending":
            workdays = cal.workdays_between(m.asked, ctx.now)
            if workdays > p.slow_reply_workdays:
                warns.append(
                    (
                        m,
                        ctx.warn(
                            _subject(m),
                            f"留言“{m.title}”{m.asked} 提交，截至 {ctx.now} 已 {workdays} 个"
                            f"工作日未答复（{shown}），超过 {p.slow_reply_workdays} 个工作日。",
                            url,
                            **_evidence(m, workdays=workdays, limit=p.slow_reply_workdays),
                        ),
                    )
                )
    yield from _capped(ctx, fails, p.max_findings, f"超过 {limit} 天未答复")
    yield from _capped(ctx, warns, p.max_findings, "答复不及时或无法确认")


def _no_messages(
    ctx: RuleContext, p: Params, include: _Matcher, exclude: _Matcher, skipped: int
) -> Iterator[Finding]:
    """Say that no message list was read: where a channel's entry is, or that none was found."""
    if p.no_channel == "ignore":
        return
    entries: dict[str, str] = {}  # url -> name
    for link in ctx.snapshot.links:
        text = (link.text or "").strip()
        if text and len(text) <= 20 and include.any(text) and not exclude.any(text):
            entries.setdefault(link.target_url, text)
    for column in ctx.snapshot.columns:
        if include.any(column.name) and not exclude.any(column.name):
            entries.setdefault(column.key, column.name)
    if entries:
        shown = "；".join(f"“{name}”（{url}）" for url, name in list(entries.items())[:5])
        yield ctx.warn(
            "互动交流：未读取到留言列表",
            f"找到互动交流入口 {shown}，但未能读取留言及答复情况（可能需要登录、只公开已答复"
            "留言、由脚本加载或在站外平台），无法判断是否有超过 "
            f"{p.max_days_unanswered} 天未答复的留言，请人工核查。",
            next(iter(entries)),
            entries=[{"url": u, "name": n} for u, n in entries.items()],
            excluded_messages=skipped,
        )
        return
    yield ctx.finding(
        "fail" if p.no_channel == "fail" else "warn",
        "互动交流栏目",
        "本次抓取未找到领导信箱、咨询投诉、网上留言等政务咨询类互动交流栏目"
        "（国办秘函〔2019〕19号要求提供有效的互动交流渠道），请人工核查。",
        url=ctx.home.url if ctx.home else None,
        pages=len(ctx.snapshot.pages),
        excluded_messages=skipped,
    )
