"""link_broken: links must open (国办秘函〔2019〕19号 扣分指标“首页/其他页面不可用链接”)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from checks.context import RuleContext, describe_failure, reachable
from checks.model import Finding, Link
from checks.registry import rule_kind

# 19号 counts images, attachments and external links too; the label says which one it was.
KIND_LABELS = {"page": "链接", "attachment": "附件链接", "image": "图片", "external": "外部链接"}
MAX_SOURCES = 5


class Params(BaseModel):
    """Parameters of link_broken."""

    model_config = ConfigDict(extra="forbid")

    # home: links on the home page. other: links only found on other pages (a target also
    # linked from the home page is reported by the home scope, not twice). all: every link.
    scope: Literal["home", "other", "all"] = "all"
    # The server answered but refused the crawler: reported as blocked (warn), not broken.
    blocked_statuses: list[int] = [403, 429]


@rule_kind("link_broken", Params)
def link_broken(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each fetched link target that answered HTTP >= 400 or could not be reached."""
    if (unreachable := ctx.home_error("检查站内链接")) is not None:
        yield unreachable
        return
    home = ctx.home_urls()
    pages = ctx.snapshot.pages
    # Unfetched targets (crawl budget) are unknown, not broken; the home page itself is
    # site_unreachable's business. Only links to the rest are grouped (issue 7: most of a
    # site's links lead to pages that opened).
    failed = {
        url
        for url, page in pages.items()
        if not reachable(page) and not (page.status is None and page.error is None)
    } - home
    by_target: dict[str, list[Link]] = {}
    for link in ctx.snapshot.links:
        if link.target_url in failed:
            by_target.setdefault(link.target_url, []).append(link)
    for target in sorted(by_target):
        page = pages[target]
        links = by_target[target]
        on_home = [lk for lk in links if lk.on_home or lk.source_url in home]
        elsewhere = [lk for lk in links if not (lk.on_home or lk.source_url in home)]
        if p.scope == "home":
            chosen = on_home
        elif p.scope == "other":
            chosen = [] if on_home else elsewhere
        else:
            chosen = links
        if not chosen:
            continue
        sources = sorted({lk.source_url for lk in chosen})
        text = next((lk.text.strip() for lk in chosen if lk.text.strip()), "")
        label = KIND_LABELS.get(page.kind, "链接")
        obj = f"{label}“{text}”（{target}）" if text else f"{label} {target} "
        if all(lk.on_home or lk.source_url in home for lk in chosen):
            where = "首页上的"
        elif len(sources) == 1:
            where = f"页面 {sources[0]} 上的"
        else:
            where = f"{sources[0]} 等 {len(sources)} 个页面上的"
        evidence = {
            "status": page.status,
            "error": page.error,
            "kind": page.kind,
            "text": text,
            "sources": sources[:MAX_SOURCES],
            "source_count": len(sources),
        }
        if page.error is None and page.status in p.blocked_statuses:
            yield ctx.warn(
                target,
                f"{where}{obj}返回 HTTP {page.status}，疑似被拦截，未计为不可用链接。",
                target,
                blocked=True,
                **evidence,
            )
        else:
            yield ctx.fail(
                target,
                f"{where}{obj}无法打开（{describe_failure(page)}）。",
                target,
                blocked=False,
                **evidence,
            )
