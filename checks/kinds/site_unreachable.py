"""site_unreachable: the site's start URLs must answer (国办秘函〔2019〕19号 单项否决“站点无法访问”)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict

from checks.context import RuleContext, describe_failure, reachable
from checks.model import Finding
from checks.registry import rule_kind


class Params(BaseModel):
    """Parameters of site_unreachable."""

    model_config = ConfigDict(extra="forbid")

    # 403/429 mean the server answered but refused the crawler: not proof that the site is down.
    blocked_statuses: list[int] = [403, 429]


@rule_kind("site_unreachable", Params)
def site_unreachable(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each start URL that was not fetched, failed to connect or answered HTTP >= 400."""
    for index, url in enumerate(ctx.site.start_urls):
        label = "首页" if index == 0 else "起始页"
        page = ctx.page(url)
        if page is None:
            yield ctx.fail(
                url,
                f"{label} {url} 未出现在本次抓取记录中，无法证明网站可以访问。",
                url,
                status=None,
                error="not_fetched",
            )
        elif reachable(page):
            continue
        elif page.error is None and page.status in p.blocked_statuses:
            yield ctx.warn(
                url,
                f"{label} {url} 返回 HTTP {page.status}，疑似拒绝了检查程序的访问，不能据此判定网站无法访问。",
                url,
                status=page.status,
                error=None,
                blocked=True,
            )
        else:
            yield ctx.fail(
                url,
                f"{label} {url} 无法访问（{describe_failure(page)}）。",
                url,
                status=page.status,
                error=page.error,
                fetched_at=page.fetched_at,
            )
