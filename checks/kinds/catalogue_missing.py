"""catalogue_missing: every item of the site's disclosure catalogue must be findable (条例第二十条等)."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel, ConfigDict, PositiveInt

from checks.context import RuleContext
from checks.matching import Haystack
from checks.model import Finding
from checks.registry import rule_kind


class Params(BaseModel):
    """Parameters of catalogue_missing."""

    model_config = ConfigDict(extra="forbid")

    # An item is present when at least this many distinct texts of the site name it.
    min_matches: PositiveInt = 1


def site_texts(ctx: RuleContext) -> list[str]:
    """Return the distinct texts where a catalogue item can show: columns, links, titles, metas."""
    texts: set[str] = {c.name for c in ctx.snapshot.columns}
    texts.update(ctx.snapshot.link_texts())
    for page in ctx.snapshot.pages.values():
        # Plain adds, blanks dropped below (issue 7: a generator per page cost more).
        texts.add(page.title or "")
        texts.add(page.column or "")
        texts.add(page.metas.get("ColumnName") or "")
    return sorted({t.strip() for t in texts if t and t.strip()})


@rule_kind("catalogue_missing", Params)
def catalogue_missing(ctx: RuleContext, p: Params) -> Iterator[Finding]:
    """Fail each catalogue item whose synonyms match no column, link text or page title."""
    if (unreachable := ctx.home_error("检查公开目录事项是否齐全")) is not None:
        yield unreachable
        return
    profile = ctx.profile
    for name in ctx.site.not_applicable:
        if name not in profile.item_names:
            yield ctx.warn(
                name,
                f"站点配置的不适用事项“{name}”不在公开目录“{profile.name}”中，该设置没有作用。",
                profile=profile.name,
                items=profile.item_names,
            )
    texts = Haystack(site_texts(ctx))
    for item in profile.items:
        if item.optional or item.name in ctx.site.not_applicable:
            continue
        if p.min_matches == 1:
            found = texts.find(item.synonyms) is not None
        else:
            found = len(texts.matching(item.synonyms)) >= p.min_matches
        if found:
            continue
        yield ctx.fail(
            item.name,
            f"在 {len(texts)} 处栏目名、链接文字和页面标题中均未找到“{item.name}”（{item.basis}）。",
            profile=profile.name,
            item_basis=item.basis,
            synonyms=item.synonyms,
            candidates=len(texts),
            min_matches=p.min_matches,
        )
