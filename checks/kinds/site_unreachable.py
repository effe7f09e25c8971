"""site_unreachable: the site's start URLs must answer (国办秘函〔2019〕19号 单项否决“站点无法访问”).

19号 monitors the home page for one week, at least 20 probes a day, a probe failing when the page
does not open within 15 s, and vetoes at 5% failed probes (standards §1b site_unreachable); the
预警 line of 3% is the 开普云 default (standards §7 kp_prewarn). With enough stored probes
(crawlers/probe.py) the home page is judged on them; otherwise on the crawl's single fetch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from checks.context import (
    BEIJING,
    ERROR_LABELS,
    PROBE_WINDOW_DAYS,
    RuleContext,
    describe_failure,
    probe_failed,
    probe_window,
    reachable,
)
from checks.model import Finding, Probe
from checks.registry import rule_kind

BASIS = "国办秘函〔2019〕19号"


class Params(BaseModel):
    """Parameters of site_unreachable."""

    model_config = ConfigDict(extra="forbid")

    # 403/429 mean the server answered but refused the crawler: not proof that the site is down.
    blocked_statuses: list[int] = [403, 429]
    # 19号: 单项否决 when at least 5% of the week's probes failed.
    fail_ratio: float = Field(default=0.05, gt=0, le=1)
    # 预警 below the veto line: 3%, the 开普云 default (standards §7 kp_prewarn).
    warn_ratio: float = Field(default=0.03, gt=0, le=1)
    # Fewer usable probes than this in the week: judge the crawl's single fetch instead.
    min_probes: int = Field(default=20, ge=1)
    # Failed probes listed in the evidence (the message names the first three).
    max_examples: int = Field(default=10, ge=1)

    @model_validator(mode="after")
    def _lines_in_order(self) -> Params:
        """The 预警 line must not lie above the veto line."""
        if self.warn_ratio > self.fail_ratio:
            raise ValueError(
                f"warn_ratio（{self.warn_ratio:g}）不能大于 fail_ratio（{self.fail_ratio:g}）"
            )
        return self


def _same_url(a: str, b: str) -> bool:
    """Return whether two URLs are equal up to a trailing slash."""
    return a.rstrip("/") == b.rstrip("/")


def _beijing(moment: dt.datetime) -> dt.datetime:
    """Return a stored naive-UTC time in Beijing time."""
    return moment.replace(tzinfo=dt.UTC).astimezone(BEIJING)


def _percent(ratio: float) -> str:
    """Return a ratio as shown to supervisors: 10%, 4.3%."""
    return f"{ratio * 100:.2f}".rstrip("0").rstrip(".") + "%"


def _reason(probe: Probe) -> str:
    """Return a short Chinese description of why a probe failed."""
    if probe.error:
        return ERROR_LABELS.get(probe.error, f"请求出错：{probe.error}")
    return f"HTTP {probe.status}"


def _judge_probes(
    ctx: RuleContext, p: Params, url: str, judged: list[Probe], blocked: int
) -> Iterator[Finding]:
    """Yield the finding of the week's probes of the home page: fail, 预警 warn, or nothing."""
    failures = [pr for pr in judged if probe_failed(pr, p.blocked_statuses)]
    ratio = len(failures) / len(judged)
    if ratio < p.warn_ratio:
        return
    first, last = ctx.now - dt.timedelta(days=PROBE_WINDOW_DAYS), ctx.now - dt.timedelta(days=1)
    days: dict[dt.date, list[int]] = {}
    for pr in judged:
        day = days.setdefault(_beijing(pr.probed_at).date(), [0, 0])
        day[0] += 1
        day[1] += bool(probe_failed(pr, p.blocked_statuses))
    worst = [
        {
            "time": _beijing(pr.probed_at).isoformat(timespec="seconds"),
            "status": pr.status,
            "error": pr.error,
            "detail": pr.detail,
            "elapsed_ms": pr.elapsed_ms,
        }
        for pr in failures[: p.max_examples]
    ]
    shown = "、".join(
        f"{_beijing(pr.probed_at):%m-%d %H:%M}（{_reason(pr)}）" for pr in failures[:3]
    )
    evidence: dict[str, Any] = {
        "source": "probes",
        "probes": len(judged),
        "failures": len(failures),
        "ratio": round(ratio, 4),
        "refused": blocked,
        "window": {"from": first.isoformat(), "to": last.isoformat()},
        "failed_at": worst,
        "days": [
            {"date": day.isoformat(), "probes": n, "failures": k}
            for day, (n, k) in sorted(days.items())
        ],
    }
    facts = (
        f"首页 {url} 在 {first.isoformat()} 至 {last.isoformat()} 的 {PROBE_WINDOW_DAYS} 天内"
        f"定时探测 {len(judged)} 次，失败 {len(failures)} 次，失败率 {_percent(ratio)}"
    )
    more = "等" if len(failures) > 3 else ""
    if ratio >= p.fail_ratio:
        yield ctx.fail(
            url,
            f"{facts}，达到{BASIS}“站点无法访问”单项否决线（{_percent(p.fail_ratio)}）。"
            f"失败时间：{shown}{more}。",
            url,
            **evidence,
        )
    else:
        # prewarn: checks.scoring counts this warn as the requirement's 预警.
        yield ctx.warn(
            url,
            f"{facts}，达到预警线（{_percent(p.warn_ratio)}），尚未达到{BASIS}“站点无法访问”"
            f"单项否决线（{_percent(p.fail_ratio)}）。失败时间：{shown}{more}。",
            url,
            prewarn=True,
            **evidence,
        )


@rule_kind("site_unreachable", Params)
def site_unreachable(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Judge the home page on a week of probes (veto ≥5%, 预警 ≥3%), else on the crawl's fetch."""
    since, until = probe_window(ctx.now)
    for index, url in enumerate(ctx.site.start_urls):
        label = "首页" if index == 0 else "起始页"
        # Fallback note and evidence, only when some probes exist (none: today's crawl verdict).
        note, extra = "", {}
        if index == 0:
            week = [
                pr
                for pr in ctx.snapshot.probes
                if _same_url(pr.url, url) and since <= pr.probed_at < until
            ]
            judged = [pr for pr in week if probe_failed(pr, p.blocked_statuses) is not None]
            blocked = len(week) - len(judged)
            if len(judged) >= p.min_probes:
                yield from _judge_probes(ctx, p, url, judged, blocked)
                continue
            if week:
                refused = f"（另有 {blocked} 次被拒绝访问）" if blocked else ""
                note = (
                    f"近 {PROBE_WINDOW_DAYS} 天仅有 {len(judged)} 次有效定时探测{refused}，"
                    f"少于 {p.min_probes} 次，本结论依据本次抓取的单次访问。"
                )
                extra = {"source": "crawl", "probes": len(judged), "refused": blocked}
        page = ctx.page(url)
        if page is None:
            yield ctx.fail(
                url,
                f"{label} {url} 未出现在本次抓取记录中，无法证明网站可以访问。{note}",
                url,
                status=None,
                error="not_fetched",
                **extra,
            )
        elif reachable(page):
            continue
        elif page.error == "robots":
            # Issue 8: the site's robots.txt keeps the checker out; that says nothing about
            # whether the public can open the page.
            yield ctx.warn(
                url,
                f"{label} {url} 被网站的 robots.txt 禁止抓取，无法据此判定网站无法访问；"
                f"如确需检查，请在 sites.yaml 中为该站点设置 obey_robots: false。{note}",
                url,
                status=None,
                error="robots",
                blocked=True,
                **extra,
            )
        elif page.error is None and page.status in p.blocked_statuses:
            yield ctx.warn(
                url,
                f"{label} {url} 返回 HTTP {page.status}，疑似拒绝了检查程序的访问，不能据此判定网站无法访问。{note}",
                url,
                status=page.status,
                error=None,
                blocked=True,
                **extra,
            )
        else:
            yield ctx.fail(
                url,
                f"{label} {url} 无法访问（{describe_failure(page)}）。{note}",
                url,
                status=page.status,
                error=page.error,
                fetched_at=page.fetched_at,
                **extra,
            )
